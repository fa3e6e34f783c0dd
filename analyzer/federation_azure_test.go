package analyzer

import (
	"context"
	"sort"
	"strings"
	"testing"
)

// TestAzureOpenFederatedCredential: a managed identity that can push to a
// registry (AcrPush) with a flexible federated identity credential that
// lets in every repository of one GitHub organization is IW-011 high, its
// step drawn issuer -> identity as a federated credential; an exact
// pull_request subject is medium; an exact branch subject is not reported;
// without the credentials nothing is reported.
func TestAzureOpenFederatedCredential(t *testing.T) {
	const (
		sub      = "/subscriptions/44444444-dddd-4e5f-8a90-1a2b3c4d5e6f"
		identity = sub + "/resourceGroups/rg-ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-publisher"
		msi      = "0b1c2d3e-4444-4555-8666-a77788889999"
		registry = sub + "/resourceGroups/rg-ci/providers/Microsoft.ContainerRegistry/registries/acrci"
	)
	base := map[string]string{
		"identities.json": `[{"id": "` + identity + `", "name": "id-publisher", "principalId": "` + msi + `", "clientId": "c1", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}]`,
		"registries.json": `[{"id": "` + registry + `", "name": "acrci", "loginServer": "acrci.azurecr.io", "type": "Microsoft.ContainerRegistry/registries"}]`,
		"assignments.json": `[{"id": "` + registry + `/providers/Microsoft.Authorization/roleAssignments/r1", "principalId": "` + msi + `", "principalType": "ServicePrincipal",
  "roleDefinitionId": "` + sub + `/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec", "roleDefinitionName": "AcrPush", "scope": "` + registry + `"}]`,
	}
	cred := func(name, field, value string) string {
		v := `"` + value + `"`
		if field == "claimsMatchingExpression" {
			v = `{"value": "` + value + `", "languageVersion": 1}`
		}
		return `{"id": "` + identity + `/federatedIdentityCredentials/` + name + `", "name": "` + name + `", "issuer": "https://token.actions.githubusercontent.com",
  "audiences": ["api://AzureADTokenExchange"], "` + field + `": ` + v + `, "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"}`
	}
	run := func(creds string) []string {
		files := map[string]string{}
		for k, v := range base {
			files[k] = v
		}
		if creds != "" {
			files["credentials.json"] = "[" + creds + "]"
		}
		rep, err := Analyze(context.Background(), Options{Paths: []string{writeFiles(t, files)}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.RuleID != "IW-011" || f.Capability != "image.push" {
				continue
			}
			got = append(got, f.Severity+" "+f.PrincipalID+" "+f.Path[0].Kind+" "+f.Path[0].To)
		}
		sort.Strings(got)
		return got
	}
	const provider = "federated:https://token.actions.githubusercontent.com"
	for _, tc := range []struct {
		name, creds string
		want        []string
	}{
		{"organization", cred("org", "claimsMatchingExpression", "claims['sub'] matches 'repo:acme/*'"),
			[]string{"high " + provider + " federated-credential " + msi}},
		{"pull requests", cred("pr", "subject", "repo:acme/app:pull_request"),
			[]string{"medium " + provider + " federated-credential " + msi}},
		{"pinned beside open: the widest", cred("main", "subject", "repo:acme/app:ref:refs/heads/main") + "," + cred("pr", "subject", "repo:acme/app:pull_request"),
			[]string{"medium " + provider + " federated-credential " + msi}},
		{"pinned", cred("main", "subject", "repo:acme/app:ref:refs/heads/main"), nil},
		{"no credentials", "", nil},
	} {
		if got := run(tc.creds); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: IW-011 on Azure:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
