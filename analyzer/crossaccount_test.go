package analyzer

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Transitive answers never cross an account, project or subscription
// boundary that nothing lets them cross (issue 18): an administrator of one
// account holds nothing in another by itself; a trust policy, a resource
// policy or a binding is the bridge, and the path names it.

const (
	acctA = "111111111111"
	acctB = "222222222222"
	repoA = "arn:aws:ecr:us-east-1:" + acctA + ":repository/app"
)

func awsIAM(account string, users, roles []string) string {
	return `{"UserDetailList": [` + strings.Join(users, ",") + `], "GroupDetailList": [], "RoleDetailList": [` + strings.Join(roles, ",") + `], "Policies": []}`
}

func awsUser(account, name, statements string) string {
	return `{"UserName": "` + name + `", "Arn": "arn:aws:iam::` + account + `:user/` + name + `", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [` + statements + `]}}]}`
}

func awsRole(account, name, trustPrincipal, statements string) string {
	return `{"RoleName": "` + name + `", "Arn": "arn:aws:iam::` + account + `:role/` + name + `",
	  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "` + trustPrincipal + `"}, "Action": "sts:AssumeRole"}]},
	  "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [` + statements + `]}}]}`
}

const allowAll = `{"Effect": "Allow", "Action": "*", "Resource": "*"}`

// The two accounts; trustB is who A's pipeline role trusts besides A, and
// extra is a statement of A's repository policy.
func twoAccounts(t *testing.T, trustB, extra string) string {
	pipelineTrust := "arn:aws:iam::" + acctA + ":root"
	if trustB != "" {
		pipelineTrust = trustB
	}
	a := awsIAM(acctA, nil, []string{
		awsRole(acctA, "pipeline", pipelineTrust, `{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}`),
	})
	b := awsIAM(acctB, []string{
		awsUser(acctB, "self-editor", `{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::`+acctB+`:user/self-editor"}`),
		awsUser(acctB, "reader", `{"Effect": "Allow", "Action": "ecr:Describe*", "Resource": "*"}`),
	}, []string{
		awsRole(acctB, "admin", "arn:aws:iam::"+acctB+":root", allowAll),
		awsRole(acctB, "deployer", "arn:aws:iam::"+acctB+":root", `{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}`),
	})
	policy := `{"Version": "2012-10-17", "Statement": [{"Sid": "PipelineOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + acctA + `:role/pipeline"}, "Action": "ecr:PutImage"}` + extra + `]}`
	repos := `{"repositories": [{"repositoryArn": "` + repoA + `", "repositoryName": "app", "registryId": "` + acctA + `"}]}`
	repoPolicy := `{"registryId": "` + acctA + `", "repositoryName": "app", "repositoryArn": "` + repoA + `", "policyText": ` + quoteJSON(policy) + `}`
	return writeFiles(t, map[string]string{"iam-a.json": a, "iam-b.json": b, "repos.json": repos, "repo-policy.json": repoPolicy})
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func whoCanIDs(t *testing.T, dir, permission, resource string) map[string]model.Answer {
	t.Helper()
	res, err := WhoCan(Options{Paths: []string{dir}}, permission, resource)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Answer{}
	for _, a := range res.Principals {
		out[a.ID] = a
	}
	return out
}

func TestAWSNoBridgeNoCrossing(t *testing.T) {
	dir := twoAccounts(t, "", "")
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	want := []string{"arn:aws:iam::" + acctA + ":role/pipeline"}
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != strings.Join(want, " ") {
		t.Errorf("nothing in %s trusts %s: only A's pipeline may push; got %v", acctA, acctB, slices.Sorted(maps.Keys(got)))
	}
	// In its own account the administrator still reaches everything.
	own := whoCanIDs(t, dir, "ecr:PutImage", "arn:aws:ecr:us-east-1:"+acctB+":repository/own")
	for _, p := range []string{"role/admin", "user/self-editor"} {
		if _, ok := own["arn:aws:iam::"+acctB+":"+p]; !ok {
			t.Errorf("%s can push in its own account: %v", p, slices.Sorted(maps.Keys(own)))
		}
	}
}

func TestAWSTrustBridge(t *testing.T) {
	deployer := "arn:aws:iam::" + acctB + ":role/deployer"
	dir := twoAccounts(t, deployer, "")
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	b := func(p string) string { return "arn:aws:iam::" + acctB + ":" + p }
	want := []string{"arn:aws:iam::" + acctA + ":role/pipeline", b("role/admin"), b("role/deployer"), b("user/self-editor")}
	sort.Strings(want)
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != strings.Join(want, " ") {
		t.Errorf("A's pipeline trusts B's deployer: exactly those who reach the deployer push; got %v, want %v", slices.Sorted(maps.Keys(got)), want)
	}
	for _, id := range want[1:] {
		a := got[id]
		if a.Resource != repoA {
			t.Errorf("%s: resource %q, want the repository", id, a.Resource)
		}
		crossed := false
		for _, s := range a.Path {
			if s.Kind == "assume-role" && s.To == "arn:aws:iam::"+acctA+":role/pipeline" {
				crossed = true
			}
		}
		if n := len(a.Path); n > 0 && graphIsAdmin(a.Path[n-1].To) {
			t.Errorf("%s: the path ends at an admin node of B instead of crossing into A: %+v", id, a.Path)
		}
		if !crossed {
			t.Errorf("%s: the path does not name the assume-role step into %s: %+v", id, acctA, a.Path)
		}
	}
}

func TestAWSResourcePolicyBridge(t *testing.T) {
	grant := `, {"Sid": "AccountB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + acctB + `:root"}, "Action": "ecr:PutImage"}`
	dir := twoAccounts(t, "", grant)
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	b := func(p string) string { return "arn:aws:iam::" + acctB + ":" + p }
	for _, id := range []string{b("role/admin"), b("user/self-editor")} {
		a, ok := got[id]
		if !ok {
			t.Errorf("the repository policy admits account B: %s should push; got %v", id, slices.Sorted(maps.Keys(got)))
			continue
		}
		named := false
		for _, g := range a.Via {
			named = named || g.Statement == "AccountB"
		}
		if !named {
			t.Errorf("%s: the answer does not name the repository policy's grant to B: %+v", id, a.Via)
		}
	}
	if _, ok := got[b("user/reader")]; ok {
		t.Error("B's reader has no push permission and no escalation")
	}
	// The deployer can assume B's admin role, which the grant admits.
	if a, ok := got[b("role/deployer")]; !ok || len(a.Path) != 1 || a.Path[0].To != b("role/admin") {
		t.Errorf("B's deployer reaches the repository through B's admin role: %+v", a)
	}
}

func graphIsAdmin(id string) bool { return strings.HasPrefix(id, model.AdminPrefix) }

const gcpRepoTwo = "//artifactregistry.googleapis.com/projects/p-two/locations/europe-west1/repositories/app"

// twoProjects: p-one has an IAM administrator (who can grant itself any role there) and a
// viewer; p-two has a repository only its pipeline may write. bridge adds
// members to the repository's writers.
func twoProjects(t *testing.T, bridge string) string {
	project := func(id, number, bindings string) string {
		return `{"resource": "//cloudresourcemanager.googleapis.com/projects/` + id + `", "assetType": "cloudresourcemanager.googleapis.com/Project",
		  "project": "projects/` + number + `", "organization": "organizations/1", "policy": {"bindings": [` + bindings + `]}}`
	}
	writers := `"serviceAccount:pipe@p-two.iam.gserviceaccount.com"` + bridge
	policies := `[` + project("p-one", "101", `{"role": "roles/resourcemanager.projectIamAdmin", "members": ["user:owner1@example.com"]},
	    {"role": "roles/viewer", "members": ["user:reader1@example.com"]},
	    {"role": "roles/iam.serviceAccountUser", "members": ["serviceAccount:bridge@p-one.iam.gserviceaccount.com"]}`) + `,
	  ` + project("p-two", "102", `{"role": "roles/viewer", "members": ["user:reader2@example.com"]}`) + `,
	  {"resource": "` + gcpRepoTwo + `", "assetType": "artifactregistry.googleapis.com/Repository", "project": "projects/102", "organization": "organizations/1",
	   "policy": {"bindings": [{"role": "roles/artifactregistry.writer", "members": [` + writers + `]}]}}]`
	return writeFiles(t, map[string]string{"iam-policies.json": policies})
}

func TestGCPNoBridgeNoCrossing(t *testing.T) {
	got := whoCanIDs(t, twoProjects(t, ""), "artifactregistry.repositories.uploadArtifacts", gcpRepoTwo)
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != "serviceAccount:pipe@p-two.iam.gserviceaccount.com" {
		t.Errorf("nothing in p-two admits p-one: only the pipeline writes; got %v", slices.Sorted(maps.Keys(got)))
	}
}

func TestGCPBindingBridge(t *testing.T) {
	got := whoCanIDs(t, twoProjects(t, `, "serviceAccount:bridge@p-one.iam.gserviceaccount.com"`), "artifactregistry.repositories.uploadArtifacts", gcpRepoTwo)
	want := []string{"serviceAccount:bridge@p-one.iam.gserviceaccount.com", "serviceAccount:pipe@p-two.iam.gserviceaccount.com", "user:owner1@example.com"}
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != strings.Join(want, " ") {
		t.Errorf("p-one's service account writes in p-two: p-one's owner reaches it, the viewers do not; got %v, want %v", slices.Sorted(maps.Keys(got)), want)
	}
	a := got["user:owner1@example.com"]
	if n := len(a.Path); n == 0 || a.Path[n-1].To != "serviceAccount:bridge@p-one.iam.gserviceaccount.com" {
		t.Errorf("the owner's path should end at the bridge service account: %+v", a.Path)
	}
}

const (
	subOne      = "/subscriptions/11111111-1111-1111-1111-111111111111"
	subTwo      = "/subscriptions/22222222-2222-2222-2222-222222222222"
	azRegistry  = subTwo + "/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/acrtwo"
	azIdentity  = subOne + "/resourceGroups/rg-ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-bridge"
	azAcrPush   = "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
	azUAA       = "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	azAdminID   = "aaaaaaaa-0000-0000-0000-000000000001"
	azPipeID    = "aaaaaaaa-0000-0000-0000-000000000002"
	azBridgeID  = "aaaaaaaa-0000-0000-0000-000000000003"
	azPushRegOp = "Microsoft.ContainerRegistry/registries/push/write"
)

// twoSubscriptions: sub-one has a User Access Administrator (an
// administrator of the subscription) and a managed identity; sub-two has a
// registry only its pipeline may push to. bridge gives the identity AcrPush
// on the registry.
func twoSubscriptions(t *testing.T, bridge bool) string {
	assignment := func(principal, typ, role, scope string) string {
		return `{"id": "` + scope + `/providers/Microsoft.Authorization/roleAssignments/` + principal + `", "principalId": "` + principal + `", "principalType": "` + typ +
			`", "roleDefinitionId": "` + role + `", "scope": "` + scope + `"}`
	}
	as := []string{
		assignment(azAdminID, "User", azUAA, subOne),
		assignment(azPipeID, "ServicePrincipal", azAcrPush, azRegistry),
	}
	if bridge {
		as = append(as, assignment(azBridgeID, "ServicePrincipal", azAcrPush, azRegistry))
	}
	return writeFiles(t, map[string]string{
		"role-assignments.json": "[" + strings.Join(as, ",") + "]",
		"registries.json":       `[{"id": "` + azRegistry + `", "name": "acrtwo", "type": "Microsoft.ContainerRegistry/registries", "loginServer": "acrtwo.azurecr.io"}]`,
		"identities.json": `[{"id": "` + azIdentity + `", "name": "mi-bridge", "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
		  "principalId": "` + azBridgeID + `", "clientId": "cccccccc-0000-0000-0000-000000000003"}]`,
	})
}

func TestAzureNoBridgeNoCrossing(t *testing.T) {
	got := whoCanIDs(t, twoSubscriptions(t, false), azPushRegOp, azRegistry)
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != azPipeID {
		t.Errorf("nothing in sub-two admits sub-one: only the pipeline pushes; got %v", slices.Sorted(maps.Keys(got)))
	}
}

func TestAzureIdentityBridge(t *testing.T) {
	got := whoCanIDs(t, twoSubscriptions(t, true), azPushRegOp, azRegistry)
	want := []string{azPipeID, azBridgeID, azAdminID}
	sort.Strings(want)
	if strings.Join(slices.Sorted(maps.Keys(got)), " ") != strings.Join(want, " ") {
		t.Errorf("sub-one's managed identity pushes to sub-two: sub-one's administrator reaches it; got %v, want %v", slices.Sorted(maps.Keys(got)), want)
	}
	a := got[azAdminID]
	if n := len(a.Path); n == 0 || a.Path[n-1].To != azBridgeID || a.Path[n-1].Kind != "admin-takeover" {
		t.Errorf("the administrator's path should end by taking over the bridge identity: %+v", a.Path)
	}
}

// The demo: nothing in the shared-services account trusts the workloads
// account for golden/base-ubuntu, so the workloads administrator is not
// listed; apps/checkout admits the workloads account by its policy, so it
// is, directly.
func TestDemoWorkloadsAdministrator(t *testing.T) {
	const admin = "arn:aws:iam::345678901234:role/OrganizationAccountAccessRole"
	golden := whoCanIDs(t, "../testdata/demo", "ecr:PutImage", "arn:aws:ecr:us-east-1:210987654321:repository/golden/base-ubuntu")
	if a, ok := golden[admin]; ok {
		t.Errorf("the workloads administrator cannot push to golden/base-ubuntu: %+v", a)
	}
	checkout := whoCanIDs(t, "../testdata/demo", "ecr:PutImage", "arn:aws:ecr:us-east-1:210987654321:repository/apps/checkout")
	if a, ok := checkout[admin]; !ok || len(a.Path) != 0 {
		t.Errorf("the repository policy of apps/checkout admits the workloads account: %+v", a)
	}
}
