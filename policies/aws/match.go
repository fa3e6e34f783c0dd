package aws

import "strings"

// Matches reports whether the action pattern matches the action
// ("service:Name"), case-insensitively, with '*' and '?'.
func (a Action) Matches(action string) bool {
	if a.all {
		return true
	}
	svc, name, ok := strings.Cut(action, ":")
	if !ok || !strings.EqualFold(svc, a.service) {
		return false
	}
	return globMatch(a.pat, strings.ToLower(name))
}

// matchesLower is Matches for an action already split and lower-cased.
func (a *Action) matchesLower(svc, name string) bool {
	if a.all {
		return true
	}
	if svc != a.service {
		return false
	}
	return globMatch(a.pat, name)
}

// actionMatches applies Action or NotAction of a statement.
func (s *Statement) actionMatches(svc, name string) bool {
	return s.prepared().matchesAction(svc, name) != s.NotActions
}

// PolicyKind says which kind of policy a statement belongs to; short ARNs
// (fewer than six segments) are read differently by each, as AWS does.
type PolicyKind int

const (
	IdentityPolicy PolicyKind = iota
	BoundaryPolicy
	SCPPolicy
	ResourcePolicy
	// RCPPolicy is a resource control policy (AWS Organizations), read like
	// an SCP but applied on the resource's account (decide.go).
	RCPPolicy
)

func (k PolicyKind) String() string {
	switch k {
	case BoundaryPolicy:
		return "permissions_boundary"
	case SCPPolicy:
		return "scp"
	case ResourcePolicy:
		return "resource_policy"
	case RCPPolicy:
		return "rcp"
	}
	return "identity"
}

// resource is a request resource split into its ARN segments.
type resource struct {
	raw     string
	parts   [6]string // arn, partition, service, region, account, resource
	arn     bool
	pattern bool // the request names a set of resources (wildcards in compiled form)
}

func newResource(raw string, pattern bool) resource {
	r := resource{raw: raw, pattern: pattern}
	src := raw
	if pattern {
		src = compileWildcards(raw)
	}
	// strings.SplitN(src, ":", 6), without the slice.
	rest, n := src, 0
	for n < 5 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			break
		}
		r.parts[n] = rest[:i]
		rest = rest[i+1:]
		n++
	}
	if n == 5 && r.parts[0] == "arn" {
		r.parts[5] = rest
		r.arn = true
		for i := 1; i <= 4; i++ {
			r.parts[i] = lowerASCII(r.parts[i])
		}
	} else {
		r.parts = [6]string{}
	}
	if pattern && !hasWildcard(src) {
		r.pattern = false
	}
	return r
}

// resourceMatches applies Resource or NotResource of a statement. A
// statement without either (trust policies) matches every resource.
//
// For a request that names a set of resources (offline analysis of
// "every repository in this account"), an Allow matches when its pattern
// overlaps the set, and a Deny only when its pattern covers the whole set:
// what is left is the access that remains somewhere in the set.
//
// whole asks, for a set request, that the statement apply to the whole set
// rather than to some of it (the default for a Deny).
func (s *Statement) resourceMatches(r *resource, kind PolicyKind, ctx *Context, whole bool) Tri {
	if !s.HasResource {
		return True
	}
	pats := s.prepared().resources
	if !s.NotResources {
		out := False
		for i := range pats {
			out = out.Or(resourceElementMatches(&pats[i], r, kind, ctx, !whole))
			if out == True {
				return True
			}
		}
		return out
	}
	// NotResource: the statement applies to what lies outside every listed
	// pattern. For a set request, an Allow applies if some part of the set
	// lies outside (no pattern covers it), a Deny if the whole set does (no
	// pattern overlaps it).
	out := True
	for i := range pats {
		m := resourceElementMatches(&pats[i], r, kind, ctx, whole)
		if m == invalidMatch {
			return False
		}
		out = out.And(m.Not())
		if out == False {
			return False
		}
	}
	return out
}

// invalidMatch marks a policy resource that can never be compared (a short
// ARN an SCP may not use, a policy variable without a value): neither the
// Resource nor the NotResource form of the statement matches.
const invalidMatch Tri = -1

// resourceElementMatches matches one Resource pattern (compiled.go). overlap
// selects the set-request rule: true for "overlaps the set", false for
// "covers the set".
func resourceElementMatches(p *resourcePattern, r *resource, kind PolicyKind, ctx *Context, overlap bool) Tri {
	if p.star {
		return True
	}
	if !r.arn {
		// The request resource is "*" (an action that supports no resource
		// types) or not an ARN: only an equal pattern matches.
		return triOf(p.raw == r.raw)
	}
	if !p.arn {
		return False
	}
	if p.short {
		// A short ARN: identity policies and boundaries read the missing
		// segments as wildcards; resource policies only when the pattern has a
		// wildcard; SCPs only when it ends in one.
		switch kind {
		case ResourcePolicy:
			if !p.wild {
				return False
			}
		case SCPPolicy, RCPPolicy:
			if !p.lastStar {
				return invalidMatch
			}
		}
	}
	result := True
	for i := 1; i < 6; i++ {
		seg := p.segs[i]
		if p.hasVar[i] {
			var ok Tri
			seg, ok = expand(p.parts[i], ctx, true)
			if ok == False {
				return invalidMatch
			}
			if ok == Unknown {
				result = Unknown
				continue
			}
			if i < 5 {
				seg = lowerASCII(seg)
			}
		}
		var m bool
		switch {
		case !r.pattern:
			m = globMatch(seg, r.parts[i])
		case overlap:
			m = globIntersect(seg, r.parts[i])
		default:
			m = globContains(seg, r.parts[i])
		}
		if !m {
			return False
		}
	}
	return result
}
