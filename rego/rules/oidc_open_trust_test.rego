# Tests of rule oidc_open_trust: a trust that lets any subject, a whole
# organization or every branch of one repository of an OIDC provider
# become a role that writes images is critical, high or medium; pinned
# trusts, roles that cannot write and iam.escalate are left out; the chain
# case names the chain after the trust.
package imagewarden.rules.oidc_open_trust_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.oidc_open_trust

github := "federated:arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

cap := "image.push"

push_fact := fx.fact(fx.pipeline, cap, [fx.narrow(fx.narrow_resource[cap], "allowed")])

trust(scope, subjects) := {
	"cloud": "aws",
	"provider": github,
	"issuer": "token.actions.githubusercontent.com",
	"platform": "github-actions",
	"principal": fx.pipeline.id,
	"statement": "0",
	"subjects": subjects,
	"audiences": ["sts.amazonaws.com"],
	"scope": scope,
}

input_with(trusts, facts, paths) := object.union(fx.input_of(facts), {"federation": trusts, "paths": paths})

test_any_subject_is_critical if {
	fs := oidc_open_trust.findings with input as input_with([trust("any", [])], [push_fact], [])
	fx.summary(fs) == {[github, cap, "critical", "conditional"]}
	some f in fs
	f.message == sprintf("any subject of token.actions.githubusercontent.com (github-actions) can become %s, which can image.push on %s", [fx.pipeline.id, fx.narrow_resource[cap]])
	f.path[0].to == fx.pipeline.id
}

# The analyzer writes null, not [], for a trust that checks no subject.
test_null_subjects_are_any_subject if {
	fs := oidc_open_trust.findings with input as input_with([trust("any", null)], [push_fact], [])
	fx.summary(fs) == {[github, cap, "critical", "conditional"]}
	some f in fs
	startswith(f.message, "any subject of ")
	f.path[0].note == "the trust lets in any subject (any subject)"
}

test_organization_wildcard_is_high_and_names_the_pattern if {
	fs := oidc_open_trust.findings with input as input_with([trust("organization", ["repo:acme/*:*"])], [push_fact], [])
	fx.summary(fs) == {[github, cap, "high", "conditional"]}
	some f in fs
	startswith(f.message, "repo:acme/*:* of token.actions.githubusercontent.com")
}

test_every_branch_of_one_repository_is_medium if {
	fs := oidc_open_trust.findings with input as input_with([trust("repository", ["repo:acme/app:*"])], [push_fact], [])
	fx.summary(fs) == {[github, cap, "medium", "conditional"]}
}

test_pinned_subject_is_not_reported if {
	fs := oidc_open_trust.findings with input as input_with([trust("pinned", ["repo:acme/app:ref:refs/heads/main"])], [push_fact], [])
	count(fs) == 0
}

# The widest statement decides: a pinned statement beside an open one does
# not close it.
test_widest_statement_decides if {
	ts := [trust("pinned", ["repo:acme/app:ref:refs/heads/main"]), trust("organization", ["repo:acme/*:*"])]
	fs := oidc_open_trust.findings with input as input_with(ts, [push_fact], [])
	fx.summary(fs) == {[github, cap, "high", "conditional"]}
}

test_pinned_workflow_lowers_one_level if {
	t := object.union(trust("any", []), {"workflows": ["acme/pipelines/.github/workflows/publish.yml@refs/heads/main"]})
	fs := oidc_open_trust.findings with input as input_with([t], [push_fact], [])
	fx.summary(fs) == {[github, cap, "high", "conditional"]}
}

test_wildcard_workflow_does_not_lower if {
	t := object.union(trust("any", []), {"workflows": ["acme/*"]})
	fs := oidc_open_trust.findings with input as input_with([t], [push_fact], [])
	fx.summary(fs) == {[github, cap, "critical", "conditional"]}
}

test_conditional_access_lowers_one_level if {
	f := fx.fact(fx.pipeline, cap, [fx.narrow(fx.narrow_resource[cap], "conditional")])
	fs := oidc_open_trust.findings with input as input_with([trust("organization", ["repo:acme/*"])], [f], [])
	fx.summary(fs) == {[github, cap, "medium", "conditional"]}
}

test_role_that_cannot_write_is_not_reported if {
	f := fx.fact(fx.pipeline, "iam.escalate", [fx.wide(fx.wide_resource["iam.escalate"], "allowed")])
	fs := oidc_open_trust.findings with input as input_with([trust("any", [])], [f], [])
	count(fs) == 0
}

test_other_principals_facts_are_not_joined if {
	f := fx.fact(fx.alice, cap, [fx.narrow(fx.narrow_resource[cap], "allowed")])
	fs := oidc_open_trust.findings with input as input_with([trust("any", [])], [f], [])
	count(fs) == 0
}

test_through_a_chain if {
	step := {"from": fx.pipeline.id, "to": fx.bob.id, "cloud": "aws", "kind": "assume-role", "permissions": ["sts:AssumeRole"]}
	p := {"from": fx.pipeline.id, "through": fx.bob.id, "capability": cap, "steps": [step]}
	fs := oidc_open_trust.findings with input as input_with([trust("any", [])], [], [p])
	fx.summary(fs) == {[github, cap, "critical", "conditional"]}
	some f in fs
	count(f.path) == 2
	f.path[1] == step
	contains(f.message, "through 1 step(s)")
}

test_no_federation_no_findings if {
	fs := oidc_open_trust.findings with input as fx.input_of([push_fact])
	count(fs) == 0
}

# GCP: a workload identity provider's tokens become a service account
# (impersonate) or act as the pool's principal set itself.
gcp_provider := "federated:projects/123456/locations/global/workloadIdentityPools/ci/providers/github"

gcp_set := "principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/*"

gcp_sa := "serviceAccount:pusher@build.iam.gserviceaccount.com"

gcp_trust(principal, scope, subjects) := {
	"cloud": "gcp",
	"provider": gcp_provider,
	"issuer": "token.actions.githubusercontent.com",
	"platform": "github-actions",
	"principal": principal,
	"statement": gcp_set,
	"subjects": subjects,
	"scope": scope,
}

gcp_fact(principal) := {
	"principal": principal,
	"cloud": "gcp",
	"capability": cap,
	"access": "allowed",
	"actions": ["artifactregistry.repositories.uploadArtifacts"],
	"targets": [fx.narrow(fx.narrow_resource[cap], "allowed")],
}

test_gcp_service_account_step_is_impersonation if {
	fs := oidc_open_trust.findings with input as input_with([gcp_trust(gcp_sa, "organization", ["repo:acme/*:*"])], [gcp_fact(gcp_sa)], [])
	fx.summary(fs) == {[gcp_provider, cap, "high", "conditional"]}
	some f in fs
	f.path[0].kind == "impersonate"
	f.path[0].permissions == ["iam.serviceAccounts.getAccessToken"]
	f.path[0].cloud == "gcp"
	startswith(f.message, "repo:acme/*:* of token.actions.githubusercontent.com (github-actions) can become serviceAccount:pusher@")
}

test_gcp_principal_set_direct_access if {
	fs := oidc_open_trust.findings with input as input_with([gcp_trust(gcp_set, "any", null)], [gcp_fact(gcp_set)], [])
	fx.summary(fs) == {[gcp_provider, cap, "critical", "conditional"]}
	some f in fs
	f.path[0].kind == "federated-token"
}

# The pool member's chain through the account it impersonates is the
# account's finding (its own trust), not reported twice; other chains
# (act-as) are the member's.
test_gcp_impersonation_chain_reported_once if {
	imp := {"from": gcp_set, "to": gcp_sa, "cloud": "gcp", "kind": "impersonate", "permissions": ["iam.serviceAccounts.getAccessToken"]}
	act := {"from": gcp_set, "to": gcp_sa, "cloud": "gcp", "kind": "act-as", "permissions": ["iam.serviceAccounts.actAs"]}
	p1 := {"from": gcp_set, "through": gcp_sa, "capability": cap, "steps": [imp]}
	p2 := {"from": gcp_set, "through": gcp_sa, "capability": "image.create", "steps": [act]}
	ts := [gcp_trust(gcp_set, "any", null), gcp_trust(gcp_sa, "any", null)]
	fs := oidc_open_trust.findings with input as input_with(ts, [gcp_fact(gcp_sa)], [p1, p2])
	fx.summary(fs) == {[gcp_provider, cap, "critical", "conditional"], [gcp_provider, "image.create", "critical", "conditional"]}
	count(fs) == 2
}

test_aws_step_is_assume_role if {
	fs := oidc_open_trust.findings with input as input_with([trust("any", [])], [push_fact], [])
	some f in fs
	f.path[0].kind == "assume-role"
	f.path[0].permissions == ["sts:AssumeRoleWithWebIdentity"]
}
