package awscloud

import (
	"encoding/json"
	"slices"
	"testing"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

const ghProvider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

// TestFederatedTrustSubjects: the subjects a trust statement lets become
// the role, per condition shape, and the scope they make.
func TestFederatedTrustSubjects(t *testing.T) {
	stmt := func(fed string, cond map[string]any) string {
		st := map[string]any{"Effect": "Allow", "Principal": map[string]any{"Federated": fed}, "Action": "sts:AssumeRoleWithWebIdentity"}
		if cond != nil {
			st["Condition"] = cond
		}
		b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
		return string(b)
	}
	gh := "token.actions.githubusercontent.com"
	eks := "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
	cases := []struct {
		name, doc           string
		none                bool // no trust at all for the issuer
		scope               string
		subjects, workflows []string
	}{
		{name: "no condition", doc: stmt(ghProvider, nil), scope: "any"},
		{name: "aud only", doc: stmt(ghProvider, map[string]any{"StringEquals": map[string]any{gh + ":aud": "sts.amazonaws.com"}}), scope: "any"},
		{name: "sub star", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "*"}}), scope: "any", subjects: []string{"*"}},
		{name: "any owner", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:*"}}), scope: "any", subjects: []string{"repo:*"}},
		{name: "owner prefix", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme*"}}), scope: "any", subjects: []string{"repo:acme*"}},
		{name: "organization", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme/*:*"}}), scope: "organization", subjects: []string{"repo:acme/*:*"}},
		{name: "organization main branch", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme/*:ref:refs/heads/main"}}), scope: "organization", subjects: []string{"repo:acme/*:ref:refs/heads/main"}},
		{name: "repository any branch", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme/app:*"}}), scope: "repository", subjects: []string{"repo:acme/app:*"}},
		{name: "pinned", doc: stmt(ghProvider, map[string]any{"StringEquals": map[string]any{gh + ":sub": "repo:acme/app:ref:refs/heads/main", gh + ":aud": "sts.amazonaws.com"}}), scope: "pinned", subjects: []string{"repo:acme/app:ref:refs/heads/main"}},
		// StringEquals compares * as a character: one (odd) subject.
		{name: "star under StringEquals is literal", doc: stmt(ghProvider, map[string]any{"StringEquals": map[string]any{gh + ":sub": "repo:acme/*:*"}}), scope: "pinned", subjects: []string{"repo:acme/*:*"}},
		{name: "ForAnyValue StringLike", doc: stmt(ghProvider, map[string]any{"ForAnyValue:StringLike": map[string]any{gh + ":sub": []string{"repo:acme/app:ref:refs/heads/main", "repo:acme/*:environment:prod"}}}), scope: "organization", subjects: []string{"repo:acme/app:ref:refs/heads/main", "repo:acme/*:environment:prod"}},
		{name: "narrowest condition wins", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme/*"}, "StringEquals": map[string]any{gh + ":sub": "repo:acme/app:environment:prod"}}), scope: "pinned", subjects: []string{"repo:acme/app:environment:prod"}},
		{name: "job_workflow_ref", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{gh + ":sub": "repo:acme/*"}, "StringEquals": map[string]any{gh + ":job_workflow_ref": "acme/pipelines/.github/workflows/publish.yml@refs/heads/main"}}), scope: "organization", subjects: []string{"repo:acme/*"}, workflows: []string{"acme/pipelines/.github/workflows/publish.yml@refs/heads/main"}},
		{name: "negated sub", doc: stmt(ghProvider, map[string]any{"StringNotLike": map[string]any{gh + ":sub": "repo:evil/*"}}), scope: "any"},
		// Keys of another issuer are absent from this issuer's tokens: the
		// statement never lets them in.
		{name: "wrong issuer", doc: stmt(ghProvider, map[string]any{"StringLike": map[string]any{"gitlab.com:sub": "project_path:acme/*"}}), none: true},
		{name: "wrong issuer IfExists", doc: stmt(ghProvider, map[string]any{"StringLikeIfExists": map[string]any{"gitlab.com:sub": "project_path:acme/*"}}), scope: "any"},
		{name: "saml provider", doc: stmt("arn:aws:iam::111122223333:saml-provider/Corp", nil), none: true},
		{name: "gitlab group", doc: stmt("arn:aws:iam::111122223333:oidc-provider/gitlab.com", map[string]any{"StringLike": map[string]any{"gitlab.com:sub": "project_path:acme/platform/*:ref_type:branch:ref:main"}}), scope: "organization", subjects: []string{"project_path:acme/platform/*:ref_type:branch:ref:main"}},
		{name: "gitlab any group", doc: stmt("arn:aws:iam::111122223333:oidc-provider/gitlab.com", map[string]any{"StringLike": map[string]any{"gitlab.com:sub": "project_path:*"}}), scope: "any", subjects: []string{"project_path:*"}},
		{name: "terraform cloud workspaces", doc: stmt("arn:aws:iam::111122223333:oidc-provider/app.terraform.io", map[string]any{"StringLike": map[string]any{"app.terraform.io:sub": "organization:acme:project:*:workspace:*:run_phase:*"}}), scope: "organization", subjects: []string{"organization:acme:project:*:workspace:*:run_phase:*"}},
		{name: "terraform cloud run phase", doc: stmt("arn:aws:iam::111122223333:oidc-provider/app.terraform.io", map[string]any{"StringLike": map[string]any{"app.terraform.io:sub": "organization:acme:project:images:workspace:publish:run_phase:*"}}), scope: "repository", subjects: []string{"organization:acme:project:images:workspace:publish:run_phase:*"}},
		{name: "eks namespace", doc: stmt("arn:aws:iam::111122223333:oidc-provider/"+eks, map[string]any{"StringLike": map[string]any{eks + ":sub": "system:serviceaccount:ci:*"}}), scope: "organization", subjects: []string{"system:serviceaccount:ci:*"}},
		{name: "eks any namespace", doc: stmt("arn:aws:iam::111122223333:oidc-provider/"+eks, map[string]any{"StringLike": map[string]any{eks + ":sub": "system:serviceaccount:*"}}), scope: "any", subjects: []string{"system:serviceaccount:*"}},
		{name: "eks pinned", doc: stmt("arn:aws:iam::111122223333:oidc-provider/"+eks, map[string]any{"StringEquals": map[string]any{eks + ":sub": "system:serviceaccount:ci:pusher"}}), scope: "pinned", subjects: []string{"system:serviceaccount:ci:pusher"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol, err := iam.ParsePolicy([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			ts := federatedTrusts("arn:aws:iam::111122223333:role/pusher", pol)
			if c.none {
				if len(ts) != 0 {
					t.Fatalf("no trust expected, got %+v", ts)
				}
				return
			}
			if len(ts) != 1 {
				t.Fatalf("one trust expected, got %+v", ts)
			}
			got := ts[0]
			if got.Scope != c.scope || !slices.Equal(got.Subjects, c.subjects) || !slices.Equal(got.Workflows, c.workflows) {
				t.Errorf("got scope %q subjects %q workflows %q, want %q %q %q", got.Scope, got.Subjects, got.Workflows, c.scope, c.subjects, c.workflows)
			}
			if got.Principal != "arn:aws:iam::111122223333:role/pusher" || got.Provider[:len("federated:")] != "federated:" {
				t.Errorf("principal/provider: %+v", got)
			}
		})
	}
}
