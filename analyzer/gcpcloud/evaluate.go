package gcpcloud

import (
	"io/fs"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
	builtin "github.com/imagewarden/imagewarden/rego"
)

// PredefinedRolesFile is the offline table of the image-relevant
// permissions of GCP predefined roles.
const PredefinedRolesFile = "tables/gcp-predefined-roles.yaml"

// predefinedTable is the table of predefined roles, parsed once per
// process (parsing it was much of the cost of New).
var predefinedTable struct {
	once  sync.Once
	roles map[string][]string
	err   error
}

func loadPredefinedRoles(r *gcp.Roles) error {
	predefinedTable.once.Do(func() {
		b, err := fs.ReadFile(builtin.FS, PredefinedRolesFile)
		if err != nil {
			predefinedTable.err = err
			return
		}
		var t struct {
			Roles map[string][]string `yaml:"roles"`
		}
		if err := yaml.Unmarshal(b, &t); err != nil {
			predefinedTable.err = err
			return
		}
		predefinedTable.roles = t.Roles
	})
	if predefinedTable.err != nil {
		return predefinedTable.err
	}
	for name, perms := range predefinedTable.roles {
		r.Add(name, perms) // Add copies the permissions into a set of its own
	}
	// Basic and predefined roles without any image permission are known
	// too: they grant nothing this analysis looks at.
	for _, name := range []string{"roles/viewer", "roles/browser"} {
		if !r.Known(name) {
			r.Add(name, nil)
		}
	}
	return nil
}

// isPredefined reports roles/… names: the table lists every predefined role
// that holds an image permission, so any other predefined role holds none.
func isPredefined(role string) bool { return strings.HasPrefix(role, "roles/") }

// action is a catalog entry prepared for evaluation.
type action struct {
	entry   catalog.Entry
	pattern string // the resource name pattern, placeholders as *
	attrs   gcp.ResourceAttrs
}

func prepare(entries []catalog.Entry) []action {
	var out []action
	for _, e := range entries {
		pat := e.Pattern(nil)
		rest := strings.TrimPrefix(pat, "//")
		svc, rel, _ := strings.Cut(rest, "/")
		out = append(out, action{entry: e, pattern: pat, attrs: gcp.ResourceAttrs{Service: svc, Type: typeFromName(svc, rel)}})
	}
	return out
}

// Evaluate decides every catalog permission for every member: at each
// organization, folder or project where the member holds a binding
// ("every repository under folders/123"), and exactly on each resource the
// inputs name.
func (s *Snapshot) Evaluate(cat *catalog.Catalog) *model.Snapshot {
	s.resolveAncestors()
	s.completeRoles()
	out := &model.Snapshot{}
	actions := prepare(cat.ForCloud(cloudName))
	domains := s.orgDomains()
	for _, n := range s.sortedNodes() {
		if n.kind == "resource" {
			out.Resources = append(out.Resources, model.Resource{ID: "//" + n.attrs.Service + "/" + n.attrs.Name, Cloud: cloudName,
				Type: n.attrs.Type, Name: n.attrs.Name, Account: projectOf(n)})
		}
	}
	ids := s.identities()
	perms := make([]string, len(actions))
	for i, a := range actions {
		perms[i] = a.entry.Action
	}
	ix := s.buildIndex(perms)
	ev := ix.evaluation(actions)
	facts := make([][]model.Fact, len(ids))
	ix.eachIdentity(len(ids), func(sc *scratch, i int) { facts[i] = ev.facts(sc, ids[i]) })
	for i, id := range ids {
		out.Principals = append(out.Principals, s.principal(id, domains))
		out.Facts = append(out.Facts, facts[i]...)
	}
	out.Warnings = append(append(out.Warnings, s.warnings...), s.generalWarnings()...)
	out.Counts = s.evaluatedCounts()
	return out
}

// evaluatedCounts completes the tallies of what was read with what the
// model holds and the analysis decided.
func (s *Snapshot) evaluatedCounts() []model.Count {
	bindings, members, denies := 0, 0, 0
	for _, bs := range s.bindings {
		bindings += len(bs)
		for _, b := range bs {
			members += len(b.Members)
		}
	}
	for _, ds := range s.denies {
		denies += len(ds)
	}
	s.counts.Evaluated(itemBindings, bindings)
	s.counts.Evaluated(itemMembers, members)
	s.counts.Evaluated(itemRoles, len(s.definedRoles))
	s.counts.Evaluated(itemDenyRules, denies)
	return s.counts.Counts(cloudName, itemBindings, itemMembers, itemRoles, itemDenyRules)
}

// completeRoles marks predefined roles missing from the table as holding no
// image permission.
func (s *Snapshot) completeRoles() {
	for _, bs := range s.bindings {
		for _, b := range bs {
			if isPredefined(b.Role) && !s.roles.Known(b.Role) {
				s.roles.Add(b.Role, nil)
			}
		}
	}
}

func (s *Snapshot) sortedNodes() []*node {
	names := make([]string, 0, len(s.nodes))
	for n := range s.nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*node, len(names))
	for i, n := range names {
		out[i] = s.nodes[n]
	}
	return out
}

func projectOf(n *node) string {
	for a := range n.ancestors {
		if strings.HasPrefix(a, "projects/") {
			return strings.TrimPrefix(a, "projects/")
		}
	}
	return ""
}

// memberNodes indexes the nodes by the members their bindings name.
func (s *Snapshot) memberNodes() map[string]map[string]bool {
	if s.byMember != nil {
		return s.byMember
	}
	s.byMember = map[string]map[string]bool{}
	for name, bs := range s.bindings {
		for _, b := range bs {
			for _, m := range b.Members {
				key := strings.ToLower(m)
				if s.byMember[key] == nil {
					s.byMember[key] = map[string]bool{}
				}
				s.byMember[key][name] = true
			}
		}
	}
	return s.byMember
}

// boundNodes are the nodes with a binding that may cover the identity:
// bindings naming it, its groups, its domain, or everyone.
func (s *Snapshot) boundNodes(id *gcp.Identity) map[string]bool {
	idx := s.memberNodes()
	keys := []string{strings.ToLower(id.Member), "allusers", "allauthenticatedusers"}
	for g := range id.Groups {
		keys = append(keys, "group:"+g)
	}
	if _, e, ok := strings.Cut(id.Member, ":"); ok {
		if _, d, ok := strings.Cut(e, "@"); ok {
			keys = append(keys, "domain:"+strings.ToLower(d))
		}
	}
	out := map[string]bool{}
	for _, k := range keys {
		for n := range idx[k] {
			out[n] = true
		}
	}
	return out
}

// scopes are the hierarchy nodes where an identity holds a binding.
func (s *Snapshot) scopes(id *gcp.Identity) []*node {
	var names []string
	for n := range s.boundNodes(id) {
		if nd := s.nodes[n]; nd != nil && nd.kind != "resource" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]*node, len(names))
	for i, n := range names {
		out[i] = s.nodes[n]
	}
	return out
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

func (s *Snapshot) evaluateIdentity(id *gcp.Identity, actions []action, resources []*node) []model.Fact {
	b := model.NewFactBuilder(id.Member, cloudName)
	add := b.Add
	chains := s.chainsOf(id)
	chainFor := chains.get
	bound := chains.bound
	scopes := s.scopes(id)
	var reached []*node
	for _, r := range resources {
		if reaches(r, bound) {
			reached = append(reached, r)
		}
	}
	for _, a := range actions {
		req := &gcp.Request{Identity: id, Permission: a.entry.Action}
		for _, n := range scopes {
			attrs := a.attrs
			req.Resource = &attrs
			chain, denies := chainFor(n)
			r := gcp.Decide(req, chain, denies, s.roles, s.conds)
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
			r := gcp.Decide(req, chain, denies, s.roles, s.conds)
			if t, ok := target(r, full, true, false); ok && !onlyThroughAllUsers(id, r) {
				add(a.entry.Capability, a.entry.Action, t)
			}
		}
	}
	return b.Facts()
}

// onlyThroughAllUsers: allAuthenticatedUsers is part of allUsers, so
// access it has only through allUsers bindings is allUsers' finding.
func onlyThroughAllUsers(id *gcp.Identity, r gcp.Result) bool {
	if id.Member != "allAuthenticatedUsers" {
		return false
	}
	for _, g := range r.Grants {
		if g.Member != "allUsers" {
			return false
		}
	}
	return true
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
	if s.denyList == nil {
		s.denyList = []*node{}
		for _, n := range s.sortedNodes() {
			if len(s.denies[n.name]) > 0 {
				s.denyList = append(s.denyList, n)
			}
		}
	}
	return s.denyList
}

func anyRole(perm string) *gcp.Roles {
	r := gcp.NewRoles()
	r.Add("(any)", []string{perm})
	return r
}

// target turns a decision into a target with its evidence.
func target(r gcp.Result, resource string, known, all bool) (model.Target, bool) {
	access, ok := model.AccessOf(r.Allowed)
	if !ok {
		return model.Target{}, false
	}
	t := model.Target{Resource: resource, Known: known, All: all, Access: access}
	publicOnly := len(r.Grants) > 0
	for _, g := range r.Grants {
		gr := model.Grant{PolicyType: "allow_policy", Policy: g.Node, Statement: g.Role, Effect: "Allow",
			Note: "granted to " + g.Member + " at " + g.Node}
		if g.Condition != nil && g.Match == tri.Unknown {
			gr.Conditional = true
			gr.Conditions = []string{g.Condition.Expression}
		}
		t.Via = append(t.Via, gr)
		if g.Member != "allUsers" && g.Member != "allAuthenticatedUsers" {
			publicOnly = false
		}
	}
	for _, d := range r.Denies {
		gr := model.Grant{PolicyType: "deny_policy", Policy: d.Rule.Policy, Statement: d.Node, Effect: "Deny", Conditional: d.Match == tri.Unknown}
		if d.Rule.Condition != nil {
			gr.Conditions = []string{d.Rule.Condition.Expression}
		}
		t.Via = append(t.Via, gr)
	}
	t.PublicOnly = publicOnly
	return t, true
}

func bindingCovers(b gcp.Binding, id *gcp.Identity) bool {
	for _, m := range b.Members {
		if gcp.MemberMatches(m, id) {
			return true
		}
	}
	return false
}

// registryBucket reports the Cloud Storage buckets behind the legacy
// Container Registry (gcr.io): artifacts.PROJECT.appspot.com and
// (us|eu|asia).artifacts.PROJECT.appspot.com. Writing to other buckets is
// not an image capability.
func registryBucket(name string) bool {
	return strings.HasSuffix(name, ".appspot.com") && (strings.HasPrefix(name, "artifacts.") || strings.Contains(name, ".artifacts."))
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
	if c, ok := s.idChains[id.Member]; ok {
		return c
	}
	if s.idChains == nil {
		s.idChains = map[string]*identityChains{}
	}
	c := &identityChains{s: s, id: id, bound: s.boundNodes(id), memo: map[string]chainEntry{}, own: map[string][]gcp.Binding{}}
	s.idChains[id.Member] = c
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
