package awscloud

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Apply replays a remediation change on the loaded inputs; it must come
// before Evaluate (or anything else that resolves the snapshot).
func (s *Snapshot) Apply(c remediate.Change) error {
	if s.resolved {
		return fmt.Errorf("changes must be applied before evaluation")
	}
	if err := remediate.CheckCloud(c, cloudName, "an AWS"); err != nil {
		return err
	}
	p := c.Params
	parse := func() (*iam.Policy, error) {
		if c.After == "" {
			return nil, nil
		}
		pol, err := parseCached([]byte(c.After))
		if err != nil {
			return nil, fmt.Errorf("the document after the change: %v", err)
		}
		return pol, nil
	}
	switch c.Kind {
	case KindOIDCPin: // oidc_remediate.go: the role's trust policy rewritten
		pol, err := parse()
		if err != nil {
			return err
		}
		pr := s.byARN[p["holder"]]
		if pr == nil || pr.kind != "role" || pol == nil {
			return fmt.Errorf("%s is not a role of the inputs, or the trust policy is empty", p["holder"])
		}
		pr.trust = pol
		return nil
	case KindStatementSplit:
		pol, err := parse()
		if err != nil {
			return err
		}
		if p["mode"] == "deny-policy" {
			if pol == nil {
				return fmt.Errorf("the deny policy is empty")
			}
			return s.attachNew(p["holder_kind"], p["holder"], p["account"], p["holder_name"], p["policy_name"], p["policy_arn"], pol)
		}
		switch p["holder_kind"] {
		case "user", "role":
			pr := s.byARN[p["holder"]]
			if pr == nil {
				return fmt.Errorf("%s is not in the inputs", p["holder"])
			}
			pr.inline, err = replaceInline(pr.inline, "inline:"+p["policy"], pol)
			return err
		case "group":
			gr := s.groups[p["account"]+"/"+p["holder_name"]]
			if gr == nil {
				return fmt.Errorf("group %s is not in the inputs", p["holder"])
			}
			gr.inline, err = replaceInline(gr.inline, "inline:"+p["policy"], pol)
			return err
		case "managed":
			m := s.managed[p["holder"]]
			if m == nil {
				return fmt.Errorf("managed policy %s is not in the inputs", p["holder"])
			}
			if pol == nil {
				pol = &iam.Policy{Version: "2012-10-17"} // deleted: grants nothing
			}
			m.policy = pol
			return nil
		}
		return fmt.Errorf("unknown holder kind %q", p["holder_kind"])
	case KindManagedSwap:
		to := p["to"]
		if _, ok := s.managed[to]; !ok {
			pol, err := parse()
			if err != nil {
				return err
			}
			if pol == nil {
				if m := replacementDocs[to]; m != nil {
					pol = m.policy
				} else {
					return fmt.Errorf("the document of %s is not known", to)
				}
			}
			s.managed[to] = &managed{name: shortName(to), arn: to, policy: pol}
		}
		var list *[]attachedPolicy
		switch p["holder_kind"] {
		case "user", "role":
			if pr := s.byARN[p["holder"]]; pr != nil {
				list = &pr.attached
			}
		case "group":
			if gr := s.groups[accountOf(p["holder"])+"/"+p["holder_name"]]; gr != nil {
				list = &gr.attached
			}
		}
		if list == nil {
			return fmt.Errorf("%s is not in the inputs", p["holder"])
		}
		found := false
		var out []attachedPolicy
		for _, a := range *list {
			if a.PolicyArn == p["from"] {
				found = true
				continue
			}
			if a.PolicyArn != to {
				out = append(out, a)
			}
		}
		if !found {
			return fmt.Errorf("%s has no attachment of %s", p["holder"], p["from"])
		}
		*list = append(out, attachedPolicy{PolicyName: shortName(to), PolicyArn: to})
		return nil
	case KindBoundary:
		pol, err := parse()
		if err != nil || pol == nil {
			return fmt.Errorf("boundary document: %v", err)
		}
		pr := s.byARN[p["principal"]]
		if pr == nil {
			return fmt.Errorf("%s is not in the inputs", p["principal"])
		}
		s.managed[p["policy_arn"]] = &managed{name: p["policy_name"], arn: p["policy_arn"], policy: pol}
		pr.boundary = &boundaryRef{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: p["policy_arn"]}
		return nil
	case KindRepoPolicy:
		pol, err := parse()
		if err != nil {
			return err
		}
		r, ok := s.repos[p["repository"]]
		if !ok {
			return fmt.Errorf("repository %s is not in the inputs", p["repository"])
		}
		if pol == nil {
			r.policy = nil
		} else {
			r.policy = &iam.NamedPolicy{Name: "repository-policy:" + r.name, Policy: pol}
		}
		return nil
	case KindSCP:
		pol, err := parse()
		if err != nil || pol == nil {
			return fmt.Errorf("SCP document: %v", err)
		}
		if s.org == nil {
			return fmt.Errorf("no organization in the inputs")
		}
		t := p["target"]
		if _, ok := s.org.name[t]; !ok {
			return fmt.Errorf("organization node %s is not in the inputs", t)
		}
		s.org.scps[t] = append(s.org.scps[t], iam.NamedPolicy{Name: "scp:" + p["policy_name"], Policy: pol})
		return nil
	}
	return remediate.UnknownKind(c)
}

// attachNew adds a new customer managed policy and attaches it to a user,
// role or group.
func (s *Snapshot) attachNew(kind, holder, account, holderName, name, arn string, pol *iam.Policy) error {
	var list *[]attachedPolicy
	switch kind {
	case "user", "role":
		if pr := s.byARN[holder]; pr != nil {
			list = &pr.attached
		}
	case "group":
		if gr := s.groups[account+"/"+holderName]; gr != nil {
			list = &gr.attached
		}
	}
	if list == nil {
		return fmt.Errorf("%s is not in the inputs", holder)
	}
	s.managed[arn] = &managed{name: name, arn: arn, policy: pol}
	*list = append(*list, attachedPolicy{PolicyName: name, PolicyArn: arn})
	return nil
}

func replaceInline(list []iam.NamedPolicy, name string, pol *iam.Policy) ([]iam.NamedPolicy, error) {
	var out []iam.NamedPolicy
	found := false
	for _, np := range list {
		if np.Name == name {
			found = true
			if pol != nil {
				out = append(out, iam.NamedPolicy{Name: name, Policy: pol})
			}
			continue
		}
		out = append(out, np)
	}
	if !found {
		return nil, fmt.Errorf("inline policy %s is not in the inputs", strings.TrimPrefix(name, "inline:"))
	}
	return out, nil
}

// otherAction stands, in a universe, for the actions a wildcard grants
// that neither the catalog nor any policy names.
const otherAction = "ImagewardenOtherAction"

// Universe lists, for every principal, the permissions Removes probes:
//
//   - inside the analysed accounts: every action its identity policies'
//     Allow statements name literally; for each wildcard (ecr:Put*, ec2:*),
//     the catalog actions it covers plus one made-up action standing for
//     the rest (ecr:PutImagewardenOtherAction); for "*" and NotAction, every
//     catalog action plus a made-up action per catalog service and one of
//     an unknown service. Each is probed on any resource of the account.
//   - outside principals (and "*"): the actions the repository policies
//     grant them, the same way, on each such repository.
func (s *Snapshot) Universe() map[string][]remediate.Permission {
	s.resolve()
	out := map[string][]remediate.Permission{}
	for _, p := range s.principals {
		set := map[string]bool{}
		if p.external || p.public {
			for _, a := range s.repoOrder {
				r := s.repos[a]
				if r.policy == nil {
					continue
				}
				for _, st := range r.policy.Policy.Statements {
					if st.Effect != iam.Allow || st.Principal == nil || st.NotPrincipal || !namesPrincipal(st.Principal, p) {
						continue
					}
					for _, act := range s.statementActions(st) {
						set[act+"\x00"+r.arn] = true
					}
				}
			}
		} else {
			for _, np := range p.identity {
				for _, st := range np.Policy.Statements {
					if st.Effect != iam.Allow {
						continue
					}
					for _, act := range s.statementActions(st) {
						set[act+"\x00"] = true
					}
				}
			}
		}
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a, r, _ := strings.Cut(k, "\x00")
			out[p.arn] = append(out[p.arn], remediate.Permission{Action: a, Resource: r})
		}
	}
	s.decideUniverse(out)
	return out
}

// decideUniverse decides every permission of the universe, principals in
// parallel, for Holds: remediation asks about each of them right after
// (remediate.Removes), one at a time.
func (s *Snapshot) decideUniverse(u map[string][]remediate.Permission) {
	ps := make([]*principal, 0, len(u))
	for _, p := range s.principals {
		if len(u[p.arn]) > 0 {
			ps = append(ps, p)
		}
	}
	held := make([]map[remediate.Permission]bool, len(ps))
	par.For(len(ps), func(i int) {
		m := make(map[remediate.Permission]bool, len(u[ps[i].arn]))
		for _, perm := range u[ps[i].arn] {
			m[perm] = s.holds(ps[i], perm)
		}
		held[i] = m
	})
	s.held = make(map[*principal]map[remediate.Permission]bool, len(ps))
	for i, p := range ps {
		s.held[p] = held[i]
	}
}

func namesPrincipal(pr *iam.Principals, p *principal) bool {
	if pr.HasWildcard() {
		return p.public
	}
	for _, v := range pr.Values["AWS"] {
		if v == p.arn || "arn:aws:iam::"+v+":root" == p.arn {
			return true
		}
	}
	return false
}

// statementActions are the actions of a statement's universe,
// remembered per statement (principals share managed policies).
// The universes are kept for the process, by catalog and statement:
// parsed policies are shared by every snapshot of the process (parseCached),
// and remediation asks about the snapshots before and after its changes.
func (s *Snapshot) statementActions(st *iam.Statement) []string {
	if s.universe.cat != s.cat || s.universe.catalog == nil {
		s.universe.cat, s.universe.catalog = s.cat, []string{}
		if s.cat != nil {
			for _, e := range s.cat.ForCloud(cloudName) {
				s.universe.catalog = append(s.universe.catalog, e.Action)
			}
		}
	}
	k := universeKey{s.cat, st}
	universes.Lock()
	out, ok := universes.m[k]
	universes.Unlock()
	if ok {
		return out
	}
	out = statementUniverse(st, s.universe.catalog)
	universes.Lock()
	if len(universes.m) < universesMax {
		universes.m[k] = out
	}
	universes.Unlock()
	return out
}

var universes = struct {
	sync.Mutex
	m map[universeKey][]string
}{m: map[universeKey][]string{}}

const universesMax = 1 << 20

type universeKey struct {
	cat *catalog.Catalog
	st  *iam.Statement
}

func statementUniverse(st *iam.Statement, catalog []string) []string {
	var out []string
	everything := st.NotActions
	for _, a := range st.Actions {
		if a.Raw == "*" {
			everything = true
		}
	}
	if everything {
		services := map[string]bool{}
		for _, a := range catalog {
			out = append(out, a)
			svc, _, _ := strings.Cut(a, ":")
			services[svc] = true
		}
		for svc := range services {
			out = append(out, svc+":"+otherAction)
		}
		out = append(out, "imagewarden-unknown-service:"+otherAction)
		if st.NotActions {
			for _, a := range st.Actions {
				if !strings.ContainsAny(a.Raw, "*?") {
					out = append(out, a.Raw)
				}
			}
		}
		return out
	}
	for _, a := range st.Actions {
		if !strings.ContainsAny(a.Raw, "*?") {
			out = append(out, a.Raw)
			continue
		}
		for _, c := range catalog {
			if a.Matches(c) {
				out = append(out, c)
			}
		}
		out = append(out, strings.NewReplacer("*", otherAction, "?", "X").Replace(a.Raw))
	}
	return out
}

// Holds decides a permission of a principal: on any resource of its own
// account (Resource empty: an Allow counts if it reaches some resource, a
// Deny only if it covers them all), or on one repository.
func (s *Snapshot) Holds(principalID string, perm remediate.Permission) bool {
	s.resolve()
	p := s.byARN[principalID]
	if p == nil {
		return false
	}
	if v, ok := s.held[p][perm]; ok {
		return v
	}
	return s.holds(p, perm)
}

func (s *Snapshot) holds(p *principal, perm remediate.Permission) bool {
	var r iam.Decision
	if perm.Resource == "" {
		r = iam.DecisionOf(&iam.Request{Principal: p.arn, Caller: p.caller, Action: perm.Action, Resource: "arn:*:*:*:*:*", ResourcePattern: true,
			ResourceAccount: p.account, Context: p.ctx}, p.policies(nil))
	} else {
		var pol *iam.NamedPolicy
		acct := accountOf(perm.Resource)
		if repo, ok := s.repos[perm.Resource]; ok {
			pol, acct = repo.policy, repo.account
		}
		r = iam.DecisionOf(&iam.Request{Principal: p.arn, Caller: p.caller, Action: perm.Action, Resource: perm.Resource, ResourceAccount: acct,
			Context: p.ctx}, p.policies(pol))
	}
	return r == iam.Allowed || r == iam.Conditional
}
