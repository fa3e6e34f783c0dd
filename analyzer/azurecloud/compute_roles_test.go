package azurecloud

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"sort"
	"testing"

	"github.com/imagewarden/imagewarden/policies/azure"
)

var updateComputeRoles = flag.Bool("update-compute-roles", false, "rewrite compute_roles.json from the built-in role definitions")

// builtinRoleDefinitions is the public snapshot of the built-in role
// definitions (az role definition list) the built-in role table is made
// from.
const builtinRoleDefinitions = "../../../shared/datasets/azure-builtin-role-definitions.json"

// TestComputeRolesTable recomputes compute_roles.json from the built-in
// role definitions and fails when it is stale: every built-in role that
// grants an operation of a compute takeover and is not in the built-in
// role table, with its permission blocks as published.
func TestComputeRolesTable(t *testing.T) {
	raw, err := os.ReadFile(builtinRoleDefinitions)
	if err != nil {
		t.Skipf("no built-in role definitions: %v", err)
	}
	var defs []struct {
		Name        string             `json:"name"`
		RoleName    string             `json:"roleName"`
		Permissions []azure.Permission `json:"permissions"`
	}
	if err := json.Unmarshal(raw, &defs); err != nil {
		t.Fatal(err)
	}
	builtinTables.once.Do(parseBuiltinTables)
	inTable := map[string]bool{}
	for _, r := range builtinTables.roles {
		inTable[r.key] = true
	}
	out := []computeRole{}
	for _, d := range defs {
		if inTable[azure.RoleKey(d.Name)] {
			continue
		}
		role := &azure.Role{Permissions: d.Permissions}
		for _, o := range takeoverOps() {
			if role.Grants(o.op, o.data) {
				out = append(out, computeRole{ID: d.Name, Name: d.RoleName, Permissions: d.Permissions})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	want, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *updateComputeRoles {
		if err := os.WriteFile("compute_roles.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(want, computeRolesJSON) {
		t.Errorf("compute_roles.json is stale: go test ./analyzer/azurecloud -run TestComputeRolesTable -update-compute-roles")
	}
}
