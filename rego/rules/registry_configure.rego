# METADATA
# title: Principal can reconfigure registries
# description: >-
#   The principal can change registry settings that guard images: tag immutability, scanning, replication, pull-through caches, registry policy, signing.
# custom:
#   id: IW-007
#   severity: medium
#   capability: registry.configure
#   remediation: >-
#     Keep registry configuration actions for the platform team's role; deny them elsewhere with a boundary or SCP.
package imagewarden.rules.registry_configure

import data.imagewarden.lib

findings := lib.internal_findings("registry.configure", "medium", "low", "can reconfigure registries in")
