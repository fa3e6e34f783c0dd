package gcpcloud

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// TestReferenceDemo: on the demo inputs, Evaluate and Edges give the same
// facts and edges as the reference (reference_impl_test.go), which decides
// every request with gcp.Decide.
func TestReferenceDemo(t *testing.T) {
	files, err := filepath.Glob("../../testdata/demo/gcp/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("demo inputs: %v", err)
	}
	docs := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = string(b)
	}
	compareWithReference(t, docs)
}

// TestReferenceGenerated compares with the reference on generated
// organizations: folders, projects known by number and ID, nested groups,
// domains, public members, deleted and federated members, emails in mixed
// case, custom and unknown roles, conditions on bindings and deny rules,
// deny policies with exceptions at every level, repositories, buckets,
// service accounts with their own policies and default Cloud Build
// accounts.
func TestReferenceGenerated(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { compareWithReference(t, generatedOrg(seed)) })
	}
}

func compareWithReference(t *testing.T, docs map[string]string) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	load := func() *Snapshot {
		s := New()
		names := make([]string, 0, len(docs))
		for n := range docs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			loadDoc(t, s, n, docs[n])
		}
		s.UseCatalog(cat)
		return s
	}
	fast, slow := load(), load()
	got := fast.Evaluate(cat)
	want := referenceFacts(slow, cat)
	if len(want) == 0 {
		t.Fatal("the reference finds no facts: the inputs test nothing")
	}
	if !reflect.DeepEqual(got.Facts, want) {
		t.Errorf("facts differ from the reference:\n%s", firstDifference(got.Facts, want))
	}
	gotEdges, wantEdges := fast.Edges(), slow.referenceEdges()
	if len(wantEdges) == 0 {
		t.Fatal("the reference draws no edges: the inputs test nothing")
	}
	if !reflect.DeepEqual(gotEdges, wantEdges) {
		t.Errorf("edges differ from the reference:\n%s", firstDifference(gotEdges, wantEdges))
	}
	compareProbes(t, load(), load())
	// The admin nodes hold what the reference's snapshot says they hold.
	for _, e := range wantEdges {
		if _, _, _, ok := model.ParseAdminNode(e.To); !ok {
			continue
		}
		for _, perm := range []string{"artifactregistry.repositories.uploadArtifacts", "iam.serviceAccounts.getAccessToken", "compute.images.create"} {
			if g, w := fast.AdminHolds(e.To, perm, ""), slow.AdminHolds(e.To, perm, ""); g != w {
				t.Errorf("AdminHolds(%s, %s) = %q, reference %q", e.To, perm, g, w)
			}
		}
	}
}

// firstDifference shows the first element where two lists differ.
func firstDifference[T any](got, want []T) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			return fmt.Sprintf("at %d:\n got  %s\n want %s", i, g, w)
		}
	}
	return fmt.Sprintf("%d elements, reference %d", len(got), len(want))
}

// generatedOrg writes a random organization in the input formats.
func generatedOrg(seed int64) map[string]string {
	rng := rand.New(rand.NewSource(seed))
	pick := func(l []string) string { return l[rng.Intn(len(l))] }
	folders := []string{"folders/11", "folders/12", "folders/13"}
	folderParent := map[string][]string{"folders/11": nil, "folders/12": {"folders/11"}, "folders/13": nil}
	type project struct{ id, num, folder string }
	var projects []project
	for i := 0; i < 5+rng.Intn(4); i++ {
		projects = append(projects, project{fmt.Sprintf("p-%d", i), fmt.Sprint(700 + i), pick(folders)})
	}
	users := []string{"user:ana@corp.example", "user:Bob@Corp.Example", "user:bob@corp.example", "user:eve@other.example",
		"user:a@b@corp.example", "user:ſam@corp.example", "user:sam@corp.example"}
	groups := []string{"devs@corp.example", "Admins@corp.example", "nested@corp.example", "ghost@corp.example"}
	var sas []string
	for _, p := range projects {
		sas = append(sas, "serviceAccount:ci@"+p.id+".iam.gserviceaccount.com", "serviceAccount:Run@"+p.id+".iam.gserviceaccount.com")
		if rng.Intn(2) == 0 {
			sas = append(sas, "serviceAccount:"+p.num+"@cloudbuild.gserviceaccount.com")
		}
	}
	others := []string{"domain:corp.example", "domain:b@corp.example", "allUsers", "allAuthenticatedUsers", "deleted:user:old@corp.example?uid=1",
		"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/corp/app", "group:ghost@corp.example", "group:DEVS@corp.example",
		"group:ſeniors@corp.example", "group:seniors@corp.example",
		"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*",
		"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/subject/repo:corp/app:ref:refs/heads/main",
		"principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*",
		"principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/ana@corp.example"}
	members := func() []string {
		var out []string
		for n := 1 + rng.Intn(3); n > 0; n-- {
			switch rng.Intn(6) {
			case 0, 1:
				out = append(out, pick(users))
			case 2:
				out = append(out, "group:"+pick(groups))
			case 3, 4:
				out = append(out, pick(sas))
			default:
				out = append(out, pick(others))
			}
		}
		return out
	}
	customRoles := map[string][]string{}
	for _, p := range projects[:3] {
		customRoles["projects/"+p.id+"/roles/pusher"] = []string{"artifactregistry.repositories.uploadArtifacts", "iam.roles.update", "iam.serviceAccounts.actAs"}
	}
	customRoles["organizations/1/roles/imager"] = []string{"compute.images.create", "iam.serviceAccounts.getAccessToken", "cloudbuild.builds.create"}
	roles := []string{"roles/owner", "roles/editor", "roles/viewer", "roles/artifactregistry.writer", "roles/artifactregistry.admin",
		"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator", "roles/cloudbuild.builds.editor",
		"roles/compute.storageAdmin", "roles/storage.objectAdmin", "roles/resourcemanager.folderAdmin", "roles/made.up",
		"organizations/1/roles/imager", "organizations/1/roles/undefined"}
	for r := range customRoles {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	conditions := []string{"resource.name.startsWith(\"projects/p-1/\")", "request.time < timestamp(\"2030-01-01T00:00:00Z\")",
		"resource.type == \"artifactregistry.googleapis.com/Repository\"", "resource.service == \"storage.googleapis.com\"", "nosuchfunction()"}
	policy := func() map[string]any {
		var bs []map[string]any
		for n := 1 + rng.Intn(4); n > 0; n-- {
			b := map[string]any{"role": pick(roles), "members": members()}
			if rng.Intn(5) == 0 {
				b["condition"] = map[string]string{"title": "c", "expression": pick(conditions)}
			}
			bs = append(bs, b)
		}
		return map[string]any{"bindings": bs}
	}
	var results []map[string]any
	add := func(resource, assetType, project string, fs []string) {
		results = append(results, map[string]any{"resource": resource, "assetType": assetType, "project": project, "folders": fs,
			"organization": "organizations/1", "policy": policy()})
	}
	add("//cloudresourcemanager.googleapis.com/organizations/1", "cloudresourcemanager.googleapis.com/Organization", "", nil)
	for _, f := range folders {
		add("//cloudresourcemanager.googleapis.com/"+f, "cloudresourcemanager.googleapis.com/Folder", "", append([]string{f}, folderParent[f]...))
	}
	var repos []map[string]string
	for _, p := range projects {
		fs := append([]string{p.folder}, folderParent[p.folder]...)
		// Projects by number in the search results: the projects list
		// gives their IDs.
		add("//cloudresourcemanager.googleapis.com/projects/"+p.num, "cloudresourcemanager.googleapis.com/Project", "projects/"+p.num, fs)
		for r := 0; r < 2; r++ {
			name := fmt.Sprintf("projects/%s/locations/europe-west1/repositories/r%d", p.id, r)
			repos = append(repos, map[string]string{"name": name, "format": "DOCKER"})
			if rng.Intn(2) == 0 {
				add("//artifactregistry.googleapis.com/"+name, "artifactregistry.googleapis.com/Repository", "projects/"+p.num, fs)
			}
		}
		if rng.Intn(2) == 0 {
			add("//storage.googleapis.com/artifacts."+p.id+".appspot.com", "storage.googleapis.com/Bucket", "projects/"+p.num, fs)
		}
		if rng.Intn(2) == 0 {
			add("//iam.googleapis.com/projects/"+p.id+"/serviceAccounts/ci@"+p.id+".iam.gserviceaccount.com", "iam.googleapis.com/ServiceAccount", "projects/"+p.num, fs)
		}
	}
	var projectList []map[string]any
	for _, p := range projects {
		projectList = append(projectList, map[string]any{"projectId": p.id, "projectNumber": p.num,
			"parent": map[string]string{"type": "folder", "id": strings.TrimPrefix(p.folder, "folders/")}})
	}
	var memberships []map[string]any
	for i, g := range groups[:3] {
		var ms []map[string]any
		for n := 1 + rng.Intn(3); n > 0; n-- {
			m := pick(append(append([]string{}, users...), sas...))
			kind, id, _ := strings.Cut(m, ":")
			typ := "USER"
			if kind == "serviceAccount" {
				typ = "SERVICE_ACCOUNT"
			}
			ms = append(ms, map[string]any{"preferredMemberKey": map[string]string{"id": id}, "type": typ})
		}
		if i == 2 {
			ms = append(ms, map[string]any{"preferredMemberKey": map[string]string{"id": "devs@corp.example"}, "type": "GROUP"})
		}
		memberships = append(memberships, map[string]any{"group": g, "memberships": ms})
	}
	denyPrincipals := []string{"principalSet://goog/public:all", "principal://goog/subject/ana@corp.example", "principalSet://goog/group/devs@corp.example",
		"principal://iam.googleapis.com/projects/-/serviceAccounts/ci@p-1.iam.gserviceaccount.com", "principalSet://goog/cloudIdentityCustomerId/C1"}
	denyPerms := []string{"artifactregistry.googleapis.com/repositories.uploadArtifacts", "artifactregistry.googleapis.com/*", "compute.googleapis.com/images.*",
		"iam.googleapis.com/serviceAccounts.getAccessToken", "iam.googleapis.com/serviceAccounts.actAs", "cloudresourcemanager.googleapis.com/projects.setIamPolicy",
		"cloudbuild.googleapis.com/builds.create", "iam.googleapis.com/roles.update"}
	var denies []map[string]any
	attach := []string{"organizations/1", "folders/12", "projects/" + projects[0].id, "projects/" + projects[1].num}
	for i := 0; i < 2+rng.Intn(3); i++ {
		rule := map[string]any{"deniedPrincipals": []string{pick(denyPrincipals)}, "deniedPermissions": []string{pick(denyPerms), pick(denyPerms)}}
		if rng.Intn(2) == 0 {
			rule["exceptionPrincipals"] = []string{pick(denyPrincipals)}
		}
		if rng.Intn(3) == 0 {
			rule["denialCondition"] = map[string]string{"expression": pick(conditions)}
		}
		at := url.PathEscape("cloudresourcemanager.googleapis.com/" + pick(attach))
		denies = append(denies, map[string]any{"name": "policies/" + at + fmt.Sprintf("/denypolicies/d%d", i), "kind": "DenyPolicy",
			"rules": []map[string]any{{"denyRule": rule}}})
	}
	var roleDefs []map[string]any
	for name, perms := range customRoles {
		roleDefs = append(roleDefs, map[string]any{"name": name, "includedPermissions": perms})
	}
	sort.Slice(roleDefs, func(i, j int) bool { return roleDefs[i]["name"].(string) < roleDefs[j]["name"].(string) })
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	return map[string]string{
		"iam-policies.json": js(results), "projects.json": js(projectList), "groups.json": js(memberships),
		"deny-policies.json": js(denies), "roles.json": js(map[string]any{"roles": roleDefs}), "repositories.json": js(repos),
	}
}

// compareProbes: on fresh, unevaluated snapshots (as the remediation has
// them), Universe and Holds answer as the former per-request code
// (referenceUniverse, referenceHolds): every member of the universes, and
// a few the bindings do not name, probed for every permission of every
// universe on every node that has one, the other nodes, an unknown node and
// an unknown permission.
func compareProbes(t *testing.T, fast, slow *Snapshot) {
	t.Helper()
	got, want := fast.Universe(), slow.referenceUniverse()
	if len(want) == 0 {
		t.Fatal("the reference's universe is empty: the inputs test nothing")
	}
	if !reflect.DeepEqual(got, want) {
		for m := range want {
			if !reflect.DeepEqual(got[m], want[m]) {
				t.Errorf("Universe()[%s] differs from the reference:\n%s", m, firstDifference(got[m], want[m]))
				break
			}
		}
		t.Errorf("Universe() differs from the reference: %d members, reference %d", len(got), len(want))
	}
	members := []string{"user:nobody@example.com", "allUsers", "allAuthenticatedUsers"}
	actionSet := map[string]bool{"nothing.at.all": true}
	for m, l := range want {
		members = append(members, m)
		for _, p := range l {
			actionSet[p.Action] = true
		}
	}
	sort.Strings(members)
	actions := make([]string, 0, len(actionSet))
	for a := range actionSet {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	nodes := []string{"projects/does-not-exist"}
	for n := range slow.nodes {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	// Every member on every node for a sample of the permissions (all of
	// them on small inputs), the image ones always.
	rng := rand.New(rand.NewSource(int64(len(members)*7919 + len(actions))))
	var probes, allowed int
	for _, m := range members {
		for _, a := range actions {
			image := strings.HasPrefix(a, "artifactregistry.") || strings.HasPrefix(a, "iam.serviceAccounts.") || strings.HasPrefix(a, "storage.objects.")
			if !image && len(actions) > 120 && rng.Intn(len(actions)) >= 120 {
				continue
			}
			for _, n := range nodes {
				p := remediate.Permission{Action: a, Resource: n}
				g, w := fast.Holds(m, p), slow.referenceHolds(m, p)
				probes++
				if w {
					allowed++
				}
				if g != w {
					t.Fatalf("Holds(%s, %s on %s) = %v, reference %v", m, a, n, g, w)
				}
			}
		}
	}
	if allowed == 0 || allowed == probes {
		t.Fatalf("%d of %d probes held: the inputs test nothing", allowed, probes)
	}
	t.Logf("%d members, %d permissions, %d nodes: %d probes, %d held", len(members), len(actions), len(nodes), probes, allowed)
}
