package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateServiceRules: `imagewarden simulate` on the shapes of the
// STS and KMS rules (policies/aws/service.go): the role's trust policy and
// the key policy must allow, identity policies count only when they
// delegate to the account, grants allow their grantee, and the aliases of
// AWS managed keys cannot be changed.
func TestSimulateServiceRules(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const (
		alice = "arn:aws:iam::111122223333:user/alice"
		ext   = "arn:aws:iam::444455556666:user/ext"
		role  = "arn:aws:iam::111122223333:role/deploy"
		key   = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	)
	allowAll := file("allow-all.json", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	allowS3 := file("allow-s3.json", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	stmt := func(name, principal, action string) string {
		return file(name, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":`+principal+`,"Action":"`+action+`","Resource":"*"}}`)
	}
	trustOther := stmt("trust-other.json", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, "sts:AssumeRole")
	trustAlice := stmt("trust-alice.json", `{"AWS":"`+alice+`"}`, "sts:AssumeRole")
	trustAcct := stmt("trust-account.json", `{"AWS":"arn:aws:iam::111122223333:root"}`, "sts:AssumeRole")
	trustExtAcct := stmt("trust-ext.json", `{"AWS":"444455556666"}`, "sts:AssumeRole")
	keyBob := stmt("key-bob.json", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, "kms:*")
	keyRoot := stmt("key-root.json", `{"AWS":"arn:aws:iam::111122223333:root"}`, "kms:*")
	keyExt := stmt("key-ext.json", `{"AWS":"arn:aws:iam::444455556666:root"}`, "kms:Decrypt")
	grants := file("grants.json", `{"Grants":[{"KeyId":"`+key+`","GrantId":"g-ext","GranteePrincipal":"`+ext+`","Operations":["Decrypt","CreateGrant","DescribeKey"],"IssuingAccount":"arn:aws:iam::111122223333:root"}],"Truncated":false}`)

	for _, tc := range []struct {
		name string
		args []string
		want string
		line string // a part of the output
	}{
		{"assume: identity allows, trust names someone else", []string{"--principal", alice, "--action", "sts:AssumeRole", "--resource", role, "--policy", allowAll, "--resource-policy", trustOther}, "implicitly_denied", "trust policy allows neither"},
		{"assume: trust names the principal, no identity policy", []string{"--principal", alice, "--action", "sts:AssumeRole", "--resource", role, "--resource-policy", trustAlice}, "allowed", ""},
		{"assume: trust names the account, identity allows", []string{"--principal", alice, "--action", "sts:AssumeRole", "--resource", role, "--policy", allowAll, "--resource-policy", trustAcct}, "allowed", ""},
		{"assume: trust names the account, identity does not allow", []string{"--principal", alice, "--action", "sts:AssumeRole", "--resource", role, "--policy", allowS3, "--resource-policy", trustAcct}, "implicitly_denied", "allows only the principal's account"},
		{"assume: cross account, trust names the account, identity allows", []string{"--principal", ext, "--action", "sts:AssumeRole", "--resource", role, "--policy", allowAll, "--resource-policy", trustExtAcct}, "allowed", ""},
		{"assume: cross account, trust names the account, no identity policy", []string{"--principal", ext, "--action", "sts:AssumeRole", "--resource", role, "--resource-policy", trustExtAcct}, "implicitly_denied", ""},
		{"assume: no trust policy given", []string{"--principal", alice, "--action", "sts:AssumeRole", "--resource", role, "--policy", allowAll}, "allowed", "no trust policy given"},
		{"kms: key policy names someone else", []string{"--principal", alice, "--action", "kms:Decrypt", "--resource", key, "--policy", allowAll, "--resource-policy", keyBob}, "implicitly_denied", "key policy allows neither"},
		{"kms: key policy delegates", []string{"--principal", alice, "--action", "kms:Decrypt", "--resource", key, "--policy", allowAll, "--resource-policy", keyRoot}, "allowed", ""},
		{"kms: cross account, key policy delegates to the account", []string{"--principal", ext, "--action", "kms:Decrypt", "--resource", key, "--policy", allowAll, "--resource-policy", keyExt}, "allowed", ""},
		{"kms: cross account CreateGrant, no grant", []string{"--principal", ext, "--action", "kms:CreateGrant", "--resource", key, "--policy", allowAll, "--resource-policy", keyExt}, "implicitly_denied", ""},
		{"kms: cross account CreateGrant by grant", []string{"--principal", ext, "--action", "kms:CreateGrant", "--resource", key, "--resource-policy", keyExt, "--grants", grants}, "allowed", "kms_grant g-ext"},
		{"kms: managed alias", []string{"--principal", alice, "--action", "kms:DeleteAlias", "--resource", "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", "--policy", allowAll}, "implicitly_denied", "alias/aws/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, "", append([]string{"simulate"}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if first := strings.SplitN(out, "\n", 2)[0]; first != tc.want {
				t.Errorf("got %q, want %q\n%s", first, tc.want, out)
			}
			if tc.line != "" && !strings.Contains(out, tc.line) {
				t.Errorf("output lacks %q:\n%s", tc.line, out)
			}
		})
	}

	bad := file("bad-grants.json", `{"Grants":[{"GranteePrincipal":"`+ext+`","Operations":["ReEncrypt*"]}]}`)
	if _, err := run(t, "", "simulate", "--principal", ext, "--action", "kms:Decrypt", "--resource", key, "--grants", bad); err == nil || !strings.Contains(err.Error(), "not a grant operation") {
		t.Errorf("a grant with a pattern for an operation: %v", err)
	}
}
