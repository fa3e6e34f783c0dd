package azurecloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// An admin node (a principal that can assign itself any role at a scope)
// holds what that gives at the scope and below, and nothing elsewhere by
// itself (AdminHolds). The real ways out are the user-assigned managed
// identities under the scope that hold role assignments elsewhere: the
// admin can attach such an identity to compute it creates and run code as
// it. adminBridgeEdges draws those edges, decided with the deny
// assignments that still apply to the admin.
func (s *Snapshot) adminBridgeEdges(edges []model.Edge) []model.Edge {
	names := model.AdminTargets(edges)
	if len(names) == 0 || len(s.identities) == 0 {
		return nil
	}
	resources := make([]string, 0, len(s.identities))
	for res := range s.identities {
		resources = append(resources, res)
	}
	sort.Strings(resources)
	anyRole := map[string]*azure.Role{"any": {Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}}
	var out []model.Edge
	for _, admin := range names {
		_, scope, principal, _ := model.ParseAdminNode(admin)
		norm := azure.NormalizeScope(scope)
		id := s.identity(principal)
		grant := []azure.Assignment{{PrincipalID: id.ID, RoleID: "any", Scope: norm}}
		for _, res := range resources {
			mi := s.identities[res]
			if mi == strings.ToLower(principal) || !s.within(res, norm) || !s.assignedOutside(mi, norm) {
				continue
			}
			rg := res
			if i := strings.Index(rg, "/providers/"); i > 0 {
				rg = rg[:i]
			}
			assign := azure.Decide(&azure.Request{Identity: id, Operation: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", Scope: res, Ancestors: s.ancestors(res)}, grant, anyRole, s.denies)
			if assign.Allowed == tri.False {
				continue
			}
			for _, op := range computeWrites {
				c := azure.Decide(&azure.Request{Identity: id, Operation: op, Scope: rg, Ancestors: s.ancestors(rg)}, grant, anyRole, s.denies)
				if c.Allowed == tri.False {
					continue
				}
				out = append(out, model.Edge{From: admin, To: mi, Cloud: cloudName, Kind: "admin-takeover",
					Permissions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", op},
					Conditional: assign.Allowed == tri.Unknown || c.Allowed == tri.Unknown,
					Note:        "as an administrator of " + scope + ", can attach the managed identity " + s.name(res) + " to compute it creates; the identity holds roles outside " + scope})
				break
			}
		}
	}
	return out
}

// within reports whether a scope is norm or lies below it.
func (s *Snapshot) within(scope, norm string) bool {
	for _, a := range s.ancestors(scope) {
		if a == norm {
			return true
		}
	}
	return false
}

// assignedOutside reports whether a principal (or a group it is in) holds
// a role assignment at a scope that is not norm and not below it.
func (s *Snapshot) assignedOutside(principal, norm string) bool {
	for _, a := range s.assignmentsOf(s.identity(principal)) {
		if !s.within(a.Scope, norm) {
			return true
		}
	}
	return false
}
