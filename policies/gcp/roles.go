package gcp

// Roles maps role names (roles/x, projects/P/roles/x,
// organizations/O/roles/x) to their permissions.
type Roles struct {
	perms map[string]map[string]bool
}

// NewRoles returns an empty registry.
func NewRoles() *Roles {
	return &Roles{perms: map[string]map[string]bool{}}
}

// Add defines a role. A later definition replaces an earlier one (inputs
// override the built-in table).
func (r *Roles) Add(name string, permissions []string) {
	m := make(map[string]bool, len(permissions))
	for _, p := range permissions {
		m[p] = true
	}
	r.perms[name] = m
}

// Known reports whether a role is defined.
func (r *Roles) Known(name string) bool { _, ok := r.perms[name]; return ok }

// Has reports whether a role includes a permission; known is false when the
// role is not defined.
func (r *Roles) Has(role, permission string) (has, known bool) {
	m, ok := r.perms[role]
	if !ok {
		return false, false
	}
	return m[permission], true
}
