# METADATA
# title: Another account can write images
# description: >-
#   A resource policy lets an account whose identities are not in the
#   analysed inputs change images. Its administrators decide who there can
#   push, so the repository trusts a party outside this audit.
# custom:
#   id: IW-002
#   severity: high
#   remediation: >-
#     Grant write actions in the repository policy only to the publishing role
#     ARN of the other account, not to its root, or move publishing into an
#     account you control; keep cross-account access to pull actions.
package imagewarden.rules.external_image_write

import data.imagewarden.lib

write_capabilities := {"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}

findings contains lib.finding(f, targets, sev, msg) if {
	some f in input.facts
	p := lib.principals[f.principal]
	p.external
	not p.public
	f.capability in write_capabilities
	targets := [t | some t in lib.unapproved_targets(f); not t.public_only]
	count(targets) > 0
	sev := lib.severity_for(targets, "high", "high")
	msg := sprintf("outside %s %s can %s on %s", [p.kind, p.name, f.capability, lib.describe(targets)])
}
