package awscloud

import (
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// TestOIDCPinChange: an IW-011 finding on a role whose trust lets in
// repo:acme/*:* gets a change that replaces the StringLike on the subject
// with a StringEquals on a marked placeholder, keeps the aud check and the
// other statement, says in its notes that the subject must be filled in,
// and, applied, leaves the trust pinned (no open statement).
func TestOIDCPinChange(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/ci"
	doc := `{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[{"Path":"/","RoleName":"ci","RoleId":"AROACI","Arn":"` + role + `",
	 "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"Federated":"` + ghProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity",
	   "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*:*"}}},
	  {"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]},
	 "AttachedManagedPolicies":[],"RolePolicyList":[]}]}`
	s := loadAuth(t, doc)
	f := &model.Finding{ID: "iw-1", RuleID: "IW-011", PrincipalID: "federated:" + ghProvider,
		Path: []model.Edge{{From: "federated:" + ghProvider, To: role, Kind: "assume-role"}}}
	s.resolve()
	cs := s.oidcPinChanges([]*model.Finding{f})
	if len(cs) != 1 {
		t.Fatalf("one change expected, got %d", len(cs))
	}
	c := cs[0]
	want := `"token.actions.githubusercontent.com:sub": "IMAGEWARDEN-REVIEW-repo:OWNER/REPOSITORY:ref:refs/heads/BRANCH"`
	if c.Kind != KindOIDCPin || !strings.Contains(c.After, want) || strings.Contains(c.After, "StringLike") ||
		!strings.Contains(c.After, `"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`) || !strings.Contains(c.After, "codebuild.amazonaws.com") {
		t.Errorf("change after:\n%s", c.After)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "repo:acme/*:*") || !strings.Contains(c.Notes[0], "cannot know") {
		t.Errorf("notes: %q", c.Notes)
	}
	if len(c.FindingIDs) != 1 || c.FindingIDs[0] != "iw-1" {
		t.Errorf("finding ids: %v", c.FindingIDs)
	}
	// Applied to a fresh snapshot, the trust is pinned.
	s2 := loadAuth(t, doc)
	if err := s2.Apply(c); err != nil {
		t.Fatal(err)
	}
	after := s2.FederatedTrusts()
	if len(after) != 1 {
		t.Fatalf("after the change: %d trusts, want the pinned one", len(after))
	}
	for _, tr := range after {
		if tr.Scope != "pinned" {
			t.Errorf("after the change: %+v", tr)
		}
	}
	// A finding of another rule gives no change.
	f.RuleID = "IW-010"
	if cs := s.oidcPinChanges([]*model.Finding{f}); len(cs) != 0 {
		t.Errorf("IW-010 finding: %d changes", len(cs))
	}
}
