package rego

import (
	"encoding/json"
	"io/fs"
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestAzureBuiltinRoleNames: the list of built-in role ids is exactly the
// dataset's.
func TestAzureBuiltinRoleNames(t *testing.T) {
	const dataset = "../../shared/datasets/azure-builtin-role-definitions.json"
	b, err := os.ReadFile(dataset)
	if err != nil {
		t.Skipf("%s absent (../shared exists only in the imagewarden workplace)", dataset)
	}
	var roles []struct{ Name, RoleName string }
	if err := json.Unmarshal(b, &roles); err != nil {
		t.Fatal(err)
	}
	tb, err := fs.ReadFile(FS, "tables/azure-builtin-role-names.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Roles map[string]string `yaml:"roles"`
	}
	if err := yaml.Unmarshal(tb, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Roles) != len(roles) {
		t.Errorf("table has %d roles, dataset %d", len(table.Roles), len(roles))
	}
	for _, r := range roles {
		if table.Roles[r.Name] != r.RoleName {
			t.Errorf("%s: table says %q, dataset %q", r.Name, table.Roles[r.Name], r.RoleName)
		}
	}
}
