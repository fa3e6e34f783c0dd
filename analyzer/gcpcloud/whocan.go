package gcpcloud

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// Owns reports GCP permissions: service.resource.verb.
func (s *Snapshot) Owns(permission string) bool {
	parts := strings.Split(permission, ".")
	return len(parts) >= 3 && !strings.ContainsAny(permission, ":/ ")
}

// WhoCan decides one permission for every member: on the resource when one
// is given (a full resource name; its project and ancestors must be in the
// inputs), otherwise at every scope where the member holds a binding.
func (s *Snapshot) WhoCan(permission, resource string) []model.Answer {
	s.resolveAncestors()
	s.completeRoles()
	var at *node
	if resource != "" {
		name := s.canonical(resource)
		if n, ok := s.nodes[name]; ok {
			at = n
		} else if strings.HasPrefix(resource, "//") {
			at = s.resource(resource, "", "")
			s.resolveAncestors()
		} else {
			at = s.node(resource)
			s.resolveAncestors()
		}
	}
	attrs := gcp.ResourceAttrs{}
	if s.cat != nil {
		for _, e := range s.cat.Lookup(cloudName, permission) {
			a := prepare([]catalog.Entry{e})
			attrs = a[0].attrs
		}
	}
	var out []model.Answer
	pv := s.pabView()
	for _, id := range s.identities() {
		req := &gcp.Request{Identity: id, Permission: permission}
		var best *model.Answer
		consider := func(n *node, res string, all bool) {
			ra := attrs
			if n.kind == "resource" {
				ra = n.attrs
			}
			req.Resource = &ra
			chain, denies := s.chain(n)
			r := s.pabDecide(pv, id, permission, n, gcp.Decide(req, chain, denies, s.roles, s.conds))
			t, ok := target(r, res, n.kind == "resource", all)
			if !ok {
				return
			}
			if best == nil || (best.Access == model.Conditional && t.Access == model.Allowed) {
				best = &model.Answer{ID: id.Member, Cloud: cloudName, Kind: gcp.Kind(id.Member), Name: id.Member, Access: t.Access, Resource: res, Via: t.Via}
			}
		}
		if at != nil {
			consider(at, resource, false)
		} else {
			scopes := s.scopes(id)
			if pv != nil {
				bound := pv.bound(id)
				for _, n := range pv.pabScopes(bound, scopes) {
					if pv.blocksAny(bound, permission) {
						scopes = append(scopes, n)
					}
				}
			}
			for _, n := range scopes {
				consider(n, crm+n.name, true)
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}

// Edges are the "can act as" edges among the principals.
func (s *Snapshot) Edges() []model.Edge { return s.edges() }

// PrincipalKind tells the kind of a member (user, serviceAccount, group,
// ...), for the answers reached through a chain (analyzer.WhoCan).
func (s *Snapshot) PrincipalKind(id string) (kind, name string, ok bool) {
	if k := gcp.Kind(id); k != "unknown" {
		return k, id, true
	}
	return "", "", false
}
