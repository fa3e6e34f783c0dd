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
	s.markUnusable(facts)
	for i, id := range ids {
		out.Principals = append(out.Principals, s.principal(id, domains))
		out.Facts = append(out.Facts, facts[i]...)
	}
	out.Warnings = append(append(out.Warnings, s.warnings...), s.generalWarnings()...)
	out.Counts = s.evaluatedCounts()
	out.Federation = s.FederatedTrusts()
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
// bindings naming it, its groups, its domain, its pool's /* set (a
// federated subject principal), or everyone.
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
	if ps, ok := gcp.PoolSet(id.Member); ok {
		keys = append(keys, strings.ToLower(ps))
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
		if strings.HasPrefix(d.Rule.Policy, pabVia) {
			gr.PolicyType = "principal_access_boundary"
		}
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
