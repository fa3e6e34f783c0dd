# METADATA
# title: Principal can push container images
# description: >-
#   The principal can upload layers and put image manifests, so a trusted tag can be made to point at a backdoored image.
# custom:
#   id: IW-003
#   severity: high
#   capability: image.push
#   remediation: >-
#     Limit push actions (ecr:PutImage, InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload) to the pipeline role and to the repositories it publishes; give people pull-only policies such as AmazonEC2ContainerRegistryReadOnly, and add a permissions boundary or SCP that denies push to everyone else.
package imagewarden.rules.container_image_push

import data.imagewarden.lib

findings := lib.internal_findings("image.push", "high", "medium", "can push container images to")
