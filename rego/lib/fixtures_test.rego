# Shared fixtures for the Rego tests of the library and the rules: a small
# organisation (account 111122223333), an outside account, the anyone
# principal, and helpers that build facts and targets in the shape the Go
# analyzer passes as input. Test-only: it lives in a *_test.rego file, so the
# engine never loads it.
package imagewarden.fixtures_test

account := "111122223333"

outside_account := "444455556666"

# Principals. bob and carol are written the way Go serialises them: false
# booleans and an empty account are omitted.
alice := {
	"id": "arn:aws:iam::111122223333:user/alice",
	"cloud": "aws",
	"kind": "user",
	"name": "alice",
	"account": account,
	"external": false,
	"public": false,
}

bob := {
	"id": "arn:aws:iam::111122223333:user/bob",
	"cloud": "aws",
	"kind": "user",
	"name": "bob",
	"account": account,
}

pipeline := {
	"id": "arn:aws:iam::111122223333:role/pipeline-images",
	"cloud": "aws",
	"kind": "role",
	"name": "pipeline-images",
	"account": account,
	"external": false,
	"public": false,
}

# A principal that holds no fact in any test.
idle := {
	"id": "arn:aws:iam::111122223333:role/idle",
	"cloud": "aws",
	"kind": "role",
	"name": "idle",
	"account": account,
}

outsider := {
	"id": "arn:aws:iam::444455556666:root",
	"cloud": "aws",
	"kind": "account",
	"name": "arn:aws:iam::444455556666:root",
	"account": outside_account,
	"external": true,
	"public": false,
}

anyone := {
	"id": "*",
	"cloud": "aws",
	"kind": "public",
	"name": "any AWS principal",
	"external": true,
	"public": true,
}

principals := [alice, bob, pipeline, idle, outsider, anyone]

write_capabilities := ["image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"]

# Resource patterns per capability: the wide one is every resource of the
# type in the account, the narrow ones are single resources.
wide_resource := {
	"image.create": "arn:aws:ec2:*::image/*",
	"image.modify": "arn:aws:ec2:*::image/*",
	"image.share": "arn:aws:ec2:*::image/*",
	"image.push": "arn:aws:ecr:*:111122223333:repository/*",
	"registry.configure": "arn:aws:ecr:*:111122223333:repository/*",
	"pipeline.modify": "arn:aws:imagebuilder:*:111122223333:image-pipeline/*",
	"iam.escalate": "arn:aws:iam::111122223333:role/*",
}

narrow_resource := {
	"image.create": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
	"image.modify": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
	"image.share": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
	"image.push": "arn:aws:ecr:us-east-1:111122223333:repository/golden/base",
	"registry.configure": "arn:aws:ecr:us-east-1:111122223333:repository/golden/base",
	"pipeline.modify": "arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/golden",
	"iam.escalate": "arn:aws:iam::111122223333:role/pipeline-images",
}

other_resource := {
	"image.create": "arn:aws:ec2:us-east-1::image/ami-0fedcba9876543210",
	"image.modify": "arn:aws:ec2:us-east-1::image/ami-0fedcba9876543210",
	"image.share": "arn:aws:ec2:us-east-1::image/ami-0fedcba9876543210",
	"image.push": "arn:aws:ecr:us-east-1:111122223333:repository/apps/web",
	"registry.configure": "arn:aws:ecr:us-east-1:111122223333:repository/apps/web",
	"pipeline.modify": "arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/apps",
	"iam.escalate": "arn:aws:iam::111122223333:role/apps",
}

# Globs an approved publisher can name: each matches the narrow resource of
# its capability and neither the other resource nor the wide pattern.
narrow_glob := {
	"image.create": "arn:aws:ec2:*::image/ami-0123*",
	"image.modify": "arn:aws:ec2:*::image/ami-0123*",
	"image.share": "arn:aws:ec2:*::image/ami-0123*",
	"image.push": "arn:aws:ecr:*:111122223333:repository/golden/*",
	"registry.configure": "arn:aws:ecr:*:111122223333:repository/golden/*",
	"pipeline.modify": "arn:aws:imagebuilder:*:111122223333:image-pipeline/golden",
	"iam.escalate": "arn:aws:iam::111122223333:role/pipeline-*",
}

grant(access) := {
	"policy_type": "identity",
	"policy": "inline:fixture",
	"statement": "Fixture",
	"effect": "Allow",
	"conditional": access == "conditional",
	"conditions": conditions(access),
}

conditions("conditional") := ["aws:SourceIp"]

conditions("allowed") := []

# A target: every resource of its type (all: true).
wide(resource, access) := {
	"resource": resource,
	"known": false,
	"all": true,
	"access": access,
	"actions": ["fixture:Write"],
	"via": [grant(access)],
}

# A target on one known resource; "all" omitted as Go does.
narrow(resource, access) := {
	"resource": resource,
	"known": true,
	"access": access,
	"actions": ["fixture:Write"],
	"via": [grant(access)],
}

# A target reached only through a resource policy open to everyone.
public_only(resource, access) := object.union(narrow(resource, access), {
	"public_only": true,
	"via": [{"policy_type": "resource_policy", "policy": resource, "statement": "Anyone", "effect": "Allow"}],
})

any_allowed(targets) if {
	some t in targets
	t.access == "allowed"
}

fact_access(targets) := "allowed" if any_allowed(targets)

else := "conditional"

fact(principal, capability, targets) := {
	"principal": principal.id,
	"cloud": "aws",
	"capability": capability,
	"access": fact_access(targets),
	"actions": ["fixture:Write"],
	"targets": targets,
}

resources := [
	{"id": "arn:aws:ecr:us-east-1:111122223333:repository/golden/base", "cloud": "aws", "type": "ecr-repository", "name": "golden/base", "account": account},
	{"id": "arn:aws:ecr:us-east-1:111122223333:repository/apps/web", "cloud": "aws", "type": "ecr-repository", "name": "apps/web", "account": account},
]

# The input document for these facts.
input_of(facts) := {"principals": principals, "resources": resources, "facts": facts}

# What tests compare: one row per finding.
summary(findings) := {[f.principal, f.capability, f.severity, f.access] | some f in findings}

# The resources a finding names.
target_resources(finding) := {t.resource | some t in finding.targets}

# A glob that matches exactly this resource pattern: its wildcards escaped.
literal_glob(resource) := replace(replace(resource, "*", `\*`), "?", `\?`)
