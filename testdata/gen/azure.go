package main

import (
	"fmt"
)

const (
	azureTenant = "3f6c1e2a-7b4d-4c8e-9a1f-5d2e8b7c6a90"
	mgPrefix    = "/providers/Microsoft.Management/managementGroups/"
)

type azureRole struct{ id, name string }

// azureRoles are built-in roles by weight (ids from
// rego/tables/azure-builtin-role-names.yaml).
var azureRoles = []weighted[azureRole]{
	{25, azureRole{"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"}},
	{10, azureRole{"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"}},
	{2, azureRole{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"}},
	{10, azureRole{"7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull"}},
	{4, azureRole{"8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush"}},
	{1, azureRole{"c2f4ef07-c644-48eb-af81-4b1b4947fb11", "AcrDelete"}},
	{1, azureRole{"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"}},
	{4, azureRole{"9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor"}},
	{8, azureRole{"2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader"}},
	{5, azureRole{"ba92f5b4-2d11-453d-a403-e96b0029c9fe", "Storage Blob Data Contributor"}},
	{8, azureRole{"4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User"}},
	{6, azureRole{"43d0d8ad-25c7-4714-9337-8ba259a9fe05", "Monitoring Reader"}},
	{4, azureRole{"73c42c96-874c-492b-b04d-ab87d138a893", "Log Analytics Reader"}},
	{3, azureRole{"4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor"}},
	{3, azureRole{"de139f84-1756-47ae-9be6-808fbbe84772", "Website Contributor"}},
	{2, azureRole{"f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator"}},
	{1, azureRole{"2a1e307c-b015-4ebd-883e-5b7698a07328", "Container Registry Repository Writer"}},
	{1, azureRole{"85a2d0d9-2eba-4c9c-b355-11c2cc0788ab", "Compute Gallery Artifacts Publisher"}},
	{4, azureRole{"4abbcc35-e782-43d8-92c5-2d3f1bd2253f", "Azure Kubernetes Service Cluster User Role"}},
	{1, azureRole{"f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator"}},
	{3, azureRole{"749f88d5-cbae-40b8-bcfc-e573ddc772fa", "Monitoring Contributor"}},
	{2, azureRole{"17d1049b-9a84-46fb-8f53-869881c3d3ab", "Storage Account Contributor"}},
}

var registryRoles = []weighted[azureRole]{
	{10, azureRole{"7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull"}},
	{4, azureRole{"8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush"}},
	{1, azureRole{"c2f4ef07-c644-48eb-af81-4b1b4947fb11", "AcrDelete"}},
	{3, azureRole{"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"}},
	{1, azureRole{"2a1e307c-b015-4ebd-883e-5b7698a07328", "Container Registry Repository Writer"}},
	{1, azureRole{"b93aa761-3e63-49ed-ac28-beffa264f7ac", "Container Registry Repository Reader"}},
}

// azureCustomRoles are custom roles defined at the corp management group.
var azureCustomRoles = []struct {
	name                                         string
	actions, notActions, dataActions, notDataAct []string
}{
	{"Image Builder Operator", []string{"*"}, []string{"Microsoft.Authorization/*", "Microsoft.Network/*"}, nil, nil},
	{"App Operator", []string{"Microsoft.Web/sites/*", "Microsoft.Insights/*", "Microsoft.Resources/subscriptions/resourceGroups/read"}, nil, nil, nil},
	{"Registry Maintainer", []string{"Microsoft.ContainerRegistry/registries/read", "Microsoft.ContainerRegistry/registries/write"}, nil, []string{"Microsoft.ContainerRegistry/registries/repositories/content/*"}, nil},
	{"VM Restarter", []string{"Microsoft.Compute/virtualMachines/restart/action", "Microsoft.Compute/virtualMachines/read"}, nil, nil, nil},
	{"Limited Contributor", []string{"*"}, []string{"Microsoft.Authorization/*/write", "Microsoft.Authorization/*/delete", "Microsoft.ContainerRegistry/registries/push/write"}, nil, nil},
	{"Network Viewer Plus", []string{"Microsoft.Network/*/read", "Microsoft.Network/networkWatchers/*"}, nil, nil, nil},
	{"Gallery Publisher", []string{"Microsoft.Compute/galleries/images/versions/write", "Microsoft.Compute/galleries/images/read", "Microsoft.Compute/images/write"}, nil, nil, nil},
	{"Secrets Reader", []string{"Microsoft.KeyVault/vaults/read"}, nil, []string{"Microsoft.KeyVault/vaults/secrets/getSecret/action"}, nil},
	{"Tag Editor", []string{"Microsoft.Resources/tags/*"}, nil, nil, nil},
	{"Cost Reader", []string{"Microsoft.Consumption/*/read", "Microsoft.CostManagement/*/read"}, nil, nil, nil},
}

func customRoleID(i int) string { return fmt.Sprintf("c0570000-0000-4000-8000-%012d", i) }

type assignment struct {
	Condition          *string `json:"condition"`
	ConditionVersion   *string `json:"conditionVersion"`
	CreatedOn          string  `json:"createdOn"`
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	PrincipalID        string  `json:"principalId"`
	PrincipalName      string  `json:"principalName"`
	PrincipalType      string  `json:"principalType"`
	RoleDefinitionID   string  `json:"roleDefinitionId"`
	RoleDefinitionName string  `json:"roleDefinitionName"`
	Scope              string  `json:"scope"`
	Type               string  `json:"type"`
}

// mgEntity is an item of `az account management-group entities list`.
type mgEntity struct {
	DisplayName string            `json:"displayName"`
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Parent      map[string]string `json:"parent"`
	Type        string            `json:"type"`
}

type azPrincipal struct{ id, name, kind string }

type azSubscription struct {
	id, name, mg, team string
	registry, rgImages string
	identities         []azPrincipal
	identityIDs        []string // resource ids
}

// genAzure writes the tenant: management groups and subscriptions, custom
// roles, role assignments, deny assignments, registries and managed
// identities (one file of each per 50 subscriptions), group members.
func genAzure(g *gen) error {
	sc := g.sc
	newPrincipals := func(n int, kind, prefix string) []azPrincipal {
		out := make([]azPrincipal, n)
		for i := range out {
			out[i] = azPrincipal{id: g.uuid(), kind: kind}
			switch kind {
			case "User":
				out[i].name = fmt.Sprintf("%s.%s%05d@%s", pick(g, []string{"alex", "sam", "kim", "lee", "noa"}), pick(g, teams), i, gcpDomain)
			case "Group":
				out[i].name = fmt.Sprintf("grp-%s-%s-%04d", teams[i%len(teams)], pick(g, []string{"devs", "ops", "readers", "admins"}), i)
			default:
				out[i].name = fmt.Sprintf("%s-%s-%s-%04d", prefix, pick(g, teams), pick(g, words), i)
			}
		}
		return out
	}
	users := newPrincipals(sc.AzureUsers, "User", "")
	sps := newPrincipals(sc.AzureServicePrincipals, "ServicePrincipal", "sp")
	groups := newPrincipals(sc.AzureGroups, "Group", "")
	g.count.Principals += len(users) + len(sps) + len(groups)

	// Management groups: corp, platform, landing zones with business
	// units, sandbox, decommissioned.
	var entities []mgEntity
	mg := func(name, parent string) string {
		id := mgPrefix + name
		entities = append(entities, mgEntity{DisplayName: name, ID: id, Name: name, Parent: map[string]string{"id": mgPrefix + parent}, Type: "Microsoft.Management/managementGroups"})
		return id
	}
	corp := mg("mg-corp", azureTenant)
	platform := mg("mg-platform", "mg-corp")
	mg("mg-landingzones", "mg-corp")
	mg("mg-lz-prod", "mg-landingzones")
	mg("mg-lz-nonprod", "mg-landingzones")
	sandbox := mg("mg-sandbox", "mg-corp")
	decom := mg("mg-decommissioned", "mg-corp")
	var units []string
	for i := 0; i < max(2, sc.Subscriptions/50); i++ {
		units = append(units, mg(fmt.Sprintf("mg-bu-%02d-%s", i, pick(g, []string{"prod", "nonprod"})), pick(g, []string{"mg-lz-prod", "mg-lz-nonprod"})))
	}
	allMGs := append([]string{corp, platform, sandbox, decom}, units...)

	var subs []*azSubscription
	for i := 0; i < sc.Subscriptions; i++ {
		s := &azSubscription{id: g.uuid(), team: teams[i%len(teams)]}
		switch n := g.r.IntN(100); {
		case n < 5:
			s.mg = platform
		case n < 85:
			s.mg = units[i%len(units)]
		case n < 95:
			s.mg = sandbox
		default:
			s.mg = decom
		}
		s.name = fmt.Sprintf("sub-%s-%04d", s.team, i)
		s.rgImages = fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-images", s.id)
		s.registry = fmt.Sprintf("%s/providers/Microsoft.ContainerRegistry/registries/acr%s%04d", s.rgImages, s.team, i)
		for _, role := range []string{"deployer", "runtime"} {
			name := fmt.Sprintf("id-%s-%04d-%s", s.team, i, role)
			s.identities = append(s.identities, azPrincipal{id: g.uuid(), name: name, kind: "ServicePrincipal"})
			s.identityIDs = append(s.identityIDs, fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s", s.id, name))
		}
		g.count.Principals += len(s.identities)
		subs = append(subs, s)
		entities = append(entities, mgEntity{DisplayName: s.name, ID: "/subscriptions/" + s.id, Name: s.id, Parent: map[string]string{"id": s.mg}, Type: "/subscriptions"})
	}
	entities = append(entities, plantedAzureEntities()...)
	if err := g.write("management-groups.json", "  ", entities); err != nil {
		return err
	}

	// Custom roles.
	var defs []map[string]any
	for i, r := range azureCustomRoles {
		defs = append(defs, map[string]any{"assignableScopes": []string{corp}, "description": r.name + ".", "id": corp + "/providers/Microsoft.Authorization/roleDefinitions/" + customRoleID(i),
			"name": customRoleID(i), "roleName": r.name, "roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions",
			"permissions": []map[string][]string{{"actions": nonNil(r.actions), "notActions": nonNil(r.notActions), "dataActions": nonNil(r.dataActions), "notDataActions": nonNil(r.notDataAct)}}})
	}
	if err := g.write("role-definitions.json", "  ", defs); err != nil {
		return err
	}

	// Group members: users, service principals, and one group in six an
	// earlier group (nested, without cycles). 500 groups a file.
	type member struct {
		Type string `json:"@odata.type"`
		ID   string `json:"id"`
		Name string `json:"displayName"`
		UPN  string `json:"userPrincipalName,omitempty"`
	}
	type groupMembers struct {
		GroupID   string   `json:"groupId"`
		GroupName string   `json:"groupName"`
		Members   []member `json:"members"`
	}
	var gms []groupMembers
	for i, grp := range groups {
		gm := groupMembers{GroupID: grp.id, GroupName: grp.name, Members: []member{}}
		for _, k := range g.sample(len(users), g.between(5, 40)) {
			gm.Members = append(gm.Members, member{Type: "#microsoft.graph.user", ID: users[k].id, Name: users[k].name, UPN: users[k].name})
		}
		if i > 0 && g.chance(1.0/6) {
			o := groups[g.r.IntN(i)]
			gm.Members = append(gm.Members, member{Type: "#microsoft.graph.group", ID: o.id, Name: o.name})
		}
		if g.chance(0.1) {
			sp := pick(g, sps)
			gm.Members = append(gm.Members, member{Type: "#microsoft.graph.servicePrincipal", ID: sp.id, Name: sp.name})
		}
		gms = append(gms, gm)
		if len(gms) == 500 || i == len(groups)-1 {
			if err := g.write(fmt.Sprintf("group-members-%03d.json", i/500), "  ", gms); err != nil {
				return err
			}
			gms = nil
		}
	}

	roleDefID := func(sub string, r azureRole) string {
		return fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", sub, r.id)
	}
	assign := func(list *[]assignment, sub, scope string, p azPrincipal, r azureRole, defID string) {
		a := assignment{CreatedOn: g.timestamp(), Name: g.uuid(), PrincipalID: p.id, PrincipalName: p.name, PrincipalType: p.kind, RoleDefinitionID: defID,
			RoleDefinitionName: r.name, Scope: scope, Type: "Microsoft.Authorization/roleAssignments"}
		if defID == "" {
			a.RoleDefinitionID = roleDefID(sub, r)
		}
		a.ID = scope + "/providers/Microsoft.Authorization/roleAssignments/" + a.Name
		if (r.name == "AcrPush" || r.name == "Container Registry Repository Writer") && g.chance(0.1) {
			c := fmt.Sprintf("((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/write'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase '%s/'))", pick(g, teams))
			v := "2.0"
			a.Condition, a.ConditionVersion = &c, &v
		}
		g.count.Items++
		*list = append(*list, a)
	}
	principal := func(s *azSubscription) azPrincipal {
		switch n := g.r.IntN(100); {
		case n < 50:
			return pick(g, users)
		case n < 75:
			return pick(g, groups)
		case n < 90:
			return pick(g, sps)
		default:
			if g.chance(0.8) {
				return pick(g, s.identities)
			}
			return pick(g, pick(g, subs).identities)
		}
	}

	// Assignments on management groups go with the first file.
	var mgAssignments []assignment
	for range max(5, sc.Subscriptions/2) {
		scope := pick(g, allMGs)
		r := pickWeighted(g, azureRoles)
		assign(&mgAssignments, "", scope, pick(g, append(append([]azPrincipal{}, groups...), sps...)), r, "/providers/Microsoft.Authorization/roleDefinitions/"+r.id)
	}
	for range 3 {
		k := g.r.IntN(len(azureCustomRoles))
		assign(&mgAssignments, "", corp, pick(g, groups), azureRole{customRoleID(k), azureCustomRoles[k].name}, corp+"/providers/Microsoft.Authorization/roleDefinitions/"+customRoleID(k))
	}

	type registry struct {
		AdminUserEnabled   bool              `json:"adminUserEnabled"`
		ID                 string            `json:"id"`
		Location           string            `json:"location"`
		LoginServer        string            `json:"loginServer"`
		Name               string            `json:"name"`
		ResourceGroup      string            `json:"resourceGroup"`
		RoleAssignmentMode string            `json:"roleAssignmentMode"`
		Sku                map[string]string `json:"sku"`
		Type               string            `json:"type"`
	}
	type identity struct {
		ClientID      string `json:"clientId"`
		ID            string `json:"id"`
		Location      string `json:"location"`
		Name          string `json:"name"`
		PrincipalID   string `json:"principalId"`
		ResourceGroup string `json:"resourceGroup"`
		TenantID      string `json:"tenantId"`
		Type          string `json:"type"`
	}
	for start := 0; start < len(subs); start += 50 {
		var as []assignment
		if start == 0 {
			as = append(as, mgAssignments...)
		}
		var regs []registry
		var ids []identity
		var denies []map[string]any
		for _, s := range subs[start:min(start+50, len(subs))] {
			name := s.registry[len(s.rgImages)+len("/providers/Microsoft.ContainerRegistry/registries/"):]
			mode := "LegacyRegistryPermissions"
			if g.chance(0.2) {
				mode = "AbacRepositoryPermissions"
			}
			regs = append(regs, registry{AdminUserEnabled: g.chance(0.1), ID: s.registry, Location: "westeurope", LoginServer: name + ".azurecr.io", Name: name, ResourceGroup: "rg-images",
				RoleAssignmentMode: mode, Sku: map[string]string{"name": "Premium", "tier": "Premium"}, Type: "Microsoft.ContainerRegistry/registries"})
			for k, mi := range s.identities {
				ids = append(ids, identity{ClientID: g.uuid(), ID: s.identityIDs[k], Location: "westeurope", Name: mi.name, PrincipalID: mi.id, ResourceGroup: "rg-identity",
					TenantID: azureTenant, Type: "Microsoft.ManagedIdentity/userAssignedIdentities"})
			}
			// The deployer identity is a Contributor of the subscription.
			assign(&as, s.id, "/subscriptions/"+s.id, s.identities[0], azureRole{"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"}, "")
			for range sc.AssignmentsPerSubscription - 1 {
				var scope string
				r := pickWeighted(g, azureRoles)
				switch n := g.r.IntN(100); {
				case n < 30:
					scope = "/subscriptions/" + s.id
				case n < 82:
					scope = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", s.id, pick(g, []string{"rg-app-1", "rg-app-2", "rg-app-3", "rg-network", "rg-data", "rg-images", "rg-identity"}))
				case n < 96:
					scope = s.registry
					r = pickWeighted(g, registryRoles)
				default:
					scope = pick(g, s.identityIDs)
					r = azureRole{"f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator"}
				}
				if g.chance(0.03) {
					k := g.r.IntN(len(azureCustomRoles))
					assign(&as, s.id, scope, principal(s), azureRole{customRoleID(k), azureCustomRoles[k].name}, corp+"/providers/Microsoft.Authorization/roleDefinitions/"+customRoleID(k))
					continue
				}
				assign(&as, s.id, scope, principal(s), r, "")
			}
			// One subscription in thirty has a deployment stack that
			// denies writes in one resource group to all but its deployer.
			if g.chance(1.0 / 30) {
				g.count.Items++
				rg := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-app-1", s.id)
				denies = append(denies, denyAssignment(g.uuid(), rg, "Deployment stack: deny writes", []string{"*/write", "*/delete"},
					[]map[string]string{{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}}, []map[string]string{{"id": s.identities[0].id, "type": "ServicePrincipal"}}))
			}
		}
		n := start / 50
		if err := g.write(fmt.Sprintf("role-assignments-%03d.json", n), "  ", as); err != nil {
			return err
		}
		if err := g.write(fmt.Sprintf("registries-%03d.json", n), "  ", regs); err != nil {
			return err
		}
		if err := g.write(fmt.Sprintf("managed-identities-%03d.json", n), "  ", ids); err != nil {
			return err
		}
		if len(denies) > 0 {
			if err := g.write(fmt.Sprintf("deny-assignments-%03d.json", n), "  ", map[string]any{"value": denies}); err != nil {
				return err
			}
		}
	}
	return plantAzure(g)
}

// denyAssignment is a deny assignment as the REST API returns it.
func denyAssignment(id, scope, name string, actions []string, principals, excluded []map[string]string) map[string]any {
	if excluded == nil {
		excluded = []map[string]string{}
	}
	return map[string]any{
		"id":   scope + "/providers/Microsoft.Authorization/denyAssignments/" + id,
		"name": id,
		"type": "Microsoft.Authorization/denyAssignments",
		"properties": map[string]any{
			"denyAssignmentName": name, "description": name + ".", "doNotApplyToChildScopes": false, "isSystemProtected": true,
			"excludePrincipals": excluded, "principals": principals, "scope": scope,
			"permissions": []map[string]any{{"actions": actions, "notActions": []string{}, "dataActions": []string{}, "notDataActions": []string{}}},
		},
	}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
