package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI in-process.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

const demo = "../../testdata/demo"

func TestWhoCanJSONShape(t *testing.T) {
	out, err := run(t, "", "who-can", "ecr:PutImage", "--resource", "arn:aws:ecr:us-east-1:210987654321:repository/apps/checkout", demo, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Permission string `json:"permission"`
		Resource   string `json:"resource"`
		Principals []struct {
			ID     string            `json:"id"`
			Cloud  string            `json:"cloud"`
			Kind   string            `json:"kind"`
			Access string            `json:"access"`
			Via    []json.RawMessage `json:"via"`
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Permission != "ecr:PutImage" || res.Resource == "" || len(res.Principals) == 0 {
		t.Fatalf("unexpected answer: %+v", res)
	}
	found := false
	for _, p := range res.Principals {
		if p.Cloud != "aws" || p.Kind == "" || (p.Access != "allowed" && p.Access != "conditional") || len(p.Via) == 0 {
			t.Errorf("incomplete principal: %+v", p)
		}
		if p.ID == "arn:aws:iam::345678901234:role/workload-ci" {
			found = true
		}
	}
	if !found {
		t.Errorf("workload-ci (cross-account, trusted by the repository policy) should be able to push to apps/checkout")
	}
}

func TestSimulateBatch(t *testing.T) {
	in := `{"id":"a","principal":"arn:aws:iam::111122223333:user/alice","action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:111122223333:repository/app","identity_policies":[{"name":"p","document":{"Version":"2012-10-17","Statement":[{"Sid":"Push","Effect":"Allow","Action":"ecr:*","Resource":"*"}]}}],"permission_boundary":null,"scps":[],"resource_policy":null,"context":{}}
not json
{"id":"c","principal":"arn:aws:iam::111122223333:user/alice","action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:111122223333:repository/app","identity_policies":[{"name":"p","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Sid":"NoPush","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}}],"permission_boundary":null,"scps":[],"resource_policy":null,"context":{}}
`
	out, err := run(t, in, "simulate", "--batch", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 answers, got %d:\n%s", len(lines), out)
	}
	var a, b, c struct {
		ID, Decision, Error string
		Reasons             []struct{ Statement string }
	}
	json.Unmarshal([]byte(lines[0]), &a)
	json.Unmarshal([]byte(lines[1]), &b)
	json.Unmarshal([]byte(lines[2]), &c)
	if a.Decision != "allowed" || len(a.Reasons) != 1 || a.Reasons[0].Statement != "Push" {
		t.Errorf("line 1: %s", lines[0])
	}
	if b.Decision != "error" || !strings.Contains(b.Error, "line 2") {
		t.Errorf("line 2 should be an error naming the line: %s", lines[1])
	}
	if c.Decision != "explicitly_denied" || len(c.Reasons) != 1 || c.Reasons[0].Statement != "NoPush" {
		t.Errorf("line 3: %s", lines[2])
	}
}

func TestSimulateSingle(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "p.json")
	os.WriteFile(pol, []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateImage","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`), 0o644)
	for _, tc := range []struct {
		ctx  string
		want string
	}{{"aws:MultiFactorAuthPresent=true", "allowed"}, {"aws:MultiFactorAuthPresent=false", "implicitly_denied"}} {
		out, err := run(t, "", "simulate", "--principal", "arn:aws:iam::111122223333:user/erin", "--action", "ec2:CreateImage",
			"--resource", "arn:aws:ec2:us-east-1::image/ami-1", "--policy", pol, "--context", tc.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first := strings.SplitN(out, "\n", 2)[0]; first != tc.want {
			t.Errorf("%s: got %q, want %q", tc.ctx, first, tc.want)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateImage", 3],"Resource":"*"}]}`), 0o644)
	_, err := run(t, "", "simulate", "--principal", "arn:aws:iam::111122223333:user/erin", "--action", "ec2:CreateImage", "--policy", bad)
	if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "Statement[0].Action[1]") {
		t.Errorf("want an error naming the file and place, got %v", err)
	}
}

func TestFailOnExitCode(t *testing.T) {
	_, err := run(t, "", "analyze", demo, "--fail-on", "critical", "-o", filepath.Join(t.TempDir(), "r.txt"))
	var ef errFindings
	if !errors.As(err, &ef) || ef.n == 0 {
		t.Fatalf("want errFindings, got %v", err)
	}
	if _, err := run(t, "", "analyze", demo, "--fail-on", "bogus"); err == nil {
		t.Error("an unknown severity should be an error")
	}
}
