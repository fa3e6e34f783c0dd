package azurecloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// TestFederatedScope: how many subjects a credential lets in. Exact
// subjects are one subject, except GitHub's pull_request (every pull
// request of the repository); flexible credentials' matches patterns are
// classified by where the wildcard is; "and" takes the narrowest condition,
// "or" the widest; an expression without a condition on claims['sub'] lets
// any subject in.
func TestFederatedScope(t *testing.T) {
	const gh, gl = "github-actions", "gitlab"
	for _, tc := range []struct {
		platform, subject, expr string
		want                    string
		note                    string
	}{
		{platform: gh, subject: "repo:acme/app:ref:refs/heads/main", want: "pinned"},
		{platform: gh, subject: "repo:acme/app:environment:prod", want: "pinned"},
		{platform: gh, subject: "repo:acme/app:pull_request", want: "repository", note: "every pull request"},
		{platform: "kubernetes", subject: "system:serviceaccount:ci:pusher", want: "pinned"},
		{platform: gh, expr: "claims['sub'] matches 'repo:acme/*'", want: "organization"},
		{platform: gh, expr: "claims['sub'] matches 'repo:acme/app:ref:refs/heads/*'", want: "repository"},
		{platform: gh, expr: "claims['sub'] matches 'repo:*'", want: "any"},
		{platform: gh, expr: "claims['sub'] matches '*'", want: "any"},
		{platform: gh, expr: "claims['sub'] matches 'repo:acme/app:pull_request'", want: "repository"},
		{platform: gh, expr: "claims['sub'] matches 'repo:acme/*' and claims['sub'] matches 'repo:acme/app:*'", want: "repository"},
		{platform: gh, expr: "claims['sub'] eq 'repo:acme/app:ref:refs/heads/main' or claims['sub'] matches 'repo:acme/*'", want: "organization"},
		{platform: gh, expr: "claims['job_workflow_ref'] matches 'acme/pipelines/*'", want: "any", note: "no condition on claims['sub']"},
		{platform: gl, expr: "claims['sub'] matches 'project_path:grp/*'", want: "organization"},
		{platform: gl, expr: "claims['sub'] matches 'project_path:grp/app:ref_type:branch:ref:*'", want: "repository"},
		{platform: "other", expr: "claims['sub'] matches 'team-a/*'", want: "organization"},
	} {
		var scope, note string
		if tc.expr != "" {
			_, scope, note = expressionScope(tc.platform, tc.expr)
		} else {
			scope, note = exactSubjectScope(tc.platform, tc.subject)
		}
		if scope != tc.want || !strings.Contains(note, tc.note) {
			t.Errorf("%s %s%s: scope %s (note %q), want %s (note with %q)", tc.platform, tc.subject, tc.expr, scope, note, tc.want, tc.note)
		}
	}
}

const (
	fedSub      = "/subscriptions/44444444-dddd-4e5f-8a90-1a2b3c4d5e6f"
	fedIdentity = fedSub + "/resourceGroups/rg-ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-publisher"
	fedMSI      = "0b1c2d3e-4444-4555-8666-a77788889999"
	fedRegistry = fedSub + "/resourceGroups/rg-ci/providers/Microsoft.ContainerRegistry/registries/acrci"
)

// federatedDoc is az identity federated-credential list output.
func federatedDoc(subject, expr string) string {
	c := map[string]any{"id": fedIdentity + "/federatedIdentityCredentials/github", "name": "github", "resourceGroup": "rg-ci",
		"issuer": "https://token.actions.githubusercontent.com", "audiences": []string{"api://AzureADTokenExchange"},
		"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"}
	if subject != "" {
		c["subject"] = subject
	}
	if expr != "" {
		c["claimsMatchingExpression"] = map[string]any{"value": expr, "languageVersion": 1}
	}
	b, _ := json.Marshal([]any{c})
	return string(b)
}

const fedIdentityDoc = `[{"id": "` + fedIdentity + `", "name": "id-publisher", "principalId": "` + fedMSI + `", "clientId": "c1", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}]`

// TestFederatedCredentials: a credential of a listed identity is a trust
// of the identity's principal (cloud azure, provider node federated:ISSUER)
// and an edge from the issuer's node to it; a credential whose identity is
// not listed is a warning naming the file and item, not a trust; an app
// registration's credential (no identity in its id) is a warning; without
// credentials there is neither trust nor edge.
func TestFederatedCredentials(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	load := func(files ...[2]string) *Snapshot {
		s := New()
		for _, f := range files {
			loadItems(t, s, f[0], f[1])
		}
		return s
	}
	creds := [2]string{"creds.json", federatedDoc("", "claims['sub'] matches 'repo:acme/*'")}
	idents := [2]string{"identities.json", fedIdentityDoc}

	// Credentials read before the identities they belong to.
	s := load(creds, idents)
	snap := s.Evaluate(cat)
	if len(snap.Federation) != 1 {
		t.Fatalf("trusts %+v, want one", snap.Federation)
	}
	tr := snap.Federation[0]
	if tr.Cloud != "azure" || tr.Principal != fedMSI || tr.Provider != "federated:https://token.actions.githubusercontent.com" ||
		tr.Issuer != "token.actions.githubusercontent.com" || tr.Platform != "github-actions" || tr.Scope != "organization" ||
		strings.Join(tr.Subjects, ",") != "repo:acme/*" || tr.Statement != "github" {
		t.Errorf("trust %+v", tr)
	}
	var fed []model.Edge
	for _, e := range s.Edges() {
		if e.Kind == edgeKindFederated {
			fed = append(fed, e)
		}
	}
	if len(fed) != 1 || fed[0].From != tr.Provider || fed[0].To != fedMSI || !fed[0].Conditional {
		t.Errorf("federated edges %+v", fed)
	}

	// The identity not in the inputs.
	snap = load(creds).Evaluate(cat)
	if len(snap.Federation) != 0 || len(warningsWith(snap.Warnings, "creds.json: [0]", "id-publisher is not in the inputs")) != 1 {
		t.Errorf("without the identity: trusts %+v, warnings %+v", snap.Federation, snap.Warnings)
	}

	// An app registration's credential (az ad app federated-credential list).
	app := [2]string{"app.json", `[{"id": "6f1d2c3b-0000-4000-8000-000000000001", "name": "gh", "issuer": "https://token.actions.githubusercontent.com", "subject": "repo:acme/app:pull_request", "audiences": ["api://AzureADTokenExchange"]}]`}
	snap = load(app, idents).Evaluate(cat)
	if len(snap.Federation) != 0 || len(warningsWith(snap.Warnings, "app.json: [0].id", "not a credential of a user-assigned managed identity")) != 1 {
		t.Errorf("app registration: trusts %+v, warnings %+v", snap.Federation, snap.Warnings)
	}

	// No credentials.
	s = load(idents)
	if snap := s.Evaluate(cat); len(snap.Federation) != 0 {
		t.Errorf("trusts without credentials: %+v", snap.Federation)
	}
	for _, e := range s.Edges() {
		if e.Kind == edgeKindFederated {
			t.Errorf("edge without credentials: %+v", e)
		}
	}
}
