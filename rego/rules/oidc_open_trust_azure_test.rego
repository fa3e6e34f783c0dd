# Tests of rule oidc_open_trust on Azure trusts (federated identity
# credentials of managed identities): the step is worded for Azure, an
# organization-wide flexible credential is high, a pull_request subject
# (every pull request of one repository) medium, an exact subject not
# reported.
package imagewarden.rules.oidc_open_trust_azure_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.oidc_open_trust

issuer := "https://token.actions.githubusercontent.com"

provider := concat("", ["federated:", issuer])

identity := "0b1c2d3e-4444-4555-8666-a77788889999"

cap := "image.push"

registry := "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"

push_fact := {
	"principal": identity,
	"cloud": "azure",
	"capability": cap,
	"access": "allowed",
	"actions": ["Microsoft.ContainerRegistry/registries/push/write"],
	"targets": [{"resource": registry, "known": true, "access": "allowed", "actions": ["Microsoft.ContainerRegistry/registries/push/write"], "via": []}],
}

trust(scope, subjects) := {
	"cloud": "azure",
	"provider": provider,
	"issuer": "token.actions.githubusercontent.com",
	"platform": "github-actions",
	"principal": identity,
	"statement": "gh",
	"subjects": subjects,
	"audiences": ["api://AzureADTokenExchange"],
	"scope": scope,
}

findings_for(trusts) := fs if {
	fs := oidc_open_trust.findings with input as object.union(fx.input_of([push_fact]), {"federation": trusts, "paths": []})
}

test_azure_flexible_organization_is_high_with_azure_step if {
	fs := findings_for([trust("organization", ["repo:acme/*"])])
	fx.summary(fs) == {[provider, cap, "high", "conditional"]}
	some f in fs
	f.path[0].kind == "federated-credential"
	f.path[0].permissions == ["token exchange (federated identity credential)"]
	f.path[0].cloud == "azure"
	startswith(f.message, sprintf("repo:acme/* of token.actions.githubusercontent.com (github-actions) can become %s", [identity]))
}

test_azure_pull_request_subject_is_medium if {
	fs := findings_for([trust("repository", ["repo:acme/app:pull_request"])])
	fx.summary(fs) == {[provider, cap, "medium", "conditional"]}
}

test_azure_exact_subject_is_not_reported if {
	count(findings_for([trust("pinned", ["repo:acme/app:ref:refs/heads/main"])])) == 0
}
