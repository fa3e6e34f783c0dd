package awscloud

import (
	"slices"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// plan is what Evaluate prepares once for all principals, so that the
// work per principal does not grow with the number of listed resources:
//
//   - which listed resources each catalog action applies to;
//   - the listed resources as an iam.ResourceSet, which tells the ones a
//     principal's policies cannot tell apart (the same wildcard matches
//     them all, or none does): a principal's request on each of them gets
//     the same decision, so it is decided once per class;
//   - per action, the resources whose resource policy has a statement for
//     it: only those can be decided differently from the class, and only
//     for the principals the policy names;
//   - per identity policy, the actions it may allow at all: an action no
//     policy of the principal may allow is allowed on no resource without
//     a resource policy that names the principal.
type plan struct {
	actions []action
	ids     []iam.ActionID
	known   []knownResource
	set     *iam.ResourceSet
	// applies[a][k]: action a applies to known resource k (its type, and
	// the actions a V1 registry policy governs).
	applies [][]bool
	// policied[a]: the known resources whose policy has a statement for a;
	// reachAllow[a] indexes them by the callers their Allow statements may
	// name (iam.PrincipalKeys), reach[a] by the callers any statement may
	// name and their account (key + "|" + account): a Deny alone matters
	// only in the principal's account, where an identity policy may allow.
	policied          [][]int
	reach, reachAllow []map[string][]int

	allow *allowIndex // the actions each policy may allow
	bit   []int       // the bit of each action in allow's masks
	// patterns[account][a]: action a's resource type in the account.
	patterns map[string][]string
	// trusts files roles by whom their trust may admit (assume_facts.go).
	trusts *trustIndex
}

func (s *Snapshot) newPlan(actions []action, known []knownResource) *plan {
	pl := &plan{actions: actions, known: known}
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.entry.Action
	}
	pl.allow = newAllowIndex(names)
	for _, n := range names {
		pl.bit = append(pl.bit, pl.allow.index[n])
	}
	pl.patterns = map[string][]string{}
	for _, p := range s.principals {
		if _, ok := pl.patterns[p.account]; ok || p.external {
			continue
		}
		l := make([]string, len(actions))
		for i, a := range actions {
			if a.entry.Resource != "*" {
				l[i] = instantiate(a.entry.Resource, p.account)
			}
		}
		pl.patterns[p.account] = l
	}
	arns := make([]string, len(known))
	patterns := make([]bool, len(known))
	tags := make([]string, len(known))
	pl.applies = make([][]bool, len(actions))
	pl.policied = make([][]int, len(actions))
	for i := range actions {
		pl.applies[i] = make([]bool, len(known))
	}
	for j, k := range known {
		arns[j], patterns[j] = k.model.ID, k.pattern
		// Members of a class must be requested alike: the same account, the
		// same actions applying, and decided on their own when they stand
		// for their policy only (registries).
		var tag strings.Builder
		tag.WriteString(k.account)
		tag.WriteByte('|')
		for i, a := range actions {
			ok := a.typePattern != "" && (iam.WildcardMatch(a.typePattern, k.model.ID) || k.pattern && iam.WildcardOverlaps(a.typePattern, k.model.ID))
			ok = ok && (k.only == nil || k.only[a.entry.Action])
			pl.applies[i][j] = ok
			if ok {
				tag.WriteByte('1')
			} else {
				tag.WriteByte('0')
			}
		}
		if k.viaPolicy {
			tag.WriteString("|via")
		}
		tag.WriteString(s.registryClass(&known[j]))
		tags[j] = tag.String()
	}
	pl.set = iam.NewResourceSet(arns, patterns, tags)
	pl.reach, pl.reachAllow = make([]map[string][]int, len(actions)), make([]map[string][]int, len(actions))
	for i, a := range actions {
		pl.ids = append(pl.ids, iam.NewActionID(a.entry.Action))
		pl.reach[i], pl.reachAllow[i] = map[string][]int{}, map[string][]int{}
		for j, k := range known {
			if pl.applies[i][j] && k.policy != nil && k.policy.Policy != nil && k.policy.Policy.HasStatementFor(pl.ids[i]) {
				pl.policied[i] = append(pl.policied[i], j)
				for _, key := range k.policy.Policy.PrincipalKeys(pl.ids[i], false) {
					pl.reach[i][key+"|"+k.account] = append(pl.reach[i][key+"|"+k.account], j)
				}
				for _, key := range k.policy.Policy.PrincipalKeys(pl.ids[i], true) {
					pl.reachAllow[i][key] = append(pl.reachAllow[i][key], j)
				}
			}
		}
	}
	return pl
}

// policiesOf are the policies whose statements can tell listed resources
// apart for p: its identity policies, boundary and SCPs.
func (p *principal) policiesOf() []*iam.Policy {
	var out []*iam.Policy
	for _, np := range p.identity {
		out = append(out, np.Policy)
	}
	return p.appendGuardrails(out)
}

// appendGuardrails appends what limits p whatever it is granted: its
// permissions boundary and its SCPs.
func (p *principal) appendGuardrails(out []*iam.Policy) []*iam.Policy {
	if p.bound != nil {
		out = append(out, p.bound.Policy)
	}
	for _, level := range p.scps {
		for _, np := range level {
			out = append(out, np.Policy)
		}
	}
	return out
}

// hit is a target for one listed resource, kept until the action's
// targets are emitted in the order of the listed resources.
type hit struct {
	k int
	t model.Target
	r *iam.Result // the decision, for the grouped resources
}

// specialGroup: resources with one policy document and one class.
type specialGroup struct {
	policy *iam.Policy
	class  int
}

// renamed is a decision with the reasons of the resource policy named from
// renamed to name (the same document, as another resource's policy).
func renamed(r iam.Result, from, name string) iam.Result {
	out := r
	out.Reasons = make([]iam.Reason, len(r.Reasons))
	for i, rs := range r.Reasons {
		if rs.PolicyType == "resource_policy" && rs.Policy == from {
			rs.Policy = name
		}
		out.Reasons[i] = rs
	}
	return out
}

// evaluatePrincipal decides every catalog action for p, with the targets
// of each action in the order of the listed resources, then the pattern
// targets of its own account: as deciding each listed resource in turn
// would (TestEvaluateMatchesReference).
func (s *Snapshot) evaluatePrincipal(p *principal, pl *plan) []model.Fact {
	b := model.NewFactBuilder(p.arn, cloudName)
	may := pl.allow.mask(p)
	own := p.policiesOf()
	var classes [][]int // of resources in p's account (or of no account)
	if !p.external {
		for _, c := range pl.set.ClassesAll(own...) {
			if a := pl.known[c[0]].account; a == "" || a == p.caller.Account {
				classes = append(classes, c)
			}
		}
	}
	var cands []int
	hasBoundary := p.bound != nil
	var hits []hit
	special := map[int]bool{}
	keys := iam.CallerKeys(p.caller)
	groups := map[specialGroup]int{}
	partitions := map[*iam.Policy]*iam.Partition{}
	for i, a := range pl.actions {
		e := a.entry
		canAllow := may[pl.bit[i]/64]&(1<<(pl.bit[i]%64)) != 0
		hits = hits[:0]
		clear(special)
		decide := func(j int) {
			k := &pl.known[j]
			req := &iam.Request{Principal: p.arn, Caller: p.caller, Action: e.Action, Resource: k.model.ID, ResourceAccount: k.account,
				ResourcePattern: k.pattern, Context: p.ctx}
			r := iam.Decide(req, p.policies(k.policy))
			if k.viaPolicy && !resourceGranted(r) {
				return
			}
			if t, ok := target(r, k.model.ID, true, false, p.external); ok {
				hits = append(hits, hit{j, t, &r})
			}
		}
		if p.external {
			// Outsiders reach a resource only through its policy: each is
			// decided on its own (the resource's account may be theirs).
			for j := range pl.known {
				if pl.applies[i][j] && pl.known[j].policy != nil {
					decide(j)
				}
			}
		} else {
			// Resources whose policy names p for the action (one that could
			// grant it, unless an identity policy may: then a Deny too) are
			// decided apart from their class; those with the same policy
			// document that p's policies and the document cannot tell apart
			// get one decision, its resource policy reasons renamed.
			cands = cands[:0]
			for _, key := range keys {
				cands = append(cands, pl.reachAllow[i][key]...)
				if canAllow {
					cands = append(cands, pl.reach[i][key+"|"+p.caller.Account]...)
					cands = append(cands, pl.reach[i][key+"|"]...)
				}
			}
			slices.Sort(cands)
			cands = slices.Compact(cands)
			clear(groups)
			for _, j := range cands {
				k := &pl.known[j]
				rp := k.policy.Policy
				reaches := rp.ReachesAllow(pl.ids[i], p.caller, hasBoundary)
				if !reaches && canAllow && (k.account == "" || k.account == p.caller.Account) {
					reaches = rp.Reaches(pl.ids[i], p.caller, hasBoundary)
				}
				if !reaches {
					continue
				}
				special[j] = true
				if k.pattern || k.viaPolicy {
					decide(j)
					continue
				}
				part := partitions[rp]
				if part == nil {
					part = pl.set.Partition(pl.set.All(), append(own[:len(own):len(own)], rp)...)
					partitions[rp] = part
				}
				g := specialGroup{rp, part.ClassOf(j)}
				rep, ok := groups[g]
				if !ok {
					decide(j)
					groups[g] = j
					continue
				}
				// The representative's hit, if it had one, renamed.
				for _, h := range hits {
					if h.k != rep {
						continue
					}
					t, _ := target(renamed(*h.r, pl.known[rep].policy.Name, k.policy.Name), k.model.ID, true, false, false)
					hits = append(hits, hit{j, t, h.r})
					break
				}
			}
			// The others, one decision per class: without an identity
			// policy that may allow the action, or in another account
			// without a resource policy that names p, none is allowed.
			for _, c := range classes {
				if !canAllow {
					break
				}
				k0 := &pl.known[c[0]]
				if !pl.applies[i][c[0]] || k0.viaPolicy || k0.account != "" && k0.account != p.caller.Account {
					continue
				}
				rep := -1
				for _, j := range c {
					if !special[j] {
						rep = j
						break
					}
				}
				if rep < 0 {
					continue
				}
				k := &pl.known[rep]
				req := &iam.Request{Principal: p.arn, Caller: p.caller, Action: e.Action, Resource: k.model.ID, ResourceAccount: k.account,
					ResourcePattern: k.pattern, Context: p.ctx}
				r := iam.Decide(req, p.policies(nil))
				if r.Decision != iam.Allowed && r.Decision != iam.Conditional {
					continue
				}
				for _, j := range c {
					if !special[j] {
						t, _ := target(r, pl.known[j].model.ID, true, false, false)
						hits = append(hits, hit{j, t, nil})
					}
				}
			}
			slices.SortFunc(hits, func(x, y hit) int { return x.k - y.k })
		}
		for _, h := range hits {
			b.Add(e.Capability, e.Action, h.t)
		}
		if p.external || !canAllow {
			continue // patternTargets: no identity grant, no access
		}
		ts := s.patternTargetsOn(p, a, pl.patterns[p.account][i])
		if e.Action == assumeRoleAction && len(ts) > 0 {
			ts = s.assumableRoles(p, pl.trusts) // assume_facts.go
		}
		for _, t := range ts {
			b.Add(e.Capability, e.Action, t)
		}
	}
	return b.Facts()
}
