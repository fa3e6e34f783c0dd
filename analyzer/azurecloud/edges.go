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
			out = append(out, model.Edge{From: p.id, To: model.AdminPrefix + "azure:" + s.name(azure.NormalizeScope(sc)), Cloud: cloudName,
				Kind: "role-assignment", Permissions: []string{"Microsoft.Authorization/roleAssignments/write"}, Via: t.Via,
				Conditional: r.Allowed == tri.Unknown, Note: "can assign itself any role at the scope and below"})
		}
	}
	return model.MergeEdges(out)
}
