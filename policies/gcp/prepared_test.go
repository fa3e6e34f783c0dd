package gcp

import (
	"math/rand"
	"testing"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// preparedCorpus is members and identities that exercise every branch of
// MemberMatches: every kind, emails in mixed case, domains as suffixes of
// emails with one or two '@', groups known through memberships or only by
// name, and non-ASCII letters that fold differently (ſ, K).
func preparedCorpus() (members []string, ids []*Identity) {
	emails := []string{"ana@corp.example", "Ana@Corp.Example", "ci@p-1.iam.gserviceaccount.com", "a@b@corp.example",
		"ſam@corp.example", "sam@corp.example", "\u212aim@corp.example", "kim@corp.example", "x", ""}
	kinds := []string{"user", "serviceAccount", "group", "domain", "deleted", "projectOwner", "User"}
	for _, k := range kinds {
		for _, e := range emails {
			members = append(members, k+":"+e)
		}
	}
	for _, d := range []string{"corp.example", "CORP.example", "b@corp.example", "example", "p-1.iam.gserviceaccount.com"} {
		members = append(members, "domain:"+d)
	}
	members = append(members, "allUsers", "allAuthenticatedUsers", "allusers", "principal://goog/subject/ana@corp.example",
		"principalSet://goog/group/ana@corp.example", "deleted:user:ana@corp.example?uid=1", "",
		"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/subject/repo:corp/app",
		"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*",
		"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/corp/app",
		"principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/ana",
		"principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*")
	groups := []map[string]bool{nil, {"ana@corp.example": true}, {"sam@corp.example": true, "kim@corp.example": true}}
	for i, m := range members {
		ids = append(ids, &Identity{Member: m, Groups: groups[i%len(groups)]})
	}
	return members, ids
}

// TestCoversIsMemberMatches: the prepared forms decide as MemberMatches on
// every pair of the corpus.
func TestCoversIsMemberMatches(t *testing.T) {
	members, ids := preparedCorpus()
	n := 0
	for _, id := range ids {
		p := PrepareIdentity(id)
		for _, m := range members {
			pm := PrepareMember(m)
			got, want := p.Covers(&pm), MemberMatches(m, id)
			if got != want {
				t.Errorf("Covers(%q, %q) = %v, MemberMatches says %v", m, id.Member, got, want)
			}
			if want {
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no pair matches: the corpus tests nothing")
	}
}

// TestDenyRuleParts: a deny rule applies, in Decide, exactly when
// DeniesPermission and PrincipalMatch say so (the condition aside), on
// generated rules, permissions and identities.
func TestDenyRuleParts(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	principals := []string{"principalSet://goog/public:all", "principal://goog/subject/ana@corp.example",
		"principalSet://goog/group/devs@corp.example", "principal://iam.googleapis.com/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com",
		"principalSet://goog/cloudIdentityCustomerId/C1", "principal://iam.googleapis.com/locations/global/workforcePools/w/subject/s"}
	perms := []string{"artifactregistry.repositories.uploadArtifacts", "compute.images.create", "iam.serviceAccounts.actAs",
		"resourcemanager.projects.setIamPolicy", "storage.objects.create"}
	patterns := []string{"artifactregistry.googleapis.com/repositories.uploadArtifacts", "artifactregistry.googleapis.com/*",
		"compute.googleapis.com/images.*", "cloudresourcemanager.googleapis.com/projects.setIamPolicy", "*", "iam.googleapis.com/serviceAccounts.actAs"}
	ids := []*Identity{{Member: "user:Ana@corp.example"}, {Member: "user:bob@corp.example", Groups: map[string]bool{"devs@corp.example": true}},
		{Member: "serviceAccount:ci@p.iam.gserviceaccount.com"}, {Member: "group:devs@corp.example"},
		{Member: "principal://iam.googleapis.com/locations/global/workforcePools/w/subject/s"}, {Member: "allUsers"}}
	pick := func(from []string) []string {
		var out []string
		for _, x := range from {
			if rng.Intn(3) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	seen := map[tri.Tri]int{}
	for i := 0; i < 2000; i++ {
		r := DenyRule{Policy: "p", DeniedPrincipals: pick(principals), ExceptionPrincipals: pick(principals),
			DeniedPermissions: pick(patterns), ExceptionPermissions: pick(patterns)}
		id := ids[rng.Intn(len(ids))]
		perm := perms[rng.Intn(len(perms))]
		res := Decide(&Request{Identity: id, Permission: perm, Resource: &ResourceAttrs{}}, nil,
			[]NodeDenies{{Node: "n", Rules: []DenyRule{r}}}, NewRoles(), NewConditions())
		want := tri.False
		if len(res.Denies) == 1 {
			want = res.Denies[0].Match
		}
		got := tri.False
		if r.DeniesPermission(perm) {
			got = r.PrincipalMatch(id)
		}
		if got != want {
			t.Fatalf("rule %+v, %s, %s: parts say %v, Decide %v", r, id.Member, perm, got, want)
		}
		seen[want]++
	}
	if seen[tri.True] == 0 || seen[tri.Unknown] == 0 || seen[tri.False] == 0 {
		t.Fatalf("the generated cases do not reach every outcome: %v", seen)
	}
}
