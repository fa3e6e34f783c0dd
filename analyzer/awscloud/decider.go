package awscloud

import (
	"sort"
	"strings"
	"sync"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// allowIndex numbers a fixed list of actions and remembers, per identity
// policy, which of them it may allow at all (iam.Policy.MayAllow): a
// request for an action that none of a principal's identity policies may
// allow, without a resource policy, is not allowed, and needs no decision.
// Safe for concurrent use.
type allowIndex struct {
	ids   []iam.ActionID
	index map[string]int // by action, as written and lower-case
	words int
	list  int // the action list's number in allowBits
}

// allowBits remembers, for each policy and list of actions, the actions the
// policy may allow: policies are parsed once per process (formats.go:
// parseCached), and every analysis of a process asks about the same lists
// (the catalog's, the edges'). Bounded by allowBitsMax entries.
var allowBits = struct {
	sync.Mutex
	lists map[string]int
	m     map[allowKey][]uint64
}{lists: map[string]int{}, m: map[allowKey][]uint64{}}

const allowBitsMax = 1 << 20

type allowKey struct {
	p    *iam.Policy
	list int
}

func newAllowIndex(actions []string) *allowIndex {
	ai := &allowIndex{index: map[string]int{}}
	for _, a := range actions {
		k := strings.ToLower(a)
		if _, ok := ai.index[k]; ok {
			continue
		}
		ai.index[k] = len(ai.ids)
		ai.index[a] = len(ai.ids) // as written: found without lower-casing
		ai.ids = append(ai.ids, iam.NewActionID(a))
	}
	ai.words = (len(ai.ids) + 63) / 64
	var key strings.Builder
	for _, id := range ai.ids {
		key.WriteString(id.String())
		key.WriteByte(',')
	}
	allowBits.Lock()
	n, ok := allowBits.lists[key.String()]
	if !ok {
		n = len(allowBits.lists)
		allowBits.lists[key.String()] = n
	}
	allowBits.Unlock()
	ai.list = n
	return ai
}

// policyBits are the actions one policy may allow.
func (ai *allowIndex) policyBits(p *iam.Policy) []uint64 {
	k := allowKey{p, ai.list}
	allowBits.Lock()
	bits, ok := allowBits.m[k]
	allowBits.Unlock()
	if ok {
		return bits
	}
	bits = make([]uint64, ai.words)
	for i, id := range ai.ids {
		if p.MayAllow(id) {
			bits[i/64] |= 1 << (i % 64)
		}
	}
	allowBits.Lock()
	if len(allowBits.m) < allowBitsMax {
		allowBits.m[k] = bits
	}
	allowBits.Unlock()
	return bits
}

// mask returns the actions some identity policy of p may allow.
func (ai *allowIndex) mask(p *principal) []uint64 {
	out := make([]uint64, ai.words)
	for _, np := range p.identity {
		if np.Policy == nil {
			continue
		}
		for i, w := range ai.policyBits(np.Policy) {
			out[i] |= w
		}
	}
	return out
}

// may reads a mask: false only when the action is indexed and no identity
// policy may allow it.
func (ai *allowIndex) may(mask []uint64, action string) bool {
	i, ok := ai.index[action]
	if !ok {
		i, ok = ai.index[strings.ToLower(action)]
	}
	return !ok || mask[i/64]&(1<<(i%64)) != 0
}

// edgePlan is what Edges prepares once: the ARNs that its requests name
// (principals, customer managed policies, groups) as an iam.ResourceSet,
// split by account, and a decider per principal.
type edgePlan struct {
	set      *iam.ResourceSet
	member   map[string]int
	subOf    []*iam.Subset // the account subset of each member
	allow    *allowIndex
	deciders map[*principal]*decider
	// trustShared counts the roles of each account with each trust
	// document: assume shares decisions only among those.
	trustShared map[trustAccount]int
}

type trustAccount struct {
	trust   *iam.Policy
	account string
}

// edgeActions are the actions Edges asks about.
func edgeActions() []string {
	out := []string{"iam:PassRole", "sts:AssumeRole", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
		"iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:PutGroupPolicy", "iam:AttachGroupPolicy",
		"iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"}
	for _, acts := range policyWrites {
		out = append(out, acts...)
	}
	for _, acts := range serviceRunners {
		out = append(out, acts...)
	}
	for _, sets := range serviceTakeovers {
		for _, set := range sets {
			out = append(out, set...)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Snapshot) newEdgePlan() *edgePlan {
	ep := &edgePlan{member: map[string]int{}, allow: newAllowIndex(edgeActions()),
		deciders: map[*principal]*decider{}}
	var arns []string
	add := func(a string) {
		if _, ok := ep.member[a]; !ok && a != "" {
			ep.member[a] = len(arns)
			arns = append(arns, a)
		}
	}
	for _, p := range s.principals {
		if !p.public {
			add(p.arn)
		}
	}
	for _, p := range s.principals {
		for _, np := range p.identity {
			if strings.HasPrefix(np.Name, "arn:aws:iam::") && !strings.HasPrefix(np.Name, "arn:aws:iam::aws:") {
				add(np.Name)
			}
		}
	}
	groups := make([]string, 0, len(s.groups))
	for _, g := range s.groups {
		groups = append(groups, g.arn)
	}
	sort.Strings(groups)
	for _, g := range groups {
		add(g)
	}
	ep.trustShared = map[trustAccount]int{}
	for _, p := range s.principals {
		if p.kind == "role" && p.trust != nil {
			ep.trustShared[trustAccount{p.trust, p.account}]++
		}
	}
	ep.set = iam.NewResourceSet(arns, nil, nil)
	members := map[string][]int{}
	var accounts []string
	for i, a := range arns {
		acct := accountOf(a)
		if _, ok := members[acct]; !ok {
			accounts = append(accounts, acct)
		}
		members[acct] = append(members[acct], i)
	}
	ep.subOf = make([]*iam.Subset, len(arns))
	for _, acct := range accounts {
		sub := ep.set.Subset(members[acct])
		for _, m := range members[acct] {
			ep.subOf[m] = sub
		}
	}
	for _, p := range s.principals {
		if !p.external && !p.public {
			ep.deciders[p] = &decider{ep: ep, p: p, mask: ep.allow.mask(p), parts: map[*iam.Subset]*iam.Partition{}, memo: map[memoKey]iam.Result{}}
		}
	}
	return ep
}

// decider decides the requests of one principal without a resource policy,
// remembering the answer per action and class of resource: the roles,
// users, groups and policies of an account that its policies cannot tell
// apart get one decision. Safe for concurrent use.
type decider struct {
	ep   *edgePlan
	p    *principal
	mask []uint64

	mu    sync.Mutex
	split *iam.Splitter // what the principal's policies tell apart
	parts map[*iam.Subset]*iam.Partition
	memo  map[memoKey]iam.Result
	// trusted: assume's decisions, by trust document and class.
	trusted map[trustKey]trustDecision
}

type trustKey struct {
	trust *iam.Policy
	sub   *iam.Subset
	class int
}

// trustDecision is the decision on one role of a class, the role named.
type trustDecision struct {
	res  iam.Result
	name string // the trust policy's name in res
}

type memoKey struct {
	action string
	sub    *iam.Subset
	class  int
}

// denied stands for a decision that cannot allow.
var denied = iam.Result{Decision: iam.ImplicitlyDenied}

// may reports whether some identity policy of the principal may allow the
// action.
func (d *decider) may(action string) bool { return d.ep.allow.may(d.mask, action) }

// decide is iam.Decide of the principal's request for action on resource
// (an ARN, no resource policy, the resource's account from its ARN). A
// decision that is not allowed may come back without its reasons.
func (d *decider) decide(action, resource string) iam.Result {
	if !d.may(action) {
		return denied
	}
	p := d.p
	req := &iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: resource, Context: p.ctx}
	m, ok := d.ep.member[resource]
	if !ok {
		return iam.Decide(req, p.policies(nil))
	}
	sub := d.ep.subOf[m]
	c := d.partition(sub).ClassOf(m)
	if c < 0 {
		return iam.Decide(req, p.policies(nil))
	}
	k := memoKey{action, sub, c}
	d.mu.Lock()
	r, ok := d.memo[k]
	d.mu.Unlock()
	if ok {
		return r
	}
	r = iam.Decide(req, p.policies(nil))
	d.mu.Lock()
	d.memo[k] = r
	d.mu.Unlock()
	return r
}

// partition splits sub into the classes the principal's policies cannot
// tell apart, once per subset.
func (d *decider) partition(sub *iam.Subset) *iam.Partition {
	d.mu.Lock()
	part, ok := d.parts[sub]
	d.mu.Unlock()
	if !ok {
		d.mu.Lock()
		split := d.split
		d.mu.Unlock()
		if split == nil {
			split = d.ep.set.Splitter(d.p.policiesOf()...)
		}
		part = split.Partition(sub)
		d.mu.Lock()
		d.split = split
		d.parts[sub] = part
		d.mu.Unlock()
	}
	return part
}

// allowedOn is Snapshot.allowedOn, without a decision when no identity
// policy may allow the action.
func (d *decider) allowedOn(action, resource string, pattern bool) bool {
	if !d.may(action) {
		return false
	}
	p := d.p
	d2 := iam.DecisionOf(&iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: resource, ResourcePattern: pattern, ResourceAccount: p.account, Context: p.ctx}, p.policies(nil))
	return d2 == iam.Allowed || d2 == iam.Conditional
}

// assume is iam.Decide of the principal's sts:AssumeRole on role r, whose
// trust policy is the resource policy. Roles of one account with the same
// trust document (exports repeat them, parsing shares them) that the
// principal's policies cannot tell apart get one decision, the trust
// policy's name in its reasons renamed (as Evaluate does for resource
// policies). A trust document with a Resource element could tell them
// apart: its roles are decided each on its own.
func (d *decider) assume(r *principal) iam.Result {
	p := d.p
	trust := &iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}
	decide := func() iam.Result {
		return iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
			p.policies(trust))
	}
	m, ok := d.ep.member[r.arn]
	if !ok || d.ep.trustShared[trustAccount{r.trust, r.account}] < 2 || hasResourceElement(r.trust) {
		return decide() // nothing to share the decision with, or it may not be shared
	}
	sub := d.ep.subOf[m]
	c := d.partition(sub).ClassOf(m)
	if c < 0 {
		return decide()
	}
	k := trustKey{trust: r.trust, sub: sub, class: c}
	d.mu.Lock()
	td, ok := d.trusted[k]
	d.mu.Unlock()
	if ok {
		if td.name == trust.Name {
			return td.res
		}
		return renamed(td.res, td.name, trust.Name)
	}
	res := decide()
	d.mu.Lock()
	if d.trusted == nil {
		d.trusted = map[trustKey]trustDecision{}
	}
	d.trusted[k] = trustDecision{res: res, name: trust.Name}
	d.mu.Unlock()
	return res
}

// hasResourceElement reports whether some statement of p has a Resource
// or NotResource element: without one, p tells no resources apart.
func hasResourceElement(p *iam.Policy) bool {
	for _, st := range p.Statements {
		if st.HasResource {
			return true
		}
	}
	return false
}
