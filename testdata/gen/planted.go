package main

import "fmt"

// Planted principals: the same at every scale and seed, in accounts,
// projects and subscriptions of their own that nothing random names, so
// that what the analysis finds about them is known exactly (gen_test.go).
//
// AWS (accounts 999900000001 planted-images and 999900000003 planted-ci in
// OU Planted, 999900000002 planted-sandbox in OU PlantedSandbox):
//   - user planted-pusher may push to repository planted/app, and to
//     nothing else;
//   - user planted-boundary-blocked has the same policy, but its
//     permissions boundary allows pulls only: no access;
//   - user planted-scp-denied may push to planted/sandbox, but the SCP
//     planted-deny-ecr-push on its OU denies every push: no access;
//   - user planted-chain-user (planted-ci) may only assume role
//     planted-deployer in planted-images, which trusts it and may push to
//     planted/deploy: a cross-account chain.
//
// GCP (organization 599999999999 of its own, so that no binding of the
// random organization reaches it; folder 399999999999, project
// planted-images):
//   - user planted-writer@planted.example is a writer of repository
//     planted-repo only;
//   - user planted-denied@planted.example too, but the project's deny
//     policy planted-deny-writes denies it every write permission: no
//     access;
//   - group planted-outer contains group planted-inner, which contains user
//     planted-nested@planted.example; planted-outer is a writer of
//     repository planted-nested-repo.
//
// Azure (management group mg-planted, subscription planted-images):
//   - service principal planted-pusher has AcrPush on registry acrplanted
//     only;
//   - user planted-denied has AcrPush on acrplanted too, but a deny
//     assignment denies it the push: no access.
const (
	PlantedAWSImages  = "999900000001"
	PlantedAWSSandbox = "999900000002"
	PlantedAWSCI      = "999900000003"

	PlantedGCPProject       = "planted-images"
	PlantedGCPProjectNumber = "599999999901"
	PlantedGCPOrg           = "organizations/599999999999"
	PlantedGCPFolder        = "folders/399999999999"
	PlantedGCPRepo          = "projects/planted-images/locations/europe-west1/repositories/planted-repo"
	PlantedGCPNestedRepo    = "projects/planted-images/locations/europe-west1/repositories/planted-nested-repo"

	PlantedAzureSubscription = "99999999-0000-4000-8000-000000000001"
	PlantedAzurePusher       = "99999999-0000-4000-8000-0000000000a1"
	PlantedAzureDenied       = "99999999-0000-4000-8000-0000000000a2"
	PlantedAzureRegistry     = "/subscriptions/" + PlantedAzureSubscription + "/resourceGroups/rg-planted/providers/Microsoft.ContainerRegistry/registries/acrplanted"
)

func plantedRepoArn(account, name string) string {
	return fmt.Sprintf("arn:aws:ecr:us-east-1:%s:repository/%s", account, name)
}

func plantAWS(g *gen, org *organization) error {
	planted := org.addOU("Planted", org.rootID)
	sandbox := org.addOU("PlantedSandbox", org.rootID)
	org.scps = append(org.scps, &scp{name: "planted-deny-ecr-push", content: doc(statement{Sid: "NoPush", Effect: "Deny", Action: ecrPushActions, Resource: "*"}), targets: []string{sandbox}})
	accounts := []*account{
		{id: PlantedAWSImages, name: "planted-images", parent: planted, team: "planted", region: "us-east-1"},
		{id: PlantedAWSSandbox, name: "planted-sandbox", parent: sandbox, team: "planted", region: "us-east-1"},
		{id: PlantedAWSCI, name: "planted-ci", parent: planted, team: "planted", region: "us-east-1"},
	}
	push := func(account, repo string) *policyDocument {
		return doc(statement{Sid: "Push", Effect: "Allow", Action: ecrPushActions, Resource: plantedRepoArn(account, repo)})
	}
	for _, a := range accounts {
		org.addAccount(a)
		ia := newIAMAccount(g, a, nil)
		var repos []repository
		switch a.id {
		case PlantedAWSImages:
			u := ia.newUser("planted-pusher")
			u.UserPolicyList = append(u.UserPolicyList, ia.inline("push-planted-app", push(a.id, "planted/app")))
			ia.addUser(u)
			pullOnly := ia.customerPolicy("planted-boundary-pull-only", doc(statement{Sid: "PullOnly", Effect: "Allow", Action: ecrPullActions, Resource: "*"}), false)
			b := ia.newUser("planted-boundary-blocked")
			b.UserPolicyList = append(b.UserPolicyList, ia.inline("push-planted-app", push(a.id, "planted/app")))
			b.PermissionsBoundary = &boundary{"Policy", pullOnly.PolicyArn}
			ia.addUser(b)
			r := ia.newRole("planted-deployer", doc(statement{Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::" + PlantedAWSCI + ":user/planted-chain-user"}, Action: "sts:AssumeRole"}))
			r.RolePolicyList = append(r.RolePolicyList, ia.inline("push-planted-deploy", push(a.id, "planted/deploy")))
			ia.addRole(r)
			repos = append(repos, newRepository(g, a.id, "us-east-1", "planted/app"), newRepository(g, a.id, "us-east-1", "planted/deploy"))
		case PlantedAWSSandbox:
			u := ia.newUser("planted-scp-denied")
			u.UserPolicyList = append(u.UserPolicyList, ia.inline("push-planted-sandbox", push(a.id, "planted/sandbox")))
			ia.addUser(u)
			repos = append(repos, newRepository(g, a.id, "us-east-1", "planted/sandbox"))
		case PlantedAWSCI:
			u := ia.newUser("planted-chain-user")
			u.UserPolicyList = append(u.UserPolicyList, ia.inline("assume-planted-deployer", doc(statement{Sid: "AssumeDeployer", Effect: "Allow", Action: "sts:AssumeRole",
				Resource: "arn:aws:iam::" + PlantedAWSImages + ":role/planted-deployer"})))
			ia.addUser(u)
		}
		if err := g.write(a.id+"/iam.json", "    ", ia.out); err != nil {
			return err
		}
		if len(repos) > 0 {
			if err := g.write(a.id+"/ecr-repositories-us-east-1.json", "    ", map[string]any{"repositories": repos}); err != nil {
				return err
			}
		}
	}
	return nil
}

// addOU adds an OU with FullAWSAccess attached, as AWS does.
func (o *organization) addOU(name, parent string) string {
	id := fmt.Sprintf("ou-synt-%08d", len(o.ous)+1)
	o.ous = append(o.ous, map[string]string{"Id": id, "Name": name, "ParentId": parent})
	o.ouNames[id] = name
	o.scps[0].targets = append(o.scps[0].targets, id)
	return id
}

func plantGCP(g *gen, denies *[]map[string]any) error {
	anc := []string{PlantedGCPFolder}
	project := &assetResult{AssetType: "cloudresourcemanager.googleapis.com/Project", Folders: anc, Organization: PlantedGCPOrg, Project: "projects/" + PlantedGCPProjectNumber,
		Resource: crm + "projects/" + PlantedGCPProject}
	g.grant(project, "roles/logging.viewer", "user:planted-writer@planted.example", nil)
	repo := &assetResult{AssetType: "artifactregistry.googleapis.com/Repository", Folders: anc, Organization: PlantedGCPOrg, Project: "projects/" + PlantedGCPProjectNumber,
		Resource: "//artifactregistry.googleapis.com/" + PlantedGCPRepo}
	g.grant(repo, "roles/artifactregistry.writer", "user:planted-writer@planted.example", nil)
	g.grant(repo, "roles/artifactregistry.writer", "user:planted-denied@planted.example", nil)
	nested := &assetResult{AssetType: "artifactregistry.googleapis.com/Repository", Folders: anc, Organization: PlantedGCPOrg, Project: "projects/" + PlantedGCPProjectNumber,
		Resource: "//artifactregistry.googleapis.com/" + PlantedGCPNestedRepo}
	g.grant(nested, "roles/artifactregistry.writer", "group:planted-outer@planted.example", nil)
	g.count.Principals += 5 // three users, two groups
	if err := g.write("planted/iam-policies.json", "  ", []*assetResult{project, repo, nested}); err != nil {
		return err
	}
	repos := []map[string]string{}
	for _, name := range []string{PlantedGCPRepo, PlantedGCPNestedRepo} {
		repos = append(repos, map[string]string{"name": name, "format": "DOCKER", "mode": "STANDARD_REPOSITORY", "createTime": "2024-01-01T00:00:00Z", "updateTime": "2024-01-01T00:00:00Z"})
	}
	if err := g.write("planted/artifact-repositories.json", "  ", repos); err != nil {
		return err
	}
	member := func(id, typ string) map[string]any {
		return map[string]any{"preferredMemberKey": map[string]string{"id": id}, "roles": []map[string]string{{"name": "MEMBER"}}, "type": typ}
	}
	groups := []map[string]any{
		{"group": "planted-outer@planted.example", "memberships": []map[string]any{member("planted-inner@planted.example", "GROUP")}},
		{"group": "planted-inner@planted.example", "memberships": []map[string]any{member("planted-nested@planted.example", "USER")}},
	}
	if err := g.write("planted/groups.json", "  ", groups); err != nil {
		return err
	}
	g.count.Items++
	*denies = append(*denies, map[string]any{
		"name": "policies/cloudresourcemanager.googleapis.com%2Fprojects%2F" + PlantedGCPProject + "/denypolicies/planted-deny-writes",
		"kind": "DenyPolicy", "displayName": "planted-deny-writes",
		"rules": []map[string]any{{"denyRule": map[string]any{
			"deniedPrincipals": []string{"principal://goog/subject/planted-denied@planted.example"},
			"deniedPermissions": []string{"artifactregistry.googleapis.com/repositories.uploadArtifacts", "artifactregistry.googleapis.com/tags.create",
				"artifactregistry.googleapis.com/tags.update", "artifactregistry.googleapis.com/files.upload",
				"artifactregistry.googleapis.com/attachments.create", "artifactregistry.googleapis.com/attachments.delete"}}}},
	})
	return nil
}

func plantedAzureEntities() []mgEntity {
	return []mgEntity{
		{DisplayName: "mg-planted", ID: mgPrefix + "mg-planted", Name: "mg-planted", Parent: map[string]string{"id": mgPrefix + azureTenant}, Type: "Microsoft.Management/managementGroups"},
		{DisplayName: "planted-images", ID: "/subscriptions/" + PlantedAzureSubscription, Name: PlantedAzureSubscription, Parent: map[string]string{"id": mgPrefix + "mg-planted"}, Type: "/subscriptions"},
	}
}

func plantAzure(g *gen) error {
	acrPush := "/subscriptions/" + PlantedAzureSubscription + "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
	as := []assignment{
		{ID: PlantedAzureRegistry + "/providers/Microsoft.Authorization/roleAssignments/99999999-0000-4000-8000-0000000000b1", Name: "99999999-0000-4000-8000-0000000000b1",
			PrincipalID: PlantedAzurePusher, PrincipalName: "planted-pusher", PrincipalType: "ServicePrincipal", RoleDefinitionID: acrPush, RoleDefinitionName: "AcrPush",
			Scope: PlantedAzureRegistry, Type: "Microsoft.Authorization/roleAssignments", CreatedOn: "2024-01-01T00:00:00Z"},
		{ID: PlantedAzureRegistry + "/providers/Microsoft.Authorization/roleAssignments/99999999-0000-4000-8000-0000000000b2", Name: "99999999-0000-4000-8000-0000000000b2",
			PrincipalID: PlantedAzureDenied, PrincipalName: "planted-denied@planted.example", PrincipalType: "User", RoleDefinitionID: acrPush, RoleDefinitionName: "AcrPush",
			Scope: PlantedAzureRegistry, Type: "Microsoft.Authorization/roleAssignments", CreatedOn: "2024-01-01T00:00:00Z"},
	}
	g.count.Items += len(as) + 1
	g.count.Principals += 2
	if err := g.write("planted/role-assignments.json", "  ", as); err != nil {
		return err
	}
	regs := []map[string]any{{"adminUserEnabled": false, "id": PlantedAzureRegistry, "location": "westeurope", "loginServer": "acrplanted.azurecr.io", "name": "acrplanted",
		"resourceGroup": "rg-planted", "roleAssignmentMode": "LegacyRegistryPermissions", "type": "Microsoft.ContainerRegistry/registries"}}
	if err := g.write("planted/registries.json", "  ", regs); err != nil {
		return err
	}
	deny := denyAssignment("99999999-0000-4000-8000-0000000000c1", PlantedAzureRegistry, "planted: no pushes for planted-denied",
		[]string{"Microsoft.ContainerRegistry/registries/push/write"}, []map[string]string{{"id": PlantedAzureDenied, "type": "User"}}, nil)
	return g.write("planted/deny-assignments.json", "  ", map[string]any{"value": []any{deny}})
}
