# METADATA
# title: Principal can become someone who can implant an image
# description: >-
#   The principal does not hold the capability itself, but it can act as a
#   principal that does (assume its role, pass it to a service that runs
#   code as it, impersonate it, or grant itself anything through IAM): it can
#   implant an image tomorrow. The shortest chain is the evidence.
# custom:
#   id: IW-010
#   severity: high
#   remediation: >-
#     Break the first step of the chain: narrow the trust policy or the
#     sts:AssumeRole / iam:PassRole grant, remove the impersonation or
#     actAs permission, or take away the IAM write that lets the principal
#     change its own rights.
package imagewarden.rules.transitive_access

import data.imagewarden.lib

severity(p) := "high" if {
	not p.conditional
	not p.assumed
} else := "medium"

findings contains {
	"principal": p.from,
	"capability": p.capability,
	"severity": severity(p),
	"access": lib.path_access(p),
	"message": sprintf("%s can %s through %d step(s), ending at %s: %s", [p.from, p.capability, count(p.steps), p.through, lib.describe_path(p)]),
	"path": p.steps,
} if {
	some p in input.paths
	not lib.approved_path(p)
}
