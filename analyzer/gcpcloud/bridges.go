package gcpcloud

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// An admin node (a member that can grant itself any role on an
// organization, folder or project) holds what such a grant gives at that
// node and below, and nothing elsewhere by itself (AdminHolds). The real
// ways out are the service accounts under the node that hold bindings
// elsewhere: the admin can grant itself token creation on such an account
// and act as it. adminBridgeEdges draws those edges, decided with the
// deny policies that still apply to the admin.
//
// under lists the service accounts (indexes into sas) at or below each
// node of the index, so that an admin visits only those of its scope.
func (s *Snapshot) adminBridgeEdges(edges []model.Edge, sas []serviceAccount, ix *evalIndex, under [][]int32) []model.Edge {
	names := model.AdminTargets(edges)
	if len(names) == 0 {
		return nil
	}
	// The nodes where each service account, or a group it is in, holds a
	// binding, found once: one outside the scope is a way out.
	boundAt := make([][]*node, len(sas))
	found := make([]bool, len(sas))
	var out []model.Edge
	for _, admin := range names {
		_, scope, member, _ := model.ParseAdminNode(admin)
		if s.nodes[scope] == nil {
			continue
		}
		sid, ok := ix.ids[scope]
		if !ok {
			continue
		}
		id := &gcp.Identity{Member: member, Groups: s.groupsOf(member)}
		for _, i := range under[sid] {
			sa := sas[i]
			if sa.member == member {
				continue
			}
			if !found[i] {
				found[i] = true
				boundAt[i] = s.boundNodesOf(sa.member)
			}
			outside := false
			for _, n := range boundAt[i] {
				if !s.under(n, scope) {
					outside = true
					break
				}
			}
			if !outside {
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

// boundNodesOf lists the nodes where a member, or a group it is in, holds
// a binding.
func (s *Snapshot) boundNodesOf(member string) []*node {
	idx := s.memberNodes()
	keys := []string{strings.ToLower(member)}
	for g := range s.groupsOf(member) {
		keys = append(keys, strings.ToLower("group:"+g))
	}
	var out []*node
	for _, k := range keys {
		for name := range idx[k] {
			if n := s.nodes[name]; n != nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// under reports whether n is scope or lies below it.
func (s *Snapshot) under(n *node, scope string) bool {
	return n.name == scope || n.ancestors[scope]
}
