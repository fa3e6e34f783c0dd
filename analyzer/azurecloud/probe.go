package azurecloud

import (
	"strings"
	"sync"

	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// probes are the remediation's questions (Holds, Universe, Plan's
// assignments) answered on the index: the remediation asks them of fresh,
// unevaluated snapshots with changes applied, about operations the index
// was not built for (every action a role names, made-up ones standing for
// wildcards), so each such operation is decided once per role and once
// per deny assignment when first asked, as the index does for its own.
// The reference test compares them with the former per-request code
// (azure.Decide) on generated tenants.
type probes struct {
	mu  sync.Mutex
	ops map[opKey]*probeOp
	// actions[r] is what a universe probes for role row r: the operations
	// its actions and dataActions name, made once per role.
	actions map[int32][]string
}

// probeOp is one operation decided for every role row and deny assignment.
type probeOp struct {
	roles  []tri.Tri // by role row
	denies []bool    // by deny assignment: its permissions cover the operation
}

// probeOp returns the decisions of an operation, from the index's own
// rows when it was built for it.
func (ix *index) probeOp(op string, data bool) *probeOp {
	k := opKey{op, data}
	ix.probe.mu.Lock()
	defer ix.probe.mu.Unlock()
	if po, ok := ix.probe.ops[k]; ok {
		return po
	}
	if ix.probe.ops == nil {
		ix.probe.ops = map[opKey]*probeOp{}
	}
	po := &probeOp{roles: make([]tri.Tri, len(ix.roleRows)), denies: make([]bool, len(ix.denies))}
	if o, ok := ix.opID[k]; ok {
		for r, row := range ix.roleRows {
			po.roles[r] = row[o]
		}
		for d := range ix.denies {
			po.denies[d] = ix.denies[d].grants[o]
		}
	} else {
		for r, role := range ix.roleOf {
			po.roles[r] = role.Access(op, data)
		}
		for d, da := range ix.s.denies {
			probe := azure.Role{Permissions: da.Permissions}
			po.denies[d] = probe.Grants(op, data)
		}
	}
	ix.probe.ops[k] = po
	return po
}

// probeView is the subject's view of a scope (normalised), which need not
// be one the index numbered: then only its ancestors that are numbered
// (all assignments and deny assignments are at numbered scopes) count.
func (ix *index) probeView(sub *subject, norm string) *view {
	if t, ok := ix.scopeID[norm]; ok {
		return ix.view(sub, t)
	}
	v := &view{}
	seen := map[int32]bool{}
	for _, a := range ix.s.computeAncestors(norm) {
		id, ok := ix.scopeID[azure.NormalizeScope(a)]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		v.reach = append(v.reach, sub.at[id]...)
		for _, d := range ix.scopes[id].denyAt {
			if !ix.denies[d].children {
				continue // applies at its own scope only, which is not this one
			}
			if ix.covers(sub, d) {
				v.denies = append(v.denies, d)
			}
		}
	}
	return v
}

// holds is azure.Decide's Allowed != tri.False for the view's target.
func (ix *index) holds(sub *subject, v *view, po *probeOp) bool {
	allow := tri.False
	for _, pos := range v.reach {
		r := sub.role[pos]
		if r < 0 {
			continue
		}
		m := po.roles[r]
		if m == tri.False {
			continue
		}
		if sub.cond[pos] {
			m = m.And(tri.Unknown)
		}
		if allow = allow.Or(m); allow != tri.False {
			break
		}
	}
	if allow == tri.False {
		return false
	}
	for _, d := range v.denies {
		if po.denies[d] {
			return false
		}
	}
	return true
}

// universeActions lists what a universe probes for role row r: every
// operation the role's actions and dataActions name literally; for each
// wildcard, the catalog operations it covers plus one made-up operation
// standing for the rest.
func (ix *index) universeActions(r int32, catalogOps []string) []string {
	ix.probe.mu.Lock()
	defer ix.probe.mu.Unlock()
	if l, ok := ix.probe.actions[r]; ok {
		return l
	}
	if ix.probe.actions == nil {
		ix.probe.actions = map[int32][]string{}
	}
	var out []string
	for _, blk := range ix.roleOf[r].Permissions {
		for _, pat := range append(append([]string{}, blk.Actions...), blk.DataActions...) {
			if !strings.ContainsAny(pat, "*?") {
				out = append(out, pat)
				continue
			}
			for _, op := range catalogOps {
				if azure.MatchOperation(pat, op) {
					out = append(out, op)
				}
			}
			out = append(out, strings.NewReplacer("*", otherOperation, "?", "X").Replace(pat))
		}
	}
	ix.probe.actions[r] = out
	return out
}
