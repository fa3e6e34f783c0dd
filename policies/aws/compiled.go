package aws

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// compiled is what a statement needs on every decision, prepared once: its
// action patterns indexed by service, and its Resource patterns split into
// ARN segments with their wildcards compiled. Statements are immutable once
// parsed, so the compiled form is built on first use and shared by every
// goroutine.
type compiled struct {
	label      string                // Label without a Sid: "#index"
	allActions bool                  // the Action list has "*"
	services   map[string]*svcAction // lower-case service -> its patterns
	resources  []resourcePattern
}

// svcAction are a statement's action patterns of one service.
type svcAction struct {
	names map[string]struct{} // literal lower-case names
	wild  []string            // compiled patterns with wildcards
}

// resourcePattern is one Resource (or NotResource) value, prepared.
type resourcePattern struct {
	star  bool     // "*"
	arn   bool     // starts with "arn" (else it only matches a request resource equal to it)
	raw   string   // as written
	parts []string // splitARN(raw, 6), padded with "*" to six for a short ARN
	short bool     // fewer than six segments as written
	// wild: the pattern has a '*' (short ARNs in resource policies need
	// one); lastStar: its last written segment ends with '*' (short ARNs in
	// SCPs need that).
	wild, lastStar bool
	// segs are the segments 1 to 5 in compiled form (wildcards as control
	// bytes, segments 1 to 4 lower-cased) when they hold no policy
	// variable; hasVar[i] marks those that do (expanded per request).
	segs   [6]string
	hasVar [6]bool
}

// prepared returns the statement's compiled form, building it on first use.
func (s *Statement) prepared() *compiled {
	if c := s.comp.Load(); c != nil {
		return c
	}
	c := compileStatement(s)
	if !s.comp.CompareAndSwap(nil, c) {
		return s.comp.Load()
	}
	return c
}

func compileStatement(s *Statement) *compiled {
	c := &compiled{label: "#" + strconv.Itoa(s.Index)}
	for i := range s.Actions {
		a := &s.Actions[i]
		if a.all {
			c.allActions = true
			continue
		}
		if c.services == nil {
			c.services = map[string]*svcAction{}
		}
		sa := c.services[a.service]
		if sa == nil {
			sa = &svcAction{names: map[string]struct{}{}}
			c.services[a.service] = sa
		}
		if strings.IndexByte(a.pat, starByte) < 0 && strings.IndexByte(a.pat, qmarkByte) < 0 {
			sa.names[a.pat] = struct{}{}
		} else {
			sa.wild = append(sa.wild, a.pat)
		}
	}
	for _, raw := range s.Resources {
		c.resources = append(c.resources, compileResource(raw))
	}
	return c
}

func compileResource(pat string) resourcePattern {
	rp := resourcePattern{raw: pat}
	if pat == "*" {
		rp.star = true
		return rp
	}
	parts := splitARN(pat, 6)
	if parts[0] != "arn" {
		return rp
	}
	rp.arn = true
	rp.wild = strings.Contains(pat, "*")
	rp.lastStar = strings.HasSuffix(parts[len(parts)-1], "*")
	if len(parts) < 6 {
		rp.short = true
		for len(parts) < 6 {
			parts = append(parts, "*")
		}
	}
	rp.parts = parts
	for i := 1; i < 6; i++ {
		if strings.Contains(parts[i], "${") {
			rp.hasVar[i] = true
			continue
		}
		seg := compileWildcards(parts[i])
		if i < 5 {
			seg = lowerASCII(seg)
		}
		rp.segs[i] = seg
	}
	return rp
}

// matchesAction is actionMatches through the index (the action without
// NotAction applied).
func (c *compiled) matchesAction(svc, name string) bool {
	if c.allActions {
		return true
	}
	sa := c.services[svc]
	if sa == nil {
		return false
	}
	if _, ok := sa.names[name]; ok {
		return true
	}
	for _, p := range sa.wild {
		if globMatch(p, name) {
			return true
		}
	}
	return false
}

// actionKey is a lower-case action, split.
type actionKey struct{ svc, name string }

// actionIndex remembers, per action, the statements of a policy whose
// Action or NotAction lets them apply to it: a decision looks only at
// those. Safe for concurrent use.
type actionIndex struct {
	mu sync.RWMutex
	m  map[actionKey][]*Statement
}

// smallPolicy: a policy with at most this many statements is scanned on
// every request rather than indexed by action (the index costs memory per
// action asked, and inline policies are often one of a kind).
const smallPolicy = 4

// candidates returns the statements of p that may apply to the action
// (lower-case service and name), in order; filtered is false when they
// are all of them and each must still be checked with actionMatches.
func (p *Policy) candidates(svc, name string) (sts []*Statement, filtered bool) {
	if len(p.Statements) <= smallPolicy {
		return p.Statements, false
	}
	return p.statementsFor(svc, name), true
}

// statementsFor returns, in order, the statements of p that apply to the
// action (lower-case service and name), remembered per action.
func (p *Policy) statementsFor(svc, name string) []*Statement {
	k := actionKey{svc, name}
	p.byAction.mu.RLock()
	l, ok := p.byAction.m[k]
	p.byAction.mu.RUnlock()
	if ok {
		return l
	}
	for _, st := range p.Statements {
		if st.actionMatches(svc, name) {
			l = append(l, st)
		}
	}
	p.byAction.mu.Lock()
	if p.byAction.m == nil {
		p.byAction.m = map[actionKey][]*Statement{}
	}
	p.byAction.m[k] = l
	p.byAction.mu.Unlock()
	return l
}

// ActionID is an action split and lower-cased once, for callers that ask
// about the same action many times.
type ActionID struct{ svc, name string }

// String is the action in lower case.
func (a ActionID) String() string { return a.svc + ":" + a.name }

// NewActionID prepares an action ("service:Name").
func NewActionID(action string) ActionID {
	svc, name, _ := strings.Cut(action, ":")
	return ActionID{strings.ToLower(svc), strings.ToLower(name)}
}

// MayAllow reports whether some Allow statement of the policy applies to
// the action (its Action or NotAction covers it). When no identity policy
// may allow an action, no request for it is allowed unless a resource
// policy allows it.
func (p *Policy) MayAllow(a ActionID) bool {
	// The statements are scanned rather than looked up by action: callers
	// ask about many actions once each, and the index would keep them all.
	for _, st := range p.Statements {
		if st.Effect == Allow && st.actionMatches(a.svc, a.name) {
			return true
		}
	}
	return false
}

// Reaches reports whether the policy, as the resource policy of a request
// for the action by the caller, has a statement that applies to the action
// and names the caller (Principal, or NotPrincipal, as Decide reads them;
// hasBoundary: the caller has a permissions boundary). When it has none,
// Decide returns the same Result with the policy as without it.
func (p *Policy) Reaches(a ActionID, caller *PrincipalInfo, hasBoundary bool) bool {
	sts, filtered := p.candidates(a.svc, a.name)
	for _, st := range sts {
		if (filtered || st.actionMatches(a.svc, a.name)) && st.principalMatches(caller, hasBoundary) != noPrincipalMatch {
			return true
		}
	}
	return false
}

// HasStatementFor reports whether some statement of the policy applies to
// the action (its Action or NotAction covers it).
func (p *Policy) HasStatementFor(a ActionID) bool {
	sts, filtered := p.candidates(a.svc, a.name)
	for _, st := range sts {
		if filtered || st.actionMatches(a.svc, a.name) {
			return true
		}
	}
	return false
}

// AllowsDirectly reports whether the policy, as the resource policy of a
// request for the action by the caller, has an Allow statement for the
// action that names the caller itself (or everyone, or the role or user
// behind a session), not only its account. When it has none and no
// identity policy may allow the action (MayAllow), the request is not
// allowed.
func (p *Policy) AllowsDirectly(a ActionID, caller *PrincipalInfo, hasBoundary bool) bool {
	sts, filtered := p.candidates(a.svc, a.name)
	for _, st := range sts {
		if st.Effect != Allow || !filtered && !st.actionMatches(a.svc, a.name) {
			continue
		}
		switch st.principalMatches(caller, hasBoundary) {
		case directPrincipalMatch, sessionPrincipalMatch:
			return true
		}
	}
	return false
}

// ReachesAllow is Reaches for the Allow statements only: when none reaches
// the caller, the resource policy cannot grant the request.
func (p *Policy) ReachesAllow(a ActionID, caller *PrincipalInfo, hasBoundary bool) bool {
	sts, filtered := p.candidates(a.svc, a.name)
	for _, st := range sts {
		if st.Effect == Allow && (filtered || st.actionMatches(a.svc, a.name)) && st.principalMatches(caller, hasBoundary) != noPrincipalMatch {
			return true
		}
	}
	return false
}

// PrincipalKeys indexes the callers the statements of the policy for the
// action may name (the Allow statements only, with allowOnly): a caller
// that Reaches (or ReachesAllow) finds has one of CallerKeys among them.
// "*" stands for anyone (Principal "*", NotPrincipal, {"AWS": "*"}).
func (p *Policy) PrincipalKeys(a ActionID, allowOnly bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, st := range p.Statements {
		if st.Principal == nil || allowOnly && st.Effect != Allow || !st.actionMatches(a.svc, a.name) {
			continue
		}
		if st.NotPrincipal || st.Principal.Wildcard {
			add("*")
			continue
		}
		for typ, vals := range st.Principal.Values {
			for _, v := range vals {
				if typ != "AWS" {
					add("principal:" + v)
					continue
				}
				switch vp := ParsePrincipal(v); {
				case v == "*":
					add("*")
				case isAccountID(v):
					add("account:" + v)
				case vp.Type == "root":
					add("account:" + vp.Account)
				default:
					add("principal:" + v)
					if vp.Name != "" {
						add("session:" + vp.Account + "/" + vp.Name)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// CallerKeys are the keys of PrincipalKeys a caller is found under.
func CallerKeys(c *PrincipalInfo) []string {
	out := []string{"*", "principal:" + c.ARN}
	if c.Account != "" {
		out = append(out, "account:"+c.Account)
	}
	if (c.Type == "assumed-role" || c.Type == "federated-user") && c.Name != "" {
		out = append(out, "session:"+c.Account+"/"+c.Name)
	}
	return out
}
