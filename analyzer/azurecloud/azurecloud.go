// Package azurecloud is the Azure plug-in of the analysis: it reads role
// assignments, role definitions, deny assignments, the management-group
// tree, group memberships and registry settings, and decides every catalog
// operation for every principal with policies/azure.
package azurecloud

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
	builtin "github.com/imagewarden/imagewarden/rego"
)

// Formats this plug-in reads.
const (
	FormatAssignments      = "azure-role-assignments"
	FormatDefinitions      = "azure-role-definitions"
	FormatDenyAssignments  = "azure-deny-assignments"
	FormatManagementGroups = "azure-management-groups"
	FormatGroupMembers     = "azure-group-members"
	FormatRegistries       = "azure-container-registries"
	FormatIdentities       = "azure-managed-identities"
	FormatGalleries        = "azure-compute-galleries"
	cloudName              = "azure"
	// BuiltinRolesFile is the offline table of built-in roles that grant an
	// image operation.
	BuiltinRolesFile = "tables/azure-builtin-roles.yaml"
	// BuiltinRoleNamesFile lists every built-in role.
	BuiltinRoleNamesFile = "tables/azure-builtin-role-names.yaml"
	abacMode             = "abacrepositorypermissions"
)

// registry is a resource the inputs list, decided exactly: a container
// registry, or (gallery set) an Azure Compute Gallery, which has no
// permission mode.
type registry struct {
	id, name, mode string
	adminUser      bool
	gallery        bool
}

type principal struct {
	id, name, kind string
}

// Snapshot is the Azure state read from the inputs.
type Snapshot struct {
	assignments   []azure.Assignment
	roles         map[string]*azure.Role
	denies        []azure.DenyAssignment
	parents       map[string]string // normalised scope of a subscription or MG -> parent MG scope
	members       map[string][]string
	groupNames    map[string]string
	principals    map[string]*principal
	registries    map[string]*registry
	compute       computeInventory // compute that runs as managed identities (compute.go)
	warnings      []model.Warning
	cat           *catalog.Catalog
	builtinErr    error
	byPrincipal   map[string][]azure.Assignment
	ancestorCache map[string][]string
	display       map[string]string // normalised scope -> as first written (a registry's own id wins)
	identities    map[string]string // user-assigned identity resource id -> its principal id
	builtin       map[string]bool   // role keys of built-in roles
	counts        model.Counter     // what the inputs held, read and skipped
	definitions   map[string]bool   // role keys of the role definitions the inputs hold
	defDups       model.Duplicates  // role definitions read twice (noteDefinition)
	defUpdated    map[string]time.Time
	ix            *index              // compiled for Evaluate and Edges; dropped when the inputs change
	memberOf      map[string][]string // object id -> the groups that list it as a member, made on first use
	pim           *pimState           // eligible assignments and role management policies (pim.go)
	federated     *federationState    // federated identity credentials (federation.go)
}

// The kinds of item counted in Snapshot.counts (model.Count.Item).
const (
	itemAssignments     = "role assignments"
	itemDefinitions     = "role definitions"
	itemDenyAssignments = "deny assignments"
)

// name returns a normalised scope as the inputs wrote it.
func (s *Snapshot) name(scope string) string {
	if d, ok := s.display[scope]; ok {
		return d
	}
	return scope
}

func (s *Snapshot) remember(scope string, override bool) {
	if s.display == nil {
		s.display = map[string]string{}
	}
	k := azure.NormalizeScope(scope)
	if _, ok := s.display[k]; !ok || override {
		s.display[k] = strings.TrimRight(strings.TrimSpace(scope), "/")
	}
}

// New returns an empty snapshot with the built-in role table.
func New() *Snapshot {
	s := &Snapshot{roles: make(map[string]*azure.Role, 1024), parents: map[string]string{}, members: map[string][]string{},
		groupNames: map[string]string{}, principals: map[string]*principal{}, registries: map[string]*registry{}, identities: map[string]string{}}
	s.builtinErr = s.loadBuiltinRoles()
	s.addComputeRoles()
	s.defDups.Kind = "role definitions"
	return s
}

// builtinTables are the built-in role tables, parsed once per process:
// parsing them was most of the cost of New, which the remediation's
// re-analyses and the fuzz tests call many times. Each snapshot gets its
// own copies of the roles.
var builtinTables struct {
	once     sync.Once
	roles    []builtinRole
	rolesErr error
	names    []builtinRole // every built-in role, without permissions
	namesErr error
}

type builtinRole struct {
	ID          string             `yaml:"id"`
	Name        string             `yaml:"name"`
	Permissions []azure.Permission `yaml:"permissions"`
	key         string             // azure.RoleKey(ID)
}

func parseBuiltinTables() {
	t := &builtinTables
	b, err := fs.ReadFile(builtin.FS, BuiltinRolesFile)
	if err == nil {
		var doc struct {
			Roles []builtinRole `yaml:"roles"`
		}
		if err = yaml.Unmarshal(b, &doc); err == nil {
			t.roles = doc.Roles
			for i := range t.roles {
				t.roles[i].key = azure.RoleKey(t.roles[i].ID)
			}
		}
	}
	if err != nil {
		t.rolesErr = err
		return
	}
	nb, err := fs.ReadFile(builtin.FS, BuiltinRoleNamesFile)
	if err == nil {
		var names struct {
			Roles map[string]string `yaml:"roles"`
		}
		if err = yaml.Unmarshal(nb, &names); err == nil {
			for id, name := range names.Roles {
				t.names = append(t.names, builtinRole{ID: id, Name: name, key: azure.RoleKey(id)})
			}
		}
	}
	t.namesErr = err
}

func clonePermissions(ps []azure.Permission) []azure.Permission {
	if ps == nil {
		return nil
	}
	out := make([]azure.Permission, len(ps))
	for i, p := range ps {
		out[i] = azure.Permission{Actions: slices.Clone(p.Actions), NotActions: slices.Clone(p.NotActions),
			DataActions: slices.Clone(p.DataActions), NotDataActions: slices.Clone(p.NotDataActions), Condition: p.Condition}
	}
	return out
}

func (s *Snapshot) loadBuiltinRoles() error {
	builtinTables.once.Do(parseBuiltinTables)
	t := &builtinTables
	if t.rolesErr != nil {
		return t.rolesErr
	}
	s.builtin = map[string]bool{}
	for _, r := range t.roles {
		s.roles[r.key] = &azure.Role{ID: r.ID, Name: r.Name, Permissions: clonePermissions(r.Permissions)}
		s.builtin[r.key] = true
	}
	if t.namesErr != nil {
		return t.namesErr
	}
	// Every other built-in role is known to grant no image operation.
	for _, r := range t.names {
		s.builtin[r.key] = true
		if _, ok := s.roles[r.key]; !ok {
			s.roles[r.key] = &azure.Role{ID: r.ID, Name: r.Name}
		}
	}
	return nil
}

// Cloud names the plug-in.
func (s *Snapshot) Cloud() string { return cloudName }

// UseCatalog gives the catalog to WhoCan.
func (s *Snapshot) UseCatalog(c *catalog.Catalog) { s.cat = c }

// Owns reports Azure operations: Provider.Namespace/type/verb.
func (s *Snapshot) Owns(permission string) bool {
	return strings.HasPrefix(strings.ToLower(permission), "microsoft.") && strings.Contains(permission, "/")
}

func (s *Snapshot) warn(file, where, msg string) {
	w := file
	if where != "" {
		w += ": " + where
	}
	s.warnings = append(s.warnings, model.Warning{Where: w, Message: msg})
}

// items returns a document's objects: the array's items, the REST "value"
// list, or the single object; REST objects are flattened (properties merged
// into the top level).
func items(doc *model.Document) []map[string]json.RawMessage {
	var list []map[string]json.RawMessage
	switch {
	case doc.Object != nil && doc.Object["value"] != nil:
		json.Unmarshal(doc.Object["value"], &list)
	case doc.Object != nil:
		list = []map[string]json.RawMessage{doc.Object}
	default:
		list = doc.Items
	}
	for _, it := range list {
		if props, ok := it["properties"]; ok {
			var p map[string]json.RawMessage
			if json.Unmarshal(props, &p) == nil {
				for k, v := range p {
					if _, exists := it[k]; !exists {
						it[k] = v
					}
				}
			}
		}
	}
	return list
}

// Recognize names the format of a document, or "".
func (s *Snapshot) Recognize(doc *model.Document) string {
	if isComputeObject(doc) {
		return FormatCompute
	}
	list := items(doc)
	if len(list) == 0 {
		return ""
	}
	has := func(k string) bool { _, ok := list[0][k]; return ok }
	str := func(k string) string {
		var v string
		json.Unmarshal(list[0][k], &v)
		return strings.ToLower(v)
	}
	if f := recognizePIM(list[0]); f != "" {
		return f
	}
	if f := recognizeFederated(list[0]); f != "" {
		return f
	}
	switch {
	case has("principalId") && has("roleDefinitionId") && has("scope"):
		return FormatAssignments
	case has("permissions") && has("roleName"):
		return FormatDefinitions
	case has("denyAssignmentName") || (has("permissions") && has("excludePrincipals")):
		return FormatDenyAssignments
	case has("groupId") && has("members"):
		return FormatGroupMembers
	case has("principalId") && has("clientId") && strings.Contains(str("type"), "userassignedidentities"):
		return FormatIdentities
	case has("loginServer") || strings.HasSuffix(str("type"), "microsoft.containerregistry/registries"):
		return FormatRegistries
	case strings.HasSuffix(str("type"), "microsoft.compute/galleries"):
		return FormatGalleries
	case computeKindOf(str("type")) != nil:
		return FormatCompute
	case has("parent") && (strings.Contains(str("type"), "managementgroups") || str("type") == "/subscriptions"):
		return FormatManagementGroups
	}
	return ""
}

// decode reads an item into a struct as json.Unmarshal reads the object:
// fields matched by name, case-insensitively, the last of two keys that
// differ only in case winning. The object is written back keys sorted, as
// json.Marshal writes a map, but by appending the raw values: marshalling
// the map compacted and re-validated every value, half of loading a large
// tenant.
func decode(obj map[string]json.RawMessage, v any) error {
	keys := make([]string, 0, len(obj))
	size := 2
	for k, val := range obj {
		keys = append(keys, k)
		size += len(k) + len(val) + 4
	}
	sort.Strings(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		if val := obj[k]; len(val) > 0 {
			b = append(b, val...)
		} else {
			b = append(b, "null"...)
		}
	}
	b = append(b, '}')
	return json.Unmarshal(b, v)
}

// appendKey appends a key as a JSON string.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			q, _ := json.Marshal(k)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"')
}

// Load reads a recognised document.
func (s *Snapshot) Load(file, format string, doc *model.Document) error {
	s.ix, s.memberOf = nil, nil
	if format == FormatCompute {
		return s.loadCompute(file, doc)
	}
	for i, it := range items(doc) {
		where := fmt.Sprintf("[%d]", i)
		switch format {
		case FormatAssignments:
			var a struct {
				ID, Name, PrincipalID, PrincipalName, PrincipalType, RoleDefinitionID, RoleDefinitionName, Scope, Condition, Description string
			}
			s.counts.Read(itemAssignments)
			if err := decode(it, &a); err != nil || a.PrincipalID == "" || a.RoleDefinitionID == "" || a.Scope == "" {
				s.counts.Skip(itemAssignments)
				s.warn(file, where, "a role assignment without principalId, roleDefinitionId or scope is ignored")
				continue
			}
			// Scopes are kept normalised: Azure compares them case-insensitively.
			s.remember(a.Scope, false)
			s.assignments = append(s.assignments, azure.Assignment{ID: a.ID, PrincipalID: strings.ToLower(a.PrincipalID), Principal: a.PrincipalName,
				Type: a.PrincipalType, RoleID: a.RoleDefinitionID, Scope: azure.NormalizeScope(a.Scope), Condition: a.Condition})
			name := a.PrincipalName
			if name == "" && a.Description != "" {
				// az prints "" for foreign groups; the description often names them.
				name, _, _ = strings.Cut(a.Description, ":")
			}
			s.principal(a.PrincipalID, name, a.PrincipalType)
			if a.RoleDefinitionName != "" {
				s.roleNames(a.RoleDefinitionID, a.RoleDefinitionName)
			}
		case FormatDefinitions:
			var r struct {
				ID, Name, RoleName, UpdatedOn string
				Permissions                   []azure.Permission
			}
			s.counts.Read(itemDefinitions)
			if err := decode(it, &r); err != nil || (r.ID == "" && r.Name == "") {
				s.counts.Skip(itemDefinitions)
				s.warn(file, where, "a role definition without id")
				continue
			}
			id := r.ID
			if id == "" {
				id = r.Name
			}
			if s.definitions == nil {
				s.definitions = map[string]bool{}
			}
			if s.definitions[azure.RoleKey(id)] {
				s.counts.Duplicate(itemDefinitions)
			}
			s.definitions[azure.RoleKey(id)] = true
			if !s.noteDefinition(file, where, azure.RoleKey(id), r.RoleName, r.UpdatedOn, r.Permissions) {
				continue
			}
			s.roles[azure.RoleKey(id)] = &azure.Role{ID: id, Name: r.RoleName, Permissions: r.Permissions}
		case FormatDenyAssignments:
			var d struct {
				ID, Name, DenyAssignmentName, Scope string
				Permissions                         []azure.Permission
				Principals, ExcludePrincipals       []struct{ ID string }
				DoNotApplyToChildScopes             bool
			}
			s.counts.Read(itemDenyAssignments)
			if err := decode(it, &d); err != nil || d.Scope == "" {
				s.counts.Skip(itemDenyAssignments)
				s.warn(file, where, "a deny assignment without scope is ignored")
				continue
			}
			da := azure.DenyAssignment{ID: d.ID, Name: d.DenyAssignmentName, Scope: azure.NormalizeScope(d.Scope), Permissions: d.Permissions, DoNotApplyToChildScopes: d.DoNotApplyToChildScopes}
			for _, p := range d.Principals {
				da.Principals = append(da.Principals, strings.ToLower(p.ID))
			}
			for _, p := range d.ExcludePrincipals {
				da.ExcludePrincipals = append(da.ExcludePrincipals, strings.ToLower(p.ID))
			}
			s.denies = append(s.denies, da)
		case FormatGroupMembers:
			var g struct {
				GroupID   string `json:"groupId"`
				GroupName string `json:"groupName"`
				Members   []struct {
					Type string `json:"@odata.type"`
					ID   string `json:"id"`
					UPN  string `json:"userPrincipalName"`
					Name string `json:"displayName"`
				} `json:"members"`
			}
			if err := decode(it, &g); err != nil || g.GroupID == "" {
				s.warn(file, where, "group members without groupId")
				continue
			}
			gid := strings.ToLower(g.GroupID)
			s.groupNames[gid] = g.GroupName
			s.members[gid] = append(s.members[gid], []string(nil)...)
			for _, m := range g.Members {
				kind := "User"
				switch {
				case strings.HasSuffix(m.Type, "group"):
					kind = "Group"
				case strings.HasSuffix(m.Type, "servicePrincipal"):
					kind = "ServicePrincipal"
				}
				name := m.UPN
				if name == "" {
					name = m.Name
				}
				s.members[gid] = append(s.members[gid], strings.ToLower(m.ID))
				s.principal(m.ID, name, kind)
			}
		case FormatRegistries:
			var r struct {
				ID, Name, RoleAssignmentMode string
				AdminUserEnabled             bool
			}
			if err := decode(it, &r); err != nil || r.ID == "" {
				s.warn(file, where, "a registry without id")
				continue
			}
			s.remember(r.ID, true)
			s.registries[azure.NormalizeScope(r.ID)] = &registry{id: r.ID, name: r.Name, mode: strings.ToLower(r.RoleAssignmentMode), adminUser: r.AdminUserEnabled}
		case FormatGalleries:
			var g struct{ ID, Name string }
			if err := decode(it, &g); err != nil || g.ID == "" {
				s.warn(file, where, "a gallery without id")
				continue
			}
			s.remember(g.ID, true)
			s.registries[azure.NormalizeScope(g.ID)] = &registry{id: g.ID, name: g.Name, gallery: true}
		case FormatIdentities:
			var m struct{ ID, Name, PrincipalID string }
			if err := decode(it, &m); err != nil || m.ID == "" || m.PrincipalID == "" {
				s.warn(file, where, "a managed identity without id or principalId")
				continue
			}
			s.remember(m.ID, true)
			s.identities[azure.NormalizeScope(m.ID)] = strings.ToLower(m.PrincipalID)
			s.principal(m.PrincipalID, m.Name, "ManagedIdentity")
		case FormatManagementGroups:
			var e struct {
				ID     string
				Parent *struct{ ID string }
			}
			if err := decode(it, &e); err != nil || e.ID == "" {
				s.warn(file, where, "an entity without id")
				continue
			}
			if e.Parent != nil && e.Parent.ID != "" {
				s.parents[azure.NormalizeScope(e.ID)] = azure.NormalizeScope(e.Parent.ID)
			}
		case FormatEligibility, FormatRolePolicies:
			s.loadPIM(file, where, format, it)
		case FormatFederatedCredentials:
			s.loadFederated(file, where, it)
		default:
			return fmt.Errorf("unknown format %q", format)
		}
	}
	return nil
}

// noteDefinition records a role definition read from the inputs and
// reports whether it is to be used. The same role read twice is never
// resolved silently: identical definitions (a role listed by every
// subscription it is assignable in, overlapping exports) share one note;
// differing ones are a warning naming both places and what differs, and
// the more recently updated one (updatedOn) is used, or, when the dates do
// not settle it, the one read last (inputs are read in the order given, a
// directory's files sorted by name). A definition in the inputs replaces
// the built-in table without a warning: that is what the table is for.
func (s *Snapshot) noteDefinition(file, where, key, name, updatedOn string, perms []azure.Permission) bool {
	lines := definitionLines(name, perms)
	here := model.Place{File: file, Where: where, Fingerprint: strings.Join(lines, "\n")}
	updated, dated := time.Time{}, false
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(updatedOn)); err == nil {
		updated, dated = t, true
	}
	if s.defUpdated == nil {
		s.defUpdated = map[string]time.Time{}
	}
	prev, dup := s.defDups.Seen(key, here)
	if !dup {
		if dated {
			s.defUpdated[key] = updated
		}
		return true
	}
	if prev.Fingerprint == here.Fingerprint {
		s.defDups.Identical(&s.warnings, key+" ("+name+")", prev, here)
		return false
	}
	prevUpdated, prevDated := s.defUpdated[key]
	use, why := here, "the one read last"
	if dated && prevDated && !updated.Equal(prevUpdated) {
		why = "the more recently updated (updatedOn)"
		if prevUpdated.After(updated) {
			use = prev
		}
	}
	s.warn(file, where, fmt.Sprintf("role definition %s (%s) is read twice and the definitions differ: at %s and at %s (+ only in the second, - only in the first: %s): the one at %s is used, %s",
		key, name, prev, here, model.Differences(strings.Split(prev.Fingerprint, "\n"), lines, 8), use, why))
	if use != here {
		return false
	}
	s.defDups.Use(key, here)
	delete(s.defUpdated, key)
	if dated {
		s.defUpdated[key] = updated
	}
	return true
}

// definitionLines describe what a role definition grants, one line per
// item, the same for the same role however an export orders or cases it.
func definitionLines(name string, perms []azure.Permission) []string {
	var blocks []string
	for _, p := range perms {
		var b []string
		for _, l := range []struct {
			kind string
			ops  []string
		}{{"actions", p.Actions}, {"notActions", p.NotActions}, {"dataActions", p.DataActions}, {"notDataActions", p.NotDataActions}} {
			ops := make([]string, 0, len(l.ops))
			for _, op := range l.ops {
				ops = append(ops, strings.ToLower(strings.TrimSpace(op)))
			}
			sort.Strings(ops)
			ops = slices.Compact(ops)
			for _, op := range ops {
				b = append(b, l.kind+": "+op)
			}
		}
		if c := strings.TrimSpace(p.Condition); c != "" {
			b = append(b, "condition: "+c)
		}
		blocks = append(blocks, strings.Join(b, "\x00"))
	}
	sort.Strings(blocks)
	blocks = slices.Compact(blocks)
	lines := []string{"roleName: " + name}
	for i, b := range blocks {
		for _, l := range strings.Split(b, "\x00") {
			if l != "" {
				lines = append(lines, fmt.Sprintf("block %d %s", i, l))
			}
		}
	}
	return lines
}

func (s *Snapshot) principal(id, name, kind string) {
	key := strings.ToLower(id)
	if p, ok := s.principals[key]; ok {
		if p.name == "" {
			p.name = name
		}
		return
	}
	s.principals[key] = &principal{id: key, name: name, kind: kind}
}

// roleNames remembers the name of a role that only assignments mention.
func (s *Snapshot) roleNames(id, name string) {
	if r, ok := s.roles[azure.RoleKey(id)]; ok && r.Name == "" {
		r.Name = name
	}
}

// ancestors are the scopes whose assignments reach a scope: its path
// prefixes, the management groups above its subscription, and "/".
func (s *Snapshot) ancestors(scope string) []string {
	if a, ok := s.ancestorCache[scope]; ok {
		return a
	}
	if s.ancestorCache == nil {
		s.ancestorCache = map[string][]string{}
	}
	out := s.computeAncestors(scope)
	s.ancestorCache[scope] = out
	return out
}

func (s *Snapshot) computeAncestors(scope string) []string {
	out := azure.PathAncestors(scope)
	start := ""
	for _, a := range out {
		if strings.HasPrefix(a, "/subscriptions/") && strings.Count(a, "/") == 2 {
			start = a
		}
		if strings.HasPrefix(a, "/providers/microsoft.management/managementgroups/") && strings.Count(a, "/") == 4 {
			start = a
		}
	}
	for n, guard := s.parents[start], 0; n != "" && guard < 16; n, guard = s.parents[n], guard+1 {
		out = append(out, n)
	}
	return out
}

// identity builds the request identity of a principal: its groups,
// transitively.
func (s *Snapshot) identity(id string) *azure.Identity {
	return &azure.Identity{ID: id, Groups: s.groupsOf(id)}
}

// groupsOf lists the groups a principal is in, transitively: groups in
// groups are followed 33 levels deep at most, as the walk over members
// always was.
func (s *Snapshot) groupsOf(id string) map[string]bool {
	memberOf := s.membership()
	groups := map[string]bool{}
	level := []string{id}
	for depth := 0; depth <= 32 && len(level) > 0; depth++ {
		var next []string
		for _, m := range level {
			for _, g := range memberOf[m] {
				if !groups[g] {
					groups[g] = true
					next = append(next, g)
				}
			}
		}
		level = next
	}
	return groups
}

// membership returns, for every object id, the groups that list it as a
// member (made on first use; Load drops it).
func (s *Snapshot) membership() map[string][]string {
	if s.memberOf == nil {
		s.memberOf = map[string][]string{}
		gs := make([]string, 0, len(s.members))
		for g := range s.members {
			gs = append(gs, g)
		}
		sort.Strings(gs)
		for _, g := range gs {
			for _, m := range s.members[g] {
				if l := s.memberOf[m]; len(l) == 0 || l[len(l)-1] != g {
					s.memberOf[m] = append(l, g)
				}
			}
		}
	}
	return s.memberOf
}

// identities are the principals to decide for: every principal, except
// groups whose members are known (their members are decided instead).
func (s *Snapshot) principalsToDecide() []*principal {
	var out []*principal
	for id, p := range s.principals {
		if _, expanded := s.members[id]; expanded {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// isData tells data actions from actions: the repository operations of
// Container Registry are data actions.
func isData(op string) bool {
	return strings.Contains(strings.ToLower(op), "microsoft.containerregistry/registries/repositories/")
}

type action struct {
	entry   catalog.Entry
	pattern string // lower case, placeholders as *
	data    bool
}

func prepare(entries []catalog.Entry) []action {
	var out []action
	for _, e := range entries {
		out = append(out, action{entry: e, pattern: strings.ToLower(e.Pattern(nil)), data: isData(e.Action)})
	}
	return out
}

// registryHonours applies a registry's permission mode: in ABAC mode the
// repository data actions decide pushes and the control-plane push, pull and
// delete of AcrPush/AcrDelete are not honoured; in classic mode the data
// actions are not used. The admin user's credentials push only when it is
// enabled.
func registryHonours(r *registry, op string) bool {
	if r.gallery {
		return true
	}
	lop := strings.ToLower(op)
	abac := r.mode == abacMode
	switch {
	case isData(op):
		return abac
	case lop == "microsoft.containerregistry/registries/push/write", lop == "microsoft.containerregistry/registries/artifacts/delete":
		return !abac
	case lop == "microsoft.containerregistry/registries/listcredentials/action":
		return r.adminUser
	}
	return true
}

func (s *Snapshot) groupLabels(groups map[string]bool) []string {
	var out []string
	for g := range groups {
		if n := s.groupNames[g]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

// scopes are the scopes of the assignments that reach the identity.
func (s *Snapshot) scopes(id *azure.Identity) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range s.assignmentsOf(id) {
		sc := azure.NormalizeScope(a.Scope)
		if !seen[sc] {
			seen[sc] = true
			out = append(out, a.Scope)
		}
	}
	sort.Strings(out)
	return out
}

// decide decides with the identity's own assignments (mine), found once
// per identity rather than once per operation.
func (s *Snapshot) decide(id *azure.Identity, mine []azure.Assignment, op string, data bool, scope string) azure.Result {
	return azure.Decide(&azure.Request{Identity: id, Operation: op, Data: data, Scope: scope, Ancestors: s.ancestors(scope)}, mine, s.roles, s.denies)
}

// assignmentsOf lists the assignments to the identity or its groups.
func (s *Snapshot) assignmentsOf(id *azure.Identity) []azure.Assignment {
	if s.byPrincipal == nil {
		s.byPrincipal = map[string][]azure.Assignment{}
		for _, a := range s.assignments {
			s.byPrincipal[a.PrincipalID] = append(s.byPrincipal[a.PrincipalID], a)
		}
	}
	out := append([]azure.Assignment(nil), s.byPrincipal[id.ID]...)
	// Groups in a fixed order: the order of the assignments is the order of
	// the grants in a report, and of the notes edges keep when they merge.
	groups := make([]string, 0, len(id.Groups))
	for g := range id.Groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		out = append(out, s.byPrincipal[g]...)
	}
	return out
}

// isResource tells a resource scope (.../providers/NS/type/name) from a
// management group, subscription or resource group.
func isResource(scope string) bool {
	s := azure.NormalizeScope(scope)
	return strings.Contains(s, "/providers/") && !strings.HasPrefix(s, "/providers/microsoft.management/")
}

func (s *Snapshot) target(r azure.Result, resource string, known, all bool) (model.Target, bool) {
	access, ok := model.AccessOf(r.Allowed)
	if !ok {
		return model.Target{}, false
	}
	t := model.Target{Resource: resource, Known: known, All: all, Access: access}
	for _, g := range r.Grants {
		gr := s.grantOf(&g.Assignment, g.Role)
		if g.Match == tri.Unknown {
			gr.Conditional = true
			gr.Conditions = []string{g.Assignment.Condition}
		}
		t.Via = append(t.Via, gr)
	}
	return t, true
}

// WhoCan decides one operation for every principal, on the scope given or
// at every scope where the principal holds an assignment.
func (s *Snapshot) WhoCan(op, resource string) []model.Answer {
	s.resolvePIM()
	data := isData(op)
	var out []model.Answer
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		var best *model.Answer
		try := func(scope string, all bool) {
			if reg, ok := s.registries[azure.NormalizeScope(scope)]; ok && !registryHonours(reg, op) {
				return
			}
			t, ok := s.target(s.decide(id, mine, op, data, scope), s.name(azure.NormalizeScope(scope)), false, all)
			if !ok {
				return
			}
			if best == nil || (best.Access == model.Conditional && t.Access == model.Allowed) {
				best = &model.Answer{ID: p.id, Cloud: cloudName, Kind: p.kind, Name: p.name, Access: t.Access, Resource: scope, Via: t.Via}
			}
		}
		if resource != "" {
			try(resource, false)
		} else {
			for _, sc := range s.scopes(id) {
				try(sc, true)
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

// PrincipalKind tells the kind and name of a principal of the inputs, for
// the answers reached through a chain (analyzer.WhoCan).
func (s *Snapshot) PrincipalKind(id string) (kind, name string, ok bool) {
	if p, found := s.principals[id]; found {
		return p.kind, p.name, true
	}
	for k, p := range s.principals {
		if strings.EqualFold(k, id) {
			return p.kind, p.name, true
		}
	}
	return "", "", false
}
