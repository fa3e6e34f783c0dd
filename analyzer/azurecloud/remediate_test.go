package azurecloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/analyzer/remediate/remediatetest"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

const (
	omar        = "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173"
	shopDevs    = "6de71433-511b-428c-8eeb-a3c2f600cc91"
	subShop     = "/subscriptions/22222222-bbbb-4c6d-9e0f-1a2b3c4d5e6f"
	mgPlatform  = "/providers/Microsoft.Management/managementGroups/mg-platform"
	acrnwgolden = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.ContainerRegistry/registries/acrnwgolden"
)

// approvedYAML makes omar an approved publisher of acrnwgolden only: the
// demo's approved-publishers file has no Azure entry.
const approvedYAML = `imagewarden:
  approved_publishers:
    - principal: "` + omar + `"
      resources: ["` + acrnwgolden + `"]
`

// demo is the Azure demo remediated with the approved publishers above.
var demo = &remediatetest.Demo{Dir: "testdata/demo/azure", ApprovedYAML: approvedYAML, Golden: "testdata/golden/remediation-demo-azure.json"}

// TestDemoGolden compares the remediation plan of the azure demo (with the
// approved publishers above) with testdata/golden/remediation-demo-azure.json.
func TestDemoGolden(t *testing.T) { demo.CheckGolden(t) }

func repoRoot(t *testing.T) string { return remediatetest.RepoRoot(t) }

func demoOptions(t *testing.T) analyzer.Options { return demo.Options(t) }

// remediateDemo plans and verifies the demo once for all tests.
func remediateDemo(t *testing.T) (*remediate.Plan, []model.Finding) { return demo.Plan(t) }

func change(t *testing.T, plan *remediate.Plan, kind, target string) remediate.Change {
	return remediatetest.Change(t, plan, kind, target)
}

func checkResolved(t *testing.T, c remediate.Change) {
	t.Helper()
	if c.Verification == nil {
		t.Fatalf("%s: not verified", c.ID)
	}
	if len(c.FindingIDs) == 0 {
		t.Errorf("%s: resolves no finding", c.ID)
	}
	if len(c.Verification.Unresolved) > 0 || len(c.Verification.Introduced) > 0 {
		t.Errorf("%s: unresolved %v, introduced %v", c.ID, c.Verification.Unresolved, c.Verification.Introduced)
	}
	for _, id := range c.FindingIDs {
		if !contains(c.Verification.Resolved, id) {
			t.Errorf("%s: finding %s is not gone", c.ID, id)
		}
	}
}

type roleDoc struct {
	Name             string   `json:"Name"`
	IsCustom         bool     `json:"IsCustom"`
	Description      string   `json:"Description"`
	Actions          []string `json:"Actions"`
	NotActions       []string `json:"NotActions"`
	DataActions      []string `json:"DataActions"`
	NotDataActions   []string `json:"NotDataActions"`
	AssignableScopes []string `json:"AssignableScopes"`
}

// builtinDataset reads the public dataset of built-in roles, by name, or
// nil when it is not here.
func builtinDataset(t *testing.T) map[string]azure.Permission {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "../shared/datasets/azure-builtin-role-definitions.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var defs []struct {
		RoleName    string             `json:"roleName"`
		Permissions []azure.Permission `json:"permissions"`
	}
	if err := json.Unmarshal(raw, &defs); err != nil {
		t.Fatal(err)
	}
	out := map[string]azure.Permission{}
	for _, d := range defs {
		if len(d.Permissions) == 1 {
			out[d.RoleName] = d.Permissions[0]
		}
	}
	return out
}

func TestCustomRoleDemo(t *testing.T) {
	plan, findings := remediateDemo(t)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	dataset := builtinDataset(t)
	n := 0
	for _, c := range plan.Changes {
		if c.Kind != azurecloud.KindCustomRole {
			continue
		}
		n++
		t.Run(c.Target, func(t *testing.T) {
			checkResolved(t, c)
			if len(c.Verification.Removes) != 0 {
				t.Errorf("a custom role takes only image operations, got removes %v", c.Verification.Removes)
			}
			var r roleDoc
			dec := json.NewDecoder(strings.NewReader(c.After))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				t.Fatal(err)
			}
			if !r.IsCustom || r.Name == "" || !reflect.DeepEqual(r.AssignableScopes, []string{c.Params["scope"]}) {
				t.Errorf("role %q custom %v assignable scopes %v, want [%s]", r.Name, r.IsCustom, r.AssignableScopes, c.Params["scope"])
			}
			if c.Commands[0] != "az role definition create --role-definition @"+c.Artifact {
				t.Errorf("command %q", c.Commands[0])
			}
			// The original's permissions are all there (checked against the
			// public dataset for built-in roles), with image operations added
			// to the notActions.
			original := strings.TrimSuffix(r.Name[:strings.LastIndex(r.Name, " ")], " without image writes")
			if p, ok := dataset[original]; ok {
				if !reflect.DeepEqual(r.Actions, orEmpty(p.Actions)) || !reflect.DeepEqual(r.DataActions, orEmpty(p.DataActions)) ||
					!reflect.DeepEqual(r.NotActions[:len(p.NotActions)], p.NotActions) {
					t.Errorf("%s: the custom role is not a copy of the built-in role", original)
				}
			} else if dataset != nil && original != "Image Builder Operator" {
				t.Errorf("%s is not in the dataset", original)
			}
			role := &azure.Role{Permissions: []azure.Permission{{Actions: r.Actions, NotActions: r.NotActions, DataActions: r.DataActions, NotDataActions: r.NotDataActions}}}
			caps := map[string]bool{}
			for _, f := range findings {
				if contains(c.FindingIDs, f.ID) {
					caps[f.Capability] = true
				}
			}
			for cap := range caps {
				for _, op := range cat.ActionsOf("azure", cap) {
					data := strings.Contains(strings.ToLower(op), "/registries/repositories/")
					if role.Access(op, data) != tri.False {
						t.Errorf("the custom role still grants %s (%s)", op, cap)
					}
				}
			}
		})
	}
	if n < 5 {
		t.Errorf("%d custom-role changes, want at least 5", n)
	}
	// The shop developers' Contributor on sub-shop: one change for the group.
	c := change(t, plan, azurecloud.KindCustomRole, subShop+" assignment of Contributor to "+shopDevs)
	if len(c.FindingIDs) < 3*6 {
		t.Errorf("the group's change claims %d findings, want every finding of nils, olga and pia", len(c.FindingIDs))
	}
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func TestAssignmentNarrowDemo(t *testing.T) {
	plan, findings := remediateDemo(t)
	c := change(t, plan, azurecloud.KindAssignmentNarrow, mgPlatform+" assignment of Image Builder Operator to "+omar)
	checkResolved(t, c)
	if c.Params["resources"] != acrnwgolden {
		t.Errorf("moved to %q, want %s", c.Params["resources"], acrnwgolden)
	}
	var after []map[string]any
	if err := json.Unmarshal([]byte(c.After), &after); err != nil || len(after) != 1 || after[0]["scope"] != acrnwgolden {
		t.Fatalf("artifact %v: %s", err, c.After)
	}
	// Every finding of omar goes: what is left is on the approved registry.
	for _, f := range findings {
		if f.PrincipalID == omar && !contains(c.Verification.Resolved, f.ID) {
			t.Errorf("omar's %s %s is left", f.RuleID, f.Capability)
		}
	}
	// The role is "*" minus Microsoft.Authorization/* and Microsoft.Network/*:
	// besides the image operations, what it loses on mg-platform is the rest
	// of "*", which the universe stands for with one made-up operation.
	want := []string{"ImagewardenOtherOperation on " + mgPlatform + " for " + omar}
	if !reflect.DeepEqual(c.Verification.Removes, want) {
		t.Errorf("removes %v, want %v", c.Verification.Removes, want)
	}
	if plan.All == nil || len(plan.All.Unresolved) > 0 {
		t.Errorf("all changes together leave findings: %+v", plan.All)
	}
}

func loadDemo(t *testing.T) *azurecloud.Snapshot {
	t.Helper()
	providers, _, _, err := analyzer.Load(context.Background(), demoOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range providers {
		if s, ok := p.(*azurecloud.Snapshot); ok {
			return s
		}
	}
	t.Fatal("no Azure plug-in")
	return nil
}

func TestApplyChecksArtifacts(t *testing.T) {
	plan, _ := remediateDemo(t)
	for _, c := range plan.Changes {
		if err := loadDemo(t).Apply(c); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
	}
	c := change(t, plan, azurecloud.KindCustomRole, subShop+" assignment of Contributor to "+shopDevs)
	var r map[string]any
	json.Unmarshal([]byte(c.After), &r)
	for name, edit := range map[string]func(map[string]any){
		"no assignable scopes":  func(m map[string]any) { m["AssignableScopes"] = []string{} },
		"root assignable scope": func(m map[string]any) { m["AssignableScopes"] = []string{"/"} },
		"another subscription": func(m map[string]any) {
			m["AssignableScopes"] = []string{"/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e"}
		},
		"two management groups": func(m map[string]any) {
			m["AssignableScopes"] = []string{mgPlatform, subShop, "/providers/Microsoft.Management/managementGroups/mg-x"}
		},
		"data actions at a mgmt grp": func(m map[string]any) {
			m["DataActions"] = []string{"x/y"}
			m["AssignableScopes"] = []string{mgPlatform, subShop}
		},
		"an unknown field": func(m map[string]any) { m["permissions"] = []string{} },
		"no name":          func(m map[string]any) { m["Name"] = "" },
	} {
		m := map[string]any{}
		for k, v := range r {
			m[k] = v
		}
		edit(m)
		b, _ := json.Marshal(m)
		bad := c
		bad.After = string(b)
		if err := loadDemo(t).Apply(bad); err == nil {
			t.Errorf("%s: the custom role is accepted", name)
		}
	}
	s := loadDemo(t)
	if err := s.Apply(c); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(c); err == nil {
		t.Error("the assignment was switched twice")
	}
	n := change(t, plan, azurecloud.KindAssignmentNarrow, mgPlatform+" assignment of Image Builder Operator to "+omar)
	bad := n
	bad.After = `[{"principalId": "x"}]`
	if err := loadDemo(t).Apply(bad); err == nil {
		t.Error("an assignment without role and scope is accepted")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestAssignmentNarrowToGallery: a gallery is not in any resource list of
// the inputs, but assignments are scoped to it; an approved glob naming it
// moves a resource-group assignment there.
func TestAssignmentNarrowToGallery(t *testing.T) {
	const kai = "7727569e-48a8-41fe-a635-0555772804fd"
	gallery := "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.Compute/galleries/galNorthwindGolden"
	opts := demoOptions(t)
	data := filepath.Join(t.TempDir(), "gallery.yaml")
	os.WriteFile(data, []byte("imagewarden:\n  approved_publishers:\n    - principal: \""+kai+"\"\n      resources: [\"*/galleries/galNorthwindGolden\"]\n"), 0o644)
	opts.DataFiles = []string{data}
	plan, _, err := analyzer.Remediate(context.Background(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := change(t, plan, azurecloud.KindAssignmentNarrow, "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images assignment of User Access Administrator to "+kai)
	if c.Params["resources"] != gallery {
		t.Errorf("moved to %q, want %s", c.Params["resources"], gallery)
	}
	checkResolved(t, c)
}
