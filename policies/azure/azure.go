// Package azure is Azure RBAC as pure code: scopes and their inheritance,
// role permissions (actions minus notActions, dataActions minus
// notDataActions, with wildcards), role assignments with ABAC conditions,
// and deny assignments with their exclusions. It does no I/O.
package azure

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Permission is one permission block of a role definition.
type Permission struct {
	Actions        []string `json:"actions" yaml:"actions"`
	NotActions     []string `json:"notActions" yaml:"notActions"`
	DataActions    []string `json:"dataActions" yaml:"dataActions"`
	NotDataActions []string `json:"notDataActions" yaml:"notDataActions"`
	// Condition restricts the block (built-in roles such as Role Based
	// Access Control Administrator limit which roles they may assign); a
	// grant that rests on it is conditional.
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
}

// Role is a role definition.
type Role struct {
	ID          string       // /subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/GUID or /providers/...
	Name        string       // role name, e.g. AcrPush
	Permissions []Permission `json:"permissions"`

	lower []Permission // Permissions lower-cased, made on first use
}

func lowerAll(l []string) []string {
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = strings.ToLower(x)
	}
	return out
}

func (r *Role) lowered() []Permission {
	if r.lower == nil || len(r.lower) != len(r.Permissions) {
		r.lower = make([]Permission, len(r.Permissions))
		for i, p := range r.Permissions {
			r.lower[i] = Permission{Actions: lowerAll(p.Actions), NotActions: lowerAll(p.NotActions),
				DataActions: lowerAll(p.DataActions), NotDataActions: lowerAll(p.NotDataActions), Condition: p.Condition}
		}
	}
	return r.lower
}

// MatchOperation reports whether an operation pattern (actions entries:
// "*", "Microsoft.ContainerRegistry/*", "*/read") matches an operation,
// case-insensitively; "*" matches any run of characters, across "/". A
// "/*/" segment also matches nothing at all: built-in roles such as Managed
// Identity Operator grant "userAssignedIdentities/*/assign/action" to mean
// "userAssignedIdentities/assign/action".
func MatchOperation(pattern, op string) bool {
	p, o := strings.ToLower(pattern), strings.ToLower(op)
	if glob.Match(p, o) {
		return true
	}
	return strings.Contains(p, "/*/") && glob.Match(strings.ReplaceAll(p, "/*/", "/"), o)
}

// anyMatchLower is MatchOperation over lower-cased patterns and operation.
func anyMatchLower(patterns []string, op string) bool {
	for _, p := range patterns {
		if glob.Match(p, op) || (strings.Contains(p, "/*/") && glob.Match(strings.ReplaceAll(p, "/*/", "/"), op)) {
			return true
		}
	}
	return false
}

// Grants reports whether the role allows an operation: some permission
// block lists it in actions (dataActions for a data operation) and does not
// take it away in the same block's notActions (notDataActions). Blocks are
// a union; notActions are not denies: another block, or another role, can
// still grant what one block excludes.
func (r *Role) Grants(op string, data bool) bool {
	return r.Access(op, data) != tri.False
}

// Access is Grants with the blocks' conditions: Unknown when only blocks
// with a condition grant the operation.
func (r *Role) Access(op string, data bool) tri.Tri {
	out := tri.False
	op = strings.ToLower(op)
	for _, p := range r.lowered() {
		allow, not := p.Actions, p.NotActions
		if data {
			allow, not = p.DataActions, p.NotDataActions
		}
		if anyMatchLower(allow, op) && !anyMatchLower(not, op) {
			if strings.TrimSpace(p.Condition) == "" {
				return tri.True
			}
			out = tri.Unknown
		}
	}
	return out
}

// NormalizeScope lower-cases a scope, trims white space around each
// segment and drops trailing slashes, so that scopes compare as Azure
// compares them: case-insensitively, Unicode letters too. Slashes alone
// are the root, "/"; a scope without its leading slash (subscriptions/S) is
// read as absolute, as PathAncestors reads it; "" stays "" (no scope).
// NormalizeScope(NormalizeScope(s)) is NormalizeScope(s).
func NormalizeScope(s string) string {
	if normalized(s) {
		return s
	}
	parts := strings.Split(strings.Map(foldRune, s), "/")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	s = strings.Join(parts, "/")
	if len(s) > 1 {
		s = strings.TrimRight(s, "/")
		if s == "" {
			return "/"
		}
	}
	if s != "" && s[0] != '/' {
		s = "/" + s
	}
	return s
}

// normalized reports, cheaply, a scope NormalizeScope leaves as it is: it
// starts with "/", does not end with one (unless it is "/"), and has no
// capital, non-ASCII byte (which may be part of a capital or a space) or
// white space.
func normalized(s string) bool {
	if s == "/" {
		return true
	}
	if !strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if notNormal[s[i]] {
			return false
		}
	}
	return true
}

// notNormal marks the bytes normalized refuses: capitals, white space and
// every non-ASCII byte. A table, because Decide checks every scope it
// meets and the scan is a fifth of an Azure analysis.
var notNormal = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for _, c := range " \t\n\r\v\f" {
		t[c] = true
	}
	for c := 0x80; c < 256; c++ {
		t[c] = true
	}
	return t
}()

// foldRune maps a rune to the lower case of its upper case, so that every
// case variant of a letter gives the same rune (ToLower alone does not:
// the Greek rho symbol ϱ stays ϱ while its upper case Ρ lowers to ρ).
// ASCII is lower-cased as strings.ToLower does.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// Within reports whether scope is at or below ancestor: "/" contains
// everything; otherwise ancestor must be a whole-segment prefix.
func Within(scope, ancestor string) bool {
	scope, ancestor = NormalizeScope(scope), NormalizeScope(ancestor)
	if ancestor == "/" || scope == ancestor {
		return true
	}
	return strings.HasPrefix(scope, ancestor+"/")
}

// RoleKey is how roles are looked up: the GUID at the end of a role
// definition id, lower case (assignments and definitions name the same role
// under different scopes).
func RoleKey(id string) string {
	id = strings.ToLower(strings.TrimRight(strings.TrimSpace(id), "/"))
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// Assignment is a role assignment.
type Assignment struct {
	ID          string
	PrincipalID string
	Principal   string // name, for reports
	Type        string // User, Group, ServicePrincipal, ForeignGroup, ...
	RoleID      string
	Scope       string
	Condition   string // ABAC condition; assignments with one are conditional
}

// DenyAssignment removes permissions from principals at a scope.
type DenyAssignment struct {
	ID                      string
	Name                    string
	Scope                   string
	Permissions             []Permission
	Principals              []string // object ids; 00000000-0000-0000-0000-000000000000 is everyone
	ExcludePrincipals       []string
	DoNotApplyToChildScopes bool
}

// Everyone is the principal id deny assignments use for all principals.
const Everyone = "00000000-0000-0000-0000-000000000000"

// Identity is who makes a request: an object id and the groups it is in.
type Identity struct {
	ID     string
	Groups map[string]bool // group object ids, transitive
}

func (id *Identity) is(objectID string) bool {
	if objectID == id.ID || id.Groups[objectID] {
		return true
	}
	if !hasUpper(objectID) && !hasUpper(id.ID) {
		return false
	}
	o := strings.ToLower(objectID)
	return o == strings.ToLower(id.ID) || id.Groups[o]
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// Request asks whether an identity may perform an operation at a scope.
type Request struct {
	Identity  *Identity
	Operation string
	Data      bool   // a data action
	Scope     string // the resource or scope acted on
	// Ancestors are the scopes whose assignments reach Scope: Scope itself,
	// its path prefixes, the management groups above its subscription, and
	// "/". Nil means the path prefixes and "/" only.
	Ancestors []string
}

// PathAncestors lists a scope, its path prefixes at segment pairs
// (/subscriptions/S, /subscriptions/S/resourceGroups/RG, ...) and "/",
// normalised.
func PathAncestors(scope string) []string {
	s := NormalizeScope(scope)
	out := []string{"/"}
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	for i := 2; i <= len(parts); i += 2 {
		// Normalised again: an empty segment (a//b) would leave a
		// trailing slash.
		out = append(out, NormalizeScope("/"+strings.Join(parts[:i], "/")))
	}
	if len(parts)%2 == 1 && s != "/" {
		out = append(out, s)
	}
	return out
}

// Grant is an assignment that allows the request.
type Grant struct {
	Assignment Assignment
	Role       *Role
	Match      tri.Tri // Unknown when the assignment has a condition
}

// Result is a decision with its evidence.
type Result struct {
	Allowed      tri.Tri
	Grants       []Grant
	Denies       []DenyAssignment
	UnknownRoles []string
}

// Decide allows the operation when an assignment at the scope or above,
// to the identity or a group it is in, has a role that grants it, and no
// deny assignment at the scope or above (or at the scope itself, for those
// that do not apply to child scopes) covers the identity and the operation.
func Decide(req *Request, assignments []Assignment, roles map[string]*Role, denies []DenyAssignment) Result {
	var res Result
	anc := req.Ancestors
	if anc == nil {
		anc = PathAncestors(req.Scope)
	}
	reach := make(map[string]bool, len(anc))
	for _, a := range anc {
		reach[NormalizeScope(a)] = true
	}
	allow := tri.False
	for _, a := range assignments {
		if !req.Identity.is(a.PrincipalID) || !reach[NormalizeScope(a.Scope)] {
			continue
		}
		role, ok := roles[RoleKey(a.RoleID)]
		if !ok {
			res.UnknownRoles = append(res.UnknownRoles, a.RoleID)
			continue
		}
		m := role.Access(req.Operation, req.Data)
		if m == tri.False {
			continue
		}
		if strings.TrimSpace(a.Condition) != "" {
			m = m.And(tri.Unknown)
		}
		allow = allow.Or(m)
		res.Grants = append(res.Grants, Grant{Assignment: a, Role: role, Match: m})
	}
	deny := false
	var scope string // req.Scope normalised, once, if a deny needs it
	for _, d := range denies {
		ds := NormalizeScope(d.Scope)
		if !reach[ds] {
			continue
		}
		if d.DoNotApplyToChildScopes {
			if scope == "" {
				scope = NormalizeScope(req.Scope)
			}
			if scope != ds {
				continue
			}
		}
		covered := false
		for _, p := range d.Principals {
			if p == Everyone || req.Identity.is(p) {
				covered = true
			}
		}
		for _, p := range d.ExcludePrincipals {
			if req.Identity.is(p) {
				covered = false
			}
		}
		if !covered {
			continue
		}
		r := Role{Permissions: d.Permissions}
		if r.Grants(req.Operation, req.Data) {
			deny = true
			res.Denies = append(res.Denies, d)
		}
	}
	res.Allowed = allow.And(tri.Of(!deny))
	return res
}
