package gcpcollect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestCollectComputeAndOrgPolicies: the instances (every page of the
// aggregated list), triggers and organization policies are written in the
// formats analyze reads (G9, G10, G11), wrapped with their node even when
// empty; no instance metadata but enable-oslogin is copied; a refused read
// names its permission; and the analysis of the snapshot draws the
// takeover edges the inventory settles and reads the policies.
func TestCollectComputeAndOrgPolicies(t *testing.T) {
	f, m, out, _ := collectOrg(t)
	key := "compute.instances.aggregatedList /compute/v1/projects/nw-image-factory/aggregated/instances"
	if f.seen[key] != 2 {
		t.Errorf("%s: %d pages read, want 2", key, f.seen[key])
	}
	b, err := os.ReadFile(filepath.Join(out, "projects", "nw-shop-prod", "compute-instances.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "startup-script") || !strings.Contains(string(b), "enable-oslogin") {
		t.Errorf("instance metadata: only enable-oslogin may be written:\n%s", b)
	}
	errs := map[string]string{}
	for _, s := range m.Skipped {
		errs[s.Name] = s.Error
	}
	for scope, want := range map[string]string{
		"projects/" + deniedProj + "/compute-instances":  "compute.instances.list",
		"projects/" + deniedProj + "/build-triggers":     "cloudbuild.builds.list",
		"projects/" + deniedProj + "/org-policies":       "orgpolicy.policies.list",
		"projects/" + disabledArt + "/compute-instances": "SERVICE_DISABLED",
	} {
		if !strings.Contains(errs[scope], want) {
			t.Errorf("%s: error %q, want it to name %s", scope, errs[scope], want)
		}
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, s := range rep.Inputs {
		rel, _ := filepath.Rel(out, s.Path)
		kinds[filepath.ToSlash(rel)] = s.Kind
		if s.Error != "" {
			t.Errorf("%s skipped: %s", s.Path, s.Error)
		}
	}
	for file, kind := range map[string]string{
		"projects/nw-image-factory/compute-instances.json": "gcp-compute-instances",
		"projects/nw-sandbox-dev/compute-instances.json":   "gcp-compute-instances", // none: wrapped, still read
		"projects/nw-image-factory/build-triggers.json":    "gcp-cloudbuild-triggers",
		"projects/nw-shop-prod/build-triggers.json":        "gcp-cloudbuild-triggers",
		"organizations/" + orgNum + "/org-policies.json":   "gcp-org-policies",
		sandboxF + "/org-policies.json":                    "gcp-org-policies",
		"projects/nw-shop-prod/org-policies.json":          "gcp-org-policies",
	} {
		if kinds[file] != kind {
			t.Errorf("%s read as %q, want %q", file, kinds[file], kind)
		}
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Where, "compute-instances") || strings.Contains(w.Where, "build-triggers") || strings.Contains(w.Where, "org-policies") {
			t.Errorf("warning on a collected file: %s: %s", w.Where, w.Message)
		}
	}
	// product-devs (zoe) hold roles/editor on the products folder: they can set
	// the metadata of nw-shop-prod's instance and run as shop-deployer.
	providers, _, _, err := analyzer.Load(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	takeover := false
	for _, p := range providers {
		if p.Cloud() != "gcp" {
			continue
		}
		for _, e := range p.Edges() {
			if e.Kind == "takeover" && e.From == "user:zoe@northwind.example" &&
				e.To == "serviceAccount:shop-deployer@nw-shop-prod.iam.gserviceaccount.com" && strings.Contains(e.Note, "shop-web-1") && !e.Assumed {
				takeover = true
			}
		}
	}
	if !takeover {
		t.Error("no exact takeover edge from zoe (product-devs) to shop-deployer through nw-shop-prod's instance shop-web-1")
	}
}
