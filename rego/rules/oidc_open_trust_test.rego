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
