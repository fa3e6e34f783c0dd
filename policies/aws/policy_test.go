package aws

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// mustParse parses a policy document written in a test, and panics on an
// error: test tables build their policies before any *testing.T exists.
func mustParse(doc string) *Policy {
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		panic("test policy does not parse: " + err.Error() + "\n" + doc)
	}
	return p
}

// np is a named policy for Decide tests.
func np(name, doc string) NamedPolicy { return NamedPolicy{Name: name, Policy: mustParse(doc)} }

// npp is np as a pointer, for the boundary and the resource policy.
func npp(name, doc string) *NamedPolicy { p := np(name, doc); return &p }

// ctxWith builds a context from key/value pairs; a value holding '|' is a
// multi-valued key, and "[]" an empty multi-valued key.
func ctxWith(complete bool, kv ...string) *Context {
	c := NewContext(complete)
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1]; {
		case v == "[]":
			c.SetMulti(kv[i], []string{})
		case strings.Contains(v, "|"):
			c.SetMulti(kv[i], strings.Split(v, "|"))
		default:
			c.Set(kv[i], v)
		}
	}
	return c
}

func actionRaws(st *Statement) []string {
	var out []string
	for _, a := range st.Actions {
		out = append(out, a.Raw)
	}
	return out
}

func TestParsePolicyForms(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Id":"pol-1","Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:111122223333:repository/app"}]}`
	jsonString, _ := json.Marshal(doc)
	urlEncoded := url.QueryEscape(doc)
	urlEncodedInString, _ := json.Marshal(urlEncoded)
	tests := []struct {
		name  string
		input string
	}{
		{"object", doc},
		{"object with surrounding white space", "\n\t " + doc + " \n"},
		{"JSON string holding the document (ECR, Organizations)", string(jsonString)},
		{"URL-encoded document (IAM API)", urlEncoded},
		{"JSON string holding a URL-encoded document", string(urlEncodedInString)},
		{"URL-encoded with lower-case escape", strings.Replace(urlEncoded, "%7B", "%7b", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p *Policy
			var err error
			if strings.HasPrefix(tc.input, "%") {
				p, err = ParsePolicyString(tc.input)
			} else {
				p, err = ParsePolicy([]byte(tc.input))
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if p.Version != "2012-10-17" || p.ID != "pol-1" || len(p.Statements) != 1 {
				t.Fatalf("got version %q id %q, %d statements", p.Version, p.ID, len(p.Statements))
			}
			st := p.Statements[0]
			if st.Sid != "A" || st.Effect != Allow || !reflect.DeepEqual(actionRaws(st), []string{"ecr:PutImage"}) ||
				!reflect.DeepEqual(st.Resources, []string{"arn:aws:ecr:us-east-1:111122223333:repository/app"}) {
				t.Fatalf("statement parsed as %+v", st)
			}
		})
	}
	t.Run("URL-encoded string through ParsePolicy as a JSON string", func(t *testing.T) {
		if _, err := ParsePolicy(urlEncodedInString); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PolicyFromValue with float64 numbers", func(t *testing.T) {
		var v any
		if err := json.Unmarshal([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":[10, 2.5]}}}}`), &v); err != nil {
			t.Fatal(err)
		}
		p, err := PolicyFromValue(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Statements[0].Conditions[0].Values; !reflect.DeepEqual(got, []string{"10", "2.5"}) {
			t.Fatalf("values %q", got)
		}
	})
	t.Run("PolicyFromValue with a string", func(t *testing.T) {
		p, err := PolicyFromValue(doc)
		if err != nil || len(p.Statements) != 1 {
			t.Fatalf("%v %v", p, err)
		}
	})
}

func TestParseStatementElements(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, p *Policy)
	}{
		{
			name: "Statement as a single object",
			doc:  `{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`,
			check: func(t *testing.T, p *Policy) {
				if len(p.Statements) != 1 || p.Statements[0].Effect != Deny {
					t.Fatalf("%+v", p.Statements)
				}
			},
		},
		{
			name: "Statement as a list, indexes and labels",
			doc:  `{"Statement":[{"Sid":"One","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`,
			check: func(t *testing.T, p *Policy) {
				if len(p.Statements) != 2 {
					t.Fatalf("%d statements", len(p.Statements))
				}
				if p.Statements[0].Label() != "One" || p.Statements[1].Label() != "#1" || p.Statements[1].Index != 1 {
					t.Fatalf("labels %q %q", p.Statements[0].Label(), p.Statements[1].Label())
				}
				var raw map[string]any
				if err := json.Unmarshal(p.Statements[1].Raw(), &raw); err != nil || raw["Effect"] != "Deny" {
					t.Fatalf("raw %s: %v", p.Statements[1].Raw(), err)
				}
			},
		},
		{
			name: "Action and Resource as lists",
			doc:  `{"Statement":{"Effect":"Allow","Action":["ecr:Put*","ec2:*Image*"],"Resource":["arn:aws:ecr:*:*:repository/a","arn:aws:ecr:*:*:repository/b"]}}`,
			check: func(t *testing.T, p *Policy) {
				st := p.Statements[0]
				if !reflect.DeepEqual(actionRaws(st), []string{"ecr:Put*", "ec2:*Image*"}) || len(st.Resources) != 2 || st.NotActions || st.NotResources || !st.HasResource {
					t.Fatalf("%+v", st)
				}
			},
		},
		{
			name: "NotAction and NotResource",
			doc:  `{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:s3:::x"]}}`,
			check: func(t *testing.T, p *Policy) {
				st := p.Statements[0]
				if !st.NotActions || !st.NotResources || !st.HasResource || st.Resources[0] != "arn:aws:s3:::x" {
					t.Fatalf("%+v", st)
				}
			},
		},
		{
			name: "no Resource (trust policy)",
			doc:  `{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
			check: func(t *testing.T, p *Policy) {
				st := p.Statements[0]
				if st.HasResource || st.Principal == nil || !reflect.DeepEqual(st.Principal.Values["Service"], []string{"ec2.amazonaws.com"}) {
					t.Fatalf("%+v", st)
				}
			},
		},
		{
			name: `Principal "*"`,
			doc:  `{"Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:*"}}`,
			check: func(t *testing.T, p *Policy) {
				pr := p.Statements[0].Principal
				if pr == nil || !pr.Wildcard || !pr.HasWildcard() {
					t.Fatalf("%+v", pr)
				}
			},
		},
		{
			name: `Principal {"AWS": "*"}`,
			doc:  `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:*"}}`,
			check: func(t *testing.T, p *Policy) {
				pr := p.Statements[0].Principal
				if pr.Wildcard || !pr.HasWildcard() {
					t.Fatalf("%+v", pr)
				}
			},
		},
		{
			name: "Principal with string and list values of every type",
			doc: `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{
				"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Service":"lambda.amazonaws.com",
				"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}}}`,
			check: func(t *testing.T, p *Policy) {
				pr := p.Statements[0].Principal
				want := map[string][]string{
					"AWS":           {"arn:aws:iam::111122223333:root", "444455556666"},
					"Service":       {"lambda.amazonaws.com"},
					"Federated":     {"cognito-identity.amazonaws.com"},
					"CanonicalUser": {"79a59df900b949e55d96a1e698fbaced"},
				}
				if !reflect.DeepEqual(pr.Values, want) || pr.HasWildcard() {
					t.Fatalf("%+v", pr.Values)
				}
			},
		},
		{
			name: "NotPrincipal",
			doc:  `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"*","Resource":"*"}}`,
			check: func(t *testing.T, p *Policy) {
				if st := p.Statements[0]; !st.NotPrincipal || st.Principal == nil {
					t.Fatalf("%+v", st)
				}
			},
		},
		{
			name: "condition values: string, list, number, boolean",
			doc: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
				"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":["a","b"]},
				"NumericLessThan":{"s3:max-keys":10},
				"Bool":{"aws:SecureTransport":true},
				"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"team-*"}}}}`,
			check: func(t *testing.T, p *Policy) {
				got := map[string][]string{}
				for _, c := range p.Statements[0].Conditions {
					got[c.Operator+" "+c.Key] = c.Values
				}
				want := map[string][]string{
					"StringEquals aws:RequestedRegion":           {"us-east-1"},
					"StringEquals aws:PrincipalTag/team":         {"a", "b"},
					"NumericLessThan s3:max-keys":                {"10"},
					"Bool aws:SecureTransport":                   {"true"},
					"ForAnyValue:StringLikeIfExists aws:TagKeys": {"team-*"},
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got %v", got)
				}
				for _, c := range p.Statements[0].Conditions {
					if c.Operator == "ForAnyValue:StringLikeIfExists" && (c.set != "foranyvalue" || !c.ifExists || c.base != "stringlike") {
						t.Fatalf("qualifiers of %+v", c)
					}
				}
			},
		},
		{
			name: "large integer condition value kept exactly",
			doc:  `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"k":12345678901234567890}}}}`,
			check: func(t *testing.T, p *Policy) {
				if v := p.Statements[0].Conditions[0].Values[0]; v != "12345678901234567890" {
					t.Fatalf("value %q", v)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tc.doc))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			tc.check(t, p)
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		path    string // the ParseError's Path
		msgPart string // a part of its message
	}{
		{"not JSON", `{"Statement":`, "", "not JSON"},
		{"document is a list", `[]`, "", "must be an object"},
		{"JSON string that is not an object", `"just text"`, "", "not a JSON object"},
		{"bad URL encoding", `"%7B%zz"`, "", "URL-encoded"},
		{"missing Statement", `{"Version":"2012-10-17"}`, "Statement", "missing"},
		{"unknown policy element", `{"Version":"2012-10-17","Statements":[]}`, "Statements", "unknown policy element"},
		{"Version not a string", `{"Version":2012,"Statement":[]}`, "Version", "must be a string"},
		{"Id not a string", `{"Id":1,"Statement":[]}`, "Id", "must be a string"},
		{"Statement a string", `{"Statement":"x"}`, "Statement", "object or a list"},
		{"Statement element not an object", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},"x"]}`, "Statement[1]", "must be an object"},
		{"Action is a number", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":3,"Resource":"*"}]}`, "Statement[1].Action", "got number"},
		{"Action list holds a number", `{"Statement":{"Effect":"Allow","Action":["s3:Get*",7],"Resource":"*"}}`, "Statement[0].Action[1]", "must be a string"},
		{"Action is an empty list", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Statement[0].Action", "empty list"},
		{"Action without a service", `{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, "Statement[0].Action[0]", "service:action"},
		{"NotAction with two colons", `{"Statement":{"Effect":"Allow","NotAction":["s3:a:b"],"Resource":"*"}}`, "Statement[0].NotAction[0]", "service:action"},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}}`, "Statement[0].Conditions", "unknown statement element"},
		{"both Action and NotAction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, "Statement[0]", "both Action and NotAction"},
		{"neither Action nor NotAction", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "Statement[0]", "neither Action nor NotAction"},
		{"both Resource and NotResource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, "Statement[0]", "both Resource and NotResource"},
		{"both Principal and NotPrincipal", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"*","NotPrincipal":"*"}}`, "Statement[0]", "both Principal and NotPrincipal"},
		{"bad Effect value", `{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`, "Statement[0].Effect", `"Permit"`},
		{"Effect is case-sensitive", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, "Statement[0].Effect", `"allow"`},
		{"missing Effect", `{"Statement":{"Action":"*","Resource":"*"}}`, "Statement[0].Effect", "missing"},
		{"Effect not a string", `{"Statement":{"Effect":true,"Action":"*","Resource":"*"}}`, "Statement[0].Effect", "must be a string"},
		{"Sid not a string", `{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}`, "Statement[0].Sid", "must be a string"},
		{"Resource is an object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":{}}}`, "Statement[0].Resource", "got object"},
		{"NotResource list holds null", `{"Statement":{"Effect":"Allow","Action":"*","NotResource":["a",null]}}`, "Statement[0].NotResource[1]", "got null"},
		{"Principal string other than *", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::111122223333:root"}}`, "Statement[0].Principal", `must be "*"`},
		{"Principal is a list", `{"Statement":{"Effect":"Allow","Action":"*","Principal":["*"]}}`, "Statement[0].Principal", "got list"},
		{"unknown principal type", `{"Statement":{"Effect":"Allow","Action":"*","Principal":{"User":"x"}}}`, "Statement[0].Principal.User", "unknown principal type"},
		{"principal value a number", `{"Statement":{"Effect":"Allow","Action":"*","NotPrincipal":{"AWS":[111122223333]}}}`, "Statement[0].NotPrincipal.AWS[0]", "must be a string"},
		{"Condition not an object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}`, "Statement[0].Condition", "must be an object"},
		{"unknown condition operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}}`, "Statement[0].Condition.StringEqualz", "unknown condition operator"},
		{"IfExists alone is no operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IfExists":{"k":"v"}}}}`, "Statement[0].Condition.IfExists", "unknown condition operator"},
		{"unknown set operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}}`, "Statement[0].Condition.ForSomeValues:StringEquals", "unknown set operator"},
		{"Null with IfExists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, "Statement[0].Condition.NullIfExists", "Null"},
		{"Null with a set operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:Null":{"k":"true"}}}}`, "Statement[0].Condition.ForAnyValue:Null", "Null"},
		{"operator body not an object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"v"}}}`, "Statement[0].Condition.StringEquals", "condition keys"},
		{"condition value an object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":{"a":1}}}}}`, "Statement[0].Condition.StringEquals.aws:x", "string, number or boolean"},
		{"condition value list holds null", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":["a",null]}}}}`, "Statement[0].Condition.StringEquals.aws:x[1]", "got null"},
		{"error in the third statement", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}]}`, "Statement[2].Foo", "unknown statement element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tc.doc))
			if err == nil {
				t.Fatalf("parsed without error: %+v", p)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Path != tc.path {
				t.Errorf("path %q, want %q (error %q)", pe.Path, tc.path, err)
			}
			if !strings.Contains(pe.Msg, tc.msgPart) {
				t.Errorf("message %q does not contain %q", pe.Msg, tc.msgPart)
			}
			if tc.path != "" && !strings.HasPrefix(err.Error(), tc.path+": ") {
				t.Errorf("Error() %q does not start with the path", err.Error())
			}
		})
	}
}

func TestParseActionForms(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		service string
	}{
		{"*", true, ""},
		{"s3:GetObject", true, "s3"},
		{"EC2:Describe*", true, "ec2"},
		{"s3:*", true, "s3"},
		{"s3", false, ""},
		{":GetObject", false, ""},
		{"s3:", false, ""},
		{"s3:a:b", false, ""},
		{"", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAction(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (a.Raw != tc.in || a.service != tc.service) {
				t.Fatalf("%+v", a)
			}
		})
	}
}
