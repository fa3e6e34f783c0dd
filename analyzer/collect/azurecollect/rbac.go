package azurecollect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
)

// roleDefinitionsAPI is the api-version of the role-definition listings.
// armauthorization v2's Permission model has no condition, and built-in
// roles such as Role Based Access Control Administrator limit what they
// grant with one: without it they would be read as unconditional. This
// version returns permissions[].condition, so role definitions are read
// through the ARM pipeline rather than the SDK's client.
const roleDefinitionsAPI = "2022-05-01-preview"

// roleAssignment is one item of `az role assignment list` (A1).
type roleAssignment struct {
	Condition          *string `json:"condition"`
	ConditionVersion   *string `json:"conditionVersion"`
	Description        *string `json:"description"`
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	PrincipalID        string  `json:"principalId"`
	PrincipalType      string  `json:"principalType"`
	RoleDefinitionID   string  `json:"roleDefinitionId"`
	RoleDefinitionName string  `json:"roleDefinitionName,omitempty"`
	Scope              string  `json:"scope"`
	Type               string  `json:"type"`
}

// roleDefinition is one item of `az role definition list` (A2).
type roleDefinition struct {
	AssignableScopes []string     `json:"assignableScopes"`
	Description      string       `json:"description"`
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	Permissions      []permission `json:"permissions"`
	RoleName         string       `json:"roleName"`
	RoleType         string       `json:"roleType"`
	Type             string       `json:"type"`
}

type permission struct {
	Actions          []string `json:"actions"`
	NotActions       []string `json:"notActions"`
	DataActions      []string `json:"dataActions"`
	NotDataActions   []string `json:"notDataActions"`
	Condition        *string  `json:"condition,omitempty"`
	ConditionVersion *string  `json:"conditionVersion,omitempty"`
}

// restRoleDefinition is a role definition as the REST API returns it.
type restRoleDefinition struct {
	ID, Name, Type string
	Properties     *struct {
		RoleName         string       `json:"roleName"`
		RoleType         string       `json:"type"`
		Description      string       `json:"description"`
		AssignableScopes []string     `json:"assignableScopes"`
		Permissions      []permission `json:"permissions"`
	}
}

// denyAssignment is one deny assignment in the REST shape (A3): `az` has
// no command for them, and analyze reads the REST items' properties.
type denyAssignment struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Properties denyProperties `json:"properties"`
	Type       string         `json:"type"`
}

type denyProperties struct {
	DenyAssignmentName      string           `json:"denyAssignmentName"`
	Description             string           `json:"description"`
	DoNotApplyToChildScopes bool             `json:"doNotApplyToChildScopes"`
	ExcludePrincipals       []principalRef   `json:"excludePrincipals"`
	IsSystemProtected       bool             `json:"isSystemProtected"`
	Permissions             []denyPermission `json:"permissions"`
	Principals              []principalRef   `json:"principals"`
	Scope                   string           `json:"scope"`
}

type principalRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type denyPermission struct {
	Actions          []string `json:"actions"`
	Condition        *string  `json:"condition"`
	ConditionVersion *string  `json:"conditionVersion"`
	DataActions      []string `json:"dataActions"`
	NotActions       []string `json:"notActions"`
	NotDataActions   []string `json:"notDataActions"`
}

// listAssignments lists the role assignments that apply at scope: at,
// above and below it, or (atScope) at and above it only, which is what
// Azure allows on a management group.
func (c *collector) listAssignments(ctx context.Context, scope string, atScope bool) ([]roleAssignment, error) {
	var opts *armauthorization.RoleAssignmentsClientListForScopeOptions
	if atScope {
		opts = &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")}
	}
	var out []roleAssignment
	pager := c.assign.NewListForScopePager(strings.TrimPrefix(scope, "/"), opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Value {
			ra, err := assignmentJSON(a)
			if err != nil {
				return nil, err
			}
			out = append(out, ra)
		}
	}
	return out, nil
}

func assignmentJSON(a *armauthorization.RoleAssignment) (roleAssignment, error) {
	if a == nil || a.Properties == nil {
		return roleAssignment{}, fmt.Errorf("a role assignment without properties")
	}
	p := a.Properties
	ra := roleAssignment{Condition: p.Condition, ConditionVersion: p.ConditionVersion, Description: p.Description, ID: str(a.ID), Name: str(a.Name),
		PrincipalID: str(p.PrincipalID), RoleDefinitionID: str(p.RoleDefinitionID), Scope: str(p.Scope), Type: str(a.Type)}
	if p.PrincipalType != nil {
		ra.PrincipalType = string(*p.PrincipalType)
	}
	if ra.ID == "" || ra.PrincipalID == "" || ra.RoleDefinitionID == "" || ra.Scope == "" {
		return roleAssignment{}, fmt.Errorf("role assignment %q without id, principalId, roleDefinitionId or scope", ra.ID)
	}
	if ra.Type == "" {
		ra.Type = "Microsoft.Authorization/roleAssignments"
	}
	return ra, nil
}

// listDenies lists the deny assignments that apply at scope, like
// listAssignments.
func (c *collector) listDenies(ctx context.Context, scope string, atScope bool) ([]denyAssignment, error) {
	var opts *armauthorization.DenyAssignmentsClientListForScopeOptions
	if atScope {
		opts = &armauthorization.DenyAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")}
	}
	var out []denyAssignment
	pager := c.deny.NewListForScopePager(strings.TrimPrefix(scope, "/"), opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Value {
			if d == nil || d.Properties == nil || str(d.ID) == "" || str(d.Properties.Scope) == "" {
				return nil, fmt.Errorf("a deny assignment without id, properties or scope")
			}
			p := d.Properties
			out = append(out, denyAssignment{ID: str(d.ID), Name: str(d.Name), Type: or(str(d.Type), "Microsoft.Authorization/denyAssignments"),
				Properties: denyProperties{DenyAssignmentName: str(p.DenyAssignmentName), Description: str(p.Description),
					DoNotApplyToChildScopes: p.DoNotApplyToChildScopes != nil && *p.DoNotApplyToChildScopes,
					ExcludePrincipals:       principals(p.ExcludePrincipals), IsSystemProtected: p.IsSystemProtected != nil && *p.IsSystemProtected,
					Permissions: denyPermissions(p.Permissions), Principals: principals(p.Principals), Scope: str(p.Scope)}})
		}
	}
	return out, nil
}

func principals(l []*armauthorization.Principal) []principalRef {
	out := []principalRef{}
	for _, p := range l {
		if p != nil {
			out = append(out, principalRef{ID: str(p.ID), Type: str(p.Type)})
		}
	}
	return out
}

func denyPermissions(l []*armauthorization.DenyAssignmentPermission) []denyPermission {
	out := []denyPermission{}
	for _, p := range l {
		if p != nil {
			out = append(out, denyPermission{Actions: strs(p.Actions), Condition: p.Condition, ConditionVersion: p.ConditionVersion,
				DataActions: strs(p.DataActions), NotActions: strs(p.NotActions), NotDataActions: strs(p.NotDataActions)})
		}
	}
	return out
}

// listDefinitions lists the role definitions of one type (CustomRole or
// BuiltInRole) usable at scope ("" for the tenant).
func (c *collector) listDefinitions(ctx context.Context, scope, roleType string) ([]roleDefinition, error) {
	u := armURL(c.raw.Endpoint(), strings.TrimRight(scope, "/")+"/providers/Microsoft.Authorization/roleDefinitions",
		"api-version", roleDefinitionsAPI, "$filter", "type eq '"+roleType+"'")
	var out []roleDefinition
	var bad error
	err := getPages(ctx, c.raw.Pipeline(), u, func(items []restRoleDefinition) {
		for _, d := range items {
			if d.Properties == nil || d.Name == "" || d.ID == "" {
				bad = fmt.Errorf("role definition %q without name, id or properties", d.ID)
				continue
			}
			p := d.Properties
			perms := make([]permission, 0, len(p.Permissions))
			for _, pm := range p.Permissions {
				pm.Actions, pm.NotActions, pm.DataActions, pm.NotDataActions = nonNil(pm.Actions), nonNil(pm.NotActions), nonNil(pm.DataActions), nonNil(pm.NotDataActions)
				perms = append(perms, pm)
			}
			out = append(out, roleDefinition{AssignableScopes: nonNil(p.AssignableScopes), Description: p.Description, ID: d.ID, Name: d.Name,
				Permissions: perms, RoleName: p.RoleName, RoleType: p.RoleType, Type: or(d.Type, "Microsoft.Authorization/roleDefinitions")})
		}
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// builtinRoles reads the built-in roles once: they are the same
// everywhere, and the files then carry the tenant's current definitions
// rather than the table shipped with imagewarden. Every scope lists them,
// so they are read at the first scope the caller's role reaches: the root
// of the collection (the tenant root group or --management-group, or the
// first management group readable), else a subscription, and the root
// scope "/" last: a role assigned at the tenant root group, as
// docs/collect-azure.md advises, does not reach "/", above it. Their ids
// are written without the scope that answered (built-in roles belong to
// none), so that the file does not depend on it.
func (c *collector) builtinRoles(ctx context.Context, subs []string) Scope {
	s := Scope{Name: "role-definitions/built-in"}
	var scopes []string
	if c.tree != nil && len(c.tree.mgs) > 0 {
		scopes = append(scopes, mgID(c.tree.mgs[0]))
	}
	if c.tree != nil && len(subs) == 0 {
		subs = c.tree.subs
	}
	for _, id := range sorted(subs) {
		if id = strings.TrimPrefix(strings.TrimSpace(id), "/subscriptions/"); subscriptionID.MatchString(id) {
			scopes = append(scopes, "/subscriptions/"+id)
			break
		}
	}
	scopes = append(scopes, "/")
	var refused []string
	for _, scope := range scopes {
		defs, err := c.listDefinitions(ctx, scope, "BuiltInRole")
		if err != nil {
			refused = append(refused, failure("roleDefinitions.list", scope, err))
			if unreadable(err) && ctx.Err() == nil {
				continue // not granted there: try the next scope
			}
			break
		}
		c.builtin = map[string]string{}
		for i, d := range defs {
			if d.RoleType == "BuiltInRole" {
				defs[i].ID = "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name
			}
			c.builtin[strings.ToLower(d.Name)] = d.RoleName
		}
		c.tenant.addDefinitions(defs)
		s.Files = []string{"role-definitions.json"}
		return s
	}
	s.Error = strings.Join(refused, "; ")
	return s
}

// managementGroup collects the assignments, custom roles and deny
// assignments of one management group into the tenant files. What was
// read is kept when a later listing fails: the deny assignments of a
// management group also come back in each subscription's listing below
// it, so a refused deny listing here should not cost the assignments.
func (c *collector) managementGroup(ctx context.Context, name string) Scope {
	scope := mgID(name)
	s := Scope{Name: "managementGroups/" + name, Files: []string{"deny-assignments.json", "role-assignments.json", "role-definitions.json"}}
	assignments, err := c.listAssignments(ctx, scope, true)
	if err != nil {
		return Scope{Name: s.Name, Error: failure("roleAssignments.listForScope", scope, err)}
	}
	c.tenant.addAssignments(assignments)
	custom, err := c.listDefinitions(ctx, scope, "CustomRole")
	if err != nil {
		return Scope{Name: s.Name, Error: failure("roleDefinitions.list", scope, err)}
	}
	c.tenant.addDefinitions(custom)
	denies, err := c.listDenies(ctx, scope, true)
	if err != nil {
		return Scope{Name: s.Name, Error: failure("denyAssignments.listForScope", scope, err)}
	}
	c.tenant.addDenies(denies)
	return s
}

// subscriptionRBAC collects a subscription's assignments and deny
// assignments into its folder and its custom roles into the tenant file.
// Its listings repeat what is assigned on the management groups above;
// those go to the tenant files, once. stop reports that the
// first listing says the subscription cannot be read at all.
func (c *collector) subscriptionRBAC(ctx context.Context, sub string) (s Scope, stop bool) {
	scope := "/subscriptions/" + sub
	s = Scope{Name: "subscriptions/" + sub}
	assignments, err := c.listAssignments(ctx, scope, false)
	if err != nil {
		s.Error = failure("roleAssignments.listForScope", scope, err)
		return s, unreadable(err)
	}
	denies, err := c.listDenies(ctx, scope, false)
	if err != nil {
		s.Error = failure("denyAssignments.listForScope", scope, err)
		return s, false
	}
	custom, err := c.listDefinitions(ctx, scope, "CustomRole")
	if err != nil {
		s.Error = failure("roleDefinitions.list", scope, err)
		return s, false
	}
	var mine, above []roleAssignment
	for _, a := range assignments {
		if within(a.Scope, sub) {
			mine = append(mine, a)
		} else {
			above = append(above, a)
		}
	}
	var myDenies, aboveDenies []denyAssignment
	for _, d := range denies {
		if within(d.Properties.Scope, sub) {
			myDenies = append(myDenies, d)
		} else {
			aboveDenies = append(aboveDenies, d)
		}
	}
	c.tenant.addAssignments(above)
	c.tenant.addDenies(aboveDenies)
	c.tenant.addDefinitions(custom)
	c.tenant.addGroups(mine)
	// Names come from the built-in roles and this subscription's own
	// custom roles only, so that the file does not depend on which other
	// worker finished first.
	names := map[string]string{}
	for k, v := range c.builtin {
		names[k] = v
	}
	for _, d := range custom {
		names[strings.ToLower(d.Name)] = d.RoleName
	}
	sort.Slice(myDenies, func(i, j int) bool { return strings.ToLower(myDenies[i].ID) < strings.ToLower(myDenies[j].ID) })
	dir := "subscriptions/" + sub + "/"
	for name, v := range map[string]any{"role-assignments.json": withRoleNames(mine, names), "deny-assignments.json": nonNil(myDenies)} {
		if err := c.write(dir+name, v); err != nil {
			s.Error = err.Error()
			return s, false
		}
	}
	s.Files = []string{dir + "deny-assignments.json", dir + "role-assignments.json", "role-definitions.json"}
	return s, false
}

// within tells whether scope is the subscription or below it.
func within(scope, sub string) bool {
	s, p := strings.ToLower(strings.TrimRight(scope, "/")), "/subscriptions/"+strings.ToLower(sub)
	return s == p || strings.HasPrefix(s, p+"/")
}

// withRoleNames sorts assignments by id and fills roleDefinitionName, as
// `az` prints it, where the role is known.
func withRoleNames(l []roleAssignment, names map[string]string) []roleAssignment {
	out := make([]roleAssignment, 0, len(l))
	for _, a := range l {
		if n := names[roleKey(a.RoleDefinitionID)]; n != "" {
			a.RoleDefinitionName = n
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].ID) < strings.ToLower(out[j].ID) })
	return out
}

// roleKey is the GUID at the end of a role definition id, which names the
// role whatever scope precedes it.
func roleKey(id string) string {
	return strings.ToLower(id[strings.LastIndexByte(id, '/')+1:])
}

// addAssignments keeps one copy of each assignment. Resource Manager
// prefixes an inherited assignment's roleDefinitionId with the subscription
// it was listed in, so copies differ; the smallest id is kept so that the
// file does not depend on which worker finished first.
func (t *tenantSet) addAssignments(l []roleAssignment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range l {
		k := strings.ToLower(a.ID)
		if old, ok := t.assignments[k]; !ok || strings.ToLower(a.RoleDefinitionID) < strings.ToLower(old.RoleDefinitionID) {
			t.assignments[k] = a
		}
		if strings.EqualFold(a.PrincipalType, "Group") {
			t.groups[strings.ToLower(a.PrincipalID)] = true
		}
	}
}

func (t *tenantSet) addGroups(l []roleAssignment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range l {
		if strings.EqualFold(a.PrincipalType, "Group") {
			t.groups[strings.ToLower(a.PrincipalID)] = true
		}
	}
}

func (t *tenantSet) addDenies(l []denyAssignment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range l {
		t.denies[strings.ToLower(d.ID)] = d
	}
}

// addDefinitions keeps one definition per role GUID. A custom role listed
// at several scopes comes back with an id prefixed by each; the smallest
// id is kept so that the file does not depend on the order of the workers.
func (t *tenantSet) addDefinitions(l []roleDefinition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range l {
		k := strings.ToLower(d.Name)
		if old, ok := t.definitions[k]; !ok || strings.ToLower(d.ID) < strings.ToLower(old.ID) {
			t.definitions[k] = d
		}
	}
}

func mgID(name string) string { return "/providers/Microsoft.Management/managementGroups/" + name }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func strs(l []*string) []string {
	out := []string{}
	for _, s := range l {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// nonNil makes a nil list an empty one: `az` prints [] rather than null.
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
