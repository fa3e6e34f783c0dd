package gcpcloud

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Organization policies (docs/inputs.md G11): the constraints that decide
// whether an image, snapshot or service account of one project can be used
// by another.

// FormatOrgPolicies: gcloud org-policies list (v2: name, spec), or gcloud
// resource-manager org-policies list (v1: constraint, listPolicy,
// booleanPolicy, restoreDefault) wrapped with the node it was listed on.
const FormatOrgPolicies = "gcp-org-policies"

const (
	constraintTrustedImages = "compute.trustedImageProjects"
	constraintStorageUse    = "compute.storageResourceUseRestrictions"
	constraintCrossProjSA   = "iam.disableCrossProjectServiceAccountUsage"
)

// orgRule is one rule of a policy's spec (v2), or the v1 policy as one.
type orgRule struct {
	allowAll, denyAll bool
	allowed, denied   []string
	enforce           *bool
	conditional       bool // the rule has a condition: what it does is not known offline
}

// orgPolicy is a constraint's policy set on one node.
type orgPolicy struct {
	inherit bool // inheritFromParent: merged with the parent's
	reset   bool // the constraint's default, whatever the parent says
	rules   []orgRule
	where   string // file and place, for warnings
}

type orgPolicies struct {
	listed map[string]bool                  // nodes whose policies a file lists
	set    map[string]map[string]*orgPolicy // node -> constraint -> policy
	memo   map[[2]string]effective          // (node, constraint) -> effective policy
	mu     sync.Mutex                       // memo is filled from the edges' workers
}

func (s *Snapshot) orgPol() *orgPolicies {
	if s.orgPolicies == nil {
		s.orgPolicies = &orgPolicies{listed: map[string]bool{}, set: map[string]map[string]*orgPolicy{}}
	}
	s.orgPolicies.memo = nil
	return s.orgPolicies
}

// recognizeOrgPolicies names the organization policy formats, or "".
func recognizeOrgPolicies(doc *model.Document) string {
	has := doc.Has
	if doc.Object != nil && has("parent") && has("policies") {
		return FormatOrgPolicies
	}
	var name string
	if doc.Object != nil {
		json.Unmarshal(doc.Object["name"], &name)
	} else if len(doc.Items) > 0 {
		json.Unmarshal(doc.Items[0]["name"], &name)
	}
	if doc.Object == nil && has("constraint") && (has("listPolicy") || has("booleanPolicy") || has("restoreDefault")) {
		return FormatOrgPolicies // v1, not wrapped: each policy is a warning
	}
	if (has("spec") || has("dryRunSpec")) && strings.Contains(name, "/policies/") && !strings.Contains(name, "/denypolicies/") {
		return FormatOrgPolicies
	}
	return ""
}

// hierarchyNode checks a node name of an organization policy.
func hierarchyNode(n string) bool {
	kind, id, ok := strings.Cut(n, "/")
	if !ok {
		return false
	}
	switch kind {
	case "projects":
		return projectLike.MatchString(id)
	case "folders", "organizations":
		return isDigits(id) && len(id) <= 20
	}
	return false
}

func (s *Snapshot) loadOrgPolicies(file string, doc *model.Document) error {
	o := s.orgPol()
	items := doc.Items
	parent := ""
	base := ""
	if doc.Object != nil {
		if doc.Object["policies"] != nil {
			var w struct {
				Parent   string                       `json:"parent"`
				Policies []map[string]json.RawMessage `json:"policies"`
			}
			if err := decode(doc.Object, &w); err != nil {
				return fmt.Errorf("policies: %v", err)
			}
			if !hierarchyNode(w.Parent) {
				return fmt.Errorf("parent: %q is not projects/ID, folders/N or organizations/N", w.Parent)
			}
			parent, items, base = s.canonical(w.Parent), w.Policies, "policies"
			s.node(parent)
			o.listed[parent] = true
		} else {
			items = []map[string]json.RawMessage{doc.Object}
		}
	}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", base, i)
		var p struct {
			Name       string `json:"name"`
			Constraint string `json:"constraint"`
			Spec       *struct {
				Rules []struct {
					Values *struct {
						AllowedValues []string `json:"allowedValues"`
						DeniedValues  []string `json:"deniedValues"`
					} `json:"values"`
					AllowAll  bool            `json:"allowAll"`
					DenyAll   bool            `json:"denyAll"`
					Enforce   *bool           `json:"enforce"`
					Condition json.RawMessage `json:"condition"`
				} `json:"rules"`
				InheritFromParent bool `json:"inheritFromParent"`
				Reset             bool `json:"reset"`
			} `json:"spec"`
			ListPolicy *struct {
				AllowedValues     []string `json:"allowedValues"`
				DeniedValues      []string `json:"deniedValues"`
				AllValues         string   `json:"allValues"`
				InheritFromParent bool     `json:"inheritFromParent"`
			} `json:"listPolicy"`
			BooleanPolicy *struct {
				Enforced bool `json:"enforced"`
			} `json:"booleanPolicy"`
			RestoreDefault *struct{} `json:"restoreDefault"`
		}
		if err := decode(it, &p); err != nil {
			s.warn(file, where, "not an organization policy: "+err.Error())
			continue
		}
		node, constraint := parent, strings.TrimPrefix(p.Constraint, "constraints/")
		if p.Name != "" {
			n, c, ok := strings.Cut(p.Name, "/policies/")
			if !ok || !hierarchyNode(n) || c == "" {
				s.warn(file, where+".name", fmt.Sprintf("%q is not NODE/policies/CONSTRAINT: the policy is ignored", p.Name))
				continue
			}
			n = s.canonical(n)
			if parent != "" && n != parent {
				s.warn(file, where+".name", fmt.Sprintf("the policy is set on %s, not on %s that the file names: it is read as on %s", n, parent, n))
			}
			node, constraint = n, c
			s.node(node)
			o.listed[node] = true
		}
		if node == "" {
			s.warn(file, where, "a v1 policy (constraint) needs the node it is set on: wrap the list as {\"parent\": \"projects/P\", \"policies\": [...]}; the policy is ignored")
			continue
		}
		if constraint == "" {
			s.warn(file, where, "a policy without constraint is ignored")
			continue
		}
		pol := &orgPolicy{where: file + ": " + where}
		switch {
		case p.Spec != nil:
			pol.inherit, pol.reset = p.Spec.InheritFromParent, p.Spec.Reset
			for _, r := range p.Spec.Rules {
				or := orgRule{allowAll: r.AllowAll, denyAll: r.DenyAll, enforce: r.Enforce, conditional: len(r.Condition) > 0 && string(r.Condition) != "null"}
				if r.Values != nil {
					or.allowed, or.denied = r.Values.AllowedValues, r.Values.DeniedValues
				}
				pol.rules = append(pol.rules, or)
			}
		case p.RestoreDefault != nil:
			pol.reset = true
		case p.ListPolicy != nil:
			lp := p.ListPolicy
			pol.inherit = lp.InheritFromParent
			pol.rules = []orgRule{{allowAll: lp.AllValues == "ALLOW", denyAll: lp.AllValues == "DENY", allowed: lp.AllowedValues, denied: lp.DeniedValues}}
		case p.BooleanPolicy != nil:
			e := p.BooleanPolicy.Enforced
			pol.rules = []orgRule{{enforce: &e}}
		default:
			continue // listed as unset (--show-unset): nothing set on the node
		}
		if o.set[node] == nil {
			o.set[node] = map[string]*orgPolicy{}
		}
		if prev := o.set[node][constraint]; prev != nil {
			s.warn(file, where, fmt.Sprintf("%s on %s is given twice (also at %s): the one read last is used", constraint, node, prev.where))
		}
		o.set[node][constraint] = pol
	}
	return nil
}

// effective is a list constraint's effective policy on a node, or a
// boolean constraint's (enforced).
type effective struct {
	known     bool // every node of the chain is listed, no rule on the way has a condition
	allowAll  bool // the default, or allowAll
	denyAll   bool
	allowed   []string
	denied    []string
	enforced  bool
	fromNodes []string // where the policies that made it are set
}

// rootFirst lists a node and its ancestors, the root first.
func (s *Snapshot) rootFirst(n *node) []string {
	names := make([]string, 0, len(n.ancestors)+1)
	for a := range n.ancestors {
		if strings.HasPrefix(a, "projects/") || strings.HasPrefix(a, "folders/") || strings.HasPrefix(a, "organizations/") {
			names = append(names, a)
		}
	}
	depth := func(x string) int {
		if nd := s.nodes[x]; nd != nil {
			return len(nd.ancestors)
		}
		return 0
	}
	rank := func(x string) int {
		switch {
		case strings.HasPrefix(x, "organizations/"):
			return 0
		case strings.HasPrefix(x, "folders/"):
			return 1
		}
		return 2
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		if di, dj := depth(names[i]), depth(names[j]); di != dj {
			return di < dj
		}
		return names[i] < names[j]
	})
	return append(names, n.name)
}

// effectivePolicy evaluates a constraint on a node from the root down: a
// policy replaces its parent's, unless it inherits (inheritFromParent:
// values merged, denied ones winning) or resets to the default (allow
// all, not enforced). Without the listing of some node of the chain, or
// with a conditional rule, the result is not known.
func (s *Snapshot) effectivePolicy(nodeName, constraint string) effective {
	o := s.orgPolicies
	if o == nil {
		return effective{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	k := [2]string{nodeName, constraint}
	if e, ok := o.memo[k]; ok {
		return e
	}
	s.resolveAncestors()
	e := effective{known: true, allowAll: true}
	n := s.nodes[nodeName]
	if n == nil {
		return effective{}
	}
	for _, name := range s.rootFirst(n) {
		if !o.listed[name] {
			e.known = false
		}
		p := o.set[name][constraint]
		if p == nil {
			continue
		}
		e.fromNodes = append(e.fromNodes, name)
		if p.reset {
			e = effective{known: e.known, allowAll: true, fromNodes: e.fromNodes}
			if len(p.rules) == 0 {
				continue
			}
		}
		next := effective{known: e.known, fromNodes: e.fromNodes}
		if p.inherit {
			next.allowAll, next.denyAll = e.allowAll, e.denyAll
			next.allowed = append([]string{}, e.allowed...)
			next.denied = append([]string{}, e.denied...)
			if !e.allowAll && !e.denyAll && len(e.allowed) == 0 {
				next.allowAll = true // only denied values: everything else allowed
			}
		}
		for _, r := range p.rules {
			if r.conditional {
				next.known = false
				continue
			}
			if r.enforce != nil {
				next.enforced = *r.enforce
			}
			switch {
			case r.denyAll:
				next.denyAll, next.allowAll = true, false
			case r.allowAll:
				next.allowAll = !next.denyAll
			}
			if len(r.allowed) > 0 && !next.denyAll {
				if !p.inherit {
					next.allowAll = false
				}
				next.allowed = append(next.allowed, r.allowed...)
			}
			next.denied = append(next.denied, r.denied...)
		}
		if len(next.allowed) == 0 && !next.denyAll && !next.allowAll {
			next.allowAll = true // only denied values
		}
		e = next
	}
	if o.memo == nil {
		o.memo = map[[2]string]effective{}
	}
	o.memo[k] = e
	return e
}

// allows reports whether a list policy allows the value of a resource:
// projects/P, matched as is (or with is:), or under: a node that is P or
// one of its ancestors.
func (s *Snapshot) allows(e effective, project string) bool {
	matches := func(v string) bool {
		v = strings.TrimPrefix(v, "is:")
		if u, ok := strings.CutPrefix(v, "under:"); ok {
			u = s.canonical(u)
			if u == project {
				return true
			}
			n := s.nodes[project]
			return n != nil && n.ancestors[u]
		}
		return s.canonical(v) == project
	}
	for _, v := range e.denied {
		if matches(v) {
			return false
		}
	}
	if e.denyAll {
		return false
	}
	if e.allowAll {
		return true
	}
	for _, v := range e.allowed {
		if matches(v) {
			return true
		}
	}
	return false
}

// crossProjectSAUsageDisabled reports whether the organization policy
// iam.disableCrossProjectServiceAccountUsage is known to be enforced on a
// project.
func (s *Snapshot) crossProjectSAUsageDisabled(project string) bool {
	e := s.effectivePolicy(project, constraintCrossProjSA)
	return e.known && e.enforced
}

// storageKind is what organization policies restrict about the resources
// an action writes: "image" (compute.trustedImageProjects and
// compute.storageResourceUseRestrictions), "snapshot" (the latter only),
// or "" for anything else.
func storageKind(action string) string {
	switch {
	case strings.HasPrefix(action, "compute.images."):
		return "image"
	case strings.HasPrefix(action, "compute.snapshots."), action == "compute.disks.createSnapshot":
		return "snapshot"
	}
	return ""
}

// targetProject is the project of a target: a project scope, or a
// resource in a project.
func targetProject(resource string) string {
	rest := strings.TrimPrefix(resource, "//")
	_, rel, _ := strings.Cut(rest, "/")
	if p, ok := strings.CutPrefix(rel, "projects/"); ok {
		id, _, _ := strings.Cut(p, "/")
		return "projects/" + id
	}
	return ""
}

// markUnusable marks the targets whose every action writes images or
// snapshots of a project that no project of the inputs may use, by the
// effective organization policies (each consumer project's, evaluated with
// inheritance): the finding stays, one level lower, saying why. A
// consumer whose policies are not all listed may use anything.
func (s *Snapshot) markUnusable(facts [][]model.Fact) {
	if s.orgPolicies == nil {
		return
	}
	var consumers []string
	for name, n := range s.nodes {
		if n.kind == "project" {
			consumers = append(consumers, name)
		}
	}
	sort.Strings(consumers)
	memo := map[[2]string]string{}
	reason := func(project, kind string) string {
		k := [2]string{project, kind}
		if r, ok := memo[k]; ok {
			return r
		}
		r := s.unusableReason(project, kind, consumers)
		memo[k] = r
		return r
	}
	for _, fs := range facts {
		for i := range fs {
			// Sharing reaches other organizations, whose policies are not
			// these: only creating and changing images are marked.
			if c := fs[i].Capability; c != "image.create" && c != "image.modify" {
				continue
			}
			for j := range fs[i].Targets {
				t := &fs[i].Targets[j]
				p := targetProject(t.Resource)
				if p == "" || len(t.Actions) == 0 {
					continue
				}
				why := ""
				for _, a := range t.Actions {
					kind := storageKind(a)
					if kind == "" {
						why = ""
						break
					}
					r := reason(p, kind)
					if r == "" {
						why = ""
						break
					}
					if why == "" || kind == "snapshot" {
						why = r
					}
				}
				t.Unusable = why
			}
		}
	}
}

func (s *Snapshot) unusableReason(project, kind string, consumers []string) string {
	if len(consumers) == 0 {
		return ""
	}
	for _, c := range consumers {
		st := s.effectivePolicy(c, constraintStorageUse)
		if !st.known || s.allows(st, project) {
			if kind == "snapshot" {
				return ""
			}
			tr := s.effectivePolicy(c, constraintTrustedImages)
			if !tr.known || s.allows(tr, project) {
				return ""
			}
		}
	}
	if kind == "snapshot" {
		return "no project of the inputs may use storage resources of " + project + " (" + constraintStorageUse + "): its snapshots reach no instance"
	}
	return "no project of the inputs may boot instances from images of " + project + " (" + constraintTrustedImages + ", " + constraintStorageUse + "): its images reach no instance"
}
