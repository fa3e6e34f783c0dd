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
func (s *Snapshot) adminBridgeEdges(edges []model.Edge) []model.Edge {
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
			if sa.member == member || !s.under(sa.node, scope) || !s.boundOutside(sa.member, scope) {
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

// under reports whether n is scope or lies below it.
func (s *Snapshot) under(n *node, scope string) bool {
	return n.name == scope || n.ancestors[scope]
}

// boundOutside reports whether a member, or a group it is in, holds a
// binding on a node that is not scope and not below it.
func (s *Snapshot) boundOutside(member, scope string) bool {
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
