# Tests of rule transitive_access: every path is a finding naming the
# starting principal and the capability at the end; certain paths are high,
# conditional or assumed ones medium; approved publishers are left out.
package imagewarden.rules.transitive_access_test

import data.imagewarden.rules.transitive_access

step(from, to, kind) := {"from": from, "to": to, "kind": kind, "permissions": ["sts:AssumeRole"]}

path(from, through, cap, cond, assumed) := {
	"from": from, "through": through, "capability": cap, "conditional": cond, "assumed": assumed,
	"steps": [step(from, "mid", "assume-role"), step("mid", through, "pass-role")],
}

test_certain_path_is_high if {
	fs := transitive_access.findings with input as {"paths": [path("dev", "pusher", "image.push", false, false)]}
	count(fs) == 1
	some f in fs
	f.principal == "dev"
	f.capability == "image.push"
	f.severity == "high"
	f.access == "allowed"
	count(f.path) == 2
	contains(f.message, "-(assume-role)-> mid -(pass-role)-> pusher")
}

test_conditional_path_is_medium if {
	fs := transitive_access.findings with input as {"paths": [path("dev", "pusher", "image.push", true, false)]}
	some f in fs
	f.severity == "medium"
	f.access == "conditional"
}

test_assumed_path_is_medium if {
	fs := transitive_access.findings with input as {"paths": [path("dev", "pusher", "image.push", false, true)]}
	some f in fs
	f.severity == "medium"
}

test_approved_publisher_path_is_left_out if {
	fs := transitive_access.findings with input as {"paths": [path("ci", "pusher", "image.push", false, false)]}
		with data.imagewarden.approved_publishers as [{"principal": "ci", "capabilities": ["image.push"]}]
	count(fs) == 0
}

test_approval_for_another_capability_does_not_count if {
	fs := transitive_access.findings with input as {"paths": [path("ci", "pusher", "image.push", false, false)]}
		with data.imagewarden.approved_publishers as [{"principal": "ci", "capabilities": ["image.create"]}]
	count(fs) == 1
}

test_no_paths_no_findings if {
	count(transitive_access.findings) == 0 with input as {"paths": []}
}
