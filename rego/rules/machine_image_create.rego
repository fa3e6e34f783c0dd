# METADATA
# title: Principal can create machine images
# description: >-
#   The principal can create, register, copy or import machine images, so it can bring a backdoored image into the account under a trusted name.
# custom:
#   id: IW-004
#   severity: high
#   capability: image.create
#   remediation: >-
#     Remove image-creating actions (ec2:CreateImage, RegisterImage, CopyImage, ImportImage, ...) from policies that are not the image pipeline's, for example with a Deny on those actions or a narrower Action list; add an SCP that denies them to all but the approved publishers (aws:PrincipalArn condition).
package imagewarden.rules.machine_image_create

import data.imagewarden.lib

findings := lib.internal_findings("image.create", "high", "medium", "can create machine images in")
