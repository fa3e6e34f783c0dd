package aws

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const (
	acct       = "111122223333"
	otherAcct  = "444455556666"
	alice      = "arn:aws:iam::111122223333:user/alice"
	bob        = "arn:aws:iam::111122223333:user/bob"
	extAlice   = "arn:aws:iam::444455556666:user/alice"
	builderARN = "arn:aws:iam::111122223333:role/builder"
	session    = "arn:aws:sts::111122223333:assumed-role/builder/s1"
	repoApp    = "arn:aws:ecr:us-east-1:111122223333:repository/app"
	repoSet    = "arn:aws:ecr:us-east-1:111122223333:repository/*"
)

const (
	docAllowAll   = `{"Version":"2012-10-17","Statement":{"Sid":"AllowAll","Effect":"Allow","Action":"*","Resource":"*"}}`
	docAllowECR   = `{"Version":"2012-10-17","Statement":{"Sid":"AllowECR","Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/*"}}`
	docAllowPut   = `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"AllowPut","Effect":"Allow","Action":"ecr:Put*","Resource":"*"}]}`
	docAllowS3    = `{"Version":"2012-10-17","Statement":{"Sid":"AllowS3","Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	docDenyPut    = `{"Version":"2012-10-17","Statement":{"Sid":"DenyPut","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}}`
	docDenyDelete = `{"Version":"2012-10-17","Statement":{"Sid":"DenyDelete","Effect":"Deny","Action":"ecr:BatchDeleteImage","Resource":"*"}}`
	docFullAccess = `{"Version":"2012-10-17","Statement":{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}}`
)

// resPolicy is an ECR repository policy allowing ecr:* to one principal element.
func resPolicy(sid, effect, principal string) *NamedPolicy {
	return npp("repo-policy", `{"Version":"2012-10-17","Statement":{"Sid":"`+sid+`","Effect":"`+effect+`","Principal":`+principal+`,"Action":"ecr:*"}}`)
}

type decideCase struct {
	name    string
	req     Request
	pol     Policies
	want    Decision
	stmts   []string // when set, the Statement labels of the reasons, in order
	note    string   // when set, a part of some reason's Note
	reasons func(t *testing.T, rs []Reason)
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			if req.Action == "" {
				req.Action = "ecr:PutImage"
			}
			if req.Resource == "" {
				req.Resource = repoApp
			}
			if req.Principal == "" {
				req.Principal = alice
			}
			got := Decide(&req, &tc.pol)
			if got.Decision != tc.want {
				t.Fatalf("decision %s, want %s; reasons %+v", got.Decision, tc.want, got.Reasons)
			}
			if tc.stmts != nil {
				var labels []string
				for _, r := range got.Reasons {
					if r.Statement != "" {
						labels = append(labels, r.Statement)
					}
				}
				if !reflect.DeepEqual(labels, tc.stmts) {
					t.Errorf("reason statements %q, want %q; reasons %+v", labels, tc.stmts, got.Reasons)
				}
			}
			if tc.note != "" {
				found := false
				for _, r := range got.Reasons {
					found = found || strings.Contains(r.Note, tc.note)
				}
				if !found {
					t.Errorf("no reason notes %q: %+v", tc.note, got.Reasons)
				}
			}
			if tc.reasons != nil {
				tc.reasons(t, got.Reasons)
			}
		})
	}
}

func TestDecideIdentityAndDeny(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "no policy is an implicit deny", want: ImplicitlyDenied, note: "no statement allows"},
		{name: "identity allow", pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}}, want: Allowed, stmts: []string{"AllowECR"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "identity" || rs[0].Policy != "ecr" || rs[0].Effect != "Allow" || rs[0].Conditional {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "only the matching statement is a reason", pol: Policies{Identity: []NamedPolicy{np("p", docAllowPut)}}, want: Allowed, stmts: []string{"AllowPut"}},
		{name: "lower-case request action", req: Request{Action: "ecr:putimage"}, pol: Policies{Identity: []NamedPolicy{np("p", docAllowPut)}}, want: Allowed},
		{name: "action of another service", req: Request{Action: "ec2:CreateImage", Resource: "arn:aws:ec2:us-east-1:111122223333:instance/i-1"}, pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}}, want: ImplicitlyDenied},
		{name: "resource outside the allow", req: Request{Resource: "arn:aws:ecr:us-east-1:111122223333:image/x"}, pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}}, want: ImplicitlyDenied},
		{name: "explicit deny wins over allow", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("guard", docDenyPut)}}, want: ExplicitlyDenied, stmts: []string{"DenyPut"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "identity" || rs[0].Policy != "guard" || rs[0].Effect != "Deny" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "explicit deny without any allow", pol: Policies{Identity: []NamedPolicy{np("guard", docDenyPut)}}, want: ExplicitlyDenied},
		{name: "explicit deny in the same statement list", pol: Policies{Identity: []NamedPolicy{np("p", `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"ecr:Put*","Resource":"arn:aws:ecr:*:*:repository/app"}]}`)}}, want: ExplicitlyDenied, stmts: []string{"D"}},
		{name: "deny of another action does not apply", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("guard", docDenyDelete)}}, want: Allowed, stmts: []string{"AllowAll"}},
		{name: "deny with NotAction", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("guard", `{"Statement":{"Sid":"OnlyReads","Effect":"Deny","NotAction":["ecr:Get*","ecr:BatchGet*"],"Resource":"*"}}`)}}, want: ExplicitlyDenied, stmts: []string{"OnlyReads"}},
		{name: "allow with NotAction", req: Request{Action: "iam:PassRole", Resource: builderARN}, pol: Policies{Identity: []NamedPolicy{np("p", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`)}}, want: ImplicitlyDenied},
		{name: "deny with NotResource elsewhere", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("guard", `{"Statement":{"Sid":"OnlyBase","Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:*:repository/base/*"}}`)}}, want: ExplicitlyDenied, stmts: []string{"OnlyBase"}},
		{name: "deny with NotResource covering the resource", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("guard", `{"Statement":{"Sid":"OnlyApp","Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:*:repository/app"}}`)}}, want: Allowed},
		{name: "statement without Sid is named by position", pol: Policies{Identity: []NamedPolicy{np("p", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}`)}}, want: Allowed, stmts: []string{"#1"}},
		{name: "nil policy in the list is skipped", pol: Policies{Identity: []NamedPolicy{{Name: "nil"}, np("ecr", docAllowECR)}}, want: Allowed},
	})
}

func TestDecideBoundaryAndSCP(t *testing.T) {
	full := []NamedPolicy{np("FullAWSAccess", docFullAccess)}
	runDecideCases(t, []decideCase{
		{name: "boundary limits identity", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, Boundary: npp("boundary", docAllowS3)}, want: ImplicitlyDenied, note: "permissions boundary does not allow",
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "permissions_boundary" || rs[0].Policy != "boundary" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "boundary allows", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, Boundary: npp("boundary", docAllowECR)}, want: Allowed, stmts: []string{"AllowAll"}},
		{name: "boundary alone grants nothing", pol: Policies{Boundary: npp("boundary", docAllowAll)}, want: ImplicitlyDenied},
		{name: "explicit deny in the boundary", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, Boundary: npp("boundary", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"BDeny","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}`)}, want: ExplicitlyDenied, stmts: []string{"BDeny"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "permissions_boundary" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "every SCP level allows", pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}, SCPs: [][]NamedPolicy{full, {np("ou", docAllowECR)}}}, want: Allowed, stmts: []string{"AllowECR"}},
		{name: "one SCP level does not allow", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{full, {np("ou-s3-only", docAllowS3)}}}, want: ImplicitlyDenied, note: "level 1",
			reasons: func(t *testing.T, rs []Reason) {
				if len(rs) != 1 || rs[0].PolicyType != "scp" || rs[0].Policy != "ou-s3-only" {
					t.Errorf("reasons %+v", rs)
				}
			}},
		{name: "root SCP level does not allow", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{{np("root-s3-only", docAllowS3)}, full}}, want: ImplicitlyDenied, note: "level 0"},
		{name: "a level allows if any of its policies allows", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{full, {np("s3", docAllowS3), np("ecr", docAllowECR)}}}, want: Allowed},
		{name: "explicit deny in an SCP", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{full, {np("guardrail", docDenyPut), np("FullAWSAccess", docFullAccess)}}}, want: ExplicitlyDenied, stmts: []string{"DenyPut"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "scp" || rs[0].Policy != "guardrail" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "SCP level with only a deny allows nothing", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{full, {np("guardrail", docDenyDelete)}}}, want: ImplicitlyDenied},
		{name: "empty SCP list: no SCP applies", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{}}, want: Allowed},
		{name: "nil SCP list: no SCP applies", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}}, want: Allowed},
		{name: "an empty SCP level allows nothing", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{{}}}, want: ImplicitlyDenied},
		{name: "SCP allow grants nothing by itself", pol: Policies{SCPs: [][]NamedPolicy{full}}, want: ImplicitlyDenied},
		{name: "SCP short ARN without trailing wildcard matches nothing", pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll)}, SCPs: [][]NamedPolicy{{np("scp", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:ecr"}}`)}}}, want: ImplicitlyDenied},
		{name: "boundary, SCP and identity all allow", pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}, Boundary: npp("b", docAllowAll), SCPs: [][]NamedPolicy{full, full}}, want: Allowed},
	})
}

func TestDecideResourcePolicies(t *testing.T) {
	identityAll := []NamedPolicy{np("all", docAllowAll)}
	runDecideCases(t, []decideCase{
		{name: "same-account resource policy alone allows", pol: Policies{Resource: resPolicy("RepoAllow", "Allow", `{"AWS":"`+alice+`"}`)}, want: Allowed, stmts: []string{"RepoAllow"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "resource_policy" || rs[0].Policy != "repo-policy" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: `same-account Principal "*" alone allows`, pol: Policies{Resource: resPolicy("Public", "Allow", `"*"`)}, want: Allowed, stmts: []string{"Public"}},
		{name: "same-account resource policy for another user", pol: Policies{Resource: resPolicy("Bob", "Allow", `{"AWS":"`+bob+`"}`)}, want: ImplicitlyDenied},
		{name: "same-account account root alone delegates to IAM", pol: Policies{Resource: resPolicy("Root", "Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`)}, want: ImplicitlyDenied},
		{name: "same-account account root and identity allow", pol: Policies{Identity: identityAll, Resource: resPolicy("Root", "Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`)}, want: Allowed},
		{name: "resource policy of another action", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key"}, pol: Policies{Resource: resPolicy("Public", "Allow", `"*"`)}, want: ImplicitlyDenied},
		{name: "cross-account identity only", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied, note: "cross-account"},
		{name: "cross-account resource policy only", req: Request{Principal: extAlice}, pol: Policies{Resource: resPolicy("Ext", "Allow", `{"AWS":"`+extAlice+`"}`)}, want: ImplicitlyDenied, note: "cross-account"},
		{name: "cross-account needs both: named user", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("Ext", "Allow", `{"AWS":"`+extAlice+`"}`)}, want: Allowed, stmts: []string{"AllowAll", "Ext"}},
		{name: "cross-account needs both: account root", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("ExtRoot", "Allow", `{"AWS":"arn:aws:iam::444455556666:root"}`)}, want: Allowed},
		{name: "cross-account needs both: account id", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("ExtID", "Allow", `{"AWS":"444455556666"}`)}, want: Allowed},
		{name: `cross-account Principal "*"`, req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("Public", "Allow", `"*"`)}, want: Allowed},
		{name: `cross-account {"AWS":"*"}`, req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("Public", "Allow", `{"AWS":"*"}`)}, want: Allowed},
		{name: "cross-account resource policy names another account", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: resPolicy("Own", "Allow", `{"AWS":"111122223333"}`)}, want: ImplicitlyDenied},
		{name: "cross-account boundary still limits", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Boundary: npp("b", docAllowS3), Resource: resPolicy("Ext", "Allow", `{"AWS":"`+extAlice+`"}`)}, want: ImplicitlyDenied},
		{name: "cross-account SCP still applies", req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("s3", docAllowS3)}}, Resource: resPolicy("Ext", "Allow", `{"AWS":"`+extAlice+`"}`)}, want: ImplicitlyDenied},
		{name: "resource-policy deny to the account root denies", pol: Policies{Identity: identityAll, Resource: resPolicy("DenyAcct", "Deny", `{"AWS":"arn:aws:iam::111122223333:root"}`)}, want: ExplicitlyDenied, stmts: []string{"DenyAcct"}},
		{name: "resource-policy deny to the account id denies", pol: Policies{Identity: identityAll, Resource: resPolicy("DenyAcct", "Deny", `{"AWS":"111122223333"}`)}, want: ExplicitlyDenied},
		{name: `resource-policy deny "*" denies cross-account`, req: Request{Principal: extAlice}, pol: Policies{Identity: identityAll, Resource: npp("repo-policy", `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"ecr:*"},{"Sid":"D","Effect":"Deny","Principal":"*","Action":"ecr:PutImage"}]}`)}, want: ExplicitlyDenied, stmts: []string{"D"}},
		{name: "resource-policy deny to another account does not apply", pol: Policies{Identity: identityAll, Resource: resPolicy("DenyExt", "Deny", `{"AWS":"444455556666"}`)}, want: Allowed},
		{name: "resource-policy NotPrincipal deny spares the named user", pol: Policies{Identity: identityAll, Resource: npp("repo-policy", `{"Statement":{"Sid":"OnlyAlice","Effect":"Deny","NotPrincipal":{"AWS":"`+alice+`"},"Action":"ecr:*"}}`)}, want: Allowed},
		{name: "resource-policy NotPrincipal deny hits others", req: Request{Principal: bob}, pol: Policies{Identity: identityAll, Resource: npp("repo-policy", `{"Statement":{"Sid":"OnlyAlice","Effect":"Deny","NotPrincipal":{"AWS":"`+alice+`"},"Action":"ecr:*"}}`)}, want: ExplicitlyDenied, stmts: []string{"OnlyAlice"}},

		// permissions boundaries and resource policies
		{name: "boundary bypass for a user named directly", pol: Policies{Boundary: npp("b", docAllowS3), Resource: resPolicy("Alice", "Allow", `{"AWS":"`+alice+`"}`)}, want: Allowed, stmts: []string{"Alice"}},
		{name: "no bypass through the account root", pol: Policies{Identity: identityAll, Boundary: npp("b", docAllowS3), Resource: resPolicy("Root", "Allow", `{"AWS":"111122223333"}`)}, want: ImplicitlyDenied},
		{name: "no bypass for a role ARN: boundary limits the session", req: Request{Principal: session}, pol: Policies{Boundary: npp("b", docAllowS3), Resource: resPolicy("Role", "Allow", `{"AWS":"`+builderARN+`"}`)}, want: ImplicitlyDenied},
		{name: "role ARN grant without a boundary", req: Request{Principal: session}, pol: Policies{Resource: resPolicy("Role", "Allow", `{"AWS":"`+builderARN+`"}`)}, want: Allowed, stmts: []string{"Role"}},
		{name: "bypass for the session ARN named directly", req: Request{Principal: session}, pol: Policies{Boundary: npp("b", docAllowS3), Resource: resPolicy("Session", "Allow", `{"AWS":"`+session+`"}`)}, want: Allowed},
		{name: "boundary deny is not bypassed", pol: Policies{Boundary: npp("b", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"BD","Effect":"Deny","Action":"ecr:*","Resource":"*"}]}`), Resource: resPolicy("Alice", "Allow", `{"AWS":"`+alice+`"}`)}, want: ExplicitlyDenied, stmts: []string{"BD"}},
		{name: "SCP is not bypassed by a resource policy", pol: Policies{SCPs: [][]NamedPolicy{{np("s3", docAllowS3)}}, Resource: resPolicy("Alice", "Allow", `{"AWS":"`+alice+`"}`)}, want: ImplicitlyDenied},

		// resource account
		{name: "S3 ARN without account is the principal's account", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key"}, pol: Policies{Identity: identityAll}, want: Allowed},
		{name: "ResourceAccount makes the request cross-account", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key", ResourceAccount: otherAcct}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied},
		{name: "ResourceAccount with a bucket policy naming the user", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key", ResourceAccount: otherAcct},
			pol: Policies{Identity: identityAll, Resource: npp("bucket", `{"Statement":{"Sid":"B","Effect":"Allow","Principal":{"AWS":"`+alice+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}`)}, want: Allowed},

		// service principals
		{name: "service principal allowed by the resource policy", req: Request{Principal: "codebuild.amazonaws.com", Action: "ecr:BatchGetImage"}, pol: Policies{Resource: resPolicy("CB", "Allow", `{"Service":"codebuild.amazonaws.com"}`)}, want: Allowed},
		{name: "service principal needs the resource policy", req: Request{Principal: "codebuild.amazonaws.com", Action: "ecr:BatchGetImage"}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied},
		{name: "service principal of another service", req: Request{Principal: "lambda.amazonaws.com", Action: "ecr:BatchGetImage"}, pol: Policies{Resource: resPolicy("CB", "Allow", `{"Service":"codebuild.amazonaws.com"}`)}, want: ImplicitlyDenied},

		// requests IAM refuses whatever the policies say
		{name: "iam:CreatePolicyVersion on an AWS managed policy", req: Request{Action: "iam:CreatePolicyVersion", Resource: "arn:aws:iam::aws:policy/AdministratorAccess"}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied, note: "AWS managed policies",
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].PolicyType != "service" {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "iam:DeletePolicy on an AWS managed policy with a path", req: Request{Action: "iam:DeletePolicy", Resource: "arn:aws:iam::aws:policy/service-role/AWSCodeBuildAdminAccess"}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied},
		{name: "iam:CreatePolicyVersion on a customer managed policy", req: Request{Action: "iam:CreatePolicyVersion", Resource: "arn:aws:iam::111122223333:policy/ci"}, pol: Policies{Identity: identityAll}, want: Allowed},
		{name: "iam:PassRole on a role under /aws-reserved/", req: Request{Action: "iam:PassRole", Resource: "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin"}, pol: Policies{Identity: identityAll}, want: ImplicitlyDenied},
		{name: "iam:GetPolicy on an AWS managed policy is not refused", req: Request{Action: "iam:GetPolicy", Resource: "arn:aws:iam::aws:policy/AdministratorAccess", ResourceAccount: acct}, pol: Policies{Identity: identityAll}, want: Allowed},
		{name: "explicit deny still reported on an AWS managed policy", req: Request{Action: "iam:CreatePolicyVersion", Resource: "arn:aws:iam::aws:policy/AdministratorAccess"}, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("d", `{"Statement":{"Sid":"NoIAM","Effect":"Deny","Action":"iam:*","Resource":"*"}}`)}}, want: ExplicitlyDenied, stmts: []string{"NoIAM"}},
	})
}

func TestDecideConditional(t *testing.T) {
	const (
		allowFromVPN  = `{"Statement":{"Sid":"FromVPN","Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`
		denyWithout   = `{"Statement":{"Sid":"NeedMFA","Effect":"Deny","Action":"ecr:PutImage","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}`
		denyOutRegion = `{"Statement":{"Sid":"OnlyUS","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}}`
	)
	incomplete := func(kv ...string) *Context { return ctxWith(false, kv...) }
	complete := func(kv ...string) *Context { return ctxWith(true, kv...) }
	identityAll := []NamedPolicy{np("all", docAllowAll)}
	runDecideCases(t, []decideCase{
		{name: "unknown allow condition is conditional", req: Request{Context: incomplete()}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN)}}, want: Conditional, stmts: []string{"FromVPN"},
			reasons: func(t *testing.T, rs []Reason) {
				if !rs[0].Conditional || !reflect.DeepEqual(rs[0].Conditions, []string{"IpAddress aws:SourceIp 10.0.0.0/8"}) {
					t.Errorf("reason %+v", rs[0])
				}
			}},
		{name: "known true allow condition", req: Request{Context: incomplete("aws:SourceIp", "10.1.2.3")}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN)}}, want: Allowed},
		{name: "known false allow condition", req: Request{Context: incomplete("aws:SourceIp", "192.168.1.1")}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN)}}, want: ImplicitlyDenied},
		{name: "missing key in a complete context", req: Request{Context: complete()}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN)}}, want: ImplicitlyDenied},
		{name: "nil context is complete", pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN)}}, want: ImplicitlyDenied},
		{name: "unconditional allow wins over an unknown one", req: Request{Context: incomplete()}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN), np("ecr", docAllowECR)}}, want: Allowed},
		{name: "unknown deny condition over an allow is conditional", req: Request{Context: incomplete()}, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("mfa", denyWithout)}}, want: Conditional, stmts: []string{"AllowAll", "NeedMFA"},
			reasons: func(t *testing.T, rs []Reason) {
				if rs[0].Conditional || !rs[1].Conditional || rs[1].Effect != "Deny" {
					t.Errorf("reasons %+v", rs)
				}
			}},
		{name: "known true deny condition is an explicit deny", req: Request{Context: incomplete("aws:MultiFactorAuthPresent", "false")}, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("mfa", denyWithout)}}, want: ExplicitlyDenied, stmts: []string{"NeedMFA"}},
		{name: "known false deny condition", req: Request{Context: incomplete("aws:MultiFactorAuthPresent", "true")}, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("mfa", denyWithout)}}, want: Allowed},
		{name: "IfExists deny with the key absent in a complete context", req: Request{Context: complete()}, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("mfa", denyWithout)}}, want: ExplicitlyDenied},
		{name: "negated deny with the key absent in a complete context", req: Request{Context: complete()}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("FullAWSAccess", docFullAccess), np("region", denyOutRegion)}}}, want: ExplicitlyDenied, stmts: []string{"OnlyUS"}},
		{name: "negated deny, other region", req: Request{Context: complete("aws:RequestedRegion", "eu-west-1")}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("FullAWSAccess", docFullAccess), np("region", denyOutRegion)}}}, want: ExplicitlyDenied},
		{name: "negated deny, allowed region", req: Request{Context: complete("aws:RequestedRegion", "us-east-1")}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("FullAWSAccess", docFullAccess), np("region", denyOutRegion)}}}, want: Allowed},
		{name: "unknown SCP deny is conditional", req: Request{Context: incomplete()}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("FullAWSAccess", docFullAccess), np("region", denyOutRegion)}}}, want: Conditional, stmts: []string{"AllowAll", "OnlyUS"}},
		{name: "unknown deny without any allow is an implicit deny", req: Request{Context: incomplete()}, pol: Policies{Identity: []NamedPolicy{np("mfa", denyWithout)}}, want: ImplicitlyDenied},
		{name: "unknown allow and known deny is an explicit deny", req: Request{Context: incomplete("aws:MultiFactorAuthPresent", "false")}, pol: Policies{Identity: []NamedPolicy{np("vpn", allowFromVPN), np("mfa", denyWithout)}}, want: ExplicitlyDenied, stmts: []string{"NeedMFA"}},
		{name: "unknown boundary allow is conditional", req: Request{Context: incomplete()}, pol: Policies{Identity: identityAll, Boundary: npp("b", allowFromVPN)}, want: Conditional, stmts: []string{"AllowAll", "FromVPN"}},
		{name: "unknown SCP allow is conditional", req: Request{Context: incomplete()}, pol: Policies{Identity: identityAll, SCPs: [][]NamedPolicy{{np("vpn", allowFromVPN)}}}, want: Conditional},
		{name: "unknown resource policy allow is conditional", req: Request{Context: incomplete()}, pol: Policies{Resource: npp("repo-policy", `{"Statement":{"Sid":"R","Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}}`)}, want: Conditional, stmts: []string{"R"}},
		{name: "policy variable in the resource, incomplete context", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/x", Context: incomplete()}, pol: Policies{Identity: []NamedPolicy{np("home", `{"Statement":{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)}}, want: Conditional, stmts: []string{"Home"}},
		{name: "policy variable in the resource, complete context", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/x", Context: complete("aws:username", "alice")}, pol: Policies{Identity: []NamedPolicy{np("home", `{"Statement":{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)}}, want: Allowed},
		{name: "policy variable in the resource, other user", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/x", Context: complete("aws:username", "bob")}, pol: Policies{Identity: []NamedPolicy{np("home", `{"Statement":{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)}}, want: ImplicitlyDenied},
		{name: "policy variable in the resource, no value", req: Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/x", Context: complete()}, pol: Policies{Identity: []NamedPolicy{np("home", `{"Statement":{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)}}, want: ImplicitlyDenied},
	})
}

func TestDecidePatternRequests(t *testing.T) {
	allowApp := np("app", `{"Statement":{"Sid":"AllowApp","Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/app*"}}`)
	denyApp := np("deny-app", `{"Statement":{"Sid":"DenyApp","Effect":"Deny","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/app*"}}`)
	denyAll := np("deny-all", `{"Statement":{"Sid":"DenyRepos","Effect":"Deny","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/*"}}`)
	set := Request{Resource: repoSet, ResourcePattern: true}
	with := func(f func(r *Request)) Request { r := set; f(&r); return r }
	runDecideCases(t, []decideCase{
		{name: "allow reaching part of the set", req: set, pol: Policies{Identity: []NamedPolicy{allowApp}}, want: Allowed, stmts: []string{"AllowApp"}},
		{name: "AllowWhole: allow of a part is not enough", req: with(func(r *Request) { r.AllowWhole = true }), pol: Policies{Identity: []NamedPolicy{allowApp}}, want: ImplicitlyDenied},
		{name: "AllowWhole: covering allow", req: with(func(r *Request) { r.AllowWhole = true }), pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}}, want: Allowed},
		{name: "allow disjoint from the set", req: set, pol: Policies{Identity: []NamedPolicy{np("other", `{"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:444455556666:repository/*"}}`)}}, want: ImplicitlyDenied},
		{name: "deny of a part leaves the rest", req: set, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), denyApp}}, want: Allowed},
		{name: "DenyPart: deny of a part counts", req: with(func(r *Request) { r.DenyPart = true }), pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), denyApp}}, want: ExplicitlyDenied, stmts: []string{"DenyApp"}},
		{name: "deny covering the set", req: set, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), denyAll}}, want: ExplicitlyDenied, stmts: []string{"DenyRepos"}},
		{name: "AllowWhole and DenyPart together", req: with(func(r *Request) { r.AllowWhole, r.DenyPart = true, true }), pol: Policies{Identity: []NamedPolicy{np("ecr", docAllowECR), denyApp}}, want: ExplicitlyDenied},
		{name: "NotResource deny of a part does not cover the set", req: set, pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("d", `{"Statement":{"Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:*:repository/app"}}`)}}, want: Allowed},
		{name: "NotResource deny with DenyPart", req: with(func(r *Request) { r.DenyPart = true }), pol: Policies{Identity: []NamedPolicy{np("all", docAllowAll), np("d", `{"Statement":{"Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:*:repository/app"}}`)}}, want: ExplicitlyDenied},
		{name: "pattern over accounts is cross-account for a resource policy", req: Request{Principal: extAlice, Resource: repoSet, ResourcePattern: true}, pol: Policies{Identity: []NamedPolicy{allowApp}, Resource: resPolicy("Ext", "Allow", `{"AWS":"444455556666"}`)}, want: Allowed},
		{name: "pattern request without wildcard is one resource", req: Request{Resource: repoApp, ResourcePattern: true, AllowWhole: true}, pol: Policies{Identity: []NamedPolicy{allowApp}}, want: Allowed},
	})
}

func TestDecideResultGrants(t *testing.T) {
	req := &Request{Principal: alice, Action: "ecr:PutImage", Resource: repoApp}
	pol := &Policies{Identity: []NamedPolicy{np("ecr", docAllowECR)}, Resource: resPolicy("RepoAllow", "Allow", `{"AWS":"`+alice+`"}`)}
	got := Decide(req, pol)
	if got.Decision != Allowed || len(got.Grants) != 2 || got.Grants[0].Kind != IdentityPolicy || got.Grants[1].Kind != ResourcePolicy ||
		got.Grants[0].Statement.Sid != "AllowECR" || got.Grants[1].Statement.Sid != "RepoAllow" {
		t.Fatalf("%+v", got)
	}
	// Within the account, an identity grant a boundary blocks is no grant.
	pol.Boundary = npp("b", docAllowS3)
	got = Decide(req, pol)
	if got.Decision != Allowed || len(got.Grants) != 1 || got.Grants[0].Kind != ResourcePolicy {
		t.Fatalf("with a boundary: %+v", got)
	}
}

func TestDecideBatchLine(t *testing.T) {
	line := func(m map[string]any) []byte {
		base := map[string]any{
			"id": "c1", "principal": alice, "action": "ecr:PutImage", "resource": repoApp,
			"identity_policies":   []any{map[string]any{"name": "p0", "document": json.RawMessage(docAllowECR)}},
			"permission_boundary": nil, "scps": []any{}, "resource_policy": nil,
			"context": map[string]any{"aws:SourceIp": "10.1.2.3"},
		}
		for k, v := range m {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
		b, err := json.Marshal(base)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name     string
		line     []byte
		decision Decision
		errPart  string
		stmts    []string
	}{
		{"allowed", line(nil), Allowed, "", []string{"AllowECR"}},
		{"document as a JSON string", line(map[string]any{"identity_policies": []any{map[string]any{"name": "p0", "document": docAllowECR}}}), Allowed, "", nil},
		{"SCP deny", line(map[string]any{"scps": []any{[]any{map[string]any{"name": "full", "document": json.RawMessage(docFullAccess)}, map[string]any{"name": "g", "document": json.RawMessage(docDenyPut)}}}}), ExplicitlyDenied, "", []string{"DenyPut"}},
		{"boundary", line(map[string]any{"permission_boundary": map[string]any{"name": "b", "document": json.RawMessage(docAllowS3)}}), ImplicitlyDenied, "", nil},
		{"cross-account with resource policy", line(map[string]any{"principal": extAlice, "resource_policy": json.RawMessage(`{"Statement":{"Sid":"R","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"ecr:*"}}`)}), Allowed, "", []string{"AllowECR", "R"}},
		{"resource_account", line(map[string]any{"resource": "arn:aws:s3:::b/k", "action": "s3:GetObject", "resource_account": otherAcct, "identity_policies": []any{map[string]any{"name": "all", "document": json.RawMessage(docAllowAll)}}}), ImplicitlyDenied, "", nil},
		{"condition with context", line(map[string]any{"identity_policies": []any{map[string]any{"name": "p", "document": json.RawMessage(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)}}}), Allowed, "", nil},
		{"context is complete: missing key", line(map[string]any{"context": map[string]any{}, "identity_policies": []any{map[string]any{"name": "p", "document": json.RawMessage(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)}}}), ImplicitlyDenied, "", nil},
		{"not JSON", []byte(`{"id":`), "error", "request:", nil},
		{"unknown field", line(map[string]any{"extra": 1}), "error", "unknown field", nil},
		{"missing principal", line(map[string]any{"principal": ""}), "error", "principal, action and resource are required", nil},
		{"action *", line(map[string]any{"action": "*"}), "error", "action:", nil},
		{"action without service", line(map[string]any{"action": "PutImage"}), "error", "action:", nil},
		{"bad identity document names the place", line(map[string]any{"identity_policies": []any{map[string]any{"name": "p0", "document": json.RawMessage(`{"Statement":{"Effect":"Allow","Action":3,"Resource":"*"}}`)}}}), "error", "identity_policies[0] (p0).document: Statement[0].Action", nil},
		{"bad SCP document names the level", line(map[string]any{"scps": []any{[]any{}, []any{map[string]any{"name": "g", "document": json.RawMessage(`{"Statement":{"Effect":"Deny"}}`)}}}}), "error", "scps[1][0] (g).document", nil},
		{"bad boundary", line(map[string]any{"permission_boundary": map[string]any{"name": "b", "document": json.RawMessage(`{}`)}}), "error", "permission_boundary (b).document: Statement: missing", nil},
		{"bad resource policy", line(map[string]any{"resource_policy": json.RawMessage(`{"Statement":{"Effect":"Allow","Principal":"me","Action":"*"}}`)}), "error", "resource_policy: Statement[0].Principal", nil},
		{"bad context value", line(map[string]any{"context": map[string]any{"k": map[string]any{"a": 1}}}), "error", `context key "k"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DecideBatchLine(tc.line)
			if got.Decision != tc.decision {
				t.Fatalf("decision %q, want %q: %+v", got.Decision, tc.decision, got)
			}
			if got.Reasons == nil {
				t.Error("Reasons is nil, want an empty list")
			}
			if tc.errPart != "" && !strings.Contains(got.Error, tc.errPart) {
				t.Errorf("error %q does not contain %q", got.Error, tc.errPart)
			}
			if tc.errPart == "" && got.Error != "" {
				t.Errorf("unexpected error %q", got.Error)
			}
			if tc.decision != "error" && got.ID != "c1" {
				t.Errorf("id %q", got.ID)
			}
			if tc.stmts != nil {
				var labels []string
				for _, r := range got.Reasons {
					labels = append(labels, r.Statement)
				}
				if !reflect.DeepEqual(labels, tc.stmts) {
					t.Errorf("reason statements %q, want %q", labels, tc.stmts)
				}
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("answer does not marshal: %v", err)
			}
		})
	}
}
