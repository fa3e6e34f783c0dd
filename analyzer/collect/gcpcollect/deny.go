package gcpcollect

import (
	"context"
	"net/url"
	"sort"
	"strings"

	iamv2 "google.golang.org/api/iam/v2"
)

// denyPolicyJSON is a deny policy as `gcloud iam policies get` prints it
// (docs/inputs.md G5). kind and rules are always written: analyze
// recognises the file by them.
type denyPolicyJSON struct {
	Name        string            `json:"name"`
	UID         string            `json:"uid,omitempty"`
	Kind        string            `json:"kind"`
	DisplayName string            `json:"displayName,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	CreateTime  string            `json:"createTime,omitempty"`
	UpdateTime  string            `json:"updateTime,omitempty"`
	Rules       []denyRuleJSON    `json:"rules"`
}

type denyRuleJSON struct {
	Description string    `json:"description,omitempty"`
	DenyRule    *denyRule `json:"denyRule,omitempty"`
}

type denyRule struct {
	DeniedPrincipals     []string   `json:"deniedPrincipals"`
	ExceptionPrincipals  []string   `json:"exceptionPrincipals,omitempty"`
	DeniedPermissions    []string   `json:"deniedPermissions"`
	ExceptionPermissions []string   `json:"exceptionPermissions,omitempty"`
	DenialCondition      *condition `json:"denialCondition,omitempty"`
}

// denyParent is where the deny policies of a node are listed. The
// attachment point is one path segment, its slashes URL-encoded, as the
// API documents; the client library encodes the segment once more and the
// server decodes both.
func denyParent(node string) string {
	return "policies/" + url.PathEscape("cloudresourcemanager.googleapis.com/"+node) + "/denypolicies"
}

// denyPolicies writes NODE/deny-policies.json: the deny policies attached
// to an organization, folder or project. listPolicies gives names only, so
// each policy is then read whole with its rules.
func (r *run) denyPolicies(ctx context.Context, node string) Scope {
	s := Scope{Name: node + "/deny-policies"}
	var names []string
	err := r.c.iamv2.Policies.ListPolicies(denyParent(node)).Context(ctx).Pages(ctx, func(resp *iamv2.GoogleIamV2ListPoliciesResponse) error {
		for _, p := range resp.Policies {
			if p != nil && p.Name != "" {
				names = append(names, p.Name)
			}
		}
		return nil
	})
	if err != nil {
		s.Error = failed("iam.policies.listPolicies", denyParent(node), err)
		return s
	}
	sort.Strings(names)
	out := []denyPolicyJSON{}
	for _, name := range names {
		p, err := r.c.iamv2.Policies.Get(name).Context(ctx).Do()
		if err != nil {
			s.Error = failed("iam.policies.get", name, err)
			return s
		}
		dp := denyPolicyOf(p)
		if dp.Name == "" {
			dp.Name = name
		}
		out = append(out, dp)
		r.noteDenyGroups(dp)
	}
	return r.writeScope(s, node+"/deny-policies.json", out)
}

func denyPolicyOf(p *iamv2.GoogleIamV2Policy) denyPolicyJSON {
	out := denyPolicyJSON{Name: p.Name, UID: p.Uid, Kind: p.Kind, DisplayName: p.DisplayName, Annotations: p.Annotations,
		Etag: p.Etag, CreateTime: p.CreateTime, UpdateTime: p.UpdateTime, Rules: []denyRuleJSON{}}
	if out.Kind == "" {
		out.Kind = "DenyPolicy" // listed under denypolicies: nothing else can be there
	}
	for _, rule := range p.Rules {
		if rule == nil {
			continue
		}
		rj := denyRuleJSON{Description: rule.Description}
		if d := rule.DenyRule; d != nil {
			rj.DenyRule = &denyRule{DeniedPrincipals: sorted(d.DeniedPrincipals), ExceptionPrincipals: sortedOrNil(d.ExceptionPrincipals),
				DeniedPermissions: sorted(d.DeniedPermissions), ExceptionPermissions: sortedOrNil(d.ExceptionPermissions)}
			if c := d.DenialCondition; c != nil {
				rj.DenyRule.DenialCondition = &condition{Title: c.Title, Description: c.Description, Expression: c.Expression}
			}
		}
		out.Rules = append(out.Rules, rj)
	}
	return out
}

func sortedOrNil(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return sorted(l)
}

// groupPrincipal is how a deny rule names a Google group.
const groupPrincipal = "principalSet://goog/group/"

// noteDenyGroups remembers the groups a deny policy names: with --groups
// their members are collected too, or the deny would reach no one.
func (r *run) noteDenyGroups(p denyPolicyJSON) {
	var groups []string
	for _, rule := range p.Rules {
		if rule.DenyRule == nil {
			continue
		}
		for _, l := range [][]string{rule.DenyRule.DeniedPrincipals, rule.DenyRule.ExceptionPrincipals} {
			for _, m := range l {
				if g, ok := strings.CutPrefix(m, groupPrincipal); ok {
					groups = append(groups, g)
				}
			}
		}
	}
	r.noteGroups(groups)
}
