package azurecloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// edges: a principal that can write role assignments at a scope can make
// itself anything there (the scope's admin node).
func (s *Snapshot) edges() []model.Edge {
	var out []model.Edge
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		for _, sc := range s.scopes(id) {
			r := s.decide(id, mine, "Microsoft.Authorization/roleAssignments/write", false, sc)
			if r.Allowed == tri.False {
				continue
			}
			t, _ := s.target(r, s.name(azure.NormalizeScope(sc)), false, true)
			out = append(out, model.Edge{From: p.id, To: model.AdminNode(cloudName, s.name(azure.NormalizeScope(sc)), p.id), Cloud: cloudName,
				Kind: "role-assignment", Permissions: []string{"Microsoft.Authorization/roleAssignments/write"}, Via: t.Via,
				Conditional: r.Allowed == tri.Unknown, Note: "can assign itself any role at the scope and below"})
		}
	}
	out = append(out, s.identityEdges()...)
	out = append(out, s.roleDefinitionEdges()...)
	out = append(out, s.adminBridgeEdges(out)...)
	return model.MergeEdges(out)
}

// roleDefinitionEdges: a principal that can write the definition of a
// custom role assigned to it can add any operation to the role, at every
// scope of that assignment.
func (s *Snapshot) roleDefinitionEdges() []model.Edge {
	var out []model.Edge
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		for _, a := range mine {
			role, ok := s.roles[azure.RoleKey(a.RoleID)]
			if !ok || s.builtin[azure.RoleKey(a.RoleID)] {
				continue // built-in roles cannot be changed
			}
			r := s.decide(id, mine, "Microsoft.Authorization/roleDefinitions/write", false, a.Scope)
			if r.Allowed == tri.False {
				continue
			}
			t, _ := s.target(r, s.name(a.Scope), false, true)
			out = append(out, model.Edge{From: p.id, To: model.AdminNode(cloudName, s.name(a.Scope), p.id), Cloud: cloudName, Kind: "role-definition",
				Permissions: []string{"Microsoft.Authorization/roleDefinitions/write"}, Via: t.Via, Conditional: r.Allowed == tri.Unknown,
				Note: "can add any operation to " + role.Name + ", which is assigned to it at " + s.name(a.Scope)})
		}
	}
	return out
}

// computeWrites are operations that start or change compute that can run
// with a user-assigned managed identity attached.
var computeWrites = []string{
	"Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachineScaleSets/write",
	"Microsoft.Web/sites/write", "Microsoft.ContainerInstance/containerGroups/write",
	"Microsoft.App/containerApps/write", "Microsoft.App/jobs/write", "Microsoft.Automation/automationAccounts/write",
}

// identityEdges: a principal that can assign a user-assigned managed
// identity and create compute in its resource group can run code as the
// identity.
func (s *Snapshot) identityEdges() []model.Edge {
	var out []model.Edge
	resources := make([]string, 0, len(s.identities))
	for res := range s.identities {
		resources = append(resources, res)
	}
	sort.Strings(resources) // edges merge in this order, keeping the first one's note
	for _, res := range resources {
		mi := s.identities[res]
		rg := res
		if i := strings.Index(rg, "/providers/"); i > 0 {
			rg = rg[:i]
		}
		for _, p := range s.principalsToDecide() {
			if p.id == mi {
				continue
			}
			id := s.identity(p.id)
			mine := s.assignmentsOf(id)
			if len(mine) == 0 {
				continue
			}
			r := s.decide(id, mine, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", false, res)
			if r.Allowed == tri.False {
				continue
			}
			for _, op := range computeWrites {
				c := s.decide(id, mine, op, false, rg)
				if c.Allowed == tri.False {
					continue
				}
				t, _ := s.target(r, s.name(res), true, false)
				out = append(out, model.Edge{From: p.id, To: mi, Cloud: cloudName, Kind: "assign-identity",
					Permissions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", op}, Via: t.Via,
					Conditional: r.Allowed == tri.Unknown || c.Allowed == tri.Unknown,
					Note:        "can attach the managed identity " + s.name(res) + " to compute it creates and run code as it"})
				break
			}
		}
	}
	return out
}

// AdminHolds decides an operation for a principal that has assigned itself
// any role at a scope: deny assignments still apply.
func (s *Snapshot) AdminHolds(admin, op, resource string) model.Access {
	_, scope, principal, ok := model.ParseAdminNode(admin)
	if !ok {
		return ""
	}
	target := scope
	if resource != "" {
		inside := false
		for _, a := range s.ancestors(resource) {
			if a == azure.NormalizeScope(scope) {
				inside = true
			}
		}
		if !inside {
			return ""
		}
		target = resource
	}
	id := s.identity(principal)
	any := map[string]*azure.Role{"any": {Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}}
	r := azure.Decide(&azure.Request{Identity: id, Operation: op, Data: isData(op), Scope: target, Ancestors: s.ancestors(target)},
		[]azure.Assignment{{PrincipalID: id.ID, RoleID: "any", Scope: azure.NormalizeScope(scope)}}, any, s.denies)
	a, _ := model.AccessOf(r.Allowed)
	return a
}
