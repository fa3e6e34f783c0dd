# Tests of how the rules report access held only through eligible (PIM)
# role assignments (Azure, docs/inputs.md A11): the finding says
# "eligible (PIM): activation required"; when activation needs an
# approver the target is conditional and the finding one level lower and
# says "approval required"; a target also held through an active
# assignment is reported as plain access.
package imagewarden.rules.pim_eligible_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.container_image_push

cap := "image.push"

resource := fx.narrow_resource[cap]

eligible_grant(note, conditional) := {
	"policy_type": "role_eligibility",
	"policy": resource,
	"statement": "AcrPush (eligible)",
	"effect": "Allow",
	"conditional": conditional,
	"note": note,
}

active_grant := {
	"policy_type": "role_assignment",
	"policy": resource,
	"statement": "AcrPush",
	"effect": "Allow",
	"note": "assigned to bob",
}

target(access, via) := object.union(fx.narrow(resource, access), {"via": via})

findings_for(t) := fs if {
	fs := container_image_push.findings with input as fx.input_of([fx.fact(fx.bob, cap, [t])])
}

test_eligible_without_approval_is_reported_as_active_and_marked if {
	fs := findings_for(target("allowed", [eligible_grant("eligible (PIM): activation required, MFA; eligible: bob", false)]))
	fx.summary(fs) == {[fx.bob.id, cap, "medium", "allowed"]}
	some f in fs
	endswith(f.message, sprintf("%s (eligible (PIM): activation required)", [resource]))
}

test_eligible_with_approval_is_one_level_lower_and_says_so if {
	t := target("conditional", [eligible_grant("eligible (PIM): activation required, approval required; eligible: bob", true)])
	fs := findings_for(t)
	fx.summary(fs) == {[fx.bob.id, cap, "low", "conditional"]}
	some f in fs
	endswith(f.message, sprintf("%s (eligible (PIM): activation required, approval required)", [resource]))
}

test_active_beside_eligible_is_not_marked if {
	fs := findings_for(target("allowed", [eligible_grant("eligible (PIM): activation required; eligible: bob", false), active_grant]))
	fx.summary(fs) == {[fx.bob.id, cap, "medium", "allowed"]}
	some f in fs
	endswith(f.message, resource)
}

# The analyzer writes null for a target without grants.
test_target_without_grants_is_not_marked if {
	fs := findings_for(target("allowed", null))
	some f in fs
	endswith(f.message, resource)
}
