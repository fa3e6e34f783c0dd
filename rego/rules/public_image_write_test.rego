# Tests of rule public_image_write: the anyone principal holding a write
# capability is critical, high when every target is conditional; approved
# publishers do not silence it, and access that only the anyone principal
# grants is reported here once and not again for each internal principal.
package imagewarden.rules.public_image_write_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.container_image_push
import data.imagewarden.rules.external_image_write
import data.imagewarden.rules.public_image_write

cap := "image.push"

wide_res := fx.wide_resource[cap]

narrow_res := fx.narrow_resource[cap]

other_res := fx.other_resource[cap]

# ------------------------------------------------------------ severities

test_public_only_allowed_target_is_critical if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "critical", "allowed"]}
	some f in fs
	f.message == sprintf("anyone can image.push on %s", [narrow_res])
	f.targets == [fx.public_only(narrow_res, "allowed")]
}

test_target_without_public_only_flag_is_critical if {
	# The analyzer need not flag the anyone principal's own targets.
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.narrow(narrow_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "critical", "allowed"]}
}

test_wide_allowed_grant_is_critical if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "critical", "allowed"]}
	some f in fs
	f.message == sprintf("anyone can image.push on every resource %s", [wide_res])
}

test_wide_conditional_grant_is_high if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.wide(wide_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "high", "conditional"]}
}

test_narrow_conditional_grant_is_high if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "high", "conditional"]}
}

test_one_allowed_target_among_conditional_ones_is_critical if {
	targets := [fx.public_only(narrow_res, "conditional"), fx.public_only(other_res, "allowed")]
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, targets)])
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "critical", "allowed"]}
	some f in fs
	fx.target_resources(f) == {narrow_res, other_res}
}

# ------------------------------------------------------------ capabilities

test_every_write_capability_is_reported if {
	facts := [fx.fact(fx.anyone, c, [fx.public_only(fx.narrow_resource[c], "allowed")]) | some c in fx.write_capabilities]
	fs := public_image_write.findings with input as fx.input_of(facts)
	count(fs) == 6
	fx.summary(fs) == {["*", c, "critical", "allowed"] | some c in fx.write_capabilities}
}

test_iam_escalate_is_not_reported if {
	facts := [fx.fact(fx.anyone, "iam.escalate", [fx.wide(fx.wide_resource["iam.escalate"], "allowed")])]
	fs := public_image_write.findings with input as fx.input_of(facts)
	count(fs) == 0
}

# ------------------------------------------------------------ who is reported

test_internal_public_only_access_is_reported_once_as_public if {
	facts := [
		fx.fact(fx.alice, cap, [fx.public_only(narrow_res, "allowed")]),
		fx.fact(fx.pipeline, cap, [fx.public_only(narrow_res, "allowed")]),
		fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "allowed")]),
	]
	public := public_image_write.findings with input as fx.input_of(facts)
	count(public) == 1
	fx.summary(public) == {["*", cap, "critical", "allowed"]}
	internal := container_image_push.findings with input as fx.input_of(facts)
	count(internal) == 0
	external := external_image_write.findings with input as fx.input_of(facts)
	count(external) == 0
}

test_internal_principals_are_not_reported if {
	facts := [
		fx.fact(fx.alice, cap, [fx.public_only(narrow_res, "allowed")]),
		fx.fact(fx.bob, cap, [fx.wide(wide_res, "allowed")]),
	]
	fs := public_image_write.findings with input as fx.input_of(facts)
	count(fs) == 0
}

test_external_principal_is_not_reported if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "allowed")])])
	count(fs) == 0
}

test_no_facts_no_findings if {
	fs := public_image_write.findings with input as fx.input_of([])
	count(fs) == 0
}

test_principal_without_facts_is_not_reported if {
	# The anyone principal is in the input but holds no fact.
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 0
}

test_approved_publishers_do_not_silence_public_access if {
	fs := public_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": "*"}]
	count(fs) == 1
	fx.summary(fs) == {["*", cap, "critical", "allowed"]}
}
