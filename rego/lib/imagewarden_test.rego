# Tests of the rules' library: principal lookup, approved publishers,
# severity arithmetic, descriptions and the shape of a finding.
package imagewarden.lib_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.lib

cap := "image.push"

wide_res := fx.wide_resource[cap]

narrow_res := fx.narrow_resource[cap]

other_res := fx.other_resource[cap]

# ------------------------------------------------------------ data

test_default_data_has_no_approved_publishers if {
	data.imagewarden.approved_publishers == []
}

# ------------------------------------------------------------ principals

test_principals_by_id if {
	ps := lib.principals with input as fx.input_of([])
	count(ps) == 6
	ps[fx.alice.id] == fx.alice
	ps["*"] == fx.anyone
	ps[fx.outsider.id].external == true
}

test_principals_empty_without_input if {
	ps := lib.principals with input as {"principals": [], "resources": [], "facts": []}
	ps == {}
}

# ------------------------------------------------------------ severities

test_severity_rank_orders_every_severity if {
	[lib.severity_rank[s] | some s in lib.severities] == [0, 1, 2, 3, 4]
}

test_lower_is_one_level_down if {
	lib.lower("critical") == "high"
	lib.lower("high") == "medium"
	lib.lower("medium") == "low"
	lib.lower("low") == "info"
}

test_lower_stops_at_info if {
	lib.lower("info") == "info"
}

test_severity_for_wide_allowed if {
	lib.severity_for([fx.wide(wide_res, "allowed")], "high", "medium") == "high"
}

test_severity_for_wide_conditional if {
	lib.severity_for([fx.wide(wide_res, "conditional")], "high", "medium") == "medium"
	lib.severity_for([fx.wide(wide_res, "conditional")], "critical", "low") == "high"
}

test_severity_for_narrow_allowed if {
	lib.severity_for([fx.narrow(narrow_res, "allowed")], "high", "medium") == "medium"
}

test_severity_for_narrow_conditional if {
	lib.severity_for([fx.narrow(narrow_res, "conditional")], "high", "medium") == "low"
	lib.severity_for([fx.narrow(narrow_res, "conditional")], "medium", "low") == "info"
}

test_severity_for_several_narrow_targets_one_allowed if {
	targets := [fx.narrow(narrow_res, "conditional"), fx.narrow(other_res, "allowed")]
	lib.severity_for(targets, "critical", "medium") == "medium"
}

test_severity_for_wide_allowed_among_narrow_targets if {
	targets := [fx.narrow(narrow_res, "conditional"), fx.wide(wide_res, "allowed")]
	lib.severity_for(targets, "critical", "low") == "critical"
}

# As documented: wide when some target is every resource, lower only when
# every target is conditional; a conditional wide target next to an allowed
# narrow one keeps the wide severity.
test_severity_for_wide_conditional_with_narrow_allowed if {
	targets := [fx.wide(wide_res, "conditional"), fx.narrow(narrow_res, "allowed")]
	lib.severity_for(targets, "critical", "low") == "critical"
}

# ------------------------------------------------------------ access

test_access_of_allowed_when_one_target_is if {
	lib.access_of([fx.narrow(narrow_res, "conditional"), fx.narrow(other_res, "allowed")]) == "allowed"
}

test_access_of_conditional_when_every_target_is if {
	lib.access_of([fx.narrow(narrow_res, "conditional"), fx.wide(wide_res, "conditional")]) == "conditional"
}

# ------------------------------------------------------------ own targets

test_own_targets_drop_public_only if {
	targets := [fx.narrow(narrow_res, "allowed"), fx.public_only(other_res, "allowed"), fx.wide(wide_res, "conditional")]
	lib.own_targets(fx.fact(fx.alice, cap, targets)) == [fx.narrow(narrow_res, "allowed"), fx.wide(wide_res, "conditional")]
}

test_own_targets_keep_explicit_public_only_false if {
	t := object.union(fx.narrow(narrow_res, "allowed"), {"public_only": false})
	lib.own_targets(fx.fact(fx.alice, cap, [t])) == [t]
}

test_own_targets_empty_when_all_public_only if {
	lib.own_targets(fx.fact(fx.alice, cap, [fx.public_only(narrow_res, "allowed")])) == []
}

# ------------------------------------------------------------ approved publishers

push_fact := fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed")])

test_not_approved_without_publishers if {
	not lib.approved(push_fact) with data.imagewarden.approved_publishers as []
}

test_approved_by_exact_principal if {
	lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id}]
}

test_approved_by_principal_glob if {
	lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::111122223333:role/pipeline-*"}]
}

test_principal_glob_star_crosses_path_and_colons if {
	lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::*"}]
}

test_not_approved_by_other_principal if {
	not lib.approved(push_fact) with data.imagewarden.approved_publishers as [
		{"principal": fx.alice.id},
		{"principal": "arn:aws:iam::111122223333:role/build-*"},
		{"principal": "arn:aws:iam::444455556666:*"},
	]
}

test_approved_for_listed_capability if {
	lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": ["image.create", cap]}]
}

test_not_approved_for_unlisted_capability if {
	not lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": ["image.create", "image.share"]}]
}

test_not_approved_with_empty_capability_list if {
	not lib.approved(push_fact) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": []}]
}

test_approved_when_resources_cover_every_target if {
	f := fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "conditional")])
	lib.approved(f) with data.imagewarden.approved_publishers as [{
		"principal": fx.pipeline.id,
		"resources": [fx.narrow_glob[cap], "arn:aws:ecr:*:111122223333:repository/apps/*"],
	}]
}

test_not_approved_when_a_target_is_not_covered if {
	f := fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "conditional")])
	not lib.approved(f) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]}]
}

test_approved_when_entries_cover_targets_together if {
	f := fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed"), fx.narrow(other_res, "conditional")])
	lib.approved(f) with data.imagewarden.approved_publishers as [
		{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]},
		{"principal": fx.pipeline.id, "resources": ["arn:aws:ecr:*:111122223333:repository/apps/*"]},
	]
}

test_entry_must_cover_principal_capability_and_resource_of_a_target if {
	# Each entry misses one of the three for the target.
	t := fx.narrow(narrow_res, "allowed")
	f := fx.fact(fx.pipeline, cap, [t])
	not lib.approved_target(f, t) with data.imagewarden.approved_publishers as [
		{"principal": fx.alice.id, "capabilities": [cap], "resources": [fx.narrow_glob[cap]]},
		{"principal": fx.pipeline.id, "capabilities": ["image.share"], "resources": [fx.narrow_glob[cap]]},
		{"principal": fx.pipeline.id, "capabilities": [cap], "resources": [other_res]},
	]
}

test_approved_target if {
	t := fx.narrow(narrow_res, "allowed")
	f := fx.fact(fx.pipeline, cap, [t])
	lib.approved_target(f, t) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "capabilities": [cap], "resources": [fx.narrow_glob[cap]]}]
}

test_unapproved_targets_keep_order_and_drop_approved if {
	targets := [fx.narrow(other_res, "allowed"), fx.narrow(narrow_res, "allowed"), fx.wide(wide_res, "conditional"), fx.public_only(other_res, "allowed")]
	f := fx.fact(fx.pipeline, cap, targets)
	left := lib.unapproved_targets(f) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]}]
	left == [fx.narrow(other_res, "allowed"), fx.wide(wide_res, "conditional"), fx.public_only(other_res, "allowed")]
}

test_unapproved_targets_all_without_publishers if {
	targets := [fx.narrow(other_res, "allowed"), fx.wide(wide_res, "conditional")]
	lib.unapproved_targets(fx.fact(fx.pipeline, cap, targets)) == targets
}

test_unapproved_targets_none_for_an_approved_principal if {
	targets := [fx.narrow(other_res, "allowed"), fx.wide(wide_res, "conditional")]
	left := lib.unapproved_targets(fx.fact(fx.pipeline, cap, targets)) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id}]
	left == []
}

test_own_targets_drop_approved_and_public_only if {
	targets := [fx.narrow(narrow_res, "allowed"), fx.public_only(other_res, "allowed"), fx.wide(wide_res, "conditional")]
	own := lib.own_targets(fx.fact(fx.pipeline, cap, targets)) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]}]
	own == [fx.wide(wide_res, "conditional")]
}

test_literal_glob_covers_only_the_wide_pattern_itself if {
	f := fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed"), fx.narrow(other_res, "allowed")])
	left := lib.unapproved_targets(f) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.literal_glob(wide_res)]}]
	left == [fx.narrow(other_res, "allowed")]
}

test_narrow_resource_glob_does_not_cover_a_wide_target if {
	f := fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])
	not lib.approved(f) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": [fx.narrow_glob[cap]]}]
}

test_wide_resource_glob_covers_a_wide_target if {
	f := fx.fact(fx.pipeline, cap, [fx.wide(wide_res, "allowed")])
	lib.approved(f) with data.imagewarden.approved_publishers as [{"principal": fx.pipeline.id, "resources": ["arn:aws:ecr:*:111122223333:repository/*"]}]
}

test_approved_needs_principal_capability_and_resources_in_one_entry if {
	lib.approved(push_fact) with data.imagewarden.approved_publishers as [{
		"principal": "arn:aws:iam::111122223333:role/pipeline-*",
		"capabilities": [cap],
		"resources": [fx.narrow_glob[cap]],
	}]
	not lib.approved(push_fact) with data.imagewarden.approved_publishers as [
		{"principal": "arn:aws:iam::111122223333:role/pipeline-*", "capabilities": ["image.share"]},
		{"principal": fx.alice.id, "capabilities": [cap]},
	]
}

# ------------------------------------------------------------ descriptions

test_describe_target_wide if {
	lib.describe_target(fx.wide(wide_res, "allowed")) == sprintf("every resource %s", [wide_res])
}

test_describe_target_narrow if {
	lib.describe_target(fx.narrow(narrow_res, "allowed")) == narrow_res
	lib.describe_target(object.union(fx.narrow(narrow_res, "allowed"), {"all": false})) == narrow_res
}

test_describe_joins_targets_in_order if {
	lib.describe([fx.narrow(narrow_res, "allowed"), fx.wide(wide_res, "allowed")]) == sprintf("%s, every resource %s", [narrow_res, wide_res])
}

test_label_with_account if {
	lib.label(fx.alice) == "user alice (account 111122223333)"
}

test_label_without_account if {
	lib.label(fx.anyone) == "public any AWS principal"
	lib.label(object.union(fx.alice, {"account": ""})) == "user alice"
}

# ------------------------------------------------------------ findings

test_finding_shape if {
	f := fx.fact(fx.alice, cap, [fx.narrow(narrow_res, "conditional")])
	lib.finding(f, f.targets, "low", "m") == {
		"principal": fx.alice.id,
		"capability": cap,
		"severity": "low",
		"access": "conditional",
		"message": "m",
		"targets": f.targets,
	}
}

test_internal_findings_exact if {
	facts := [
		fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.bob, cap, [fx.narrow(narrow_res, "conditional")]),
		fx.fact(fx.pipeline, cap, [fx.narrow(narrow_res, "allowed")]),
		fx.fact(fx.alice, "image.share", [fx.wide(fx.wide_resource["image.share"], "allowed")]),
		fx.fact(fx.outsider, cap, [fx.wide(wide_res, "allowed")]),
		fx.fact(fx.anyone, cap, [fx.public_only(narrow_res, "allowed")]),
	]
	fs := lib.internal_findings(cap, "critical", "medium", "verbs") with input as fx.input_of(facts)
		with data.imagewarden.approved_publishers as [{"principal": "arn:aws:iam::111122223333:role/pipeline-*"}]
	fs == {
		{
			"principal": fx.alice.id,
			"capability": cap,
			"severity": "critical",
			"access": "allowed",
			"message": sprintf("user alice (account 111122223333) verbs every resource %s", [wide_res]),
			"targets": [fx.wide(wide_res, "allowed")],
		},
		{
			"principal": fx.bob.id,
			"capability": cap,
			"severity": "low",
			"access": "conditional",
			"message": sprintf("user bob (account 111122223333) verbs %s", [narrow_res]),
			"targets": [fx.narrow(narrow_res, "conditional")],
		},
	}
}

test_internal_findings_ignore_facts_of_unknown_principals if {
	f := object.union(fx.fact(fx.alice, cap, [fx.wide(wide_res, "allowed")]), {"principal": "arn:aws:iam::111122223333:user/ghost"})
	fs := lib.internal_findings(cap, "high", "medium", "verbs") with input as fx.input_of([f])
	fs == set()
}
