package gcpcloud

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Principal access boundary (PAB) policies: a principal that a PAB policy
// binding's principal set takes in may use the permissions the policies'
// enforcement versions can block only on the resources the rules of ALL
// the PAB policies bound to it list (their union), and below them; a
// principal no binding takes in is not limited, nor are the permissions no
// bound policy's version blocks (docs/inputs.md, G13).

// Formats of principal access boundary policies and their bindings.
const (
	FormatPABPolicies    = "gcp-pab-policies"    // gcloud iam principal-access-boundary-policies list --format=json
	FormatPolicyBindings = "gcp-policy-bindings" // gcloud iam policy-bindings list --format=json
)

// pabVia starts the Via entries (deny hits) a boundary adds to a decision.
const pabVia = "principal access boundary "

// pabEnforcement is what each enforcement version can block, by service
// and permission pattern (service/resource.verb, as the documentation
// lists them); a version blocks its own and every earlier version's. Only
// rows read on the page are listed: a permission no row covers is taken as
// not blocked (the boundary is ignored for it, so access is never reported
// narrower than it is). Source: "Permissions that principal access
// boundary policies block" (cloud.google.com/iam/docs/
// pab-blocked-permissions), tables of versions 1 to 4 read in full;
// docs/inputs.md G13 has the table. None of the rows below has an
// exception on the page.
//
// Read on the page but left out: Compute Engine has no images.*,
// machineImages.*, snapshots.*, disks.*, instances.* or instanceTemplates.*
// pattern in any version (a boundary never limits them); the edges'
// permissions are in no row, though the page places them
// (iam.googleapis.com/serviceAccounts.* in version 3 with tag and
// getCertificateAs exceptions, cloudbuild.googleapis.com/* and
// cloudresourcemanager.googleapis.com/* in version 2, named
// run.googleapis.com/ permissions in version 1,
// cloudfunctions.googleapis.com/*.* in version 3): the reference edges
// (reference_impl_test.go) decide without the boundary and would have to
// learn it with such a row.
var pabEnforcement = []struct {
	version  int
	patterns []string
}{
	// Version 1 blocks only these Cloud Storage permissions: not
	// storage.objects.create, and no Artifact Registry permission.
	{1, []string{
		"storage.googleapis.com/buckets.get",
		"storage.googleapis.com/buckets.getIamPolicy",
		"storage.googleapis.com/buckets.list",
		"storage.googleapis.com/buckets.setIamPolicy",
		"storage.googleapis.com/buckets.update",
		"storage.googleapis.com/hmacKeys.update",
		"storage.googleapis.com/objects.delete",
		"storage.googleapis.com/objects.get",
		"storage.googleapis.com/objects.setRetention",
	}},
	{2, []string{
		"containeranalysis.googleapis.com/*",
		"storage.googleapis.com/bucketOperations.*",
		"storage.googleapis.com/buckets.*",
		"storage.googleapis.com/folders.*",
		"storage.googleapis.com/hmacKeys.*",
		"storage.googleapis.com/managedFolders.*",
		"storage.googleapis.com/multipartUploads.*",
		"storage.googleapis.com/objects.*",
	}},
	{3, []string{"artifactregistry.googleapis.com/*.*"}},
}

// pabLatest is the version "latest" (and an empty version) stands for: the
// page's "current default enforcement version" (3 on the copy read; a
// later copy says 4, which changes nothing here: no row is in version 4,
// and the lower value can only report more access).
const pabLatest = 3

// pabPolicy is one PAB policy.
type pabPolicy struct {
	name      string
	version   int
	resources []string // full resource names (//cloudresourcemanager.googleapis.com/...)
}

// pabBinding binds a PAB policy to a principal set.
type pabBinding struct {
	name      string
	policy    string
	set       string
	condition string
}

type pabState struct {
	policies map[string]*pabPolicy
	bindings []pabBinding
}

// recognizePAB names a PAB document's format, or "".
func recognizePAB(doc *model.Document) string {
	if !doc.Has("name") {
		return ""
	}
	var name string
	if doc.Object != nil {
		json.Unmarshal(doc.Object["name"], &name)
	} else {
		json.Unmarshal(doc.Items[0]["name"], &name)
	}
	switch {
	case strings.Contains(name, "/principalAccessBoundaryPolicies/"):
		return FormatPABPolicies
	case strings.Contains(name, "/policyBindings/"):
		return FormatPolicyBindings
	}
	return ""
}

// pabVersion reads an enforcement version: "latest" or empty is the
// latest; a number above the latest is taken as the latest (it blocks at
// least what the table lists).
func pabVersion(v string) (int, bool) {
	if v == "" || strings.EqualFold(v, "latest") {
		return pabLatest, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

func (s *Snapshot) loadPAB(file, format string, items []map[string]json.RawMessage) {
	if s.pab == nil {
		s.pab = &pabState{policies: map[string]*pabPolicy{}}
	}
	for i, it := range items {
		where := fmt.Sprintf("[%d]", i)
		if format == FormatPABPolicies {
			var p struct {
				Name    string `json:"name"`
				Details struct {
					Rules []struct {
						Resources []string `json:"resources"`
						Effect    string   `json:"effect"`
					} `json:"rules"`
					EnforcementVersion string `json:"enforcementVersion"`
				} `json:"details"`
			}
			if err := decode(it, &p); err != nil || !strings.Contains(p.Name, "/principalAccessBoundaryPolicies/") {
				s.warn(file, where, "not a principal access boundary policy (name .../principalAccessBoundaryPolicies/ID): ignored")
				continue
			}
			v, ok := pabVersion(p.Details.EnforcementVersion)
			if !ok {
				// A version that cannot be read blocks nothing here: the
				// boundary is ignored (never narrower than the truth).
				s.warn(file, where+".details.enforcementVersion", fmt.Sprintf("enforcement version %q cannot be read: policy %s is ignored (it limits nothing in this analysis)", p.Details.EnforcementVersion, p.Name))
				continue
			}
			pol := &pabPolicy{name: p.Name, version: v}
			for j, r := range p.Details.Rules {
				if r.Effect != "" && !strings.EqualFold(r.Effect, "ALLOW") {
					s.warn(file, fmt.Sprintf("%s.details.rules[%d].effect", where, j), fmt.Sprintf("effect %q is not ALLOW: the rule is ignored", r.Effect))
					continue
				}
				pol.resources = append(pol.resources, r.Resources...)
			}
			s.pab.policies[p.Name] = pol
			continue
		}
		var b struct {
			Name   string `json:"name"`
			Target struct {
				PrincipalSet string `json:"principalSet"`
			} `json:"target"`
			PolicyKind string `json:"policyKind"`
			Policy     string `json:"policy"`
			Condition  *struct {
				Expression string `json:"expression"`
			} `json:"condition"`
		}
		if err := decode(it, &b); err != nil {
			s.warn(file, where, "policy binding: "+err.Error())
			continue
		}
		if b.PolicyKind != "" && b.PolicyKind != "PRINCIPAL_ACCESS_BOUNDARY" {
			continue // other kinds of policy binding
		}
		if b.Target.PrincipalSet == "" || !strings.Contains(b.Policy, "/principalAccessBoundaryPolicies/") {
			s.warn(file, where, fmt.Sprintf("policy binding %q without target.principalSet or a principal access boundary policy: ignored", b.Name))
			continue
		}
		pb := pabBinding{name: b.Name, policy: b.Policy, set: b.Target.PrincipalSet}
		if b.Condition != nil {
			pb.condition = strings.TrimSpace(b.Condition.Expression)
		}
		s.pab.bindings = append(s.pab.bindings, pb)
	}
}

// pabPol is a bound policy as the decisions use it.
type pabPol struct {
	name     string
	version  int
	eligible map[string]bool // canonical node names its rules list
}

// blocks reports whether the policy's enforcement version can block the
// permission (service.resource.verb).
func (p *pabPol) blocks(permission string) bool {
	svc, rest, ok := strings.Cut(permission, ".")
	if !ok {
		return false
	}
	form := svc + ".googleapis.com/" + rest
	for _, e := range pabEnforcement {
		if e.version > p.version {
			continue
		}
		for _, pat := range e.patterns {
			if m, _ := path.Match(pat, form); m || (strings.HasSuffix(pat, "/*") && strings.HasPrefix(form, strings.TrimSuffix(pat, "*"))) {
				return true
			}
		}
	}
	return false
}

// pabBind is a binding as the decisions use it.
type pabBind struct {
	name      string
	pol       int // index into pabView.pols, -1 when the policy is not given
	set       string
	condition string
}

// pabView is the PAB inputs resolved against the hierarchy, once every
// input is read.
type pabView struct {
	s     *Snapshot
	pols  []*pabPol
	binds []pabBind
}

// pabView resolves the PAB inputs; nil when none were given.
func (s *Snapshot) pabView() *pabView {
	if s.pab == nil || len(s.pab.bindings) == 0 {
		return nil
	}
	v := &pabView{s: s}
	idx := map[string]int{}
	names := make([]string, 0, len(s.pab.policies))
	for n := range s.pab.policies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := s.pab.policies[n]
		pp := &pabPol{name: n, version: p.version, eligible: map[string]bool{}}
		for _, r := range p.resources {
			pp.eligible[s.canonical(r)] = true
		}
		idx[n] = len(v.pols)
		v.pols = append(v.pols, pp)
	}
	for _, b := range s.pab.bindings {
		i, ok := idx[b.policy]
		if !ok {
			i = -1
		}
		v.binds = append(v.binds, pabBind{name: b.name, pol: i, set: b.set, condition: b.condition})
	}
	return v
}

// pabProject is the project an identity belongs to for the principal sets
// of projects, folders and organizations (its service account's or
// workload identity pool's project), or "".
func (s *Snapshot) pabProject(member string) string {
	switch gcp.Kind(member) {
	case "serviceAccount":
		_, dom, _ := strings.Cut(strings.TrimPrefix(member, "serviceAccount:"), "@")
		if p, ok := strings.CutSuffix(strings.ToLower(dom), ".iam.gserviceaccount.com"); ok {
			return s.canonical("projects/" + p)
		}
	case "principal", "principalSet":
		if pm, ok := s.parsePoolMember(member); ok {
			proj, _, _ := strings.Cut(strings.TrimPrefix(pm.pool, "projects/"), "/")
			return "projects/" + proj
		}
	}
	return ""
}

// pabType is the principal.type a binding condition compares, or "".
func pabType(member string) string {
	switch gcp.Kind(member) {
	case "serviceAccount":
		return "iam.googleapis.com/ServiceAccount"
	case "user":
		return "iam.googleapis.com/WorkspaceIdentity"
	case "principal", "principalSet":
		if strings.Contains(member, "/workforcePools/") {
			return "iam.googleapis.com/WorkforcePoolIdentity"
		}
		if strings.Contains(member, poolsMarker) {
			return "iam.googleapis.com/WorkloadPoolIdentity"
		}
	}
	return ""
}

// covers is whether a principal set takes the identity in: True, False,
// or Unknown when the inputs cannot tell (a user and an organization's
// Google Workspace or Cloud Identity account, a service account of a
// project the hierarchy does not place).
func (v *pabView) covers(set string, id *gcp.Identity) tri.Tri {
	s := v.s
	m := id.Member
	kind := gcp.Kind(m)
	switch {
	case strings.HasPrefix(set, crm):
		target := s.canonical(set)
		proj := s.pabProject(m)
		if proj == "" {
			if kind == "user" || (kind == "principal" || kind == "principalSet") && strings.Contains(m, "/workforcePools/") {
				if strings.HasPrefix(target, "organizations/") {
					return tri.Unknown // the organization's workspace and workforce pools
				}
			}
			if kind == "serviceAccount" {
				return tri.Unknown // a default or agent account: its project is not read
			}
			return tri.False
		}
		if proj == target {
			return tri.True
		}
		n := s.nodes[proj]
		if n == nil || n.parent == "" && len(n.ancestors) == 0 {
			if strings.HasPrefix(target, "projects/") {
				return tri.False
			}
			return tri.Unknown // the project's folders and organization are not known
		}
		return tri.Of(n.ancestors[target])
	case strings.HasPrefix(set, "//iam.googleapis.com/locations/global/workforcePools/"):
		pool := strings.TrimPrefix(set, "//iam.googleapis.com/locations/global/workforcePools/")
		return tri.Of(strings.Contains(m, "/locations/global/workforcePools/"+pool+"/") && (kind == "principal" || kind == "principalSet"))
	case strings.HasPrefix(set, "//iam.googleapis.com/projects/") && strings.Contains(set, poolsMarker):
		pm, ok := s.parsePoolMember(m)
		if !ok {
			return tri.False
		}
		want := s.poolKey(strings.TrimPrefix(set, "//iam.googleapis.com/"))
		return tri.Of(pm.pool == want)
	case strings.HasPrefix(set, "//iam.googleapis.com/locations/global/workspace/"):
		if kind == "user" {
			return tri.Unknown
		}
		return tri.False
	}
	return tri.Unknown
}

// condition evaluates a binding's condition on principal.type and
// principal.subject (==, !=, in, &&); Unknown for anything else.
func pabCondition(expr string, id *gcp.Identity) tri.Tri {
	if expr == "" {
		return tri.True
	}
	parts, ok := splitAnd(expr)
	if !ok {
		return tri.Unknown
	}
	out := tri.True
	typ := pabType(id.Member)
	subject := ""
	if _, e, ok := strings.Cut(id.Member, ":"); ok && !strings.Contains(id.Member, "://") {
		subject = strings.ToLower(e)
	}
	for _, p := range parts {
		var l, r string
		neg := false
		var ok bool
		if l, r, ok = strings.Cut(p, "!="); ok {
			neg = true
		} else if l, r, ok = strings.Cut(p, "=="); !ok {
			out = out.And(tri.Unknown)
			continue
		}
		lit, okLit := stringLit(r)
		var have string
		switch strings.TrimSpace(l) {
		case "principal.type":
			have = typ
		case "principal.subject":
			have = subject
		default:
			okLit = false
		}
		if !okLit || have == "" {
			out = out.And(tri.Unknown)
			continue
		}
		eq := strings.EqualFold(have, lit)
		out = out.And(tri.Of(eq != neg))
	}
	return out
}

// bound lists the policies bound to the identity, each with whether the
// binding takes it in (True or Unknown; a policy bound twice keeps the
// surer).
type pabBound struct {
	pol   int
	match tri.Tri
	bind  string
}

func (v *pabView) bound(id *gcp.Identity) []pabBound {
	var out []pabBound
	at := map[int]int{}
	for _, b := range v.binds {
		m := v.covers(b.set, id)
		if m == tri.False {
			continue
		}
		m = m.And(pabCondition(b.condition, id))
		if m == tri.False {
			continue
		}
		if b.pol < 0 {
			// A bound policy the inputs do not give: its eligible resources
			// are not known; it cannot be applied (never narrower).
			continue
		}
		if i, ok := at[b.pol]; ok {
			if m == tri.True {
				out[i].match, out[i].bind = m, b.name
			}
			continue
		}
		at[b.pol] = len(out)
		out = append(out, pabBound{pol: b.pol, match: m, bind: b.name})
	}
	return out
}

// decide is the boundary's part of a decision: whether the identity with
// its bound policies is eligible to use the permission on node n (its
// ancestors, n itself first): True when no bound policy's version blocks
// the permission, or the node is in the union of the eligible resources of
// the policies that do; False when some policy surely bound blocks it and
// no bound policy, surely or maybe, lists the node; Unknown otherwise. The
// hits say which policies keep the node out.
func (v *pabView) decide(bound []pabBound, permission string, up []string) (tri.Tri, []gcp.DenyHit) {
	if len(bound) == 0 {
		return tri.True, nil
	}
	var sure, maybe, anySure bool
	everyMaybe := true
	blocking := 0
	for _, b := range bound {
		p := v.pols[b.pol]
		if !p.blocks(permission) {
			continue
		}
		blocking++
		in := false
		for _, n := range up {
			if p.eligible[n] {
				in = true
				break
			}
		}
		if b.match == tri.True {
			anySure = true
			sure = sure || in
		} else if !in {
			everyMaybe = false
		}
		maybe = maybe || in
	}
	var m tri.Tri
	switch {
	case blocking == 0 || sure:
		return tri.True, nil
	case !anySure && everyMaybe:
		return tri.True, nil
	case anySure && !maybe:
		m = tri.False
	default:
		m = tri.Unknown
	}
	var hits []gcp.DenyHit
	for _, b := range bound {
		p := v.pols[b.pol]
		if !p.blocks(permission) {
			continue
		}
		hits = append(hits, gcp.DenyHit{Node: b.bind, Rule: gcp.DenyRule{Policy: pabVia + p.name + ": " + up[0] + " is not among its eligible resources (" + strings.Join(slices.Sorted(maps.Keys(p.eligible)), ", ") + ")"}, Match: m.Not()})
	}
	return m, hits
}

// upOf is a node and its ancestors (canonical names).
func upOf(n *node) []string {
	up := make([]string, 0, len(n.ancestors)+1)
	up = append(up, n.name)
	for a := range n.ancestors {
		up = append(up, a)
	}
	sort.Strings(up[1:])
	return up
}

// applyPAB folds the boundary into a decision (gcp.Decide's or the
// index's): an allowed or conditional request outside the eligible
// resources is denied, or conditional when the inputs cannot tell.
func applyPAB(r *gcp.Result, m tri.Tri, hits []gcp.DenyHit) {
	if r.Allowed == tri.False || m == tri.True {
		return
	}
	r.Allowed = r.Allowed.And(m)
	r.Denies = append(r.Denies, hits...)
}

// pabDecide applies the boundary to a gcp.Decide result on node n; the
// per-request form (WhoCan, the reference).
func (s *Snapshot) pabDecide(v *pabView, id *gcp.Identity, permission string, n *node, r gcp.Result) gcp.Result {
	if v == nil || r.Allowed == tri.False {
		return r
	}
	m, hits := v.decide(v.bound(id), permission, upOf(n))
	applyPAB(&r, m, hits)
	return r
}

// pabScopes are the hierarchy nodes, below the scopes an identity is bound
// on, that the rules of its bound policies list: a scope outside the
// boundary keeps its access on them, which are decided as scopes of their
// own (the bindings above them reach them).
func (v *pabView) pabScopes(bound []pabBound, scopes []*node) []*node {
	if len(bound) == 0 || len(scopes) == 0 {
		return nil
	}
	in := map[string]bool{}
	for _, n := range scopes {
		in[n.name] = true
	}
	var out []*node
	seen := map[string]bool{}
	for _, b := range bound {
		for _, e := range slices.Sorted(maps.Keys(v.pols[b.pol].eligible)) {
			n := v.s.nodes[e]
			if n == nil || n.kind == "resource" || in[e] || seen[e] {
				continue
			}
			for a := range n.ancestors {
				if in[a] {
					seen[e] = true
					out = append(out, n)
					break
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// initPAB gives the index the boundary (nil when no PAB input was given).
func (ix *evalIndex) initPAB() {
	ix.pab = ix.s.pabView()
	if ix.pab == nil {
		return
	}
	ix.pabPerms = make([]string, len(ix.cols))
	for p, c := range ix.cols {
		ix.pabPerms[c] = p
	}
}

// boundPAB is the policies bound to the identity of a view.
func (ix *evalIndex) boundPAB(id *gcp.Identity) []pabBound {
	if ix.pab == nil {
		return nil
	}
	return ix.pab.bound(id)
}

// applyPAB is applyPAB for the index's decision of column col on node t.
func (ix *evalIndex) applyPAB(v *view, col int, t int32, res *gcp.Result) {
	if len(v.pab) == 0 || res.Allowed == tri.False {
		return
	}
	up := make([]string, len(ix.up[t]))
	for i, n := range ix.up[t] {
		up[i] = ix.names[n]
	}
	m, hits := ix.pab.decide(v.pab, ix.pabPerms[col], up)
	applyPAB(res, m, hits)
}

// pabScopeIDs is pabScopes for a view's bound scopes, as node ids.
func (ix *evalIndex) pabScopeIDs(v *view) []int32 {
	if len(v.pab) == 0 {
		return nil
	}
	var scopes []*node
	for _, n := range v.bound {
		if nd := ix.nodes[n]; nd != nil && nd.kind != "resource" {
			scopes = append(scopes, nd)
		}
	}
	var out []int32
	for _, n := range ix.pab.pabScopes(v.pab, scopes) {
		if id, ok := ix.ids[n.name]; ok {
			out = append(out, id)
		}
	}
	return out
}

// blocksAny reports whether a bound policy's version blocks the
// permission: only then are the scopes below one outside the boundary
// decided on their own.
func (v *pabView) blocksAny(bound []pabBound, permission string) bool {
	for _, b := range bound {
		if v.pols[b.pol].blocks(permission) {
			return true
		}
	}
	return false
}
