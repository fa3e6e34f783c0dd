package gcpcloud

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

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
	if c.Cloud != cloudName {
		return fmt.Errorf("not a GCP change")
	}
	p := c.Params
	file := "remediation " + c.ID
	// Whatever was decided before the change is stale after it.
	s.chains, s.byMember, s.holds = nil, nil, nil
	var cond *gcp.Condition
	if e := p["condition"]; e != "" {
		cond = &gcp.Condition{Expression: e}
	}
	switch c.Kind {
	case KindRoleNarrow:
		var w wrappedPolicy
		if err := strictJSON(c.After, &w); err != nil {
			return fmt.Errorf("the binding after the change: %v", err)
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
		if err := strictJSON(c.After, &ws); err != nil {
			return fmt.Errorf("the bindings after the change: %v", err)
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
	return fmt.Errorf("unknown change kind %q", c.Kind)
}

func strictJSON(text string, v any) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
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
	s.resolveAncestors()
	s.completeRoles()
	out := map[string][]remediate.Permission{}
	for _, id := range s.identities() {
		set := map[remediate.Permission]bool{}
		for node := range s.boundNodes(id) {
			for _, b := range s.bindings[node] {
				if !coversOwn(b, id) {
					continue
				}
				for _, perm := range s.permsOf(b.Role) {
					set[remediate.Permission{Action: perm, Resource: node}] = true
				}
			}
		}
		if len(set) == 0 {
			continue
		}
		l := make([]remediate.Permission, 0, len(set))
		for p := range set {
			l = append(l, p)
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Resource != l[j].Resource {
				return l[i].Resource < l[j].Resource
			}
			return l[i].Action < l[j].Action
		})
		out[id.Member] = l
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
// table and the offline table's for the others.
func (s *Snapshot) Holds(member string, perm remediate.Permission) bool {
	h := s.holdsCache()
	n := s.nodes[s.canonical(perm.Resource)]
	if n == nil {
		return false
	}
	id := h.ids[member]
	if id == nil {
		id = s.identityOf(member)
		h.ids[member] = id
	}
	chain, denies := s.chain(n)
	key := member + "\x00" + n.name
	held := h.roles[key]
	if held == nil {
		held = &heldRoles{roles: gcp.NewRoles()}
		for _, nb := range chain {
			mine := gcp.NodeBindings{Node: nb.Node}
			for _, b := range nb.Bindings {
				if !bindingCovers(b, id) {
					continue
				}
				mine.Bindings = append(mine.Bindings, b)
				if held.roles.Known(b.Role) {
					continue
				}
				if _, full := fullPerms[b.Role]; full || s.roles.Known(b.Role) {
					held.roles.Add(b.Role, s.permsOf(b.Role))
					held.names = append(held.names, b.Role)
				}
			}
			if len(mine.Bindings) > 0 {
				held.chain = append(held.chain, mine)
			}
		}
		h.roles[key] = held
	}
	// Most probes ask for a permission none of the roles has: no grant, so
	// no need to weigh the deny policies.
	granted := false
	for _, r := range held.names {
		if has, _ := held.roles.Has(r, perm.Action); has {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	roles := held.roles
	attrs := n.attrs
	if n.kind != "resource" {
		attrs = gcp.ResourceAttrs{}
		if s.cat != nil {
			for _, e := range s.cat.Lookup(cloudName, perm.Action) {
				attrs = prepare([]catalog.Entry{e})[0].attrs
			}
		}
	}
	// The chain reduced to the member's own bindings decides as the whole
	// chain does: the others cannot grant it anything.
	r := gcp.Decide(&gcp.Request{Identity: id, Permission: perm.Action, Resource: &attrs}, held.chain, denies, roles, s.conds)
	return r.Allowed != tri.False
}

// holdsCache is what Holds computes once per loaded (or changed) state
// rather than once per probe: the verification of fixes probes every
// permission of every principal's roles, twice.
type holdsCache struct {
	ids   map[string]*gcp.Identity
	roles map[string]*heldRoles // by member and node: the roles it holds there
}

// heldRoles are the roles one member holds at one node, with their
// permissions.
type heldRoles struct {
	roles *gcp.Roles
	names []string
	chain []gcp.NodeBindings // the node's chain with only the member's bindings
}

func (s *Snapshot) holdsCache() *holdsCache {
	if s.holds == nil {
		s.resolveAncestors()
		s.completeRoles()
		s.holds = &holdsCache{ids: map[string]*gcp.Identity{}, roles: map[string]*heldRoles{}}
	}
	return s.holds
}
