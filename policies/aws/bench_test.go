package aws

import "testing"

func benchDecide(b *testing.B, req *Request, pol *Policies, want Decision) {
	b.Helper()
	if got := Decide(req, pol).Decision; got != want {
		b.Fatalf("decision %s, want %s", got, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Decide(req, pol)
	}
}

func BenchmarkDecide(b *testing.B) {
	ctx := ctxWith(true, "aws:SourceIp", "10.1.2.3", "aws:RequestedRegion", "us-east-1",
		"aws:PrincipalTag/team", "platform", "aws:MultiFactorAuthPresent", "true", "aws:PrincipalArn", session)
	identity := []NamedPolicy{
		np("ReadOnly", `{"Version":"2012-10-17","Statement":[
			{"Sid":"Describe","Effect":"Allow","Action":["ec2:Describe*","ecr:Describe*","ecr:List*","ecr:Get*"],"Resource":"*"},
			{"Sid":"Logs","Effect":"Allow","Action":["logs:*"],"Resource":"arn:aws:logs:*:*:log-group:/ci/*"}]}`),
		np("Push", `{"Version":"2012-10-17","Statement":[
			{"Sid":"Push","Effect":"Allow","Action":["ecr:Put*","ecr:*Layer*","ecr:BatchGet*"],"Resource":"arn:aws:ecr:*:111122223333:repository/app*",
			 "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},"StringLike":{"aws:PrincipalTag/team":"plat*"}}},
			{"Sid":"NoDelete","Effect":"Deny","Action":"ecr:BatchDeleteImage","Resource":"*"}]}`),
		np("Images", `{"Version":"2012-10-17","Statement":[
			{"Sid":"Images","Effect":"Allow","Action":"ec2:*Image*","Resource":["arn:aws:ec2:*::image/*","arn:aws:ec2:*:*:instance/*"]},
			{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`),
	}
	guardrail := np("guardrail", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Region","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},
		{"Sid":"ProtectRoles","Effect":"Deny","Action":["iam:*Role*"],"Resource":"arn:aws:iam::*:role/admin*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin*"}}}]}`)
	full := np("FullAWSAccess", docFullAccess)

	b.Run("identity", func(b *testing.B) {
		req := &Request{Principal: alice, Action: "ecr:PutImage", Resource: repoApp, Context: ctx}
		benchDecide(b, req, &Policies{Identity: identity}, Allowed)
	})
	b.Run("boundary+scp+resource", func(b *testing.B) {
		req := &Request{Principal: session, Action: "ecr:PutImage", Resource: repoApp, Context: ctx}
		pol := &Policies{
			Identity: identity,
			Boundary: npp("boundary", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:*","ec2:*","s3:*","logs:*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`),
			SCPs:     [][]NamedPolicy{{full}, {full, guardrail}},
			Resource: npp("repo-policy", `{"Version":"2012-10-17","Statement":[
				{"Sid":"Org","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},
				{"Sid":"CI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/builder"},"Action":["ecr:Put*","ecr:*Layer*"]},
				{"Sid":"NoPublic","Effect":"Deny","Principal":"*","Action":"ecr:SetRepositoryPolicy","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}]}`),
		}
		benchDecide(b, req, pol, Allowed)
	})
	b.Run("pattern", func(b *testing.B) {
		req := &Request{Principal: alice, Action: "ecr:PutImage", Resource: "arn:aws:ecr:*:111122223333:repository/*", ResourcePattern: true, Context: ctx}
		pol := &Policies{Identity: identity, SCPs: [][]NamedPolicy{{full, guardrail}}}
		benchDecide(b, req, pol, Allowed)
	})
}
