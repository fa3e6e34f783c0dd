# METADATA
# title: Any repository of a CI/CD provider can become a principal that writes images
# description: >-
#   A trust policy (AWS), a workload identity pool binding (GCP) or a
#   federated identity credential of a managed identity (Azure) lets the
#   tokens of an OIDC identity provider (GitHub Actions, GitLab, Terraform
#   Cloud, a Kubernetes cluster) become a principal that can write images, or
#   act as one, directly or through a chain, without pinning the token's
#   subject: every repository, project or workspace on
#   the provider (or of one organization, group or namespace, or every
#   branch of one repository) can push. Critical when any subject at all
#   is let in, high for a whole organization, medium for every branch of
#   one repository; one level lower when the principal's own access is
#   conditional or a pinned job_workflow_ref limits the workflow.
# custom:
#   id: IW-011
#   severity: critical
#   remediation: >-
#     AWS: add a StringEquals condition on the provider's sub claim that names
#     the one repository and branch or environment (GitHub
#     repo:ORG/REPO:ref:refs/heads/main or repo:ORG/REPO:environment:prod),
#     project and ref (GitLab), workspace (Terraform Cloud) or service account
#     (Kubernetes) that publishes, keeping the aud check. GCP: give the
#     workload identity provider an attribute condition that names the one
#     repository and ref (assertion.repository == 'ORG/REPO' &&
#     assertion.ref == 'refs/heads/main'), or bind the service account to the
#     principalSet of that one repository instead of the whole pool. Azure:
#     give the managed identity's federated identity credential the exact
#     subject of the one repository and branch or environment
#     (repo:ORG/REPO:environment:prod) instead of a pull_request subject or a
#     claimsMatchingExpression with wildcards.
package imagewarden.rules.oidc_open_trust

import data.imagewarden.lib

write_capabilities := {"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}

scope_severity := {"any": "critical", "organization": "high", "repository": "medium"}

scope_words := {
	"any": "any subject",
	"organization": "a whole organization",
	"repository": "every branch of one repository",
}

# The trusts open wider than one repository and branch, by provider and
# principal: the widest scope among the trust's statements, and the subject
# patterns of the statements of that scope.
open_trusts[[t.provider, t.principal]] := {"scope": scope, "subjects": subjects, "trusts": ts} if {
	some t in input.federation
	t.scope in object.keys(scope_severity)
	ts := [u | some u in input.federation; u.provider == t.provider; u.principal == t.principal; u.scope in object.keys(scope_severity)]
	scope := widest({u.scope | some u in ts})
	subjects := sort({s | some u in ts; u.scope == scope; s := subject_text(u)})
}

widest(scopes) := "any" if "any" in scopes

else := "organization" if "organization" in scopes

else := "repository"

# Subjects are null (Go's nil) or empty when any subject is let in.
subject_text(u) := "any subject" if not any_subjects(u)

else := concat(" or ", u.subjects)

any_subjects(u) if {
	is_array(u.subjects)
	count(u.subjects) > 0
}

# A pinned job_workflow_ref (no wildcard) limits which workflow runs.
workflow_pinned(trusts) if {
	every u in trusts {
		count(object.get(u, "workflows", [])) > 0
		every w in u.workflows {
			not contains(w, "*")
			not contains(w, "?")
		}
	}
}

severity(o, conditional) := lib.lower(scope_severity[o.scope]) if {
	conditional_or_workflow(o, conditional)
} else := scope_severity[o.scope]

conditional_or_workflow(_, true)

conditional_or_workflow(o, _) if workflow_pinned(o.trusts)

federated_step(key, o) := {
	"from": key[0],
	"to": key[1],
	"cloud": o.trusts[0].cloud,
	"kind": step_kind(o.trusts[0].cloud, key[1]),
	"permissions": [step_permission(o.trusts[0].cloud, key[1])],
	"conditional": true,
	"note": sprintf("the trust lets in %s (%s)", [concat(", ", o.subjects), scope_words[o.scope]]),
}

# How the provider's tokens become the principal: on AWS by assuming the
# role with the web identity; on GCP by exchanging the token at the
# Security Token Service for the pool's principal set, then minting a
# service account's token (impersonate), or acting as the principal set
# itself.
step_kind("gcp", principal) := "impersonate" if startswith(principal, "serviceAccount:")

else := "federated-token" if true

step_kind("azure", _) := "federated-credential"

step_kind(cloud, _) := "assume-role" if not cloud in {"gcp", "azure"}

step_permission("gcp", principal) := "iam.serviceAccounts.getAccessToken" if startswith(principal, "serviceAccount:")

else := "sts.googleapis.com/token (token exchange)" if true

# On Azure, Microsoft Entra ID exchanges the token for the managed
# identity's when a federated identity credential of the identity matches.
step_permission("azure", _) := "token exchange (federated identity credential)"

step_permission(cloud, _) := "sts:AssumeRoleWithWebIdentity" if not cloud in {"gcp", "azure"}

# On GCP every service account a pool member may impersonate has a trust of
# its own (the analyzer lists one per account), so the member's chains that
# start by impersonating an account are that account's findings, not
# reported twice.
reported_through_account(o, p) if {
	o.trusts[0].cloud == "gcp"
	p.steps[0].kind == "impersonate"
}

message(key, o, how) := sprintf("%s of %s (%s) can become %s, which %s", [
	concat(", ", o.subjects), o.trusts[0].issuer, o.trusts[0].platform, key[1], how,
])

# Directly: the principal holds the capability.
findings contains {
	"principal": key[0],
	"capability": f.capability,
	"severity": severity(o, targets_conditional(f)),
	"access": "conditional",
	"message": message(key, o, sprintf("can %s on %s", [f.capability, lib.describe(f.targets)])),
	"targets": f.targets,
	"path": [federated_step(key, o)],
} if {
	some key, o in open_trusts
	some f in input.facts
	f.principal == key[1]
	f.capability in write_capabilities
	count(f.targets) > 0
}

targets_conditional(f) := false if lib.any_allowed(f.targets)

else := true

# Through a chain: the principal can act as one that holds it.
findings contains {
	"principal": key[0],
	"capability": p.capability,
	"severity": severity(o, object.get(p, "conditional", false)),
	"access": "conditional",
	"message": message(key, o, sprintf("can %s through %d step(s): %s", [p.capability, count(p.steps), lib.describe_path(p)])),
	"path": array.concat([federated_step(key, o)], p.steps),
} if {
	some key, o in open_trusts
	some p in input.paths
	p.from == key[1]
	p.capability in write_capabilities
	not reported_through_account(o, p)
}
