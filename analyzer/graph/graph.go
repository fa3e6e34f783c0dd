// Package graph finds who can become someone who can implant an image: the
// shortest chain of "can act as" edges from every principal to a principal
// that holds a capability, or to an admin node that holds them all.
package graph

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Path is a chain of edges from a principal to a capability holder.
type Path struct {
	From        string       `json:"from"`
	Through     string       `json:"through"` // the principal (or admin node) at the end
	Capability  string       `json:"capability"`
	Steps       []model.Edge `json:"steps"`
	Conditional bool         `json:"conditional,omitempty"`
	Assumed     bool         `json:"assumed,omitempty"`
}

// Graph is the edges by source and by destination.
type Graph struct {
	out, in map[string][]model.Edge
}

// New indexes edges. Self-loops are dropped.
func New(edges []model.Edge) *Graph {
	g := &Graph{out: map[string][]model.Edge{}, in: map[string][]model.Edge{}}
	for _, e := range edges {
		if e.From == e.To {
			continue
		}
		g.out[e.From] = append(g.out[e.From], e)
		g.in[e.To] = append(g.in[e.To], e)
	}
	return g
}

// IsAdmin reports an admin node.
func IsAdmin(id string) bool { return strings.HasPrefix(id, model.AdminPrefix) }

// ToHolders finds, for every node that can reach one of the holders, the
// shortest path to the nearest holder: one breadth-first search backwards
// from all holders at once, O(nodes + edges). maxDepth 0 means unlimited.
// Nodes that are holders themselves get no path.
func (g *Graph) ToHolders(holders map[string]bool, maxDepth int) map[string][]model.Edge {
	next := map[string]model.Edge{} // node -> first edge of its shortest path
	depth := map[string]int{}
	var queue []string
	for h := range holders {
		depth[h] = 0
		queue = append(queue, h)
	}
	sort.Strings(queue) // deterministic choice among equal paths
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if maxDepth > 0 && depth[n] >= maxDepth {
			continue
		}
		in := g.in[n]
		sort.SliceStable(in, func(i, j int) bool { return betterEdge(in[i], in[j]) })
		for _, e := range in {
			if _, seen := depth[e.From]; seen {
				continue
			}
			depth[e.From] = depth[n] + 1
			next[e.From] = e
			queue = append(queue, e.From)
		}
	}
	out := map[string][]model.Edge{}
	for n := range next {
		var steps []model.Edge
		for cur := n; !holders[cur]; {
			e := next[cur]
			steps = append(steps, e)
			cur = e.To
		}
		out[n] = steps
	}
	return out
}

// betterEdge prefers certain edges to conditional ones, then known to
// assumed ones, so that among equally short paths the surest is shown.
func betterEdge(a, b model.Edge) bool {
	if a.Conditional != b.Conditional {
		return !a.Conditional
	}
	if a.Assumed != b.Assumed {
		return !a.Assumed
	}
	if a.From != b.From {
		return a.From < b.From
	}
	return a.Kind < b.Kind
}

// AdminHolds tells whether an admin node holds a capability: the
// principal, having granted itself everything, is still bound by the
// guardrails it cannot remove. Nil means every admin node holds everything.
type AdminHolds func(admin, capability string) bool

// Paths finds, for every capability, the principals that reach a holder of
// it (or an admin node that holds it) only through other principals.
func Paths(facts []model.Fact, edges []model.Edge, maxDepth int, adminHolds AdminHolds) []Path {
	g := New(edges)
	holders := map[string]map[string]bool{} // capability -> principals holding it
	direct := map[string]map[string]bool{}  // principal -> capabilities held
	caps := map[string]bool{}
	for _, f := range facts {
		if holders[f.Capability] == nil {
			holders[f.Capability] = map[string]bool{}
		}
		holders[f.Capability][f.Principal] = true
		if direct[f.Principal] == nil {
			direct[f.Principal] = map[string]bool{}
		}
		direct[f.Principal][f.Capability] = true
		caps[f.Capability] = true
	}
	var admins []string
	for _, e := range edges {
		if IsAdmin(e.To) {
			admins = append(admins, e.To)
		}
	}
	var capList []string
	for c := range caps {
		if c != "iam.escalate" { // reaching an escalator is itself escalation, reported as such
			capList = append(capList, c)
		}
	}
	if len(admins) > 0 {
		for _, c := range []string{"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"} {
			if !caps[c] {
				capList = append(capList, c)
			}
		}
	}
	sort.Strings(capList)
	var out []Path
	for _, c := range capList {
		hs := map[string]bool{}
		for h := range holders[c] {
			hs[h] = true
		}
		for _, a := range admins {
			if adminHolds == nil || adminHolds(a, c) {
				hs[a] = true
			}
		}
		for from, steps := range g.ToHolders(hs, maxDepth) {
			if model.IsVirtual(from) || direct[from][c] {
				continue // holds it already: the direct finding says so
			}
			p := Path{From: from, Through: steps[len(steps)-1].To, Capability: c, Steps: steps}
			for _, s := range steps {
				p.Conditional = p.Conditional || s.Conditional
				p.Assumed = p.Assumed || s.Assumed
			}
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].Capability < out[j].Capability
	})
	return out
}
