package analyzer

import (
	"context"
	"sort"
	"strings"
	"testing"
)

// TestGCPOpenWorkloadIdentityFederation: a GitHub workload identity
// provider whose condition lets in every repository of one organization,
// and a pool-wide principal set bound to impersonate a service account
// that pushes, is IW-011 high, the chain drawn provider -> account; the
// principal set of one repository that pushes directly is medium; the
// pool-wide member's own chain through the account is not reported a
// second time. Without the providers list nothing is reported (the pool
// members stay plain members).
func TestGCPOpenWorkloadIdentityFederation(t *testing.T) {
	const pool = "projects/123456/locations/global/workloadIdentityPools/ci"
	providers := `[{"name": "` + pool + `/providers/github", "state": "ACTIVE",
  "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
  "attributeCondition": "assertion.repository_owner == 'acme'",
  "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}]`
	policies := `[
 {"resource": "//iam.googleapis.com/projects/build/serviceAccounts/pusher@build.iam.gserviceaccount.com",
  "assetType": "iam.googleapis.com/ServiceAccount", "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": ["principalSet://iam.googleapis.com/` + pool + `/*"]}]}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/build", "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [{"role": "roles/artifactregistry.writer", "members": ["serviceAccount:pusher@build.iam.gserviceaccount.com",
     "principalSet://iam.googleapis.com/` + pool + `/attribute.repository/acme/app"]}]}}
]`
	run := func(files map[string]string) []string {
		rep, err := Analyze(context.Background(), Options{Paths: []string{writeFiles(t, files)}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.RuleID != "IW-011" || f.Capability != "image.push" {
				continue
			}
			if f.PrincipalID != "federated:"+pool+"/providers/github" {
				t.Errorf("IW-011 principal %s", f.PrincipalID)
			}
			got = append(got, f.Severity+" "+f.Path[0].Kind+" "+f.Path[0].To)
		}
		sort.Strings(got)
		return got
	}
	got := run(map[string]string{"providers.json": providers, "policies.json": policies})
	want := []string{
		"high impersonate serviceAccount:pusher@build.iam.gserviceaccount.com",
		"medium federated-token principalSet://iam.googleapis.com/" + pool + "/attribute.repository/acme/app",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("IW-011 on GCP:\n got %q\nwant %q", got, want)
	}
	if got := run(map[string]string{"policies.json": policies}); len(got) != 0 {
		t.Errorf("IW-011 without the providers list: %q", got)
	}
}
