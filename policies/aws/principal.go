package aws

import "strings"

// PrincipalInfo describes the principal making a request, derived from its
// ARN (or service name).
type PrincipalInfo struct {
	ARN     string
	Account string
	Type    string // "user", "role", "assumed-role", "federated-user", "root", "service", "unknown"
	Name    string // user or role name, without path
}

// ParsePrincipal reads a principal ARN such as arn:aws:iam::111122223333:role/path/name,
// arn:aws:sts::111122223333:assumed-role/name/session or a service principal
// such as codebuild.amazonaws.com.
func ParsePrincipal(s string) PrincipalInfo {
	p := PrincipalInfo{ARN: s, Type: "unknown"}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		if strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn") {
			p.Type = "service"
		}
		return p
	}
	p.Account = parts[4]
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		p.Type = "root"
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		p.Type, p.Name = "user", res[strings.LastIndexByte(res, '/')+1:]
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		p.Type, p.Name = "role", res[strings.LastIndexByte(res, '/')+1:]
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		rest := strings.TrimPrefix(res, "assumed-role/")
		name, _, _ := strings.Cut(rest, "/")
		p.Type, p.Name = "assumed-role", name
	case parts[2] == "sts" && strings.HasPrefix(res, "federated-user/"):
		p.Type, p.Name = "federated-user", strings.TrimPrefix(res, "federated-user/")
	}
	return p
}

type principalMatch int8

const (
	noPrincipalMatch      principalMatch = iota
	accountPrincipalMatch                // the statement names the principal's account
	sessionPrincipalMatch                // the statement names the role or user behind a session
	directPrincipalMatch                 // the statement names the principal itself, or "*"
)

// principalMatches applies the Principal or NotPrincipal element of a
// resource policy statement to the requesting principal.
func (s *Statement) principalMatches(p *PrincipalInfo, hasBoundary bool) principalMatch {
	if s.Principal == nil {
		return noPrincipalMatch
	}
	m := s.Principal.match(p)
	if !s.NotPrincipal {
		return m
	}
	// A Deny with NotPrincipal applies to a principal with a permissions
	// boundary whatever it names (AWS documents this).
	if hasBoundary && s.Effect == Deny {
		return directPrincipalMatch
	}
	if m != noPrincipalMatch {
		return noPrincipalMatch
	}
	return directPrincipalMatch
}

func (ps *Principals) match(p *PrincipalInfo) principalMatch {
	if ps.Wildcard {
		return directPrincipalMatch
	}
	best := noPrincipalMatch
	for typ, vals := range ps.Values {
		for _, v := range vals {
			m := matchPrincipalValue(typ, v, p)
			if m > best {
				best = m
			}
		}
	}
	return best
}

// HasWildcard reports whether the element names everyone ("*" or {"AWS": "*"}).
func (ps *Principals) HasWildcard() bool {
	if ps == nil {
		return false
	}
	if ps.Wildcard {
		return true
	}
	for _, v := range ps.Values["AWS"] {
		if v == "*" {
			return true
		}
	}
	return false
}

func matchPrincipalValue(typ, v string, p *PrincipalInfo) principalMatch {
	switch typ {
	case "Service", "Federated", "CanonicalUser":
		if v == p.ARN {
			return directPrincipalMatch
		}
		return noPrincipalMatch
	}
	if p.Type == "service" {
		return noPrincipalMatch
	}
	if v == "*" {
		return directPrincipalMatch
	}
	if isAccountID(v) {
		if v == p.Account {
			return accountPrincipalMatch
		}
		return noPrincipalMatch
	}
	vp := ParsePrincipal(v)
	if vp.Type == "root" {
		if vp.Account == p.Account {
			return accountPrincipalMatch
		}
		return noPrincipalMatch
	}
	if v == p.ARN {
		return directPrincipalMatch
	}
	switch p.Type {
	case "assumed-role":
		if vp.Type == "role" && vp.Account == p.Account && vp.Name == p.Name {
			return sessionPrincipalMatch
		}
	case "federated-user":
		if vp.Type == "user" && vp.Account == p.Account && vp.Name == p.Name {
			return sessionPrincipalMatch
		}
	}
	return noPrincipalMatch
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
