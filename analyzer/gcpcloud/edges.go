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
// member runs (actAs), and rewriting the allow policy of a node. Each
// identity is decided on its own bindings through the index, on all cores;
// an identity visits only the service accounts below a binding of a role
// that may draw an edge, and the Cloud Build projects below a binding of a
// role that may start builds.
func (s *Snapshot) edges() []model.Edge {
	s.resolveAncestors()
	s.completeRoles()
	ids := s.identities()
	sas := s.serviceAccounts()
	ix := s.buildIndex(edgePermissions)
	col := func(p string) int { return ix.cols[p] }
	// The service accounts at or below each node.
	under := make([][]int32, len(ix.names))
	for i, sa := range sas {
		for _, n := range ix.up[ix.ids[sa.node.name]] {
			under[n] = append(under[n], int32(i))
		}
	}
	// The projects of default Cloud Build service accounts, at or below
	// each node.
	type build struct {
		member string
		proj   int32
	}
	var builds []build
	for _, sa := range ids {
		email := strings.TrimPrefix(sa.Member, "serviceAccount:")
		num, ok := strings.CutSuffix(email, "@cloudbuild.gserviceaccount.com")
		if !ok || gcp.Kind(sa.Member) != "serviceAccount" {
			continue
		}
		if proj := s.nodes[s.canonical("projects/"+num)]; proj != nil {
			builds = append(builds, build{sa.Member, ix.ids[proj.name]})
		}
	}
	buildsUnder := make([][]int32, len(ix.names))
	for i, b := range builds {
		for _, n := range ix.up[b.proj] {
			buildsUnder[n] = append(buildsUnder[n], int32(i))
		}
	}
	cbCol := col("cloudbuild.builds.create")
	inv := s.layoutRunners(ix)
	type roleUse struct {
		scope *node
		b     *gcp.Binding
	}
	perID := make([][]model.Edge, len(ids))
	roleUses := make([][]roleUse, len(ids))
	ix.eachIdentity(len(ids), func(sc *scratch, i int) {
		id := ids[i]
		v := ix.view(sc, id)
		if len(v.bound) == 0 {
			return
		}
		var out []model.Edge
		decide := func(t int32, chain []chainCover, perm string, attrs *gcp.ResourceAttrs) gcp.Result {
			return ix.decide(sc, v, chain, col(perm), t, attrs)
		}
		// Service accounts.
		sc.markGen++
		var reached, cb []int32
		for _, g := range v.groups {
			if !g.bound {
				continue
			}
			edge, builds := false, false
			for _, c := range g.covers {
				r := ix.bind[c.b].role
				edge = edge || ix.edgeRole[r]
				builds = builds || ix.roleHas(r, cbCol)
			}
			if edge {
				for _, a := range under[g.node] {
					if sc.mark(a) {
						reached = append(reached, a)
					}
				}
			}
			if builds {
				cb = append(cb, buildsUnder[g.node]...)
			}
		}
		sortInt32(reached)
		for _, a := range reached {
			sa := sas[a]
			if sa.member == id.Member {
				continue
			}
			t := ix.ids[sa.node.name]
			chain := ix.chainOf(sc, v, t, true)
			attrs := sa.node.attrs
			for _, perm := range impersonation {
				if e, ok := gcpEdge(decide(t, chain, perm, &attrs), id.Member, sa.member, "impersonate", perm); ok {
					e.Note = "can mint credentials of the service account"
					out = append(out, e)
				}
			}
			// Rewriting the account's own allow policy lets the member grant
			// itself token creation on it.
			if r := decide(t, chain, "iam.serviceAccounts.setIamPolicy", &attrs); r.Allowed != tri.False {
				if e, ok := gcpEdge(r, id.Member, sa.member, "set-iam-policy", "iam.serviceAccounts.setIamPolicy"); ok {
					e.Note = "can grant itself any role on the service account"
					out = append(out, e)
				}
			}
			r := decide(t, chain, "iam.serviceAccounts.actAs", &attrs)
			if e, ok := gcpEdge(r, id.Member, sa.member, "act-as", "iam.serviceAccounts.actAs"); ok {
				e.Note = "can run compute as the service account"
				// Settled by the runners it may create in the account's
				// project (compute.go).
				keep := true
				if proj := s.nodes[projectNode(sa.node)]; proj != nil {
					p := ix.ids[proj.name]
					pchain := append([]chainCover(nil), ix.chainOf(sc, v, p, true)...)
					keep = s.settleActAs(&e, proj.name, func(perm string) gcp.Result {
						return decide(p, pchain, perm, &gcp.ResourceAttrs{Service: serviceOf(perm)})
					})
				} else {
					e.Assumed = true
				}
				if keep {
					out = append(out, e)
				}
			}
		}
		// Listed instances and build triggers it may take over.
		out = append(out, inv.edges(ix, sc, v, id.Member)...)
		// Custom roles it holds on a scope, decided below once their nodes
		// exist (creating them changes the snapshot).
		for _, n := range v.bound {
			nd := ix.nodes[n]
			if nd == nil || nd.kind == "resource" || sc.stamp[n] != sc.gen {
				continue
			}
			for _, c := range v.groups[sc.slot[n]].covers {
				b := ix.bind[c.b].b
				if isPredefined(b.Role) || (b.Condition != nil && b.Condition.Expression != "") {
					continue
				}
				roleUses[i] = append(roleUses[i], roleUse{nd, b})
			}
		}
		// Rewriting the allow policy of a scope.
		for _, n := range v.bound {
			nd := ix.nodes[n]
			if nd == nil || nd.kind == "resource" {
				continue
			}
			perm, ok := setIamPolicy[nd.kind]
			if !ok {
				continue
			}
			r := decide(n, ix.chainOf(sc, v, n, true), perm, &gcp.ResourceAttrs{Service: "cloudresourcemanager.googleapis.com"})
			if e, ok := gcpEdge(r, id.Member, model.AdminNode(cloudName, nd.name, id.Member), "set-iam-policy", perm); ok {
				e.Note = "can grant itself any role on " + nd.name + " and below"
				out = append(out, e)
			}
		}
		// Builds in projects whose default Cloud Build account it runs as.
		sortInt32(cb)
		for k, bi := range cb {
			if k > 0 && cb[k-1] == bi {
				continue
			}
			bd := builds[bi]
			if bd.member == id.Member {
				continue
			}
			r := decide(bd.proj, ix.chainOf(sc, v, bd.proj, true), "cloudbuild.builds.create", &gcp.ResourceAttrs{Service: "cloudbuild.googleapis.com"})
			if e, ok := gcpEdge(r, id.Member, bd.member, "cloud-build", "cloudbuild.builds.create"); ok {
				e.Note = "builds in " + ix.names[bd.proj] + " run as its default Cloud Build service account"
				out = append(out, e)
			}
		}
		perID[i] = out
	})
	var out []model.Edge
	for i, id := range ids {
		out = append(out, perID[i]...)
		for _, u := range roleUses[i] {
			if e, ok := s.customRoleEdge(id, u.scope, u.b); ok {
				out = append(out, e)
			}
		}
	}
	out = append(out, s.adminBridgeEdges(out, sas, ix, under)...)
	out = append(out, s.federationEdges(out)...)
	// Edges merge only with edges of the same source, target and kind, all
	// of which come from one identity above, in the order they were drawn
	// before; the order of the others is settled by MergeEdges' sort.
	return model.MergeEdges(out)
}

// edgePermissions are the columns of the edges' index.
var edgePermissions = append(append(append([]string{}, saEdgePermissions...), "cloudbuild.builds.create",
	"resourcemanager.organizations.setIamPolicy", "resourcemanager.folders.setIamPolicy", "resourcemanager.projects.setIamPolicy"), computePermissions...)

// customRoleEdge: a member that holds a custom role at a node and can
// update that role can add any permission to it there.
func (s *Snapshot) customRoleEdge(id *gcp.Identity, n *node, b *gcp.Binding) (model.Edge, bool) {
	// The role's own resource: projects/P/roles/R or organizations/O/roles/R.
	_, existed := s.nodes[s.canonical(b.Role)]
	resolved := s.resolved
	roleNode := s.node(b.Role)
	if !strings.HasPrefix(b.Role, "projects/") && !strings.HasPrefix(b.Role, "organizations/") {
		return model.Edge{}, false
	}
	parent := s.canonical(b.Role[:strings.Index(b.Role, "/roles/")])
	if !roleNode.ancestors[parent] {
		s.addAncestor(roleNode, parent)
		if existed || !resolved {
			s.resolved = false
			s.resolveAncestors()
		} else {
			// A new node is nobody's ancestor: its ancestry is its
			// parent's, closed already, and the rest stays closed.
			if p := s.nodes[parent]; p != nil {
				for a := range p.ancestors {
					if a != roleNode.name {
						s.addAncestor(roleNode, a)
					}
				}
			}
			s.resolved = true
		}
		s.chains = nil
	}
	chain, denies := s.chain(roleNode)
	r := gcp.Decide(&gcp.Request{Identity: id, Permission: "iam.roles.update", Resource: &gcp.ResourceAttrs{Name: b.Role, Service: "iam.googleapis.com", Type: "iam.googleapis.com/Role"}}, chain, denies, s.roles, s.conds)
	e, ok := gcpEdge(r, id.Member, model.AdminNode(cloudName, n.name, id.Member), "custom-role-update", "iam.roles.update")
	if ok {
		e.Note = "can add any permission to " + b.Role + ", which it holds on " + n.name
	}
	return e, ok
}

// saEdgePermissions are the permissions that draw an edge to a service
// account.
var saEdgePermissions = append(append([]string{}, impersonation...), "iam.serviceAccounts.actAs", "iam.serviceAccounts.setIamPolicy")

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
		s.chains = nil
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
