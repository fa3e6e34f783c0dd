# Targets marked unusable (GCP images or snapshots of a project that no
# project may use, by organization policy) lower a finding one level and
# say why; one usable target keeps the severity.
package imagewarden.rules.unusable_images_test

import data.imagewarden.fixtures_test as fx
import data.imagewarden.rules.machine_image_create

cap := "image.create"

why := "no project of the inputs may boot instances from images of projects/nw-img"

unusable(t) := object.union(t, {"unusable": why})

findings_of(targets) := fs if {
	fs := machine_image_create.findings with input as fx.input_of([fx.fact(fx.alice, cap, targets)])
}

test_unusable_lowers_one_level if {
	some f in findings_of([unusable(fx.wide(fx.wide_resource[cap], "allowed"))])
	f.severity == "medium"
	contains(f.message, why)
}

test_unusable_and_conditional_lower_twice if {
	some f in findings_of([unusable(fx.narrow(fx.narrow_resource[cap], "conditional"))])
	f.severity == "info" # narrow (medium), conditional (low), unusable
}

test_one_usable_target_keeps_severity if {
	some f in findings_of([unusable(fx.wide(fx.wide_resource[cap], "allowed")), fx.narrow(fx.narrow_resource[cap], "allowed")])
	f.severity == "high"
	contains(f.message, why)
}

test_no_unusable_unchanged if {
	some f in findings_of([fx.wide(fx.wide_resource[cap], "allowed")])
	f.severity == "high"
	not contains(f.message, "lower:")
}
