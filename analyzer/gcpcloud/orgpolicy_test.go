package gcpcloud

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

func docOf(t *testing.T, body string) *model.Document {
	t.Helper()
	d := &model.Document{}
	if strings.HasPrefix(strings.TrimSpace(body), "[") {
		if err := json.Unmarshal([]byte(body), &d.Items); err != nil {
			t.Fatal(err)
		}
	} else if err := json.Unmarshal([]byte(body), &d.Object); err != nil {
		t.Fatal(err)
	}
	return d
}

// orgHierarchy: organizations/1 > folders/10 > folders/20 > projects/nw-app,
// and organizations/1 > projects/nw-img.
func orgHierarchy(member string, roles ...string) map[string]string {
	pol := func(resource, project string, folders []string, roles ...string) map[string]any {
		p := cPolicy(resource, project, member, roles...)
		p["folders"] = folders
		return p
	}
	return map[string]string{"a-policies.json": js([]any{
		pol("//cloudresourcemanager.googleapis.com/folders/10", "", []string{"folders/10"}, "roles/viewer"),
		pol("//cloudresourcemanager.googleapis.com/folders/20", "", []string{"folders/20", "folders/10"}, "roles/viewer"),
		pol(cProject, "projects/nw-app", []string{"folders/20", "folders/10"}, roles...),
		pol("//cloudresourcemanager.googleapis.com/projects/nw-img", "projects/nw-img", nil, "roles/viewer"),
	})}
}

func v2(node, constraint, spec string) string {
	return `{"name":"` + node + `/policies/` + constraint + `","spec":` + spec + `}`
}

func listing(node string, policies ...string) string {
	return `{"parent":"` + node + `","policies":[` + strings.Join(policies, ",") + `]}`
}

// TestEffectiveOrgPolicy: a list constraint evaluated down the hierarchy:
// a child's policy replaces its parent's, inheritFromParent merges the
// values (denied ones winning), reset returns to the default, under:
// values match the nodes below, v1 policies read like v2 ones, and a chain
// with a node whose policies were not listed, or a conditional rule, is not
// known.
func TestEffectiveOrgPolicy(t *testing.T) {
	const c = constraintTrustedImages
	orgTrusts := v2("organizations/1", c, `{"rules":[{"values":{"allowedValues":["projects/nw-img"]}}]}`)
	all := func(org, f10, f20, app string) map[string]string {
		return map[string]string{"o-org.json": listing("organizations/1", org), "o-f10.json": listing("folders/10", f10),
			"o-f20.json": listing("folders/20", f20), "o-app.json": listing("projects/nw-app", app)}
	}
	for _, tc := range []struct {
		name     string
		policies map[string]string
		known    bool
		img, app bool // whether nw-app's effective policy allows projects/nw-img, projects/nw-app
	}{
		{"nothing set", all("", "", "", ""), true, true, true},
		{"org list, inherited by default", all(orgTrusts, "", "", ""), true, true, false},
		{"project replaces", all(orgTrusts, "", "", v2("projects/nw-app", c, `{"rules":[{"values":{"allowedValues":["projects/nw-app"]}}]}`)), true, false, true},
		{"project merges", all(orgTrusts, "", "", v2("projects/nw-app", c, `{"inheritFromParent":true,"rules":[{"values":{"allowedValues":["projects/nw-app"]}}]}`)), true, true, true},
		{"folder denies, project merges", all(orgTrusts, v2("folders/10", c, `{"inheritFromParent":true,"rules":[{"values":{"deniedValues":["projects/nw-img"]}}]}`), "",
			v2("projects/nw-app", c, `{"inheritFromParent":true,"rules":[{"values":{"allowedValues":["projects/nw-app"]}}]}`)), true, false, true},
		{"folder resets", all(orgTrusts, "", v2("folders/20", c, `{"reset":true}`), ""), true, true, true},
		{"reset then project list", all(orgTrusts, "", v2("folders/20", c, `{"reset":true}`), v2("projects/nw-app", c, `{"rules":[{"values":{"allowedValues":["under:folders/10"]}}]}`)), true, false, true},
		{"deny all", all(v2("organizations/1", c, `{"rules":[{"denyAll":true}]}`), "", "", ""), true, false, false},
		{"allow all below deny all", all(v2("organizations/1", c, `{"rules":[{"denyAll":true}]}`), v2("folders/10", c, `{"rules":[{"allowAll":true}]}`), "", ""), true, true, true},
		{"only denied values", all(v2("organizations/1", c, `{"rules":[{"values":{"deniedValues":["is:projects/nw-img"]}}]}`), "", "", ""), true, false, true},
		{"v1 list policy", all(`{"constraint":"constraints/`+c+`","listPolicy":{"allowedValues":["projects/nw-img"]}}`, "", "", ""), true, true, false},
		{"v1 restore default", all(orgTrusts, `{"constraint":"constraints/`+c+`","restoreDefault":{}}`, "", ""), true, true, true},
		{"folder not listed", map[string]string{"o-org.json": listing("organizations/1", orgTrusts), "o-f20.json": listing("folders/20"), "o-app.json": listing("projects/nw-app")}, false, true, false},
		{"conditional rule", all(v2("organizations/1", c, `{"rules":[{"values":{"allowedValues":["projects/nw-img"]},"condition":{"expression":"resource.matchTag('env','prod')"}}]}`), "", "", ""), false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := orgHierarchy(cAlice, "roles/viewer")
			for k, v := range tc.policies {
				docs[k] = v
			}
			s := New()
			for _, n := range slices.Sorted(maps.Keys(docs)) {
				loadDoc(t, s, n, docs[n])
			}
			if len(s.warnings) > 0 {
				t.Errorf("warnings: %v", s.warnings)
			}
			e := s.effectivePolicy("projects/nw-app", c)
			if e.known != tc.known {
				t.Errorf("known = %v, want %v", e.known, tc.known)
			}
			if got := s.allows(e, "projects/nw-img"); got != tc.img {
				t.Errorf("allows nw-img = %v, want %v (%+v)", got, tc.img, e)
			}
			if got := s.allows(e, "projects/nw-app"); got != tc.app {
				t.Errorf("allows nw-app = %v, want %v (%+v)", got, tc.app, e)
			}
		})
	}
}

// TestCrossProjectServiceAccountUsage: an act-as edge its holder cannot
// settle in the account's project goes when
// iam.disableCrossProjectServiceAccountUsage is known to be enforced
// there, and stays assumed when it is not, or not known.
func TestCrossProjectServiceAccountUsage(t *testing.T) {
	const c = constraintCrossProjSA
	enforce := v2("organizations/1", c, `{"rules":[{"enforce":true}]}`)
	for _, tc := range []struct {
		name     string
		policies map[string]string
		edge     bool
	}{
		{"no policies", nil, true},
		{"enforced at the organization", map[string]string{"o.json": listing("organizations/1", enforce), "f10.json": listing("folders/10"), "f20.json": listing("folders/20"), "app.json": listing("projects/nw-app")}, false},
		{"not enforced on the project", map[string]string{"o.json": listing("organizations/1", enforce), "f10.json": listing("folders/10"), "f20.json": listing("folders/20"),
			"app.json": listing("projects/nw-app", v2("projects/nw-app", c, `{"rules":[{"enforce":false}]}`))}, true},
		{"project not listed", map[string]string{"o.json": listing("organizations/1", enforce), "f10.json": listing("folders/10"), "f20.json": listing("folders/20")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := orgHierarchy(cAlice, "roles/iam.serviceAccountUser")
			docs["b-sa.json"] = js([]any{cPolicy(cProject, "projects/nw-app", cSA, "roles/viewer")})
			for k, v := range tc.policies {
				docs[k] = v
			}
			es, ws := computeEdges(t, docs)
			if len(ws) > 0 {
				t.Errorf("warnings: %v", ws)
			}
			e := findEdge(es, cAlice, cSA, "act-as")
			if (e != nil) != tc.edge {
				t.Fatalf("edge %v, want %v", e, tc.edge)
			}
			if e != nil && !e.Assumed {
				t.Errorf("want an assumed edge, got %+v", *e)
			}
		})
	}
}

// TestOrgPolicyBadInput: a v1 policy without its node, a name that is not
// NODE/policies/CONSTRAINT and a wrapper with a bad parent are reported
// with the file and place; the rest is read.
func TestOrgPolicyBadInput(t *testing.T) {
	s := New()
	loadDoc(t, s, "v1.json", `[{"constraint":"constraints/compute.trustedImageProjects","listPolicy":{"allowedValues":["projects/x"]}}]`)
	if w := warningsAbout(s.warnings, "v1.json: [0]", "wrap the list"); len(w) != 1 {
		t.Errorf("v1 warning: %v", s.warnings)
	}
	loadDoc(t, s, "bad.json", `[{"name":"projects/nw-app/policies/","spec":{}},{"name":"projects/nw-app/policies/compute.trustedImageProjects","spec":{"rules":[{"denyAll":true}]}}]`)
	if w := warningsAbout(s.warnings, "bad.json: [0].name", "NODE/policies/CONSTRAINT"); len(w) != 1 {
		t.Errorf("name warning: %v", s.warnings)
	}
	if s.orgPolicies.set["projects/nw-app"][constraintTrustedImages] == nil {
		t.Error("the good policy after the bad one is not read")
	}
	doc := map[string]string{"w.json": `{"parent":"projects/NOT OK","policies":[]}`}
	for n, b := range doc {
		d := docOf(t, b)
		if err := s.Load(n, s.Recognize(d), d); err == nil || !strings.Contains(err.Error(), "parent") {
			t.Errorf("bad parent: %v", err)
		}
	}
}

// TestUnusableImages: write access to the images and snapshots of a
// project that no project of the inputs may use (the effective
// compute.trustedImageProjects and compute.storageResourceUseRestrictions
// of every project) is marked with the reason; a project that may use
// them, a node whose policies are not listed, or no policies, leave it
// unmarked.
func TestUnusableImages(t *testing.T) {
	onlyApp := v2("organizations/1", constraintTrustedImages, `{"rules":[{"values":{"allowedValues":["projects/nw-app"]}}]}`) + "," +
		v2("organizations/1", constraintStorageUse, `{"rules":[{"values":{"allowedValues":["under:projects/nw-app"]}}]}`)
	imgTrustsItself := v2("projects/nw-img", constraintTrustedImages, `{"inheritFromParent":true,"rules":[{"values":{"allowedValues":["projects/nw-img"]}}]}`) + "," +
		v2("projects/nw-img", constraintStorageUse, `{"inheritFromParent":true,"rules":[{"values":{"allowedValues":["under:projects/nw-img"]}}]}`)
	imgStorageOnly := v2("projects/nw-img", constraintStorageUse, `{"inheritFromParent":true,"rules":[{"values":{"allowedValues":["under:projects/nw-img"]}}]}`)
	listed := func(org, img string) map[string]string {
		return map[string]string{"o-org.json": listing("organizations/1", org), "o-f10.json": listing("folders/10"), "o-f20.json": listing("folders/20"),
			"o-app.json": listing("projects/nw-app"), "o-img.json": listing("projects/nw-img", img)}
	}
	for _, tc := range []struct {
		name     string
		policies map[string]string
		want     bool // the image.create target on projects/nw-img is marked
		imager   bool // alice holds a custom role with compute.images.create only
	}{
		{"images only, not trusted", listed(v2("organizations/1", constraintTrustedImages, `{"rules":[{"values":{"allowedValues":["projects/nw-app"]}}]}`), ""), true, true},
		{"images only, trusted", listed(v2("organizations/1", constraintTrustedImages, `{"rules":[{"values":{"allowedValues":["under:organizations/1"]}}]}`), ""), false, true},
		{"no project may use them", listed(onlyApp, ""), true, false},
		{"the project trusts itself", listed(onlyApp, imgTrustsItself), false, false},
		{"snapshots usable, images not", listed(onlyApp, imgStorageOnly), false, false},
		{"a folder not listed", map[string]string{"o-org.json": listing("organizations/1", onlyApp), "o-f10.json": listing("folders/10"), "o-app.json": listing("projects/nw-app"), "o-img.json": listing("projects/nw-img")}, false, false},
		{"no policies", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := orgHierarchy(cAlice, "roles/viewer")
			docs["b-img.json"] = js([]any{cPolicy("//cloudresourcemanager.googleapis.com/projects/nw-img", "projects/nw-img", cAlice, "roles/compute.storageAdmin")})
			if tc.imager {
				docs["b-img.json"] = js([]any{cPolicy("//cloudresourcemanager.googleapis.com/projects/nw-img", "projects/nw-img", cAlice, "projects/nw-img/roles/imager")})
				docs["c-role.json"] = `{"name":"projects/nw-img/roles/imager","includedPermissions":["compute.images.create"]}`
			}
			for k, v := range tc.policies {
				docs[k] = v
			}
			s := New()
			for _, n := range slices.Sorted(maps.Keys(docs)) {
				loadDoc(t, s, n, docs[n])
			}
			snap := s.Evaluate(gcpCatalog(t))
			found, marked := false, false
			for _, f := range snap.Facts {
				for _, tg := range f.Targets {
					if f.Principal != cAlice || tg.Resource != "//cloudresourcemanager.googleapis.com/projects/nw-img" {
						continue
					}
					if f.Capability == "image.create" {
						found = true
						marked = tg.Unusable != ""
						if marked && !strings.Contains(tg.Unusable, "projects/nw-img") {
							t.Errorf("reason %q does not name the project", tg.Unusable)
						}
					}
					if f.Capability == "image.share" && tg.Unusable != "" {
						t.Errorf("image.share target marked: %+v", tg)
					}
				}
			}
			if !found {
				t.Fatal("no image.create target on projects/nw-img: the inputs test nothing")
			}
			if marked != tc.want {
				t.Errorf("marked = %v, want %v", marked, tc.want)
			}
		})
	}
}
