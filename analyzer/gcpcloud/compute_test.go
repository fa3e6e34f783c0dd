package gcpcloud

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	cSA      = "serviceAccount:builder@nw-app.iam.gserviceaccount.com"
	cSAEmail = "builder@nw-app.iam.gserviceaccount.com"
	cAlice   = "user:alice@corp.example"
	cProject = "//cloudresourcemanager.googleapis.com/projects/nw-app"
	cOther   = "//cloudresourcemanager.googleapis.com/projects/nw-other"
	cVM      = "//compute.googleapis.com/projects/nw-app/zones/europe-west1-b/instances/vm-1"
)

// cPolicy is a search result giving member the roles on resource.
func cPolicy(resource, project, member string, roles ...string) map[string]any {
	var bs []map[string]any
	for _, r := range roles {
		b := map[string]any{"role": r, "members": []string{member}}
		if c, ok := strings.CutPrefix(r, "?"); ok {
			b["role"] = c
			b["condition"] = map[string]string{"title": "until", "expression": `request.time < timestamp("2030-01-01T00:00:00Z")`}
		}
		bs = append(bs, b)
	}
	return map[string]any{"resource": resource, "project": project, "organization": "organizations/1", "policy": map[string]any{"bindings": bs}}
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// computeEdges loads the documents (name -> body, read in name order) and
// returns the GCP edges and warnings.
func computeEdges(t *testing.T, docs map[string]string) ([]model.Edge, []model.Warning) {
	t.Helper()
	s := New()
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		loadDoc(t, s, n, docs[n])
	}
	s.UseCatalog(gcpCatalog(t))
	return s.Edges(), s.warnings
}

func findEdge(es []model.Edge, from, to, kind string) *model.Edge {
	for i := range es {
		if es[i].From == from && es[i].To == to && es[i].Kind == kind {
			return &es[i]
		}
	}
	return nil
}

// TestActAsSettledByRunners: an act-as edge is exact when the member may
// create a runner in the account's project (and names that permission),
// conditional when only a conditional binding lets it, and assumed when it
// may create none there, whatever it holds in another project or when a
// deny policy takes the creation away.
func TestActAsSettledByRunners(t *testing.T) {
	const ids = `[{"projectId":"nw-app","projectNumber":"111"},{"projectId":"nw-other","projectNumber":"222"}]`
	deny := js([]map[string]any{{"name": "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fnw-app/denypolicies/no-vms", "kind": "DenyPolicy",
		"rules": []map[string]any{{"denyRule": map[string]any{"deniedPrincipals": []string{"principal://goog/subject/alice@corp.example"},
			"deniedPermissions": []string{"compute.googleapis.com/instances.create"}}}}}})
	for _, tc := range []struct {
		name     string
		policies []map[string]any
		deny     bool
		perm     string // the creation permission the edge names; "" = assumed
		cond     bool
	}{
		{"instance admin in the project", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "roles/compute.instanceAdmin.v1")}, false, "compute.instances.create", false},
		{"run admin in the project", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "roles/run.admin")}, false, "run.services.create", false},
		{"composer admin", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "roles/composer.admin")}, false, "composer.environments.create", false},
		{"conditional run admin", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "?roles/run.admin")}, false, "run.services.create", true},
		{"actAs only", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser")}, false, "", false},
		{"runner in another project", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser"), cPolicy(cOther, "projects/nw-other", cAlice, "roles/run.admin")}, false, "", false},
		{"creation denied", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "roles/compute.instanceAdmin.v1")}, true, "", false},
		{"denied instances, allowed builds", []map[string]any{cPolicy(cProject, "projects/nw-app", cAlice, "roles/iam.serviceAccountUser", "roles/compute.instanceAdmin.v1", "roles/cloudbuild.builds.editor")}, true, "cloudbuild.builds.create", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := map[string]string{"a-projects.json": ids, "b-policies.json": js(append(tc.policies, cPolicy(cProject, "projects/nw-app", cSA, "roles/viewer")))}
			if tc.deny {
				docs["c-deny.json"] = deny
			}
			es, _ := computeEdges(t, docs)
			e := findEdge(es, cAlice, cSA, "act-as")
			if e == nil {
				t.Fatalf("no act-as edge: %+v", es)
			}
			if tc.perm == "" {
				if !e.Assumed || slices.Contains(e.Permissions, "compute.instances.create") || !strings.Contains(e.Note, "may create no compute in projects/nw-app") {
					t.Errorf("want an assumed edge saying why, got %+v", *e)
				}
				return
			}
			if e.Assumed || !slices.Contains(e.Permissions, tc.perm) || e.Conditional != tc.cond || !strings.Contains(e.Note, runnerName(tc.perm)) {
				t.Errorf("want an exact edge naming %s (conditional %v), got %+v", tc.perm, tc.cond, *e)
			}
		})
	}
}

func instancesDoc(sa, oslogin string) string {
	in := map[string]any{"kind": "compute#instance", "name": "vm-1", "zone": "https://www.googleapis.com/compute/v1/projects/nw-app/zones/europe-west1-b",
		"machineType": "https://www.googleapis.com/compute/v1/projects/nw-app/zones/europe-west1-b/machineTypes/e2-small",
		"selfLink":    "https://www.googleapis.com/compute/v1/projects/nw-app/zones/europe-west1-b/instances/vm-1", "status": "RUNNING",
		"serviceAccounts": []map[string]any{{"email": sa, "scopes": []string{"https://www.googleapis.com/auth/cloud-platform"}}}}
	if oslogin != "" {
		in["metadata"] = map[string]any{"items": []map[string]string{{"key": "enable-oslogin", "value": oslogin}}}
	}
	return js([]any{in})
}

// TestInstanceTakeover: with the instances of a project listed, a member
// that may set an instance's metadata, or log in through OS Login and act
// as its account, gets an exact takeover edge to the account naming the
// instance, decided on the instance's own bindings too; without the
// inventory, or with an empty one, there is no such edge.
func TestInstanceTakeover(t *testing.T) {
	const bob = "user:bob@corp.example"
	proj := func(roles ...string) map[string]any { return cPolicy(cProject, "projects/nw-app", bob, roles...) }
	for _, tc := range []struct {
		name      string
		policies  []map[string]any
		instances string
		want      []string // the edge's permissions; nil = no edge
	}{
		{"metadata", []map[string]any{proj("roles/compute.instanceAdmin.v1")}, instancesDoc(cSAEmail, ""), []string{permSetMetadata}},
		{"no inventory", []map[string]any{proj("roles/compute.instanceAdmin.v1")}, "", nil},
		{"empty inventory", []map[string]any{proj("roles/compute.instanceAdmin.v1")}, `{"project":"nw-app","instances":[]}`, nil},
		{"other account", []map[string]any{proj("roles/compute.instanceAdmin.v1")}, instancesDoc("other@nw-app.iam.gserviceaccount.com", ""), nil},
		{"os login without actAs", []map[string]any{proj("roles/compute.osAdminLogin")}, instancesDoc(cSAEmail, ""), nil},
		{"os login with actAs", []map[string]any{proj("roles/compute.osAdminLogin", "roles/iam.serviceAccountUser")}, instancesDoc(cSAEmail, ""), []string{permOSAdminLogin, permActAs}},
		{"os login off on the instance", []map[string]any{proj("roles/compute.osAdminLogin", "roles/iam.serviceAccountUser")}, instancesDoc(cSAEmail, "FALSE"), nil},
		{"binding on the instance", []map[string]any{cPolicy(cVM, "projects/nw-app", bob, "roles/compute.instanceAdmin.v1")}, instancesDoc(cSAEmail, ""), []string{permSetMetadata}},
		{"binding on another instance", []map[string]any{cPolicy(strings.Replace(cVM, "vm-1", "vm-2", 1), "projects/nw-app", bob, "roles/compute.instanceAdmin.v1")}, instancesDoc(cSAEmail, ""), nil},
		{"viewer", []map[string]any{proj("roles/compute.viewer")}, instancesDoc(cSAEmail, ""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := map[string]string{"b-policies.json": js(append(tc.policies, cPolicy(cProject, "projects/nw-app", cSA, "roles/viewer")))}
			if tc.instances != "" {
				docs["c-instances.json"] = tc.instances
			}
			es, ws := computeEdges(t, docs)
			if len(ws) > 0 {
				t.Errorf("warnings: %v", ws)
			}
			e := findEdge(es, bob, cSA, "takeover")
			if tc.want == nil {
				if e != nil {
					t.Errorf("want no takeover edge, got %+v", *e)
				}
				return
			}
			if e == nil {
				t.Fatalf("no takeover edge: %+v", es)
			}
			if e.Assumed || !slices.Equal(e.Permissions, tc.want) || !strings.Contains(e.Note, "instance projects/nw-app/zones/europe-west1-b/instances/vm-1") {
				t.Errorf("want an exact edge with %v naming the instance, got %+v", tc.want, *e)
			}
		})
	}
}

func triggersDoc(sa string) string {
	tr := map[string]any{"id": "0f1e", "name": "release", "resourceName": "projects/nw-app/locations/global/triggers/0f1e",
		"filename": "cloudbuild.yaml", "createTime": "2025-01-01T00:00:00Z"}
	if sa != "" {
		tr["serviceAccount"] = "projects/nw-app/serviceAccounts/" + sa
	}
	return js([]any{tr})
}

// TestTriggerTakeover: a member that may update the build triggers of a
// project edits a listed trigger's steps and runs as its account: exact
// with actAs on a user-managed account, and on the default Cloud Build
// account (whose number the projects list gives) without.
func TestTriggerTakeover(t *testing.T) {
	const erin = "user:erin@corp.example"
	const ids = `[{"projectId":"nw-app","projectNumber":"111"}]`
	proj := func(roles ...string) map[string]any { return cPolicy(cProject, "projects/nw-app", erin, roles...) }
	for _, tc := range []struct {
		name     string
		policies []map[string]any
		triggers string
		to       string
		want     []string
	}{
		{"user-managed account with actAs", []map[string]any{proj("roles/cloudbuild.builds.editor", "roles/iam.serviceAccountUser")}, triggersDoc(cSAEmail), cSA, []string{permTriggerUpdate, permActAs}},
		{"user-managed account without actAs", []map[string]any{proj("roles/cloudbuild.builds.editor")}, triggersDoc(cSAEmail), cSA, nil},
		{"default account", []map[string]any{proj("roles/cloudbuild.builds.editor")}, triggersDoc(""), "serviceAccount:111@cloudbuild.gserviceaccount.com", []string{permTriggerUpdate}},
		{"viewer", []map[string]any{proj("roles/cloudbuild.builds.viewer", "roles/iam.serviceAccountUser")}, triggersDoc(cSAEmail), cSA, nil},
		{"no inventory", []map[string]any{proj("roles/cloudbuild.builds.editor", "roles/iam.serviceAccountUser")}, "", cSA, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := map[string]string{"a-projects.json": ids, "b-policies.json": js(append(tc.policies, cPolicy(cProject, "projects/nw-app", cSA, "roles/viewer")))}
			if tc.triggers != "" {
				docs["c-triggers.json"] = tc.triggers
			}
			es, ws := computeEdges(t, docs)
			if len(ws) > 0 {
				t.Errorf("warnings: %v", ws)
			}
			e := findEdge(es, erin, tc.to, "takeover")
			if tc.want == nil {
				if e != nil {
					t.Errorf("want no takeover edge, got %+v", *e)
				}
				return
			}
			if e == nil {
				t.Fatalf("no takeover edge: %+v", es)
			}
			if e.Assumed || !slices.Equal(e.Permissions, tc.want) || !strings.Contains(e.Note, "trigger release (0f1e) in projects/nw-app") {
				t.Errorf("want an exact edge with %v naming the trigger, got %+v", tc.want, *e)
			}
		})
	}
}

// TestComputeInventoryBadInput: malformed entries are warnings naming the
// file and the place, the rest of the file is read, and a file that names
// no project is refused with an error.
func TestComputeInventoryBadInput(t *testing.T) {
	s := New()
	bad := `{"project":"nw-app","instances":[{"name":"x","selfLink":"https://evil.example/projects/nw-app/zones/z/instances/x"},` +
		`{"name":"vm-1","selfLink":"https://www.googleapis.com/compute/v1/projects/nw-app/zones/z/instances/vm-1","serviceAccounts":[{"email":"not an email"},{"email":"ok@nw-app.iam.gserviceaccount.com"}]}]}`
	loadDoc(t, s, "instances.json", bad)
	if w := warningsAbout(s.warnings, "instances.json: instances[0].selfLink", "not an instance's selfLink"); len(w) != 1 {
		t.Errorf("selfLink warning: %v", s.warnings)
	}
	if w := warningsAbout(s.warnings, "instances.json: instances[1].serviceAccounts[0].email"); len(w) != 1 {
		t.Errorf("email warning: %v", s.warnings)
	}
	if len(s.compute.instances) != 1 || !slices.Equal(s.compute.instances[0].serviceAccounts, []string{"ok@nw-app.iam.gserviceaccount.com"}) {
		t.Errorf("instances read: %+v", s.compute.instances)
	}
	loadDoc(t, s, "evil.json", `[{"kind":"compute#instance","selfLink":"https://www.googleapis.com/compute/v1/projects/nw-app/zones/z/instances/x;touch PWNED"}]`)
	if w := warningsAbout(s.warnings, "evil.json: [0].selfLink"); len(w) != 1 || len(s.compute.instances) != 1 {
		t.Errorf("hostile instance name: %v", s.warnings)
	}
	if got := noteName("a\x1b[31mb"); got != `"a\x1b[31mb"` {
		t.Errorf("noteName = %s", got)
	}
	loadDoc(t, s, "triggers.json", `[{"id":"1","name":"t","resourceName":"projects/nw-app/locations/global/triggers/1","serviceAccount":"bob@x"}]`)
	if w := warningsAbout(s.warnings, "triggers.json: [0].serviceAccount"); len(w) != 1 {
		t.Errorf("trigger warning: %v", s.warnings)
	}
	for _, body := range []string{`{"project":"","instances":[]}`, `{"project":"Not A Project;","triggers":[]}`} {
		doc := &model.Document{}
		json.Unmarshal([]byte(body), &doc.Object)
		if f := s.Recognize(doc); f == "" {
			t.Fatalf("%s not recognised", body)
		} else if err := s.Load("x.json", f, doc); err == nil || !strings.Contains(err.Error(), "project") {
			t.Errorf("%s: want an error about the project, got %v", body, err)
		}
	}
}

// TestComputeMatchesReference: with instances (some with their own
// bindings) and triggers in the generated organizations, the indexed edges
// are the reference's.
func TestComputeMatchesReference(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			docs := generatedOrg(seed)
			var instances, triggers, policies []any
			users := []string{"user:ana@corp.example", "user:bob@corp.example", "group:devs@corp.example", "serviceAccount:ci@p-2.iam.gserviceaccount.com"}
			roles := []string{"roles/compute.instanceAdmin.v1", "roles/compute.osAdminLogin", "roles/compute.osLogin", "roles/iam.serviceAccountUser", "roles/cloudbuild.builds.editor", "?roles/compute.instanceAdmin.v1"}
			for i := 0; i < 4; i++ {
				p := fmt.Sprintf("p-%d", i)
				sa := []string{"ci@" + p + ".iam.gserviceaccount.com", "Run@p-1.iam.gserviceaccount.com", fmt.Sprintf("%d-compute@developer.gserviceaccount.com", 700+i), "x@elsewhere.iam.gserviceaccount.com"}[(i+int(seed))%4]
				for v := 0; v < 2; v++ {
					self := fmt.Sprintf("https://www.googleapis.com/compute/v1/projects/%s/zones/z-a/instances/vm-%d", p, v)
					in := map[string]any{"kind": "compute#instance", "name": fmt.Sprintf("vm-%d", v), "zone": "z-a", "selfLink": self, "status": "RUNNING",
						"serviceAccounts": []map[string]string{{"email": sa}}}
					if v == 1 && seed%2 == 0 {
						in["metadata"] = map[string]any{"items": []map[string]string{{"key": "enable-oslogin", "value": "false"}}}
					}
					instances = append(instances, in)
					if (i+v+int(seed))%3 == 0 {
						policies = append(policies, cPolicy("//compute.googleapis.com/"+strings.TrimPrefix(self, computeSelfLink), "projects/"+p, users[(i+v)%len(users)], roles[(i+v+int(seed))%len(roles)]))
					}
				}
				tr := map[string]any{"id": fmt.Sprint(i), "name": "t" + p, "resourceName": "projects/" + p + "/locations/global/triggers/" + fmt.Sprint(i)}
				if i%2 == 1 {
					tr["serviceAccount"] = "projects/" + p + "/serviceAccounts/" + sa
				}
				triggers = append(triggers, tr)
				policies = append(policies, cPolicy("//cloudresourcemanager.googleapis.com/projects/"+p, "projects/"+p, users[(i+int(seed))%len(users)], roles[(i+2*int(seed))%len(roles)], "roles/iam.serviceAccountUser"))
			}
			docs["zz-instances.json"] = js(instances)
			docs["zz-triggers.json"] = js(triggers)
			docs["zz-policies.json"] = js(policies)
			compareWithReference(t, docs)
			es, _ := computeEdges(t, docs)
			n := 0
			for _, e := range es {
				if e.Kind == "takeover" {
					n++
				}
			}
			if n == 0 {
				t.Error("no takeover edge: the inputs test nothing")
			}
		})
	}
}
