package azurecloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// isData tells data actions from actions: the repository operations of
// Container Registry are data actions.
func isData(op string) bool {
	return strings.Contains(strings.ToLower(op), "microsoft.containerregistry/registries/repositories/")
}

type action struct {
	entry   catalog.Entry
	pattern string // lower case, placeholders as *
	data    bool
}

func prepare(entries []catalog.Entry) []action {
	var out []action
	for _, e := range entries {
		out = append(out, action{entry: e, pattern: strings.ToLower(e.Pattern(nil)), data: isData(e.Action)})
	}
	return out
}

// registryHonours applies a registry's permission mode: in ABAC mode the
// repository data actions decide pushes and the control-plane push, pull and
// delete of AcrPush/AcrDelete are not honoured; in classic mode the data
// actions are not used. The admin user's credentials push only when it is
// enabled.
func registryHonours(r *registry, op string) bool {
	if r.gallery {
		return true
	}
	lop := strings.ToLower(op)
	abac := r.mode == abacMode
	switch {
	case isData(op):
		return abac
	case lop == "microsoft.containerregistry/registries/push/write", lop == "microsoft.containerregistry/registries/artifacts/delete":
		return !abac
	case lop == "microsoft.containerregistry/registries/listcredentials/action":
		return r.adminUser
	}
	return true
}

// scopes are the scopes of the assignments that reach the identity.
func (s *Snapshot) scopes(id *azure.Identity) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range s.assignmentsOf(id) {
		sc := azure.NormalizeScope(a.Scope)
		if !seen[sc] {
			seen[sc] = true
			out = append(out, a.Scope)
		}
	}
	sort.Strings(out)
	return out
}

// decide decides with the identity's own assignments (mine), found once
// per identity rather than once per operation.
func (s *Snapshot) decide(id *azure.Identity, mine []azure.Assignment, op string, data bool, scope string) azure.Result {
	return azure.Decide(&azure.Request{Identity: id, Operation: op, Data: data, Scope: scope, Ancestors: s.ancestors(scope)}, mine, s.roles, s.denies)
}

func (s *Snapshot) target(r azure.Result, resource string, known, all bool) (model.Target, bool) {
	access, ok := model.AccessOf(r.Allowed)
	if !ok {
		return model.Target{}, false
	}
	t := model.Target{Resource: resource, Known: known, All: all, Access: access}
	for _, g := range r.Grants {
		gr := s.grantOf(&g.Assignment, g.Role)
		if g.Match == tri.Unknown {
			gr.Conditional = true
			gr.Conditions = []string{g.Assignment.Condition}
		}
		t.Via = append(t.Via, gr)
	}
	return t, true
}

// WhoCan decides one operation for every principal, on the scope given or
// at every scope where the principal holds an assignment.
func (s *Snapshot) WhoCan(op, resource string) []model.Answer {
	s.resolvePIM()
	data := isData(op)
	var out []model.Answer
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		var best *model.Answer
		try := func(scope string, all bool) {
			if reg, ok := s.registries[azure.NormalizeScope(scope)]; ok && !registryHonours(reg, op) {
				return
			}
			t, ok := s.target(s.decide(id, mine, op, data, scope), s.name(azure.NormalizeScope(scope)), false, all)
			if !ok {
				return
			}
			if best == nil || (best.Access == model.Conditional && t.Access == model.Allowed) {
				best = &model.Answer{ID: p.id, Cloud: cloudName, Kind: p.kind, Name: p.name, Access: t.Access, Resource: scope, Via: t.Via}
			}
		}
		if resource != "" {
			try(resource, false)
		} else {
			for _, sc := range s.scopes(id) {
				try(sc, true)
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}
