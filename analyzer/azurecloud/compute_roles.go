package azurecloud

import (
	_ "embed"
	"encoding/json"

	"github.com/imagewarden/imagewarden/policies/azure"
)

// computeRolesJSON holds the built-in roles that grant an operation of a
// compute takeover (computeKinds) and no catalog operation, with their
// permission blocks: the built-in role table (BuiltinRolesFile) lists only
// the roles that grant an image operation, so without these, Virtual
// Machine Administrator Login or Automation Contributor would grant no
// takeover. Generated from the public built-in role definitions by
// TestComputeRolesTable (go test ./analyzer/azurecloud -run
// TestComputeRolesTable -update-compute-roles).
//
//go:embed compute_roles.json
var computeRolesJSON []byte

type computeRole struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Permissions []azure.Permission `json:"permissions"`
}

var computeRoles = func() []computeRole {
	var out []computeRole
	if err := json.Unmarshal(computeRolesJSON, &out); err != nil {
		panic("compute_roles.json: " + err.Error()) // embedded and tested: cannot happen at run time
	}
	return out
}()

// addComputeRoles gives the built-in roles of computeRoles their
// permissions, when the built-in role table has none for them.
func (s *Snapshot) addComputeRoles() {
	for _, r := range computeRoles {
		key := azure.RoleKey(r.ID)
		if cur, ok := s.roles[key]; ok && len(cur.Permissions) > 0 {
			continue
		}
		s.roles[key] = &azure.Role{ID: r.ID, Name: r.Name, Permissions: clonePermissions(r.Permissions)}
		if s.builtin == nil {
			s.builtin = map[string]bool{}
		}
		s.builtin[key] = true
	}
}
