package azurecloud

import (
	"slices"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// An admin node (a principal that can assign itself any role at a scope)
// holds what that gives at the scope and below, and nothing elsewhere by
// itself (AdminHolds). The real ways out are the user-assigned managed
// identities under the scope that hold role assignments elsewhere: the
// admin can attach such an identity to compute it creates and run code as
// it. adminBridgeEdges draws those edges, decided with the deny
// assignments that still apply to the admin.
func (ix *index) adminBridgeEdges(edges []model.Edge) []model.Edge {
	names := model.AdminTargets(edges)
	if len(names) == 0 || len(ix.idents) == 0 {
		return nil
	}
	assign := ix.opID[opKey{opAssignIdentity, false}]
	var out []model.Edge
	for _, admin := range names {
		_, scope, principal, _ := model.ParseAdminNode(admin)
		norm, ok := ix.scopeID[azure.NormalizeScope(scope)]
		if !ok {
			continue // no identity is under a scope the index has not met
		}
		sub := ix.subjectFor(principal)
		for _, i := range ix.identsUnder[norm] {
			mi := &ix.idents[i]
			if mi.principal == strings.ToLower(principal) || !ix.assignedOutside(mi.principal, norm) {
				continue
			}
			a := ix.adminAllowed(sub, norm, mi.scope, assign, true)
			if a == tri.False {
				continue
			}
			for _, op := range computeWrites {
				c := ix.adminAllowed(sub, norm, mi.group, ix.opID[opKey{op, false}], true)
				if c == tri.False {
					continue
				}
				out = append(out, model.Edge{From: admin, To: mi.principal, Cloud: cloudName, Kind: "admin-takeover",
					Permissions: []string{opAssignIdentity, op},
					Conditional: a == tri.Unknown || c == tri.Unknown,
					Note:        "as an administrator of " + scope + ", can attach the managed identity " + ix.scopes[mi.scope].name + " to compute it creates; the identity holds roles outside " + scope})
				break
			}
		}
	}
	return out
}

// adminAllowed decides operation o at target t for a subject that holds
// any role at scope admin: azure.Decide with that one assignment. Only a
// caller that owns the subject may cache (it writes the subject's cache of
// deny coverage); AdminHolds, which others may call concurrently, does not.
func (ix *index) adminAllowed(sub *subject, admin, t int32, o int, cache bool) tri.Tri {
	if !slices.Contains(ix.anc[t], admin) {
		return tri.False
	}
	allow := ix.anyRole[o]
	if allow == tri.False {
		return allow
	}
	for _, a := range ix.anc[t] {
		for _, d := range ix.scopes[a].denyAt {
			if (ix.denies[d].children || a == t) && ix.denies[d].grants[o] && ix.coversNow(sub, d, cache) {
				return tri.False
			}
		}
	}
	return allow
}

// assignedOutside reports whether a principal (or a group it is in) holds
// a role assignment at a scope that is not the scope given and not below it.
func (ix *index) assignedOutside(principal string, scope int32) bool {
	for _, t := range ix.subjectFor(principal).held {
		if !slices.Contains(ix.anc[t], scope) {
			return true
		}
	}
	return false
}
