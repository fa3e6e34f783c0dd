package azurecloud

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Apply replays a remediation change on the loaded inputs, before
// evaluation. A custom role is read as az role definition create reads it
// (one permission block, assignableScopes required and covering the
// assignment); new assignments are read by the plug-in's reader of
// az role assignment list output.
func (s *Snapshot) Apply(c remediate.Change) error {
	if err := remediate.CheckCloud(c, cloudName, "an Azure"); err != nil {
		return err
	}
	s.ix = nil // the change edits what the index was compiled from
	p := c.Params
	switch c.Kind {
	case KindCustomRole:
		var r customRole
		if err := remediate.DecodeArtifact(c, "the custom role", &r); err != nil {
			return err
		}
		if err := checkCustomRole(&r); err != nil {
			return err
		}
		covered := false
		for _, sc := range r.AssignableScopes {
			if azure.Within(p["scope"], sc) {
				covered = true
			}
		}
		if !covered {
			return fmt.Errorf("the custom role's assignableScopes %v do not include %s", r.AssignableScopes, p["scope"])
		}
		id := p["custom_role_id"]
		if id == "" {
			return fmt.Errorf("custom_role_id is required")
		}
		s.roles[azure.RoleKey(id)] = &azure.Role{ID: id, Name: r.Name, Permissions: []azure.Permission{{Actions: r.Actions, NotActions: r.NotActions, DataActions: r.DataActions, NotDataActions: r.NotDataActions}}}
		i, err := s.findAssignment(p)
		if err != nil {
			return err
		}
		s.assignments[i].RoleID = id
		s.byPrincipal = nil
		return nil
	case KindAssignmentNarrow:
		var docs []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.After), &docs); err != nil {
			return fmt.Errorf("the assignments after the change: %v", err)
		}
		i, err := s.findAssignment(p)
		if err != nil {
			return err
		}
		s.assignments = append(s.assignments[:i:i], s.assignments[i+1:]...)
		doc := &model.Document{Items: docs}
		if len(docs) == 0 || s.Recognize(doc) != FormatAssignments {
			return fmt.Errorf("the assignments after the change are not role assignments")
		}
		before := len(s.warnings)
		if err := s.Load("remediation "+c.ID, FormatAssignments, doc); err != nil {
			return err
		}
		if len(s.warnings) > before {
			return fmt.Errorf("the assignments after the change: %s", s.warnings[before].Message)
		}
		s.byPrincipal, s.ancestorCache = nil, nil
		return nil
	case KindEligibleRemove:
		return s.applyEligibleRemove(c)
	case KindFederatedPin:
		return s.applyFederatedPin(c)
	}
	return remediate.UnknownKind(c)
}

// checkCustomRole holds a custom role to what Azure accepts.
func checkCustomRole(r *customRole) error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("the custom role has no Name")
	case len(r.Name) > MaxRoleNameLength:
		return fmt.Errorf("the custom role's Name is longer than %d characters", MaxRoleNameLength)
	case len(r.AssignableScopes) == 0:
		return fmt.Errorf("the custom role has no AssignableScopes (required)")
	case len(r.Actions)+len(r.DataActions) == 0:
		return fmt.Errorf("the custom role grants nothing")
	}
	mgs := 0
	for _, sc := range r.AssignableScopes {
		n := azure.NormalizeScope(sc)
		if n == "/" {
			return fmt.Errorf("the root scope / cannot be an assignable scope of a custom role")
		}
		if strings.HasPrefix(n, "/providers/microsoft.management/managementgroups/") {
			mgs++
		}
	}
	if mgs > 1 {
		return fmt.Errorf("a custom role can have only one management group among its assignable scopes")
	}
	if mgs > 0 && len(r.DataActions) > 0 {
		return fmt.Errorf("a custom role with dataActions cannot have a management group as an assignable scope")
	}
	return nil
}

// MaxRoleNameLength bounds a custom role's name (roleName, 1 to 512
// characters in the ARM schema).
const MaxRoleNameLength = 512

// findAssignment finds the assignment a change names: principal, role and
// scope (and condition).
func (s *Snapshot) findAssignment(p map[string]string) (int, error) {
	for i, a := range s.assignments {
		if s.eligibilityOf(&a) != nil {
			continue // eligible (PIM): not an active assignment
		}
		if strings.EqualFold(a.PrincipalID, p["principal"]) && azure.RoleKey(a.RoleID) == azure.RoleKey(p["role"]) &&
			azure.NormalizeScope(a.Scope) == azure.NormalizeScope(p["scope"]) && a.Condition == p["condition"] {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no assignment of role %s to %s at %s in the inputs", p["role"], p["principal"], p["scope"])
}

// otherOperation stands, in a universe, for the operations a wildcard
// grants that neither the catalog nor any role names.
const otherOperation = "ImagewardenOtherOperation"

// Universe lists, for every principal, the operations Removes probes at
// each scope where it (or a group it is in) holds an assignment: every
// operation its roles' actions and dataActions name literally; for each
// wildcard, the catalog operations it covers plus one made-up operation
// standing for the rest.
func (s *Snapshot) Universe() map[string][]remediate.Permission {
	out := map[string][]remediate.Permission{}
	var catalogOps []string
	if s.cat != nil {
		for _, e := range s.cat.ForCloud(cloudName) {
			catalogOps = append(catalogOps, e.Action)
		}
	}
	ix := s.compiled(s.cat)
	ix.prepareSubjects()
	for _, sub := range ix.subjects {
		set := map[remediate.Permission]bool{}
		for _, a := range sub.mine {
			info := &ix.assign[a]
			if info.role < 0 {
				continue
			}
			scope := ix.scopes[info.scope].name
			for _, op := range ix.universeActions(info.role, catalogOps) {
				set[remediate.Permission{Action: op, Resource: scope}] = true
			}
		}
		if len(set) == 0 {
			continue
		}
		l := make([]remediate.Permission, 0, len(set))
		for p := range set {
			l = append(l, p)
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Resource != l[j].Resource {
				return l[i].Resource < l[j].Resource
			}
			return l[i].Action < l[j].Action
		})
		out[sub.id] = l
	}
	return out
}

// Holds decides an operation of a principal at a scope (allowed or
// conditional), as an action or as a data action, on the index
// (probe.go).
func (s *Snapshot) Holds(principal string, perm remediate.Permission) bool {
	ix := s.compiled(s.cat)
	sub := ix.subjectFor(strings.ToLower(principal))
	scope := perm.Resource
	if scope == "" {
		scope = "/"
	}
	v := ix.probeView(sub, azure.NormalizeScope(scope))
	for _, data := range []bool{false, true} {
		if ix.holds(sub, v, ix.probeOp(perm.Action, data)) {
			return true
		}
	}
	return false
}
