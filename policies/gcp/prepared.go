package gcp

import (
	"strings"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// PreparedMember is a binding member parsed and case-folded once, so that
// matching it against many identities compares strings without lowering
// them again. Raw keeps the member as the input spells it, for reports.
type PreparedMember struct {
	Raw   string
	Kind  string // Kind(Raw)
	Email string // the lower-case part after the first ':' (email or domain)
	At    string // "@" + Email, for domain members
}

// PrepareMember parses a binding member.
func PrepareMember(m string) PreparedMember {
	p := PreparedMember{Raw: m, Kind: Kind(m), Email: email(m)}
	if p.Kind == "domain" {
		p.At = "@" + p.Email
	}
	return p
}

// PreparedIdentity is an identity parsed and case-folded once.
type PreparedIdentity struct {
	*Identity
	Kind    string // Kind(Member)
	Email   string // the lower-case part after the first ':'
	PoolSet string // PoolSet(Member) for a federated subject principal, else ""
}

// PrepareIdentity parses an identity.
func PrepareIdentity(id *Identity) PreparedIdentity {
	ps, _ := PoolSet(id.Member)
	return PreparedIdentity{Identity: id, Kind: Kind(id.Member), Email: email(id.Member), PoolSet: ps}
}

// Covers is MemberMatches(m.Raw, p.Identity) on the prepared forms.
func (p *PreparedIdentity) Covers(m *PreparedMember) bool {
	switch m.Kind {
	case "allUsers":
		return true
	case "allAuthenticatedUsers":
		return p.Member != "allUsers"
	case "deleted", "unknown":
		return false
	case "group":
		return p.Groups[m.Email] || strings.EqualFold(p.Member, m.Raw)
	case "domain":
		switch p.Kind {
		case "user", "group":
			return strings.HasSuffix(p.Email, m.At)
		case "domain":
			return strings.EqualFold(p.Member, m.Raw)
		}
		return false
	case "user", "serviceAccount":
		return p.Kind == m.Kind && p.Email == m.Email
	case "principalSet":
		if p.PoolSet != "" && m.Raw == p.PoolSet {
			return true
		}
	}
	return m.Raw == p.Member
}

// DeniesPermission reports whether the rule's permissions take away a
// permission (in allow form, service.resource.verb), whoever asks.
func (r *DenyRule) DeniesPermission(permission string) bool {
	perm := DenyForm(permission)
	return permissionIn(perm, r.DeniedPermissions) && !permissionIn(perm, r.ExceptionPermissions)
}

// PrincipalMatch is whether the rule's principals, less its exceptions,
// cover the identity.
func (r *DenyRule) PrincipalMatch(id *Identity) tri.Tri {
	who := tri.False
	for _, p := range r.DeniedPrincipals {
		who = who.Or(DeniedPrincipalMatches(p, id))
	}
	if who == tri.False {
		return tri.False
	}
	except := tri.False
	for _, p := range r.ExceptionPrincipals {
		except = except.Or(DeniedPrincipalMatches(p, id))
	}
	return who.And(except.Not())
}
