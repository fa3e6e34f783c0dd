package terraform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedPlans: a plan that cannot be read is an error that names
// the file and the place.
func TestMalformedPlans(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // substrings of the error
	}{
		{"syntax", "{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [\n    {\"address\": \"x\",}\n  ]\n}", []string{"plan.json:4:", "invalid JSON"}},
		{"truncated", "{\"format_version\": \"1.2\", \"resource_changes\": [", []string{"plan.json:1:", "end of the file"}},
		{"not an object", "[1, 2]", []string{"plan.json:1:1", "not an array"}},
		{"state, not a plan", `{"values": {"root_module": {}}}`, []string{"plan.json", "format_version", "state"}},
		{"no format version", `{"resource_changes": []}`, []string{"plan.json", "format_version: missing"}},
		{"future major version", `{"format_version": "2.0", "resource_changes": []}`, []string{"plan.json", "unsupported plan format version"}},
		{"wrong type", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {"actions": "create"}}]}`, []string{"plan.json", "resource_changes.change.actions"}},
		{"two values", `{"format_version": "1.2", "resource_changes": []} {}`, []string{"plan.json:1:", "more than one JSON value"}},
		{"empty plan object", `{"format_version": "1.2"}`, []string{"plan.json", "neither resource_changes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "plan.json")
			if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Read(path, nil, Options{WorkDir: filepath.Join(dir, "work")})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// FuzzRead: whatever the plan holds, Read returns an error or a plan,
// never panics, and any error names the file.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"assumable", "deletions", "modules", "unknown", "azure"} {
		data, err := os.ReadFile(plansDir(name + ".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"aws_iam_role_policy.x","type":"aws_iam_role_policy","change":{"actions":["create"],"after":{"role":1,"policy":[]},"after_unknown":{"policy":{"a":[true]}}}}]}`))
	f.Add([]byte(`{"format_version":"1.2","prior_state":{"values":{"root_module":{"child_modules":[{"resources":[{"address":"module.a[\"x.y\"].google_project_iam_member.m","type":"google_project_iam_member","values":{"member":null}}]}]}}}}`))
	// after_unknown true for the whole object, not per attribute.
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"aws_iam_role_policy.x","type":"aws_iam_role_policy","mode":"managed","change":{"actions":["create"],"after":{},"after_unknown":true}}]}`))
	// The AWS context only: reading more per input slows the fuzzer to a
	// few inputs a second.
	ctx := []string{plansDir("context", "aws")}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Read(path, ctx, Options{WorkDir: filepath.Join(dir, "work")})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, ch := range p.Changes {
			p.Location(ch.Address)
		}
	})
}

// TestAccounts: a new principal's account comes from the context when it
// holds one account, else from ARNs the plan knows; with neither, a
// placeholder and a warning.
func TestAccounts(t *testing.T) {
	read := func(plan string, ctx []string) (*Plan, string) {
		t.Helper()
		work := t.TempDir()
		p, err := Read(plansDir(plan+".json"), ctx, Options{WorkDir: work})
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, path := range p.Head {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(data)
		}
		return p, all.String()
	}
	// The plan knows ci-runner's ARN: the new role takes its account.
	p, head := read("aws-iam-roles", nil)
	if !strings.Contains(head, `"arn:aws:iam::111122223333:role/ci-builder"`) {
		t.Errorf("the new role's ARN is not in the account the plan's ARNs name")
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %q", p.Warnings)
	}
	// Nothing names an account: a placeholder, said in a warning.
	p, head = read("modules", nil)
	if !strings.Contains(strings.Join(p.Warnings, "\n"), placeholderAccount+" stands for it") {
		t.Errorf("no warning about the placeholder account: %q", p.Warnings)
	}
	if !strings.Contains(head, `"arn:aws:iam::`+placeholderAccount+`:role/ci/platform-ci"`) {
		t.Errorf("the new role is not in the placeholder account")
	}
	// An SCP without an organization file is not evaluated.
	p, _ = read("aws-organizations", nil)
	found := false
	for _, n := range p.NotEvaluated {
		found = found || (n.Address == "aws_organizations_policy.deny_push" && strings.Contains(n.Reason, "no organization file"))
	}
	if !found {
		t.Errorf("the SCP is not listed as not evaluated without an organization file: %+v", p.NotEvaluated)
	}
}

// TestContextPassThrough: context files the plan does not touch are
// passed as they are; one holding an object the plan replaces is not.
func TestContextPassThrough(t *testing.T) {
	ctx := plansDir("context", "aws")
	p, err := Read(plansDir("aws-ecr.json"), []string{ctx}, Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	has := func(paths []string, name string) bool {
		for _, p := range paths {
			if p == filepath.Join(ctx, name) {
				return true
			}
		}
		return false
	}
	for _, side := range []struct {
		name  string
		paths []string
	}{{"base", p.Base}, {"head", p.Head}} {
		if !has(side.paths, "iam-build.json") || !has(side.paths, "ecr-repositories.json") {
			t.Errorf("%s: untouched context files are not passed through: %q", side.name, side.paths)
		}
		// The plan's policy of app/web replaces the context's, in the base
		// (prior state) as in the head.
		if has(side.paths, "ecr-policy-app-web.json") {
			t.Errorf("%s: the context's policy of app/web is read beside the plan's", side.name)
		}
	}
}
