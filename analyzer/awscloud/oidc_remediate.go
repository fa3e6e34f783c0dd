package awscloud

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// KindOIDCPin pins the subject of a role's OIDC trust (rule IW-011).
const KindOIDCPin = "aws-oidc-trust-pin"

// oidcOpenTrustRule is the rule whose findings KindOIDCPin resolves.
const oidcOpenTrustRule = "IW-011"

// oidcPlaceholderPrefix marks the subject the reviewer must write: no
// token's subject starts with it, so the change applied as it is lets no
// token in (it closes the trust rather than guessing a repository).
const oidcPlaceholderPrefix = "IMAGEWARDEN-REVIEW-"

// oidcPlaceholder is the pinned subject to fill in, in the platform's
// format.
func oidcPlaceholder(platform string) string {
	switch platform {
	case "github-actions":
		return oidcPlaceholderPrefix + "repo:OWNER/REPOSITORY:ref:refs/heads/BRANCH"
	case "gitlab":
		return oidcPlaceholderPrefix + "project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH"
	case "terraform-cloud":
		return oidcPlaceholderPrefix + "organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:apply"
	case "kubernetes":
		return oidcPlaceholderPrefix + "system:serviceaccount:NAMESPACE:SERVICE-ACCOUNT"
	}
	return oidcPlaceholderPrefix + "SUBJECT"
}

// oidcPinChanges rewrites the trust policy of each role an IW-011 finding
// names (its path's first step): every open OIDC statement gets a
// StringEquals condition on ISSUER:sub with a placeholder subject, and
// loses its other conditions on ISSUER:sub. The right repository and
// branch cannot be known from the policies: the notes say so, and what
// the statement allowed before.
func (s *Snapshot) oidcPinChanges(findings []*model.Finding) []remediate.Change {
	byRole := map[string][]string{}
	for _, f := range findings {
		if f.RuleID != oidcOpenTrustRule || len(f.Path) == 0 {
			continue
		}
		byRole[f.Path[0].To] = append(byRole[f.Path[0].To], f.ID)
	}
	roles := make([]string, 0, len(byRole))
	for r := range byRole {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var out []remediate.Change
	for _, arn := range roles {
		p := s.byARN[arn]
		if p == nil || p.trust == nil {
			continue
		}
		open := map[int]model.FederatedTrust{}
		for _, t := range federatedTrusts(p.arn, p.trust) {
			if t.Scope != "pinned" {
				for _, st := range p.trust.Statements {
					if st.Label() == t.Statement {
						open[st.Index] = t
					}
				}
			}
		}
		if len(open) == 0 {
			continue
		}
		var stmts []stmtDoc
		var notes []string
		for _, st := range p.trust.Statements {
			d := stmtFromRaw(st.Raw())
			if t, ok := open[st.Index]; ok {
				d.Condition = pinSubject(d.Condition, t.Issuer, oidcPlaceholder(t.Platform))
				was := "any subject"
				if len(t.Subjects) > 0 {
					was = strings.Join(t.Subjects, ", ")
				}
				notes = append(notes, fmt.Sprintf("statement %s (%s, %s) allowed %s: replace the placeholder %s with the one repository and branch or environment (project, workspace, service account) that publishes; imagewarden cannot know it, and the placeholder as it is lets no token in",
					t.Statement, t.Issuer, t.Platform, was, oidcPlaceholder(t.Platform)))
			}
			stmts = append(stmts, d)
		}
		c := remediate.Change{Cloud: cloudName, Kind: KindOIDCPin, Target: p.arn + " trust policy", Before: canonical(p.trust),
			After: renderPolicy(p.trust.Version, p.trust.ID, stmts), FindingIDs: byRole[arn], Notes: notes,
			Params: map[string]string{"holder": p.arn}}
		c.Summary = fmt.Sprintf("role %s: pin the OIDC subject of %d trust statement(s) (placeholder to fill in)", p.name, len(open))
		c.Check("IAM role name", p.name, iam.ValidRoleName(p.name))
		c.AddCommand(remediate.Command([]string{"aws", "iam", "update-assume-role-policy"}, "--role-name", p.name, "--policy-document", "file://"+remediate.ArtifactPlaceholder)...)
		out = append(out, c)
	}
	return out
}

// pinSubject is a Condition block with every condition on ISSUER:sub
// taken out and StringEquals ISSUER:sub = subject put in.
func pinSubject(cond any, issuer, subject string) map[string]any {
	out := map[string]any{}
	prefix := strings.ToLower(issuer) + ":"
	if m, ok := cond.(map[string]any); ok {
		for op, kv := range m {
			keys, ok := kv.(map[string]any)
			if !ok {
				out[op] = kv
				continue
			}
			kept := map[string]any{}
			for k, v := range keys {
				if strings.ToLower(k) != prefix+"sub" {
					kept[k] = v
				}
			}
			if len(kept) > 0 {
				out[op] = kept
			}
		}
	}
	eq, _ := out["StringEquals"].(map[string]any)
	if eq == nil {
		eq = map[string]any{}
	}
	eq[issuer+":sub"] = subject
	out["StringEquals"] = eq
	return out
}
