package gcpcloud

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

var updateRunnerRoles = flag.Bool("update-runner-roles", false, "rewrite runner_roles.json from ../shared/datasets/gcp-predefined-roles.json")

// TestRunnerRolesTable: runner_roles.json lists, for every predefined role
// of the iam-dataset snapshot, exactly the compute permissions it holds.
func TestRunnerRolesTable(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "datasets", "gcp-predefined-roles.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skip("../shared/datasets/gcp-predefined-roles.json is not here: the table cannot be compared with the dataset")
	}
	var d struct {
		Roles []struct {
			Name                string   `json:"name"`
			IncludedPermissions []string `json:"includedPermissions"`
		} `json:"roles"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	wanted := map[string]bool{}
	for _, p := range computePermissions {
		wanted[p] = true
	}
	seen := map[string]bool{}
	want := map[string][]string{}
	for _, r := range d.Roles {
		for _, p := range r.IncludedPermissions {
			seen[p] = true
			if wanted[p] {
				want[r.Name] = append(want[r.Name], p)
			}
		}
		sort.Strings(want[r.Name])
		if len(want[r.Name]) == 0 {
			delete(want, r.Name)
		}
	}
	for p := range wanted {
		if !seen[p] {
			t.Errorf("%s is in no predefined role: misspelt?", p)
		}
	}
	if *updateRunnerRoles {
		b, _ := json.MarshalIndent(map[string]any{"roles": want}, "", " ")
		if err := os.WriteFile("runner_roles.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !reflect.DeepEqual(runnerRoles, want) {
		t.Errorf("runner_roles.json is stale: go test ./analyzer/gcpcloud -run TestRunnerRolesTable -update-runner-roles")
	}
	for _, role := range []string{"roles/editor", "roles/compute.instanceAdmin.v1", "roles/run.admin"} {
		if len(runnerRoles[role]) == 0 {
			t.Errorf("%s holds no compute permission in the table", role)
		}
	}
}
