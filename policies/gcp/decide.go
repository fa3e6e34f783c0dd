package gcp

import (
	"strings"

	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Condition is an IAM condition on a binding or deny rule.
type Condition struct {
	Title      string `json:"title,omitempty"`
	Expression string `json:"expression"`
}

// Binding is one role binding of an allow policy.
type Binding struct {
	Role      string
	Members   []string
	Condition *Condition
}

// NodeBindings are the bindings of the allow policy attached to one node
// (organization, folder, project or resource), by its name.
type NodeBindings struct {
	Node     string
	Bindings []Binding
}

// DenyRule is one rule of an IAM deny policy.
type DenyRule struct {
	Policy               string // the deny policy's name
	DeniedPrincipals     []string
	ExceptionPrincipals  []string
	DeniedPermissions    []string // service.googleapis.com/resource.verb
	ExceptionPermissions []string
	Condition            *Condition
}

// NodeDenies are the deny rules of the deny policies attached to a node.
type NodeDenies struct {
	Node  string
	Rules []DenyRule
}

// Request asks whether an identity holds a permission on a resource.
type Request struct {
	Identity   *Identity
	Permission string // service.resource.verb, e.g. artifactregistry.repositories.uploadArtifacts
	Resource   *ResourceAttrs
}

// Grant is a binding that gives the permission to the identity.
type Grant struct {
	Node      string
	Role      string
	Member    string // the binding member that covers the identity
	Condition *Condition
	Match     tri.Tri // Unknown when the condition cannot be settled
}

// DenyHit is a deny rule that applies, or may apply.
type DenyHit struct {
	Node  string
	Rule  DenyRule
	Match tri.Tri
}

// Result is a decision with its evidence.
type Result struct {
	Allowed      tri.Tri // True: allowed; Unknown: conditional; False: denied
	Grants       []Grant
	Denies       []DenyHit
	UnknownRoles []string // roles bound to the identity whose permissions are not known
}

// Decide applies deny policies before allow policies, as IAM does: the
// permission is granted when some binding on the resource or an ancestor
// gives it to the identity and no deny rule on the resource or an ancestor
// takes it away. chain and denies hold the policies of the resource and of
// all its ancestors.
func Decide(req *Request, chain []NodeBindings, denies []NodeDenies, roles *Roles, conds *Conditions) Result {
	var res Result
	allow := tri.False
	for _, nb := range chain {
		for _, b := range nb.Bindings {
			member := ""
			for _, m := range b.Members {
				if MemberMatches(m, req.Identity) {
					member = m
					break
				}
			}
			if member == "" {
				continue
			}
			has, known := roles.Has(b.Role, req.Permission)
			if !known {
				res.UnknownRoles = appendOnce(res.UnknownRoles, b.Role)
				continue
			}
			if !has {
				continue
			}
			m := tri.True
			if b.Condition != nil && b.Condition.Expression != "" {
				m = conds.Eval(b.Condition.Expression, req.Resource)
			}
			if m == tri.False {
				continue
			}
			allow = allow.Or(m)
			res.Grants = append(res.Grants, Grant{Node: nb.Node, Role: b.Role, Member: member, Condition: b.Condition, Match: m})
		}
	}
	deny := tri.False
	perm := DenyForm(req.Permission)
	for _, nd := range denies {
		for _, r := range nd.Rules {
			m := r.applies(req, perm, conds)
			if m == tri.False {
				continue
			}
			deny = deny.Or(m)
			res.Denies = append(res.Denies, DenyHit{Node: nd.Node, Rule: r, Match: m})
		}
	}
	res.Allowed = allow.And(deny.Not())
	return res
}

func (r *DenyRule) applies(req *Request, perm string, conds *Conditions) tri.Tri {
	if !permissionIn(perm, r.DeniedPermissions) || permissionIn(perm, r.ExceptionPermissions) {
		return tri.False
	}
	who := tri.False
	for _, p := range r.DeniedPrincipals {
		who = who.Or(DeniedPrincipalMatches(p, req.Identity))
	}
	if who == tri.False {
		return tri.False
	}
	except := tri.False
	for _, p := range r.ExceptionPrincipals {
		except = except.Or(DeniedPrincipalMatches(p, req.Identity))
	}
	m := who.And(except.Not())
	if m != tri.False && r.Condition != nil && r.Condition.Expression != "" {
		m = m.And(conds.Eval(r.Condition.Expression, req.Resource))
	}
	return m
}

// serviceOfPrefix maps permission prefixes whose service name differs from
// the prefix.
var serviceOfPrefix = map[string]string{
	"resourcemanager": "cloudresourcemanager.googleapis.com",
}

// DenyForm turns a permission (artifactregistry.repositories.uploadArtifacts)
// into the form deny policies use
// (artifactregistry.googleapis.com/repositories.uploadArtifacts).
func DenyForm(permission string) string {
	svc, rest, ok := strings.Cut(permission, ".")
	if !ok {
		return permission
	}
	fqdn, ok := serviceOfPrefix[svc]
	if !ok {
		fqdn = svc + ".googleapis.com"
	}
	return fqdn + "/" + rest
}

// permissionIn matches a deny-form permission against deny-form patterns,
// where "*" stands for any run of characters (e.g. compute.googleapis.com/images.*).
func permissionIn(perm string, patterns []string) bool {
	for _, p := range patterns {
		if p == perm || (strings.Contains(p, "*") && glob.Match(p, perm)) {
			return true
		}
	}
	return false
}

func appendOnce(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}
