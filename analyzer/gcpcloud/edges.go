package gcpcloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// impersonation are the permissions that let a member act as a service
// account directly.
var impersonation = []string{
	"iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt",
	"iam.serviceAccounts.implicitDelegation", "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccountKeys.create",
}

// setIamPolicy lets a member grant itself any role on a node and below.
var setIamPolicy = map[string]string{
	"organization": "resourcemanager.organizations.setIamPolicy",
	"folder":       "resourcemanager.folders.setIamPolicy",
	"project":      "resourcemanager.projects.setIamPolicy",
}

// edges: impersonating a service account, attaching it to compute the
// member runs (actAs), and rewriting the allow policy of a node.
func (s *Snapshot) edges() []model.Edge {
	s.resolveAncestors()
	s.completeRoles()
	var out []model.Edge
	ids := s.identities()
	sas := s.serviceAccounts()
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
				// Cloud Build is the one runner the offline role table can
				// settle; other compute creation is assumed.
				if proj := s.nodes[projectNode(sa.node)]; proj != nil {
					pc, pd := chains.get(proj)
					b := gcp.Decide(&gcp.Request{Identity: id, Permission: "cloudbuild.builds.create", Resource: &gcp.ResourceAttrs{Service: "cloudbuild.googleapis.com"}}, pc, pd, s.roles, s.conds)
					if b.Allowed != tri.False {
						e.Permissions = append(e.Permissions, "cloudbuild.builds.create")
					} else {
						e.Assumed = true
						e.Note += " (if it can also create compute there: not settled offline)"
					}
				} else {
					e.Assumed = true
				}
				out = append(out, e)
			}
		}
		out = append(out, s.customRoleEdges(id)...)
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
	out = append(out, s.cloudBuildEdges(ids)...)
	out = append(out, s.adminBridgeEdges(out)...)
	return model.MergeEdges(out)
}

// customRoleEdges: a member that holds a custom role at a node and can
// update that role can add any permission to it there.
func (s *Snapshot) customRoleEdges(id *gcp.Identity) []model.Edge {
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
				roleNode.ancestors[parent] = true
				s.resolveAncestors()
				s.chains, s.idChains = nil, nil
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
func (s *Snapshot) cloudBuildEdges(ids []*gcp.Identity) []model.Edge {
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

// saEdgePermissions are the permissions that draw an edge to a service
// account.
var saEdgePermissions = append(append([]string{}, impersonation...), "iam.serviceAccounts.actAs", "iam.serviceAccounts.setIamPolicy")

// anyEdgePermission reports whether some role of the chain holds (or may
// hold, when unknown) a permission that draws an edge to a service account.
func (s *Snapshot) anyEdgePermission(chain []gcp.NodeBindings) bool {
	for _, nb := range chain {
		for _, b := range nb.Bindings {
			if v, ok := s.edgeRoles[b.Role]; ok {
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
			if s.edgeRoles == nil {
				s.edgeRoles = map[string]bool{}
			}
			s.edgeRoles[b.Role] = v
			if v {
				return true
			}
		}
	}
	return false
}

type serviceAccount struct {
	member string
	node   *node
}

// serviceAccounts are the service accounts the inputs name, each with its
// node (its own resource when it has a policy, else its project).
func (s *Snapshot) serviceAccounts() []serviceAccount {
	added := false
	seen := map[string]bool{}
	var out []serviceAccount
	add := func(email string) {
		email = strings.ToLower(email)
		if seen[email] {
			return
		}
		seen[email] = true
		_, dom, _ := strings.Cut(email, "@")
		proj, ok := strings.CutSuffix(dom, ".iam.gserviceaccount.com")
		if !ok {
			return // service agents and default accounts of unknown projects
		}
		full := "//iam.googleapis.com/projects/" + proj + "/serviceAccounts/" + email
		n, ok := s.nodes[s.canonical(full)]
		if !ok {
			if _, known := s.nodes["projects/"+proj]; !known {
				return
			}
			n = s.resource(full, "iam.googleapis.com/ServiceAccount", "")
			added = true
		}
		out = append(out, serviceAccount{member: "serviceAccount:" + email, node: n})
	}
	for _, n := range s.sortedNodes() {
		if n.attrs.Type == "iam.googleapis.com/ServiceAccount" {
			add(n.attrs.Name[strings.LastIndexByte(n.attrs.Name, '/')+1:])
		}
	}
	for _, id := range s.identities() {
		if gcp.Kind(id.Member) == "serviceAccount" {
			add(strings.TrimPrefix(id.Member, "serviceAccount:"))
		}
	}
	if added {
		// New nodes: close their ancestry once, and drop the caches built
		// without them.
		s.resolveAncestors()
		s.chains, s.idChains, s.denyList = nil, nil, nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].member < out[j].member })
	return out
}

func projectNode(n *node) string {
	if n.kind == "project" {
		return n.name
	}
	for a := range n.ancestors {
		if strings.HasPrefix(a, "projects/") {
			return a
		}
	}
	return ""
}

func gcpEdge(r gcp.Result, from, to, kind, perm string) (model.Edge, bool) {
	if r.Allowed == tri.False {
		return model.Edge{}, false
	}
	t, _ := target(r, to, false, false)
	return model.Edge{From: from, To: to, Cloud: cloudName, Kind: kind, Permissions: []string{perm}, Via: t.Via, Conditional: r.Allowed == tri.Unknown}, true
}

// AdminHolds decides a permission for a member that has granted itself any
// role on a node: deny policies still apply.
func (s *Snapshot) AdminHolds(admin, permission, resource string) model.Access {
	_, scope, member, ok := model.ParseAdminNode(admin)
	if !ok {
		return ""
	}
	s.resolveAncestors()
	target := s.nodes[scope]
	if target == nil {
		return ""
	}
	attrs := gcp.ResourceAttrs{}
	if resource != "" {
		n, known := s.nodes[s.canonical(resource)]
		if !known || (n.name != scope && !n.ancestors[scope]) {
			return ""
		}
		target, attrs = n, n.attrs
	} else if s.cat != nil {
		for _, e := range s.cat.Lookup(cloudName, permission) {
			attrs = prepare([]catalog.Entry{e})[0].attrs
		}
	}
	_, denies := s.chain(target)
	id := &gcp.Identity{Member: member, Groups: s.groupsOf(member)}
	grant := []gcp.NodeBindings{{Node: scope, Bindings: []gcp.Binding{{Role: "(any)", Members: []string{member}}}}}
	r := gcp.Decide(&gcp.Request{Identity: id, Permission: permission, Resource: &attrs}, grant, denies, anyRole(permission), s.conds)
	a, _ := model.AccessOf(r.Allowed)
	return a
}
