package aws

import (
	"encoding/json"
	"fmt"
	"testing"
)

var fuzzPolicySeeds = []string{
	docAllowAll,
	docAllowECR,
	docDenyPut,
	`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:ecr:*:*:repository/base/*"},{"Effect":"Deny","Action":"ecr:Put*","Resource":"arn:aws:ecr:*:*:repository/app*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"ForAnyValue:StringLike":{"aws:TagKeys":"team-*"}}}]}`,
	`{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"],"Service":"codebuild.amazonaws.com"},"Action":"ecr:*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"Null":{"aws:TokenIssueTime":"false"}}}}`,
	`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"arn:aws:s3:::home/${aws:username}/${*}","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${aws:PrincipalTag/team, 'x'}"},"BinaryEquals":{"k":"QUJD"}}}}`,
	`{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:ecr"}}`,
	`"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"`,
	`%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D`,
	// invalid documents
	``,
	`{`,
	`[]`,
	`{"Statement":[]}`,
	`{"Statement":{"Effect":"Allow","Action":3,"Resource":"*"}}`,
	`{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`,
	`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}}`,
	`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:NullIfExists":{"k":"v"}}}}`,
	`"%7B%zz"`,
}

// fuzzRequests are the fixed requests each parsed policy is decided against.
func fuzzRequests() []Request {
	incomplete := ctxWith(false, "aws:SourceIp", "10.1.2.3")
	complete := ctxWith(true, "aws:SourceIp", "10.1.2.3", "aws:username", "alice", "aws:TagKeys", "team-a|env",
		"aws:RequestedRegion", "us-east-1", "aws:CurrentTime", "2026-01-01T00:00:00Z", "k", "QUJD",
		"aws:PrincipalArn", session)
	return []Request{
		{Principal: alice, Action: "ecr:PutImage", Resource: repoApp, Context: complete},
		{Principal: alice, Action: "ecr:PutImage", Resource: repoApp, Context: incomplete},
		{Principal: extAlice, Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/*", ResourceAccount: acct, Context: complete},
		{Principal: session, Action: "ecr:BatchGetImage", Resource: repoSet, ResourcePattern: true, Context: incomplete},
		{Principal: session, Action: "ecr:BatchGetImage", Resource: repoSet, ResourcePattern: true, AllowWhole: true, DenyPart: true, Context: complete},
		{Principal: "codebuild.amazonaws.com", Action: "ecr:BatchGetImage", Resource: repoApp},
		{Principal: alice, Action: "ec2:DescribeImages", Resource: "*", Context: complete},
	}
}

func validDecision(d Decision) bool {
	switch d {
	case Allowed, Conditional, ImplicitlyDenied, ExplicitlyDenied:
		return true
	}
	return false
}

// FuzzParsePolicy parses arbitrary documents; a parsed policy must be
// decidable in every role (identity, boundary, SCP, resource policy) and obey
// a few invariants of the decision.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range fuzzPolicySeeds {
		f.Add([]byte(s))
	}
	allowAll := np("all", docAllowAll)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if p != nil {
				t.Fatalf("policy and error both returned: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy without error")
		}
		for i, st := range p.Statements {
			if st.Index != i || st.Label() == "" || (st.Effect != Allow && st.Effect != Deny) || len(st.Actions) == 0 {
				t.Fatalf("statement %d malformed: %+v", i, st)
			}
			if st.HasResource && len(st.Resources) == 0 {
				t.Fatalf("statement %d has an empty Resource list", i)
			}
		}
		// The statements as stored parse again.
		raws := make([]json.RawMessage, len(p.Statements))
		for i, st := range p.Statements {
			raws[i] = st.Raw()
		}
		doc, err := json.Marshal(map[string]any{"Statement": raws})
		if err != nil {
			t.Fatal(err)
		}
		if len(raws) > 0 {
			p2, err := ParsePolicy(doc)
			if err != nil {
				t.Fatalf("stored statements do not parse again: %v\n%s", err, doc)
			}
			if len(p2.Statements) != len(p.Statements) {
				t.Fatalf("%d statements, then %d", len(p.Statements), len(p2.Statements))
			}
		}
		pol := NamedPolicy{Name: "fuzz", Policy: p}
		for ri, req := range fuzzRequests() {
			for _, set := range []Policies{
				{Identity: []NamedPolicy{pol}},
				{Identity: []NamedPolicy{allowAll}, Boundary: &pol},
				{Identity: []NamedPolicy{allowAll}, SCPs: [][]NamedPolicy{{allowAll}, {pol}}},
				{Identity: []NamedPolicy{pol}, Resource: &pol},
				{Identity: []NamedPolicy{allowAll, pol}},
			} {
				r := req
				res := Decide(&r, &set)
				if !validDecision(res.Decision) {
					t.Fatalf("request %d: decision %q", ri, res.Decision)
				}
				complete := req.Context == nil || req.Context.Complete
				if complete && res.Decision == Conditional {
					t.Fatalf("request %d: conditional with a complete context: %+v", ri, res.Reasons)
				}
				if res.Decision == ExplicitlyDenied && len(res.Reasons) == 0 {
					t.Fatalf("request %d: explicit deny without a reason", ri)
				}
				if _, err := json.Marshal(res.Reasons); err != nil {
					t.Fatalf("reasons do not marshal: %v", err)
				}
			}
			// With an allow-everything identity policy beside it, a same-account
			// request with a complete context is either allowed or explicitly
			// denied by the fuzzed policy.
			if req.Principal == alice && req.Context != nil && req.Context.Complete {
				r := req
				res := Decide(&r, &Policies{Identity: []NamedPolicy{allowAll, pol}})
				if res.Decision != Allowed && res.Decision != ExplicitlyDenied {
					t.Fatalf("request %d beside allow-all: %s %+v", ri, res.Decision, res.Reasons)
				}
			}
		}
	})
}

// FuzzDecideBatchLine feeds arbitrary lines to the batch entry point.
func FuzzDecideBatchLine(f *testing.F) {
	line := func(principal, action, resource, identity, boundary, scps, resourcePolicy, context string) string {
		return fmt.Sprintf(`{"id":"f","principal":%q,"action":%q,"resource":%q,"identity_policies":[{"name":"p","document":%s}],"permission_boundary":%s,"scps":%s,"resource_policy":%s,"context":%s}`,
			principal, action, resource, identity, boundary, scps, resourcePolicy, context)
	}
	seeds := []string{
		line(alice, "ecr:PutImage", repoApp, docAllowECR, "null", "[]", "null", `{"aws:SourceIp":"10.1.2.3"}`),
		line(alice, "ecr:PutImage", repoApp, docAllowAll, `{"name":"b","document":`+docAllowS3+`}`, `[[{"name":"full","document":`+docFullAccess+`}],[{"name":"g","document":`+docDenyPut+`}]]`, "null", `{}`),
		line(extAlice, "ecr:BatchGetImage", repoApp, docAllowAll, "null", "[]", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"ecr:*"}}`, `{"aws:TagKeys":["a","b"],"aws:MultiFactorAuthPresent":true,"n":3,"z":null}`),
		line(alice, "iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/AdministratorAccess", docAllowAll, "null", "[]", "null", `{}`),
		line(alice, "s3:GetObject", "arn:aws:s3:::home/alice/x", `"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::home/${aws:username}/*\"}}"`, "null", "[]", "null", `{"aws:username":"alice"}`),
		`{"id":"x"}`,
		`{"id":`,
		`{"id":"x","principal":"p","action":"*","resource":"*"}`,
		`{"id":"x","principal":"p","action":"a:b","resource":"*","context":{"k":{"a":1}}}`,
		`null`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := DecideBatchLine(data)
		if d.Reasons == nil {
			t.Fatal("nil reasons")
		}
		if d.Decision == "error" {
			if d.Error == "" {
				t.Fatal("error decision without a message")
			}
		} else {
			if d.Error != "" {
				t.Fatalf("decision %s with error %q", d.Decision, d.Error)
			}
			if !validDecision(d.Decision) {
				t.Fatalf("decision %q", d.Decision)
			}
			// Batch contexts are complete: nothing is left conditional.
			if d.Decision == Conditional {
				t.Fatalf("conditional decision for a batch line: %+v", d.Reasons)
			}
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("answer does not marshal: %v", err)
		}
	})
}
