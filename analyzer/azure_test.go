package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	azureDemo   = "../testdata/demo/azure"
	acrGolden   = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.ContainerRegistry/registries/acrnwgolden"
	acrShop     = "/subscriptions/22222222-bbbb-4c6d-9e0f-1a2b3c4d5e6f/resourceGroups/rg-shop/providers/Microsoft.ContainerRegistry/registries/acrnwshop"
	gallery     = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.Compute/galleries/galNorthwindGolden"
	azOmar      = "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173"
	azInes      = "851f17f1-97f5-4c09-b775-3499eb5ded0d"
	azLena      = "db08006b-1d0c-4e4c-aed1-9e34752d3977"
	azPia       = "77628d62-321b-4cbe-9a5d-854af338674c"
	azShopCI    = "79d0d21d-1eb7-40ad-873d-15f7dea518f8"
	azPipeline  = "fe8fe175-51c9-4850-96bb-ecfbeb6c8a2c"
	azQuentin   = "71c76891-ad4a-445a-947c-8815f43e4762"
	azForeignGr = "2023ea28-2206-4f86-92ec-99b35302f626"
)

func whoCanAzure(t *testing.T, op, resource string) map[string]model.Answer {
	t.Helper()
	res, err := WhoCan(Options{Paths: []string{azureDemo}}, op, resource)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Answer{}
	for _, a := range res.Principals {
		out[a.ID] = a
	}
	return out
}

// TestAzureSemantics: each rule of Azure RBAC has a case that fails when
// the rule is removed.
func TestAzureSemantics(t *testing.T) {
	push := "Microsoft.ContainerRegistry/registries/push/write"
	t.Run("inheritance across management groups", func(t *testing.T) {
		got := whoCanAzure(t, push, acrGolden)
		if _, ok := got[azOmar]; !ok {
			t.Error("omar's custom role on mg-platform should reach the registry in sub-platform")
		}
		if _, ok := got[azInes]; !ok {
			t.Error("ines (Owner on mg-northwind through a group) should reach it")
		}
	})
	t.Run("notActions", func(t *testing.T) {
		got := whoCanAzure(t, "Microsoft.Authorization/roleAssignments/write", acrGolden)
		if _, ok := got[azOmar]; ok {
			t.Error("omar's custom role excludes Microsoft.Authorization/*")
		}
		if _, ok := got[azInes]; !ok {
			t.Error("Owner can write role assignments")
		}
	})
	t.Run("ABAC registry: AcrPush is not honoured, repository data actions are", func(t *testing.T) {
		if _, ok := whoCanAzure(t, push, acrShop)[azLena]; ok {
			t.Error("lena's AcrPush on an ABAC-mode registry does not push")
		}
		data := whoCanAzure(t, "Microsoft.ContainerRegistry/registries/repositories/content/write", acrShop)
		a, ok := data[azShopCI]
		if !ok || a.Access != model.Conditional {
			t.Errorf("sp-shop-ci pushes through the repository data action, conditionally: %+v", a)
		}
		if ok && (len(a.Via) == 0 || !strings.Contains(strings.Join(a.Via[0].Conditions, " "), "StringStartsWith")) {
			t.Errorf("the ABAC condition should be shown: %+v", a.Via)
		}
		if _, ok := whoCanAzure(t, "Microsoft.ContainerRegistry/registries/repositories/content/write", acrGolden)[azShopCI]; ok {
			t.Error("data actions do not apply to a classic-mode registry")
		}
	})
	t.Run("deny assignment with exclusion", func(t *testing.T) {
		got := whoCanAzure(t, "Microsoft.Compute/galleries/images/versions/write", gallery+"/images/ubuntu-2204-golden/versions/1.0.0")
		if _, ok := got[azInes]; ok {
			t.Error("the deny assignment stops ines writing gallery image versions")
		}
		if _, ok := got[azPipeline]; !ok {
			t.Error("the pipeline is excluded from the deny assignment")
		}
	})
	t.Run("group expansion through a nested group", func(t *testing.T) {
		if _, ok := whoCanAzure(t, "Microsoft.Compute/images/write", "/subscriptions/22222222-bbbb-4c6d-9e0f-1a2b3c4d5e6f/resourceGroups/rg-shop/providers/Microsoft.Compute/images/x")[azPia]; !ok {
			t.Error("pia is in grp-shop-frontend, inside grp-shop-devs (Contributor on sub-shop)")
		}
	})
	t.Run("scopes compare case-insensitively", func(t *testing.T) {
		if _, ok := whoCanAzure(t, push, strings.ToUpper(acrGolden))[azOmar]; !ok {
			t.Error("an upper-case scope names the same registry")
		}
	})
	t.Run("readers and outsiders", func(t *testing.T) {
		rep, err := Analyze(context.Background(), Options{Paths: []string{azureDemo}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if f.PrincipalID == azQuentin {
				t.Errorf("quentin only reads: %s", f.Message)
			}
		}
		if f := findFinding(rep, azForeignGr, "image.push"); f == nil || f.RuleID != "IW-002" {
			t.Errorf("the foreign group's Contributor role is an outside writer: %+v", f)
		}
		for _, w := range rep.Warnings {
			if strings.Contains(w.Message, "acdd72a7") {
				t.Errorf("Reader is a built-in role and should not be reported as unknown: %s", w.Message)
			}
		}
	})
}

func TestAzureBadInputs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "assignments.json"), []byte(`[
  {"principalId": "u1", "principalName": "ok@example.com", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec", "scope": "/subscriptions/s1"},
  {"principalId": "u2", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"},
  {"principalId": "u3", "principalType": "User", "roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555", "scope": "/subscriptions/s1"}
]`), 0o644)
	os.WriteFile(filepath.Join(dir, "truncated.json"), []byte(`{"value": [{"properties": {"principalId": "x"`), 0o644)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range rep.Warnings {
		all = append(all, w.Where+": "+w.Message)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"assignments.json: [1]", "without principalId, roleDefinitionId or scope", "11111111-2222-3333-4444-555555555555"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings should mention %q:\n%s", want, joined)
		}
	}
	for _, s := range rep.Inputs {
		if filepath.Base(s.Path) == "truncated.json" && !strings.Contains(s.Error, "truncated") {
			t.Errorf("truncated.json: %q", s.Error)
		}
	}
	if findFinding(rep, "u1", "image.push") == nil {
		t.Error("the valid assignment is still analysed")
	}
}
