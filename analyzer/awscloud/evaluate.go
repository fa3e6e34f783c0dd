package awscloud

import (
	"strings"
	"sync"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// action is a catalog entry prepared for evaluation.
type action struct {
	entry catalog.Entry
	// typePattern matches the ARNs of the resource type in any account
	// ("" for actions that take no resource).
	typePattern string
}

func prepare(entries []catalog.Entry) []action {
	out := make([]action, 0, len(entries))
	for _, e := range entries {
		a := action{entry: e}
		if e.Resource != "*" {
			a.typePattern = instantiate(e.Resource, "*")
		}
		out = append(out, a)
	}
	return out
}

// instantiate turns an ARN format of the Service Authorization Reference
// into a pattern: the partition is aws, the account the given one, every
// other ${Placeholder} a wildcard.
func instantiate(format, account string) string {
	return catalog.Entry{Resource: format}.Pattern(map[string]string{"Partition": "aws", "Account": account})
}

// knownResource is a resource from the inputs, with its policy.
type knownResource struct {
	model   model.Resource
	policy  *iam.NamedPolicy
	account string
	pattern bool // the ARN has a wildcard (an AMI whose region is not known, a registry's repositories)
	// only, when set, are the actions decided on the resource (a V1
	// registry policy governs three actions).
	only map[string]bool
	// viaPolicy keeps only the access its resource policy takes part in:
	// a registry stands for repositories whose identity-policy access the
	// per-type patterns already report.
	viaPolicy bool
}

func (s *Snapshot) knownResources() []knownResource {
	var out []knownResource
	for _, a := range s.repoOrder {
		r := s.repos[a]
		mr := model.Resource{ID: r.arn, Cloud: cloudName, Type: repoType(r.arn), Name: r.name, Account: r.account}
		if r.policy != nil {
			mr.Policy = r.policy.Name
		}
		out = append(out, knownResource{model: mr, policy: r.policy, account: r.account})
	}
	for _, a := range s.imageOrder {
		im := s.images[a]
		out = append(out, knownResource{model: model.Resource{ID: im.arn, Cloud: cloudName, Type: "ami", Name: s.imageLabel(im), Account: im.owner},
			account: im.owner, pattern: strings.Contains(im.arn, "*")})
	}
	return append(out, s.inventoryResources()...)
}

// repoType is ecr-public-repository for ECR Public ARNs (no region,
// service ecr-public), ecr-repository otherwise.
func repoType(a string) string {
	if strings.SplitN(a, ":", 4)[2] == "ecr-public" {
		return "ecr-public-repository"
	}
	return "ecr-repository"
}

// policies returns what applies to a request by p on a resource.
func (p *principal) policies(resourcePolicy *iam.NamedPolicy) *iam.Policies {
	return &iam.Policies{Identity: p.identity, Boundary: p.bound, SCPs: p.scps, Resource: resourcePolicy, Guards: p.guards}
}

// Evaluate decides every catalog action for every principal: exactly on
// each resource the inputs list, and, for the resources they do not list,
// on every resource of the type in the principal's own account, narrowed
// to the granted patterns that remain after denies. Principals are
// decided in parallel; the listed resources that a principal's policies
// cannot tell apart are decided once (see plan).
func (s *Snapshot) Evaluate(cat *catalog.Catalog) *model.Snapshot {
	s.resolve()
	out := &model.Snapshot{}
	actions := prepare(cat.ForCloud(cloudName))
	known := s.knownResources()
	for _, k := range known {
		out.Resources = append(out.Resources, k.model)
	}
	pl := s.newPlan(actions, known)
	pl.trusts = s.newTrustIndex()
	facts := make([][]model.Fact, len(s.principals))
	par.For(len(s.principals), func(i int) { facts[i] = s.evaluatePrincipal(s.principals[i], pl) })
	for i, p := range s.principals {
		out.Principals = append(out.Principals, p.model())
		if len(p.problems) > 0 {
			out.Warnings = append(out.Warnings, model.Warning{Where: p.arn,
				Message: "some of this principal's policies could not be read (" + strings.Join(p.problems, "; ") + "): its results may be incomplete"})
		}
		out.Facts = append(out.Facts, facts[i]...)
	}
	if s.org == nil && len(s.principals) > 0 {
		out.Warnings = append(out.Warnings, model.Warning{Message: "no organization file: SCPs are not applied"})
	} else {
		seen := map[string]bool{}
		for _, p := range s.principals {
			if p.external || seen[p.account] {
				continue
			}
			seen[p.account] = true
			if !s.org.accounts[p.account] {
				out.Warnings = append(out.Warnings, model.Warning{Where: "account " + p.account,
					Message: "not in the organization file: SCPs are not applied to it"})
			}
		}
	}
	out.Warnings = append(s.warnings, out.Warnings...)
	out.Counts = s.evaluatedCounts()
	out.Federation = s.FederatedTrusts()
	return out
}

// evaluatedCounts completes the tallies of what was read with what the
// analysis evaluated: the principals decided and the policies they and
// their groups hold, as the model has them (so that a loader that drops an
// item without counting it shows up as an imbalance).
func (s *Snapshot) evaluatedCounts() []model.Count {
	principals, policies := 0, 0
	for _, p := range s.principals {
		if !p.external {
			principals++
			policies += len(p.inline)
		}
	}
	for _, g := range s.groups {
		policies += len(g.inline)
	}
	for _, m := range s.managed {
		if m.fromInput {
			policies++
		}
	}
	s.counts.Evaluated(itemPrincipals, principals)
	s.counts.Evaluated(itemGroups, len(s.groups))
	s.counts.Evaluated(itemPolicies, policies)
	return s.counts.Counts(cloudName, itemPrincipals, itemGroups, itemPolicies)
}

func (p *principal) model() model.Principal {
	return model.Principal{ID: p.arn, Cloud: cloudName, Kind: p.kind, Name: p.name, Account: p.account,
		External: p.external, Public: p.public, Groups: p.groups, Tags: p.tags}
}

// patternTargets decides an action on the resources of its type in the
// principal's own account that the inputs do not list. The answer is the
// whole type ("every repository") when a grant covers it, or else the
// narrower granted patterns that are still allowed after denies; denies that
// cut into the pattern are listed as exceptions.
func (s *Snapshot) patternTargets(p *principal, a action) []model.Target {
	pattern := ""
	if a.entry.Resource != "*" {
		pattern = instantiate(a.entry.Resource, p.account)
	}
	return s.patternTargetsOn(p, a, pattern)
}

// patternTargetsOn is patternTargets with the type's pattern in the
// principal's account given ("" for an action without resource types).
func (s *Snapshot) patternTargetsOn(p *principal, a action, pattern string) []model.Target {
	e := a.entry
	if e.Resource == "*" {
		r := iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: e.Action, Resource: "*", Context: p.ctx}, p.policies(nil))
		if t, ok := target(r, "*", false, true, false); ok {
			return []model.Target{t}
		}
		return nil
	}
	base := iam.Request{Principal: p.arn, Caller: p.caller, Action: e.Action, Resource: pattern, ResourcePattern: true, ResourceAccount: p.account, Context: p.ctx}
	pol := p.policies(nil)
	// The whole type first: an Allow that covers it also reaches part of
	// it (the same denies apply to both), so when the whole type is
	// allowed, part of it is.
	whole := base
	whole.AllowWhole = true
	if r := iam.Decide(&whole, pol); r.Decision == iam.Allowed || r.Decision == iam.Conditional {
		t, _ := target(r, pattern, false, true, false)
		t.Except = partialDenies(&whole, pol)
		return []model.Target{t}
	}
	some := iam.Decide(&base, pol)
	if some.Decision != iam.Allowed && some.Decision != iam.Conditional {
		return nil
	}
	// Narrower grants: each Resource pattern of a matching grant that falls
	// inside the type's pattern.
	var out []model.Target
	seen := map[string]bool{}
	for _, g := range some.Grants {
		st := g.Statement
		if g.Kind != iam.IdentityPolicy || st.NotResources {
			continue
		}
		for _, rp := range st.Resources {
			cand := rp
			overlaps, covered := s.wild.compare(rp, pattern)
			if !overlaps || seen[cand] {
				continue
			}
			if !covered {
				// A grant wider than one account's resources (another
				// account's wildcard, say): keep the part in this account.
				cand = pattern
			}
			if seen[cand] {
				continue
			}
			seen[cand] = true
			req := base
			req.Resource = cand
			req.AllowWhole = true
			r := iam.Decide(&req, pol)
			if r.Decision != iam.Allowed && r.Decision != iam.Conditional {
				req.AllowWhole = false
				if r = iam.Decide(&req, pol); r.Decision != iam.Allowed && r.Decision != iam.Conditional {
					continue
				}
			}
			t, _ := target(r, cand, false, cand == pattern, false)
			t.Except = partialDenies(&req, pol)
			out = append(out, t)
		}
	}
	return out
}

// partialDenies lists the denies that take part of a pattern away.
func partialDenies(req *iam.Request, pol *iam.Policies) []string {
	r2 := *req
	r2.DenyPart = true
	r := iam.Decide(&r2, pol)
	if r.Decision != iam.ExplicitlyDenied {
		return nil
	}
	var out []string
	for _, rs := range r.Reasons {
		out = append(out, rs.PolicyType+" "+rs.Policy+" "+rs.Statement)
	}
	return out
}

// target turns a decision into a target. For an outside principal the
// identity grant is the stand-in for the other account, so only resource
// policy grants tell whether the access is public-only.
func target(r iam.Result, res string, known, all, external bool) (model.Target, bool) {
	var access model.Access
	switch r.Decision {
	case iam.Allowed:
		access = model.Allowed
	case iam.Conditional:
		access = model.Conditional
	default:
		return model.Target{}, false
	}
	t := model.Target{Resource: res, Known: known, All: all, Access: access}
	for _, rs := range r.Reasons {
		t.Via = append(t.Via, model.Grant(rs))
	}
	resourceGrants := 0
	t.PublicOnly = true
	for _, g := range r.Grants {
		switch {
		case g.Kind == iam.ResourcePolicy:
			resourceGrants++
			if !g.Statement.Principal.HasWildcard() {
				t.PublicOnly = false
			}
		case !external:
			t.PublicOnly = false
		}
	}
	t.PublicOnly = t.PublicOnly && resourceGrants > 0
	return t, true
}

// wildCache remembers how the Resource patterns of grants compare with the
// per-type patterns (patternTargets): principals share managed policies,
// so the same pairs come back. Safe for concurrent use.
type wildCache struct{ m sync.Map }

type wildPair struct{ rp, pattern string }

// compare reports whether rp overlaps pattern, and whether pattern covers
// rp (iam.WildcardOverlaps, iam.WildcardCovers).
func (w *wildCache) compare(rp, pattern string) (overlaps, covered bool) {
	k := wildPair{rp, pattern}
	if v, ok := w.m.Load(k); ok {
		r := v.(uint8)
		return r&1 != 0, r&2 != 0
	}
	overlaps = iam.WildcardOverlaps(rp, pattern)
	covered = overlaps && iam.WildcardCovers(pattern, rp)
	var r uint8
	if overlaps {
		r |= 1
	}
	if covered {
		r |= 2
	}
	w.m.Store(k, r)
	return overlaps, covered
}
