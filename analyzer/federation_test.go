package analyzer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoOpenOIDCTrust: the demo's ci-deployer role trusts GitHub Actions
// for repo:northwind/*:ref:refs/heads/main, the main branch of every
// repository of the organization, and can push to ECR: rule IW-011 reports
// it as high, naming the pattern and the role.
func TestDemoOpenOIDCTrust(t *testing.T) {
	rep := analyzeDemo(t)
	var found bool
	for _, f := range rep.Findings {
		if f.RuleID != "IW-011" {
			continue
		}
		found = true
		if f.Severity != "high" || f.Capability != "image.push" || !strings.Contains(f.Message, "repo:northwind/*:ref:refs/heads/main") ||
			!strings.Contains(f.Message, shared+"role/ci-deployer") || len(f.Path) != 1 || f.Path[0].To != shared+"role/ci-deployer" {
			t.Errorf("IW-011 on the demo: %+v", f)
		}
	}
	if !found {
		t.Error("no IW-011 finding on the demo's ci-deployer trust")
	}
}

// TestOpenOIDCTrustThroughAChain: a role any GitHub repository can become
// (aud checked, sub not) that can assume a pushing role is critical, with
// the chain; a role pinned to one repository and branch that pushes
// directly is not reported.
func TestOpenOIDCTrustThroughAChain(t *testing.T) {
	const acct = "123456789012"
	gh := "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com"
	trust := func(cond map[string]any) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
			"Principal": map[string]any{"Federated": gh}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}}}
	}
	push := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
		"Action": []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"}, "Resource": "*"}}}
	role := func(name string, trust map[string]any, inline map[string]any) map[string]any {
		r := map[string]any{"Path": "/", "RoleName": name, "RoleId": "AROA" + strings.ToUpper(name), "Arn": "arn:aws:iam::" + acct + ":role/" + name,
			"AssumeRolePolicyDocument": trust, "AttachedManagedPolicies": []any{}, "RolePolicyList": []any{}}
		if inline != nil {
			r["RolePolicyList"] = []any{map[string]any{"PolicyName": "p", "PolicyDocument": inline}}
		}
		return r
	}
	assumePusher := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
		"Action": "sts:AssumeRole", "Resource": "arn:aws:iam::" + acct + ":role/pusher"}}}
	pusherTrust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":role/gh-any"}, "Action": "sts:AssumeRole"}}}
	doc := map[string]any{"UserDetailList": []any{}, "GroupDetailList": []any{}, "Policies": []any{}, "RoleDetailList": []any{
		role("gh-any", trust(map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}), assumePusher),
		role("pusher", pusherTrust, push),
		role("gh-pinned", trust(map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}), push),
	}}
	dir := t.TempDir()
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(filepath.Join(dir, "iam.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.RuleID != "IW-011" {
			continue
		}
		got = append(got, f.Severity+" "+f.Capability)
		if !strings.Contains(f.Message, "any subject") || !strings.Contains(f.Message, "role/gh-any") || len(f.Path) != 2 ||
			f.Path[1].To != "arn:aws:iam::"+acct+":role/pusher" {
			t.Errorf("IW-011: %+v", f)
		}
	}
	if len(got) == 0 || got[0] != "critical image.push" {
		t.Errorf("IW-011 findings: %v (want critical image.push through the chain, nothing for gh-pinned)", got)
	}
}
