# METADATA
# title: Principal can share images
# description: >-
#   The principal can change who may use or read images (launch permissions, repository policies), so it can publish a backdoored image to other accounts or open a repository to them.
# custom:
#   id: IW-006
#   severity: high
#   capability: image.share
#   remediation: >-
#     Deny ec2:ModifyImageAttribute, ModifySnapshotAttribute and ecr:SetRepositoryPolicy to all but the approved publishers, ideally in an SCP; enable block public access for AMIs and snapshots.
package imagewarden.rules.image_share

import data.imagewarden.lib

findings := lib.internal_findings("image.share", "high", "medium", "can share images in")
