package azurecloud

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
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
