package gcpcloud

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// node is a place in the resource hierarchy: organizations/N, folders/N,
// projects/ID, or a resource by its full name.
type node struct {
	name      string
	kind      string // organization, folder, project, resource
	parent    string // for projects from a projects list
	ancestors map[string]bool
	attrs     gcp.ResourceAttrs // for resources
}

// Snapshot is the GCP state read from the inputs.
type Snapshot struct {
	nodes        map[string]*node
	aliases      map[string]string // projects/NUMBER -> projects/ID
	bindings     map[string][]gcp.Binding
	denies       map[string][]gcp.DenyRule
	roles        *gcp.Roles
	definedRoles map[string]bool
	conds        *gcp.Conditions
	groupMembers map[string][]string // group email -> members
	warnings     []model.Warning
	counts       model.Counter // what the inputs held, read and skipped
	bindingCount int
	cat          *catalog.Catalog
	builtinErr   error
	byMember     map[string]map[string]bool // lower-case member -> nodes binding it
	chains       map[string]chainEntry
	probe        *probes // Universe's and Holds' index; nil until they run, reset by Apply
	probeMu      sync.Mutex
	compute      computeInventory // instances and build triggers (compute.go)
	orgPolicies  *orgPolicies     // organization policies (orgpolicy.go); nil when not given
	roleDups     model.Duplicates // custom roles read twice (formats.go, noteRole)
	// resolved: the ancestor sets are closed; whatever adds a node or an
	// ancestor clears it, so that resolveAncestors runs again only then.
	resolved   bool
	groupsMemo map[string]map[string]bool // groupsOf, by member; reset when memberships are read
	memberOf   map[string][]string        // lower-case group member -> the groups listing it (ASCII members)
	referrers  map[string][]*node         // project name -> nodes that have had it as ancestor (addAncestor)
	looseOf    []string                   // groups with a non-ASCII member, which EqualFold may match beyond lower case
	wif        *wifState                  // workload identity pools and providers (federation.go); nil when not given
	pab        *pabState                  // principal access boundary policies and bindings (pab.go); nil when not given
}

type chainEntry struct {
	bindings []gcp.NodeBindings
	denies   []gcp.NodeDenies
}

// New returns an empty snapshot with the offline table of predefined roles.
func New() *Snapshot {
	s := &Snapshot{nodes: map[string]*node{}, aliases: map[string]string{}, bindings: map[string][]gcp.Binding{},
		denies: map[string][]gcp.DenyRule{}, roles: gcp.NewRoles(), definedRoles: map[string]bool{},
		conds: gcp.NewConditions(), groupMembers: map[string][]string{}}
	s.builtinErr = loadPredefinedRoles(s.roles)
	if s.builtinErr == nil {
		addRunnerRoles(s.roles)
	}
	s.roleDups.Kind = "custom roles"
	return s
}

// UseCatalog gives the catalog to WhoCan.
func (s *Snapshot) UseCatalog(c *catalog.Catalog) { s.cat = c; s.resetProbes() }

// The kinds of item counted in Snapshot.counts (model.Count.Item).
const (
	itemBindings  = "bindings"
	itemMembers   = "members" // of bindings
	itemRoles     = "custom roles"
	itemDenyRules = "deny rules"
)

func (s *Snapshot) warn(file, where, msg string) {
	w := file
	if where != "" {
		w += ": " + where
	}
	s.warnings = append(s.warnings, model.Warning{Where: w, Message: msg})
}

func kindOf(name string) string {
	switch {
	case strings.HasPrefix(name, "organizations/"):
		return "organization"
	case strings.HasPrefix(name, "folders/"):
		return "folder"
	case strings.HasPrefix(name, "projects/") && strings.Count(name, "/") == 1:
		return "project"
	}
	return "resource"
}

// canonical names a node: hierarchy nodes without the service prefix,
// projects by ID when the number is known to map to one.
func (s *Snapshot) canonical(name string) string {
	name = strings.TrimPrefix(name, crm)
	if a, ok := s.aliases[name]; ok {
		return a
	}
	return name
}

func (s *Snapshot) node(name string) *node {
	name = s.canonical(name)
	n, ok := s.nodes[name]
	if !ok {
		n = &node{name: name, kind: kindOf(name), ancestors: map[string]bool{}}
		s.nodes[name] = n
		s.resolved = false
	}
	return n
}

// aliasProject records that projects/NUMBER is projects/ID, merging what
// was recorded under the number.
func (s *Snapshot) aliasProject(number, id string) {
	if number == "" || id == "" || number == id {
		return
	}
	from, to := "projects/"+number, "projects/"+id
	s.aliases[from] = to
	s.resolved = false
	if old, ok := s.nodes[from]; ok {
		n := s.node(to)
		for a := range old.ancestors {
			s.addAncestor(n, a)
		}
		delete(s.nodes, from)
		s.bindings[to] = append(s.bindings[to], s.bindings[from]...)
		delete(s.bindings, from)
		s.denies[to] = append(s.denies[to], s.denies[from]...)
		delete(s.denies, from)
	}
	for _, n := range s.referrers[from] {
		if s.nodes[n.name] == n && n.ancestors[from] {
			delete(n.ancestors, from)
			s.addAncestor(n, to)
		}
	}
	delete(s.referrers, from)
}

// addAncestor records a as an ancestor of n, and n among the nodes that
// name a project as ancestor, so that aliasProject rewrites only those
// (visiting every node for every project was quadratic).
func (s *Snapshot) addAncestor(n *node, a string) {
	if n.ancestors[a] {
		return
	}
	n.ancestors[a] = true
	s.resolved = false
	if strings.HasPrefix(a, "projects/") {
		if s.referrers == nil {
			s.referrers = map[string][]*node{}
		}
		s.referrers[a] = append(s.referrers[a], n)
	}
}

// nodeForResource returns the node of a full resource name, learning the
// project's number-to-ID alias and the resource attributes on the way.
func (s *Snapshot) nodeForResource(full, assetType, project string) string {
	if strings.HasPrefix(full, crm) {
		name := strings.TrimPrefix(full, crm)
		if kindOf(name) == "project" && project != "" && project != name {
			s.aliasProject(strings.TrimPrefix(project, "projects/"), strings.TrimPrefix(name, "projects/"))
		}
		return s.node(name).name
	}
	n := s.resource(full, assetType, project)
	return n.name
}

// resource registers a resource by full name (//service/projects/P/...).
func (s *Snapshot) resource(full, assetType, project string) *node {
	n := s.node(full)
	rest := strings.TrimPrefix(full, "//")
	svc, rel, _ := strings.Cut(rest, "/")
	n.attrs = gcp.ResourceAttrs{Name: rel, Service: svc, Type: assetType}
	if n.attrs.Type == "" {
		n.attrs.Type = typeFromName(svc, rel)
	}
	if strings.HasPrefix(rel, "projects/") {
		parts := strings.SplitN(rel, "/", 3)
		pid := "projects/" + parts[1]
		if project != "" && project != pid {
			s.aliasProject(strings.TrimPrefix(project, "projects/"), parts[1])
		}
		s.addAncestor(n, s.canonical(pid))
		s.node(pid)
	}
	return n
}

// typeFromName guesses an asset type (artifactregistry.googleapis.com/Repository)
// from the last collection of a resource name.
func typeFromName(svc, rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) < 2 {
		return svc + "/" + "Bucket"
	}
	coll := parts[len(parts)-2]
	switch {
	case strings.HasSuffix(coll, "ies"):
		coll = strings.TrimSuffix(coll, "ies") + "y"
	case strings.HasSuffix(coll, "s"):
		coll = strings.TrimSuffix(coll, "s")
	}
	if coll == "" {
		return svc
	}
	return svc + "/" + strings.ToUpper(coll[:1]) + coll[1:]
}

func (s *Snapshot) addAncestors(name string, ancestors []string) {
	n := s.node(name)
	for _, a := range ancestors {
		a = s.canonical(a)
		if a != "" && a != n.name {
			s.addAncestor(n, a)
			s.node(a)
		}
	}
}

// resolveAncestors closes the ancestor sets: a project's folders reach the
// resources in it, a projects list's parents are followed.
func (s *Snapshot) resolveAncestors() {
	if s.resolved {
		return
	}
	defer func() { s.resolved = true }()
	for _, n := range s.nodes {
		if n.parent != "" {
			s.addAncestor(n, s.canonical(n.parent))
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range s.nodes {
			for a := range n.ancestors {
				an, ok := s.nodes[a]
				if !ok {
					continue
				}
				for aa := range an.ancestors {
					if !n.ancestors[aa] && aa != n.name {
						s.addAncestor(n, aa)
						changed = true
					}
				}
			}
		}
	}
}

// chain returns the allow bindings and deny rules of a node and all its
// ancestors.
func (s *Snapshot) chain(n *node) ([]gcp.NodeBindings, []gcp.NodeDenies) {
	if c, ok := s.chains[n.name]; ok {
		return c.bindings, c.denies
	}
	if s.chains == nil {
		s.chains = map[string]chainEntry{}
	}
	names := []string{n.name}
	for a := range n.ancestors {
		names = append(names, a)
	}
	sort.Strings(names[1:])
	var nb []gcp.NodeBindings
	var nd []gcp.NodeDenies
	for _, name := range names {
		if b := s.bindings[name]; len(b) > 0 {
			nb = append(nb, gcp.NodeBindings{Node: name, Bindings: b})
		}
		if d := s.denies[name]; len(d) > 0 {
			nd = append(nd, gcp.NodeDenies{Node: name, Rules: d})
		}
	}
	s.chains[n.name] = chainEntry{nb, nd}
	return nb, nd
}

// identities lists every member the bindings name, groups expanded to their
// members where the memberships are known.
func (s *Snapshot) identities() []*gcp.Identity {
	seen := map[string]bool{}
	var members []string
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			members = append(members, m)
		}
	}
	var expand func(m string, depth int)
	expand = func(m string, depth int) {
		if gcp.Kind(m) == "group" && depth < 32 {
			if ms, ok := s.groupMembers[strings.ToLower(strings.TrimPrefix(m, "group:"))]; ok {
				for _, x := range ms {
					expand(x, depth+1)
				}
				return
			}
		}
		add(m)
	}
	names := make([]string, 0, len(s.bindings))
	for n := range s.bindings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, b := range s.bindings[n] {
			for _, m := range b.Members {
				expand(m, 0)
			}
		}
	}
	sort.Strings(members)
	out := make([]*gcp.Identity, 0, len(members))
	for _, m := range members {
		out = append(out, &gcp.Identity{Member: m, Groups: s.groupsOf(m)})
	}
	return out
}

// groupsOf returns the groups a member belongs to, transitively (a group
// listing it, EqualFold, or a group listing such a group, 32 levels deep).
// The set is shared: callers do not change it.
func (s *Snapshot) groupsOf(member string) map[string]bool {
	if g, ok := s.groupsMemo[member]; ok {
		return g
	}
	if s.memberOf == nil {
		s.memberOf = map[string][]string{}
		names := make([]string, 0, len(s.groupMembers))
		for g := range s.groupMembers {
			names = append(names, g)
		}
		sort.Strings(names)
		for _, g := range names {
			loose := false
			for _, x := range s.groupMembers[g] {
				if !isASCII(x) {
					loose = true
					continue
				}
				k := strings.ToLower(x)
				if l := s.memberOf[k]; len(l) == 0 || l[len(l)-1] != g {
					s.memberOf[k] = append(l, g)
				}
			}
			if loose {
				s.looseOf = append(s.looseOf, g)
			}
		}
	}
	// listing reports the groups that list m (strings.EqualFold): through
	// the lower-case index when both sides are ASCII, else by a scan.
	listing := func(m string, f func(g string)) {
		if !isASCII(m) {
			for g, ms := range s.groupMembers {
				for _, x := range ms {
					if strings.EqualFold(x, m) {
						f(g)
						break
					}
				}
			}
			return
		}
		for _, g := range s.memberOf[strings.ToLower(m)] {
			f(g)
		}
		for _, g := range s.looseOf {
			for _, x := range s.groupMembers[g] {
				if strings.EqualFold(x, m) {
					f(g)
					break
				}
			}
		}
	}
	out := map[string]bool{}
	var walk func(m string, depth int)
	walk = func(m string, depth int) {
		if depth > 32 {
			return
		}
		listing(m, func(g string) {
			if !out[g] {
				out[g] = true
				walk("group:"+g, depth+1)
			}
		})
	}
	walk(member, 0)
	if s.groupsMemo == nil {
		s.groupsMemo = map[string]map[string]bool{}
	}
	s.groupsMemo[member] = out
	return out
}

func (s *Snapshot) orgDomains() map[string]bool {
	out := map[string]bool{}
	for _, bs := range s.bindings {
		for _, b := range bs {
			for _, m := range b.Members {
				if gcp.Kind(m) == "domain" {
					out[strings.ToLower(strings.TrimPrefix(m, "domain:"))] = true
				}
			}
		}
	}
	for g := range s.groupMembers {
		if _, d, ok := strings.Cut(g, "@"); ok {
			out[d] = true
		}
	}
	return out
}

func (s *Snapshot) principal(id *gcp.Identity, domains map[string]bool) model.Principal {
	m := id.Member
	p := model.Principal{ID: m, Cloud: cloudName, Kind: gcp.Kind(m), Name: m}
	if _, e, ok := strings.Cut(m, ":"); ok && !strings.Contains(m, "://") {
		p.Name = e
	}
	switch p.Kind {
	case "allUsers", "allAuthenticatedUsers":
		p.Kind, p.Public, p.External = "public", true, true
	case "serviceAccount":
		if _, dom, ok := strings.Cut(p.Name, "@"); ok {
			if proj, ok := strings.CutSuffix(dom, ".iam.gserviceaccount.com"); ok {
				p.Account = proj
			}
		}
	case "user":
		if _, dom, ok := strings.Cut(p.Name, "@"); ok && len(domains) > 0 && !domains[strings.ToLower(dom)] {
			p.External = true
		}
	}
	for g := range id.Groups {
		p.Groups = append(p.Groups, g)
	}
	sort.Strings(p.Groups)
	return p
}

func (s *Snapshot) unknownRoles() []string {
	var out []string
	seen := map[string]bool{}
	for _, bs := range s.bindings {
		for _, b := range bs {
			if !s.roles.Known(b.Role) && !seen[b.Role] {
				seen[b.Role] = true
				out = append(out, b.Role)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (s *Snapshot) generalWarnings() []model.Warning {
	var w []model.Warning
	if s.builtinErr != nil {
		w = append(w, model.Warning{Message: "built-in table of predefined roles: " + s.builtinErr.Error()})
	}
	if u := s.unknownRoles(); len(u) > 0 {
		w = append(w, model.Warning{Message: fmt.Sprintf("%d role(s) with unknown permissions; their bindings grant nothing in this analysis until their definitions are given (gcloud iam roles describe, docs/inputs.md): %s", len(u), strings.Join(u, ", "))})
	}
	return w
}
