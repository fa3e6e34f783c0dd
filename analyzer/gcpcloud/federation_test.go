package gcpcloud

import (
	"reflect"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	testPool  = "projects/123456/locations/global/workloadIdentityPools/ci"
	testProv  = testPool + "/providers/github"
	poolSet   = "principalSet://iam.googleapis.com/" + testPool
	poolPrinc = "principal://iam.googleapis.com/" + testPool
)

var githubMapping = map[string]string{"google.subject": "assertion.sub", "attribute.repository": "assertion.repository",
	"attribute.repository_owner": "assertion.repository_owner", "attribute.ref": "assertion.ref"}

// TestFederatedTrustScopes: the subjects and scope a GitHub provider lets
// in through each kind of pool member and each common shape of attribute
// condition; conditions it cannot read never make the scope narrower.
func TestFederatedTrustScopes(t *testing.T) {
	s := New()
	cases := []struct {
		name, member, cond string
		mapping            map[string]string
		scope              string
		subjects           []string
		note               string // a part of the note, when one is expected
		none               bool   // no token can get in
	}{
		{name: "whole pool, no condition", member: poolSet + "/*", scope: "any", note: "no attribute condition"},
		{name: "owner condition", member: poolSet + "/*", cond: "assertion.repository_owner == 'acme'", scope: "organization", subjects: []string{"repo:acme/*:*"}},
		{name: "owner condition, double quotes, reversed", member: poolSet + "/*", cond: `"acme" == assertion.repository_owner`, scope: "organization", subjects: []string{"repo:acme/*:*"}},
		{name: "repository condition", member: poolSet + "/*", cond: "assertion.repository == 'acme/app'", scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "repository and ref", member: poolSet + "/*", cond: "assertion.repository == 'acme/app' && assertion.ref == 'refs/heads/main'", scope: "pinned", subjects: []string{"repo:acme/app:ref:refs/heads/main"}},
		{name: "parenthesised conjunction", member: poolSet + "/*", cond: "(assertion.repository_owner == 'acme' && (attribute.repository == 'acme/app'))", scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "sub pinned", member: poolSet + "/*", cond: "assertion.sub == 'repo:acme/app:environment:prod'", scope: "pinned", subjects: []string{"repo:acme/app:environment:prod"}},
		{name: "attribute in list", member: poolSet + "/*", cond: "attribute.repository in ['acme/app', 'acme/web']", scope: "repository", subjects: []string{"repo:acme/app:*", "repo:acme/web:*"}},
		{name: "repository prefix of an owner", member: poolSet + "/*", cond: "assertion.repository.startsWith('acme/')", scope: "organization", subjects: []string{"repo:acme/*:*"}},
		{name: "repository prefix without the slash lets other owners in", member: poolSet + "/*", cond: "assertion.repository.startsWith('acme')", scope: "any", subjects: []string{"repo:acme*:*"}},
		{name: "sub prefix of one repository", member: poolSet + "/*", cond: "assertion.sub.startsWith('repo:acme/app:')", scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "disjunction not understood", member: poolSet + "/*", cond: "assertion.repository == 'acme/app' || assertion.repository == 'acme/web'", scope: "any", note: "is not understood"},
		{name: "negation not understood is left out", member: poolSet + "/*", cond: "assertion.repository_owner == 'acme' && assertion.repository != 'acme/secret'", scope: "organization", subjects: []string{"repo:acme/*:*"}, note: "not understood"},
		{name: "ref alone pins no repository", member: poolSet + "/*", cond: "assertion.ref == 'refs/heads/main'", scope: "any", note: "ref only"},
		{name: "attribute set, repository", member: poolSet + "/attribute.repository/acme/app", scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "attribute set and owner condition", member: poolSet + "/attribute.repository/acme/app", cond: "assertion.repository_owner == 'acme'", scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "attribute set contradicting the condition", member: poolSet + "/attribute.repository/acme/app", cond: "assertion.repository == 'acme/web'", none: true},
		{name: "attribute set of an unmapped attribute", member: poolSet + "/attribute.team/x", none: true},
		{name: "attribute mapped from an expression", member: poolSet + "/attribute.repo/acme/app", mapping: map[string]string{"google.subject": "assertion.sub", "attribute.repo": "assertion.repository.lowerAscii()"}, scope: "any", note: "which is not read"},
		{name: "subject principal", member: poolPrinc + "/subject/repo:acme/app:ref:refs/heads/main", scope: "pinned", subjects: []string{"repo:acme/app:ref:refs/heads/main"}},
		{name: "subject mapped from the repository", member: poolPrinc + "/subject/acme/app", mapping: map[string]string{"google.subject": "assertion.repository"}, scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "group", member: poolSet + "/group/admins", scope: "any", note: "google.groups"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mapping := c.mapping
			if mapping == nil {
				mapping = githubMapping
			}
			p := &wifProvider{name: testProv, pool: testPool, issuer: "token.actions.githubusercontent.com", mapping: mapping, condition: c.cond}
			pm, ok := s.parsePoolMember(c.member)
			if !ok {
				t.Fatalf("member %s not read", c.member)
			}
			got, ok := federatedTrust(p, pm)
			if c.none {
				if ok {
					t.Fatalf("a trust where no token can match: %+v", got)
				}
				return
			}
			if !ok {
				t.Fatal("no trust")
			}
			if got.Scope != c.scope || !reflect.DeepEqual(got.Subjects, c.subjects) || got.Platform != "github-actions" || got.Cloud != "gcp" {
				t.Errorf("scope %q subjects %q platform %q; want %q %q (note %q)", got.Scope, got.Subjects, got.Platform, c.scope, c.subjects, got.Note)
			}
			if c.note != "" && !strings.Contains(got.Note, c.note) {
				t.Errorf("note %q does not say %q", got.Note, c.note)
			}
		})
	}
}

const wifProviders = `[
 {"name": "projects/123456/locations/global/workloadIdentityPools/ci/providers/github",
  "displayName": "GitHub", "state": "ACTIVE", "disabled": false,
  "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository", "attribute.repository_owner": "assertion.repository_owner"},
  "attributeCondition": "assertion.repository_owner == 'acme'",
  "oidc": {"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": ["https://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/providers/github"]}},
 {"name": "projects/123456/locations/global/workloadIdentityPools/ci/providers/old",
  "state": "ACTIVE", "disabled": true,
  "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}},
 {"name": "projects/123456/locations/global/workloadIdentityPools/ci/providers/aws", "state": "ACTIVE", "aws": {"accountId": "111122223333"}},
 {"name": "not-a-provider/workloadIdentityPools/x", "oidc": {"issuerUri": "https://x"}}
]`

const wifPolicies = `[
 {"resource": "//iam.googleapis.com/projects/build/serviceAccounts/pusher@build.iam.gserviceaccount.com",
  "assetType": "iam.googleapis.com/ServiceAccount", "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": ["principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/*"]}]}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/build", "assetType": "cloudresourcemanager.googleapis.com/Project",
  "project": "projects/123456", "organization": "organizations/1",
  "policy": {"bindings": [
   {"role": "roles/artifactregistry.writer", "members": ["serviceAccount:pusher@build.iam.gserviceaccount.com",
     "principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/attribute.repository/acme/app"]}]}}
]`

// TestFederationFromInputs: a providers list and allow policies naming the
// pool's principal sets give one trust per (enabled OIDC provider, member,
// principal): the service account the pool may impersonate and the
// principal set that holds roles itself; the provider is drawn as an edge
// to the service account; a disabled provider lets nobody in, a bad name
// is a warning naming the file and the entry.
func TestFederationFromInputs(t *testing.T) {
	s := New()
	loadDoc(t, s, "providers.json", wifProviders)
	loadDoc(t, s, "policies.json", wifPolicies)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	snap := s.Evaluate(cat)
	got := map[string]string{}
	for _, tr := range snap.Federation {
		got[tr.Principal+" via "+tr.Statement] = tr.Scope + " " + strings.Join(tr.Subjects, ",")
		if tr.Provider != model.FederatedPrefix+testProv {
			t.Errorf("trust of provider %s", tr.Provider)
		}
	}
	want := map[string]string{
		"serviceAccount:pusher@build.iam.gserviceaccount.com via " + poolSet + "/*":                  "organization repo:acme/*:*",
		poolSet + "/* via " + poolSet + "/*":                                                         "organization repo:acme/*:*",
		poolSet + "/attribute.repository/acme/app via " + poolSet + "/attribute.repository/acme/app": "repository repo:acme/app:*",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trusts:\n got %v\nwant %v", got, want)
	}
	if w := warningsAbout(snap.Warnings, "providers.json", "[3].name", "not a provider name"); len(w) != 1 {
		t.Errorf("warning on the bad provider name: %v", snap.Warnings)
	}
	var edge *model.Edge
	edges := s.Edges()
	for i, e := range edges {
		if strings.HasPrefix(e.From, model.FederatedPrefix) {
			if edge != nil || e.From != model.FederatedPrefix+testProv {
				t.Errorf("unexpected federation edge %+v", e)
			}
			edge = &edges[i]
		}
	}
	if edge == nil || edge.To != "serviceAccount:pusher@build.iam.gserviceaccount.com" || edge.Kind != "impersonate" || !edge.Conditional {
		t.Fatalf("provider -> service account edge: %+v", edge)
	}
	// Without the providers list, the pool members stay plain members: no
	// trusts, no federation edges (the old behaviour).
	s2 := New()
	loadDoc(t, s2, "policies.json", wifPolicies)
	if fed := s2.Evaluate(cat).Federation; len(fed) != 0 {
		t.Errorf("trusts without providers: %+v", fed)
	}
}

// TestFederationRecognize: the pools and providers lists are told apart by
// their names, and a disabled pool lets no provider of it in.
func TestFederationRecognize(t *testing.T) {
	s := New()
	loadDoc(t, s, "providers.json", wifProviders)
	loadDoc(t, s, "pools.json", `[{"name": "projects/123456/locations/global/workloadIdentityPools/ci", "state": "ACTIVE", "disabled": true}]`)
	loadDoc(t, s, "policies.json", wifPolicies)
	if len(s.wif.providers) != 2 {
		t.Fatalf("providers read: %d", len(s.wif.providers))
	}
	if fed := s.FederatedTrusts(); len(fed) != 0 {
		t.Errorf("trusts through a disabled pool: %+v", fed)
	}
}
