package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// counted finds a tally of the report.
func counted(t *testing.T, rep *Report, cloud, item string) model.Count {
	t.Helper()
	for _, c := range rep.Summary.Counts {
		if c.Cloud == cloud && c.Item == item {
			return c
		}
	}
	t.Fatalf("no count of %s %s in %+v", cloud, item, rep.Summary.Counts)
	return model.Count{}
}

func decodeFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The demo's counts add up, and agree with a count made here directly
// from the files, independently of the plug-ins.
func TestCountsAddUpOnTheDemo(t *testing.T) {
	rep, err := Analyze(context.Background(), Options{Paths: []string{"../testdata/demo"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Summary.Counts {
		if !c.Balanced() {
			t.Errorf("%s %s: read %d != evaluated %d + skipped %d + duplicates %d", c.Cloud, c.Item, c.Read, c.Evaluated, c.Skipped, c.Duplicates)
		}
	}
	if !rep.Summary.Complete || len(rep.Summary.Skipped) != 0 {
		t.Errorf("the demo is read whole: complete=%v skipped=%v", rep.Summary.Complete, rep.Summary.Skipped)
	}

	// AWS: users and roles, groups, managed and inline policies.
	type inline []struct{ PolicyName string }
	var principals, groups, policies int
	for _, f := range []string{"iam-shared-services.json", "iam-workloads.json"} {
		var d struct {
			UserDetailList  []struct{ UserPolicyList inline }
			RoleDetailList  []struct{ RolePolicyList inline }
			GroupDetailList []struct{ GroupPolicyList inline }
			Policies        []json.RawMessage
		}
		decodeFile(t, filepath.Join("../testdata/demo", f), &d)
		principals += len(d.UserDetailList) + len(d.RoleDetailList)
		groups += len(d.GroupDetailList)
		policies += len(d.Policies)
		for _, u := range d.UserDetailList {
			policies += len(u.UserPolicyList)
		}
		for _, r := range d.RoleDetailList {
			policies += len(r.RolePolicyList)
		}
		for _, g := range d.GroupDetailList {
			policies += len(g.GroupPolicyList)
		}
	}
	for item, want := range map[string]int{"principals": principals, "groups": groups, "policies": policies} {
		if got := counted(t, rep, "aws", item); got.Read != want {
			t.Errorf("aws %s: read %d, the files hold %d", item, got.Read, want)
		}
	}
	var aws int
	for _, p := range rep.Principals {
		if p.Cloud == "aws" && !p.External {
			aws++
		}
	}
	if got := counted(t, rep, "aws", "principals"); got.Evaluated != aws {
		t.Errorf("aws principals: evaluated %d, the report has %d", got.Evaluated, aws)
	}

	// GCP: bindings and their members.
	var gcpPolicies []struct {
		Policy struct{ Bindings []struct{ Members []string } }
	}
	decodeFile(t, "../testdata/demo/gcp/iam-policies.json", &gcpPolicies)
	var bindings, members int
	for _, p := range gcpPolicies {
		bindings += len(p.Policy.Bindings)
		for _, b := range p.Policy.Bindings {
			members += len(b.Members)
		}
	}
	if got := counted(t, rep, "gcp", "bindings"); got.Read != bindings || got.Evaluated != bindings {
		t.Errorf("gcp bindings: %+v, the file holds %d", got, bindings)
	}
	if got := counted(t, rep, "gcp", "members"); got.Read != members {
		t.Errorf("gcp members: %+v, the file holds %d", got, members)
	}

	// Azure: role assignments.
	var assignments []json.RawMessage
	decodeFile(t, "../testdata/demo/azure/role-assignments.json", &assignments)
	if got := counted(t, rep, "azure", "role assignments"); got.Read != len(assignments) || got.Evaluated != len(assignments) {
		t.Errorf("azure role assignments: %+v, the file holds %d", got, len(assignments))
	}
}

// Items a plug-in cannot use are counted as skipped, the counts still add
// up, and the report is not complete.
func TestSkippedItemsAreCounted(t *testing.T) {
	dir := t.TempDir()
	aws := `{"UserDetailList": [
	  {"UserName": "ok", "Arn": "arn:aws:iam::111122223333:user/ok", "UserPolicyList": [
	    {"PolicyName": "bad", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}},
	    {"PolicyName": "good", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}]}}]},
	  {"UserName": "no-arn"}],
	  "RoleDetailList": [], "GroupDetailList": [], "Policies": []}`
	gcp := `[{"resource": "//cloudresourcemanager.googleapis.com/projects/p-one", "assetType": "cloudresourcemanager.googleapis.com/Project", "project": "projects/123",
	  "policy": {"bindings": [{"role": "roles/artifactregistry.writer", "members": ["user:a@example.com", "weird:x"]}, {"members": ["user:b@example.com"]}]}}]`
	os.WriteFile(filepath.Join(dir, "aws.json"), []byte(aws), 0o644)
	os.WriteFile(filepath.Join(dir, "gcp.json"), []byte(gcp), 0o644)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]model.Count{
		{"aws", "principals"}: {Read: 2, Evaluated: 1, Skipped: 1},
		{"aws", "policies"}:   {Read: 2, Evaluated: 1, Skipped: 1},
		{"gcp", "bindings"}:   {Read: 2, Evaluated: 1, Skipped: 1},
		{"gcp", "members"}:    {Read: 3, Evaluated: 1, Skipped: 2},
	}
	for k, w := range want {
		got := counted(t, rep, k[0], k[1])
		if got.Read != w.Read || got.Evaluated != w.Evaluated || got.Skipped != w.Skipped {
			t.Errorf("%s %s: %+v, want read %d evaluated %d skipped %d", k[0], k[1], got, w.Read, w.Evaluated, w.Skipped)
		}
		if !got.Balanced() {
			t.Errorf("%s %s does not add up: %+v", k[0], k[1], got)
		}
	}
	if rep.Summary.Complete {
		t.Error("items were skipped: the analysis is not complete")
	}
}

func TestNothingUsableIsAnError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"Users": [`), 0o644)
	_, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	var nu *NoUsableInputError
	if !errors.As(err, &nu) || len(nu.Sources) != 1 {
		t.Fatalf("want NoUsableInputError naming the file, got %v", err)
	}
}

// A file added to a collected snapshot, and a file removed from it, are
// named: the manifest is the record of what the collection wrote.
func TestSnapshotFilesNotInTheManifest(t *testing.T) {
	src := "collect/gcpcollect/testdata/golden"
	dir := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	clean, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range clean.Warnings {
		if strings.Contains(w.Message, "manifest") && (strings.Contains(w.Message, "does not list") || strings.Contains(w.Message, "lists this file")) {
			t.Errorf("the snapshot as collected should raise no manifest warning: %+v", w)
		}
	}
	planted, _ := os.ReadFile(filepath.Join(dir, "groups.json"))
	os.WriteFile(filepath.Join(dir, "planted.json"), planted, 0o644)
	os.Remove(filepath.Join(dir, "iam-policies.json"))
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var added, removed bool
	for _, w := range rep.Warnings {
		added = added || strings.HasSuffix(w.Where, "planted.json") && strings.Contains(w.Message, "does not list it")
		removed = removed || strings.HasSuffix(w.Where, "iam-policies.json") && strings.Contains(w.Message, "lists this file but it was not read")
	}
	if !added || !removed {
		t.Errorf("added file named: %v, removed file named: %v; warnings: %+v", added, removed, rep.Warnings)
	}
}
