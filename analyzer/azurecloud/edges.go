package azurecloud

import (
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// edges: a principal that can write role assignments at a scope can make
// itself anything there (the scope's admin node).
func (s *Snapshot) edges() []model.Edge {
	var out []model.Edge
	for _, p := range s.identities() {
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
	return model.MergeEdges(out)
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
	switch r.Allowed {
	case tri.True:
		return model.Allowed
	case tri.Unknown:
		return model.Conditional
	}
	return ""
}
