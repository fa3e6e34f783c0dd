package aws

import (
	"strings"
	"testing"
)

// Bugs found by review and fuzzing, kept fixed.
func TestRegressions(t *testing.T) {
	full := func() *Context {
		c := NewContext(true)
		c.Set("aws:PrincipalAccount", acct)
		return c
	}
	runDecideCases(t, []decideCase{
		{
			name: "policy variable in the account segment of a Resource ARN",
			req:  Request{Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111122223333:key/k1", Context: full()},
			// The key policy delegates to the account (the default key
			// policy): without it no identity policy could allow (service.go).
			pol: Policies{Identity: []NamedPolicy{*npp("p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:*:kms:*:${aws:PrincipalAccount}:key/*"}}`)},
				Resource: npp("key-policy", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}}`)},
			want: Allowed,
		},
		{
			name: "deny with a policy variable in the account segment",
			req:  Request{Action: "iam:PassRole", Resource: "arn:aws:iam::111122223333:role/admin-x", Context: full()},
			pol: Policies{Identity: []NamedPolicy{*npp("p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
				{"Sid":"NoAdmin","Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::${aws:PrincipalAccount}:role/admin-*"}]}`)}},
			want: ExplicitlyDenied,
		},
		{
			name: "unknown account variable makes access conditional",
			req:  Request{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:111122223333:q", Context: NewContext(false)},
			pol:  Policies{Identity: []NamedPolicy{*npp("p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:${aws:PrincipalAccount}:q"}}`)}},
			want: Conditional,
		},
		{
			name: "ArnLike with a variable in the account segment",
			req: Request{Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:111122223333:t", Context: func() *Context {
				c := full()
				c.Set("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:t")
				return c
			}()},
			pol: Policies{Identity: []NamedPolicy{*npp("p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:*","Resource":"*",
				"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:t"}}}}`)}},
			want: Allowed,
		},
		{
			name: "an AWS managed policy belongs to no account: identity policy alone allows reading it",
			req:  Request{Action: "iam:GetPolicy", Resource: "arn:aws:iam::aws:policy/AdministratorAccess"},
			pol:  Policies{Identity: []NamedPolicy{*npp("p", docAllowAll)}},
			want: Allowed,
		},
	})
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"data after the document":    `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {"x":1}`,
		"control byte in an action":  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:\u0000","Resource":"*"}}`,
		"control byte in a resource": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::\u0001"}}`,
	} {
		if _, err := ParsePolicy([]byte(doc)); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}

func TestNumericForms(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{{"10", true}, {"-3", true}, {"2.5", true}, {"+7", true}, {"0x10", false}, {"1/2", false}, {"1_000", false}, {"", false}, {"1.", false}, {".5", false}, {"--1", false}} {
		if _, ok := parseNumber(tc.s); ok != tc.ok {
			t.Errorf("parseNumber(%q) ok=%v, want %v", tc.s, ok, tc.ok)
		}
	}
	if got := splitARN("arn:aws:iam::${aws:PrincipalAccount}:role/a:b", 6); len(got) != 6 || got[4] != "${aws:PrincipalAccount}" || got[5] != "role/a:b" {
		t.Errorf("splitARN: %q", strings.Join(got, " | "))
	}
}
