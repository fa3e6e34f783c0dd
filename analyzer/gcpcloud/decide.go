package gcpcloud

import (
	"slices"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// evaluation is what Evaluate decides from besides the index: the catalog
// actions, which actions each resource's name
// matches, the resources below each node, and the deny nodes below each
// node.
type evaluation struct {
	ix       *evalIndex
	actions  []action
	patterns map[int32][]uint64 // resource -> the columns whose pattern names it
	resBelow [][]int32          // node -> the resources below it, in name order
	below    [][]int32          // node -> the nodes with deny rules below it, in name order (denyNodes)
	catalog  []uint64           // every column (a role row holds only the catalog's)
	cols     []int              // action -> its column (an action the catalog lists twice has one)
}

func (ix *evalIndex) evaluation(actions []action) *evaluation {
	ev := &evaluation{ix: ix, actions: actions, patterns: map[int32][]uint64{}, resBelow: make([][]int32, len(ix.names)),
		below: make([][]int32, len(ix.names)), catalog: make([]uint64, ix.width)}
	ev.cols = make([]int, len(actions))
	for i, a := range actions {
		c := ix.cols[a.entry.Action]
		ev.cols[i] = c
		ev.catalog[c/64] |= 1 << (c % 64)
	}
	for i, n := range ix.nodes {
		if n == nil {
			continue
		}
		if n.kind == "resource" {
			full := "//" + n.attrs.Service + "/" + n.attrs.Name
			m := make([]uint64, ix.width)
			bucket := n.attrs.Service == "storage.googleapis.com" && !registryBucket(n.attrs.Name)
			for i, a := range actions {
				if c := ev.cols[i]; !bucket && glob.Match(a.pattern, full) {
					m[c/64] |= 1 << (c % 64)
				}
			}
			ev.patterns[int32(i)] = m
			for a := range n.ancestors {
				if id, ok := ix.ids[a]; ok {
					ev.resBelow[id] = append(ev.resBelow[id], int32(i))
				}
			}
		}
		if len(ix.s.denies[n.name]) > 0 {
			for a := range n.ancestors {
				if id, ok := ix.ids[a]; ok {
					ev.below[id] = append(ev.below[id], int32(i))
				}
			}
		}
	}
	return ev
}

// facts decides every catalog action for one identity, as
// evaluateIdentity did with gcp.Decide: at each hierarchy node it is bound
// on, and on each resource below a binding of a role that holds a catalog
// permission (elsewhere no binding grants anything).
func (ev *evaluation) facts(sc *scratch, id *gcp.Identity) []model.Fact {
	ix := ev.ix
	v := ix.view(sc, id)
	b := model.NewFactBuilder(id.Member, cloudName)
	type tgt struct {
		node  int32
		chain []chainCover
		mask  []uint64
	}
	var scopes, reached []tgt
	for _, n := range v.bound {
		if nd := ix.nodes[n]; nd != nil && nd.kind != "resource" {
			chain := append([]chainCover(nil), ix.chainOf(sc, v, n, true)...)
			scopes = append(scopes, tgt{n, chain, ix.mask(chain)})
		}
	}
	below := len(scopes) // the scopes from here are below one outside its boundary
	for _, n := range ix.pabScopeIDs(v) {
		chain := append([]chainCover(nil), ix.chainOf(sc, v, n, true)...)
		scopes = append(scopes, tgt{n, chain, ix.mask(chain)})
	}
	var res []int32
	for _, g := range v.groups {
		if !g.bound || !ev.grants(g) {
			continue
		}
		if nd := ix.nodes[g.node]; nd != nil && nd.kind == "resource" && sc.seen[g.node] != sc.gen {
			sc.seen[g.node] = sc.gen
			res = append(res, g.node)
		}
		for _, r := range ev.resBelow[g.node] {
			if sc.seen[r] != sc.gen {
				sc.seen[r] = sc.gen
				res = append(res, r)
			}
		}
	}
	sortInt32(res)
	for _, r := range res {
		chain := ix.chainOf(sc, v, r, true)
		m := ix.mask(chain)
		any := false
		for i, w := range ev.patterns[r] {
			m[i] &= w
			any = any || m[i] != 0
		}
		if any {
			reached = append(reached, tgt{r, append([]chainCover(nil), chain...), m})
		}
	}
	for i, a := range ev.actions {
		c := ev.cols[i]
		for k, t := range scopes {
			if !hasCol(t.mask, c) || k >= below && !ix.pab.blocksAny(v.pab, ix.pabPerms[c]) {
				continue
			}
			n := ix.nodes[t.node]
			attrs := a.attrs
			r := ix.decide(sc, v, t.chain, c, t.node, &attrs)
			if tg, ok := target(r, crm+n.name, false, true); ok && !onlyThroughAllUsers(id, r) {
				tg.Except = ev.deniesBelow(sc, v, t.node, c, &attrs)
				b.Add(a.entry.Capability, a.entry.Action, tg)
			}
		}
		for _, t := range reached {
			if !hasCol(t.mask, c) {
				continue
			}
			n := ix.nodes[t.node]
			attrs := n.attrs
			r := ix.decide(sc, v, t.chain, c, t.node, &attrs)
			if tg, ok := target(r, "//"+n.attrs.Service+"/"+n.attrs.Name, true, false); ok && !onlyThroughAllUsers(id, r) {
				b.Add(a.entry.Capability, a.entry.Action, tg)
			}
		}
	}
	return b.Facts()
}

// grants reports whether some binding of the group has a role that holds a
// catalog permission.
func (ev *evaluation) grants(g coverGroup) bool {
	for _, c := range g.covers {
		row := ev.ix.roleRows[int(ev.ix.bind[c.b].role)*ev.ix.width:]
		for i, w := range ev.catalog {
			if row[i]&w != 0 {
				return true
			}
		}
	}
	return false
}

// deniesBelow lists the deny policies attached under a scope that take the
// permission away from the identity in part of it (Snapshot.deniesBelow).
func (ev *evaluation) deniesBelow(sc *scratch, v *view, scope int32, col int, attrs *gcp.ResourceAttrs) []string {
	var out []string
	for _, dn := range ev.below[scope] {
		for _, ri := range ev.ix.rulesAt[dn] {
			if ev.ix.ruleMatch(sc, v, ri, col, attrs) != tri.False {
				out = append(out, "deny "+ev.ix.rules[ri].r.Policy+" at "+ev.ix.names[dn])
			}
		}
	}
	return out
}

func sortInt32(l []int32) {
	if len(l) < 2 {
		return
	}
	// Mostly sorted already (ascending lists merged): insertion sort for
	// short ones.
	if len(l) < 32 {
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && l[j] < l[j-1]; j-- {
				l[j], l[j-1] = l[j-1], l[j]
			}
		}
		return
	}
	slices.Sort(l)
}
