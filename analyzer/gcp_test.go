package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	gcpDemo      = "../testdata/demo/gcp"
	goldenRepo   = "//artifactregistry.googleapis.com/projects/nw-image-factory/locations/europe-west1/repositories/golden-images"
	baseRepo     = "//artifactregistry.googleapis.com/projects/nw-image-factory/locations/europe-west1/repositories/base-images"
	productsNode = "//cloudresourcemanager.googleapis.com/folders/211400100002"
)

func analyzeGCP(t *testing.T) *Report {
	t.Helper()
	rep, err := Analyze(context.Background(), Options{Paths: []string{gcpDemo}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func actionsOf(f *model.Finding, resource string) map[string]bool {
	out := map[string]bool{}
	if t := targetOf(f, resource); t != nil {
		for _, a := range t.Actions {
			out[a] = true
		}
	}
	return out
}

// TestGCPSemantics: each rule of GCP IAM has a case that fails when the
// rule is removed.
func TestGCPSemantics(t *testing.T) {
	rep := analyzeGCP(t)
	t.Run("inheritance: editor on the products folder reaches the folder's projects", func(t *testing.T) {
		f := findFinding(rep, "user:yara@northwind.example", "image.push")
		if f == nil || targetOf(f, productsNode) == nil {
			t.Fatalf("yara should push everywhere under the products folder: %+v", f)
		}
		if targetOf(f, "//artifactregistry.googleapis.com/projects/nw-shop-prod/locations/europe-west1/repositories/shop-images") == nil {
			t.Errorf("the folder grant should reach the shop-images repository of a project below it")
		}
	})
	t.Run("group expansion, nested: zoe is in frontend, which is in product-devs", func(t *testing.T) {
		if findFinding(rep, "user:zoe@northwind.example", "image.push") == nil {
			t.Error("zoe should inherit product-devs' editor role through the nested group")
		}
		if findFinding(rep, "group:product-devs@northwind.example", "image.push") != nil {
			t.Error("a group whose members are known is reported through its members, not as itself")
		}
		if findFinding(rep, "group:unlisted-team@northwind.example", "image.push") == nil {
			t.Error("a group without memberships stays a principal")
		}
	})
	t.Run("deny with exception: product-devs lose compute.images.create, lead.dev keeps it", func(t *testing.T) {
		yara := findFinding(rep, "user:yara@northwind.example", "image.create")
		if actionsOf(yara, productsNode)["compute.images.create"] {
			t.Error("the deny policy on the products folder should take compute.images.create from yara")
		}
		lead := findFinding(rep, "user:lead.dev@northwind.example", "image.create")
		if !actionsOf(lead, productsNode)["compute.images.create"] {
			t.Error("lead.dev is the deny policy's exception and keeps compute.images.create")
		}
	})
	t.Run("conditions: pat's golden-only writer binding", func(t *testing.T) {
		f := findFinding(rep, "user:pat@northwind.example", "image.push")
		if f == nil {
			t.Fatal("pat should be reported")
		}
		if g := targetOf(f, goldenRepo); g == nil || g.Access != model.Allowed {
			t.Errorf("the condition holds for golden-images: allowed, got %+v", g)
		}
		if targetOf(f, baseRepo) != nil {
			t.Errorf("the condition is false for base-images: no access")
		}
		if s := targetOf(f, "//cloudresourcemanager.googleapis.com/folders/211400100001"); s == nil || s.Access != model.Conditional {
			t.Errorf("at folder scope the resource name is unknown: conditional, got %+v", s)
		}
	})
	t.Run("time-bound grant is conditional with its expression", func(t *testing.T) {
		f := findFinding(rep, "user:rosa@northwind.example", "image.push")
		if f == nil || f.Access != model.Conditional {
			t.Fatalf("rosa: %+v", f)
		}
		found := false
		for _, g := range f.Targets[0].Via {
			for _, c := range g.Conditions {
				if strings.Contains(c, "request.time") {
					found = true
				}
			}
		}
		if !found {
			t.Error("the condition expression should be shown")
		}
	})
	t.Run("unknown role: a named warning, no access", func(t *testing.T) {
		warned := false
		for _, w := range rep.Warnings {
			if strings.Contains(w.Message, "projects/nw-shop-prod/roles/legacyDeployer") {
				warned = true
			}
		}
		if !warned {
			t.Error("the unknown custom role should be named in a warning")
		}
		if findFinding(rep, "user:uma@northwind.example", "image.push") != nil {
			t.Error("uma's only role is unknown: no finding")
		}
	})
	t.Run("public members: allUsers writes the legacy registry bucket, allAuthenticatedUsers only reads", func(t *testing.T) {
		f := findFinding(rep, "allUsers", "image.push")
		if f == nil || f.RuleID != "IW-001" || f.Severity != "critical" {
			t.Fatalf("allUsers push should be a critical IW-001, got %+v", f)
		}
		for _, x := range rep.Findings {
			if x.PrincipalID == "allAuthenticatedUsers" {
				t.Errorf("allAuthenticatedUsers has only read access of its own: %s", x.Message)
			}
		}
	})
	t.Run("deleted members grant nothing", func(t *testing.T) {
		for _, x := range rep.Findings {
			if strings.Contains(x.PrincipalID, "old.dev") {
				t.Errorf("deleted member reported: %s", x.Message)
			}
		}
	})
	t.Run("outside the organization's domains", func(t *testing.T) {
		f := findFinding(rep, "user:contractor.sam@gmail.com", "image.push")
		if f == nil || f.RuleID != "IW-002" {
			t.Errorf("contractor.sam should be an outside writer (IW-002), got %+v", f)
		}
	})
}

func TestGCPWhoCanNamesBindingAndLevel(t *testing.T) {
	res, err := WhoCan(Options{Paths: []string{gcpDemo}}, "artifactregistry.repositories.uploadArtifacts", goldenRepo)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.Answer{}
	for _, a := range res.Principals {
		got[a.ID] = a
	}
	for _, want := range []string{"serviceAccount:image-builder@nw-image-factory.iam.gserviceaccount.com", "user:pat@northwind.example", "user:contractor.sam@gmail.com", "user:cleo@northwind.example"} {
		a, ok := got[want]
		if !ok {
			t.Errorf("%s should be able to push to golden-images", want)
			continue
		}
		if len(a.Via) == 0 || a.Via[0].Policy == "" || a.Via[0].Statement == "" {
			t.Errorf("%s: the answer should name the level and the role: %+v", want, a.Via)
		}
	}
	if pat := got["user:pat@northwind.example"]; len(pat.Via) > 0 && pat.Via[0].Policy != "folders/211400100001" {
		t.Errorf("pat's grant is at the platform folder, got %q", pat.Via[0].Policy)
	}
	for _, not := range []string{"user:yara@northwind.example", "allAuthenticatedUsers", "user:uma@northwind.example"} {
		if _, ok := got[not]; ok {
			t.Errorf("%s should not be able to push to golden-images", not)
		}
	}
}

// TestGCPBadInputs: a truncated export, a binding without members and an
// unknown member type are named; the rest is analysed.
func TestGCPBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("truncated.json", `[{"resource": "//cloudresourcemanager.googleapis.com/projects/p1", "policy": {"bindings": [`)
	write("policies.json", `[
  {"resource": "//cloudresourcemanager.googleapis.com/projects/p1", "organization": "organizations/1",
   "policy": {"bindings": [
     {"role": "roles/artifactregistry.writer", "members": []},
     {"role": "roles/artifactregistry.writer", "members": ["robot:r2d2@example.com", "user:ok@example.com"]}
   ]}}
]`)
	write("unwrapped.json", `{"bindings": [{"role": "roles/owner", "members": ["user:x@example.com"]}], "etag": "BwX", "version": 1}`)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	src := map[string]model.Source{}
	for _, s := range rep.Inputs {
		src[filepath.Base(s.Path)] = s
	}
	if !strings.Contains(src["truncated.json"].Error, "truncated") {
		t.Errorf("truncated.json: %q", src["truncated.json"].Error)
	}
	if !strings.Contains(src["unwrapped.json"].Error, "without its resource") {
		t.Errorf("unwrapped.json: %q", src["unwrapped.json"].Error)
	}
	var all []string
	for _, w := range rep.Warnings {
		all = append(all, w.Where+": "+w.Message)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"bindings[0]", "without members", `unknown member type "robot:r2d2@example.com"`, "policies.json"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings should mention %q:\n%s", want, joined)
		}
	}
	if findFinding(rep, "user:ok@example.com", "image.push") == nil {
		t.Error("the valid member of the same binding should still be analysed")
	}
}
