package gcpcloud

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const pabPolicies = `[
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/images-only",
  "uid": "u1", "etag": "e", "displayName": "images only",
  "details": {"rules": [{"description": "the image project", "resources": ["//cloudresourcemanager.googleapis.com/projects/images"], "effect": "ALLOW"}],
   "enforcementVersion": "3"}},
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/other-too",
  "details": {"rules": [{"resources": ["//cloudresourcemanager.googleapis.com/projects/other"], "effect": "ALLOW"}], "enforcementVersion": "latest"}},
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/odd",
  "details": {"rules": [{"resources": ["//cloudresourcemanager.googleapis.com/projects/other"], "effect": "ALLOW"}], "enforcementVersion": "v-next"}},
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/images-v2",
  "details": {"rules": [{"resources": ["//cloudresourcemanager.googleapis.com/projects/images"], "effect": "ALLOW"}], "enforcementVersion": "2"}}
]`

// binding binds a PAB policy to a principal set.
func pabBindingDoc(name, set, policy, cond string) map[string]any {
	b := map[string]any{"name": "organizations/1/locations/global/policyBindings/" + name, "target": map[string]string{"principalSet": set},
		"policyKind": "PRINCIPAL_ACCESS_BOUNDARY", "policy": "organizations/1/locations/global/principalAccessBoundaryPolicies/" + policy}
	if cond != "" {
		b["condition"] = map[string]string{"expression": cond}
	}
	return b
}

const pabOrg = `[
 {"resource": "//cloudresourcemanager.googleapis.com/organizations/1", "organization": "organizations/1",
  "policy": {"bindings": [
   {"role": "roles/artifactregistry.writer", "members": ["serviceAccount:ci@build.iam.gserviceaccount.com", "user:ana@corp.example"]},
   {"role": "roles/compute.storageAdmin", "members": ["serviceAccount:ci@build.iam.gserviceaccount.com"]}]}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/build", "project": "projects/301", "folders": ["folders/7"], "organization": "organizations/1", "policy": {"bindings": []}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/images", "project": "projects/302", "folders": ["folders/7"], "organization": "organizations/1", "policy": {"bindings": []}},
 {"resource": "//cloudresourcemanager.googleapis.com/projects/other", "project": "projects/303", "organization": "organizations/1", "policy": {"bindings": []}}
]`

const pabRepos = `[
 {"name": "projects/images/locations/europe-west1/repositories/golden", "format": "DOCKER"},
 {"name": "projects/other/locations/europe-west1/repositories/misc", "format": "DOCKER"}
]`

const (
	repoImages = "//artifactregistry.googleapis.com/projects/images/locations/europe-west1/repositories/golden"
	repoOther  = "//artifactregistry.googleapis.com/projects/other/locations/europe-west1/repositories/misc"
	ciSA       = "serviceAccount:ci@build.iam.gserviceaccount.com"
)

func pabSnapshot(t *testing.T, bindings ...map[string]any) *Snapshot {
	t.Helper()
	s := New()
	loadDoc(t, s, "policies.json", pabOrg)
	loadDoc(t, s, "repositories.json", pabRepos)
	if bindings != nil {
		loadDoc(t, s, "pab-policies.json", pabPolicies)
		b, _ := json.Marshal(bindings)
		loadDoc(t, s, "policy-bindings.json", string(b))
	}
	return s
}

// capabilityTargets lists, per capability, the targets of a member, with
// their access.
func capabilityTargets(snap *model.Snapshot, member, capability string) []string {
	var out []string
	for _, f := range snap.Facts {
		if f.Principal != member || f.Capability != capability {
			continue
		}
		for _, t := range f.Targets {
			out = append(out, t.Resource+" "+string(t.Access))
		}
	}
	sort.Strings(out)
	return out
}

// TestPrincipalAccessBoundary: a service account bound, through its
// project's principal set, to a boundary of the image project loses the
// image push its organization-wide role gives it elsewhere, keeps it on
// the image project (as a scope of its own, and on its repository); image
// creation in Compute Engine, which the boundary's enforcement version
// does not block, stays organization-wide; two bound policies make the
// union eligible; a condition on principal.type that excludes the account
// leaves it unbounded; a user the organization's principal set may take
// in (its Workspace account: not in the inputs) is conditional outside.
func TestPrincipalAccessBoundary(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	crmP := "//cloudresourcemanager.googleapis.com/"
	cases := []struct {
		name     string
		bindings []map[string]any
		member   string
		push     []string
		create   []string
	}{
		{name: "no boundary", member: ciSA,
			push:   []string{repoImages + " allowed", repoOther + " allowed", crmP + "organizations/1 allowed"},
			create: []string{crmP + "organizations/1 allowed"}},
		{name: "bounded to the image project", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"projects/build", "images-only", "")},
			push:     []string{repoImages + " allowed", crmP + "projects/images allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "bounded through the folder", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"folders/7", "images-only", "")},
			push:     []string{repoImages + " allowed", crmP + "projects/images allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "two policies: the union", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"projects/build", "images-only", ""), pabBindingDoc("b2", crmP+"organizations/1", "other-too", "")},
			push:     []string{repoImages + " allowed", repoOther + " allowed", crmP + "projects/images allowed", crmP + "projects/other allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "condition excludes service accounts", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"organizations/1", "images-only", "principal.type != 'iam.googleapis.com/ServiceAccount'")},
			push:     []string{repoImages + " allowed", repoOther + " allowed", crmP + "organizations/1 allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "condition takes service accounts in", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"organizations/1", "images-only", "principal.type == 'iam.googleapis.com/ServiceAccount'")},
			push:     []string{repoImages + " allowed", crmP + "projects/images allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "another project's principal set", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"projects/other", "images-only", "")},
			push:     []string{repoImages + " allowed", repoOther + " allowed", crmP + "organizations/1 allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "enforcement version 2 does not limit Artifact Registry", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"projects/build", "images-v2", "")},
			push:     []string{repoImages + " allowed", repoOther + " allowed", crmP + "organizations/1 allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "a policy with an unreadable version limits nothing", member: ciSA,
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"projects/build", "odd", "")},
			push:     []string{repoImages + " allowed", repoOther + " allowed", crmP + "organizations/1 allowed"},
			create:   []string{crmP + "organizations/1 allowed"}},
		{name: "a user maybe in the organization's workspace", member: "user:ana@corp.example",
			bindings: []map[string]any{pabBindingDoc("b1", crmP+"organizations/1", "images-only", "")},
			push:     []string{repoImages + " allowed", repoOther + " conditional", crmP + "organizations/1 conditional", crmP + "projects/images allowed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := pabSnapshot(t, c.bindings...)
			snap := s.Evaluate(cat)
			if got := capabilityTargets(snap, c.member, "image.push"); strings.Join(got, "\n") != strings.Join(c.push, "\n") {
				t.Errorf("image.push:\n got %q\nwant %q", got, c.push)
			}
			if got := capabilityTargets(snap, c.member, "image.create"); strings.Join(got, "\n") != strings.Join(c.create, "\n") {
				t.Errorf("image.create:\n got %q\nwant %q", got, c.create)
			}
		})
	}
}

// TestPABEnforcementVersions: what each enforcement version blocks, as
// read on "Permissions that principal access boundary policies block"
// (iam/docs/pab-blocked-permissions, versions 1 to 4): Artifact Registry
// from version 3 only; of Cloud Storage, version 1 blocks named bucket and
// object permissions (not objects.create), version 2 all of objects.* and
// buckets.*; Artifact Analysis from version 2; Compute Engine's image
// permissions in no version; "latest" is the default version, 3.
func TestPABEnforcementVersions(t *testing.T) {
	cases := []struct {
		permission string
		from       int // first version that blocks it; 0: none of 1 to 4
	}{
		{"artifactregistry.repositories.uploadArtifacts", 3},
		{"artifactregistry.tags.create", 3},
		{"artifactregistry.repositories.setIamPolicy", 3},
		{"artifactregistry.versions.delete", 3},
		{"storage.objects.create", 2},
		{"storage.objects.delete", 1},
		{"storage.objects.get", 1},
		{"storage.buckets.setIamPolicy", 1},
		{"storage.buckets.create", 2},
		{"containeranalysis.occurrences.create", 2},
		{"compute.images.create", 0},
		{"compute.images.setIamPolicy", 0},
		{"compute.machineImages.create", 0},
		{"compute.snapshots.create", 0},
		{"compute.instanceTemplates.create", 0},
	}
	for _, c := range cases {
		for v := 1; v <= 4; v++ {
			want := c.from != 0 && v >= c.from
			if got := (&pabPol{version: v}).blocks(c.permission); got != want {
				t.Errorf("version %d blocks %s: got %v, want %v", v, c.permission, got, want)
			}
		}
	}
	if v, ok := pabVersion("latest"); !ok || v != 3 {
		t.Errorf("latest: %d %v, want 3", v, ok)
	}
	if v, ok := pabVersion(""); !ok || v != 3 {
		t.Errorf("no version: %d %v, want 3", v, ok)
	}
}

// TestPrincipalAccessBoundaryWhoCan: who-can answers with the boundary
// and says why: the bounded account is not listed on the other project's
// repository; the user the boundary may take in is conditional, with the
// boundary among its Via entries.
func TestPrincipalAccessBoundaryWhoCan(t *testing.T) {
	s := pabSnapshot(t, pabBindingDoc("b1", "//cloudresourcemanager.googleapis.com/organizations/1", "images-only", ""))
	got := map[string]model.Answer{}
	for _, a := range s.WhoCan("artifactregistry.repositories.uploadArtifacts", repoOther) {
		got[a.ID] = a
	}
	if _, ok := got[ciSA]; ok {
		t.Errorf("the bounded account can push outside its boundary: %+v", got[ciSA])
	}
	ana, ok := got["user:ana@corp.example"]
	if !ok || ana.Access != model.Conditional {
		t.Fatalf("the user the boundary may take in: %+v", ana)
	}
	var via []string
	for _, g := range ana.Via {
		if g.PolicyType == "principal_access_boundary" {
			via = append(via, g.Statement+" "+g.Policy)
		}
	}
	if len(via) != 1 || !strings.Contains(via[0], "policyBindings/b1") || !strings.Contains(via[0], "images-only") || !strings.Contains(via[0], "projects/images") {
		t.Errorf("via: %q", via)
	}
	if a := s.WhoCan("artifactregistry.repositories.uploadArtifacts", repoImages); len(a) != 2 {
		t.Errorf("on the eligible repository: %+v", a)
	}
}

// TestPrincipalAccessBoundaryInputs: a version that cannot be read and a
// binding without its principal set are warnings naming the file and the
// place; other kinds of policy binding are skipped.
func TestPrincipalAccessBoundaryInputs(t *testing.T) {
	s := pabSnapshot(t, pabBindingDoc("b1", "//cloudresourcemanager.googleapis.com/projects/build", "images-only", ""),
		map[string]any{"name": "organizations/1/locations/global/policyBindings/b2", "target": map[string]string{}, "policy": "organizations/1/locations/global/principalAccessBoundaryPolicies/images-only"},
		map[string]any{"name": "organizations/1/locations/global/policyBindings/b3", "policyKind": "ACCESS", "target": map[string]string{"resource": "x"}, "policy": "x"})
	ws := s.Evaluate(mustCatalog(t)).Warnings
	if w := warningsAbout(ws, "pab-policies.json", "[2].details.enforcementVersion", "v-next"); len(w) != 1 {
		t.Errorf("version warning: %v", ws)
	}
	if w := warningsAbout(ws, "policy-bindings.json", "[1]", "target.principalSet"); len(w) != 1 {
		t.Errorf("binding warning: %v", ws)
	}
	if len(s.pab.bindings) != 1 {
		t.Errorf("bindings read: %+v", s.pab.bindings)
	}
}

func mustCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReferenceGeneratedPAB: the index and the per-request reference agree
// on the generated organizations with principal access boundaries bound to
// projects, folders, the organization and a workload identity pool, with
// and without conditions (facts, edges, Universe and Holds).
func TestReferenceGeneratedPAB(t *testing.T) {
	crmP := "//cloudresourcemanager.googleapis.com/"
	pols := `[
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/p1",
  "details": {"rules": [{"resources": ["` + crmP + `projects/p-1", "` + crmP + `folders/12"], "effect": "ALLOW"}], "enforcementVersion": "1"}},
 {"name": "organizations/1/locations/global/principalAccessBoundaryPolicies/p2",
  "details": {"rules": [{"resources": ["` + crmP + `projects/703"], "effect": "ALLOW"}], "enforcementVersion": "latest"}}]`
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			docs := generatedOrg(seed)
			docs["pab-policies.json"] = pols
			var bs []map[string]any
			switch seed % 3 {
			case 0:
				bs = append(bs, pabBindingDoc("a", crmP+"organizations/1", "p1", ""), pabBindingDoc("b", crmP+"folders/13", "p2", ""))
			case 1:
				bs = append(bs, pabBindingDoc("a", crmP+"projects/p-0", "p1", ""), pabBindingDoc("b", crmP+"projects/702", "p2", "principal.type == 'iam.googleapis.com/ServiceAccount'"),
					pabBindingDoc("c", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh", "p2", ""))
			default:
				bs = append(bs, pabBindingDoc("a", crmP+"folders/11", "p2", "principal.subject == 'ci@p-2.iam.gserviceaccount.com'"), pabBindingDoc("b", crmP+"organizations/1", "p1", "has(principal.x)"))
			}
			b, _ := json.Marshal(bs)
			docs["policy-bindings.json"] = string(b)
			compareWithReference(t, docs)
		})
	}
}
