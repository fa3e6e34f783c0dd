# Tests of rule external_image_write: an outside account (external, not
# public) that holds a write capability is high, medium when every target is
# conditional; internal principals, the anyone principal, iam.escalate and
# approved publishers are left out.
package imagewarden.rules.external_image_write_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.external_image_write

cap := "image.push"

wide_res := fx.wide_resource[cap]

narrow_res := fx.narrow_resource[cap]

other_res := fx.other_resource[cap]

# ------------------------------------------------------------ severities

test_wide_allowed_grant_is_high if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
	some f in fs
	f.message == sprintf("outside account arn:aws:iam::444455556666:root can image.push on every resource %s", [wide_res])
	f.targets == [fx.wide(wide_res, "allowed")]
}

test_narrow_allowed_grant_is_high if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
	some f in fs
	f.message == sprintf("outside account arn:aws:iam::444455556666:root can image.push on %s", [narrow_res])
}

test_wide_conditional_grant_is_medium if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.wide(wide_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "medium", "conditional"]}
}

test_narrow_conditional_grant_is_medium if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "medium", "conditional"]}
}

test_one_allowed_target_among_conditional_ones_is_high if {
	targets := [fx.narrow(narrow_res, "conditional"), fx.narrow(other_res, "allowed")]
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, targets)])
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
}

# ------------------------------------------------------------ capabilities

test_every_write_capability_is_reported if {
	facts := [fx.fact(fx.outsider, c, [fx.narrow(fx.narrow_resource[c], "allowed")]) | some c in fx.write_capabilities]
	fs := external_image_write.findings with input as fx.input_of(facts)
	count(fs) == 6
	fx.summary(fs) == {[fx.outsider.id, c, "high", "allowed"] | some c in fx.write_capabilities}
}

test_iam_escalate_is_not_reported if {
	facts := [fx.fact(fx.outsider, "iam.escalate", [fx.wide(fx.wide_resource["iam.escalate"], "allowed")])]
	fs := external_image_write.findings with input as fx.input_of(facts)
	count(fs) == 0
}

test_unknown_capability_is_not_reported if {
	facts := [fx.fact(fx.outsider, "image.pull", [fx.wide(wide_res, "allowed")])]
	fs := external_image_write.findings with input as fx.input_of(facts)
	count(fs) == 0
}

# ------------------------------------------------------------ who is reported

test_internal_principals_are_not_reported if {
	facts := [
		fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.bob, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed")]),
	]
	fs := external_image_write.findings with input as fx.input_of(facts)
	count(fs) == 0
}

test_public_principal_is_not_reported if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "allowed")])])
	count(fs) == 0
}

test_no_facts_no_findings if {
	fs := external_image_write.findings with input as fx.input_of([])
	count(fs) == 0
}

test_principal_without_facts_is_not_reported if {
	other := object.union(fx.outsider, {"id": "arn:aws:iam::777788889999:root", "name": "arn:aws:iam::777788889999:root", "account": "777788889999"})
	doc := {
		"principals": array.concat(fx.principals, [other]),
		"resources": fx.resources,
		"facts": [fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "allowed")])],
	}
	fs := external_image_write.findings with input as doc
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
}

# ------------------------------------------------------------ approved publishers

test_approved_publisher_glob_principal if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::444455556666:*"}]
	count(fs) == 0
}

test_approved_publisher_glob_not_matching if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::111122223333:*"}]
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
}

test_approved_publisher_for_another_capability_only if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": fx.outsider.id, "capabilities": ["image.share"]}]
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "high", "allowed"]}
}

test_approved_publisher_resources_cover_the_target if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.narrow(narrow_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{
			"principal": fx.outsider.id,
			"capabilities": [cap],
			"resources": [fx.narrow_glob[cap]],
		}]
	count(fs) == 0
}

test_approved_publisher_resources_miss_one_target if {
	# Only the target outside the approved resources is reported, with the
	# access of what is left.
	targets := [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "conditional")]
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, targets)])
		with data.imagewarden.approved_publishers as [{"principal": fx.outsider.id, "resources": [fx.narrow_glob[cap]]}]
	count(fs) == 1
	fx.summary(fs) == {[fx.outsider.id, cap, "medium", "conditional"]}
	some f in fs
	f.targets == [fx.narrow(other_res, "conditional")]
	f.message == sprintf("outside account arn:aws:iam::444455556666:root can image.push on %s", [other_res])
}

test_approved_publisher_entries_cover_targets_together if {
	targets := [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "allowed")]
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, targets)])
		with data.imagewarden.approved_publishers as [
			{"principal": fx.outsider.id, "capabilities": [cap], "resources": [fx.narrow_glob[cap]]},
			{"principal": "arn:aws:iam::444455556666:*", "resources": [other_res]},
		]
	count(fs) == 0
}

# ------------------------------------------------------------ public-only access

# Access an outside account has only through a policy open to everyone is
# IW-001's finding, not this rule's.
test_public_only_target_is_left_to_the_public_rule if {
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.public_only(narrow_res, "allowed")])])
	count(fs) == 0
}

test_public_only_target_is_dropped_from_a_mixed_finding if {
	targets := [fx.public_only(other_res, "allowed"), fx.narrow(narrow_res, "allowed")]
	fs := external_image_write.findings with input as fx.input_of([fx.fact(fx.outsider, cap, targets)])
	count(fs) == 1
	some f in fs
	f.targets == [fx.narrow(narrow_res, "allowed")]
}
