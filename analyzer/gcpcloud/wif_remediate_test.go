package gcpcloud

import (
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

func wifFinding(id, provider string) *model.Finding {
	return &model.Finding{ID: id, RuleID: "IW-011", PrincipalID: model.FederatedPrefix + provider,
		Path: []model.Edge{{From: model.FederatedPrefix + provider, To: "serviceAccount:pusher@build.iam.gserviceaccount.com", Cloud: "gcp", Kind: "impersonate"}}}
}

// TestWIFPinChange: an IW-011 finding from a provider whose condition lets
// a whole organization in gets a change that keeps the condition and
// and-s a repository and a ref to it (placeholders: the findings name no
// one repository), one gcloud update-oidc command with the names checked,
// notes saying what was let in; applied, every trust of the provider is
// pinned. A provider whose pool or provider ID is not a real one gets no
// command; findings of other rules or clouds give no change.
func TestWIFPinChange(t *testing.T) {
	// Pool IDs are 4 to 32 characters: the fixtures' "ci" is renamed.
	ren := func(x string) string {
		return strings.ReplaceAll(x, "/workloadIdentityPools/ci", "/workloadIdentityPools/ci-pool")
	}
	wifProviders, wifPolicies, testProv, poolSet := ren(wifProviders), ren(wifPolicies), ren(testProv), ren(poolSet)
	s := New()
	loadDoc(t, s, "providers.json", wifProviders)
	loadDoc(t, s, "policies.json", wifPolicies)
	cs := s.wifPinChanges([]*model.Finding{wifFinding("iw-1", testProv), wifFinding("iw-2", testProv)})
	if len(cs) != 1 {
		t.Fatalf("one change expected, got %d", len(cs))
	}
	c := cs[0]
	cond := "(assertion.repository_owner == 'acme') && assertion.repository == 'IMAGEWARDEN-REVIEW-OWNER/REPOSITORY' && assertion.ref == 'IMAGEWARDEN-REVIEW-refs/heads/BRANCH'"
	if c.Kind != KindWIFPin || !strings.Contains(c.After, cond) || len(c.FindingIDs) != 2 {
		t.Errorf("change: %+v", c)
	}
	want := []string{"gcloud", "iam", "workload-identity-pools", "providers", "update-oidc", "github", "--workload-identity-pool=ci-pool",
		"--location=global", "--project=123456", "--attribute-condition=" + cond}
	if len(c.Args) != 1 || strings.Join(c.Args[0], "\x00") != strings.Join(want, "\x00") {
		t.Errorf("args:\n got %q\nwant %q", c.Args, want)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "repo:acme/*:*") || !strings.Contains(c.Notes[0], "cannot know") {
		t.Errorf("notes: %q", c.Notes)
	}
	s2 := New()
	loadDoc(t, s2, "providers.json", wifProviders)
	loadDoc(t, s2, "policies.json", wifPolicies)
	if err := s2.Apply(c); err != nil {
		t.Fatal(err)
	}
	after := s2.FederatedTrusts()
	if len(after) == 0 {
		t.Fatal("no trust after the change")
	}
	for _, tr := range after {
		if tr.Scope != "pinned" {
			t.Errorf("after the change: %+v", tr)
		}
	}
	// One repository named by the findings' trusts is written in, not a
	// placeholder.
	s3 := New()
	loadDoc(t, s3, "providers.json", strings.Replace(wifProviders, `"attributeCondition": "assertion.repository_owner == 'acme'",`, "", 1))
	loadDoc(t, s3, "policies.json", `[{"resource": "//cloudresourcemanager.googleapis.com/projects/build", "project": "projects/123456",
	  "policy": {"bindings": [{"role": "roles/artifactregistry.writer", "members": ["`+poolSet+`/attribute.repository/acme/app"]}]}}]`)
	if cs := s3.wifPinChanges([]*model.Finding{wifFinding("iw-3", testProv)}); len(cs) != 1 || !strings.Contains(cs[0].After, "assertion.repository == 'acme/app' && assertion.ref == 'IMAGEWARDEN-REVIEW-refs/heads/BRANCH'") {
		t.Errorf("one repository: %+v", cs)
	}
	// A hostile provider name: no command.
	s4 := New()
	evil := "projects/123456/locations/global/workloadIdentityPools/ci-pool/providers/x;touch PWNED"
	loadDoc(t, s4, "providers.json", strings.Replace(wifProviders, testProv+`"`, evil+`"`, 1))
	loadDoc(t, s4, "policies.json", wifPolicies)
	cs4 := s4.wifPinChanges([]*model.Finding{wifFinding("iw-4", evil)})
	if len(cs4) != 1 || len(cs4[0].Commands) != 0 || !cs4[0].Refused() {
		t.Errorf("hostile name: %+v", cs4)
	}
	f := wifFinding("iw-5", testProv)
	f.RuleID = "IW-010"
	g := wifFinding("iw-6", testProv)
	g.Path[0].Cloud = "aws"
	if cs := s.wifPinChanges([]*model.Finding{f, g}); len(cs) != 0 {
		t.Errorf("other rule or cloud: %d changes", len(cs))
	}
}
