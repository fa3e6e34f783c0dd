package awscloud

import (
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Group membership as an escalation.
//
// A user that may add itself to a group of its account (iam:AddUserToGroup
// decided on the group's ARN, path included) gains the group's policies.
// The edge leads to the user's member node for that group: an admin-type
// node (model.AdminNode) whose scope is the group's ARN, which holds what
// the user's own policies and the group's policies allow together, under
// the user's permissions boundary and SCPs. The graph asks the plug-in
// what an admin-type node holds (AdminHolds), so a member node is decided
// like the user with one more group, by the same engine.
//
// From the member node, the self-escalations the member would have (adding
// a policy to itself, to the joined group or its other groups, a new
// version of a policy it then holds) lead to the user's admin node of the
// account: a group whose policies grant administrative access is reached
// that way, and so is a group the user may both join and rewrite.

// memberNode names user p's node as a member of group g.
func memberNode(g *group, p *principal) string {
	return model.AdminNode(cloudName, g.arn, p.arn)
}

// isMemberNode tells a member node from an account's admin node by its
// scope: a group ARN, not an account ID.
func isMemberNode(id string) bool {
	_, scope, _, ok := model.ParseAdminNode(id)
	return ok && strings.HasPrefix(scope, "arn:") && strings.Contains(scope, ":group/")
}

// memberOf reads a member node: its user and group, when the inputs have
// both.
func (s *Snapshot) memberOf(id string) (*principal, *group, bool) {
	if !isMemberNode(id) {
		return nil, nil, false
	}
	_, scope, arn, _ := model.ParseAdminNode(id)
	p := s.byARN[arn]
	g := s.groupByARN[scope]
	if p == nil || g == nil || p.kind != "user" {
		return nil, nil, false
	}
	return p, g, true
}

// groupPolicies are a group's inline and attached managed policies, named
// as resolve names them for the group's members. A managed policy missing
// from the inputs is left out (resolve warns about it for the members).
func (s *Snapshot) groupPolicies(g *group) []iam.NamedPolicy {
	var out []iam.NamedPolicy
	for _, np := range g.inline {
		out = append(out, iam.NamedPolicy{Name: "group:" + g.name + "/" + np.Name, Policy: np.Policy})
	}
	for _, a := range g.attached {
		if m, ok := s.managed[a.PolicyArn]; ok {
			out = append(out, iam.NamedPolicy{Name: m.arn, Policy: m.policy})
		}
	}
	return out
}

// asMember is user p as it would be once in group g: the same ARN,
// boundary, SCPs and context, the group's policies added to its own.
func (s *Snapshot) asMember(p *principal, g *group) *principal {
	m := *p
	m.groups = append(slices.Clip(p.groups), g.name)
	m.identity = append(slices.Clip(p.identity), s.groupPolicies(g)...)
	return &m
}

// groupsByAccount lists the groups of each account, sorted by ARN.
func (s *Snapshot) groupsByAccount() map[string][]*group {
	out := map[string][]*group{}
	for _, g := range s.groups {
		out[g.account] = append(out[g.account], g)
	}
	for _, gs := range out {
		sort.Slice(gs, func(i, j int) bool { return gs[i].arn < gs[j].arn })
	}
	return out
}

// groupJoinEdges are user p's edges into the groups of its account that it
// is not in and may add itself to, and each member node's own
// self-escalations, unless p reaches its admin node already (ownAdmin: the
// member node's would be a longer way there). decide decides p's request
// on a resource (no resource policy). Groups of other accounts are not
// candidates: IAM adds a user only to a group of its own account.
func (s *Snapshot) groupJoinEdges(p *principal, candidates []*group, ownAdmin bool, decide func(action, resource string) iam.Result) []model.Edge {
	in := map[string]bool{}
	for _, g := range p.groups {
		in[g] = true
	}
	var out []model.Edge
	for _, g := range candidates {
		if in[g.name] || g.account != p.account {
			continue
		}
		// A group without policies gives its members nothing, but a user
		// that may also add a policy to it gains what it adds.
		gives := len(g.inline) > 0 || len(g.attached) > 0
		if !gives && ownAdmin {
			continue
		}
		res := decide("iam:AddUserToGroup", g.arn)
		node := memberNode(g, p)
		e, ok := edgeFrom(res, p.arn, node, "group-join", "iam:AddUserToGroup")
		if !ok {
			continue
		}
		e.Note = "can add itself to group " + g.arn + " and gain the group's policies"
		var esc []model.Edge
		if !ownAdmin {
			m := s.asMember(p, g)
			esc = s.selfEscalations(m, node, func(action, resource string) iam.Result {
				return iam.Decide(&iam.Request{Principal: m.arn, Caller: m.caller, Action: action, Resource: resource, Context: m.ctx}, m.policies(nil))
			})
		}
		if !gives && len(esc) == 0 {
			continue
		}
		out = append(out, e)
		out = append(out, esc...)
	}
	return out
}

// selfEscalations are the edges from node (p itself, or p's member node)
// to p's admin node: p can add any policy to itself or to a group it is
// in, or change the default version of a customer managed policy it
// holds, or remove its permissions boundary.
func (s *Snapshot) selfEscalations(p *principal, from string, decide func(action, resource string) iam.Result) []model.Edge {
	var out []model.Edge
	admin := model.AdminNode(cloudName, p.account, p.arn)
	for _, a := range policyWrites[p.kind] {
		res := decide(a, p.arn)
		if e, ok := edgeFrom(res, from, admin, "self-escalation", a); ok {
			e.Note = "can add any policy to itself"
			out = append(out, e)
		}
	}
	// New default versions of the customer managed policies it holds;
	// an older version made default again is marked assumed (its content
	// is only known when the export lists every version).
	for _, np := range p.identity {
		if !strings.HasPrefix(np.Name, "arn:aws:iam::"+p.account+":policy/") {
			continue
		}
		for _, a := range []string{"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"} {
			res := decide(a, np.Name)
			if e, ok := edgeFrom(res, from, admin, "self-escalation", a); ok {
				e.Note = "can change the default version of " + np.Name + ", which it holds"
				e.Assumed = a == "iam:SetDefaultPolicyVersion"
				out = append(out, e)
			}
		}
	}
	// Removing its permissions boundary lifts the limit on what its own
	// policies grant: the admin node is then bound by SCPs alone.
	if p.bound != nil {
		a := map[string]string{"user": "iam:DeleteUserPermissionsBoundary", "role": "iam:DeleteRolePermissionsBoundary"}[p.kind]
		if a != "" {
			res := decide(a, p.arn)
			if e, ok := edgeFrom(res, from, admin, "boundary-removal", a); ok {
				e.Note = "can remove its permissions boundary (what it gains is what its own policies allow)"
				e.Assumed = true
				out = append(out, e)
			}
		}
	}
	if p.kind == "user" {
		// The policies of the groups it is in, each decided on the group's
		// ARN (with its path).
		for _, g := range p.groups {
			gr, ok := s.groups[p.account+"/"+g]
			if !ok {
				continue
			}
			for _, a := range []string{"iam:PutGroupPolicy", "iam:AttachGroupPolicy"} {
				res := decide(a, gr.arn)
				if e, ok := edgeFrom(res, from, admin, "self-escalation", a); ok {
					e.Note = "can add any policy to its group " + gr.arn
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// memberHolds is AdminHolds for a member node: the user's answer with the
// group's policies added, exactly as WhoCan would give it for a member.
func (s *Snapshot) memberHolds(node, action, resource string) model.Access {
	p, g, ok := s.memberOf(node)
	if !ok {
		return ""
	}
	if a, ok := s.bestAnswer(s.asMember(p, g), action, resource); ok {
		return a.Access
	}
	return ""
}

// memberVia names the grants that let a member node do action on
// resource: the statements of the user's and the group's policies that
// allow it, so that an answer through the node shows the group's grant.
func (s *Snapshot) memberVia(node, action, resource string) []model.Grant {
	p, g, ok := s.memberOf(node)
	if !ok {
		return nil
	}
	a, _ := s.bestAnswer(s.asMember(p, g), action, resource)
	return a.Via
}
