package azurecloud

import (
	"slices"
	"sort"
	"strings"
	"sync"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// index is the snapshot compiled for Evaluate and Edges. azure.Decide
// walks every assignment of a principal and every deny assignment of the
// tenant, normalising scopes and matching operation patterns, for each
// (principal, operation, scope): at organization scale that is most of an
// analysis, and its cost grows with the product of principals and
// assignments. Here the work that does not depend on the principal is done
// once: scopes are normalised and numbered, each role is decided once per
// operation (roles are few, assignments many), each deny assignment once
// per operation, and deny assignments are filed under their scope and
// under every scope above it. A decision then looks only at the
// principal's own assignments on the target's ancestors and at the deny
// assignments on those ancestors. azure.Decide stays the definition: the
// reference test compares the two on generated tenants.
//
// The index is read-only once built, so principals are decided in
// parallel; Apply drops it, since a change edits what it was built from.
type index struct {
	s   *Snapshot
	cat *catalog.Catalog // the catalog the operations were taken from (nil: edge operations only)

	scopeID map[string]int32 // normalised scope -> id
	scopes  []scopeInfo
	// anc[t] are the scopes whose assignments reach scope t
	// (Snapshot.ancestors), distinct; apart from scopes, which is large,
	// for the decisions' sake.
	anc [][]int32

	opID map[opKey]int
	ops  []opKey

	assign []assignInfo // parallel to s.assignments
	// roleRows[r][o] is role r's access to operation o; rows of roles the
	// inputs name but do not define are nil.
	roleRows [][]tri.Tri
	roleOf   []*azure.Role // the role of each row
	anyRole  []tri.Tri     // the admin's "any role" (actions and dataActions "*")

	denies []denyInfo // parallel to s.denies

	byPrincipal map[string][]int32 // principal or group id -> its assignments, in input order

	actions  []action // the catalog's operations, as Evaluate decides them
	actOp    []int    // actions[i] is operation actOp[i]
	actCap   []int32  // and of capability caps[actCap[i]]
	caps     []string
	regs     []*registry // sorted by id
	regsOf   [][]int     // registries (positions in regs) each action applies to
	regScope map[*registry]int32
	// regsUnder[scope] are the registries at or below a scope (positions
	// in regs, ascending).
	regsUnder map[int32][]int
	regRes    []int32 // resource ids of regs
	// resources numbers the resources facts name (scope names, registry
	// ids): targets merge when their resources are the same string.
	resources map[string]int32
	contents  map[string]int32 // a grant as a report shows it -> id (model.Target.Merge's equality)
	idents    []identityInfo   // user-assigned identities, by resource id
	// identsUnder[scope] are the identities at or below a scope (positions
	// in idents, ascending).
	identsUnder map[int32][]int32

	compute      []computeInfo     // listed compute that runs as identities, by resource id (compute.go)
	computeUnder map[int32][]int32 // scope -> positions in compute at or below it, ascending

	subjectsOnce sync.Once
	subjects     []*subject // principalsToDecide, in that order
	subjectOf    map[string]*subject
	extraMu      sync.Mutex
	extra        map[string]*subject // subjects of other principals (identities, admins), made on demand

	probe probes // what Holds, Universe and Plan ask (probe.go)
}

type identityInfo struct {
	res, principal string // resource id (normalised), its principal id
	scope, group   int32  // the resource's scope and its resource group's
}

type opKey struct {
	op   string
	data bool
}

type scopeInfo struct {
	norm, name string
	lower      string  // strings.ToLower(norm), what action patterns are matched against
	res        int32   // name as a resource id
	denyAt     []int32 // deny assignments at this scope
	denyBelow  []int32 // deny assignments strictly below this scope, in input order
	resource   bool    // isResource
	registry   *registry
	// actionOK[i] reports whether an assignment at this scope is decided
	// for actions[i]: a registry's permission mode and, for a resource,
	// whether the action acts on it. Nil for scopes no assignment is at.
	actionOK []bool
}

type assignInfo struct {
	scope       int32
	role        int32 // row in roleRows, -1 when the role is not known
	conditional bool
	custom      bool        // the role is defined and not built in (its definition can be changed)
	grant       model.Grant // as a report shows it, when unconditional
	content     int32       // grant, numbered by what Merge compares
}

type denyInfo struct {
	scope    int32
	grants   []bool // grants[o]: the deny assignment's permissions cover operation o
	label    string // how deniesBelow names it
	labelID  int32  // label, numbered (two deny assignments may read the same)
	everyone bool
	who      []string // principals it names (lower case)
	exclude  []string
	children bool // applies to child scopes (not DoNotApplyToChildScopes)
}

// Operations the edges decide, besides the catalog's.
const (
	opRoleAssignmentsWrite = "Microsoft.Authorization/roleAssignments/write"
	opRoleDefinitionsWrite = "Microsoft.Authorization/roleDefinitions/write"
	opAssignIdentity       = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
)

// compiled returns the index for a catalog, building it when there is none
// or it was built for another catalog; nil cat takes the index there is.
func (s *Snapshot) compiled(cat *catalog.Catalog) *index {
	if s.ix != nil && (cat == nil || s.ix.cat == cat) {
		return s.ix
	}
	s.ix = s.buildIndex(cat)
	return s.ix
}

func (s *Snapshot) buildIndex(cat *catalog.Catalog) *index {
	s.resolvePIM()
	ix := &index{s: s, cat: cat, scopeID: map[string]int32{}, opID: map[opKey]int{}, byPrincipal: map[string][]int32{},
		resources: map[string]int32{}, contents: map[string]int32{}}
	if cat != nil {
		ix.actions = prepare(cat.ForCloud(cloudName))
		capID := map[string]int32{}
		for _, a := range ix.actions {
			ix.actOp = append(ix.actOp, ix.op(a.entry.Action, a.data))
			c, ok := capID[a.entry.Capability]
			if !ok {
				c = int32(len(ix.caps))
				capID[a.entry.Capability] = c
				ix.caps = append(ix.caps, a.entry.Capability)
			}
			ix.actCap = append(ix.actCap, c)
		}
	}
	for _, op := range append([]string{opRoleAssignmentsWrite, opRoleDefinitionsWrite, opAssignIdentity}, computeWrites...) {
		ix.op(op, false)
	}
	ix.registerTakeoverOps()

	// Roles: one row per role the assignments name.
	roleRow := map[string]int32{}
	ix.assign = make([]assignInfo, len(s.assignments))
	for i, a := range s.assignments {
		info := assignInfo{scope: ix.scope(a.Scope), role: -1, conditional: strings.TrimSpace(a.Condition) != ""}
		key := azure.RoleKey(a.RoleID)
		if role, ok := s.roles[key]; ok {
			r, seen := roleRow[key]
			if !seen {
				r = int32(len(ix.roleRows))
				roleRow[key] = r
				row := make([]tri.Tri, len(ix.ops))
				for o, k := range ix.ops {
					row[o] = role.Access(k.op, k.data)
				}
				ix.roleRows = append(ix.roleRows, row)
				ix.roleOf = append(ix.roleOf, role)
			}
			info.role = r
			info.custom = !s.builtin[key]
			info.grant = s.grantOf(&s.assignments[i], role)
			info.content = intern(ix.contents, info.grant.PolicyType+"\x00"+info.grant.Policy+"\x00"+info.grant.Statement+"\x00"+info.grant.Effect+"\x00"+info.grant.Note)
		}
		ix.assign[i] = info
		ix.byPrincipal[a.PrincipalID] = append(ix.byPrincipal[a.PrincipalID], int32(i))
	}
	anyRole := &azure.Role{Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}
	ix.anyRole = make([]tri.Tri, len(ix.ops))
	for o, k := range ix.ops {
		ix.anyRole[o] = anyRole.Access(k.op, k.data)
	}

	// Deny assignments, filed at their scope and above it.
	labels := map[string]int32{}
	ix.denies = make([]denyInfo, len(s.denies))
	for i, d := range s.denies {
		probe := azure.Role{Permissions: d.Permissions}
		di := denyInfo{scope: ix.scope(d.Scope), grants: make([]bool, len(ix.ops)), children: !d.DoNotApplyToChildScopes,
			who: d.Principals, exclude: d.ExcludePrincipals}
		for o, k := range ix.ops {
			di.grants[o] = probe.Grants(k.op, k.data)
		}
		for _, p := range d.Principals {
			if p == azure.Everyone {
				di.everyone = true
			}
		}
		name := d.Name
		if name == "" {
			name = d.ID
		}
		di.label = "deny assignment " + name + " at " + s.name(d.Scope)
		di.labelID = intern(labels, di.label)
		ix.denies[i] = di
		ix.scopes[di.scope].denyAt = append(ix.scopes[di.scope].denyAt, int32(i))
		for _, a := range ix.anc[di.scope] {
			if a != di.scope {
				ix.scopes[a].denyBelow = append(ix.scopes[a].denyBelow, int32(i))
			}
		}
	}

	// Registries, and the targets the edges decide at.
	regs := s.sortedRegistries()
	ix.regs = regs
	ix.regScope = make(map[*registry]int32, len(regs))
	ix.regsUnder = map[int32][]int{}
	for i, r := range regs {
		t := ix.scope(r.id)
		ix.regScope[r] = t
		ix.regRes = append(ix.regRes, intern(ix.resources, r.id))
		for _, a := range ix.anc[t] {
			ix.regsUnder[a] = append(ix.regsUnder[a], i)
		}
	}
	resources := make([]string, 0, len(s.identities))
	for res := range s.identities {
		resources = append(resources, res)
	}
	sort.Strings(resources)
	ix.identsUnder = map[int32][]int32{}
	for i, res := range resources {
		info := identityInfo{res: res, principal: s.identities[res], scope: ix.scope(res), group: ix.scope(resourceGroupOf(res))}
		ix.idents = append(ix.idents, info)
		for _, a := range ix.anc[info.scope] {
			ix.identsUnder[a] = append(ix.identsUnder[a], int32(i))
		}
	}
	ix.indexCompute()
	s.membership() // made here: subjects are made in parallel
	ix.regsOf = make([][]int, len(ix.actions))
	for i, a := range ix.actions {
		for j, r := range regs {
			if glob.Match(a.pattern, azure.NormalizeScope(r.id)) && registryHonours(r, a.entry.Action) {
				ix.regsOf[i] = append(ix.regsOf[i], j)
			}
		}
	}
	for t := range ix.scopes {
		ix.scopes[t].res = intern(ix.resources, ix.scopes[t].name)
	}
	// Which actions an assignment's scope is decided for.
	for _, a := range ix.assign {
		sc := &ix.scopes[a.scope]
		if sc.actionOK != nil || len(ix.actions) == 0 {
			continue
		}
		sc.actionOK = make([]bool, len(ix.actions))
		for i, act := range ix.actions {
			if sc.registry != nil && !registryHonours(sc.registry, act.entry.Action) {
				continue // the registry's permission mode does not honour this operation
			}
			if sc.resource && !glob.Match(act.pattern, sc.lower) {
				continue // an assignment on one resource only reaches operations on it
			}
			sc.actionOK[i] = true
		}
	}
	return ix
}

// intern numbers a string in a table.
func intern(table map[string]int32, s string) int32 {
	id, ok := table[s]
	if !ok {
		id = int32(len(table))
		table[s] = id
	}
	return id
}

// resourceGroupOf is the scope above a resource's provider segment (its
// resource group), or the scope itself.
func resourceGroupOf(res string) string {
	if i := strings.Index(res, "/providers/"); i > 0 {
		return res[:i]
	}
	return res
}

func (s *Snapshot) sortedRegistries() []*registry {
	regs := make([]*registry, 0, len(s.registries))
	for _, r := range s.registries {
		regs = append(regs, r)
	}
	sort.Slice(regs, func(i, j int) bool { return regs[i].id < regs[j].id })
	return regs
}

func (ix *index) op(op string, data bool) int {
	k := opKey{op, data}
	if o, ok := ix.opID[k]; ok {
		return o
	}
	ix.opID[k] = len(ix.ops)
	ix.ops = append(ix.ops, k)
	return len(ix.ops) - 1
}

// scope numbers a scope, normalised, with its ancestors. Only while the
// index is built: afterwards it is read-only.
func (ix *index) scope(raw string) int32 {
	norm := azure.NormalizeScope(raw)
	if id, ok := ix.scopeID[norm]; ok {
		return id
	}
	id := int32(len(ix.scopes))
	ix.scopeID[norm] = id
	ix.scopes = append(ix.scopes, scopeInfo{norm: norm, name: ix.s.name(norm), lower: strings.ToLower(norm),
		resource: isResource(norm), registry: ix.s.registries[norm]})
	ix.anc = append(ix.anc, nil)
	var anc []int32
	for _, a := range ix.s.computeAncestors(norm) {
		aid := ix.scope(a)
		if !slices.Contains(anc, aid) {
			anc = append(anc, aid)
		}
	}
	ix.anc[id] = anc
	return id
}

// subject is a principal as the index decides it: its groups, its
// assignments and theirs, and what each target it is decided at needs.
type subject struct {
	p      *principal
	id     string
	groups map[string]bool // transitive
	mine   []int32         // assignment indices: its own, then each group's (groups sorted)
	// role, cond and content are the role row, condition and grant id of
	// each assignment in mine, kept with the subject so that its decisions
	// stay in a few cache lines.
	role    []int32
	cond    []bool
	content []int32
	at      map[int32][]int32
	held    []int32 // scopes of mine, distinct, sorted by normalised scope
	// grants[o] reports whether a role of mine grants operation o at all
	// (allowed or conditional); grantsAny whether one grants any.
	grants    []bool
	grantsAny bool
	// covered[d] caches whether deny assignment d names the subject and
	// does not exclude it: 0 not yet known, 1 yes, 2 no.
	covered []int8
	// views caches the subject's views by target while one pass over it
	// (its facts, its edges) lasts; the pass drops them when done, so that
	// they do not stay in memory with the index.
	views map[int32]*view
}

// view is what a subject's decisions at one target rest on.
type view struct {
	reach   []int32 // positions in mine of the assignments at or above the target, ascending
	denies  []int32 // deny assignments that apply to the subject at the target
	unknown []int32 // the assignments in reach whose role the inputs do not define
}

func (ix *index) newSubject(p *principal, id string) *subject {
	groups := ix.s.groupsOf(id)
	sub := &subject{p: p, id: id, groups: groups, at: map[int32][]int32{}, covered: make([]int8, len(ix.denies))}
	sub.mine = append(sub.mine, ix.byPrincipal[id]...)
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		sub.mine = append(sub.mine, ix.byPrincipal[g]...)
	}
	sub.grants = make([]bool, len(ix.ops))
	sub.role, sub.cond, sub.content = make([]int32, len(sub.mine)), make([]bool, len(sub.mine)), make([]int32, len(sub.mine))
	for pos, a := range sub.mine {
		info := &ix.assign[a]
		sub.role[pos], sub.cond[pos], sub.content[pos] = info.role, info.conditional, info.content
		if r := info.role; r >= 0 {
			for o, m := range ix.roleRows[r] {
				if m != tri.False {
					sub.grants[o], sub.grantsAny = true, true
				}
			}
		}
		sc := ix.assign[a].scope
		if _, ok := sub.at[sc]; !ok {
			sub.held = append(sub.held, sc)
		}
		sub.at[sc] = append(sub.at[sc], int32(pos))
	}
	sort.Slice(sub.held, func(i, j int) bool { return ix.scopes[sub.held[i]].norm < ix.scopes[sub.held[j]].norm })
	return sub
}

// prepareSubjects makes the subjects of every principal decided, in
// parallel.
func (ix *index) prepareSubjects() {
	ix.subjectsOnce.Do(func() {
		ps := ix.s.principalsToDecide()
		ix.subjects = make([]*subject, len(ps))
		par.For(len(ps), func(i int) { ix.subjects[i] = ix.newSubject(ps[i], ps[i].id) })
		ix.subjectOf = make(map[string]*subject, len(ps))
		for _, sub := range ix.subjects {
			ix.subjectOf[sub.id] = sub
		}
	})
}

// subjectFor returns the subject of any principal id (lower case).
func (ix *index) subjectFor(id string) *subject {
	ix.prepareSubjects()
	if sub, ok := ix.subjectOf[id]; ok {
		return sub
	}
	ix.extraMu.Lock()
	defer ix.extraMu.Unlock()
	if ix.extra == nil {
		ix.extra = map[string]*subject{}
	}
	sub, ok := ix.extra[id]
	if !ok {
		sub = ix.newSubject(nil, id)
		ix.extra[id] = sub
	}
	return sub
}

// is reports whether an object id is the subject or a group it is in
// (ids are lower case on both sides, as Load keeps them).
func (sub *subject) is(objectID string) bool {
	return objectID == sub.id || sub.groups[objectID]
}

// covers reports whether deny assignment d applies to the subject,
// caching the answer in the subject.
func (ix *index) covers(sub *subject, d int32) bool {
	return ix.coversNow(sub, d, true)
}

// coversNow is covers, caching or not.
func (ix *index) coversNow(sub *subject, d int32, cache bool) bool {
	if cache && sub.covered[d] != 0 {
		return sub.covered[d] == 1
	}
	di := &ix.denies[d]
	covered := di.everyone
	for _, p := range di.who {
		if !covered && sub.is(p) {
			covered = true
		}
	}
	for _, p := range di.exclude {
		if covered && sub.is(p) {
			covered = false
		}
	}
	if cache {
		sub.covered[d] = 2
		if covered {
			sub.covered[d] = 1
		}
	}
	return covered
}

// view returns what the subject's decisions at target t rest on. A
// subject is used by one goroutine at a time.
func (ix *index) view(sub *subject, t int32) *view {
	if v, ok := sub.views[t]; ok {
		return v
	}
	if sub.views == nil {
		sub.views = map[int32]*view{}
	}
	v := ix.newView(sub, t)
	sub.views[t] = v
	return v
}

// newView makes the view of target t for a subject, uncached: Evaluate
// makes each one once.
func (ix *index) newView(sub *subject, t int32) *view {
	v := &view{}
	sorted := true
	for _, a := range ix.anc[t] {
		if ps := sub.at[a]; len(ps) > 0 {
			if len(v.reach) > 0 {
				sorted = false
			}
			v.reach = append(v.reach, ps...)
		}
		for _, d := range ix.scopes[a].denyAt {
			if !ix.denies[d].children && a != t {
				continue // applies at its own scope only
			}
			if ix.covers(sub, d) {
				v.denies = append(v.denies, d)
			}
		}
	}
	if !sorted {
		slices.Sort(v.reach)
	}
	for _, pos := range v.reach {
		if sub.role[pos] < 0 {
			v.unknown = append(v.unknown, sub.mine[pos])
		}
	}
	return v
}

// reaches reports, without building a view, whether any of the subject's
// assignments is at or above target t.
func (ix *index) reaches(sub *subject, t int32) bool {
	for _, a := range ix.anc[t] {
		if len(sub.at[a]) > 0 {
			return true
		}
	}
	return false
}

// allowed is azure.Decide's Allowed for the subject, operation o and the
// target of v.
func (ix *index) allowed(sub *subject, v *view, o int) tri.Tri {
	allow := tri.False
	for _, pos := range v.reach {
		r := sub.role[pos]
		if r < 0 {
			continue
		}
		m := ix.roleRows[r][o]
		if m == tri.False {
			continue
		}
		if sub.cond[pos] {
			m = m.And(tri.Unknown)
		}
		allow = allow.Or(m)
		if allow == tri.True {
			break
		}
	}
	if allow == tri.False {
		return allow
	}
	return allow.And(tri.Of(!ix.denied(v, o)))
}

func (ix *index) denied(v *view, o int) bool {
	for _, d := range v.denies {
		if ix.denies[d].grants[o] {
			return true
		}
	}
	return false
}

// target is Snapshot.target for a decision of the index: the grants are
// azure.Decide's, in its order.
func (ix *index) target(sub *subject, v *view, o int, resource string, known, all bool) (model.Target, bool) {
	access, ok := model.AccessOf(ix.allowed(sub, v, o))
	if !ok {
		return model.Target{}, false
	}
	t := model.Target{Resource: resource, Known: known, All: all, Access: access}
	for _, pos := range v.reach {
		ai := sub.mine[pos]
		a := &ix.assign[ai]
		if a.role < 0 {
			continue
		}
		m := ix.roleRows[a.role][o]
		if m == tri.False {
			continue
		}
		gr := a.grant
		if a.conditional || m == tri.Unknown {
			gr.Conditional = true
			gr.Conditions = []string{ix.s.assignments[ai].Condition}
		}
		t.Via = append(t.Via, gr)
	}
	return t, true
}

// deniesBelow lists the deny assignments under scope t that take operation
// o from the subject in part of it.
func (ix *index) deniesBelow(sub *subject, t int32, o int) []string {
	var out []string
	for _, d := range ix.scopes[t].denyBelow {
		if ix.denies[d].grants[o] && ix.covers(sub, d) {
			out = append(out, ix.denies[d].label)
		}
	}
	return out
}
