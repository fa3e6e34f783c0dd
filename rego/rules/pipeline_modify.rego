# METADATA
# title: Principal can change what gets deployed
# description: >-
#   The principal can change image pipelines, recipes, components, the parameters and launch templates that name the image instances start from, so new instances run an image of its choice.
# custom:
#   id: IW-008
#   severity: high
#   capability: pipeline.modify
#   remediation: >-
#     Restrict Image Builder, launch template and AMI-parameter writes to the pipeline role; deny them to others with a boundary or SCP.
package imagewarden.rules.pipeline_modify

import data.imagewarden.lib

findings := lib.internal_findings("pipeline.modify", "high", "medium", "can change image pipelines or launch configuration in")
