# METADATA
# title: Anyone can write images
# description: >-
#   A resource policy lets every AWS principal (Principal "*") change images in
#   a registry or repository: anyone in any account can implant an image
#   (T1525).
# custom:
#   id: IW-001
#   severity: critical
#   remediation: >-
#     Remove the statement that allows "*" to write, or name the accounts and
#     roles that publish images; keep a Condition such as aws:PrincipalOrgID on
#     any statement that must stay broad, and only for pull actions.
package imagewarden.rules.public_image_write

import data.imagewarden.lib

write_capabilities := {"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}

findings contains lib.finding(f, f.targets, sev, msg) if {
	some f in input.facts
	p := lib.principals[f.principal]
	p.public
	f.capability in write_capabilities
	sev := lib.severity_for(f.targets, "critical", "critical")
	msg := sprintf("anyone can %s on %s", [f.capability, lib.describe(f.targets)])
}
