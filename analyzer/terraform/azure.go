package terraform

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/policies/azure"
	builtin "github.com/imagewarden/imagewarden/rego"
)

// azureWorld is one side's Azure inputs: the context's role assignments,
// role definitions and registries, edited, and what the plan adds.
type azureWorld struct {
	r           *reader
	side        map[string]*instance
	assignments []*doc
	definitions []*doc
	registries  []*doc
	genAssign   []any
	genDefs     []any
	genRegs     []any
}

func newAzureWorld(r *reader, side map[string]*instance, docs []*doc) *azureWorld {
	w := &azureWorld{r: r, side: side}
	for _, d := range docs {
		if d == nil {
			continue
		}
		switch d.file.format {
		case azurecloud.FormatAssignments:
			w.assignments = append(w.assignments, d)
		case azurecloud.FormatDefinitions:
			w.definitions = append(w.definitions, d)
		case azurecloud.FormatRegistries:
			w.registries = append(w.registries, d)
		}
	}
	return w
}

// builtinRoles maps the lower-case names of Azure built-in roles to their
// GUIDs, for assignments that name a role by name.
var builtinRoles = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	data, err := fs.ReadFile(builtin.FS, azurecloud.BuiltinRoleNamesFile)
	if err != nil {
		return out
	}
	var t struct {
		Roles map[string]string `yaml:"roles"`
	}
	if yaml.Unmarshal(data, &t) != nil {
		return out
	}
	for id, name := range t.Roles {
		out[strings.ToLower(name)] = id
	}
	return out
})

// roleDefinitionGUID is a role definition's GUID: from the plan, else a
// stand-in made from its address (GUIDs are assigned at creation).
func (r *reader) roleDefinitionGUID(in *instance) string {
	if id := in.str("role_definition_id"); id != "" {
		return id
	}
	h := synthetic(in.addr)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// roleDefinitionID is a role definition's resource id.
func (r *reader) roleDefinitionID(in *instance) string {
	if id := in.str("role_definition_resource_id"); id != "" {
		return id
	}
	return strings.TrimRight(in.str("scope"), "/") + "/providers/Microsoft.Authorization/roleDefinitions/" + r.roleDefinitionGUID(in)
}

func (w *azureWorld) apply(phase int, in *instance) {
	if in.values == nil || in.mode == "data" {
		return
	}
	switch in.typ {
	case "azurerm_role_definition":
		if phase != phaseParts {
			w.definition(in, phase == phaseRemove)
		}
	case "azurerm_container_registry":
		if phase != phaseParts {
			w.registry(in, phase == phaseRemove)
		}
	case "azurerm_role_assignment":
		if phase != phaseHolders {
			w.assignment(in, phase == phaseRemove)
		}
	}
}

func (w *azureWorld) definition(in *instance, remove bool) {
	guid := strings.ToLower(w.r.roleDefinitionGUID(in))
	name := in.str("name")
	w.r.plan.ref(strings.ToLower("az-role|"+name), in.addr)
	for _, d := range w.definitions {
		d.removeItems(func(it map[string]any) bool {
			return azure.RoleKey(asString(field(it, "id"))) == guid || strings.EqualFold(asString(field(it, "name")), guid)
		})
	}
	if remove {
		return
	}
	var perms []any
	for _, p := range in.objs("permissions") {
		perms = append(perms, map[string]any{
			"actions": anyList(asStrings(p["actions"])), "notActions": anyList(asStrings(p["not_actions"])),
			"dataActions": anyList(asStrings(p["data_actions"])), "notDataActions": anyList(asStrings(p["not_data_actions"])),
		})
	}
	w.genDefs = append(w.genDefs, map[string]any{"id": w.r.roleDefinitionID(in), "name": w.r.roleDefinitionGUID(in), "roleName": name,
		"roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions", "permissions": orEmpty(perms),
		"assignableScopes": anyList(in.strs("assignable_scopes"))})
}

// roleID resolves an assignment's role: its role_definition_id, a role
// definition of the plan it refers to, or a role named by
// role_definition_name among the context's definitions, the plan's and the
// built-in roles.
func (w *azureWorld) roleID(in *instance) string {
	if id := w.r.value(w.side, in, "role_definition_id"); id != "" {
		return id
	}
	name := strings.ToLower(in.str("role_definition_name"))
	if name == "" {
		return ""
	}
	scope := in.str("scope")
	if sub := subscriptionOf(scope); sub != "" {
		scope = "/subscriptions/" + sub
	}
	for _, other := range sorted(w.side) {
		if other.typ == "azurerm_role_definition" && strings.ToLower(other.str("name")) == name {
			return w.r.roleDefinitionID(other)
		}
	}
	for _, d := range w.definitions {
		for _, it := range d.list() {
			if strings.ToLower(asString(field(it, "roleName"))) == name {
				return asString(field(it, "id"))
			}
		}
	}
	if guid := builtinRoles()[name]; guid != "" {
		return scope + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
	}
	w.r.plan.warn("%s: role %q is neither a built-in role nor defined in the context or the plan: the assignment is left out", in.addr, in.str("role_definition_name"))
	return ""
}

func (w *azureWorld) assignment(in *instance, remove bool) {
	scope, principal := in.str("scope"), strings.ToLower(in.str("principal_id"))
	id := in.str("id")
	name := in.str("name")
	if id == "" && name != "" && scope != "" {
		id = strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name
	}
	if scope != "" && principal != "" {
		w.r.plan.ref(keyAzureAssignment(scope, principal), in.addr)
	}
	if id != "" {
		for _, d := range w.assignments {
			d.removeItems(func(it map[string]any) bool {
				return strings.EqualFold(asString(field(it, "id")), id)
			})
		}
	}
	if remove || scope == "" || principal == "" {
		return // unknown until apply: listed in Unknown
	}
	role := w.roleID(in)
	if role == "" {
		return
	}
	if name == "" {
		name = synthetic(in.addr)[:32]
		id = strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name
	}
	a := map[string]any{"id": id, "name": name, "principalId": principal, "principalType": in.str("principal_type"),
		"roleDefinitionId": role, "scope": scope, "type": "Microsoft.Authorization/roleAssignments"}
	if c := in.str("condition"); c != "" {
		a["condition"], a["conditionVersion"] = c, in.str("condition_version")
	}
	if n := in.str("role_definition_name"); n != "" {
		a["roleDefinitionName"] = n
	}
	w.genAssign = append(w.genAssign, a)
}

func (w *azureWorld) registry(in *instance, remove bool) {
	name, rg := in.str("name"), in.str("resource_group_name")
	id := in.str("id")
	if id == "" {
		if name == "" || rg == "" {
			return
		}
		w.r.needScope("the subscription", w.r.sub, placeholderSubscription, in.addr)
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s", w.r.sub, rg, name)
	}
	w.r.plan.ref("res|"+strings.ToLower(azure.NormalizeScope(id)), in.addr)
	for _, d := range w.registries {
		d.removeItems(func(it map[string]any) bool { return strings.EqualFold(asString(field(it, "id")), id) })
	}
	if remove {
		return
	}
	mode := in.str("role_assignment_mode")
	if mode == "" {
		mode = "LegacyRegistryPermissions"
	}
	w.genRegs = append(w.genRegs, map[string]any{"id": id, "name": name, "resourceGroup": rg, "location": in.str("location"),
		"loginServer": strings.ToLower(name) + ".azurecr.io", "adminUserEnabled": in.boolean("admin_enabled"),
		"roleAssignmentMode": mode, "type": "Microsoft.ContainerRegistry/registries"})
}

func (w *azureWorld) write(out *output) error {
	for _, f := range []struct {
		name  string
		items []any
	}{{"azure-role-definitions", w.genDefs}, {"azure-role-assignments", w.genAssign}, {"azure-registries", w.genRegs}} {
		if len(f.items) == 0 {
			continue
		}
		if err := out.writeJSON(f.name, f.items); err != nil {
			return err
		}
	}
	return nil
}
