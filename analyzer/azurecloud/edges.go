package azurecloud

import (
	"slices"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// edges: a principal that can write role assignments at a scope can make
// itself anything there (the scope's admin node). Principals are decided
// in parallel on the compiled index; each kind of edge is gathered in
// principal order.
func (s *Snapshot) edges() []model.Edge {
	ix := s.compiled(nil)
	ix.prepareSubjects()
	assignments := make([][]model.Edge, len(ix.subjects))
	identities := make([][]model.Edge, len(ix.subjects))
	definitions := make([][]model.Edge, len(ix.subjects))
	takeovers := make([][]model.Edge, len(ix.subjects))
	par.For(len(ix.subjects), func(i int) {
		sub := ix.subjects[i]
		assignments[i] = ix.roleAssignmentEdges(sub)
		identities[i] = ix.identityEdges(sub)
		definitions[i] = ix.roleDefinitionEdges(sub)
		takeovers[i] = ix.takeoverEdges(sub)
		sub.views = nil
	})
	var out []model.Edge
	for _, l := range [][][]model.Edge{assignments, identities, definitions, takeovers} {
		for _, e := range l {
			out = append(out, e...)
		}
	}
	out = append(out, ix.adminBridgeEdges(out)...)
	out = append(out, ix.adminComputeEdges(out)...)
	out = append(out, s.federationEdges()...)
	return model.MergeEdges(out)
}

func (ix *index) roleAssignmentEdges(sub *subject) []model.Edge {
	var out []model.Edge
	o := ix.opID[opKey{opRoleAssignmentsWrite, false}]
	for _, t := range sub.held {
		v := ix.view(sub, t)
		allowed := ix.allowed(sub, v, o)
		if allowed == tri.False {
			continue
		}
		name := ix.scopes[t].name
		tg, _ := ix.target(sub, v, o, name, false, true)
		out = append(out, model.Edge{From: sub.id, To: model.AdminNode(cloudName, name, sub.id), Cloud: cloudName,
			Kind: "role-assignment", Permissions: []string{opRoleAssignmentsWrite}, Via: tg.Via,
			Conditional: allowed == tri.Unknown, Note: "can assign itself any role at the scope and below"})
	}
	return out
}

// roleDefinitionEdges: a principal that can write the definition of a
// custom role assigned to it can add any operation to the role, at every
// scope of that assignment.
func (ix *index) roleDefinitionEdges(sub *subject) []model.Edge {
	var out []model.Edge
	o := ix.opID[opKey{opRoleDefinitionsWrite, false}]
	for _, ai := range sub.mine {
		a := &ix.assign[ai]
		if !a.custom {
			continue // built-in roles cannot be changed
		}
		v := ix.view(sub, a.scope)
		allowed := ix.allowed(sub, v, o)
		if allowed == tri.False {
			continue
		}
		name := ix.scopes[a.scope].name
		tg, _ := ix.target(sub, v, o, name, false, true)
		out = append(out, model.Edge{From: sub.id, To: model.AdminNode(cloudName, name, sub.id), Cloud: cloudName, Kind: "role-definition",
			Permissions: []string{opRoleDefinitionsWrite}, Via: tg.Via, Conditional: allowed == tri.Unknown,
			Note: "can add any operation to " + a.grant.Statement + ", which is assigned to it at " + name})
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
func (ix *index) identityEdges(sub *subject) []model.Edge {
	assign := ix.opID[opKey{opAssignIdentity, false}]
	if !sub.grants[assign] {
		return nil
	}
	// The identities under the scopes it holds, in resource order.
	var reached []int32
	for _, h := range sub.held {
		reached = append(reached, ix.identsUnder[h]...)
	}
	slices.Sort(reached)
	reached = slices.Compact(reached)
	var out []model.Edge
	for _, i := range reached {
		mi := &ix.idents[i]
		if sub.id == mi.principal {
			continue
		}
		v := ix.view(sub, mi.scope)
		r := ix.allowed(sub, v, assign)
		if r == tri.False {
			continue
		}
		for _, op := range computeWrites {
			c := ix.allowed(sub, ix.view(sub, mi.group), ix.opID[opKey{op, false}])
			if c == tri.False {
				continue
			}
			tg, _ := ix.target(sub, v, assign, ix.scopes[mi.scope].name, true, false)
			out = append(out, model.Edge{From: sub.id, To: mi.principal, Cloud: cloudName, Kind: "assign-identity",
				Permissions: []string{opAssignIdentity, op}, Via: tg.Via,
				Conditional: r == tri.Unknown || c == tri.Unknown,
				Note:        "can attach the managed identity " + ix.scopes[mi.scope].name + " to compute it creates and run code as it"})
			break
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
	// At the admin's own scope (what the paths ask), on the index when
	// Evaluate or Edges made one.
	if ix := s.ix; ix != nil && resource == "" {
		t, known := ix.scopeID[azure.NormalizeScope(scope)]
		o, decided := ix.opID[opKey{op, isData(op)}]
		if known && decided {
			a, _ := model.AccessOf(ix.adminAllowed(ix.subjectFor(principal), t, t, o, false))
			return a
		}
	}
	return s.adminHoldsDecide(scope, principal, op, resource)
}

// adminHoldsDecide is AdminHolds with azure.Decide.
func (s *Snapshot) adminHoldsDecide(scope, principal, op, resource string) model.Access {
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
