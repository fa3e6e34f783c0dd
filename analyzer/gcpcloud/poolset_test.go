package gcpcloud

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestPoolSetGrantsReachSubject: a federated subject principal named in one
// binding gets the grants made to its pool's /* principal set (workload
// identity and workforce pools), and not those of another pool's set or of
// an attribute set (which depends on token attributes the inputs do not
// hold). The evaluation agrees with the reference.
func TestPoolSetGrantsReachSubject(t *testing.T) {
	const (
		wif     = "iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh"
		wfp     = "iam.googleapis.com/locations/global/workforcePools/staff"
		subject = "principal://" + wif + "/subject/repo:corp/app:ref:refs/heads/main"
		staff   = "principal://" + wfp + "/subject/ana@corp.example"
		other   = "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gl/subject/x"
	)
	binding := func(role string, members ...string) map[string]any {
		return map[string]any{"role": role, "members": members}
	}
	docs := map[string]string{
		"policies.json": js([]any{
			map[string]any{"resource": cProject, "project": "projects/nw-app", "organization": "organizations/1",
				"policy": map[string]any{"bindings": []any{
					binding("roles/artifactregistry.writer", "principalSet://"+wif+"/*", "principalSet://"+wfp+"/*"),
					binding("roles/artifactregistry.writer", "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gl/attribute.repository/corp/app"),
					binding("roles/viewer", subject, staff, other),
				}}},
		}),
		"repositories.json": testRepoList,
	}
	load := func() *Snapshot {
		s := New()
		for _, n := range []string{"policies.json", "repositories.json"} {
			loadDoc(t, s, n, docs[n])
		}
		return s
	}
	cat := gcpCatalog(t)
	snap := load().Evaluate(cat)
	if want := referenceFacts(load(), cat); !reflect.DeepEqual(snap.Facts, want) {
		t.Errorf("facts differ from the reference:\n%s", firstDifference(snap.Facts, want))
	}
	push := func(member string) []string {
		var out []string
		for _, f := range snap.Facts {
			if f.Principal == member && f.Capability == "image.push" {
				for _, tg := range f.Targets {
					out = append(out, tg.Resource+" "+string(tg.Access))
				}
			}
		}
		sort.Strings(out)
		return out
	}
	want := []string{testRepo + " allowed", cProject + " allowed"}
	for _, m := range []string{subject, staff} {
		if got := push(m); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("image.push of %s:\n got %q\nwant %q", m, got, want)
		}
	}
	if got := push(other); len(got) != 0 {
		t.Errorf("image.push of %s (another pool, an attribute set of it): got %q, want none", other, got)
	}
}
