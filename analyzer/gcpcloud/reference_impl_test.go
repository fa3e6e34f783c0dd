package gcpcloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// The evaluation and edges as they were before the index, kept as the
// reference the fast path is compared with (reference_test.go), and the
// remediation probes Universe and Holds as they were before.

// refCaches are the caches the reference kept in the snapshot.
type refCaches struct {
	denyList  []*node
	idChains  map[string]*identityChains
	edgeRoles map[string]bool
	holds     *refHolds
}

var refState = map[*Snapshot]*refCaches{}

func ref(s *Snapshot) *refCaches {
	if refState[s] == nil {
		refState[s] = &refCaches{}
	}
	return refState[s]
}

// referenceFacts is the evaluation as it was before the index (index.go):
// every catalog permission decided with gcp.Decide for every identity at
// every scope it is bound on and on every resource it reaches, one by one.
// Evaluate must give the same facts.
func referenceFacts(s *Snapshot, cat *catalog.Catalog) []model.Fact {
	s.resolveAncestors()
	s.completeRoles()
	actions := prepare(cat.ForCloud(cloudName))
	var resources []*node
	for _, n := range s.sortedNodes() {
		if n.kind == "resource" {
			resources = append(resources, n)
		}
	}
	var out []model.Fact
	for _, id := range s.identities() {
		out = append(out, s.evaluateIdentity(id, actions, resources)...)
	}
	return out
}

func (s *Snapshot) evaluateIdentity(id *gcp.Identity, actions []action, resources []*node) []model.Fact {
	b := model.NewFactBuilder(id.Member, cloudName)
	add := b.Add
	chains := s.chainsOf(id)
	chainFor := chains.get
	bound := chains.bound
	scopes := s.scopes(id)
	pv := s.pabView() // principal access boundaries
	var pb []pabBound
	var below map[*node]bool // scopes below one outside the boundary
	if pv != nil {
		pb = pv.bound(id)
		below = map[*node]bool{}
		for _, n := range pv.pabScopes(pb, scopes) {
			below[n] = true
			scopes = append(scopes, n)
		}
	}
	var reached []*node
	for _, r := range resources {
		if reaches(r, bound) {
			reached = append(reached, r)
		}
	}
	for _, a := range actions {
		req := &gcp.Request{Identity: id, Permission: a.entry.Action}
		for _, n := range scopes {
			if below[n] && !pv.blocksAny(pb, a.entry.Action) {
				continue
			}
			attrs := a.attrs
			req.Resource = &attrs
			chain, denies := chainFor(n)
			r := s.pabDecide(pv, id, a.entry.Action, n, gcp.Decide(req, chain, denies, s.roles, s.conds))
			if t, ok := target(r, crm+n.name, false, true); ok && !onlyThroughAllUsers(id, r) {
				t.Except = s.deniesBelow(n, req)
				add(a.entry.Capability, a.entry.Action, t)
			}
		}
		for _, n := range reached {
			full := "//" + n.attrs.Service + "/" + n.attrs.Name
			if !glob.Match(a.pattern, full) || (n.attrs.Service == "storage.googleapis.com" && !registryBucket(n.attrs.Name)) {
				continue
			}
			attrs := n.attrs
			req.Resource = &attrs
			chain, denies := chainFor(n)
			r := s.pabDecide(pv, id, a.entry.Action, n, gcp.Decide(req, chain, denies, s.roles, s.conds))
			if t, ok := target(r, full, true, false); ok && !onlyThroughAllUsers(id, r) {
				add(a.entry.Capability, a.entry.Action, t)
			}
		}
	}
	return b.Facts()
}

// deniesBelow lists deny policies attached under a scope that take the
// permission away from the identity in part of it.
func (s *Snapshot) deniesBelow(scope *node, req *gcp.Request) []string {
	var out []string
	for _, n := range s.denyNodes() {
		if !n.ancestors[scope.name] {
			continue
		}
		r := gcp.Decide(&gcp.Request{Identity: req.Identity, Permission: req.Permission, Resource: req.Resource},
			[]gcp.NodeBindings{{Node: n.name, Bindings: []gcp.Binding{{Role: "(any)", Members: []string{"allUsers"}}}}},
			[]gcp.NodeDenies{{Node: n.name, Rules: s.denies[n.name]}}, anyRole(req.Permission), s.conds)
		for _, d := range r.Denies {
			out = append(out, "deny "+d.Rule.Policy+" at "+d.Node)
		}
	}
	return out
}

// denyNodes lists the nodes with deny policies, in name order.
func (s *Snapshot) denyNodes() []*node {
	if ref(s).denyList == nil {
		ref(s).denyList = []*node{}
		for _, n := range s.sortedNodes() {
			if len(s.denies[n.name]) > 0 {
				ref(s).denyList = append(ref(s).denyList, n)
			}
		}
	}
	return ref(s).denyList
}

// reaches reports whether the identity holds any binding on the node or
// its ancestors.
func reaches(n *node, bound map[string]bool) bool {
	if bound[n.name] {
		return true
	}
	for a := range n.ancestors {
		if bound[a] {
			return true
		}
	}
	return false
}

// identityChains gives each node's chain reduced to the bindings that may
// cover one identity (its own, its groups', its domain's, everyone's):
// decided once per node, not once per permission.
type identityChains struct {
	s     *Snapshot
	id    *gcp.Identity
	bound map[string]bool
	memo  map[string]chainEntry
	own   map[string][]gcp.Binding // node -> the identity's bindings there
}

func (s *Snapshot) chainsOf(id *gcp.Identity) *identityChains {
	if c, ok := ref(s).idChains[id.Member]; ok {
		return c
	}
	if ref(s).idChains == nil {
		ref(s).idChains = map[string]*identityChains{}
	}
	c := &identityChains{s: s, id: id, bound: s.boundNodes(id), memo: map[string]chainEntry{}, own: map[string][]gcp.Binding{}}
	ref(s).idChains[id.Member] = c
	return c
}

func (c *identityChains) get(n *node) ([]gcp.NodeBindings, []gcp.NodeDenies) {
	if e, ok := c.memo[n.name]; ok {
		return e.bindings, e.denies
	}
	_, nd := c.s.chain(n)
	var mine []gcp.NodeBindings
	names := []string{n.name}
	for a := range n.ancestors {
		names = append(names, a)
	}
	sort.Strings(names[1:])
	for _, name := range names {
		if !c.bound[name] {
			continue // no binding there names the identity, its groups or everyone
		}
		if bs := c.at(name); len(bs) > 0 {
			mine = append(mine, gcp.NodeBindings{Node: name, Bindings: bs})
		}
	}
	c.memo[n.name] = chainEntry{mine, nd}
	return mine, nd
}

// at is the identity's bindings on one node, found once.
func (c *identityChains) at(name string) []gcp.Binding {
	if bs, ok := c.own[name]; ok {
		return bs
	}
	var bs []gcp.Binding
	for _, b := range c.s.bindings[name] {
		if bindingCovers(b, c.id) {
			bs = append(bs, b)
		}
	}
	c.own[name] = bs
	return bs
}

// referenceEdges is Edges as it was before the index, deciding each
// request with gcp.Decide: impersonating a service account, attaching it to compute the
// member runs (actAs), and rewriting the allow policy of a node.
func (s *Snapshot) referenceEdges() []model.Edge {
	s.resolveAncestors()
	s.completeRoles()
	var out []model.Edge
	ids := s.identities()
	sas := s.serviceAccounts()
	ref(s).idChains, ref(s).denyList = nil, nil // serviceAccounts may add nodes
	runNames := make([]string, 0, len(s.nodes))
	for _, n := range s.sortedNodes() {
		runNames = append(runNames, n.name)
	}
	runIDs := map[string]int32{}
	for i, n := range runNames {
		runIDs[n] = int32(i)
	}
	runs := s.runners(runIDs)
	// The service accounts at or below each node, so that each identity
	// visits only the accounts its bindings reach.
	under := map[string][]int{}
	for i, sa := range sas {
		under[sa.node.name] = append(under[sa.node.name], i)
		for a := range sa.node.ancestors {
			under[a] = append(under[a], i)
		}
	}
	for _, id := range ids {
		chains := s.chainsOf(id)
		if len(chains.bound) == 0 {
			continue
		}
		seen := map[int]bool{}
		var reached []int
		for n := range chains.bound {
			for _, i := range under[n] {
				if !seen[i] {
					seen[i] = true
					reached = append(reached, i)
				}
			}
		}
		sort.Ints(reached)
		for _, i := range reached {
			sa := sas[i]
			if sa.member == id.Member {
				continue
			}
			chain, denies := chains.get(sa.node)
			if !s.anyEdgePermission(chain) {
				continue // no role on the way holds a permission that makes an edge
			}
			attrs := sa.node.attrs
			for _, perm := range impersonation {
				r := gcp.Decide(&gcp.Request{Identity: id, Permission: perm, Resource: &attrs}, chain, denies, s.roles, s.conds)
				if e, ok := gcpEdge(r, id.Member, sa.member, "impersonate", perm); ok {
					e.Note = "can mint credentials of the service account"
					out = append(out, e)
				}
			}
			// Rewriting the account's own allow policy lets the member grant
			// itself token creation on it.
			if r := gcp.Decide(&gcp.Request{Identity: id, Permission: "iam.serviceAccounts.setIamPolicy", Resource: &attrs}, chain, denies, s.roles, s.conds); r.Allowed != tri.False {
				if e, ok := gcpEdge(r, id.Member, sa.member, "set-iam-policy", "iam.serviceAccounts.setIamPolicy"); ok {
					e.Note = "can grant itself any role on the service account"
					out = append(out, e)
				}
			}
			r := gcp.Decide(&gcp.Request{Identity: id, Permission: "iam.serviceAccounts.actAs", Resource: &attrs}, chain, denies, s.roles, s.conds)
			if e, ok := gcpEdge(r, id.Member, sa.member, "act-as", "iam.serviceAccounts.actAs"); ok {
				e.Note = "can run compute as the service account"
				keep := true
				if proj := s.nodes[projectNode(sa.node)]; proj != nil {
					pc, pd := chains.get(proj)
					keep = s.settleActAs(&e, proj.name, func(perm string) gcp.Result {
						return gcp.Decide(&gcp.Request{Identity: id, Permission: perm, Resource: &gcp.ResourceAttrs{Service: serviceOf(perm)}}, pc, pd, s.roles, s.conds)
					})
				} else {
					e.Assumed = true
				}
				if keep {
					out = append(out, e)
				}
			}
		}
		out = append(out, s.referenceRunnerEdges(id, chains, runNames, runs)...)
		out = append(out, s.referenceCustomRoleEdges(id)...)
		for _, n := range s.scopes(id) {
			perm, ok := setIamPolicy[n.kind]
			if !ok {
				continue
			}
			chain, denies := chains.get(n)
			r := gcp.Decide(&gcp.Request{Identity: id, Permission: perm, Resource: &gcp.ResourceAttrs{Service: "cloudresourcemanager.googleapis.com"}}, chain, denies, s.roles, s.conds)
			if e, ok := gcpEdge(r, id.Member, model.AdminNode(cloudName, n.name, id.Member), "set-iam-policy", perm); ok {
				e.Note = "can grant itself any role on " + n.name + " and below"
				out = append(out, e)
			}
		}
	}
	out = append(out, s.referenceCloudBuildEdges(ids)...)
	out = append(out, s.referenceAdminBridgeEdges(out)...)
	return model.MergeEdges(out)
}

// customRoleEdges: a member that holds a custom role at a node and can
// update that role can add any permission to it there.
func (s *Snapshot) referenceCustomRoleEdges(id *gcp.Identity) []model.Edge {
	var out []model.Edge
	for _, n := range s.scopes(id) {
		for _, b := range s.bindings[n.name] {
			if isPredefined(b.Role) || !bindingCovers(b, id) || (b.Condition != nil && b.Condition.Expression != "") {
				continue
			}
			// The role's own resource: projects/P/roles/R or organizations/O/roles/R.
			roleNode := s.node(b.Role)
			if !strings.HasPrefix(b.Role, "projects/") && !strings.HasPrefix(b.Role, "organizations/") {
				continue
			}
			parent := s.canonical(b.Role[:strings.Index(b.Role, "/roles/")])
			if !roleNode.ancestors[parent] {
				s.addAncestor(roleNode, parent)
				s.resolveAncestors()
				s.chains, ref(s).idChains = nil, nil
			}
			chain, denies := s.chain(roleNode)
			r := gcp.Decide(&gcp.Request{Identity: id, Permission: "iam.roles.update", Resource: &gcp.ResourceAttrs{Name: b.Role, Service: "iam.googleapis.com", Type: "iam.googleapis.com/Role"}}, chain, denies, s.roles, s.conds)
			if e, ok := gcpEdge(r, id.Member, model.AdminNode(cloudName, n.name, id.Member), "custom-role-update", "iam.roles.update"); ok {
				e.Note = "can add any permission to " + b.Role + ", which it holds on " + n.name
				out = append(out, e)
			}
		}
	}
	return out
}

// cloudBuildEdges: members that can start Cloud Build builds in a project
// run them as the project's default Cloud Build service account
// (NUMBER@cloudbuild.gserviceaccount.com) unless a build names another.
func (s *Snapshot) referenceCloudBuildEdges(ids []*gcp.Identity) []model.Edge {
	var out []model.Edge
	for _, sa := range ids {
		email := strings.TrimPrefix(sa.Member, "serviceAccount:")
		num, ok := strings.CutSuffix(email, "@cloudbuild.gserviceaccount.com")
		if !ok || gcp.Kind(sa.Member) != "serviceAccount" {
			continue
		}
		proj := s.nodes[s.canonical("projects/"+num)]
		if proj == nil {
			continue
		}
		for _, id := range ids {
			if id.Member == sa.Member {
				continue
			}
			chains := s.chainsOf(id)
			if !reaches(proj, chains.bound) {
				continue
			}
			chain, denies := chains.get(proj)
			r := gcp.Decide(&gcp.Request{Identity: id, Permission: "cloudbuild.builds.create", Resource: &gcp.ResourceAttrs{Service: "cloudbuild.googleapis.com"}}, chain, denies, s.roles, s.conds)
			if e, ok := gcpEdge(r, id.Member, sa.Member, "cloud-build", "cloudbuild.builds.create"); ok {
				e.Note = "builds in " + proj.name + " run as its default Cloud Build service account"
				out = append(out, e)
			}
		}
	}
	return out
}

// anyEdgePermission reports whether some role of the chain holds (or may
// hold, when unknown) a permission that draws an edge to a service account.
func (s *Snapshot) anyEdgePermission(chain []gcp.NodeBindings) bool {
	for _, nb := range chain {
		for _, b := range nb.Bindings {
			if v, ok := ref(s).edgeRoles[b.Role]; ok {
				if v {
					return true
				}
				continue
			}
			v := false
			for _, p := range saEdgePermissions {
				if has, known := s.roles.Has(b.Role, p); has || !known {
					v = true
					break
				}
			}
			if ref(s).edgeRoles == nil {
				ref(s).edgeRoles = map[string]bool{}
			}
			ref(s).edgeRoles[b.Role] = v
			if v {
				return true
			}
		}
	}
	return false
}

// An admin node (a member that can grant itself any role on an
// organization, folder or project) holds what such a grant gives at that
// node and below, and nothing elsewhere by itself (AdminHolds). The real
// ways out are the service accounts under the node that hold bindings
// elsewhere: the admin can grant itself token creation on such an account
// and act as it. adminBridgeEdges draws those edges, decided with the
// deny policies that still apply to the admin.
func (s *Snapshot) referenceAdminBridgeEdges(edges []model.Edge) []model.Edge {
	names := model.AdminTargets(edges)
	if len(names) == 0 {
		return nil
	}
	sas := s.serviceAccounts()
	var out []model.Edge
	for _, admin := range names {
		_, scope, member, _ := model.ParseAdminNode(admin)
		if s.nodes[scope] == nil {
			continue
		}
		id := &gcp.Identity{Member: member, Groups: s.groupsOf(member)}
		for _, sa := range sas {
			if sa.member == member || !s.under(sa.node, scope) || !s.referenceBoundOutside(sa.member, scope) {
				continue
			}
			_, denies := s.chain(sa.node)
			grant := []gcp.NodeBindings{{Node: scope, Bindings: []gcp.Binding{{Role: "(any)", Members: []string{member}}}}}
			attrs := sa.node.attrs
			perm := "iam.serviceAccounts.getAccessToken"
			r := gcp.Decide(&gcp.Request{Identity: id, Permission: perm, Resource: &attrs}, grant, denies, anyRole(perm), s.conds)
			if e, ok := gcpEdge(r, admin, sa.member, "admin-takeover", perm); ok {
				e.Note = "as an administrator of " + scope + ", can grant itself token creation on " + sa.member + ", which holds roles outside " + scope
				out = append(out, e)
			}
		}
	}
	return out
}

// boundOutside reports whether a member, or a group it is in, holds a
// binding on a node that is not scope and not below it.
func (s *Snapshot) referenceBoundOutside(member, scope string) bool {
	idx := s.memberNodes()
	keys := []string{strings.ToLower(member)}
	for g := range s.groupsOf(member) {
		keys = append(keys, strings.ToLower("group:"+g))
	}
	for _, k := range keys {
		for name := range idx[k] {
			if n := s.nodes[name]; n != nil && !s.under(n, scope) {
				return true
			}
		}
	}
	return false
}

// referenceUniverse is the former Universe: it lists, for every member, the permissions Removes probes: for
// each binding that covers it, the permissions of the role (permsOf) on
// the binding's node (organization, folder, project or resource).
func (s *Snapshot) referenceUniverse() map[string][]remediate.Permission {
	s.resolveAncestors()
	s.completeRoles()
	out := map[string][]remediate.Permission{}
	for _, id := range s.identities() {
		set := map[remediate.Permission]bool{}
		for node := range s.boundNodes(id) {
			for _, b := range s.bindings[node] {
				if !coversOwn(b, id) {
					continue
				}
				for _, perm := range s.permsOf(b.Role) {
					set[remediate.Permission{Action: perm, Resource: node}] = true
				}
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
		out[id.Member] = l
	}
	return out
}

// referenceHolds is the former Holds, gcp.Decide per probe: it decides a permission of a member on a node (allowed or
// conditional), with the full permissions of the roles of the narrowing
// table and the offline table's for the others.
func (s *Snapshot) referenceHolds(member string, perm remediate.Permission) bool {
	h := s.refHoldsCache()
	n := s.nodes[s.canonical(perm.Resource)]
	if n == nil {
		return false
	}
	id := h.ids[member]
	if id == nil {
		id = s.identityOf(member)
		h.ids[member] = id
	}
	chain, denies := s.chain(n)
	key := member + "\x00" + n.name
	held := h.roles[key]
	if held == nil {
		held = &heldRoles{roles: gcp.NewRoles()}
		for _, nb := range chain {
			mine := gcp.NodeBindings{Node: nb.Node}
			for _, b := range nb.Bindings {
				if !bindingCovers(b, id) {
					continue
				}
				mine.Bindings = append(mine.Bindings, b)
				if held.roles.Known(b.Role) {
					continue
				}
				if _, full := fullPerms[b.Role]; full || s.roles.Known(b.Role) {
					held.roles.Add(b.Role, s.permsOf(b.Role))
					held.names = append(held.names, b.Role)
				}
			}
			if len(mine.Bindings) > 0 {
				held.chain = append(held.chain, mine)
			}
		}
		h.roles[key] = held
	}
	// Most probes ask for a permission none of the roles has: no grant, so
	// no need to weigh the deny policies.
	granted := false
	for _, r := range held.names {
		if has, _ := held.roles.Has(r, perm.Action); has {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	roles := held.roles
	attrs := n.attrs
	if n.kind != "resource" {
		attrs = gcp.ResourceAttrs{}
		if s.cat != nil {
			for _, e := range s.cat.Lookup(cloudName, perm.Action) {
				attrs = prepare([]catalog.Entry{e})[0].attrs
			}
		}
	}
	// The chain reduced to the member's own bindings decides as the whole
	// chain does: the others cannot grant it anything.
	r := gcp.Decide(&gcp.Request{Identity: id, Permission: perm.Action, Resource: &attrs}, held.chain, denies, roles, s.conds)
	r = s.pabDecide(s.pabView(), id, perm.Action, n, r)
	return r.Allowed != tri.False
}

// refHolds is what Holds computes once per loaded (or changed) state
// rather than once per probe: the verification of fixes probes every
// permission of every principal's roles, twice.
type refHolds struct {
	ids   map[string]*gcp.Identity
	roles map[string]*heldRoles // by member and node: the roles it holds there
}

// heldRoles are the roles one member holds at one node, with their
// permissions.
type heldRoles struct {
	roles *gcp.Roles
	names []string
	chain []gcp.NodeBindings // the node's chain with only the member's bindings
}

func (s *Snapshot) refHoldsCache() *refHolds {
	c := ref(s)
	if c.holds == nil {
		s.resolveAncestors()
		s.completeRoles()
		c.holds = &refHolds{ids: map[string]*gcp.Identity{}, roles: map[string]*heldRoles{}}
	}
	return c.holds
}

// referenceRunnerEdges: the edges to the listed instances' and triggers'
// service accounts, every runner decided with gcp.Decide.
func (s *Snapshot) referenceRunnerEdges(id *gcp.Identity, chains *identityChains, names []string, runs []runner) []model.Edge {
	var out []model.Edge
	for k := range runs {
		r := &runs[k]
		out = append(out, runnerEdges(r, id.Member, func(node int32, perm string, attrs *gcp.ResourceAttrs) gcp.Result {
			chain, denies := chains.get(s.nodes[names[node]])
			return gcp.Decide(&gcp.Request{Identity: id, Permission: perm, Resource: attrs}, chain, denies, s.roles, s.conds)
		}, func(email string) gcp.Result {
			name, attrs, ok := s.saDecisionNode(email, names[r.project], func(n string) bool { _, ok := s.nodes[n]; return ok })
			if !ok {
				return gcp.Result{}
			}
			chain, denies := chains.get(s.nodes[name])
			return gcp.Decide(&gcp.Request{Identity: id, Permission: permActAs, Resource: &attrs}, chain, denies, s.roles, s.conds)
		})...)
	}
	return out
}
