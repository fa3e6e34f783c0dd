package gcpcloud_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
)

// TestWIFPinVerified: on an analysed GCP input where a GitHub provider of
// a pool lets a whole organization impersonate a pushing service account,
// the remediation plans a gcp-wif-pin change and re-analysis with it
// applied shows the IW-011 findings resolved and none left.
func TestWIFPinVerified(t *testing.T) {
	const pool = "projects/123456/locations/global/workloadIdentityPools/gh-pool"
	files := map[string]string{
		"providers.json": `[{"name": "` + pool + `/providers/github", "state": "ACTIVE",
  "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
  "attributeCondition": "assertion.repository_owner == 'acme'",
  "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}]`,
		"policies.json": `[
 {"resource": "//iam.googleapis.com/projects/build/serviceAccounts/pusher@build.iam.gserviceaccount.com",
  "assetType": "iam.googleapis.com/ServiceAccount", "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": ["principalSet://iam.googleapis.com/` + pool + `/*"]}]}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/build", "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [{"role": "roles/artifactregistry.writer", "members": ["serviceAccount:pusher@build.iam.gserviceaccount.com"]}]}}]`,
	}
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plan, findings, err := analyzer.Remediate(context.Background(), analyzer.Options{Paths: []string{dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, f := range findings {
		if f.RuleID == "IW-011" {
			open = append(open, f.ID)
		}
	}
	if len(open) == 0 {
		t.Fatal("no IW-011 finding to fix")
	}
	var pins int
	for _, c := range plan.Changes {
		if c.Kind != gcpcloud.KindWIFPin {
			continue
		}
		pins++
		if c.Verification == nil || len(c.Verification.Unresolved) > 0 || len(c.Verification.Introduced) > 0 {
			t.Fatalf("verification: %+v", c.Verification)
		}
		resolved := map[string]bool{}
		for _, id := range c.Verification.Resolved {
			resolved[id] = true
		}
		for _, id := range open {
			if !resolved[id] {
				t.Errorf("IW-011 finding %s not resolved by %s", id, c.ID)
			}
		}
		if len(c.Commands) != 1 {
			t.Errorf("commands: %q", c.Commands)
		}
	}
	if pins != 1 {
		t.Errorf("%d gcp-wif-pin changes, want 1", pins)
	}
}
