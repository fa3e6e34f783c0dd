package azurecollect

import (
	"encoding/json"
	"github.com/imagewarden/imagewarden/analyzer/collect/collecttest"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCallsInTable: the table of calls is the collector's: every
// operation the fake answers (the only requests the collector may send)
// is in it, and nothing else; every operation the collector names is in
// it. A call cannot be added without its permission.
func TestCallsInTable(t *testing.T) {
	var table, fake []string
	for _, c := range calls {
		table = append(table, c.op)
	}
	for _, a := range readOnly {
		fake = append(fake, a.op)
	}
	collecttest.CheckCallTable(t, table, fake, regexp.MustCompile(`(?:failure|permissionOf)\("([^"]+)"`), "operation")
}

// TestRoleActionsDocumented: the custom role of docs/collect-azure.md
// grants exactly the RBAC actions the collector's calls need (calls),
// each with its reason, and the Graph permission of --groups is
// documented. A call added without its permission in the documented role
// fails here.
func TestRoleActionsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "collect-azure.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## The minimal read-only role")
	if i < 0 {
		t.Fatal("docs/collect-azure.md has no section on the minimal role")
	}
	role := doc[i:]
	j := strings.Index(role, "`imagewarden-collector.json`")
	if j < 0 {
		t.Fatal("no imagewarden-collector.json in the role section")
	}
	body := role[j:]
	body = body[strings.Index(body, "```json\n")+len("```json\n"):]
	body = body[:strings.Index(body, "```")]
	var def struct {
		Actions, NotActions, DataActions []string
	}
	if err := json.Unmarshal([]byte(body), &def); err != nil {
		t.Fatalf("the documented role is not JSON: %v\n%s", err, body)
	}
	documented := append([]string{}, def.Actions...)
	want := roleActions()
	sort.Strings(documented)
	sort.Strings(want)
	if strings.Join(documented, " ") != strings.Join(want, " ") || len(def.NotActions)+len(def.DataActions) != 0 {
		t.Errorf("the documented role grants\n  %v\nthe collector's calls need\n  %v", documented, want)
	}
	for _, a := range want {
		if !strings.Contains(role, "| `"+a+"` |") {
			t.Errorf("docs/collect-azure.md should say why %s is needed", a)
		}
	}
	for _, c := range calls {
		if c.graph && !strings.Contains(role, "`"+c.permission+"`") {
			t.Errorf("docs/collect-azure.md should document the Graph permission %s", c.permission)
		}
	}
}

// TestBuiltInRolesScope: the built-in roles are read at a scope the
// caller's role reaches: the root of the collection (the tenant root group,
// or the first management group readable), else a subscription, and the
// root scope "/" (above the tenant root group, which a role assigned there
// does not reach) only last. Their ids do not depend on the scope that
// answered.
func TestBuiltInRolesScope(t *testing.T) {
	definitions := "/providers/Microsoft.Authorization/roleDefinitions"
	for _, tc := range []struct {
		name    string
		refuse  []string // scopes whose role-definition listing is refused
		root    bool     // the caller holds a role at "/"
		mod     func(*Options)
		deniedM string
		want    string // the scope that answers
	}{
		{name: "tenant root group", want: mgRoot},
		{name: "readable management group", deniedM: tenantID, want: mgPlatform},
		{name: "management group", mod: func(o *Options) { o.ManagementGroup = "mg-platform" }, want: mgPlatform},
		{name: "subscription", refuse: []string{"/providers/Microsoft.Management/"}, want: "/subscriptions/" + subPlatform},
		{name: "root scope", refuse: []string{"/providers/Microsoft.Management/", "/subscriptions/"}, root: true, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.rootAccess, f.deniedMG, f.reliable = tc.root, tc.deniedM, true
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, definitions) && strings.Contains(r.URL.RawQuery, "BuiltInRole") {
					for _, p := range tc.refuse {
						if strings.HasPrefix(r.URL.Path, p) {
							w.Header().Set("Content-Type", "application/json")
							apiError(w, http.StatusForbidden, "AuthorizationFailed", "does not have authorization to perform action 'Microsoft.Authorization/roleDefinitions/read' over scope '"+strings.TrimSuffix(r.URL.Path, definitions)+"'")
							return
						}
					}
				}
				f.ServeHTTP(w, r)
			})
			m, out, _ := collectFakeHandler(t, f, handler, func(o *Options) {
				o.Groups = false
				if tc.mod != nil {
					tc.mod(o)
				}
			})
			for _, s := range m.Skipped {
				if s.Name == "role-definitions/built-in" {
					t.Fatalf("built-in roles not collected: %s", s.Error)
				}
			}
			f.mu.Lock()
			answered := ""
			for _, c := range f.calls {
				if strings.HasSuffix(c.path, definitions) && strings.Contains(c.query, "BuiltInRole") && c.status == http.StatusOK && answered == "" {
					answered = strings.TrimSuffix(c.path, definitions)
				}
			}
			f.mu.Unlock()
			if answered != tc.want {
				t.Errorf("built-in roles listed at %q, want %q", answered, tc.want)
			}
			b, err := os.ReadFile(filepath.Join(out, "role-definitions.json"))
			if err != nil {
				t.Fatal(err)
			}
			var defs []roleDefinition
			json.Unmarshal(b, &defs)
			for _, d := range defs {
				if d.RoleType == "BuiltInRole" && d.ID != definitions+"/"+d.Name {
					t.Errorf("built-in role %s has the id %s, which depends on the scope listed", d.RoleName, d.ID)
				}
			}
		})
	}
}

// TestRegistryAPIVersion: registries are listed with a GA api-version
// that returns roleAssignmentMode (2025-11-01; 2025-04-01 and older GA
// versions do not), not with a preview.
func TestRegistryAPIVersion(t *testing.T) {
	f := newFake()
	f.reliable = true
	_, out, _ := collectFake(t, f, func(o *Options) { o.Groups = false })
	f.mu.Lock()
	for _, c := range f.calls {
		if strings.HasSuffix(c.path, "/providers/Microsoft.ContainerRegistry/registries") && strings.Contains(c.query, "preview") {
			t.Errorf("registries listed with a preview api-version: %s", c.query)
		}
	}
	f.mu.Unlock()
	b, err := os.ReadFile(filepath.Join(out, "subscriptions", subShop, "registries.json"))
	if err != nil || !strings.Contains(string(b), `"roleAssignmentMode": "AbacRepositoryPermissions"`) {
		t.Errorf("the registry's permission mode should be collected: %v\n%s", err, b)
	}
}
