package gcpcloud

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Apply replays a remediation change on the loaded inputs, before
// evaluation. Artifacts are read with the plug-in's own readers: allow
// policy fragments as a gcp-iam-policy document, deny policies as a
// gcp-deny-policies document, so that an edited artifact that does not
// parse is refused.
func (s *Snapshot) Apply(c remediate.Change) error {
	if err := remediate.CheckCloud(c, cloudName, "a GCP"); err != nil {
		return err
	}
	p := c.Params
	file := "remediation " + c.ID
	// Whatever was decided before the change is stale after it.
	s.chains, s.byMember = nil, nil
	s.resetProbes()
	var cond *gcp.Condition
	if e := p["condition"]; e != "" {
		cond = &gcp.Condition{Expression: e}
	}
	switch c.Kind {
	case KindWIFPin: // wif_remediate.go: the provider's attribute condition
		return s.applyWIFPin(c)
	case KindRoleNarrow:
		var w wrappedPolicy
		if err := remediate.DecodeArtifact(c, "the binding after the change", &w); err != nil {
			return err
		}
		node := s.canonical(p["node"])
		if s.canonical(strings.TrimPrefix(w.Resource, crm)) != node {
			return fmt.Errorf("the binding after the change is on %s, not on %s", w.Resource, node)
		}
		if err := s.removeMember(node, p["from"], p["member"], cond); err != nil {
			return err
		}
		return s.addArtifactPolicy(file, node, w)
	case KindBindingMove:
		var ws []wrappedPolicy
		if err := remediate.DecodeArtifact(c, "the bindings after the change", &ws); err != nil {
			return err
		}
		if err := s.removeMember(s.canonical(p["node"]), p["role"], p["member"], cond); err != nil {
			return err
		}
		for _, w := range ws {
			if !strings.HasPrefix(w.Resource, "//") {
				return fmt.Errorf("%q is not a full resource name", w.Resource)
			}
			node := s.nodeForResource(w.Resource, "", "")
			if err := s.addArtifactPolicy(file, node, w); err != nil {
				return err
			}
		}
		return nil
	case KindDenyPolicy:
		att, id := p["attachment_point"], p["policy_id"]
		if att == "" || id == "" {
			return fmt.Errorf("attachment_point and policy_id are required")
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.After), &doc); err != nil {
			return fmt.Errorf("the deny policy: %v", err)
		}
		if doc["rules"] == nil {
			return fmt.Errorf("the deny policy has no rules")
		}
		name, _ := json.Marshal("policies/" + url.PathEscape("cloudresourcemanager.googleapis.com/"+att) + "/denypolicies/" + id)
		doc["name"] = name
		before := len(s.warnings)
		s.loadDenyPolicy(file, "", doc)
		if len(s.warnings) > before {
			return fmt.Errorf("the deny policy: %s", s.warnings[before].Message)
		}
		return nil
	}
	return remediate.UnknownKind(c)
}

// addArtifactPolicy adds the bindings of an artifact to a node through the
// reader of allow policies; a warning (an unknown member type, a binding
// without members) refuses the artifact.
func (s *Snapshot) addArtifactPolicy(file, node string, w wrappedPolicy) error {
	raw, err := json.Marshal(w.Policy)
	if err != nil {
		return err
	}
	before := len(s.warnings)
	s.addPolicy(file, "", node, raw)
	for _, wr := range s.warnings[before:] {
		if !strings.Contains(wr.Message, "cannot be evaluated offline") {
			return fmt.Errorf("the bindings after the change: %s", wr.Message)
		}
	}
	s.byMember = nil
	return nil
}

// removeMember takes member out of the binding of role (with the same
// condition) on node.
func (s *Snapshot) removeMember(node, role, member string, cond *gcp.Condition) error {
	want := ""
	if cond != nil {
		want = cond.Expression
	}
	for i, b := range s.bindings[node] {
		got := ""
		if b.Condition != nil {
			got = b.Condition.Expression
		}
		if b.Role != role || got != want {
			continue
		}
		var keep []string
		found := false
		for _, m := range b.Members {
			if strings.EqualFold(m, member) {
				found = true
				continue
			}
			keep = append(keep, m)
		}
		if !found {
			continue
		}
		bs := append([]gcp.Binding(nil), s.bindings[node]...)
		if len(keep) == 0 {
			bs = append(bs[:i], bs[i+1:]...)
		} else {
			bs[i].Members = keep
		}
		s.bindings[node] = bs
		s.byMember = nil
		return nil
	}
	return fmt.Errorf("%s has no binding of %s for %s", node, role, member)
}

// permsOf are the permissions of a role a universe probes: all of them for
// the roles of the narrowing table, the catalog's otherwise (the offline
// table of predefined roles holds only those; custom roles from the inputs
// are probed for them too).
func (s *Snapshot) permsOf(role string) []string {
	if p, ok := fullPerms[role]; ok {
		return p
	}
	var out []string
	if s.cat != nil {
		for _, e := range s.cat.ForCloud(cloudName) {
			if has, _ := s.roles.Has(role, e.Action); has {
				out = append(out, e.Action)
			}
		}
	}
	return out
}

// Universe lists, for every member, the permissions Removes probes: for
// each binding that covers it, the permissions of the role (permsOf) on
// the binding's node (organization, folder, project or resource).
func (s *Snapshot) Universe() map[string][]remediate.Permission {
	p := s.probeIndex()
	ix := p.ix
	ids := s.identities()
	lists := make([][]remediate.Permission, len(ids))
	ix.eachIdentity(len(ids), func(sc *scratch, i int) { lists[i] = p.universe(sc, ids[i]) })
	out := map[string][]remediate.Permission{}
	for i, id := range ids {
		if len(lists[i]) > 0 {
			out[id.Member] = lists[i]
		}
	}
	return out
}

// universe is one identity's: on each node it is bound on (in name order),
// the permissions of the roles of the bindings that cover it other than
// through the public principals, sorted.
func (p *probes) universe(sc *scratch, id *gcp.Identity) []remediate.Permission {
	ix := p.ix
	v := ix.view(sc, id)
	var out []remediate.Permission
	var acts []string
	for _, g := range v.groups {
		if !g.bound {
			continue
		}
		acts = acts[:0]
		sc.markGen++
		for _, c := range g.covers {
			ib := &ix.bind[c.b]
			// The first member that covers it is not a public principal
			// (by its exact name): coversOwn says yes without looking
			// further.
			if (c.member == "allUsers" || c.member == "allAuthenticatedUsers") && !coversOwn(*ib.b, id) {
				continue
			}
			if !sc.mark(ib.role) {
				continue
			}
			acts = append(acts, p.perms[ib.role]...)
		}
		if len(acts) == 0 {
			continue
		}
		sort.Strings(acts)
		node := ix.names[g.node]
		for i, a := range acts {
			if i > 0 && acts[i-1] == a {
				continue
			}
			out = append(out, remediate.Permission{Action: a, Resource: node})
		}
	}
	return out
}

// coversOwn: a binding covers the identity other than only through
// allUsers or allAuthenticatedUsers; what everyone holds is the public
// principals' (as in Evaluate), not listed again for every member.
func coversOwn(b gcp.Binding, id *gcp.Identity) bool {
	for _, m := range b.Members {
		if !gcp.MemberMatches(m, id) {
			continue
		}
		if (m == "allUsers" || m == "allAuthenticatedUsers") && m != id.Member && !(m == "allUsers" && id.Member == "allAuthenticatedUsers") {
			continue
		}
		if m == "allUsers" && id.Member == "allAuthenticatedUsers" {
			continue
		}
		return true
	}
	return false
}

// Holds decides a permission of a member on a node (allowed or
// conditional), with the full permissions of the roles of the narrowing
// table and the offline table's for the others: gcp.Decide on the
// member's own bindings along the node's chain (reference_test.go), on the
// index of the probes.
func (s *Snapshot) Holds(member string, perm remediate.Permission) bool {
	p := s.probeIndex()
	n := s.nodes[s.canonical(perm.Resource)]
	if n == nil {
		return false
	}
	ix := p.ix
	col, ok := ix.cols[perm.Action]
	if !ok {
		// No role holds it (the columns are every role's permissions).
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	sc := p.sc
	if p.v == nil || p.member != member {
		p.v = ix.view(sc, s.identityOf(member))
		p.member = member
	}
	t := ix.ids[n.name]
	chain := ix.chainOf(sc, p.v, t, false)
	// Most probes ask for a permission none of the roles has: no grant, so
	// no need to weigh the deny policies.
	granted := false
	for _, c := range chain {
		if ix.roleHas(ix.bind[c.b].role, col) {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	attrs := n.attrs
	if n.kind != "resource" {
		a, ok := p.attrs[perm.Action]
		if !ok {
			if s.cat != nil {
				for _, e := range s.cat.Lookup(cloudName, perm.Action) {
					a = prepare([]catalog.Entry{e})[0].attrs
				}
			}
			p.attrs[perm.Action] = a
		}
		attrs = a
	}
	return ix.decide(sc, p.v, chain, col, t, &attrs).Allowed != tri.False
}

// probes is the index Universe and Holds decide on, built once per loaded
// (or changed) state rather than per probe: the verification of fixes
// probes every permission of every principal's roles, twice. Its columns
// are the permissions of every role the bindings name (permsOf), and a
// role's row is its permsOf.
type probes struct {
	ix    *evalIndex
	perms [][]string                   // role id -> permsOf
	attrs map[string]gcp.ResourceAttrs // action -> the request's attributes on a hierarchy node

	mu     sync.Mutex // Holds' state below
	sc     *scratch
	member string
	v      *view // member's view, valid while sc is not used for another
}

func (s *Snapshot) probeIndex() *probes {
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	if s.probe == nil {
		s.resolveAncestors()
		s.completeRoles()
		probed := map[string][]string{}
		var roles []string
		for _, bs := range s.bindings {
			for _, b := range bs {
				if _, ok := probed[b.Role]; !ok {
					probed[b.Role] = nil
					roles = append(roles, b.Role)
				}
			}
		}
		sort.Strings(roles)
		var cols []string
		for _, r := range roles {
			probed[r] = s.permsOf(r)
			cols = append(cols, probed[r]...)
		}
		ix := s.buildIndexOf(cols, probed)
		p := &probes{ix: ix, perms: make([][]string, len(ix.edgeRole)), attrs: map[string]gcp.ResourceAttrs{}, sc: ix.newScratch()}
		for r, id := range ix.roleID {
			p.perms[id] = probed[r]
		}
		s.probe = p
	}
	return s.probe
}

// resetProbes drops the index of the probes: whatever changes the
// bindings, the roles or the catalog makes it stale.
func (s *Snapshot) resetProbes() {
	s.probeMu.Lock()
	s.probe = nil
	s.probeMu.Unlock()
}
