package analyzer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

const (
	acct    = "111122223333"
	member  = "444455556666"
	partner = "999988887777"
	repoArn = "arn:aws:ecr:us-east-1:111122223333:repository/apps/web"
)

var pushActions = []string{"ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"}

func doc(stmts ...map[string]any) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": stmts}
}

func allow(actions any, resource any) map[string]any {
	return map[string]any{"Sid": "Grant", "Effect": "Allow", "Action": actions, "Resource": resource}
}

func role(name, account string, inline map[string]any, attached ...string) map[string]any {
	r := map[string]any{"RoleName": name, "Arn": "arn:aws:iam::" + account + ":role/" + name,
		"AssumeRolePolicyDocument": doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})}
	if inline != nil {
		r["RolePolicyList"] = []any{map[string]any{"PolicyName": "work", "PolicyDocument": inline}}
	}
	var att []any
	for _, a := range attached {
		att = append(att, map[string]any{"PolicyName": a[strings.LastIndex(a, "/")+1:], "PolicyArn": a})
	}
	r["AttachedManagedPolicies"] = att
	return r
}

// managedFromDataset returns an AWS managed policy, in the shape of the
// authorization details, from ../shared/datasets (skips without it).
func managedFromDataset(t *testing.T, names ...string) []any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root(t), "../shared/datasets/aws-managed-policies.authorization-details.json"))
	if err != nil {
		t.Skipf("the shared datasets are not beside the repository: %v", err)
	}
	var d struct {
		Policies []map[string]any `json:"Policies"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, n := range names {
		found := false
		for _, p := range d.Policies {
			if p["PolicyName"] == n {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			t.Fatalf("%s is not in the dataset", n)
		}
	}
	return out
}

type fixture struct {
	files    map[string]any
	approved string
}

func (f fixture) options(t *testing.T) analyzer.Options {
	dir := t.TempDir()
	for name, v := range f.files {
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "approved.yaml")
	os.WriteFile(data, []byte("imagewarden:\n  approved_publishers:\n"+f.approved+"\n"), 0o644)
	if f.approved == "" {
		os.WriteFile(data, []byte("imagewarden:\n  approved_publishers: []\n"), 0o644)
	}
	return analyzer.Options{Paths: []string{dir}, DataFiles: []string{data}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func repositories() map[string]any {
	return map[string]any{"repositories": []any{map[string]any{"repositoryArn": repoArn, "repositoryName": "apps/web", "registryId": acct}}}
}

func repoPolicy(stmts ...map[string]any) map[string]any {
	b, _ := json.Marshal(doc(stmts...))
	return map[string]any{"registryId": acct, "repositoryName": "apps/web", "repositoryArn": repoArn, "policyText": string(b)}
}

// TestAWSFixKinds applies each AWS fix kind to a small organisation and
// checks, by re-analysis, that the finding is gone and that the change
// takes away exactly what is expected; and that every artifact is a valid
// policy within the AWS size limits.
func TestAWSFixKinds(t *testing.T) {
	cases := []struct {
		name      string
		fx        func(t *testing.T) fixture
		principal string // whose findings must all be resolved
		kind      string
		removes   []string
		after     []string // substrings of the changed document
		notAfter  []string
	}{
		{
			name: "split drops listed image actions and keeps the rest",
			fx: func(t *testing.T) fixture {
				acts := append([]string{"ecr:DescribeRepositories", "s3:GetObject", "ecr:BatchGetImage"}, pushActions...)
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("builder", acct, doc(allow(acts, "*")))}}}}
			},
			principal: "arn:aws:iam::111122223333:role/builder", kind: awscloud.KindStatementSplit,
			after: []string{`"ecr:DescribeRepositories"`, `"s3:GetObject"`, `"ecr:BatchGetImage"`}, notAfter: []string{"ecr:PutImage", `"Deny"`},
		},
		{
			name: "split keeps a service wildcard and denies exactly the image actions",
			fx: func(t *testing.T) fixture {
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("registry-admin", acct, doc(allow("ecr:*", "*")))}}}}
			},
			principal: "arn:aws:iam::111122223333:role/registry-admin", kind: awscloud.KindStatementSplit,
			after: []string{`"ecr:*"`, `"Effect": "Deny"`, `"ecr:PutImage"`, `"ecr:SetRepositoryPolicy"`},
		},
		{
			name: "split extends NotAction",
			fx: func(t *testing.T) fixture {
				st := map[string]any{"Sid": "AllButIam", "Effect": "Allow", "NotAction": []string{"iam:*", "sts:*"}, "Resource": "*"}
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("platform", acct, doc(st))}}}}
			},
			principal: "arn:aws:iam::111122223333:role/platform", kind: awscloud.KindStatementSplit,
			after: []string{`"NotAction"`, `"iam:*"`, `"ecr:PutImage"`, `"ec2:CreateImage"`}, notAfter: []string{`"Deny"`},
		},
		{
			name: "split keeps the image actions on the resources the publisher is approved for",
			fx: func(t *testing.T) fixture {
				acts := append([]string{"ecr:GetAuthorizationToken"}, pushActions...)
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("ci", acct, doc(allow(acts, "*")))}}},
					approved: `    - principal: "arn:aws:iam::111122223333:role/ci"
      capabilities: [image.push]
      resources: ["arn:aws:ecr:*:111122223333:repository/apps/*"]`}
			},
			principal: "arn:aws:iam::111122223333:role/ci", kind: awscloud.KindStatementSplit,
			after: []string{`"GrantApprovedResources"`, `"arn:aws:ecr:*:111122223333:repository/apps/*"`},
		},
		{
			name: "split re-allows only the capability the publisher is approved for",
			fx: func(t *testing.T) fixture {
				acts := append([]string{"ecr:GetAuthorizationToken", "ecr:SetRepositoryPolicy"}, pushActions...)
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("ci", acct, doc(allow(acts, "*")))}}},
					approved: `    - principal: "arn:aws:iam::111122223333:role/ci"
      capabilities: [image.push]
      resources: ["arn:aws:ecr:*:111122223333:repository/apps/*"]`}
			},
			principal: "arn:aws:iam::111122223333:role/ci", kind: awscloud.KindStatementSplit,
			after: []string{`"GrantApprovedResources"`, `"ecr:GetAuthorizationToken"`}, notAfter: []string{`"ecr:SetRepositoryPolicy"`},
		},
		{
			name: "managed policy swap PowerUser to ReadOnly removes only the push",
			fx: func(t *testing.T) fixture {
				return fixture{files: map[string]any{"iam.json": map[string]any{
					"RoleDetailList": []any{role("dev", acct, nil, "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")},
					"Policies":       managedFromDataset(t, "AmazonEC2ContainerRegistryPowerUser")}}}
			},
			principal: "arn:aws:iam::111122223333:role/dev", kind: awscloud.KindManagedSwap,
			after: []string{"ecr:GetDownloadUrlForLayer"}, notAfter: []string{"ecr:PutImage"},
		},
		{
			name: "managed policy swap FullAccess to ReadOnly removes the known difference",
			fx: func(t *testing.T) fixture {
				return fixture{files: map[string]any{"iam.json": map[string]any{
					"RoleDetailList": []any{role("ops", acct, nil, "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess")},
					"Policies":       managedFromDataset(t, "AmazonEC2ContainerRegistryFullAccess")}}}
			},
			principal: "arn:aws:iam::111122223333:role/ops", kind: awscloud.KindManagedSwap,
			// FullAccess is ecr:* and cloudtrail:LookupEvents, plus
			// iam:CreateServiceLinkedRole for ECR replication; ReadOnly has
			// none of them. Every catalog action of ecr:* belongs to a
			// capability of a finding the swap resolves.
			removes: []string{
				"cloudtrail:LookupEvents for arn:aws:iam::111122223333:role/ops",
				"ecr:ImagewardenOtherAction for arn:aws:iam::111122223333:role/ops",
				"iam:CreateServiceLinkedRole for arn:aws:iam::111122223333:role/ops",
			},
		},
		{
			name: "permission boundary where an AWS managed policy cannot be narrowed",
			fx: func(t *testing.T) fixture {
				return fixture{files: map[string]any{"iam.json": map[string]any{
					"RoleDetailList": []any{role("admin", acct, nil, "arn:aws:iam::aws:policy/AdministratorAccess")},
					"Policies":       managedFromDataset(t, "AdministratorAccess")}}}
			},
			principal: "arn:aws:iam::111122223333:role/admin", kind: awscloud.KindBoundary,
			after: []string{`"AllowEverythingTheIdentityPoliciesAllow"`, `"DenyImagePush"`},
		},
		{
			name: "repository policy: anyone keeps the pull, loses the push",
			fx: func(t *testing.T) fixture {
				st := map[string]any{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": append([]string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, pushActions...)}
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("reader", acct, doc(allow("s3:GetObject", "*")))}},
					"repos.json": repositories(), "policy.json": repoPolicy(st)}}
			},
			principal: "*", kind: awscloud.KindRepoPolicy,
			after: []string{`"Principal": "*"`, `"ecr:BatchGetImage"`}, notAfter: []string{"ecr:PutImage"},
		},
		{
			name: "repository policy: ecr:* for anyone becomes every action but the image ones",
			fx: func(t *testing.T) fixture {
				st := map[string]any{"Sid": "AnyoneAnything", "Effect": "Allow", "Principal": "*", "Action": "ecr:*"}
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("reader", acct, doc(allow("s3:GetObject", "*")))}},
					"repos.json": repositories(), "policy.json": repoPolicy(st)}}
			},
			principal: "*", kind: awscloud.KindRepoPolicy,
			after: []string{`"NotAction"`, `"ecr:PutImage"`, `"ecr:SetRepositoryPolicy"`}, notAfter: []string{`"ecr:*"`, `"Deny"`},
		},
		{
			name: "repository policy: an outside account sharing a statement is split off",
			fx: func(t *testing.T) fixture {
				st := map[string]any{"Sid": "Push", "Effect": "Allow",
					"Principal": map[string]any{"AWS": []string{"arn:aws:iam::" + member + ":root", "arn:aws:iam::" + partner + ":root"}},
					"Action":    append([]string{"ecr:BatchCheckLayerAvailability"}, pushActions...)}
				return fixture{files: map[string]any{"iam.json": map[string]any{"RoleDetailList": []any{role("reader", acct, doc(allow("s3:GetObject", "*")))}},
					"member.json": map[string]any{"RoleDetailList": []any{role("reader", member, doc(allow("s3:GetObject", "*")))}},
					"repos.json":  repositories(), "policy.json": repoPolicy(st)}}
			},
			principal: "arn:aws:iam::999988887777:root", kind: awscloud.KindRepoPolicy,
			after: []string{`"PushReduced"`, `"arn:aws:iam::444455556666:root"`}, notAfter: []string{},
		},
		{
			name: "SCP guardrail resolves the member account's findings",
			fx: func(t *testing.T) fixture {
				org := map[string]any{
					"Organization":        map[string]any{"Id": "o-test", "MasterAccountId": acct},
					"Roots":               []any{map[string]any{"Id": "r-root", "Name": "Root"}},
					"OrganizationalUnits": []any{},
					"Accounts":            []any{map[string]any{"Id": acct, "ParentId": "r-root"}, map[string]any{"Id": member, "ParentId": "r-root"}},
					"Policies": []any{map[string]any{"Id": "p-full", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY",
						"Content": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "Targets": []string{"r-root", acct, member}}},
				}
				return fixture{files: map[string]any{"org.json": org,
					"member.json": map[string]any{"RoleDetailList": []any{role("pusher", member, doc(allow(pushActions, "*")))}}}}
			},
			principal: "arn:aws:iam::444455556666:role/pusher", kind: awscloud.KindSCP,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.fx(t).options(t)
			plan, findings, err := analyzer.Remediate(context.Background(), opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, f := range findings {
				if f.PrincipalID == tc.principal {
					want = append(want, f.ID)
				}
			}
			if len(want) == 0 {
				t.Fatalf("no finding for %s to fix: %s", tc.principal, dump(findings))
			}
			var got *remediate.Change
			for i := range plan.Changes {
				c := &plan.Changes[i]
				checkArtifact(t, c)
				if c.Kind == tc.kind && got == nil {
					got = c
				}
			}
			if got == nil {
				t.Fatalf("no %s change; plan: %s", tc.kind, dump(plan))
			}
			v := got.Verification
			resolved := map[string]bool{}
			for _, id := range v.Resolved {
				resolved[id] = true
			}
			for _, id := range want {
				if !resolved[id] {
					t.Errorf("finding %s of %s is not resolved by %s alone: %s", id, tc.principal, got.ID, dump(got))
				}
			}
			if len(v.Unresolved) > 0 {
				t.Errorf("the change means to resolve %v but leaves them", v.Unresolved)
			}
			if !reflect.DeepEqual(v.Removes, tc.removes) {
				t.Errorf("Removes = %q, want %q", v.Removes, tc.removes)
			}
			for _, s := range tc.after {
				if !strings.Contains(got.After, s) {
					t.Errorf("the document after the change lacks %s:\n%s", s, got.After)
				}
			}
			for _, s := range tc.notAfter {
				if strings.Contains(got.After, s) {
					t.Errorf("the document after the change still has %s:\n%s", s, got.After)
				}
			}
			// Every finding that has a fix names it.
			for _, f := range findings {
				if resolved[f.ID] && len(f.Fixes) == 0 {
					t.Errorf("finding %s is resolved but has no Fix", f.ID)
				}
			}
			// Written, read back and applied, the plan resolves the same.
			dir := t.TempDir()
			if err := remediate.Write(dir, plan); err != nil {
				t.Fatal(err)
			}
			rep, err := analyzer.ApplyRemediation(context.Background(), opts, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range rep.Remediation.Resolved {
				ids = append(ids, f.ID)
			}
			sort.Strings(ids)
			if !reflect.DeepEqual(ids, plan.All.Resolved) {
				t.Errorf("applied from the directory, resolved %v; verified together %v", ids, plan.All.Resolved)
			}
		})
	}
}

// checkArtifact: every document parses with policies/aws and respects the
// AWS size limit of its kind.
func checkArtifact(t *testing.T, c *remediate.Change) {
	t.Helper()
	if c.After == "" {
		return
	}
	if _, err := iam.ParsePolicy([]byte(c.After)); err != nil {
		t.Errorf("%s: the artifact is not a valid policy: %v", c.ID, err)
	}
	limit := awscloud.LimitManaged
	switch c.Kind {
	case awscloud.KindSCP:
		limit = awscloud.LimitSCP
	case awscloud.KindRepoPolicy:
		limit = awscloud.LimitRepoPolicy
	case awscloud.KindStatementSplit:
		switch c.Params["holder_kind"] {
		case "user":
			limit = awscloud.LimitUserInline
		case "role":
			limit = awscloud.LimitRoleInline
		case "group":
			limit = awscloud.LimitGroupInline
		}
		if c.Params["mode"] == "deny-policy" {
			limit = awscloud.LimitManaged
		}
	}
	var b strings.Builder
	for _, r := range c.After {
		if r != ' ' && r != '\n' && r != '\t' && r != '\r' {
			b.WriteRune(r)
		}
	}
	if n := len(b.String()); n > limit {
		t.Errorf("%s (%s): %d characters, over the %d limit", c.ID, c.Kind, n, limit)
	}
	for _, cmd := range c.Commands {
		if strings.Contains(cmd, "{artifact}") {
			t.Errorf("%s: command still has the {artifact} placeholder: %s", c.ID, cmd)
		}
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestDemoArtifacts checks every AWS artifact of the demo's plan, and that
// each change resolves what it means to.
func TestDemoArtifacts(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root(t), "testdata/golden/remediation-demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan remediate.Plan
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if c.Cloud != "aws" {
			continue // each plug-in tests its own
		}
		kinds[c.Kind] = true
		checkArtifact(t, c)
		if c.Verification == nil || len(c.Verification.Unresolved) > 0 {
			t.Errorf("%s: verification %+v", c.ID, c.Verification)
		}
	}
	for _, k := range []string{awscloud.KindStatementSplit, awscloud.KindManagedSwap, awscloud.KindRepoPolicy, awscloud.KindSCP, awscloud.KindBoundary} {
		if !kinds[k] {
			t.Errorf("the demo plan has no %s change", k)
		}
	}
}
