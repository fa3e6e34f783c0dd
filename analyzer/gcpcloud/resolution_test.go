package gcpcloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// loadDoc reads one JSON document (an object or an array of objects) into
// the snapshot as LoadInputs would.
func loadDoc(t *testing.T, s *Snapshot, file, body string) {
	t.Helper()
	doc := &model.Document{}
	if strings.HasPrefix(strings.TrimSpace(body), "[") {
		if err := json.Unmarshal([]byte(body), &doc.Items); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	} else if err := json.Unmarshal([]byte(body), &doc.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	format := s.Recognize(doc)
	if format == "" {
		t.Fatalf("%s: not recognised", file)
	}
	if err := s.Load(file, format, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// warningsAbout returns the warnings (Where and Message together) that
// contain every one of the strings.
func warningsAbout(ws []model.Warning, subs ...string) []string {
	var out []string
	for _, w := range ws {
		text := w.Where + " " + w.Message
		ok := true
		for _, s := range subs {
			if !strings.Contains(text, s) {
				ok = false
			}
		}
		if ok {
			out = append(out, text)
		}
	}
	return out
}

func canPush(snap *model.Snapshot, member, resource string) bool {
	for _, f := range snap.Facts {
		if f.Principal != member || f.Capability != "image.push" {
			continue
		}
		for _, t := range f.Targets {
			if t.Resource == resource {
				return true
			}
		}
	}
	return false
}

func gcpCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

const (
	testRepo     = "//artifactregistry.googleapis.com/projects/nw-app/locations/europe-west1/repositories/app-images"
	testRepoList = `[{"name":"projects/nw-app/locations/europe-west1/repositories/app-images","format":"DOCKER"}]`
	customRole   = "organizations/480113921003/roles/imagePublisher"
)

func roleJSON(perms ...string) string {
	b, _ := json.Marshal(map[string]any{"name": customRole, "title": "Image Publisher", "includedPermissions": perms})
	return string(b)
}

func otherRole(n int) string {
	b, _ := json.Marshal(map[string]any{"name": "projects/nw-app/roles/other" + string(rune('a'+n)), "includedPermissions": []string{"compute.images.get"}})
	return string(b)
}

// TestDuplicateCustomRoles: the same custom role read twice is not
// resolved silently. Differing definitions are warned about with both
// places and the one used is named; identical copies are noted once.
func TestDuplicateCustomRoles(t *testing.T) {
	const upload = "artifactregistry.repositories.uploadArtifacts"
	binding := `[{"resource":"//cloudresourcemanager.googleapis.com/projects/nw-app","project":"projects/nw-app","policy":{"bindings":[{"role":"` + customRole + `","members":["user:pat@northwind.example"]}]}}]`
	for _, tc := range []struct {
		name          string
		first, second string
		wantPush      bool     // pat pushes with the definition used
		wantWarn      []string // one warning holds all of these
		identical     bool
	}{
		{
			name:     "differing: the later one is used and both places are named",
			first:    roleJSON("compute.images.get"),
			second:   roleJSON(upload),
			wantPush: true,
			wantWarn: []string{"roles.json: roles[3]", "roles2.json: roles[0]", customRole, "differ", "roles2.json: roles[0] is used"},
		},
		{
			name:     "differing the other way round",
			first:    roleJSON(upload),
			second:   roleJSON("compute.images.get"),
			wantPush: false,
			wantWarn: []string{"roles.json: roles[3]", "roles2.json: roles[0]", customRole, "differ", "roles2.json: roles[0] is used"},
		},
		{
			name:      "identical: one note, no difference claimed",
			first:     roleJSON(upload, "artifactregistry.tags.create"),
			second:    roleJSON("artifactregistry.tags.create", upload),
			wantPush:  true,
			wantWarn:  []string{"identical", "roles.json: roles[3]", "roles2.json: roles[0]"},
			identical: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			loadDoc(t, s, "roles.json", `{"roles":[`+otherRole(0)+`,`+otherRole(1)+`,`+otherRole(2)+`,`+tc.first+`]}`)
			loadDoc(t, s, "roles2.json", `{"roles":[`+tc.second+`]}`)
			loadDoc(t, s, "repos.json", testRepoList)
			loadDoc(t, s, "policies.json", binding)
			snap := s.Evaluate(gcpCatalog(t))
			if got := canPush(snap, "user:pat@northwind.example", testRepo); got != tc.wantPush {
				t.Errorf("pat pushes: %v, want %v", got, tc.wantPush)
			}
			if len(warningsAbout(snap.Warnings, tc.wantWarn...)) != 1 {
				t.Errorf("want one warning with %q; got %+v", tc.wantWarn, snap.Warnings)
			}
			if tc.identical && len(warningsAbout(snap.Warnings, "differ")) != 0 {
				t.Errorf("identical copies reported as differing: %+v", snap.Warnings)
			}
		})
	}
	t.Run("many identical copies: still one note", func(t *testing.T) {
		s := New()
		for _, f := range []string{"a.json", "b.json", "c.json"} {
			loadDoc(t, s, f, `{"roles":[`+otherRole(0)+`,`+roleJSON(upload)+`]}`)
		}
		snap := s.Evaluate(gcpCatalog(t))
		if n := len(warningsAbout(snap.Warnings, "identical")); n != 1 {
			t.Errorf("%d notes about identical copies, want 1: %+v", n, snap.Warnings)
		}
	})
}

// TestNonCanonicalResourceNames: a binding whose resource is written in a
// non-canonical form (host in capitals, trailing slash, URL) grants on the
// resource it names, and the oddity is a warning with the file and place.
func TestNonCanonicalResourceNames(t *testing.T) {
	for _, tc := range []struct {
		resource string
		want     string // in the warning
	}{
		{"//CloudResourceManager.googleapis.com/projects/nw-app", "//cloudresourcemanager.googleapis.com/projects/nw-app"},
		{"//cloudresourcemanager.googleapis.com/projects/nw-app/", "//cloudresourcemanager.googleapis.com/projects/nw-app"},
		{"https://cloudresourcemanager.googleapis.com/v3/projects/nw-app", "//cloudresourcemanager.googleapis.com/projects/nw-app"},
		{"//ArtifactRegistry.googleapis.com/projects/nw-app/locations/europe-west1/repositories/app-images/", testRepo},
		{"https://artifactregistry.googleapis.com/v1/projects/nw-app/locations/europe-west1/repositories/app-images", testRepo},
		{" //artifactregistry.googleapis.com/projects/nw-app/locations/europe-west1/repositories/app-images", testRepo},
	} {
		for _, form := range []string{"search", "asset", "wrapped"} {
			t.Run(form+" "+tc.resource, func(t *testing.T) {
				s := New()
				loadDoc(t, s, "repos.json", testRepoList)
				policy := `{"bindings":[{"role":"roles/artifactregistry.writer","members":["user:pat@northwind.example"]}]}`
				res, _ := json.Marshal(tc.resource)
				var where string
				switch form {
				case "search":
					loadDoc(t, s, "policies.json", `[{"resource":"//cloudresourcemanager.googleapis.com/projects/nw-other","policy":{"bindings":[]}},{"resource":`+string(res)+`,"project":"projects/nw-app","policy":`+policy+`}]`)
					where = "policies.json: [1]"
				case "asset":
					loadDoc(t, s, "export.json", `[{"name":`+string(res)+`,"assetType":"x","ancestors":["projects/nw-app"],"iamPolicy":`+policy+`}]`)
					where = "export.json: line 1"
				case "wrapped":
					loadDoc(t, s, "wrapped.json", `{"resource":`+string(res)+`,"policy":`+policy+`}`)
					where = "wrapped.json"
				}
				snap := s.Evaluate(gcpCatalog(t))
				if !canPush(snap, "user:pat@northwind.example", testRepo) {
					t.Errorf("the grant on %q does not reach %s: %+v", tc.resource, testRepo, snap.Facts)
				}
				if len(warningsAbout(snap.Warnings, where, tc.want)) == 0 {
					t.Errorf("no warning at %q naming %q: %+v", where, tc.want, snap.Warnings)
				}
			})
		}
	}
	t.Run("canonical names are not warned about", func(t *testing.T) {
		s := New()
		loadDoc(t, s, "repos.json", testRepoList)
		loadDoc(t, s, "policies.json", `[{"resource":"`+testRepo+`","policy":{"bindings":[{"role":"roles/artifactregistry.writer","members":["user:pat@northwind.example"]}]}}]`)
		snap := s.Evaluate(gcpCatalog(t))
		if !canPush(snap, "user:pat@northwind.example", testRepo) {
			t.Error("the canonical grant does not reach the repository")
		}
		if w := warningsAbout(snap.Warnings, "policies.json"); len(w) != 0 {
			t.Errorf("warnings about a canonical name: %q", w)
		}
	})
}

// TestGarbageResourceName: a resource name that cannot be understood is a
// warning naming it, the file and the place, not a silent grant on nothing.
func TestGarbageResourceName(t *testing.T) {
	for _, garbage := range []string{
		"nw-app",
		"artifactregistry.googleapis.com/projects/nw-app",
		"https://example.com/projects/nw-app",
		"//",
		"//artifactregistry.googleapis.com",
		"//artifactregistry.googleapis.com/projects//repositories/x",
		"ftp://artifactregistry.googleapis.com/projects/nw-app",
	} {
		t.Run(garbage, func(t *testing.T) {
			s := New()
			res, _ := json.Marshal(garbage)
			loadDoc(t, s, "policies.json", `[{"resource":"//cloudresourcemanager.googleapis.com/projects/nw-other","policy":{"bindings":[]}},{"resource":`+string(res)+`,"policy":{"bindings":[{"role":"roles/owner","members":["user:pat@northwind.example"]}]}}]`)
			snap := s.Evaluate(gcpCatalog(t))
			if len(warningsAbout(snap.Warnings, "policies.json: [1]", garbage)) == 0 {
				t.Errorf("no warning about %q at policies.json: [1]: %+v", garbage, snap.Warnings)
			}
		})
	}
}
