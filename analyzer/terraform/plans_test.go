package terraform

// fixturePlans describes the plans under testdata/plans (see
// fixtures_test.go). Account 111122223333 is the context's build account.

func arn(kind, name string) string { return "arn:aws:iam::" + acct + ":" + kind + "/" + name }

var awsProvider = map[string]map[string]any{"aws": {"region": "us-east-1"}}

func fixturePlans() []fixturePlan {
	pushApp := policy(allow(pushActions, "arn:aws:ecr:us-east-1:"+acct+":repository/app/*"))
	shareRepo := policy(allow("ecr:SetRepositoryPolicy", "arn:aws:ecr:us-east-1:"+acct+":repository/app/*"))
	createAMI := policy(allow([]string{"ec2:CreateImage", "ec2:RegisterImage", "ec2:CopyImage"}, "*"))
	readImages := policy(allow([]string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, "*"))
	role := func(name, trustPolicy string, inline []any, managed []any) map[string]any {
		return map[string]any{"name": name, "path": "/", "arn": arn("role", name), "id": name, "unique_id": "AROA" + name,
			"assume_role_policy": trustPolicy, "inline_policy": inline, "managed_policy_arns": managed,
			"max_session_duration": 3600, "force_detach_policies": false, "permissions_boundary": nil, "tags": nil}
	}
	ip := func(name, doc string) map[string]any { return map[string]any{"name": name, "policy": doc} }
	return []fixturePlan{
		{
			// Roles and managed policies: a new policy attached to a new role
			// (both ARNs unknown until apply, resolved through the
			// configuration's references), an inline policy rendered from an
			// aws_iam_policy_document data source on a role of the context,
			// and an update of a role's managed_policy_arns.
			name:      "aws-iam-roles",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_iam_policy.push", actions: []string{"create"},
					after:   map[string]any{"name": "ci-push", "path": "/", "policy": pushApp, "description": "push app images", "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "policy_id": true, "attachment_count": true, "tags_all": true}},
				{addr: "aws_iam_role.builder", actions: []string{"create"},
					after: map[string]any{"name": "ci-builder", "path": "/", "assume_role_policy": trust("codebuild.amazonaws.com"),
						"max_session_duration": 3600, "force_detach_policies": false, "permissions_boundary": nil, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "unique_id": true, "create_date": true, "inline_policy": true,
						"managed_policy_arns": true, "tags_all": true}},
				{addr: "aws_iam_role_policy_attachment.builder_push", actions: []string{"create"},
					after:   map[string]any{"role": "ci-builder"},
					unknown: map[string]any{"id": true, "policy_arn": true},
					refs:    map[string][]string{"role": {"aws_iam_role.builder.name", "aws_iam_role.builder"}, "policy_arn": {"aws_iam_policy.push.arn", "aws_iam_policy.push"}}},
				{addr: "data.aws_iam_policy_document.share",
					after: map[string]any{"id": "1234567890", "json": shareRepo, "minified_json": shareRepo,
						"statement": []any{map[string]any{"actions": []any{"ecr:SetRepositoryPolicy"}, "effect": "Allow",
							"resources": []any{"arn:aws:ecr:us-east-1:" + acct + ":repository/app/*"}}}}},
				{addr: "aws_iam_role_policy.runner_share", actions: []string{"create"},
					after:   map[string]any{"role": "ci-runner", "name": "share-app-repositories", "policy": shareRepo},
					unknown: map[string]any{"id": true, "name_prefix": true},
					refs:    map[string][]string{"policy": {"data.aws_iam_policy_document.share.json", "data.aws_iam_policy_document.share"}}},
				{addr: "aws_iam_role.runner", actions: []string{"update"},
					before: role("ci-runner", trust("codebuild.amazonaws.com"), []any{ip("read-images", readImages)}, []any{}),
					after: role("ci-runner", trust("codebuild.amazonaws.com"), []any{ip("read-images", readImages)},
						[]any{arn("policy", "ecr-push")}),
					unknown: map[string]any{}},
			},
		},
		{
			// Users, groups and their policies, attachments and memberships.
			// aws_iam_policy_attachment is exclusive: the ami-share policy
			// leaves legacy-pusher, which the context attaches it to.
			name:      "aws-iam-users-groups",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_iam_user.erin", actions: []string{"create"},
					after:   map[string]any{"name": "erin", "path": "/", "force_destroy": false, "permissions_boundary": nil, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "unique_id": true, "tags_all": true}},
				{addr: "aws_iam_user_policy.erin_push", actions: []string{"create"},
					after:   map[string]any{"user": "erin", "name": "push-app", "policy": pushApp},
					unknown: map[string]any{"id": true, "name_prefix": true},
					refs:    map[string][]string{"user": {"aws_iam_user.erin.name", "aws_iam_user.erin"}}},
				{addr: "aws_iam_group.releasers", actions: []string{"create"},
					after:   map[string]any{"name": "releasers", "path": "/"},
					unknown: map[string]any{"arn": true, "id": true, "unique_id": true}},
				{addr: "aws_iam_group_policy.releasers_ami", actions: []string{"create"},
					after:   map[string]any{"group": "releasers", "name": "create-amis", "policy": createAMI},
					unknown: map[string]any{"id": true, "name_prefix": true},
					refs:    map[string][]string{"group": {"aws_iam_group.releasers.name", "aws_iam_group.releasers"}}},
				{addr: "aws_iam_group_membership.releasers", actions: []string{"create"},
					after:   map[string]any{"name": "releasers-members", "group": "releasers", "users": []any{"carol"}},
					unknown: map[string]any{"id": true}},
				{addr: "aws_iam_user_group_membership.dave", actions: []string{"create"},
					after:   map[string]any{"user": "dave", "groups": []any{"builders"}},
					unknown: map[string]any{"id": true}},
				{addr: "aws_iam_group_policy_attachment.builders_push", actions: []string{"create"},
					after:   map[string]any{"group": "builders", "policy_arn": arn("policy", "ecr-push")},
					unknown: map[string]any{"id": true}},
				{addr: "aws_iam_user_policy_attachment.carol_push", actions: []string{"create"},
					after:   map[string]any{"user": "carol", "policy_arn": arn("policy", "ecr-push")},
					unknown: map[string]any{"id": true}},
				{addr: "aws_iam_policy_attachment.ami_share", actions: []string{"create"},
					after: map[string]any{"name": "ami-share", "policy_arn": arn("policy", "ami-share"), "roles": []any{"ci-runner"},
						"users": []any{}, "groups": []any{}},
					unknown: map[string]any{"id": true}},
			},
		},
		{
			// ECR: a repository policy that lets anyone push, a registry policy
			// that lets another account replicate in, an ECR Public repository
			// policy that lets another account push.
			name:      "aws-ecr",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_ecr_repository_policy.web", actions: []string{"update"},
					before: map[string]any{"id": "app/web", "repository": "app/web", "registry_id": acct,
						"policy": policy(map[string]any{"Sid": "AccountPull", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
							"Action": []any{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}})},
					after: map[string]any{"id": "app/web", "repository": "app/web", "registry_id": acct,
						"policy": policy(map[string]any{"Sid": "AnyonePush", "Effect": "Allow", "Principal": "*", "Action": pushActions})}},
				{addr: "aws_ecr_registry_policy.replication", actions: []string{"create"},
					after: map[string]any{"policy": policy(map[string]any{"Sid": "ReplicateFromPartner", "Effect": "Allow",
						"Principal": map[string]any{"AWS": "arn:aws:iam::444455556666:root"},
						"Action":    []any{"ecr:ReplicateImage", "ecr:CreateRepository"},
						"Resource":  "arn:aws:ecr:us-east-1:" + acct + ":repository/*"})},
					unknown: map[string]any{"id": true, "registry_id": true}},
				{addr: "aws_ecrpublic_repository_policy.tools", actions: []string{"create"},
					after: map[string]any{"repository_name": "tools", "policy": policy(map[string]any{"Sid": "PartnerPush", "Effect": "Allow",
						"Principal": map[string]any{"AWS": "arn:aws:iam::444455556666:root"},
						"Action":    []any{"ecr-public:InitiateLayerUpload", "ecr-public:UploadLayerPart", "ecr-public:CompleteLayerUpload", "ecr-public:PutImage"}})},
					unknown: map[string]any{"id": true, "registry_id": true}},
			},
		},
		{
			// Organizations: a new SCP (its id unknown until apply) attached
			// to the build account denies pushes there.
			name:      "aws-organizations",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_organizations_policy.deny_push", actions: []string{"create"},
					after: map[string]any{"name": "deny-ecr-push", "type": "SERVICE_CONTROL_POLICY", "description": "no pushes from build",
						"content": policy(map[string]any{"Effect": "Deny", "Action": pushActions, "Resource": "*"}), "skip_destroy": false, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "tags_all": true}},
				{addr: "aws_organizations_policy_attachment.build", actions: []string{"create"},
					after:   map[string]any{"target_id": acct, "skip_destroy": false},
					unknown: map[string]any{"id": true, "policy_id": true},
					refs:    map[string][]string{"policy_id": {"aws_organizations_policy.deny_push.id", "aws_organizations_policy.deny_push"}}},
			},
		},
		{
			// GCP resource hierarchy: organization, folder and project IAM
			// (member, binding, authoritative policy), a custom role the
			// context binds and the plan widens, a deny policy.
			name: "gcp-hierarchy",
			resources: []fres{
				{addr: "google_organization_iam_binding.writers", actions: []string{"create"},
					after:   map[string]any{"org_id": "100000000001", "role": "roles/artifactregistry.writer", "members": []any{"group:platform@example.test"}, "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "google_folder_iam_member.images", actions: []string{"create"},
					after:   map[string]any{"folder": "folders/200000000002", "role": "roles/compute.storageAdmin", "member": "user:fay@example.test", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "data.google_iam_policy.build",
					after: map[string]any{"id": "1", "policy_data": `{"bindings":[{"members":["user:reader@example.test"],"role":"roles/artifactregistry.reader"},{"members":["user:uma@example.test"],"role":"projects/nw-build/roles/imagePusher"},{"members":["user:gus@example.test"],"role":"roles/artifactregistry.repoAdmin"}]}`}},
				{addr: "google_project_iam_policy.build", actions: []string{"update"},
					before: map[string]any{"id": "nw-build", "project": "nw-build", "etag": "BwYh0fLm9Xk=",
						"policy_data": `{"bindings":[{"members":["user:reader@example.test"],"role":"roles/artifactregistry.reader"},{"members":["user:uma@example.test"],"role":"projects/nw-build/roles/imagePusher"}]}`},
					after: map[string]any{"id": "nw-build", "project": "nw-build", "etag": "BwYh0fLm9Xk=",
						"policy_data": `{"bindings":[{"members":["user:reader@example.test"],"role":"roles/artifactregistry.reader"},{"members":["user:uma@example.test"],"role":"projects/nw-build/roles/imagePusher"},{"members":["user:gus@example.test"],"role":"roles/artifactregistry.repoAdmin"}]}`},
					refs: map[string][]string{"policy_data": {"data.google_iam_policy.build.policy_data", "data.google_iam_policy.build"}}},
				{addr: "google_project_iam_custom_role.pusher", actions: []string{"update"},
					before: map[string]any{"id": "projects/nw-build/roles/imagePusher", "name": "projects/nw-build/roles/imagePusher", "project": "nw-build", "role_id": "imagePusher",
						"title": "Image Pusher (read only so far)", "stage": "GA", "deleted": false, "description": "",
						"permissions": []any{"artifactregistry.repositories.downloadArtifacts", "artifactregistry.repositories.get"}},
					after: map[string]any{"id": "projects/nw-build/roles/imagePusher", "name": "projects/nw-build/roles/imagePusher", "project": "nw-build", "role_id": "imagePusher",
						"title": "Image Pusher", "stage": "GA", "deleted": false, "description": "",
						"permissions": []any{"artifactregistry.repositories.downloadArtifacts", "artifactregistry.repositories.get", "artifactregistry.repositories.uploadArtifacts"}}},
				{addr: "google_organization_iam_custom_role.tagger", actions: []string{"create"},
					after: map[string]any{"org_id": "100000000001", "role_id": "tagger", "title": "Tagger", "stage": "GA", "description": "",
						"permissions": []any{"artifactregistry.tags.create", "artifactregistry.tags.update"}},
					unknown: map[string]any{"id": true, "name": true, "deleted": true}},
				{addr: "google_project_iam_member.tagger", actions: []string{"create"},
					after:   map[string]any{"project": "nw-build", "member": "user:tia@example.test", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true, "role": true},
					refs:    map[string][]string{"role": {"google_organization_iam_custom_role.tagger.name", "google_organization_iam_custom_role.tagger"}}},
				{addr: "google_iam_deny_policy.no_image_writes", actions: []string{"create"},
					after: map[string]any{"parent": "cloudresourcemanager.googleapis.com%2Ffolders%2F200000000002", "name": "no-image-writes",
						"display_name": "No image writes for the platform group",
						"rules": []any{map[string]any{"description": "", "deny_rule": []any{map[string]any{
							"denied_principals":     []any{"principalSet://goog/group/platform@example.test"},
							"exception_principals":  []any{},
							"denied_permissions":    []any{"artifactregistry.googleapis.com/repositories.uploadArtifacts"},
							"exception_permissions": []any{}, "denial_condition": []any{}}}}}},
					unknown: map[string]any{"etag": true, "id": true}},
			},
		},
		{
			// GCP resources with policies of their own: an Artifact Registry
			// repository, a bucket, a service account, a Compute Engine image.
			name: "gcp-resources",
			resources: []fres{
				{addr: "google_artifact_registry_repository_iam_member.contractor", actions: []string{"create"},
					after: map[string]any{"project": "nw-build", "location": "europe-west1", "repository": "images",
						"role": "roles/artifactregistry.writer", "member": "user:contractor@partner.example", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "google_storage_bucket_iam_binding.artifacts", actions: []string{"create"},
					after: map[string]any{"bucket": "b/artifacts.nw-build.appspot.com", "role": "roles/storage.objectAdmin",
						"members": []any{"allUsers"}, "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "google_service_account_iam_member.builder_token", actions: []string{"create"},
					after: map[string]any{"service_account_id": "projects/nw-build/serviceAccounts/builder@nw-build.iam.gserviceaccount.com",
						"role": "roles/iam.serviceAccountTokenCreator", "member": "user:wes@example.test", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "google_project_iam_member.builder_writer", actions: []string{"create"},
					after: map[string]any{"project": "nw-build", "role": "roles/artifactregistry.writer",
						"member": "serviceAccount:builder@nw-build.iam.gserviceaccount.com", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
				{addr: "google_compute_image_iam_binding.golden", actions: []string{"create"},
					after: map[string]any{"project": "nw-build", "image": "golden-base", "role": "roles/compute.storageAdmin",
						"members": []any{"user:ivy@example.test"}, "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true}},
			},
		},
		{
			// Azure: a custom role (its GUID unknown until apply) assigned on a
			// registry, a built-in role assigned by name, and the registry
			// switched to ABAC repository permissions with its admin user on.
			name:      "azure",
			providers: map[string]map[string]any{"azurerm": {"subscription_id": sub}},
			resources: []fres{
				{addr: "azurerm_role_definition.pusher", actions: []string{"create"},
					after: map[string]any{"name": "Image Pusher", "scope": "/subscriptions/" + sub, "description": "",
						"permissions":       []any{map[string]any{"actions": []any{"Microsoft.ContainerRegistry/registries/push/write", "Microsoft.ContainerRegistry/registries/pull/read"}, "not_actions": []any{}, "data_actions": []any{}, "not_data_actions": []any{}}},
						"assignable_scopes": []any{"/subscriptions/" + sub}},
					unknown: map[string]any{"id": true, "role_definition_id": true, "role_definition_resource_id": true}},
				{addr: "azurerm_role_assignment.pusher", actions: []string{"create"},
					after: map[string]any{"scope": "/subscriptions/" + sub + "/resourceGroups/rg-apps", "principal_id": "22222222-0000-4000-8000-000000000002",
						"principal_type": "User", "condition": nil, "condition_version": nil, "description": nil, "skip_service_principal_aad_check": false},
					unknown: map[string]any{"id": true, "name": true, "role_definition_id": true, "role_definition_name": true, "principal_type": false, "delegated_managed_identity_resource_id": false},
					refs:    map[string][]string{"role_definition_id": {"azurerm_role_definition.pusher.role_definition_resource_id", "azurerm_role_definition.pusher"}}},
				{addr: "azurerm_role_assignment.acrpush", actions: []string{"create"},
					after: map[string]any{"scope": "/subscriptions/" + sub + "/resourceGroups/rg-apps", "principal_id": "33333333-0000-4000-8000-000000000003",
						"principal_type": "ServicePrincipal", "role_definition_name": "AcrPush", "condition": nil, "condition_version": nil},
					unknown: map[string]any{"id": true, "name": true, "role_definition_id": true}},
				{addr: "azurerm_container_registry.build", actions: []string{"update"},
					before: registry(false, "LegacyRegistryPermissions"), after: registry(true, "AbacRepositoryPermissions")},
			},
		},
		{
			// Values unknown until apply: an inline policy rendered from a data
			// source read only at apply, an IAM member that is a service
			// account the plan creates, an Azure assignment to a principal the
			// plan creates; and one known change beside them.
			name:      "unknown",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_s3_bucket.artifacts", actions: []string{"create"},
					after:   map[string]any{"bucket": "nw-build-artifacts", "force_destroy": false, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "bucket_domain_name": true}},
				{addr: "data.aws_iam_policy_document.dynamic", actions: []string{"read"},
					after:   map[string]any{"statement": []any{map[string]any{"actions": []any{"ecr:PutImage"}, "effect": "Allow"}}},
					unknown: map[string]any{"id": true, "json": true, "minified_json": true, "statement": []any{map[string]any{"resources": true}}},
					refs:    map[string][]string{"statement": {"aws_s3_bucket.artifacts.arn", "aws_s3_bucket.artifacts"}}},
				{addr: "aws_iam_role_policy.runner_dynamic", actions: []string{"create"},
					after:   map[string]any{"role": "ci-runner", "name": "dynamic"},
					unknown: map[string]any{"id": true, "policy": true, "name_prefix": true},
					refs:    map[string][]string{"policy": {"data.aws_iam_policy_document.dynamic.json", "data.aws_iam_policy_document.dynamic"}}},
				{addr: "aws_iam_user_policy.dave_push", actions: []string{"create"},
					after:   map[string]any{"user": "dave", "name": "push-app", "policy": pushApp},
					unknown: map[string]any{"id": true, "name_prefix": true}},
				{addr: "google_service_account.deployer", actions: []string{"create"},
					after:   map[string]any{"account_id": "deployer", "project": "nw-build", "display_name": "deployer", "disabled": false},
					unknown: map[string]any{"email": true, "id": true, "member": true, "name": true, "unique_id": true}},
				{addr: "google_project_iam_member.deployer", actions: []string{"create"},
					after:   map[string]any{"project": "nw-build", "role": "roles/artifactregistry.writer", "condition": []any{}},
					unknown: map[string]any{"etag": true, "id": true, "member": true},
					refs:    map[string][]string{"member": {"google_service_account.deployer.member", "google_service_account.deployer"}}},
			},
		},
		{
			// Deletions only: the push policy of legacy-pusher and the ami-share
			// managed policy (attached to it).
			name:      "deletions",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_iam_role_policy.legacy_push", actions: []string{"delete"},
					before: map[string]any{"id": "legacy-pusher:push-all", "role": "legacy-pusher", "name": "push-all", "name_prefix": "",
						"policy": policy(allow(pushActions, "*"))}},
				{addr: "aws_iam_policy.ami_share", actions: []string{"delete"},
					before: map[string]any{"arn": arn("policy", "ami-share"), "id": arn("policy", "ami-share"), "name": "ami-share", "path": "/",
						"policy_id": "ANPAAMISHAREEXAMPLE1", "description": "", "tags": nil, "attachment_count": 1,
						"policy": policy(allow([]string{"ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"}, "*"))}},
			},
		},
		{
			// Nested modules: module.platform calls module.ci, which creates a
			// role and its push policy (testdata/plans/source/modules).
			name:      "modules",
			providers: awsProvider,
			modules:   map[string]string{"module.platform": "./platform", "module.platform.module.ci": "./ci"},
			resources: []fres{
				{addr: "module.platform.module.ci.aws_iam_role.this", actions: []string{"create"},
					after: map[string]any{"name": "platform-ci", "path": "/ci/", "assume_role_policy": trust("codebuild.amazonaws.com"),
						"max_session_duration": 3600, "force_detach_policies": false, "permissions_boundary": nil, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "unique_id": true, "create_date": true, "inline_policy": true,
						"managed_policy_arns": true, "tags_all": true}},
				{addr: "module.platform.module.ci.aws_iam_role_policy.push", actions: []string{"create"},
					after:   map[string]any{"name": "push", "policy": pushApp},
					unknown: map[string]any{"id": true, "role": true, "name_prefix": true},
					refs:    map[string][]string{"role": {"aws_iam_role.this.id", "aws_iam_role.this"}}},
				{addr: "module.platform.aws_iam_user_policy.dave_ami", actions: []string{"create"},
					after:   map[string]any{"user": "dave", "name": "create-amis", "policy": createAMI},
					unknown: map[string]any{"id": true, "name_prefix": true}},
			},
		},
		{
			// Matters only through an existing assumable role: the plan lets
			// ci-deployer push, and dev-alice can already assume ci-deployer.
			name:      "assumable",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_iam_role_policy.deployer_push", actions: []string{"create"},
					after:   map[string]any{"role": "ci-deployer", "name": "push-app", "policy": pushApp},
					unknown: map[string]any{"id": true, "name_prefix": true}},
			},
		},
		{
			// Nothing image-related: a bucket, an instance, and an inline
			// policy that stays as it is.
			name:      "noop",
			providers: awsProvider,
			resources: []fres{
				{addr: "aws_s3_bucket.logs", actions: []string{"create"},
					after:   map[string]any{"bucket": "nw-build-logs", "force_destroy": false, "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "bucket_domain_name": true}},
				{addr: "aws_instance.web", actions: []string{"create"},
					after:   map[string]any{"ami": "ami-0abcdef1234567890", "instance_type": "t3.micro", "tags": nil},
					unknown: map[string]any{"arn": true, "id": true, "private_ip": true}},
				{addr: "aws_iam_role_policy.runner_read", actions: []string{"no-op"},
					before: map[string]any{"id": "ci-runner:read-images", "role": "ci-runner", "name": "read-images", "name_prefix": "", "policy": readImages},
					after:  map[string]any{"id": "ci-runner:read-images", "role": "ci-runner", "name": "read-images", "name_prefix": "", "policy": readImages}},
			},
		},
	}
}

const sub = "5d1f0c2e-0000-4000-8000-000000000001"

func registry(admin bool, mode string) map[string]any {
	return map[string]any{"id": "/subscriptions/" + sub + "/resourceGroups/rg-build/providers/Microsoft.ContainerRegistry/registries/acrbuild",
		"name": "acrbuild", "resource_group_name": "rg-build", "location": "westeurope", "sku": "Premium",
		"admin_enabled": admin, "role_assignment_mode": mode, "login_server": "acrbuild.azurecr.io", "tags": nil}
}
