package azurecloud

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// The reference evaluation and edges below are the plug-in as it was
// before the compiled index (index.go): every decision made by
// azure.Decide over the principal's assignments and every deny assignment
// of the tenant. Evaluate and Edges must give the same facts, principals,
// warnings and edges (TestIndexMatchesReference).

func (s *Snapshot) referenceEvaluate(cat *catalog.Catalog) *model.Snapshot {
	out := &model.Snapshot{}
	actions := prepare(cat.ForCloud(cloudName))
	var regs []*registry
	for _, r := range s.registries {
		regs = append(regs, r)
	}
	sort.Slice(regs, func(i, j int) bool { return regs[i].id < regs[j].id })
	for _, r := range regs {
		typ := "container-registry"
		if r.gallery {
			typ = "compute-gallery"
		}
		out.Resources = append(out.Resources, model.Resource{ID: r.id, Cloud: cloudName, Type: typ, Name: r.name})
	}
	// Which registries each action applies to, decided once.
	regsOf := make([][]*registry, len(actions))
	for i, a := range actions {
		for _, r := range regs {
			if glob.Match(a.pattern, azure.NormalizeScope(r.id)) && registryHonours(r, a.entry.Action) {
				regsOf[i] = append(regsOf[i], r)
			}
		}
	}
	unknown := map[string]bool{}
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		out.Principals = append(out.Principals, model.Principal{ID: p.id, Cloud: cloudName, Kind: p.kind, Name: p.name,
			External: p.kind == "ForeignGroup", Groups: s.groupLabels(id.Groups)})
		facts := s.referenceEvaluatePrincipal(p, id, actions, regsOf, unknown)
		out.Facts = append(out.Facts, facts...)
	}
	out.Warnings = append(out.Warnings, s.warnings...)
	out.Warnings = append(out.Warnings, s.computeWarnings()...)
	s.counts.Evaluated(itemAssignments, len(s.assignments))
	s.counts.Evaluated(itemDefinitions, len(s.definitions))
	s.counts.Evaluated(itemDenyAssignments, len(s.denies))
	out.Counts = s.counts.Counts(cloudName, itemAssignments, itemDefinitions, itemDenyAssignments)
	if s.builtinErr != nil {
		out.Warnings = append(out.Warnings, model.Warning{Message: "built-in role table: " + s.builtinErr.Error()})
	}
	if len(unknown) > 0 {
		var l []string
		for r := range unknown {
			l = append(l, r)
		}
		sort.Strings(l)
		out.Warnings = append(out.Warnings, model.Warning{Message: fmt.Sprintf("%d role definition(s) not in the inputs and not image-relevant built-in roles; their assignments grant nothing in this analysis (az role definition list, docs/inputs.md): %s", len(l), strings.Join(l, ", "))})
	}
	return out
}
func (s *Snapshot) referenceEvaluatePrincipal(p *principal, id *azure.Identity, actions []action, regsOf [][]*registry, unknown map[string]bool) []model.Fact {
	b := model.NewFactBuilder(p.id, cloudName)
	add := b.Add
	scopes := s.scopes(id)
	mine := s.assignmentsOf(id)
	held := map[string]bool{}
	for _, sc := range scopes {
		held[azure.NormalizeScope(sc)] = true
	}
	// reachable reports whether one of the identity's assignments is at or
	// above a resource.
	reachable := map[string]bool{}
	reaches := func(r *registry) bool {
		v, ok := reachable[r.id]
		if !ok {
			for _, a := range s.ancestors(r.id) {
				if held[a] {
					v = true
					break
				}
			}
			reachable[r.id] = v
		}
		return v
	}
	for ai, a := range actions {
		for _, sc := range scopes {
			if reg, ok := s.registries[azure.NormalizeScope(sc)]; ok && !registryHonours(reg, a.entry.Action) {
				continue // the registry's permission mode does not honour this operation
			}
			if isResource(sc) && !glob.Match(a.pattern, strings.ToLower(sc)) {
				continue // an assignment on one resource only reaches operations on it
			}
			r := s.decide(id, mine, a.entry.Action, a.data, sc)
			for _, u := range r.UnknownRoles {
				unknown[u] = true
			}
			if t, ok := s.target(r, s.name(sc), isResource(sc), !isResource(sc)); ok {
				t.Except = s.referenceDeniesBelow(id, a.entry.Action, a.data, sc)
				add(a.entry.Capability, a.entry.Action, t)
			}
		}
		for _, reg := range regsOf[ai] {
			if !reaches(reg) {
				continue
			}
			r := s.decide(id, mine, a.entry.Action, a.data, reg.id)
			if t, ok := s.target(r, reg.id, true, false); ok {
				add(a.entry.Capability, a.entry.Action, t)
			}
		}
	}
	return b.Facts()
}
func (s *Snapshot) referenceDeniesBelow(id *azure.Identity, op string, data bool, scope string) []string {
	var out []string
	sc := azure.NormalizeScope(scope)
	for _, d := range s.denies {
		ds := azure.NormalizeScope(d.Scope)
		below := false
		for _, a := range s.ancestors(d.Scope) {
			if azure.NormalizeScope(a) == sc {
				below = true
			}
		}
		if ds == sc || !below {
			continue
		}
		probe := []azure.Assignment{{PrincipalID: id.ID, RoleID: "probe", Scope: d.Scope}}
		roles := map[string]*azure.Role{"probe": {Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}}
		if r := azure.Decide(&azure.Request{Identity: id, Operation: op, Data: data, Scope: d.Scope, Ancestors: []string{d.Scope}}, probe, roles, []azure.DenyAssignment{d}); len(r.Denies) > 0 {
			name := d.Name
			if name == "" {
				name = d.ID
			}
			out = append(out, "deny assignment "+name+" at "+s.name(d.Scope))
		}
	}
	return out
}
func (s *Snapshot) referenceEdges() []model.Edge {
	var out []model.Edge
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		for _, sc := range s.scopes(id) {
			r := s.decide(id, mine, "Microsoft.Authorization/roleAssignments/write", false, sc)
			if r.Allowed == tri.False {
				continue
			}
			t, _ := s.target(r, s.name(azure.NormalizeScope(sc)), false, true)
			out = append(out, model.Edge{From: p.id, To: model.AdminNode(cloudName, s.name(azure.NormalizeScope(sc)), p.id), Cloud: cloudName,
				Kind: "role-assignment", Permissions: []string{"Microsoft.Authorization/roleAssignments/write"}, Via: t.Via,
				Conditional: r.Allowed == tri.Unknown, Note: "can assign itself any role at the scope and below"})
		}
	}
	out = append(out, s.referenceIdentityEdges()...)
	out = append(out, s.referenceRoleDefinitionEdges()...)
	out = append(out, s.referenceTakeoverEdges()...)
	out = append(out, s.referenceAdminBridgeEdges(out)...)
	out = append(out, s.referenceAdminComputeEdges(out)...)
	return model.MergeEdges(out)
}
func (s *Snapshot) referenceRoleDefinitionEdges() []model.Edge {
	var out []model.Edge
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		for _, a := range mine {
			role, ok := s.roles[azure.RoleKey(a.RoleID)]
			if !ok || s.builtin[azure.RoleKey(a.RoleID)] {
				continue // built-in roles cannot be changed
			}
			r := s.decide(id, mine, "Microsoft.Authorization/roleDefinitions/write", false, a.Scope)
			if r.Allowed == tri.False {
				continue
			}
			t, _ := s.target(r, s.name(a.Scope), false, true)
			out = append(out, model.Edge{From: p.id, To: model.AdminNode(cloudName, s.name(a.Scope), p.id), Cloud: cloudName, Kind: "role-definition",
				Permissions: []string{"Microsoft.Authorization/roleDefinitions/write"}, Via: t.Via, Conditional: r.Allowed == tri.Unknown,
				Note: "can add any operation to " + role.Name + ", which is assigned to it at " + s.name(a.Scope)})
		}
	}
	return out
}
func (s *Snapshot) referenceIdentityEdges() []model.Edge {
	var out []model.Edge
	resources := make([]string, 0, len(s.identities))
	for res := range s.identities {
		resources = append(resources, res)
	}
	sort.Strings(resources) // edges merge in this order, keeping the first one's note
	for _, res := range resources {
		mi := s.identities[res]
		rg := res
		if i := strings.Index(rg, "/providers/"); i > 0 {
			rg = rg[:i]
		}
		for _, p := range s.principalsToDecide() {
			if p.id == mi {
				continue
			}
			id := s.identity(p.id)
			mine := s.assignmentsOf(id)
			if len(mine) == 0 {
				continue
			}
			r := s.decide(id, mine, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", false, res)
			if r.Allowed == tri.False {
				continue
			}
			for _, op := range computeWrites {
				c := s.decide(id, mine, op, false, rg)
				if c.Allowed == tri.False {
					continue
				}
				t, _ := s.target(r, s.name(res), true, false)
				out = append(out, model.Edge{From: p.id, To: mi, Cloud: cloudName, Kind: "assign-identity",
					Permissions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", op}, Via: t.Via,
					Conditional: r.Allowed == tri.Unknown || c.Allowed == tri.Unknown,
					Note:        "can attach the managed identity " + s.name(res) + " to compute it creates and run code as it"})
				break
			}
		}
	}
	return out
}
func (s *Snapshot) referenceAdminBridgeEdges(edges []model.Edge) []model.Edge {
	names := model.AdminTargets(edges)
	if len(names) == 0 || len(s.identities) == 0 {
		return nil
	}
	resources := make([]string, 0, len(s.identities))
	for res := range s.identities {
		resources = append(resources, res)
	}
	sort.Strings(resources)
	anyRole := map[string]*azure.Role{"any": {Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}}
	var out []model.Edge
	for _, admin := range names {
		_, scope, principal, _ := model.ParseAdminNode(admin)
		norm := azure.NormalizeScope(scope)
		id := s.identity(principal)
		grant := []azure.Assignment{{PrincipalID: id.ID, RoleID: "any", Scope: norm}}
		for _, res := range resources {
			mi := s.identities[res]
			if mi == strings.ToLower(principal) || !s.referenceWithin(res, norm) || !s.referenceAssignedOutside(mi, norm) {
				continue
			}
			rg := res
			if i := strings.Index(rg, "/providers/"); i > 0 {
				rg = rg[:i]
			}
			assign := azure.Decide(&azure.Request{Identity: id, Operation: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", Scope: res, Ancestors: s.ancestors(res)}, grant, anyRole, s.denies)
			if assign.Allowed == tri.False {
				continue
			}
			for _, op := range computeWrites {
				c := azure.Decide(&azure.Request{Identity: id, Operation: op, Scope: rg, Ancestors: s.ancestors(rg)}, grant, anyRole, s.denies)
				if c.Allowed == tri.False {
					continue
				}
				out = append(out, model.Edge{From: admin, To: mi, Cloud: cloudName, Kind: "admin-takeover",
					Permissions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", op},
					Conditional: assign.Allowed == tri.Unknown || c.Allowed == tri.Unknown,
					Note:        "as an administrator of " + scope + ", can attach the managed identity " + s.name(res) + " to compute it creates; the identity holds roles outside " + scope})
				break
			}
		}
	}
	return out
}

// referenceWithin reports whether a scope is norm or lies below it.
func (s *Snapshot) referenceWithin(scope, norm string) bool {
	for _, a := range s.ancestors(scope) {
		if a == norm {
			return true
		}
	}
	return false
}

// referenceAssignedOutside reports whether a principal (or a group it is
// in) holds a role assignment at a scope that is not norm and not below it.
func (s *Snapshot) referenceAssignedOutside(principal, norm string) bool {
	for _, a := range s.assignmentsOf(s.identity(principal)) {
		if !s.referenceWithin(a.Scope, norm) {
			return true
		}
	}
	return false
}

// tenantGen writes a random tenant in the formats Load reads: a
// management-group tree, subscriptions, resource groups, registries (both
// permission modes, admin user or not), galleries, user-assigned
// identities, nested groups, built-in, custom (wildcards, notActions,
// dataActions, block conditions) and undefined roles, assignments at every
// level (some conditional) and deny assignments (everyone or named
// principals, exclusions, not applying to child scopes). Scopes and ids
// are written in varied case, with stray slashes and spaces, as exports
// sometimes have them.
type tenantGen struct {
	r    *rand.Rand
	docs map[string][]map[string]any // format -> items
	// pools the assignments and deny assignments draw from
	scopes, principals, roles []string
	ops                       []string
	identityResources         []string // user-assigned identities, by resource id
}

func (g *tenantGen) pick(l []string) string { return l[g.r.Intn(len(l))] }

// spell writes a scope or id as an export might: other case, a trailing
// slash, spaces around a segment.
func (g *tenantGen) spell(s string) string {
	switch g.r.Intn(8) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return s + "/"
	case 2:
		return strings.Replace(s, "/resourceGroups/", "/resourcegroups/ ", 1)
	case 3:
		return strings.ToLower(s)
	}
	return s
}

func (g *tenantGen) add(format string, item map[string]any) {
	g.docs[format] = append(g.docs[format], item)
}

func (g *tenantGen) opList(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, g.spell(g.pick(g.ops)))
	}
	return out
}

func (g *tenantGen) permissions() []map[string]any {
	var out []map[string]any
	for b := 0; b < 1+g.r.Intn(2); b++ {
		p := map[string]any{"actions": g.opList(g.r.Intn(3)), "notActions": g.opList(g.r.Intn(2)),
			"dataActions": g.opList(g.r.Intn(2)), "notDataActions": g.opList(g.r.Intn(2))}
		if g.r.Intn(6) == 0 {
			p["condition"] = "@Resource[Microsoft.Storage/x] StringEquals 'y'"
		}
		out = append(out, p)
	}
	return out
}

func newTenant(seed int64, cat *catalog.Catalog) *tenantGen {
	g := &tenantGen{r: rand.New(rand.NewSource(seed)), docs: map[string][]map[string]any{}}
	g.ops = []string{"*", "*/read", "*/write", "Microsoft.ContainerRegistry/*", "Microsoft.Authorization/*",
		"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleDefinitions/write", "Microsoft.Compute/*",
		"Microsoft.Compute/virtualMachines/write", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
		"Microsoft.ManagedIdentity/*", "Microsoft.Web/sites/write", "Microsoft.App/*", "Microsoft.ContainerRegistry/registries/*/write",
		"Microsoft.ContainerRegistry/registries/repositories/*", "Microsoft.ContainerRegistry/registries/push/write"}
	for _, e := range cat.ForCloud(cloudName) {
		g.ops = append(g.ops, e.Action)
	}
	mg := func(n string) string { return "/providers/Microsoft.Management/managementGroups/" + n }
	mgs := []string{mg("Root")}
	for i := 0; i < 1+g.r.Intn(3); i++ {
		id := mg(fmt.Sprintf("mg-%d", i))
		g.add(FormatManagementGroups, map[string]any{"id": g.spell(id), "type": "Microsoft.Management/managementGroups", "parent": map[string]any{"id": g.spell(g.pick(mgs))}})
		mgs = append(mgs, id)
	}
	g.scopes = append(g.scopes, "/")
	g.scopes = append(g.scopes, mgs...)
	var rgs, resources []string
	for i := 0; i < 1+g.r.Intn(3); i++ {
		sub := fmt.Sprintf("/subscriptions/5ub-%d", i)
		g.add(FormatManagementGroups, map[string]any{"id": g.spell(sub), "type": "/subscriptions", "parent": map[string]any{"id": g.pick(mgs)}})
		g.scopes = append(g.scopes, sub)
		for j := 0; j < 1+g.r.Intn(2); j++ {
			rg := fmt.Sprintf("%s/resourceGroups/RG-%d", sub, j)
			rgs = append(rgs, rg)
			g.scopes = append(g.scopes, rg)
		}
	}
	for i := 0; i < 1+g.r.Intn(3); i++ {
		id := fmt.Sprintf("%s/providers/Microsoft.ContainerRegistry/registries/acr%d", g.pick(rgs), i)
		mode := []string{"AbacRepositoryPermissions", "LegacyRegistryPermissions", ""}[g.r.Intn(3)]
		g.add(FormatRegistries, map[string]any{"id": g.spell(id), "name": fmt.Sprintf("acr%d", i), "loginServer": "x", "roleAssignmentMode": mode, "adminUserEnabled": g.r.Intn(2) == 0})
		resources = append(resources, id)
	}
	if g.r.Intn(2) == 0 {
		id := g.pick(rgs) + "/providers/Microsoft.Compute/galleries/gal"
		g.add(FormatGalleries, map[string]any{"id": id, "name": "gal", "type": "Microsoft.Compute/galleries"})
		resources = append(resources, id, id+"/images/img")
	}
	users := []string{}
	for i := 0; i < 3+g.r.Intn(5); i++ {
		users = append(users, fmt.Sprintf("USER-%d", i))
	}
	var identities []string
	for i := 0; i < 1+g.r.Intn(3); i++ {
		id := fmt.Sprintf("%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi%d", g.pick(rgs), i)
		pid := fmt.Sprintf("mi-principal-%d", i)
		g.add(FormatIdentities, map[string]any{"id": g.spell(id), "name": fmt.Sprintf("mi%d", i), "principalId": pid, "clientId": "c", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"})
		identities = append(identities, pid)
		resources = append(resources, id)
		g.identityResources = append(g.identityResources, id)
	}
	identities = append(identities, g.addCompute(rgs, identities)...)
	resources = append(resources, g.pick(rgs)+"/providers/Microsoft.Compute/virtualMachines/vm", g.pick(rgs)+"/providers/Microsoft.Compute/images/image")
	g.scopes = append(g.scopes, resources...)
	// Nested groups: a group lists users, identities and earlier groups.
	var groups []string
	for i := 0; i < 1+g.r.Intn(4); i++ {
		gid := fmt.Sprintf("Group-%d", i)
		var members []map[string]any
		for _, u := range users {
			if g.r.Intn(3) == 0 {
				members = append(members, map[string]any{"@odata.type": "#microsoft.graph.user", "id": u, "userPrincipalName": u + "@x"})
			}
		}
		for _, o := range append(append([]string{}, groups...), identities...) {
			if g.r.Intn(3) == 0 {
				typ := "#microsoft.graph.group"
				if strings.HasPrefix(o, "mi-") {
					typ = "#microsoft.graph.servicePrincipal"
				}
				members = append(members, map[string]any{"@odata.type": typ, "id": o, "displayName": o})
			}
		}
		g.add(FormatGroupMembers, map[string]any{"groupId": gid, "groupName": "group " + gid, "members": members})
		groups = append(groups, gid)
	}
	g.principals = append(append(append([]string{}, users...), groups...), identities...)
	g.principals = append(g.principals, "foreign-group")
	// Roles: built-in ones, custom ones, and ones no input defines.
	builtinTables.once.Do(parseBuiltinTables)
	for i := 0; i < 6; i++ {
		g.roles = append(g.roles, "/providers/Microsoft.Authorization/roleDefinitions/"+builtinTables.roles[g.r.Intn(len(builtinTables.roles))].ID)
	}
	for i := 0; i < 1+g.r.Intn(4); i++ {
		id := fmt.Sprintf("/subscriptions/5ub-0/providers/Microsoft.Authorization/roleDefinitions/CUSTOM-%d", i)
		g.add(FormatDefinitions, map[string]any{"id": id, "name": fmt.Sprintf("custom-%d", i), "roleName": fmt.Sprintf("Custom %d", i), "permissions": g.permissions()})
		g.roles = append(g.roles, id)
	}
	g.roles = append(g.roles, "/providers/Microsoft.Authorization/roleDefinitions/undefined-role")
	for i := 0; i < 5+g.r.Intn(30); i++ {
		p := g.pick(g.principals)
		typ := "User"
		switch {
		case strings.HasPrefix(p, "Group"):
			typ = "Group"
		case strings.HasPrefix(p, "foreign"):
			typ = "ForeignGroup"
		case strings.HasPrefix(p, "mi-"):
			typ = "ServicePrincipal"
		}
		a := map[string]any{"id": fmt.Sprintf("a%d", i), "principalId": p, "principalName": strings.ToLower(p), "principalType": typ,
			"roleDefinitionId": g.spell(g.pick(g.roles)), "scope": g.spell(g.pick(g.scopes))}
		if g.r.Intn(6) == 0 {
			a["condition"] = "@Resource[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWith 'app'"
		}
		g.add(FormatAssignments, a)
	}
	for i := 0; i < g.r.Intn(5); i++ {
		who := []map[string]any{{"id": azure.Everyone}}
		if g.r.Intn(2) == 0 {
			who = []map[string]any{{"id": g.pick(g.principals)}, {"id": g.pick(g.principals)}}
		}
		var excl []map[string]any
		if g.r.Intn(2) == 0 {
			excl = []map[string]any{{"id": g.pick(g.principals)}}
		}
		d := map[string]any{"id": fmt.Sprintf("deny-%d", i), "scope": g.spell(g.pick(g.scopes)),
			"permissions": g.permissions(), "principals": who, "excludePrincipals": excl, "doNotApplyToChildScopes": g.r.Intn(3) == 0}
		if g.r.Intn(3) > 0 {
			d["denyAssignmentName"] = fmt.Sprintf("Deny %d", i)
		}
		g.add(FormatDenyAssignments, d)
	}
	return g
}

func (g *tenantGen) snapshot(t *testing.T) *Snapshot {
	s := New()
	formats := make([]string, 0, len(g.docs))
	for f := range g.docs {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	for _, f := range formats {
		b, err := json.Marshal(g.docs[f])
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatal(err)
		}
		if err := s.Load(f+".json", f, &model.Document{Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestIndexMatchesReference compares Evaluate and Edges with the reference
// (azure.Decide for every decision) on many generated tenants, and checks
// that the tenants exercise what the index takes shortcuts on: deny
// assignments that take a decision away and those below a scope,
// conditional grants, roles the inputs do not define, and every kind of
// edge.
func TestIndexMatchesReference(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seed := int64(0); seed < 300; seed++ {
		g := newTenant(seed, cat)
		ref, got := g.snapshot(t), g.snapshot(t)
		want := ref.referenceEvaluate(cat)
		wantEdges := ref.referenceEdges()
		have := got.Evaluate(cat)
		haveEdges := got.Edges()
		if !reflect.DeepEqual(want, have) {
			t.Fatalf("seed %d: Evaluate differs from the reference:\n%s", seed, firstDifference(want, have))
		}
		if !reflect.DeepEqual(wantEdges, haveEdges) {
			t.Fatalf("seed %d: Edges differ from the reference:\n%s", seed, firstDifference(wantEdges, haveEdges))
		}
		for _, admin := range model.AdminTargets(haveEdges) {
			_, scope, principal, _ := model.ParseAdminNode(admin)
			for _, e := range cat.ForCloud(cloudName) {
				want := ref.adminHoldsDecide(scope, principal, e.Action, "")
				if have := got.AdminHolds(admin, e.Action, ""); have != want {
					t.Fatalf("seed %d: AdminHolds(%s, %s) = %q, azure.Decide gives %q", seed, admin, e.Action, have, want)
				}
				if want == "" {
					seen["admin denied"]++
				}
			}
		}
		for _, f := range have.Facts {
			for _, tg := range f.Targets {
				if len(tg.Except) > 0 {
					seen["deny below"]++
				}
				if tg.Access == model.Conditional {
					seen["conditional"]++
				}
				if tg.Known && !tg.All {
					seen["resource"]++
				}
			}
		}
		for _, w := range have.Warnings {
			if strings.Contains(w.Message, "not in the inputs") {
				seen["undefined role"]++
			}
		}
		for _, e := range haveEdges {
			seen["edge "+e.Kind]++
			if e.Kind == "takeover" && e.Conditional {
				seen["conditional takeover"]++
			}
			if e.Kind == "admin-takeover" && strings.Contains(e.Note, "can run code on") {
				seen["admin compute takeover"]++
			}
		}
		seen["denied"] += deniedDecisions(ref, cat)
	}
	for _, k := range []string{"deny below", "conditional", "admin denied", "resource", "undefined role", "denied",
		"edge role-assignment", "edge role-definition", "edge assign-identity", "edge admin-takeover", "edge takeover", "conditional takeover", "admin compute takeover"} {
		if seen[k] == 0 {
			t.Errorf("no generated tenant has a %s: the comparison does not cover it", k)
		}
	}
	t.Logf("covered: %v", seen)
}

// deniedDecisions counts the decisions a deny assignment takes away.
func deniedDecisions(s *Snapshot, cat *catalog.Catalog) int {
	n := 0
	for _, p := range s.principalsToDecide() {
		id := s.identity(p.id)
		mine := s.assignmentsOf(id)
		for _, sc := range s.scopes(id) {
			for _, e := range cat.ForCloud(cloudName) {
				r := s.decide(id, mine, e.Action, isData(e.Action), sc)
				if r.Allowed == tri.False && len(r.Grants) > 0 && len(r.Denies) > 0 {
					n++
				}
			}
		}
	}
	return n
}

func firstDifference(want, have any) string {
	w, _ := json.MarshalIndent(want, "", " ")
	h, _ := json.MarshalIndent(have, "", " ")
	wl, hl := strings.Split(string(w), "\n"), strings.Split(string(h), "\n")
	for i := 0; i < len(wl) && i < len(hl); i++ {
		if wl[i] != hl[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("reference:\n%s\nindex:\n%s", strings.Join(wl[lo:min(len(wl), i+4)], "\n"), strings.Join(hl[lo:min(len(hl), i+4)], "\n"))
		}
	}
	return fmt.Sprintf("reference %d lines, index %d lines", len(wl), len(hl))
}
