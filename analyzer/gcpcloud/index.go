package gcpcloud

import (
	"sort"
	"strings"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// evalIndex is the snapshot laid out for deciding many requests: nodes and
// bindings get small integer ids, each node's chain (itself, then its
// ancestors by name) is resolved once, each role's permissions and each
// deny rule's permissions are decided once per column (a permission the
// caller asks about), members are case-folded once and indexed by their
// lower-case form, so that an identity touches only the bindings that may
// name it. It is read-only once built and shared by the workers.
// policies/gcp.Decide stays the reference: decide gives the same Result on
// the identity's own bindings (reference_test.go).
type evalIndex struct {
	s      *Snapshot
	names  []string // every node name (and name holding bindings or deny rules), sorted
	nodes  []*node  // by id; nil for a name that is not a node
	ids    map[string]int32
	up     [][]int32 // node id -> itself, then its known ancestors in name order
	denyUp [][]int32 // node id -> the ids along up that hold deny rules

	bind     []ibinding
	byKey    map[string][]int32 // lower-case member -> bindings naming it, each once, ascending
	nonASCII []int32            // bindings with a group member EqualFold may match beyond lower case

	cols     map[string]int // permission -> column
	width    int            // words of a row
	roleID   map[string]int32
	roleRows []uint64 // role id -> row of the columns it holds (width words each)
	edgeRole []bool   // role holds, or may hold (unknown role), a permission that draws an edge to a service account

	rules    []irule
	rulesAt  [][]int32 // node id -> its deny rules
	ruleCols []uint64  // rule id -> row of the columns it denies, whoever asks

	// probed: the permissions of each role as the remediation probes see
	// them (permsOf), instead of the snapshot's table; nil in evaluation.
	probed map[string][]string

	pab      *pabView // principal access boundaries (pab.go); nil without
	pabPerms []string // column -> permission, when pab is set
}

type ibinding struct {
	node        int32
	role        int32
	b           *gcp.Binding
	members     []gcp.PreparedMember
	conditional bool
}

type irule struct {
	node        int32
	r           *gcp.DenyRule
	conditional bool
}

// buildIndex lays out the snapshot for the permissions perms (columns in
// that order, duplicates once). The ancestors must be resolved.
func (s *Snapshot) buildIndex(perms []string) *evalIndex { return s.buildIndexOf(perms, nil) }

// buildIndexOf is buildIndex with the roles' permissions from probed when
// it is not nil (a role it does not list holds none).
func (s *Snapshot) buildIndexOf(perms []string, probed map[string][]string) *evalIndex {
	ix := &evalIndex{s: s, ids: map[string]int32{}, byKey: map[string][]int32{}, cols: map[string]int{}, roleID: map[string]int32{}, probed: probed}
	set := make(map[string]bool, len(s.nodes)+len(s.bindings)+len(s.denies))
	for n := range s.nodes {
		set[n] = true
	}
	for n := range s.bindings {
		set[n] = true
	}
	for n := range s.denies {
		set[n] = true
	}
	ix.names = make([]string, 0, len(set))
	for n := range set {
		ix.names = append(ix.names, n)
	}
	sort.Strings(ix.names)
	ix.nodes = make([]*node, len(ix.names))
	for i, n := range ix.names {
		ix.ids[n] = int32(i)
		ix.nodes[i] = s.nodes[n]
	}
	for _, p := range perms {
		if _, ok := ix.cols[p]; !ok {
			ix.cols[p] = len(ix.cols)
		}
	}
	ix.width = (len(ix.cols) + 63) / 64
	colPerms := make([]string, len(ix.cols))
	for p, c := range ix.cols {
		colPerms[c] = p
	}

	// Deny rules, by node in name order.
	ix.rulesAt = make([][]int32, len(ix.names))
	for i, name := range ix.names {
		for j := range s.denies[name] {
			r := &s.denies[name][j]
			ix.rulesAt[i] = append(ix.rulesAt[i], int32(len(ix.rules)))
			ix.rules = append(ix.rules, irule{node: int32(i), r: r, conditional: r.Condition != nil && r.Condition.Expression != ""})
		}
	}
	ix.ruleCols = make([]uint64, len(ix.rules)*ix.width)
	for ri, r := range ix.rules {
		for c, p := range colPerms {
			if r.r.DeniesPermission(p) {
				ix.ruleCols[ri*ix.width+c/64] |= 1 << (c % 64)
			}
		}
	}

	// Chains: a node, then its ancestors by name, as Snapshot.chain lists
	// them (names that are not nodes hold no bindings or deny rules).
	ix.up = make([][]int32, len(ix.names))
	ix.denyUp = make([][]int32, len(ix.names))
	for i, n := range ix.nodes {
		if n == nil {
			continue
		}
		up := make([]int32, 1, len(n.ancestors)+1)
		up[0] = int32(i)
		for a := range n.ancestors {
			if id, ok := ix.ids[a]; ok {
				up = append(up, id)
			}
		}
		rest := up[1:]
		sort.Slice(rest, func(x, y int) bool { return rest[x] < rest[y] })
		ix.up[i] = up
		for _, a := range up {
			if len(ix.rulesAt[a]) > 0 {
				ix.denyUp[i] = append(ix.denyUp[i], a)
			}
		}
	}

	// Bindings, by node in name order, each node's in its order.
	for i, name := range ix.names {
		bs := s.bindings[name]
		for j := range bs {
			b := &bs[j]
			id := int32(len(ix.bind))
			ib := ibinding{node: int32(i), role: ix.role(b.Role, colPerms), b: b, members: make([]gcp.PreparedMember, len(b.Members)),
				conditional: b.Condition != nil && b.Condition.Expression != ""}
			loose := false
			for k, m := range b.Members {
				ib.members[k] = gcp.PrepareMember(m)
				key := strings.ToLower(m)
				if l := ix.byKey[key]; len(l) == 0 || l[len(l)-1] != id {
					ix.byKey[key] = append(l, id)
				}
				if ib.members[k].Kind == "group" && !isASCII(m) {
					loose = true
				}
			}
			if loose {
				ix.nonASCII = append(ix.nonASCII, id)
			}
			ix.bind = append(ix.bind, ib)
		}
	}
	ix.initPAB()
	return ix
}

// role gives a role its id, deciding its row of columns the first time.
func (ix *evalIndex) role(name string, colPerms []string) int32 {
	if id, ok := ix.roleID[name]; ok {
		return id
	}
	id := int32(len(ix.edgeRole))
	ix.roleID[name] = id
	row := make([]uint64, ix.width)
	if ix.probed != nil {
		for _, p := range ix.probed[name] {
			if c, ok := ix.cols[p]; ok {
				row[c/64] |= 1 << (c % 64)
			}
		}
	} else {
		for c, p := range colPerms {
			if has, _ := ix.s.roles.Has(name, p); has {
				row[c/64] |= 1 << (c % 64)
			}
		}
	}
	ix.roleRows = append(ix.roleRows, row...)
	edge := false
	for _, p := range saEdgePermissions {
		if has, known := ix.s.roles.Has(name, p); has || !known {
			edge = true
			break
		}
	}
	ix.edgeRole = append(ix.edgeRole, edge)
	return id
}

func (ix *evalIndex) roleHas(role int32, col int) bool {
	return ix.roleRows[int(role)*ix.width+col/64]&(1<<(col%64)) != 0
}

// orRow adds a role's row to a mask.
func (ix *evalIndex) orRow(mask []uint64, role int32) {
	row := ix.roleRows[int(role)*ix.width:]
	for i := range mask {
		mask[i] |= row[i]
	}
}

func hasCol(mask []uint64, col int) bool { return mask[col/64]&(1<<(col%64)) != 0 }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cover is a binding that covers an identity, with the member that does
// (the first of the binding's members that matches, as Decide reports it).
type cover struct {
	b      int32
	member string
}

// coverGroup is an identity's covering bindings on one node.
type coverGroup struct {
	node   int32
	bound  bool // the node is one of the identity's bound nodes (boundNodes)
	covers []cover
}

// view is one identity as the index sees it.
type view struct {
	id     *gcp.Identity
	p      gcp.PreparedIdentity
	bound  []int32 // boundNodes, in name order
	groups []coverGroup
	pab    []pabBound // the principal access boundary policies bound to it
}

// chainCover is a covering binding on a chain.
type chainCover struct {
	node int32
	cover
}

// scratch is one worker's reusable state: per-node slots of the current
// view, deny-rule principal decisions of the current identity, and
// conditions already evaluated.
type scratch struct {
	gen      uint32
	stamp    []uint32 // node -> gen when slot holds the node's group of the current view
	slot     []int32
	bstamp   []uint32 // node -> gen when bound by the current view
	seen     []uint32 // node -> gen, for unions
	who      []tri.Tri
	whoStamp []uint32
	conds    map[condKey]tri.Tri
	chain    []chainCover
	marks    []uint32 // item -> markGen when marked
	markGen  uint32
}

// mark reports whether item i is marked for the first time since markGen
// was last moved on.
func (sc *scratch) mark(i int32) bool {
	if int(i) >= len(sc.marks) {
		sc.marks = append(sc.marks, make([]uint32, int(i)+1-len(sc.marks)+len(sc.marks))...)
	}
	if sc.marks[i] == sc.markGen {
		return false
	}
	sc.marks[i] = sc.markGen
	return true
}

type condKey struct {
	expr  string
	attrs gcp.ResourceAttrs
}

func (ix *evalIndex) newScratch() *scratch {
	n := len(ix.names)
	return &scratch{stamp: make([]uint32, n), slot: make([]int32, n), bstamp: make([]uint32, n), seen: make([]uint32, n),
		who: make([]tri.Tri, len(ix.rules)), whoStamp: make([]uint32, len(ix.rules)), conds: map[condKey]tri.Tri{}}
}

// boundKeys are the index keys boundNodes looks up.
func boundKeys(id *gcp.Identity) []string {
	keys := []string{strings.ToLower(id.Member), "allusers", "allauthenticatedusers"}
	for g := range id.Groups {
		keys = append(keys, "group:"+g)
	}
	if _, e, ok := strings.Cut(id.Member, ":"); ok {
		if _, d, ok := strings.Cut(e, "@"); ok {
			keys = append(keys, "domain:"+strings.ToLower(d))
		}
	}
	if ps, ok := gcp.PoolSet(id.Member); ok {
		keys = append(keys, strings.ToLower(ps))
	}
	return keys
}

// view finds the bindings that cover the identity: those naming it, its
// groups, a domain its email is in, its pool's /* set (a federated
// subject principal), or everyone (every key under which a
// member that covers it is indexed; MemberMatches compares the lower-case
// forms, except EqualFold on groups beyond ASCII, kept apart).
func (ix *evalIndex) view(sc *scratch, id *gcp.Identity) *view {
	sc.gen++
	v := &view{id: id, p: gcp.PrepareIdentity(id), pab: ix.boundPAB(id)}
	for _, k := range boundKeys(id) {
		for _, b := range ix.byKey[k] {
			if n := ix.bind[b].node; sc.bstamp[n] != sc.gen {
				sc.bstamp[n] = sc.gen
				v.bound = append(v.bound, n)
			}
		}
	}
	sort.Slice(v.bound, func(i, j int) bool { return v.bound[i] < v.bound[j] })
	var cand []int32
	if !isASCII(id.Member) {
		cand = make([]int32, len(ix.bind))
		for i := range cand {
			cand[i] = int32(i)
		}
	} else {
		keys := []string{strings.ToLower(id.Member), "allusers", "allauthenticatedusers"}
		for g := range id.Groups {
			keys = append(keys, "group:"+g)
		}
		if v.p.PoolSet != "" {
			// a federated subject: bindings to its pool's /* set
			keys = append(keys, strings.ToLower(v.p.PoolSet))
		}
		if v.p.Kind == "user" || v.p.Kind == "group" {
			for i := 0; i < len(v.p.Email); i++ {
				if v.p.Email[i] == '@' {
					keys = append(keys, "domain:"+v.p.Email[i+1:])
				}
			}
		}
		for _, k := range keys {
			cand = append(cand, ix.byKey[k]...)
		}
		cand = append(cand, ix.nonASCII...)
		sort.Slice(cand, func(i, j int) bool { return cand[i] < cand[j] })
	}
	last := int32(-1)
	for _, b := range cand {
		if b == last {
			continue
		}
		last = b
		ib := &ix.bind[b]
		for k := range ib.members {
			if !v.p.Covers(&ib.members[k]) {
				continue
			}
			n := ib.node
			if sc.stamp[n] != sc.gen {
				sc.stamp[n] = sc.gen
				sc.slot[n] = int32(len(v.groups))
				v.groups = append(v.groups, coverGroup{node: n, bound: sc.bstamp[n] == sc.gen})
			}
			g := &v.groups[sc.slot[n]]
			g.covers = append(g.covers, cover{b: b, member: ib.members[k].Raw})
			break
		}
	}
	return v
}

// chainOf is the identity's covering bindings on the chain of node t, in
// chain order; boundOnly keeps only the bound nodes (identityChains.get).
// The slice is the scratch's, valid until the next call.
func (ix *evalIndex) chainOf(sc *scratch, v *view, t int32, boundOnly bool) []chainCover {
	out := sc.chain[:0]
	for _, n := range ix.up[t] {
		if sc.stamp[n] != sc.gen {
			continue
		}
		g := &v.groups[sc.slot[n]]
		if boundOnly && !g.bound {
			continue
		}
		for _, c := range g.covers {
			out = append(out, chainCover{node: n, cover: c})
		}
	}
	sc.chain = out
	return out
}

func (sc *scratch) cond(conds *gcp.Conditions, expr string, attrs *gcp.ResourceAttrs) tri.Tri {
	k := condKey{expr, *attrs}
	if m, ok := sc.conds[k]; ok {
		return m
	}
	m := conds.Eval(expr, attrs)
	sc.conds[k] = m
	return m
}

// ruleMatch is whether deny rule ri applies to the identity's request for
// column col (DenyRule.applies).
func (ix *evalIndex) ruleMatch(sc *scratch, v *view, ri int32, col int, attrs *gcp.ResourceAttrs) tri.Tri {
	if ix.ruleCols[int(ri)*ix.width+col/64]&(1<<(col%64)) == 0 {
		return tri.False
	}
	if sc.whoStamp[ri] != sc.gen {
		sc.whoStamp[ri] = sc.gen
		sc.who[ri] = ix.rules[ri].r.PrincipalMatch(v.id)
	}
	m := sc.who[ri]
	if m != tri.False && ix.rules[ri].conditional {
		m = m.And(sc.cond(ix.s.conds, ix.rules[ri].r.Condition.Expression, attrs))
	}
	return m
}

// decide is gcp.Decide for the identity's request for column col on node t
// with the chain of its covering bindings there. A request no binding
// grants is denied without weighing the deny rules (its Denies are left
// empty: nobody reads them).
func (ix *evalIndex) decide(sc *scratch, v *view, chain []chainCover, col int, t int32, attrs *gcp.ResourceAttrs) gcp.Result {
	var res gcp.Result
	allow := tri.False
	for _, c := range chain {
		b := &ix.bind[c.b]
		if !ix.roleHas(b.role, col) {
			continue
		}
		m := tri.True
		if b.conditional {
			m = sc.cond(ix.s.conds, b.b.Condition.Expression, attrs)
		}
		if m == tri.False {
			continue
		}
		allow = allow.Or(m)
		res.Grants = append(res.Grants, gcp.Grant{Node: ix.names[c.node], Role: b.b.Role, Member: c.member, Condition: b.b.Condition, Match: m})
	}
	if allow == tri.False {
		return res
	}
	deny := tri.False
	for _, dn := range ix.denyUp[t] {
		for _, ri := range ix.rulesAt[dn] {
			m := ix.ruleMatch(sc, v, ri, col, attrs)
			if m == tri.False {
				continue
			}
			deny = deny.Or(m)
			res.Denies = append(res.Denies, gcp.DenyHit{Node: ix.names[dn], Rule: *ix.rules[ri].r, Match: m})
		}
	}
	res.Allowed = allow.And(deny.Not())
	ix.applyPAB(v, col, t, &res)
	return res
}

// mask is the columns the roles of a chain hold.
func (ix *evalIndex) mask(chain []chainCover) []uint64 {
	m := make([]uint64, ix.width)
	for _, c := range chain {
		ix.orRow(m, ix.bind[c.b].role)
	}
	return m
}

// eachIdentity runs f for 0..n-1 on as many workers as there are
// processors, each with its own scratch; results go to slots by index, so
// their order does not depend on the schedule.
func (ix *evalIndex) eachIdentity(n int, f func(sc *scratch, i int)) {
	par.ForWith(n, ix.newScratch, f)
}
