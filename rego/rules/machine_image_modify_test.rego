# Tests of rule machine_image_modify (image.modify): high for every resource of a type, medium
# for single resources, one level lower when every target is conditional;
# approved publishers, external and public principals and access that only
# the anyone principal grants are left out.
package imagewarden.rules.machine_image_modify_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.machine_image_modify

cap := "image.modify"

other_cap := "iam.escalate"

wide_res := fx.wide_resource[cap]

narrow_res := fx.narrow_resource[cap]

other_res := fx.other_resource[cap]

# ------------------------------------------------------------ severities

test_wide_allowed_grant_is_high if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "high", "allowed"]}
}

test_wide_allowed_grant_message_and_targets if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 1
	some f in fs
	f.message == sprintf("user alice (account 111122223333) can modify or delete images in every resource %s", [wide_res])
	f.targets == [fx.wide(wide_res, "allowed")]
}

test_narrow_allowed_grant_is_medium if {
	# bob is serialised without "external" and "public", as Go does.
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.bob, cap, [fx.narrow(narrow_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.bob.id, cap, "medium", "allowed"]}
	some f in fs
	f.message == sprintf("user bob (account 111122223333) can modify or delete images in %s", [narrow_res])
}

test_wide_conditional_grant_is_medium if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.wide(wide_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "medium", "conditional"]}
}

test_narrow_conditional_grant_is_low if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.narrow(narrow_res, "conditional")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "low", "conditional"]}
}

test_one_allowed_target_among_conditional_ones_is_medium if {
	targets := [fx.narrow(narrow_res, "conditional"), fx.narrow(other_res, "allowed")]
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, targets)])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "medium", "allowed"]}
}

test_one_finding_per_principal if {
	facts := [
		fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "conditional")]),
	]
	fs := machine_image_modify.findings with input as fx.input_of(facts)
	count(fs) == 2
	fx.summary(fs) == {
		[fx.alice.id, cap, "high", "allowed"],
		[fx.pipeline.id, cap, "low", "conditional"],
	}
}

test_other_capabilities_are_not_reported if {
	facts := [fx.fact(fx.alice, c, [fx.wide(fx.wide_resource[c], "allowed")]) | some c in ["image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify", "iam.escalate"]; c != cap]
	count(facts) == 6
	fs := machine_image_modify.findings with input as fx.input_of(facts)
	count(fs) == 0
}

# ------------------------------------------------------------ no facts

test_no_facts_no_findings if {
	fs := machine_image_modify.findings with input as fx.input_of([])
	count(fs) == 0
}

test_principal_without_facts_is_not_reported if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.narrow(narrow_res, "allowed")])])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "medium", "allowed"]}
	every f in fs {
		f.principal != fx.idle.id
	}
}

# ------------------------------------------------------------ approved publishers

test_approved_publisher_exact_principal if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id}]
	count(fs) == 0
}

test_approved_publisher_glob_principal if {
	facts := [
		fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")]),
	]
	fs := machine_image_modify.findings with input as fx.input_of(facts)
		with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::111122223333:role/pipeline-*"}]
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "high", "allowed"]}
}

test_approved_publisher_glob_not_matching if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::111122223333:role/build-*"}]
	count(fs) == 1
	fx.summary(fs) == {[fx.pipeline.id, cap, "high", "allowed"]}
}

test_approved_publisher_listing_the_capability if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": [other_cap, cap]}]
	count(fs) == 0
}

test_approved_publisher_for_another_capability_only if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": [other_cap]}]
	count(fs) == 1
	fx.summary(fs) == {[fx.pipeline.id, cap, "high", "allowed"]}
}

test_approved_publisher_resources_cover_the_target if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{
			"principal": "arn:aws:iam::111122223333:role/pipeline-*",
			"capabilities": [cap],
			"resources": [fx.narrow_glob[cap]],
		}]
	count(fs) == 0
}

test_approved_publisher_resources_miss_one_target if {
	# Only the target outside the approved resources is reported, and the
	# severity is that of what is left: conditional and narrow.
	targets := [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "conditional")]
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, targets)])
		with data.imagewarden.approved_publishers as [{
			"principal": fx.pipeline.id,
			"capabilities": [cap],
			"resources": [fx.narrow_glob[cap]],
		}]
	count(fs) == 1
	fx.summary(fs) == {[fx.pipeline.id, cap, "low", "conditional"]}
	some f in fs
	f.targets == [fx.narrow(other_res, "conditional")]
	f.message == sprintf("role pipeline-images (account 111122223333) can modify or delete images in %s", [other_res])
}

test_approved_publisher_entries_cover_targets_together if {
	targets := [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "allowed")]
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, targets)])
		with data.imagewarden.approved_publishers as [
			{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]},
			{"principal": fx.pipeline.id, "resources": [other_res]},
		]
	count(fs) == 0
}

test_approved_wide_grant_leaves_the_narrow_one if {
	# The glob names the wide pattern itself (its wildcards escaped), so it
	# does not cover the other resource.
	targets := [fx.wide(wide_res, "allowed"), fx.narrow(other_res, "allowed")]
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, targets)])
		with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.literal_glob(wide_res)]}]
	count(fs) == 1
	fx.summary(fs) == {[fx.pipeline.id, cap, "medium", "allowed"]}
	some f in fs
	f.targets == [fx.narrow(other_res, "allowed")]
}

test_approved_publisher_resources_do_not_cover_a_wide_grant if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])])
		with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]}]
	count(fs) == 1
	fx.summary(fs) == {[fx.pipeline.id, cap, "high", "allowed"]}
}

# ------------------------------------------------------------ public and external

test_public_only_targets_are_not_reported if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, [fx.public_only(narrow_res, "allowed")])])
	count(fs) == 0
}

test_public_only_targets_are_left_out_of_a_finding if {
	targets := [fx.narrow(narrow_res, "conditional"), fx.public_only(other_res, "allowed")]
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.alice, cap, targets)])
	count(fs) == 1
	fx.summary(fs) == {[fx.alice.id, cap, "low", "conditional"]}
	some f in fs
	f.targets == [fx.narrow(narrow_res, "conditional")]
}

test_external_principal_is_not_reported if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.outsider, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 0
}

test_public_principal_is_not_reported if {
	fs := machine_image_modify.findings with input as fx.input_of([fx.fact(fx.anyone, cap, [fx.wide(wide_res, "allowed")])])
	count(fs) == 0
}
