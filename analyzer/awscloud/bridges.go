package awscloud

import (
	"sort"
	"strings"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// An admin node ("administrator of account X, as principal P") holds what
// an administrator of X can do in X, and nothing in another account by
// itself: a request into another account needs that account's consent
// (a trust policy, a resource policy). The edges here are the real ways
// out of X an administrator of X can use:
//
//   - assume a role of another account whose trust policy admits P (or
//     every principal of X), with P's guardrails still applying;
//   - take over a principal of X that is a bridge (a role or user of X
//     that can step into another account, or that another account's
//     resource policy names), by rewriting its trust policy or minting
//     its credentials, and then use the bridge.
//
// Resource policies that admit X's principals are decided by AdminHolds on
// the resource itself (its account and its policy), so they need no edge.

// adminBridgeEdges returns the edges out of the admin nodes that edges
// reach.
func (s *Snapshot) adminBridgeEdges(ep *edgePlan, edges []model.Edge) []model.Edge {
	admins := map[string]*principal{} // admin node -> its principal
	var names []string                // the admin nodes, sorted
	for _, a := range model.AdminTargets(edges) {
		if isMemberNode(a) {
			continue // a group member, not an administrator of the account
		}
		_, _, arn, _ := model.ParseAdminNode(a)
		if p := s.byARN[arn]; p != nil && !p.external {
			admins[a] = p
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return nil
	}

	bridges := s.bridges(edges)
	byAccount := map[string][]*principal{}
	for _, p := range s.principals {
		if !p.public && !p.external {
			byAccount[p.account] = append(byAccount[p.account], p)
		}
	}
	// The roles of other accounts whose trust policies admit each
	// principal that has an admin node (only those: a trust of a whole
	// account admits thousands).
	isAdmin := map[string]bool{}
	for _, p := range admins {
		isAdmin[p.arn] = true
	}
	admits := map[string][]*principal{} // principal ARN -> roles elsewhere trusting it
	for _, r := range s.principals {
		if r.kind != "role" || r.external || r.trust == nil {
			continue
		}
		for _, c := range s.trustCandidates(r, byAccount) {
			if c.account != r.account && isAdmin[c.arn] {
				admits[c.arn] = append(admits[c.arn], r)
			}
		}
	}

	// Each admin node's edges, in parallel; the takeover of bridges its
	// guardrails cannot tell apart decided once.
	parts := make([][]model.Edge, len(names))
	par.For(len(names), func(i int) {
		admin := names[i]
		p := admins[admin]
		var out []model.Edge
		// Roles of one account with the same trust document (without a
		// Resource element) that the guardrails cannot tell apart: one
		// decision, the trust policy renamed.
		trustParts := map[*iam.Subset]*iam.Partition{}
		trusted := map[trustKey]trustDecision{}
		for _, r := range admits[p.arn] {
			name := "trust:" + r.name
			decide := func() iam.Result {
				return iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
					&iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps, Resource: &iam.NamedPolicy{Name: name, Policy: r.trust}})
			}
			var res iam.Result
			m, ok := ep.member[r.arn]
			switch {
			case !ok || hasResourceElement(r.trust):
				res = decide()
			default:
				sub := ep.subOf[m]
				part := trustParts[sub]
				if part == nil {
					part = ep.set.Partition(sub, guardrailPolicies(p)...)
					trustParts[sub] = part
				}
				k := trustKey{trust: r.trust, sub: sub, class: part.ClassOf(m)}
				if td, ok := trusted[k]; ok && k.class >= 0 {
					res = renamed(td.res, td.name, name)
				} else {
					res = decide()
					trusted[k] = trustDecision{res: res, name: name}
				}
			}
			if e, ok := edgeFrom(res, admin, r.arn, "assume-role", "sts:AssumeRole"); ok {
				e.Note = "as an administrator of account " + p.account + ", " + p.arn + " can assume this role of account " + r.account + ", whose trust policy admits it"
				out = append(out, e)
			}
		}
		var part *iam.Partition
		memo := map[[2]int]iam.Result{}
		for _, b := range bridges[p.account] {
			if b.arn == p.arn {
				continue
			}
			action, note := "iam:UpdateAssumeRolePolicy", "can rewrite the trust policy of "+b.arn+" and assume it"
			kind := 0
			if b.kind == "user" {
				action, note, kind = "iam:CreateAccessKey", "can create credentials for "+b.arn+" and sign in as it", 1
			}
			req := &iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: b.arn, ResourceAccount: p.account, Context: p.ctx}
			pol := &iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps}
			var res iam.Result
			if m, ok := ep.member[b.arn]; ok {
				if part == nil {
					part = ep.set.Partition(ep.subOf[m], guardrailPolicies(p)...)
				}
				k := [2]int{kind, part.ClassOf(m)}
				r, ok := memo[k]
				if !ok || k[1] < 0 {
					r = iam.Decide(req, pol)
					memo[k] = r
				}
				res = r
			} else {
				res = iam.Decide(req, pol)
			}
			if e, ok := edgeFrom(res, admin, b.arn, "admin-takeover", action); ok {
				e.Note = "as an administrator of account " + p.account + ", " + note + ": it reaches another account"
				out = append(out, e)
			}
		}
		parts[i] = out
	})
	return concat(nil, parts...)
}

// guardrailPolicies are what limits an admin node: the identity policy
// that stands for "anything", its boundary and its SCPs.
func guardrailPolicies(p *principal) []*iam.Policy {
	return p.appendGuardrails([]*iam.Policy{externalAdmin[0].Policy})
}

// bridges lists, by account, the principals that lead out of their
// account: the source of an edge to a principal of another account, or a
// principal that a resource policy of another account names.
func (s *Snapshot) bridges(edges []model.Edge) map[string][]*principal {
	seen := map[string]bool{}
	out := map[string][]*principal{}
	add := func(p *principal) {
		if p == nil || p.external || p.public || seen[p.arn] {
			return
		}
		seen[p.arn] = true
		out[p.account] = append(out[p.account], p)
	}
	for _, e := range edges {
		from, to := s.byARN[e.From], s.byARN[e.To]
		if from != nil && to != nil && !to.external && to.account != from.account {
			add(from)
		}
	}
	for _, k := range s.knownResources() {
		if k.policy == nil || k.policy.Policy == nil {
			continue
		}
		for _, st := range k.policy.Policy.Statements {
			if st.Principal == nil || st.Effect != iam.Allow || st.NotPrincipal {
				continue
			}
			for _, v := range st.Principal.Values["AWS"] {
				if p := s.byARN[v]; p != nil && p.account != k.account {
					add(p)
				}
			}
		}
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].arn < ps[j].arn })
	}
	return out
}

// resourceOwner is the account a resource belongs to, and its resource
// policy: a known repository's or image's, else the account in its ARN.
func (s *Snapshot) resourceOwner(resource string) (account string, policy *iam.NamedPolicy) {
	if s.resourceIndex == nil {
		s.resourceIndex = map[string]knownResource{}
		for _, k := range s.knownResources() {
			s.resourceIndex[k.model.ID] = k
		}
	}
	if k, ok := s.resourceIndex[resource]; ok {
		return k.account, k.policy
	}
	if parts := strings.SplitN(resource, ":", 6); len(parts) == 6 {
		return parts[4], nil
	}
	return "", nil
}

// AdminVia names the grants of another account that let an admin node in
// on a resource there (its resource policy's statements), so that an
// answer through the admin node shows the account-crossing grant; nil in
// the admin's own account.
func (s *Snapshot) AdminVia(admin, action, resource string) []model.Grant {
	if isMemberNode(admin) {
		return s.memberVia(admin, action, resource)
	}
	_, account, arn, ok := model.ParseAdminNode(admin)
	p := s.byARN[arn]
	if !ok || p == nil || resource == "" {
		return nil
	}
	owner, policy := s.resourceOwner(resource)
	if owner == "" || owner == account || policy == nil {
		return nil
	}
	r := iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: resource, ResourcePattern: strings.ContainsAny(resource, "*?"), ResourceAccount: owner, Context: p.ctx},
		&iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps, Resource: policy})
	var out []model.Grant
	for _, g := range r.Reasons {
		if g.PolicyType == "resource_policy" && g.Effect == "Allow" {
			out = append(out, model.Grant(g))
		}
	}
	return out
}
