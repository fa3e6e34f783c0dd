package azurecloud_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

const (
	fixSub      = "/subscriptions/55555555-eeee-4f60-8a90-1a2b3c4d5e6f"
	fixRegistry = fixSub + "/resourceGroups/rg-ci/providers/Microsoft.ContainerRegistry/registries/acrfix"
	fixIdentity = fixSub + "/resourceGroups/rg-ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-publisher"
	fixMSI      = "0c1d2e3f-5555-4666-8777-a88899990000"
	fixUser     = "1d2e3f40-6666-4777-8888-a99900001111"
	fixAcrPush  = fixSub + "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
)

func fixFiles(credName string) map[string]string {
	return map[string]string{
		"registries.json": `[{"id": "` + fixRegistry + `", "name": "acrfix", "loginServer": "acrfix.azurecr.io", "type": "Microsoft.ContainerRegistry/registries"}]`,
		"identities.json": `[{"id": "` + fixIdentity + `", "name": "id-publisher", "principalId": "` + fixMSI + `", "clientId": "c1", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}]`,
		"assignments.json": `[{"id": "` + fixRegistry + `/providers/Microsoft.Authorization/roleAssignments/r1", "principalId": "` + fixMSI + `", "principalType": "ServicePrincipal",
  "roleDefinitionId": "` + fixAcrPush + `", "roleDefinitionName": "AcrPush", "scope": "` + fixRegistry + `"}]`,
		"eligible.json": `{"value": [{"id": "` + fixRegistry + `/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/e1", "name": "e1",
  "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
  "properties": {"principalId": "` + fixUser + `", "principalType": "User", "roleDefinitionId": "` + fixAcrPush + `", "scope": "` + fixRegistry + `",
   "memberType": "Direct", "status": "Provisioned", "startDateTime": "2026-01-01T00:00:00Z", "roleEligibilityScheduleId": "` + fixRegistry + `/providers/Microsoft.Authorization/roleEligibilitySchedules/s1"}}]}`,
		"credentials.json": `[{"id": "` + fixIdentity + `/federatedIdentityCredentials/` + credName + `", "name": "` + credName + `",
  "issuer": "https://token.actions.githubusercontent.com", "audiences": ["api://AzureADTokenExchange"],
  "claimsMatchingExpression": {"value": "claims['sub'] matches 'repo:acme/*'", "languageVersion": 1},
  "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"}]`,
	}
}

func planFor(t *testing.T, files map[string]string) *remediate.Plan {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plan, _, err := analyzer.RemediateWith(context.Background(), analyzer.Options{Paths: []string{dir}}, nil, analyzer.RemediateSettings{})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func changesOf(plan *remediate.Plan, kind string) []remediate.Change {
	var out []remediate.Change
	for _, c := range plan.Changes {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// TestEligibleAndFederatedFixes: the eligible AcrPush of a user gets an
// AdminRemove schedule request (az rest PUT, the body the artifact), the
// organization-wide flexible credential of the pushing identity a pin to a
// placeholder subject; re-analysis with each change alone shows its
// findings gone and none introduced. A credential name that is not a real
// name leaves the change without commands.
func TestEligibleAndFederatedFixes(t *testing.T) {
	plan := planFor(t, fixFiles("github-org"))
	rm := changesOf(plan, azurecloud.KindEligibleRemove)
	if len(rm) != 1 {
		t.Fatalf("%d eligible removals, want 1: %+v", len(rm), plan.Changes)
	}
	checkResolved(t, rm[0])
	args := rm[0].Args
	if len(args) != 1 || strings.Join(args[0][:5], " ") != "az rest --method put --url" ||
		!strings.HasPrefix(args[0][5], "https://management.azure.com"+fixRegistry+"/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/") ||
		!strings.HasSuffix(args[0][5], "?api-version=2020-10-01") || args[0][6] != "--body" || !strings.HasPrefix(args[0][7], "@") {
		t.Errorf("eligible removal commands %q", rm[0].Commands)
	}
	if !strings.Contains(rm[0].After, `"requestType": "AdminRemove"`) || !strings.Contains(rm[0].After, fixUser) {
		t.Errorf("request body %s", rm[0].After)
	}

	pin := changesOf(plan, azurecloud.KindFederatedPin)
	if len(pin) != 1 {
		t.Fatalf("%d credential pins, want 1: %+v", len(pin), plan.Changes)
	}
	checkResolved(t, pin[0])
	if len(pin[0].Args) != 2 || strings.Join(pin[0].Args[0][:4], " ") != "az identity federated-credential delete" ||
		strings.Join(pin[0].Args[1][:4], " ") != "az identity federated-credential create" ||
		!strings.Contains(strings.Join(pin[0].Args[1], " "), "--subject IMAGEWARDEN-REVIEW-repo:OWNER/REPOSITORY:environment:ENVIRONMENT --audiences api://AzureADTokenExchange") {
		t.Errorf("pin commands %q", pin[0].Commands)
	}
	if len(pin[0].Notes) != 1 || !strings.Contains(pin[0].Notes[0], "repo:acme/*") || !strings.Contains(pin[0].Notes[0], "cannot know") {
		t.Errorf("pin notes %q", pin[0].Notes)
	}

	// A hostile credential name: the change stays, without commands.
	plan = planFor(t, fixFiles("gh$(touch x)"))
	pin = changesOf(plan, azurecloud.KindFederatedPin)
	if len(pin) != 1 || len(pin[0].Commands) != 0 || !strings.Contains(strings.Join(pin[0].Notes, "\n"), "federated identity credential name") {
		t.Errorf("hostile name: %+v", pin)
	}
}
