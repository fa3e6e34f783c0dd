# METADATA
# title: Principal can grant itself image access
# description: >-
#   The principal can change IAM (policy versions, attachments, inline policies, role trust, pass role, credentials of others), so it can give itself any image capability tomorrow.
# custom:
#   id: IW-009
#   severity: critical
#   capability: iam.escalate
#   remediation: >-
#     Remove IAM write actions from the principal, or scope them with a permissions boundary condition (iam:PermissionsBoundary) so what it grants cannot exceed its own rights.
package imagewarden.rules.iam_escalate

import data.imagewarden.lib

findings := lib.internal_findings("iam.escalate", "critical", "high", "can escalate privileges through IAM on")
