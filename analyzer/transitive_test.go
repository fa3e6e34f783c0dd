package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/graph"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func pathsOf(t *testing.T, dir string) map[string]graph.Path {
	t.Helper()
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]graph.Path{}
	for _, p := range rep.Paths {
		out[p.From+"|"+p.Capability] = p
	}
	return out
}

const awsChains = `{
 "UserDetailList": [
  {"UserName": "dev", "Arn": "arn:aws:iam::111122223333:user/dev", "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/pusher"}]}}]},
  {"UserName": "denied", "Arn": "arn:aws:iam::111122223333:user/denied", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}, {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}}]},
  {"UserName": "bounded", "Arn": "arn:aws:iam::111122223333:user/bounded", "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/no-sts"},
   "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]},
  {"UserName": "wide", "Arn": "arn:aws:iam::111122223333:user/wide", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]},
  {"UserName": "mfa", "Arn": "arn:aws:iam::111122223333:user/mfa", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}}]},
  {"UserName": "passer", "Arn": "arn:aws:iam::111122223333:user/passer", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "codebuild:CreateProject"], "Resource": "*"}]}}]},
  {"UserName": "passonly", "Arn": "arn:aws:iam::111122223333:user/passonly", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}]},
  {"UserName": "selfer", "Arn": "arn:aws:iam::111122223333:user/selfer", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::111122223333:user/${aws:username}"}]}}]},
  {"UserName": "keymaker", "Arn": "arn:aws:iam::111122223333:user/keymaker", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111122223333:user/pushuser"}]}}]},
  {"UserName": "pushuser", "Arn": "arn:aws:iam::111122223333:user/pushuser", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}]}}]}
 ],
 "GroupDetailList": [],
 "RoleDetailList": [
  {"RoleName": "pusher", "Arn": "arn:aws:iam::111122223333:role/pusher",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}, "Action": "sts:AssumeRole"}]},
   "RolePolicyList": [{"PolicyName": "push", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}]}}]},
  {"RoleName": "builder", "Arn": "arn:aws:iam::111122223333:role/builder",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
   "RolePolicyList": [{"PolicyName": "push", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}]}}]},
  {"RoleName": "closed", "Arn": "arn:aws:iam::111122223333:role/closed",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/builder"}, "Action": "sts:AssumeRole"}]},
   "RolePolicyList": [{"PolicyName": "ami", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateImage", "Resource": "*"}]}}]}
 ],
 "Policies": [
  {"PolicyName": "no-sts", "Arn": "arn:aws:iam::111122223333:policy/no-sts", "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}
 ]
}`

const awsRemote = `{
 "UserDetailList": [
  {"UserName": "remote", "Arn": "arn:aws:iam::444455556666:user/remote", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]}
 ], "GroupDetailList": [], "RoleDetailList": [], "Policies": []
}`

const awsOrg = `{
 "Organization": {"Id": "o-test", "MasterAccountId": "999999999999"},
 "Roots": [{"Id": "r-1", "Name": "Root"}],
 "OrganizationalUnits": [{"Id": "ou-1", "Name": "locked", "ParentId": "r-1"}],
 "Accounts": [{"Id": "111122223333", "ParentId": "r-1"}, {"Id": "444455556666", "ParentId": "ou-1"}],
 "Policies": [
  {"Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "Targets": ["r-1", "ou-1", "111122223333", "444455556666"]},
  {"Name": "no-assume", "Type": "SERVICE_CONTROL_POLICY", "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}", "Targets": ["ou-1"]}
 ]
}`

// TestAWSChains: one fixture per AWS edge kind, each with the path found,
// and the deny, boundary, SCP and condition that break a chain.
func TestAWSChains(t *testing.T) {
	paths := pathsOf(t, writeFiles(t, map[string]string{"iam.json": awsChains, "iam-remote.json": awsRemote, "org.json": awsOrg}))
	u := func(n string) string { return "arn:aws:iam::111122223333:user/" + n }
	for _, tc := range []struct {
		name, from, through, kind string
		conditional               bool
	}{
		{"assume-role through the trust policy and the identity policy", u("dev"), "arn:aws:iam::111122223333:role/pusher", "assume-role", false},
		{"pass-role to a service the role trusts", u("passer"), "arn:aws:iam::111122223333:role/builder", "pass-role", false},
		{"self-escalation with a policy variable", u("selfer"), "admin:aws:111122223333#" + u("selfer"), "self-escalation", false},
		{"credentials of another user", u("keymaker"), u("pushuser"), "credentials", false},
		{"a condition makes the chain conditional, not allowed", u("mfa"), "arn:aws:iam::111122223333:role/pusher", "assume-role", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := paths[tc.from+"|image.push"]
			if !ok {
				t.Fatalf("no path from %s to image.push", tc.from)
			}
			if p.Through != tc.through || p.Steps[0].Kind != tc.kind || p.Conditional != tc.conditional {
				t.Errorf("got through %s, first step %s, conditional %v: %+v", p.Through, p.Steps[0].Kind, p.Conditional, p)
			}
		})
	}
	for _, tc := range []struct{ name, from string }{
		{"explicit deny breaks assume-role", u("denied")},
		{"permissions boundary breaks assume-role", u("bounded")},
		{"SCP on the caller's OU breaks assume-role", "arn:aws:iam::444455556666:user/remote"},
		{"PassRole without a service to run breaks pass-role", u("passonly")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, ok := paths[tc.from+"|image.push"]; ok {
				t.Errorf("unexpected path: %+v", p)
			}
		})
	}
	// wide may call sts:AssumeRole on every role and reaches pusher, whose
	// trust names the account; closed's trust names only the builder role.
	if _, ok := paths[u("wide")+"|image.push"]; !ok {
		t.Errorf("wide reaches pusher")
	}
	if p, ok := paths[u("wide")+"|image.create"]; ok {
		t.Errorf("a trust policy that does not name the caller breaks the chain: %+v", p)
	}
}

const gcpChains = `[
 {"resource": "//cloudresourcemanager.googleapis.com/projects/p1", "project": "projects/11", "organization": "organizations/1",
  "policy": {"bindings": [
   {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:wes@example.com", "user:ned@example.com"]},
   {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:tia@example.com"], "condition": {"title": "until", "expression": "request.time < timestamp(\"2027-01-01T00:00:00Z\")"}},
   {"role": "roles/resourcemanager.projectIamAdmin", "members": ["user:ian@example.com"]},
   {"role": "roles/artifactregistry.writer", "members": ["serviceAccount:builder@p1.iam.gserviceaccount.com"]},
   {"role": "roles/iam.serviceAccountUser", "members": ["user:abe@example.com"]},
   {"role": "roles/cloudbuild.builds.editor", "members": ["user:abe@example.com", "user:cb@example.com"]},
   {"role": "roles/cloudbuild.builds.builder", "members": ["serviceAccount:11@cloudbuild.gserviceaccount.com"]},
   {"role": "projects/p1/roles/tagger", "members": ["user:cru@example.com"]},
   {"role": "roles/iam.roleAdmin", "members": ["user:cru@example.com"]},
   {"role": "roles/iam.serviceAccountAdmin", "members": ["user:sip@example.com"]}
  ]}}
]`

const gcpRoles = `{"roles": [{"name": "projects/p1/roles/tagger", "includedPermissions": ["artifactregistry.tags.update"]}]}`

const gcpDeny = `[{"name": "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1/denypolicies/no-tokens", "kind": "DenyPolicy",
 "rules": [{"denyRule": {"deniedPrincipals": ["principal://goog/subject/ned@example.com"], "deniedPermissions": ["iam.googleapis.com/serviceAccounts.*"]}}]}]`

func TestGCPChains(t *testing.T) {
	paths := pathsOf(t, writeFiles(t, map[string]string{"policies.json": gcpChains, "deny.json": gcpDeny, "roles.json": gcpRoles}))
	sa := "serviceAccount:builder@p1.iam.gserviceaccount.com"
	if p, ok := paths["user:abe@example.com|image.push"]; !ok || p.Assumed || p.Steps[0].Kind == "" {
		t.Errorf("abe can act as a service account and run Cloud Build builds: %+v", p)
	}
	if p, ok := paths["user:cb@example.com|image.push"]; !ok || p.Through != "serviceAccount:11@cloudbuild.gserviceaccount.com" || p.Steps[0].Kind != "cloud-build" {
		t.Errorf("cb's builds run as the default Cloud Build service account: %+v", p)
	}
	if p, ok := paths["user:sip@example.com|image.push"]; !ok || p.Through != sa {
		t.Errorf("sip can rewrite the service account's policy and then act as it: %+v", p)
	}
	if p, ok := paths["user:cru@example.com|image.create"]; !ok || p.Steps[0].Kind != "custom-role-update" {
		t.Errorf("cru can add any permission to the custom role it holds: %+v", p)
	}
	if p, ok := paths["user:wes@example.com|image.push"]; !ok || p.Through != sa || p.Steps[0].Kind != "impersonate" || p.Conditional {
		t.Errorf("wes impersonates the builder: %+v", p)
	}
	if p, ok := paths["user:tia@example.com|image.push"]; !ok || !p.Conditional {
		t.Errorf("tia's time-bound token creator role makes the chain conditional: %+v", p)
	}
	if p, ok := paths["user:ned@example.com|image.push"]; ok {
		t.Errorf("the deny policy breaks ned's chain: %+v", p)
	}
	if p, ok := paths["user:ian@example.com|image.push"]; !ok || p.Steps[0].Kind != "set-iam-policy" || p.Through != "admin:gcp:projects/p1#user:ian@example.com" {
		t.Errorf("ian can grant himself any role on the project: %+v", p)
	}
}

const azureChains = `[
 {"principalId": "u-uaa", "principalName": "uaa@example.com", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "scope": "/subscriptions/s1/resourceGroups/rg1"},
 {"principalId": "u-blocked", "principalName": "blocked@example.com", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "scope": "/subscriptions/s1/resourceGroups/rg1"},
 {"principalId": "u-cond", "principalName": "cond@example.com", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "scope": "/subscriptions/s1/resourceGroups/rg1", "condition": "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {7f951dda-4ed3-4680-a7ca-43fe172d538d}", "conditionVersion": "2.0"}
]`

const azureDeny = `{"value": [{"id": "d1", "properties": {"denyAssignmentName": "no-rbac", "scope": "/subscriptions/s1/resourceGroups/rg1",
 "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": [], "dataActions": [], "notDataActions": []}],
 "principals": [{"id": "u-blocked", "type": "User"}], "excludePrincipals": []}}]}`

const azureIdentityAssignments = `[
 {"principalId": "mi-1", "principalName": "id-pusher", "principalType": "ServicePrincipal", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec", "scope": "/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.ContainerRegistry/registries/acr"},
 {"principalId": "u-op", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/f1a07417-d97a-45cb-824c-7a7467783830", "scope": "/subscriptions/s1/resourceGroups/rg2"},
 {"principalId": "u-op", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "scope": "/subscriptions/s1/resourceGroups/rg2"},
 {"principalId": "u-oponly", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/f1a07417-d97a-45cb-824c-7a7467783830", "scope": "/subscriptions/s1/resourceGroups/rg2"}
]`

const azureIdentities = `[{"id": "/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pusher", "name": "id-pusher",
 "principalId": "mi-1", "clientId": "c-1", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}]`

const azureRoleDefAssignments = `[
 {"principalId": "u-rd", "principalType": "User", "roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/custom-1", "scope": "/subscriptions/s1/resourceGroups/rg1"},
 {"principalId": "u-rdbuiltin", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "scope": "/subscriptions/s1/resourceGroups/rg1"}
]`

const azureRoleDefs = `[{"id": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/custom-1", "name": "custom-1", "roleName": "Role Editor",
 "permissions": [{"actions": ["Microsoft.Authorization/roleDefinitions/write", "*/read"], "notActions": [], "dataActions": [], "notDataActions": []}]}]`

func TestAzureRoleDefinitionChain(t *testing.T) {
	paths := pathsOf(t, writeFiles(t, map[string]string{"assignments.json": azureRoleDefAssignments, "roles.json": azureRoleDefs}))
	if p, ok := paths["u-rd|image.push"]; !ok || p.Steps[0].Kind != "role-definition" {
		t.Errorf("a principal that can rewrite its own custom role can grant itself anything: %+v", p)
	}
	if p, ok := paths["u-rdbuiltin|image.push"]; ok {
		t.Errorf("built-in roles cannot be rewritten: %+v", p)
	}
}

func TestAzureIdentityChain(t *testing.T) {
	paths := pathsOf(t, writeFiles(t, map[string]string{"assignments.json": azureIdentityAssignments, "identities.json": azureIdentities}))
	if p, ok := paths["u-op|image.push"]; !ok || p.Steps[0].Kind != "assign-identity" || p.Through != "mi-1" {
		t.Errorf("Managed Identity Operator plus VM Contributor can run code as the identity that pushes: %+v", p)
	}
	if p, ok := paths["u-oponly|image.push"]; ok {
		t.Errorf("assigning an identity without compute to attach it to is no chain: %+v", p)
	}
}

func TestAzureChains(t *testing.T) {
	paths := pathsOf(t, writeFiles(t, map[string]string{"assignments.json": azureChains, "deny.json": azureDeny}))
	if p, ok := paths["u-uaa|image.push"]; !ok || p.Steps[0].Kind != "role-assignment" || p.Through != "admin:azure:/subscriptions/s1/resourceGroups/rg1#u-uaa" || p.Conditional {
		t.Errorf("User Access Administrator can assign itself any role in the resource group: %+v", p)
	}
	if p, ok := paths["u-blocked|image.push"]; ok {
		t.Errorf("the deny assignment breaks the chain: %+v", p)
	}
	if p, ok := paths["u-cond|image.push"]; !ok || !p.Conditional {
		t.Errorf("a conditional assignment makes the chain conditional: %+v", p)
	}
}

// TestFederatedChain: GitHub Actions' OIDC provider reaches the ci-deployer
// role of the demo through sts:AssumeRoleWithWebIdentity, conditionally
// (the trust policy checks the token's subject).
func TestFederatedChain(t *testing.T) {
	paths := pathsOf(t, demoDir)
	fed := "federated:arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com"
	p, ok := paths[fed+"|image.push"]
	if !ok || p.Through != shared+"role/ci-deployer" || !p.Conditional || p.Steps[0].Permissions[0] != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("the OIDC provider reaches ci-deployer conditionally: %+v", p)
	}
}
