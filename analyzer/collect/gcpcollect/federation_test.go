package gcpcollect

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestCollectFederationAndBoundaries: the collected pools, providers,
// boundary policies and policy bindings (every page of each, in the REST
// shapes of IAM v1 and v3) are read by analyze in their formats (G12,
// G13), nothing is skipped, and the boundary bound to nw-shop-prod's
// service accounts takes shop-deployer's push on its own project's
// repositories away (its only eligible project is nw-image-factory); a
// denied project's pools and bindings are warned about as not collected.
func TestCollectFederationAndBoundaries(t *testing.T) {
	f, _, out, _ := collectOrg(t)
	for _, key := range []string{
		"iam.projects.locations.workloadIdentityPools.providers.list /v1/" + fakePool + "/providers",
		"iam.organizations.locations.policyBindings.list /v3/organizations/" + orgNum + "/locations/global/policyBindings",
	} {
		if f.seen[key] != 2 {
			t.Errorf("%s: %d pages read, want 2", key, f.seen[key])
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
		"projects/nw-image-factory/wif-providers.json":      "gcp-wif-providers",
		"projects/nw-image-factory/wif-pools.json":          "gcp-wif-pools",
		"organizations/" + orgNum + "/pab-policies.json":    "gcp-pab-policies",
		"organizations/" + orgNum + "/policy-bindings.json": "gcp-policy-bindings",
	} {
		if kinds[file] != kind {
			t.Errorf("%s read as %q, want %q", file, kinds[file], kind)
		}
	}
	shopRepo := repoPrefix + "nw-shop-prod/locations/europe-west1/repositories/"
	for _, fd := range rep.Findings {
		if fd.PrincipalID != "serviceAccount:shop-deployer@nw-shop-prod.iam.gserviceaccount.com" || fd.Capability != "image.push" {
			continue
		}
		for _, tg := range fd.Targets {
			if strings.HasPrefix(tg.Resource, shopRepo) {
				t.Errorf("shop-deployer is bounded to nw-image-factory but pushes to %s", tg.Resource)
			}
		}
	}
	// Without the boundary files, it does push there (the test above can fail).
	pushes := false
	rep2, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{
		filepath.Join(out, "iam-policies.json"), filepath.Join(out, "projects.json"), filepath.Join(out, "roles-predefined.json"),
		filepath.Join(out, "projects/nw-shop-prod/artifact-repositories.json")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range rep2.Findings {
		if fd.PrincipalID == "serviceAccount:shop-deployer@nw-shop-prod.iam.gserviceaccount.com" && fd.Capability == "image.push" {
			pushes = true
		}
	}
	if !pushes {
		t.Error("without the boundary shop-deployer should push to its project's repositories")
	}
	incomplete := map[string]bool{}
	for _, w := range rep.Warnings {
		if rest, ok := strings.CutPrefix(w.Message, "incomplete collection: scope "); ok {
			incomplete[strings.Fields(rest)[0]] = true
		}
	}
	for _, s := range []string{"projects/nw-secret-lab/workload-identity-pools", "projects/nw-secret-lab/policy-bindings"} {
		if !incomplete[s] {
			t.Errorf("the report should warn that %s was not collected", s)
		}
	}
}
