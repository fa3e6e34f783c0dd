package gcpcloud

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// Workload identity federation: the OIDC providers of workload identity
// pools (gcloud iam workload-identity-pools providers list), and the
// principals of the pools that allow policies name (principal://... and
// principalSet://... members). For every provider and every pool member
// bound to impersonate a service account, or holding roles itself, the
// analysis says which subjects of the provider's tokens get in: the
// binding's principal set and the provider's attribute condition decide
// them (docs/inputs.md, G12; rule oidc_open_trust).

// Formats of workload identity federation.
const (
	FormatWIFProviders = "gcp-wif-providers" // gcloud iam workload-identity-pools providers list --format=json
	FormatWIFPools     = "gcp-wif-pools"     // gcloud iam workload-identity-pools list --format=json
)

// wifProvider is one OIDC provider of a workload identity pool.
type wifProvider struct {
	name      string // projects/N/locations/global/workloadIdentityPools/POOL/providers/PROV
	pool      string // projects/N/locations/global/workloadIdentityPools/POOL (as listed: poolKey compares it)
	issuer    string // issuerUri without its scheme
	audiences []string
	mapping   map[string]string // attribute -> CEL expression
	condition string
	off       bool // disabled or deleted: it accepts no token
}

// wifState is what the federation inputs held.
type wifState struct {
	providers []*wifProvider
	poolsOff  map[string]bool // pool name as listed -> disabled or deleted
}

const poolsMarker = "/workloadIdentityPools/"

// recognizeFederation names a federation document's format, or "".
func recognizeFederation(doc *model.Document) string {
	if doc.Object != nil || len(doc.Items) == 0 || !doc.Has("name") {
		return ""
	}
	var name string
	json.Unmarshal(doc.Items[0]["name"], &name)
	if !strings.Contains(name, poolsMarker) {
		return ""
	}
	if strings.Contains(name, "/providers/") {
		return FormatWIFProviders
	}
	return FormatWIFPools
}

// poolKey names a pool by its project as the snapshot knows it (a project
// number is mapped to the ID where the inputs tell), so that a provider
// listed under projects/NUMBER and a member naming projects/ID meet.
func (s *Snapshot) poolKey(pool string) string {
	rest, ok := strings.CutPrefix(pool, "projects/")
	if !ok {
		return pool
	}
	proj, tail, _ := strings.Cut(rest, "/")
	return s.canonical("projects/"+proj) + "/" + tail
}

// loadFederation reads a providers or pools list.
func (s *Snapshot) loadFederation(file, format string, items []map[string]json.RawMessage) {
	if s.wif == nil {
		s.wif = &wifState{poolsOff: map[string]bool{}}
	}
	for i, it := range items {
		where := fmt.Sprintf("[%d]", i)
		var p struct {
			Name     string `json:"name"`
			State    string `json:"state"`
			Disabled bool   `json:"disabled"`
			OIDC     *struct {
				IssuerURI        string   `json:"issuerUri"`
				AllowedAudiences []string `json:"allowedAudiences"`
			} `json:"oidc"`
			AttributeMapping   map[string]string `json:"attributeMapping"`
			AttributeCondition string            `json:"attributeCondition"`
		}
		if err := decode(it, &p); err != nil {
			s.warn(file, where, "workload identity federation: "+err.Error())
			continue
		}
		off := p.Disabled || strings.EqualFold(p.State, "DELETED")
		if format == FormatWIFPools {
			if !strings.HasPrefix(p.Name, "projects/") || !strings.Contains(p.Name, poolsMarker) || strings.Contains(p.Name, "/providers/") {
				s.warn(file, where+".name", fmt.Sprintf("%q is not a pool name projects/N/locations/global/workloadIdentityPools/POOL: the entry is ignored", p.Name))
				continue
			}
			if off {
				s.wif.poolsOff[p.Name] = true
			}
			continue
		}
		pool, _, ok := strings.Cut(p.Name, "/providers/")
		if !ok || !strings.HasPrefix(p.Name, "projects/") || !strings.Contains(pool, poolsMarker) {
			s.warn(file, where+".name", fmt.Sprintf("%q is not a provider name projects/N/locations/global/workloadIdentityPools/POOL/providers/PROV: the provider is ignored", p.Name))
			continue
		}
		if p.OIDC == nil {
			// AWS, SAML and X.509 providers: no OIDC subjects to read.
			continue
		}
		if p.OIDC.IssuerURI == "" {
			s.warn(file, where+".oidc.issuerUri", "an OIDC provider without issuerUri is ignored")
			continue
		}
		issuer := p.OIDC.IssuerURI
		if _, rest, ok := strings.Cut(issuer, "://"); ok {
			issuer = rest
		}
		s.wif.providers = append(s.wif.providers, &wifProvider{name: p.Name, pool: pool, issuer: strings.TrimSuffix(issuer, "/"),
			audiences: p.OIDC.AllowedAudiences, mapping: p.AttributeMapping, condition: strings.TrimSpace(p.AttributeCondition), off: off})
	}
}

// poolMember is a principal:// or principalSet:// member of a workload
// identity pool taken apart.
type poolMember struct {
	pool  string // pool key (poolKey)
	kind  string // subject, all, attribute, group
	attr  string // attribute.NAME for kind attribute
	value string // the subject, attribute value or group
}

// parsePoolMember reads principal://iam.googleapis.com/projects/N/locations/
// global/workloadIdentityPools/POOL/subject/S, principalSet://.../POOL/*,
// .../POOL/attribute.NAME/VALUE and .../POOL/group/G.
func (s *Snapshot) parsePoolMember(m string) (poolMember, bool) {
	var rest string
	switch {
	case strings.HasPrefix(m, "principal://iam.googleapis.com/"):
		rest = strings.TrimPrefix(m, "principal://iam.googleapis.com/")
	case strings.HasPrefix(m, "principalSet://iam.googleapis.com/"):
		rest = strings.TrimPrefix(m, "principalSet://iam.googleapis.com/")
	default:
		return poolMember{}, false
	}
	i := strings.Index(rest, poolsMarker)
	if i < 0 || !strings.HasPrefix(rest, "projects/") {
		return poolMember{}, false
	}
	j := i + len(poolsMarker)
	poolID, tail, ok := strings.Cut(rest[j:], "/")
	if !ok || poolID == "" {
		return poolMember{}, false
	}
	pm := poolMember{pool: s.poolKey(rest[:j] + poolID)}
	set := strings.HasPrefix(m, "principalSet://")
	switch {
	case !set && strings.HasPrefix(tail, "subject/"):
		pm.kind, pm.value = "subject", strings.TrimPrefix(tail, "subject/")
	case set && tail == "*":
		pm.kind = "all"
	case set && strings.HasPrefix(tail, "attribute."):
		a, v, ok := strings.Cut(tail, "/")
		if !ok {
			return poolMember{}, false
		}
		pm.kind, pm.attr, pm.value = "attribute", a, v
	case set && strings.HasPrefix(tail, "group/"):
		pm.kind, pm.value = "group", strings.TrimPrefix(tail, "group/")
	default:
		return poolMember{}, false
	}
	return pm, true
}

// claimRule is one constraint on a token claim: the claim takes one of
// values, or starts with one of prefixes.
type claimRule struct {
	values   []string
	prefixes []string
}

// constraints are the claims' constraints a token must meet, with notes on
// what could not be read.
type constraints struct {
	claims map[string]*claimRule
	empty  bool // two constraints on one claim exclude each other: no token gets in
	notes  []string
}

func (c *constraints) add(claim string, r claimRule) {
	if c.claims == nil {
		c.claims = map[string]*claimRule{}
	}
	old, ok := c.claims[claim]
	if !ok {
		c.claims[claim] = &r
		return
	}
	// Both must hold: intersect.
	match := func(v string, rr *claimRule) bool {
		if rr.values != nil {
			for _, x := range rr.values {
				if x == v {
					return true
				}
			}
			return false
		}
		for _, p := range rr.prefixes {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
		return false
	}
	switch {
	case old.values != nil || r.values != nil:
		vals, other := old.values, &r
		if vals == nil {
			vals, other = r.values, old
		}
		var keep []string
		for _, v := range vals {
			if match(v, other) {
				keep = append(keep, v)
			}
		}
		if len(keep) == 0 {
			c.empty = true
		}
		c.claims[claim] = &claimRule{values: keep}
	default:
		// Two prefix sets: keep the longer prefixes that extend the other
		// side's (a prefix of each side must match).
		var keep []string
		for _, a := range old.prefixes {
			for _, b := range r.prefixes {
				switch {
				case strings.HasPrefix(a, b):
					keep = append(keep, a)
				case strings.HasPrefix(b, a):
					keep = append(keep, b)
				}
			}
		}
		if len(keep) == 0 {
			c.empty = true
		}
		c.claims[claim] = &claimRule{prefixes: keep}
	}
}

// claimOf is the token claim an attribute (google.subject, attribute.NAME)
// is mapped from, when the mapping is a plain assertion.CLAIM; "" when it
// is an expression the analysis does not read.
func claimOf(mapping map[string]string, attr string) string {
	expr, ok := mapping[attr]
	if !ok {
		if attr == "google.subject" && len(mapping) == 0 {
			return "sub" // the default mapping of an OIDC provider
		}
		return ""
	}
	expr = strings.TrimSpace(expr)
	c, ok := strings.CutPrefix(expr, "assertion.")
	if !ok || c == "" || !identChars(c) {
		return ""
	}
	return c
}

func identChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// memberConstraints adds what the member itself requires of the token.
func (c *constraints) member(pm poolMember, mapping map[string]string) {
	switch pm.kind {
	case "subject":
		if cl := claimOf(mapping, "google.subject"); cl != "" {
			c.add(cl, claimRule{values: []string{pm.value}})
		} else {
			c.notes = append(c.notes, fmt.Sprintf("google.subject is mapped from %q, which is not read: subject %s is taken as any subject", mapping["google.subject"], pm.value))
		}
	case "attribute":
		if cl := claimOf(mapping, pm.attr); cl != "" {
			c.add(cl, claimRule{values: []string{pm.value}})
		} else if _, ok := mapping[pm.attr]; ok {
			c.notes = append(c.notes, fmt.Sprintf("%s is mapped from %q, which is not read: %s=%s is taken as any subject", pm.attr, mapping[pm.attr], pm.attr, pm.value))
		} else {
			c.empty = true // an attribute the provider does not map is never set
		}
	case "group":
		c.notes = append(c.notes, "group "+pm.value+" (google.groups) is not read: taken as any subject")
	}
}

// condition reads an attribute condition: a conjunction (&&) of
// comparisons of a claim (assertion.X, or an attribute mapped from one)
// with a string (==), a list (in [...]) or a prefix (.startsWith(...)).
// A conjunct it cannot read only narrows what the others let in, so it is
// left out (the subjects are never taken narrower than the truth), with a
// note; a condition it cannot split (||, !) is left out whole.
func (c *constraints) condition(expr string, mapping map[string]string) {
	if expr == "" {
		return
	}
	parts, ok := splitAnd(expr)
	if !ok {
		c.notes = append(c.notes, fmt.Sprintf("attribute condition %q is not understood: taken as letting any subject in", expr))
		return
	}
	for _, p := range parts {
		claim, r, ok := comparison(p, mapping)
		if !ok {
			c.notes = append(c.notes, fmt.Sprintf("condition part %q is not understood: left out (the subjects may be fewer)", p))
			continue
		}
		c.add(claim, r)
	}
}

// splitAnd splits an expression at its top-level && (outside strings,
// brackets and parentheses), stripping parentheses around the whole; ok is
// false when a top-level || or a leading ! makes it not a conjunction.
func splitAnd(expr string) ([]string, bool) {
	expr = strings.TrimSpace(expr)
	for len(expr) > 1 && expr[0] == '(' && closing(expr, 0) == len(expr)-1 {
		expr = strings.TrimSpace(expr[1 : len(expr)-1])
	}
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(expr); i++ {
		ch := expr[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(' || ch == '[':
			depth++
		case ch == ')' || ch == ']':
			depth--
		case depth == 0 && strings.HasPrefix(expr[i:], "||"):
			return nil, false
		case depth == 0 && strings.HasPrefix(expr[i:], "&&"):
			out = append(out, strings.TrimSpace(expr[start:i]))
			start = i + 2
			i++
		}
	}
	if quote != 0 || depth != 0 {
		return nil, false
	}
	out = append(out, strings.TrimSpace(expr[start:]))
	var flat []string
	for _, p := range out {
		if len(p) > 1 && p[0] == '(' && closing(p, 0) == len(p)-1 {
			sub, ok := splitAnd(p)
			if !ok {
				flat = append(flat, p) // a disjunction inside: one conjunct not read
				continue
			}
			flat = append(flat, sub...)
			continue
		}
		flat = append(flat, p)
	}
	return flat, true
}

// closing is the index of the parenthesis closing the one at open, or -1.
func closing(s string, open int) int {
	depth := 0
	var quote byte
	for i := open; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// comparison reads one conjunct: LHS == 'v', 'v' == LHS, LHS in ['a', 'b'],
// LHS.startsWith('p'), where LHS is assertion.CLAIM, attribute.NAME or
// google.subject (the last two through a plain mapping).
func comparison(p string, mapping map[string]string) (string, claimRule, bool) {
	p = strings.TrimSpace(p)
	if l, arg, ok := strings.Cut(p, ".startsWith("); ok && strings.HasSuffix(p, ")") {
		claim := lhsClaim(l, mapping)
		v, ok := stringLit(strings.TrimSuffix(arg, ")"))
		if claim == "" || !ok {
			return "", claimRule{}, false
		}
		return claim, claimRule{prefixes: []string{v}}, true
	}
	if l, r, ok := strings.Cut(p, "=="); ok {
		if claim := lhsClaim(l, mapping); claim != "" {
			if v, ok := stringLit(r); ok {
				return claim, claimRule{values: []string{v}}, true
			}
		}
		if claim := lhsClaim(r, mapping); claim != "" {
			if v, ok := stringLit(l); ok {
				return claim, claimRule{values: []string{v}}, true
			}
		}
		return "", claimRule{}, false
	}
	if l, r, ok := strings.Cut(p, " in "); ok {
		claim := lhsClaim(l, mapping)
		r = strings.TrimSpace(r)
		if claim == "" || len(r) < 2 || r[0] != '[' || r[len(r)-1] != ']' {
			return "", claimRule{}, false
		}
		vals := []string{}
		for _, it := range splitList(r[1 : len(r)-1]) {
			v, ok := stringLit(it)
			if !ok {
				return "", claimRule{}, false
			}
			vals = append(vals, v)
		}
		return claim, claimRule{values: vals}, true
	}
	return "", claimRule{}, false
}

// lhsClaim is the claim a comparison's side names, or "".
func lhsClaim(s string, mapping map[string]string) string {
	s = strings.TrimSpace(s)
	if c, ok := strings.CutPrefix(s, "assertion."); ok && identChars(c) && c != "" {
		return c
	}
	if strings.HasPrefix(s, "attribute.") || s == "google.subject" {
		if !identChars(strings.TrimPrefix(strings.TrimPrefix(s, "attribute."), "google.")) {
			return ""
		}
		return claimOf(mapping, s)
	}
	return ""
}

// stringLit reads a CEL string literal in single or double quotes (no
// escapes: a literal with one is not read).
func stringLit(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", false
	}
	body := s[1 : len(s)-1]
	if strings.ContainsAny(body, "\\'\"") {
		return "", false
	}
	return body, true
}

// splitList splits list items at top-level commas.
func splitList(s string) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

// platformClaims tells, per platform, which claims name the repository
// (project, workspace), its owner (organization, group) and the ref, and
// how the platform's subjects spell them.
type platformClaims struct {
	repo, owner, ref []string
	repoSub          func(repo string) string // every subject of one repository
	ownerSub         func(owner string) string
	pinnedSub        func(repo, ref string) string
}

var claimsOf = map[string]platformClaims{
	"github-actions": {repo: []string{"repository"}, owner: []string{"repository_owner"}, ref: []string{"ref"},
		repoSub:   func(r string) string { return "repo:" + r + ":*" },
		ownerSub:  func(o string) string { return "repo:" + o + "/*:*" },
		pinnedSub: func(r, ref string) string { return "repo:" + r + ":ref:" + ref }},
	"gitlab": {repo: []string{"project_path"}, owner: []string{"namespace_path"}, ref: []string{"ref"},
		repoSub:   func(r string) string { return "project_path:" + r + ":*" },
		ownerSub:  func(o string) string { return "project_path:" + o + "/*" },
		pinnedSub: func(r, ref string) string { return "project_path:" + r + ":ref_type:*:ref:" + ref }},
	"terraform-cloud": {repo: []string{"terraform_workspace_name"}, owner: []string{"terraform_organization_name"},
		repoSub:  func(r string) string { return "organization:*:project:*:workspace:" + r + ":*" },
		ownerSub: func(o string) string { return "organization:" + o + ":*" }},
	"kubernetes": {},
	"other":      {},
}

// federatedTrust decides the subjects a provider lets in through one pool
// member; ok is false when no token can match.
func federatedTrust(p *wifProvider, pm poolMember) (model.FederatedTrust, bool) {
	t := model.FederatedTrust{Cloud: cloudName, Provider: model.FederatedPrefix + p.name, Issuer: p.issuer, Audiences: p.audiences}
	t.Platform = oidcPlatform(p.issuer)
	var c constraints
	c.member(pm, p.mapping)
	c.condition(p.condition, p.mapping)
	if c.empty {
		return t, false
	}
	pc := claimsOf[t.Platform]
	first := func(names []string) (string, *claimRule) {
		for _, n := range names {
			if r := c.claims[n]; r != nil {
				return n, r
			}
		}
		return "", nil
	}
	var how string
	sub := c.claims["sub"]
	_, repo := first(pc.repo)
	_, owner := first(pc.owner)
	_, ref := first(pc.ref)
	switch {
	case sub != nil && sub.values != nil:
		t.Subjects, t.Scope, how = sub.values, "pinned", "the sub claim is compared with the subject"
	case repo != nil && repo.values != nil && ref != nil && ref.values != nil && pc.pinnedSub != nil:
		for _, r := range repo.values {
			for _, f := range ref.values {
				t.Subjects = append(t.Subjects, pc.pinnedSub(r, f))
			}
		}
		t.Scope, how = "pinned", "the repository and ref claims are compared with one repository and ref"
	case repo != nil && repo.values != nil && pc.repoSub != nil:
		for _, r := range repo.values {
			t.Subjects = append(t.Subjects, pc.repoSub(r))
		}
		t.Scope, how = "repository", "the repository claim is compared with one repository, its ref is not"
	case sub != nil:
		t.Scope = "pinned"
		for _, pre := range sub.prefixes {
			t.Subjects = append(t.Subjects, pre+"*")
			t.Scope = wider(t.Scope, subjectPrefixScope(t.Platform, pre))
		}
		how = "the sub claim must start with a prefix"
	case repo != nil && pc.repoSub != nil: // repository prefixes
		t.Scope = "pinned"
		for _, pre := range repo.prefixes {
			t.Subjects = append(t.Subjects, pc.repoSub(pre+"*"))
			t.Scope = wider(t.Scope, repoPrefixScope(pre))
		}
		how = "the repository claim must start with a prefix"
	case owner != nil && owner.values != nil && pc.ownerSub != nil:
		for _, o := range owner.values {
			t.Subjects = append(t.Subjects, pc.ownerSub(o))
		}
		t.Scope, how = "organization", "the owner claim is compared with one organization"
	default:
		t.Subjects, t.Scope = nil, "any"
		if len(c.claims) > 0 {
			how = "no claim that names a repository or subject is pinned (" + strings.Join(slices.Sorted(maps.Keys(c.claims)), ", ") + " only)"
		} else if p.condition == "" {
			how = "the provider has no attribute condition and the member is the whole pool"
		}
	}
	notes := []string{}
	if how != "" {
		notes = append(notes, "from the member "+pm.describe()+" and the provider's attribute condition: "+how)
	}
	t.Note = strings.Join(append(notes, c.notes...), "; ")
	return t, true
}

func (pm poolMember) describe() string {
	switch pm.kind {
	case "subject":
		return "subject/" + pm.value
	case "attribute":
		return pm.attr + "/" + pm.value
	case "group":
		return "group/" + pm.value
	}
	return "(whole pool)"
}

// poolBinding is a binding that names a pool member.
type poolBinding struct {
	node   string
	member string
	pm     poolMember
	b      *gcp.Binding
}

// poolBindings lists the bindings naming members of pools the inputs give
// providers for, in node and member order.
func (s *Snapshot) poolBindings() []poolBinding {
	if s.wif == nil || len(s.wif.providers) == 0 {
		return nil
	}
	names := make([]string, 0, len(s.bindings))
	for n := range s.bindings {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []poolBinding
	for _, n := range names {
		bs := s.bindings[n]
		for i := range bs {
			for _, m := range bs[i].Members {
				if pm, ok := s.parsePoolMember(m); ok {
					out = append(out, poolBinding{node: n, member: m, pm: pm, b: &bs[i]})
				}
			}
		}
	}
	return out
}

// providerIndex lists the enabled providers of each pool, by poolKey (a
// project's number and ID are known to be one only once every input is
// read, so it is built when the analysis runs).
func (s *Snapshot) providerIndex() map[string][]*wifProvider {
	off := map[string]bool{}
	for p := range s.wif.poolsOff {
		off[s.poolKey(p)] = true
	}
	out := map[string][]*wifProvider{}
	for _, p := range s.wif.providers {
		if k := s.poolKey(p.pool); !p.off && !off[k] {
			out[k] = append(out[k], p)
		}
	}
	return out
}

// impersonates reports whether a role may let its member mint the tokens
// of a service account (held, or unknown).
func (s *Snapshot) impersonates(role string) bool {
	for _, p := range impersonation {
		if has, known := s.roles.Has(role, p); has || !known {
			return true
		}
	}
	return false
}

// FederatedTrusts lists, for every provider of a pool and every member of
// the pool the allow policies name, the subjects the provider lets in: as
// the member itself (its own roles) and as every service account it is
// bound to impersonate.
func (s *Snapshot) FederatedTrusts() []model.FederatedTrust {
	pbs := s.poolBindings()
	if len(pbs) == 0 {
		return nil
	}
	s.resolveAncestors()
	s.completeRoles()
	type key struct{ provider, principal string }
	seen := map[key]bool{}
	var out []model.FederatedTrust
	add := func(p *wifProvider, pb poolBinding, principal string) {
		k := key{p.name, principal + "\x00" + pb.member}
		if seen[k] {
			return
		}
		seen[k] = true
		if t, ok := federatedTrust(p, pb.pm); ok {
			t.Principal, t.Statement = principal, pb.member
			out = append(out, t)
		}
	}
	var sas []serviceAccount
	byPool := s.providerIndex()
	for _, pb := range pbs {
		provs := byPool[pb.pm.pool]
		if len(provs) == 0 {
			continue
		}
		for _, p := range provs {
			add(p, pb, pb.member)
		}
		if !s.impersonates(pb.b.Role) {
			continue
		}
		n := s.nodes[pb.node]
		if n == nil {
			continue
		}
		var targets []string
		if n.attrs.Type == "iam.googleapis.com/ServiceAccount" {
			targets = append(targets, "serviceAccount:"+strings.ToLower(n.attrs.Name[strings.LastIndexByte(n.attrs.Name, '/')+1:]))
		} else if n.kind != "resource" {
			if sas == nil {
				sas = s.serviceAccounts()
			}
			for _, sa := range sas {
				if sa.node.name == n.name || sa.node.ancestors[n.name] {
					targets = append(targets, sa.member)
				}
			}
		}
		for _, sa := range targets {
			for _, p := range provs {
				add(p, pb, sa)
			}
		}
	}
	return out
}

// federationEdges draws, for every edge from a pool member to a service
// account it can impersonate, an edge from each provider of the pool to
// the account: tokens of the provider that the member's principal set and
// the provider's condition let in become the account.
func (s *Snapshot) federationEdges(edges []model.Edge) []model.Edge {
	if s.wif == nil || len(s.wif.providers) == 0 {
		return nil
	}
	var out []model.Edge
	byPool := s.providerIndex()
	for _, e := range edges {
		if e.Kind != "impersonate" {
			continue
		}
		pm, ok := s.parsePoolMember(e.From)
		if !ok {
			continue
		}
		for _, p := range byPool[pm.pool] {
			t, ok := federatedTrust(p, pm)
			if !ok {
				continue
			}
			f := e
			f.From = model.FederatedPrefix + p.name
			f.Permissions = append([]string(nil), e.Permissions...)
			f.Via = append([]model.Grant(nil), e.Via...)
			// A token must also match the member and the condition.
			f.Conditional = e.Conditional || t.Scope != "any" || p.condition != ""
			f.Note = "workload identity federation: tokens of " + p.issuer + " that " + e.From + " lets in (" + t.Scope + " scope) exchange for the service account's credentials"
			out = append(out, f)
		}
	}
	return out
}

// oidcPlatform is what an issuer is (as awscloud reads AWS providers' issuers).
func oidcPlatform(issuer string) string {
	switch {
	case issuer == "token.actions.githubusercontent.com" || strings.HasPrefix(issuer, "token.actions.githubusercontent.com/"):
		return "github-actions"
	case issuer == "gitlab.com" || strings.HasPrefix(issuer, "gitlab."):
		return "gitlab"
	case issuer == "app.terraform.io" || strings.HasPrefix(issuer, "app.terraform.io/"):
		return "terraform-cloud"
	case strings.HasPrefix(issuer, "container.googleapis.com/v1/projects/") || (strings.HasPrefix(issuer, "oidc.eks.") && strings.Contains(issuer, ".amazonaws.com/id/")):
		return "kubernetes"
	}
	return "other"
}

// scopeRank orders the scopes from the widest.
var scopeRank = map[string]int{"any": 0, "organization": 1, "repository": 2, "pinned": 3}

func wider(a, b string) string {
	if scopeRank[b] < scopeRank[a] {
		return b
	}
	return a
}

// subjectPrefixScope is how many subjects a prefix of the sub claim lets
// in: on GitHub repo:OWNER/REPO: is one repository, repo:OWNER/ (or more of
// a name) one organization, anything shorter any subject; on other
// platforms a prefix is taken as an organization unless it is empty.
func subjectPrefixScope(platform, pre string) string {
	if pre == "" {
		return "any"
	}
	if platform != "github-actions" {
		return "organization"
	}
	rest, ok := strings.CutPrefix(pre, "repo:")
	if !ok {
		return "any"
	}
	owner, name, ok := strings.Cut(rest, "/")
	if !ok || owner == "" {
		return "any"
	}
	if strings.Contains(name, ":") {
		return "repository"
	}
	return "organization"
}

// repoPrefixScope is how many repositories a prefix of the repository
// claim (OWNER/NAME) lets in.
func repoPrefixScope(pre string) string {
	if owner, _, ok := strings.Cut(pre, "/"); ok && owner != "" {
		return "organization"
	}
	return "any"
}
