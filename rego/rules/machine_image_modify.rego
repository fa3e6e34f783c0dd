# METADATA
# title: Principal can modify or delete images
# description: >-
#   The principal can change, deregister or delete images or the snapshots behind them, so it can swap a golden image's content or remove the trusted one.
# custom:
#   id: IW-005
#   severity: high
#   capability: image.modify
#   remediation: >-
#     Remove image-modifying actions from the granting statement (split the wildcard so these actions leave and the rest stays), or add a Deny for them scoped to the golden images.
package imagewarden.rules.machine_image_modify

import data.imagewarden.lib

findings := lib.internal_findings("image.modify", "high", "medium", "can modify or delete images in")
