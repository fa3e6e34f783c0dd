package aws

import (
	"testing"
)

// RCPs and the ECR registry policy (Policies.RCPs, Policies.Registry,
// Policies.Guards). Each case below fails when decide ignores the guardrail:
// the identity or repository policy alone allows the request.

const (
	docRCPFull = `{"Version":"2012-10-17","Statement":{"Sid":"RCPFullAWSAccess","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`
	// docRCPOrgOnly is the data-perimeter RCP: nobody outside the
	// organization may push.
	docRCPOrgOnly = `{"Version":"2012-10-17","Statement":{"Sid":"PushOnlyFromOrg","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*",
		"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}}`
	docRCPDenyPushAll = `{"Version":"2012-10-17","Statement":{"Sid":"NoPush","Effect":"Deny","Principal":"*","Action":["ecr:PutImage","ec2:CreateImage"],"Resource":"*"}}`
	docRegistryDeny   = `{"Version":"2012-10-17","Statement":{"Sid":"RegistryDenyPush","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*"}}`
	docRegistryAllow  = `{"Version":"2012-10-17","Statement":{"Sid":"RegistryAllowExt","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"ecr:*","Resource":"*"}}`
)

func rcpLevels(deny string) [][]NamedPolicy {
	return [][]NamedPolicy{{np("rcp:RCPFullAWSAccess", docRCPFull)}, {np("rcp:RCPFullAWSAccess", docRCPFull), np("rcp:perimeter", deny)}}
}

func TestDecideRCP(t *testing.T) {
	allowAll := []NamedPolicy{np("all", docAllowAll)}
	extAllowed := resPolicy("Ext", "Allow", `{"AWS":"arn:aws:iam::444455556666:root"}`)
	orgCtx := ctxWith(true, "aws:PrincipalOrgID", "o-abc")
	outCtx := ctxWith(true)
	runDecideCases(t, []decideCase{
		{name: "RCP denies a push from outside the organization", req: Request{Principal: extAlice, Context: outCtx},
			pol: Policies{Identity: allowAll, Resource: extAllowed, RCPs: rcpLevels(docRCPOrgOnly)}, want: ExplicitlyDenied, stmts: []string{"PushOnlyFromOrg"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "rcp" || rs[0].Policy != "rcp:perimeter" {
					t.Errorf("reason %+v, want the RCP named", rs[0])
				}
			}},
		{name: "the same RCP lets an organization member push", req: Request{Principal: extAlice, Context: orgCtx},
			pol: Policies{Identity: allowAll, Resource: extAllowed, RCPs: rcpLevels(docRCPOrgOnly)}, want: Allowed},
		{name: "RCP deny for all principals, same account", pol: Policies{Identity: allowAll, RCPs: rcpLevels(docRCPDenyPushAll)}, want: ExplicitlyDenied, stmts: []string{"NoPush"}},
		{name: "RCPs do not restrict service-linked roles", req: Request{Principal: "arn:aws:iam::111122223333:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication"},
			pol: Policies{Identity: allowAll, RCPs: rcpLevels(docRCPDenyPushAll)}, want: Allowed},
		{name: "RCPs do not restrict sessions of service-linked roles", req: Request{Principal: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECRReplication/s"},
			pol: Policies{Identity: allowAll, RCPs: rcpLevels(docRCPDenyPushAll)}, want: Allowed},
		{name: "RCPs do not apply to EC2 (not a supported service)", req: Request{Action: "ec2:CreateImage", Resource: "arn:aws:ec2:us-east-1:111122223333:instance/i-1"},
			pol: Policies{Identity: allowAll, RCPs: rcpLevels(docRCPDenyPushAll)}, want: Allowed},
		{name: "a level without an RCP allowing is an implicit deny", pol: Policies{Identity: allowAll, RCPs: [][]NamedPolicy{{np("rcp:RCPFullAWSAccess", docRCPFull)}, {np("rcp:perimeter", docRCPDenyPushAll)}}},
			want: ExplicitlyDenied},
		{name: "a level without an RCP allowing, no deny", req: Request{Action: "ecr:BatchGetImage"}, pol: Policies{Identity: allowAll, RCPs: [][]NamedPolicy{{np("rcp:perimeter", docRCPDenyPushAll)}}},
			want: ImplicitlyDenied, note: "no RCP statement at level 0"},
		{name: "Guards gives the RCPs for the resource's account", req: Request{Principal: extAlice, Context: outCtx},
			pol: Policies{Identity: allowAll, Resource: extAllowed, Guards: func(action, account, resource string, pattern bool) ([][]NamedPolicy, *NamedPolicy) {
				if action != "ecr:PutImage" || account != acct || resource != repoApp || pattern {
					t.Errorf("Guards(%q, %q, %q, %v)", action, account, resource, pattern)
				}
				return rcpLevels(docRCPOrgOnly), nil
			}}, want: ExplicitlyDenied, stmts: []string{"PushOnlyFromOrg"}},
	})
}

func TestDecideRegistryPolicy(t *testing.T) {
	allowAll := []NamedPolicy{np("all", docAllowAll)}
	registryDeny := npp("registry-policy:111122223333/us-east-1", docRegistryDeny)
	runDecideCases(t, []decideCase{
		{name: "a registry deny reduces a repository push", pol: Policies{Identity: allowAll, Registry: registryDeny}, want: ExplicitlyDenied, stmts: []string{"RegistryDenyPush"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].Policy != "registry-policy:111122223333/us-east-1" || rs[0].PolicyType != "resource_policy" {
					t.Errorf("reason %+v, want the registry policy named", rs[0])
				}
			}},
		{name: "a registry deny wins over a repository allow", req: Request{Principal: extAlice},
			pol: Policies{Identity: allowAll, Resource: resPolicy("Ext", "Allow", `{"AWS":"arn:aws:iam::444455556666:root"}`), Registry: registryDeny}, want: ExplicitlyDenied},
		{name: "a registry allow grants across accounts (scope V2)", req: Request{Principal: extAlice},
			pol: Policies{Identity: allowAll, Registry: npp("registry-policy:111122223333/us-east-1", docRegistryAllow)}, want: Allowed, stmts: []string{"AllowAll", "RegistryAllowExt"}},
		{name: "without the registry policy the cross-account push is denied", req: Request{Principal: extAlice},
			pol: Policies{Identity: allowAll}, want: ImplicitlyDenied},
		{name: "the registry policy is not counted twice on the registry itself", req: Request{Resource: repoSet, ResourcePattern: true},
			pol:  Policies{Identity: allowAll, Resource: registryDeny, Guards: func(string, string, string, bool) ([][]NamedPolicy, *NamedPolicy) { return nil, registryDeny }},
			want: ExplicitlyDenied, stmts: []string{"RegistryDenyPush"}},
	})
}
