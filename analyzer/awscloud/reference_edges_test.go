package awscloud

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// The edges as they were decided before the edge plan (decider.go): every
// request decided on its own, sequentially. Edges must give the same
// edges (TestEdgesMatchReference).

func (s *Snapshot) referenceEdges() []model.Edge {
	s.resolve()
	var out []model.Edge
	byAccount := map[string][]*principal{}
	for _, p := range s.principals {
		if !p.public {
			byAccount[p.account] = append(byAccount[p.account], p)
		}
	}
	var roles []*principal
	for _, p := range s.principals {
		if p.kind == "role" && !p.external && p.trust != nil {
			roles = append(roles, p)
		}
	}
	// Per principal, the rights that could start an edge at all, decided
	// on patterns once, so that most (principal, role) pairs need no
	// decision.
	type powers struct {
		passRole bool
		passAll  bool            // may pass every role of the account, with no deny on any
		runs     map[string]bool // service -> can start it
	}
	pw := map[string]*powers{}
	for _, p := range s.principals {
		if p.external || p.public {
			continue
		}
		w := &powers{runs: map[string]bool{}}
		w.passRole = s.allowedOn(p, "iam:PassRole", "arn:aws:iam::"+p.account+":role/*", true)
		if w.passRole {
			whole := &iam.Request{Principal: p.arn, Action: "iam:PassRole", Resource: "arn:aws:iam::" + p.account + ":role/*", ResourcePattern: true,
				AllowWhole: true, DenyPart: true, ResourceAccount: p.account, Context: p.ctx}
			if res := iam.Decide(whole, p.policies(nil)); res.Decision == iam.Allowed || res.Decision == iam.Conditional {
				w.passAll = true
			}
			for svc, acts := range serviceRunners {
				for _, a := range acts {
					if s.allowedOn(p, a, "*", false) || s.allowedOn(p, a, "arn:aws:"+strings.SplitN(a, ":", 2)[0]+":*:"+p.account+":*", true) {
						w.runs[svc] = true
						break
					}
				}
				if _, ok := runsBySet(svc, func(a string) bool {
					return s.allowedOn(p, a, "*", false) || s.allowedOn(p, a, "arn:aws:"+strings.SplitN(a, ":", 2)[0]+":*:"+p.account+":*", true)
				}); ok {
					w.runs[svc] = true
				}
			}
		}
		pw[p.arn] = w
		if w.passAll {
			res := iam.Decide(&iam.Request{Principal: p.arn, Action: "iam:PassRole", Resource: "arn:aws:iam::" + p.account + ":role/*", ResourcePattern: true,
				AllowWhole: true, ResourceAccount: p.account, Context: p.ctx}, p.policies(nil))
			for svc := range w.runs {
				if e, ok := edgeFrom(res, p.arn, launchNode(p.account, svc), "pass-role", "iam:PassRole"); ok {
					e.Permissions = append(e.Permissions, serviceRunners[svc]...)
					e.Note = "can pass any role of the account to " + svc + ", which runs code as it"
					out = append(out, e)
				}
			}
		}
	}
	// Which takeover action sets each principal holds, anywhere.
	tk := map[string]map[string]bool{}
	for _, p := range s.principals {
		if p.external || p.public {
			continue
		}
		tk[p.arn] = map[string]bool{}
		for _, sets := range serviceTakeovers {
			for _, set := range sets {
				all := true
				for _, a := range set {
					if !s.allowedOn(p, a, "*", false) && !s.allowedOn(p, a, "arn:aws:"+strings.SplitN(a, ":", 2)[0]+":*:"+p.account+":*", true) {
						all = false
						break
					}
				}
				if all {
					tk[p.arn][strings.Join(set, "+")] = true
				}
			}
		}
	}
	// Taking over a service's compute in one's account.
	for _, p := range s.principals {
		for svc, sets := range serviceTakeovers {
			for _, set := range sets {
				if tk[p.arn][strings.Join(set, "+")] {
					out = append(out, model.Edge{From: p.arn, To: computeNode(p.account, svc), Cloud: cloudName, Kind: "takeover", Permissions: set, Assumed: true,
						Note: "can take over " + svc + " compute in the account"})
				}
			}
		}
	}
	// Federated identities (OIDC providers such as GitHub Actions, SAML
	// providers) that a trust policy lets in.
	for _, r := range roles {
		for _, st := range r.trust.Statements {
			if st.Principal == nil || st.Effect != iam.Allow || st.NotPrincipal {
				continue
			}
			for _, fed := range st.Principal.Values["Federated"] {
				for _, act := range []string{"sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"} {
					res := iam.Decide(&iam.Request{Principal: fed, Action: act, Resource: r.arn, ResourceAccount: r.account, Context: iam.NewContext(false)},
						&iam.Policies{Resource: &iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}})
					if e, ok := edgeFrom(res, model.FederatedPrefix+fed, r.arn, "assume-role", act); ok {
						e.Note = "identities of " + fed + " that meet the trust policy's conditions"
						out = append(out, e)
					}
				}
			}
		}
	}
	for _, r := range roles {
		for _, p := range s.trustCandidates(r, byAccount) {
			if p.arn == r.arn {
				continue
			}
			res := iam.Decide(&iam.Request{Principal: p.arn, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
				p.policies(&iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}))
			if e, ok := edgeFrom(res, p.arn, r.arn, "assume-role", "sts:AssumeRole"); ok {
				out = append(out, e)
			}
		}
		// Compute of a service the role trusts may run as it (assumed,
		// until the inputs list that compute).
		// Image Builder compute runs as roles that trust EC2.
		for _, svc := range trustedServices(r.trust) {
			nodes := []string{}
			if _, ok := serviceTakeovers[svc]; ok && svc != "imagebuilder.amazonaws.com" {
				nodes = append(nodes, svc)
			}
			if svc == "ec2.amazonaws.com" {
				nodes = append(nodes, "imagebuilder.amazonaws.com")
			}
			for _, node := range nodes {
				out = append(out, model.Edge{From: computeNode(r.account, node), To: r.arn, Cloud: cloudName, Kind: "runs-as", Assumed: true,
					Note: node + " compute may run as this role (the inputs list no such compute)"})
			}
		}
		// PassRole to a service the role trusts.
		for _, svc := range trustedServices(r.trust) {
			if _, known := serviceRunners[svc]; !known {
				continue
			}
			out = append(out, model.Edge{From: launchNode(r.account, svc), To: r.arn, Cloud: cloudName, Kind: "runs-as",
				Note: svc + " runs code as the role passed to it"})
			for _, p := range byAccount[r.account] {
				w := pw[p.arn]
				if w == nil || !w.passRole || !w.runs[svc] || p.arn == r.arn || w.passAll {
					continue // passAll: one edge to the launch node stands for all roles
				}
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: "iam:PassRole", Resource: r.arn, Context: p.ctx}, p.policies(nil))
				e, ok := edgeFrom(res, p.arn, r.arn, "pass-role", "iam:PassRole")
				if !ok {
					continue
				}
				e.Permissions = append(e.Permissions, serviceRunners[svc]...)
				e.Note = "passes the role to " + svc + ", which runs code as it"
				out = append(out, e)
			}
		}
	}
	out = append(out, s.referenceEscalationEdges()...)
	out = append(out, s.referenceRewriteEdges(out)...)
	out = append(out, s.referenceAdminBridgeEdges(out)...)
	return model.MergeEdges(out)
}

func (s *Snapshot) referenceRewriteEdges(edges []model.Edge) []model.Edge {
	var out []model.Edge
	for _, e := range edges {
		from, to := s.byARN[e.From], s.byARN[e.To]
		if from == nil || to == nil || from.external || to.account != from.account {
			continue
		}
		acts := append([]string(nil), policyWrites[to.kind]...)
		for _, np := range to.identity {
			if strings.HasPrefix(np.Name, "arn:aws:iam::"+to.account+":policy/") {
				acts = append(acts, "iam:CreatePolicyVersion|"+np.Name)
			}
		}
		for _, a := range acts {
			action, resource, _ := strings.Cut(a, "|")
			if resource == "" {
				resource = to.arn
			}
			res := iam.Decide(&iam.Request{Principal: from.arn, Action: action, Resource: resource, Context: from.ctx}, from.policies(nil))
			if r, ok := edgeFrom(res, from.arn, model.AdminNode(cloudName, to.account, to.arn), "policy-rewrite", action); ok {
				r.Note = "can change the policies of " + to.arn + ", which it can act as"
				out = append(out, r)
			}
		}
	}
	return out
}

func (s *Snapshot) referenceEscalationEdges() []model.Edge {
	var out []model.Edge
	for _, p := range s.principals {
		if p.external || p.public {
			continue
		}
		ownStart := len(out)
		admin := model.AdminNode(cloudName, p.account, p.arn)
		var selfActs []string
		switch p.kind {
		case "user":
			selfActs = []string{"iam:PutUserPolicy", "iam:AttachUserPolicy"}
		case "role":
			selfActs = []string{"iam:PutRolePolicy", "iam:AttachRolePolicy"}
		}
		for _, a := range selfActs {
			res := iam.Decide(&iam.Request{Principal: p.arn, Action: a, Resource: p.arn, Context: p.ctx}, p.policies(nil))
			if e, ok := edgeFrom(res, p.arn, admin, "self-escalation", a); ok {
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
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: a, Resource: np.Name, Context: p.ctx}, p.policies(nil))
				if e, ok := edgeFrom(res, p.arn, admin, "self-escalation", a); ok {
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
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: a, Resource: p.arn, Context: p.ctx}, p.policies(nil))
				if e, ok := edgeFrom(res, p.arn, admin, "boundary-removal", a); ok {
					e.Note = "can remove its permissions boundary (what it gains is what its own policies allow)"
					e.Assumed = true
					out = append(out, e)
				}
			}
		}
		if p.kind == "user" {
			// The policies of the groups it is in.
			for _, g := range p.groups {
				gr, ok := s.groups[p.account+"/"+g]
				if !ok {
					continue
				}
				for _, a := range []string{"iam:PutGroupPolicy", "iam:AttachGroupPolicy"} {
					res := iam.Decide(&iam.Request{Principal: p.arn, Action: a, Resource: gr.arn, Context: p.ctx}, p.policies(nil))
					if e, ok := edgeFrom(res, p.arn, admin, "self-escalation", a); ok {
						e.Note = "can add any policy to its group " + gr.arn
						out = append(out, e)
					}
				}
			}
			// Every group of its account it is not in, by ARN; a member
			// node's self-escalations only when p has none of its own; a
			// group without policies only for the escalations it gives.
			ownAdmin := len(out) > ownStart
			var groups []*group
			for _, g := range s.groups {
				if g.account == p.account && !slices.Contains(p.groups, g.name) {
					groups = append(groups, g)
				}
			}
			sort.Slice(groups, func(i, j int) bool { return groups[i].arn < groups[j].arn })
			for _, g := range groups {
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: "iam:AddUserToGroup", Resource: g.arn, Context: p.ctx}, p.policies(nil))
				e, ok := edgeFrom(res, p.arn, memberNode(g, p), "group-join", "iam:AddUserToGroup")
				if !ok {
					continue
				}
				e.Note = "can add itself to group " + g.arn + " and gain the group's policies"
				var esc []model.Edge
				if !ownAdmin {
					m := s.asMember(p, g)
					esc = s.selfEscalations(m, e.To, func(action, resource string) iam.Result {
						return iam.Decide(&iam.Request{Principal: m.arn, Action: action, Resource: resource, Context: m.ctx}, m.policies(nil))
					})
				}
				if len(g.inline)+len(g.attached) == 0 && len(esc) == 0 {
					continue
				}
				out = append(out, e)
				out = append(out, esc...)
			}
		}
		// Other principals: rewrite a role's trust, mint a user's credentials.
		if s.allowedOn(p, "iam:UpdateAssumeRolePolicy", "arn:aws:iam::"+p.account+":role/*", true) {
			for _, r := range s.principals {
				if r.kind != "role" || r.account != p.account || r.external || r.arn == p.arn {
					continue
				}
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: "iam:UpdateAssumeRolePolicy", Resource: r.arn, Context: p.ctx}, p.policies(nil))
				if e, ok := edgeFrom(res, p.arn, r.arn, "trust-rewrite", "iam:UpdateAssumeRolePolicy"); ok {
					e.Note = "can rewrite the role's trust policy to let itself in"
					out = append(out, e)
				}
			}
		}
		for _, a := range []string{"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"} {
			if !s.allowedOn(p, a, "arn:aws:iam::"+p.account+":user/*", true) {
				continue
			}
			for _, u := range s.principals {
				if u.kind != "user" || u.account != p.account || u.arn == p.arn {
					continue
				}
				res := iam.Decide(&iam.Request{Principal: p.arn, Action: a, Resource: u.arn, Context: p.ctx}, p.policies(nil))
				if e, ok := edgeFrom(res, p.arn, u.arn, "credentials", a); ok {
					e.Note = "can create credentials for the user and sign in as it"
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// TestEdgesMatchReference: Edges through the plan (deciders, classes,
// parallel stages) gives exactly the edges of deciding every request on
// its own, on the demo and on synthetic organizations.
func TestEdgesMatchReference(t *testing.T) {
	for name, files := range referenceInputs(t) {
		t.Run(name, func(t *testing.T) {
			want := loadFiles(t, files).referenceEdges()
			got := loadFiles(t, files).Edges()
			if len(want) == 0 {
				t.Fatal("no edges: the test proves nothing")
			}
			if reflect.DeepEqual(got, want) {
				return
			}
			for i := 0; i < len(got) && i < len(want); i++ {
				if !reflect.DeepEqual(got[i], want[i]) {
					g, _ := json.MarshalIndent(got[i], "", " ")
					w, _ := json.MarshalIndent(want[i], "", " ")
					t.Fatalf("edge %d differs:\ngot  %s\nwant %s", i, g, w)
				}
			}
			t.Fatalf("%d edges, want %d", len(got), len(want))
		})
	}
}

func (s *Snapshot) referenceAdminBridgeEdges(edges []model.Edge) []model.Edge {
	admins := map[string]*principal{} // admin node -> its principal
	for _, e := range edges {
		if isMemberNode(e.To) {
			continue
		}
		if _, _, arn, ok := model.ParseAdminNode(e.To); ok {
			if p := s.byARN[arn]; p != nil && !p.external {
				admins[e.To] = p
			}
		}
	}
	if len(admins) == 0 {
		return nil
	}
	names := make([]string, 0, len(admins))
	for a := range admins {
		names = append(names, a)
	}
	sort.Strings(names)

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

	var out []model.Edge
	for _, admin := range names {
		p := admins[admin]
		for _, r := range admits[p.arn] {
			res := iam.Decide(&iam.Request{Principal: p.arn, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
				&iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps, Resource: &iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}})
			if e, ok := edgeFrom(res, admin, r.arn, "assume-role", "sts:AssumeRole"); ok {
				e.Note = "as an administrator of account " + p.account + ", " + p.arn + " can assume this role of account " + r.account + ", whose trust policy admits it"
				out = append(out, e)
			}
		}
		for _, b := range bridges[p.account] {
			if b.arn == p.arn {
				continue
			}
			action, note := "iam:UpdateAssumeRolePolicy", "can rewrite the trust policy of "+b.arn+" and assume it"
			if b.kind == "user" {
				action, note = "iam:CreateAccessKey", "can create credentials for "+b.arn+" and sign in as it"
			}
			res := iam.Decide(&iam.Request{Principal: p.arn, Action: action, Resource: b.arn, ResourceAccount: p.account, Context: p.ctx},
				&iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps})
			if e, ok := edgeFrom(res, admin, b.arn, "admin-takeover", action); ok {
				e.Note = "as an administrator of account " + p.account + ", " + note + ": it reaches another account"
				out = append(out, e)
			}
		}
	}
	return out
}
