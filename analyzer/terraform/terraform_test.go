package terraform

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

var fixedNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func plansDir(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata", "plans"}, parts...)...)
}

// analyse runs the analysis on one side and fails on any input the
// plug-ins skip or warn about: the generated documents must read as the
// native formats they stand for.
func analyse(t *testing.T, side string, paths []string) *analyzer.Report {
	t.Helper()
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: paths, Now: fixedNow})
	if err != nil {
		t.Fatalf("%s: %v", side, err)
	}
	for _, in := range rep.Inputs {
		if in.Error != "" {
			t.Errorf("%s: input %s skipped: %s", side, in.Path, in.Error)
		}
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "with no compute inventory") {
			continue // a plan lists no compute: the note that its takeover was not assessed is expected
		}
		t.Errorf("%s: warning at %s: %s", side, w.Where, w.Message)
	}
	return rep
}

// findingKey is how the test compares findings: rule, principal and
// capability.
func findingKey(f *model.Finding) string {
	return f.RuleID + " " + f.PrincipalID + " " + f.Capability
}

// minus lists the findings of a that b does not have, by key.
func minus(a, b *analyzer.Report) map[string]*model.Finding {
	have := map[string]bool{}
	for i := range b.Findings {
		have[findingKey(&b.Findings[i])] = true
	}
	out := map[string]*model.Finding{}
	for i := range a.Findings {
		if k := findingKey(&a.Findings[i]); !have[k] {
			out[k] = &a.Findings[i]
		}
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type planCase struct {
	plan    string
	context []string
	source  string
	added   []string
	removed []string
	// addresses: for an added finding (by key), the addresses it must name.
	addresses map[string][]string
	// headAddresses: for a finding of the head (by key), the addresses it
	// must name among others.
	headAddresses map[string][]string
	// check asserts what the finding keys cannot show.
	check     func(t *testing.T, p *Plan, base, head *analyzer.Report)
	unknown   map[string][]string // address -> attributes
	notEval   []string            // addresses
	locations map[string]string   // address -> file:line (relative to plans/source)
	warnings  []string            // substrings, each of one warning; none other allowed
}

func bld(kind, name string) string { return "arn:aws:iam::" + acct + ":" + kind + "/" + name }

func TestRead(t *testing.T) {
	awsCtx := []string{plansDir("context", "aws")}
	cases := []planCase{
		{plan: "aws-iam-roles", context: awsCtx,
			added: []string{
				"IW-003 " + bld("role", "ci-builder") + " image.push",
				"IW-003 " + bld("role", "ci-runner") + " image.push",
				"IW-006 " + bld("role", "ci-runner") + " image.share",
			},
			addresses: map[string][]string{
				"IW-003 " + bld("role", "ci-builder") + " image.push": {"aws_iam_policy.push", "aws_iam_role.builder", "aws_iam_role_policy_attachment.builder_push"},
				"IW-006 " + bld("role", "ci-runner") + " image.share": {"aws_iam_role.runner", "aws_iam_role_policy.runner_share", "data.aws_iam_policy_document.share"},
			},
		},
		{plan: "aws-iam-users-groups", context: awsCtx,
			added: []string{
				"IW-003 " + bld("user", "carol") + " image.push",
				"IW-003 " + bld("user", "dave") + " image.push",
				"IW-003 " + bld("user", "erin") + " image.push",
				"IW-004 " + bld("user", "carol") + " image.create",
				"IW-005 " + bld("role", "ci-runner") + " image.modify",
				"IW-006 " + bld("role", "ci-runner") + " image.share",
			},
			// aws_iam_policy_attachment is exclusive: ami-share leaves legacy-pusher.
			removed: []string{
				"IW-005 " + bld("role", "legacy-pusher") + " image.modify",
				"IW-006 " + bld("role", "legacy-pusher") + " image.share",
			},
			addresses: map[string][]string{
				"IW-003 " + bld("user", "carol") + " image.push":      {"aws_iam_user_policy_attachment.carol_push"},
				"IW-003 " + bld("user", "dave") + " image.push":       {"aws_iam_group_policy_attachment.builders_push", "aws_iam_user_group_membership.dave"},
				"IW-003 " + bld("user", "erin") + " image.push":       {"aws_iam_user.erin", "aws_iam_user_policy.erin_push"},
				"IW-004 " + bld("user", "carol") + " image.create":    {"aws_iam_group_membership.releasers", "aws_iam_group_policy.releasers_ami"},
				"IW-006 " + bld("role", "ci-runner") + " image.share": {"aws_iam_policy_attachment.ami_share"},
			},
		},
		{plan: "aws-ecr", context: awsCtx,
			added: []string{
				"IW-001 * image.push",
				"IW-002 arn:aws:iam::444455556666:root image.create",
				"IW-002 arn:aws:iam::444455556666:root image.push",
			},
			addresses: map[string][]string{
				"IW-001 * image.push":                                {"aws_ecr_repository_policy.web"},
				"IW-002 arn:aws:iam::444455556666:root image.create": {"aws_ecr_registry_policy.replication"},
				// ecr:ReplicateImage through the registry policy pushes too.
				"IW-002 arn:aws:iam::444455556666:root image.push": {"aws_ecr_registry_policy.replication", "aws_ecrpublic_repository_policy.tools"},
			},
		},
		{plan: "aws-organizations", context: awsCtx,
			removed: []string{"IW-003 " + bld("role", "legacy-pusher") + " image.push"},
		},
		{plan: "gcp-hierarchy", context: []string{plansDir("context", "gcp")},
			added: []string{
				"IW-003 group:platform@example.test image.push",
				"IW-003 user:gus@example.test image.push",
				"IW-003 user:tia@example.test image.push",
				"IW-003 user:uma@example.test image.push",
				"IW-004 user:fay@example.test image.create",
				"IW-005 group:platform@example.test image.modify",
				"IW-005 user:fay@example.test image.modify",
				"IW-005 user:gus@example.test image.modify",
				"IW-006 user:fay@example.test image.share",
				"IW-007 user:gus@example.test registry.configure",
			},
			addresses: map[string][]string{
				// The deny policy narrows the binding below the folder.
				"IW-003 group:platform@example.test image.push": {"google_iam_deny_policy.no_image_writes", "google_organization_iam_binding.writers"},
				"IW-003 user:gus@example.test image.push":       {"data.google_iam_policy.build", "google_project_iam_policy.build"},
				"IW-003 user:tia@example.test image.push":       {"google_organization_iam_custom_role.tagger", "google_project_iam_member.tagger"},
				"IW-003 user:uma@example.test image.push":       {"data.google_iam_policy.build", "google_project_iam_custom_role.pusher", "google_project_iam_policy.build"},
				"IW-004 user:fay@example.test image.create":     {"google_folder_iam_member.images"},
			},
		},
		{plan: "gcp-resources", context: []string{plansDir("context", "gcp")},
			added: []string{
				"IW-001 allUsers image.modify",
				"IW-001 allUsers image.push",
				"IW-003 serviceAccount:builder@nw-build.iam.gserviceaccount.com image.push",
				"IW-003 user:contractor@partner.example image.push",
				"IW-004 user:ivy@example.test image.create",
				"IW-005 serviceAccount:builder@nw-build.iam.gserviceaccount.com image.modify",
				"IW-005 user:contractor@partner.example image.modify",
				"IW-005 user:ivy@example.test image.modify",
				"IW-006 user:ivy@example.test image.share",
				"IW-009 user:wes@example.test iam.escalate",
			},
			addresses: map[string][]string{
				"IW-001 allUsers image.push":                        {"google_storage_bucket_iam_binding.artifacts"},
				"IW-003 user:contractor@partner.example image.push": {"google_artifact_registry_repository_iam_member.contractor"},
				"IW-004 user:ivy@example.test image.create":         {"google_compute_image_iam_binding.golden"},
				"IW-009 user:wes@example.test iam.escalate":         {"google_service_account_iam_member.builder_token"},
			},
		},
		{plan: "azure", context: []string{plansDir("context", "azure")},
			added: []string{
				"IW-003 22222222-0000-4000-8000-000000000002 image.push",
				"IW-003 33333333-0000-4000-8000-000000000003 image.push",
			},
			addresses: map[string][]string{
				"IW-003 22222222-0000-4000-8000-000000000002 image.push": {"azurerm_role_assignment.pusher", "azurerm_role_definition.pusher"},
				"IW-003 33333333-0000-4000-8000-000000000003 image.push": {"azurerm_role_assignment.acrpush"},
			},
			// Contributor on rg-build keeps pushing to acrbuild, now through
			// the admin user the plan enables (ABAC mode ignores its push/write).
			headAddresses: map[string][]string{
				"IW-003 44444444-0000-4000-8000-000000000004 image.push": {"azurerm_container_registry.build"},
			},
			check: func(t *testing.T, p *Plan, base, head *analyzer.Report) {
				acr := "/subscriptions/" + sub + "/resourceGroups/rg-build/providers/Microsoft.ContainerRegistry/registries/acrbuild"
				push := "Microsoft.ContainerRegistry/registries/push/write"
				creds := "Microsoft.ContainerRegistry/registries/listCredentials/action"
				actions := func(r *analyzer.Report) []string {
					for _, f := range r.Findings {
						if findingKey(&f) == "IW-003 44444444-0000-4000-8000-000000000004 image.push" {
							for _, tg := range f.Targets {
								if tg.Resource == acr {
									return tg.Actions
								}
							}
						}
					}
					return nil
				}
				// Before: Contributor pushes (classic mode, no admin user).
				if b := actions(base); !contains(b, push) || contains(b, creds) {
					t.Errorf("base: Contributor's push to acrbuild: %q, want %s and not %s", b, push, creds)
				}
				// After: ABAC mode ignores push/write; the admin user's
				// credentials push instead.
				if h := actions(head); contains(h, push) || !contains(h, creds) {
					t.Errorf("head: Contributor's push to acrbuild: %q, want %s and not %s", h, creds, push)
				}
			},
		},
		{plan: "unknown", context: []string{plansDir("context", "aws"), plansDir("context", "gcp")},
			added: []string{"IW-003 " + bld("user", "dave") + " image.push"},
			unknown: map[string][]string{
				"aws_iam_role_policy.runner_dynamic":   {"policy"},
				"data.aws_iam_policy_document.dynamic": {"json"},
				"google_project_iam_member.deployer":   {"member"},
			},
			notEval: []string{"aws_s3_bucket.artifacts", "google_service_account.deployer"},
		},
		{plan: "deletions", context: awsCtx,
			removed: []string{
				"IW-003 " + bld("role", "legacy-pusher") + " image.push",
				"IW-005 " + bld("role", "legacy-pusher") + " image.modify",
				"IW-006 " + bld("role", "legacy-pusher") + " image.share",
			},
			addresses: map[string][]string{
				"IW-003 " + bld("role", "legacy-pusher") + " image.push":  {"aws_iam_role_policy.legacy_push"},
				"IW-006 " + bld("role", "legacy-pusher") + " image.share": {"aws_iam_policy.ami_share"},
			},
		},
		{plan: "modules", context: awsCtx, source: "modules",
			added: []string{
				"IW-003 arn:aws:iam::" + acct + ":role/ci/platform-ci image.push",
				"IW-004 " + bld("user", "dave") + " image.create",
			},
			addresses: map[string][]string{
				"IW-003 arn:aws:iam::" + acct + ":role/ci/platform-ci image.push": {"module.platform.module.ci.aws_iam_role.this", "module.platform.module.ci.aws_iam_role_policy.push"},
				"IW-004 " + bld("user", "dave") + " image.create":                 {"module.platform.aws_iam_user_policy.dave_ami"},
			},
			locations: map[string]string{
				"module.platform.module.ci.aws_iam_role.this":        "platform/ci/main.tf:1",
				"module.platform.module.ci.aws_iam_role_policy.push": "platform/ci/push.tf:2",
				"module.platform.aws_iam_user_policy.dave_ami":       "platform/main.tf:6",
			},
		},
		{plan: "assumable", context: []string{plansDir("context", "assumable")},
			added: []string{
				"IW-003 " + bld("role", "ci-deployer") + " image.push",
				"IW-010 " + bld("user", "dev-alice") + " image.push",
			},
			addresses: map[string][]string{
				"IW-010 " + bld("user", "dev-alice") + " image.push": {"aws_iam_role_policy.deployer_push"},
			},
		},
		{plan: "noop", context: awsCtx, notEval: []string{"aws_instance.web", "aws_s3_bucket.logs"},
			check: func(t *testing.T, p *Plan, base, head *analyzer.Report) {
				want := map[string]bool{"aws_s3_bucket.logs": false, "aws_instance.web": false, "aws_iam_role_policy.runner_read": true}
				for _, ch := range p.Changes {
					if ch.Understood != want[ch.Address] {
						t.Errorf("%s: understood %v, want %v", ch.Address, ch.Understood, want[ch.Address])
					}
				}
				if len(p.Changes) != len(want) {
					t.Errorf("changes: %+v", p.Changes)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.plan, func(t *testing.T) {
			work := t.TempDir()
			opts := Options{WorkDir: work}
			if c.source != "" {
				opts.SourceDir = plansDir("source", c.source)
			}
			p, err := Read(plansDir(c.plan+".json"), c.context, opts)
			if err != nil {
				t.Fatal(err)
			}
			base, head := analyse(t, "base", p.Base), analyse(t, "head", p.Head)
			added, removed := minus(head, base), minus(base, head)
			if got := keysOf(added); !reflect.DeepEqual(got, sortedCopy(c.added)) {
				t.Errorf("added findings:\n got  %q\n want %q", got, sortedCopy(c.added))
			}
			if got := keysOf(removed); !reflect.DeepEqual(got, sortedCopy(c.removed)) {
				t.Errorf("removed findings:\n got  %q\n want %q", got, sortedCopy(c.removed))
			}
			for k, want := range c.addresses {
				f := added[k]
				if f == nil {
					f = removed[k]
				}
				if f == nil {
					t.Errorf("no finding %s to check the addresses of", k)
					continue
				}
				if got := p.Addresses(f); !reflect.DeepEqual(got, sortedCopy(want)) {
					t.Errorf("Addresses(%s):\n got  %q\n want %q", k, got, sortedCopy(want))
				}
			}
			for k, want := range c.headAddresses {
				var f *model.Finding
				for i := range head.Findings {
					if findingKey(&head.Findings[i]) == k {
						f = &head.Findings[i]
					}
				}
				if f == nil {
					t.Errorf("no finding %s in the head", k)
					continue
				}
				got := p.Addresses(f)
				for _, w := range want {
					if !contains(got, w) {
						t.Errorf("Addresses(%s) = %q, want it to hold %s", k, got, w)
					}
				}
			}
			gotUnknown := map[string][]string{}
			for _, u := range p.Unknown {
				gotUnknown[u.Address] = u.Attributes
			}
			if len(gotUnknown) != 0 || len(c.unknown) != 0 {
				if !reflect.DeepEqual(gotUnknown, c.unknown) {
					t.Errorf("unknown:\n got  %v\n want %v", gotUnknown, c.unknown)
				}
			}
			var gotNE []string
			for _, n := range p.NotEvaluated {
				gotNE = append(gotNE, n.Address)
			}
			if gotNE = sortedCopy(gotNE); !reflect.DeepEqual(gotNE, sortedCopy(c.notEval)) {
				t.Errorf("not evaluated:\n got  %q\n want %q", gotNE, sortedCopy(c.notEval))
			}
			for addr, want := range c.locations {
				if got := p.Location(addr); got != filepath.Join(plansDir("source", c.source), want) {
					t.Errorf("Location(%s) = %q, want %q", addr, got, filepath.Join(plansDir("source", c.source), want))
				}
			}
			if len(p.Warnings) != len(c.warnings) {
				t.Errorf("warnings: got %q, want one each containing %q", p.Warnings, c.warnings)
			}
			for _, w := range c.warnings {
				found := false
				for _, g := range p.Warnings {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("no warning contains %q (got %q)", w, p.Warnings)
				}
			}
			if c.check != nil {
				c.check(t, p, base, head)
			}
			for _, ch := range p.Changes {
				if ch.Address == "" || len(ch.Actions) == 0 {
					t.Errorf("change without address or actions: %+v", ch)
				}
			}
		})
	}
}

func sortedCopy(l []string) []string {
	out := append([]string{}, l...)
	sort.Strings(out)
	if len(out) == 0 {
		return []string{}
	}
	return out
}
