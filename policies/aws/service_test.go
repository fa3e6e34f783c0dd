package aws

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	roleDeploy    = "arn:aws:iam::111122223333:role/deploy"
	keyARN        = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	docAllowSTS   = `{"Version":"2012-10-17","Statement":{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`
	docAllowKMS   = `{"Version":"2012-10-17","Statement":{"Sid":"KMS","Effect":"Allow","Action":"kms:*","Resource":"*"}}`
	docDenyDecryp = `{"Version":"2012-10-17","Statement":{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}}`
)

// trust is a trust (or key) policy with one Allow statement for the
// principal element and the action.
func trust(name, principal, action string) *NamedPolicy {
	return npp(name, `{"Version":"2012-10-17","Statement":{"Sid":"Trust","Effect":"Allow","Principal":`+principal+`,"Action":"`+action+`"}}`)
}

func ids(docs ...string) []NamedPolicy {
	var out []NamedPolicy
	for i, d := range docs {
		out = append(out, *npp("id"+string(rune('0'+i)), d))
	}
	return out
}

// TestAssumeRoleNeedsTrust: the role's trust policy is the request's
// resource policy and is required (service.go). Removing the trustNeed
// case of needOf makes the "identity alone" cases fail.
func TestAssumeRoleNeedsTrust(t *testing.T) {
	sts := func(principal string, pol Policies, want Decision, note string, name string) decideCase {
		return decideCase{name: name, req: Request{Principal: principal, Action: "sts:AssumeRole", Resource: roleDeploy, Context: NewContext(true)}, pol: pol, want: want, note: note}
	}
	runDecideCases(t, []decideCase{
		sts(alice, Policies{Identity: ids(docAllowSTS), Resource: trust("trust", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, "sts:AssumeRole")},
			ImplicitlyDenied, "allows neither this principal nor its account", "same account: identity allows, trust names someone else"),
		sts(alice, Policies{Identity: ids(docAllowSTS)}, Allowed, "", "same account: no trust policy given, the identity side alone (MissingTrust)"),
		sts(alice, Policies{Identity: ids(docAllowS3)}, ImplicitlyDenied, "", "same account: no trust policy given, identity does not allow"),
		sts(alice, Policies{Identity: ids(docAllowAll), Resource: trust("trust", `{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole")},
			ImplicitlyDenied, "", "same account: admin identity, trust names a service only"),
		sts(alice, Policies{Resource: trust("trust", `{"AWS":"`+alice+`"}`, "sts:AssumeRole")}, Allowed, "", "same account: trust names the principal, no identity policy"),
		sts(alice, Policies{Resource: trust("trust", `{"AWS":"arn:aws:iam::111122223333:root"}`, "sts:AssumeRole")},
			ImplicitlyDenied, "allows only the principal's account", "same account: trust names the account, no identity policy"),
		sts(alice, Policies{Resource: trust("trust", `{"AWS":"111122223333"}`, "sts:AssumeRole")},
			ImplicitlyDenied, "", "same account: trust names the account id, no identity policy"),
		sts(alice, Policies{Identity: ids(docAllowSTS), Resource: trust("trust", `{"AWS":"arn:aws:iam::111122223333:root"}`, "sts:AssumeRole")},
			Allowed, "", "same account: trust names the account, identity allows"),
		sts(alice, Policies{Identity: ids(docAllowSTS), Resource: trust("trust", `{"AWS":"`+alice+`"}`, "sts:TagSession")},
			ImplicitlyDenied, "", "same account: trust allows another action for the principal"),
		sts(session, Policies{Resource: trust("trust", `{"AWS":"`+builderARN+`"}`, "sts:AssumeRole")}, Allowed, "", "session of a role the trust names"),
		sts(extAlice, Policies{Resource: trust("trust", `{"AWS":"`+extAlice+`"}`, "sts:AssumeRole")}, ImplicitlyDenied, "", "cross account: trust names the principal, no identity policy"),
		sts(extAlice, Policies{Identity: ids(docAllowSTS), Resource: trust("trust", `{"AWS":"arn:aws:iam::444455556666:root"}`, "sts:AssumeRole")},
			Allowed, "", "cross account: trust names the account, identity allows"),
		sts(extAlice, Policies{Identity: ids(docAllowSTS), Resource: trust("trust", `{"AWS":"arn:aws:iam::111122223333:root"}`, "sts:AssumeRole")},
			ImplicitlyDenied, "", "cross account: trust names the role's own account only"),
		sts(alice, Policies{Identity: ids(docAllowSTS, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sts:*","Resource":"*"}}`), Resource: trust("trust", `{"AWS":"`+alice+`"}`, "sts:AssumeRole")},
			ExplicitlyDenied, "", "same account: trust names the principal, identity denies"),
		{name: "condition of the trust statement false: identity allow is not enough",
			req:  Request{Principal: alice, Action: "sts:AssumeRole", Resource: roleDeploy, Context: NewContext(true)},
			pol:  Policies{Identity: ids(docAllowSTS), Resource: npp("trust", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"`+alice+`"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`)},
			want: ImplicitlyDenied},
		{name: "web identity: the trust names the OIDC provider",
			req:  Request{Principal: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", Action: "sts:AssumeRoleWithWebIdentity", Resource: roleDeploy, Context: NewContext(true)},
			pol:  Policies{Resource: npp("trust", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`)},
			want: Allowed},
		{name: "web identity: identity policy without trust",
			req:  Request{Principal: alice, Action: "sts:AssumeRoleWithWebIdentity", Resource: roleDeploy, Context: NewContext(true)},
			pol:  Policies{Identity: ids(docAllowAll), Resource: trust("trust", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, "sts:AssumeRoleWithWebIdentity")},
			want: ImplicitlyDenied},
		{name: "set of roles (who-can pattern): identity side only, as before",
			req:  Request{Principal: alice, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/*", ResourcePattern: true, Context: NewContext(true)},
			pol:  Policies{Identity: ids(docAllowSTS)},
			want: Allowed},
		{name: "other STS actions keep the identity policy",
			req:  Request{Principal: alice, Action: "sts:GetFederationToken", Resource: "arn:aws:sts::111122223333:federated-user/x", Context: NewContext(true)},
			pol:  Policies{Identity: ids(docAllowAll)},
			want: Allowed},
	})
}

// TestKMSKeyPolicy: the key policy must allow; identity policies count only
// when it delegates to the account.
func TestKMSKeyPolicy(t *testing.T) {
	kms := func(name, principal, action string, pol Policies, want Decision, note string) decideCase {
		return decideCase{name: name, req: Request{Principal: principal, Action: action, Resource: keyARN, Context: NewContext(true)}, pol: pol, want: want, note: note}
	}
	root := `{"AWS":"arn:aws:iam::111122223333:root"}`
	runDecideCases(t, []decideCase{
		kms("identity allows, key policy names someone else", alice, "kms:Decrypt", Policies{Identity: ids(docAllowKMS), Resource: trust("key-policy", `{"AWS":"`+bob+`"}`, "kms:*")}, ImplicitlyDenied, "key policy allows neither"),
		kms("identity allows, no key policy", alice, "kms:Decrypt", Policies{Identity: ids(docAllowAll)}, ImplicitlyDenied, "no key policy was given"),
		kms("key policy delegates, identity allows", alice, "kms:Decrypt", Policies{Identity: ids(docAllowKMS), Resource: trust("key-policy", root, "kms:*")}, Allowed, ""),
		kms("key policy delegates, no identity policy", alice, "kms:Decrypt", Policies{Resource: trust("key-policy", root, "kms:*")}, ImplicitlyDenied, "allows only the principal's account"),
		kms("key policy names the principal, no identity policy", alice, "kms:Decrypt", Policies{Resource: trust("key-policy", `{"AWS":"`+alice+`"}`, "kms:Decrypt")}, Allowed, ""),
		kms("key policy names the principal, identity denies", alice, "kms:Decrypt", Policies{Identity: ids(docDenyDecryp), Resource: trust("key-policy", `{"AWS":"`+alice+`"}`, "kms:Decrypt")}, ExplicitlyDenied, ""),
		kms("cross account: key policy names the account, identity allows", extAlice, "kms:Decrypt", Policies{Identity: ids(docAllowKMS), Resource: trust("key-policy", `{"AWS":"444455556666"}`, "kms:Decrypt")}, Allowed, ""),
		kms("cross account: key policy names the principal, no identity", extAlice, "kms:Decrypt", Policies{Resource: trust("key-policy", `{"AWS":"`+extAlice+`"}`, "kms:Decrypt")}, ImplicitlyDenied, ""),
		kms("cross account: identity allows, key policy delegates to its own account only", extAlice, "kms:Decrypt", Policies{Identity: ids(docAllowKMS), Resource: trust("key-policy", root, "kms:*")}, ImplicitlyDenied, ""),
		{name: "kms:CreateKey has no key: identity policy alone",
			req: Request{Principal: alice, Action: "kms:CreateKey", Resource: "*", Context: NewContext(true)}, pol: Policies{Identity: ids(docAllowKMS)}, want: Allowed},
		{name: "alias of a customer key: identity policy alone",
			req: Request{Principal: alice, Action: "kms:CreateAlias", Resource: "arn:aws:kms:us-east-1:111122223333:alias/golden", Context: NewContext(true)}, pol: Policies{Identity: ids(docAllowKMS)}, want: Allowed},
	})
}

// TestKMSManagedAliases: alias/aws/... cannot be created, updated or deleted.
func TestKMSManagedAliases(t *testing.T) {
	var cases []decideCase
	for _, a := range []string{"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"} {
		cases = append(cases, decideCase{name: a + " on alias/aws/ebs",
			req: Request{Principal: alice, Action: a, Resource: "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", Context: NewContext(true)},
			pol: Policies{Identity: ids(docAllowAll)}, want: ImplicitlyDenied, note: "alias/aws/"})
	}
	cases = append(cases,
		decideCase{name: "explicit deny stays explicit",
			req: Request{Principal: alice, Action: "kms:DeleteAlias", Resource: "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", Context: NewContext(true)},
			pol: Policies{Identity: ids(docAllowAll, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:DeleteAlias","Resource":"*"}}`)}, want: ExplicitlyDenied},
		decideCase{name: "reading a managed alias is allowed",
			req: Request{Principal: alice, Action: "kms:ListAliases", Resource: "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", Context: NewContext(true)},
			pol: Policies{Identity: ids(docAllowAll)}, want: Allowed},
		decideCase{name: "an alias merely named aws-... is not managed",
			req: Request{Principal: alice, Action: "kms:CreateAlias", Resource: "arn:aws:kms:us-east-1:111122223333:alias/aws-golden", Context: NewContext(true)},
			pol: Policies{Identity: ids(docAllowAll)}, want: Allowed})
	runDecideCases(t, cases)
}

// TestKMSGrants: a grant allows its grantee its operations on the key,
// without the key policy or an identity policy; a grant to an account
// needs the account's identity policy.
func TestKMSGrants(t *testing.T) {
	g := func(grantee string, ops ...string) []KMSGrant {
		return []KMSGrant{{GrantId: "g1", KeyId: keyARN, GranteePrincipal: grantee, Operations: ops}}
	}
	kms := func(name, principal, action string, pol Policies, want Decision) decideCase {
		return decideCase{name: name, req: Request{Principal: principal, Action: action, Resource: keyARN, Context: NewContext(true)}, pol: pol, want: want}
	}
	noDelegation := trust("key-policy", `{"AWS":"`+bob+`"}`, "kms:*")
	withCtx := func(c decideCase, kv ...string) decideCase {
		for i := 0; i+1 < len(kv); i += 2 {
			c.req.Context.Set(kv[i], kv[i+1])
		}
		return c
	}
	runDecideCases(t, []decideCase{
		kms("grant to the principal for Decrypt", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: g(alice, "Decrypt")}, Allowed),
		kms("grant without a key policy given", alice, "kms:Decrypt", Policies{Grants: g(alice, "Decrypt")}, Allowed),
		kms("grant for another operation", alice, "kms:Encrypt", Policies{Resource: noDelegation, Grants: g(alice, "Decrypt")}, ImplicitlyDenied),
		kms("grant to someone else", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: g(bob, "Decrypt")}, ImplicitlyDenied),
		kms("grant on another key", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: []KMSGrant{{KeyId: "arn:aws:kms:us-east-1:111122223333:key/other", GranteePrincipal: alice, Operations: []string{"Decrypt"}}}}, ImplicitlyDenied),
		kms("grant to the role of a session", session, "kms:ReEncryptFrom", Policies{Resource: noDelegation, Grants: g(builderARN, "ReEncryptFrom", "ReEncryptTo")}, Allowed),
		kms("CreateGrant by grant", alice, "kms:CreateGrant", Policies{Resource: noDelegation, Grants: g(alice, "CreateGrant")}, Allowed),
		kms("GenerateDataKeyWithoutPlaintext by grant", alice, "kms:GenerateDataKeyWithoutPlaintext", Policies{Resource: noDelegation, Grants: g(alice, "GenerateDataKeyWithoutPlaintext")}, Allowed),
		kms("DescribeKey by grant", alice, "kms:DescribeKey", Policies{Resource: noDelegation, Grants: g(alice, "DescribeKey")}, Allowed),
		kms("cross account grant to the principal", extAlice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: g(extAlice, "Decrypt")}, Allowed),
		kms("grant to an account: identity must allow (none)", extAlice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: g("arn:aws:iam::444455556666:root", "Decrypt")}, ImplicitlyDenied),
		kms("grant to an account: identity allows", extAlice, "kms:Decrypt", Policies{Identity: ids(docAllowKMS), Resource: noDelegation, Grants: g("arn:aws:iam::444455556666:root", "Decrypt")}, Allowed),
		kms("grant, identity deny wins", alice, "kms:Decrypt", Policies{Identity: ids(docDenyDecryp), Resource: noDelegation, Grants: g(alice, "Decrypt")}, ExplicitlyDenied),
		kms("grant, SCP without the action", alice, "kms:Decrypt", Policies{SCPs: [][]NamedPolicy{{*npp("scp", docAllowS3)}}, Resource: noDelegation, Grants: g(alice, "Decrypt")}, ImplicitlyDenied),
		withCtx(kms("grant constraint met", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: []KMSGrant{{GranteePrincipal: alice, Operations: []string{"Decrypt"},
			Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"aws:ebs:id": "snap-1"}}}}}, Allowed), "kms:EncryptionContext:aws:ebs:id", "snap-1"),
		withCtx(kms("grant constraint not met", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: []KMSGrant{{GranteePrincipal: alice, Operations: []string{"Decrypt"},
			Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"aws:ebs:id": "snap-1"}}}}}, ImplicitlyDenied), "kms:EncryptionContext:aws:ebs:id", "snap-2"),
		withCtx(kms("grant Equals constraint with an extra pair", alice, "kms:Decrypt", Policies{Resource: noDelegation, Grants: []KMSGrant{{GranteePrincipal: alice, Operations: []string{"Decrypt"},
			Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"a": "1"}}}}}, ImplicitlyDenied), "kms:EncryptionContext:a", "1", "kms:EncryptionContext:b", "2"),
		kms("grants do not apply to other services", alice, "ec2:ModifySnapshotAttribute", Policies{Grants: g(alice, "Decrypt")}, ImplicitlyDenied),
	})
}

func TestKMSGrantCheck(t *testing.T) {
	for _, tc := range []struct {
		g   KMSGrant
		err string
	}{
		{KMSGrant{GranteePrincipal: alice, Operations: []string{"Decrypt", "kms:ReEncryptFrom"}}, ""},
		{KMSGrant{Operations: []string{"Decrypt"}}, "GranteePrincipal is required"},
		{KMSGrant{GranteePrincipal: alice}, "Operations is required"},
		{KMSGrant{GranteePrincipal: alice, Operations: []string{"ReEncrypt*"}}, "not a grant operation"},
		{KMSGrant{GranteePrincipal: alice, Operations: []string{"PutKeyPolicy"}}, "not a grant operation"},
	} {
		err := tc.g.Check()
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%+v: error %v, want %q", tc.g, err, tc.err)
		}
	}
}

// TestBatchGrants: the batch's "grants" field takes grants as
// `aws kms list-grants` prints them.
func TestBatchGrants(t *testing.T) {
	line := func(grants string) []byte {
		return []byte(`{"id":"g","principal":"` + extAlice + `","action":"kms:CreateGrant","resource":"` + keyARN + `","identity_policies":[],"permission_boundary":null,"scps":[],` +
			`"resource_policy":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}},"context":{}` + grants + `}`)
	}
	if d := DecideBatchLine(line("")); d.Decision != ImplicitlyDenied {
		t.Fatalf("without the grant: %+v", d)
	}
	grant := `,"grants":[{"KeyId":"` + keyARN + `","GrantId":"abc","Name":"","CreationDate":"2026-01-02T03:04:05+00:00","GranteePrincipal":"` + extAlice + `",` +
		`"RetiringPrincipal":"` + extAlice + `","IssuingAccount":"arn:aws:iam::111122223333:root","Operations":["Decrypt","CreateGrant","DescribeKey"],"Constraints":{"EncryptionContextSubset":{}}}]`
	d := DecideBatchLine(line(grant))
	if d.Decision != Allowed {
		t.Fatalf("with the grant: %+v", d)
	}
	b, _ := json.Marshal(d.Reasons)
	if !strings.Contains(string(b), `"policy_type":"kms_grant","policy":"abc"`) {
		t.Errorf("reasons do not name the grant: %s", b)
	}
	if d := DecideBatchLine(line(`,"grants":[{"GranteePrincipal":"` + extAlice + `","Operations":["Fly"]}]`)); d.Decision != "error" || !strings.Contains(d.Error, "grants[0]") {
		t.Errorf("bad grant: %+v", d)
	}
}

// TestBatchMissingTrust: a batch request to assume a role without its
// trust policy is answered on the identity side, and says so.
func TestBatchMissingTrust(t *testing.T) {
	line := func(rp string) []byte {
		return []byte(`{"id":"t","principal":"` + alice + `","action":"sts:AssumeRole","resource":"` + roleDeploy + `","identity_policies":[{"name":"p","document":` + docAllowSTS + `}],"permission_boundary":null,"scps":[],"resource_policy":` + rp + `,"context":{}}`)
	}
	d := DecideBatchLine(line("null"))
	b, _ := json.Marshal(d.Reasons)
	if d.Decision != Allowed || !strings.Contains(string(b), "no trust policy given") {
		t.Errorf("without trust policy: %s %s", d.Decision, b)
	}
	d = DecideBatchLine(line(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + bob + `"},"Action":"sts:AssumeRole"}}`))
	b, _ = json.Marshal(d.Reasons)
	if d.Decision != ImplicitlyDenied || strings.Contains(string(b), "no trust policy given") {
		t.Errorf("with a trust policy naming bob: %s %s", d.Decision, b)
	}
}
