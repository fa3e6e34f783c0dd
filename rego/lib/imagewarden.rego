# Helpers shared by the rules: principal lookup, approved publishers,
# severity arithmetic and the shape of a finding.
package imagewarden.lib

# Principals by id.
principals := {p.id: p | some p in input.principals}

severity_rank := {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

severities := ["info", "low", "medium", "high", "critical"]

# One level less severe, for access that holds only under conditions.
lower(sev) := severities[max([severity_rank[sev] - 1, 0])]

# An approved publisher entry: {"principal": glob, "capabilities": [...]
# (optional, all when absent), "resources": [globs] (optional, all when
# absent)}. A target is approved when one entry covers the principal, the
# capability and the target's resource; a fact is approved when all its
# targets are.
approved_target(f, t) if {
	some a in data.imagewarden.approved_publishers
	glob.match(a.principal, null, f.principal)
	capability_ok(a, f.capability)
	resource_ok(a, t.resource)
}

approved(f) if {
	every t in f.targets {
		approved_target(f, t)
	}
}

# Targets left to report: not approved.
unapproved_targets(f) := [t | some t in f.targets; not approved_target(f, t)]

capability_ok(a, _) if not a.capabilities

capability_ok(a, c) if c in a.capabilities

resource_ok(a, _) if not a.resources

resource_ok(a, r) if {
	some g in a.resources
	glob.match(g, null, r)
}

# Targets that are this principal's own and not approved: access that
# comes only from a resource policy open to everyone is reported once, as
# public access.
own_targets(f) := [t | some t in unapproved_targets(f); not t.public_only]

any_allowed(targets) if {
	some t in targets
	t.access == "allowed"
}

access_of(targets) := "allowed" if any_allowed(targets)

else := "conditional"

any_all(targets) if {
	some t in targets
	t.all
}

# Severity: wide when some target is every resource of its type, narrow
# otherwise; one level lower when every target is conditional; one more
# level lower when every target is unusable (GCP: images or snapshots of a
# project that no project may use, by organization policy).
severity_for(targets, wide, narrow) := lower(access_severity(targets, wide, narrow)) if {
	all_unusable(targets)
}

else := access_severity(targets, wide, narrow)

all_unusable(targets) if {
	count(targets) > 0
	every t in targets {
		t.unusable != ""
	}
}

access_severity(targets, wide, narrow) := wide if {
	any_all(targets)
	any_allowed(targets)
}

else := lower(wide) if any_all(targets)

else := narrow if any_allowed(targets)

else := lower(narrow)

describe_target(t) := sprintf("every resource %s%s%s", [t.resource, eligible_note(t), unusable_note(t)]) if t.all

else := sprintf("%s%s%s", [t.resource, eligible_note(t), unusable_note(t)])

unusable_note(t) := sprintf(" (lower: %s)", [t.unusable]) if t.unusable

else := ""

# A target held only through eligible (PIM) role assignments (Azure): the
# principal must activate the role first, and, when the role's policy says
# so, an approver must agree (the target is then conditional, one level
# lower like any conditional access).
eligible_note(t) := " (eligible (PIM): activation required, approval required)" if {
	only_eligible(t)
	every g in t.via {
		contains(g.note, "approval required")
	}
} else := " (eligible (PIM): activation required)" if {
	only_eligible(t)
} else := ""

only_eligible(t) if {
	is_array(t.via)
	count(t.via) > 0
	every g in t.via {
		g.policy_type == "role_eligibility"
	}
}

describe(targets) := concat(", ", [describe_target(t) | some t in targets])

label(p) := sprintf("%s %s (account %s)", [p.kind, p.name, p.account]) if p.account != ""

else := sprintf("%s %s", [p.kind, p.name])

finding(f, targets, sev, msg) := {
	"principal": f.principal,
	"capability": f.capability,
	"severity": sev,
	"access": access_of(targets),
	"message": msg,
	"targets": targets,
}

# The findings for principals inside the analysed accounts that hold a
# capability, outside the approved publishers.
internal_findings(capability, wide, narrow, verb) := {finding(f, targets, sev, msg) |
	some f in input.facts
	f.capability == capability
	p := principals[f.principal]
	not p.external
	targets := own_targets(f)
	count(targets) > 0
	sev := severity_for(targets, wide, narrow)
	msg := sprintf("%s %s %s", [label(p), verb, describe(targets)])
}

# A chain of "can act as" edges, as text: "a -(assume-role)-> b -> ...".
describe_path(p) := concat(" ", [sprintf("-(%s)-> %s", [s.kind, s.to]) | some s in p.steps])

path_access(p) := "conditional" if p.conditional

else := "allowed"

# A path is approved when its starting principal is an approved publisher
# for the capability at its end.
approved_path(p) if {
	some a in data.imagewarden.approved_publishers
	glob.match(a.principal, null, p.from)
	capability_ok(a, p.capability)
}
