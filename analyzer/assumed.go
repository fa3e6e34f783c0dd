package analyzer

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// AssumedEdges groups the assumed edges by the inventory that would settle
// them (analyzer/result).
type AssumedEdges = result.AssumedEdges

// groupAssumed returns the groups in a stable order: by cloud, then by
// decreasing edge count, then by name.
func groupAssumed(edges []model.Edge) []AssumedEdges {
	type key struct{ cloud, what string }
	groups := map[key]*AssumedEdges{}
	scopes := map[key]map[string]bool{}
	for _, e := range edges {
		if !e.Assumed {
			continue
		}
		k := key{e.Cloud, e.Kind}
		scope := ""
		for _, node := range []string{e.To, e.From} {
			if rest, ok := strings.CutPrefix(node, model.ComputePrefix); ok {
				// CLOUD:SCOPE:SERVICE; the service may hold no colon, the
				// scope may (it is the middle).
				if c, r, ok := strings.Cut(rest, ":"); ok {
					if i := strings.LastIndex(r, ":"); i > 0 {
						k = key{c, r[i+1:]}
						scope = r[:i]
					}
				}
				break
			}
		}
		g := groups[k]
		if g == nil {
			g = &AssumedEdges{Cloud: k.cloud, What: k.what}
			groups[k] = g
			scopes[k] = map[string]bool{}
		}
		g.Edges++
		if scope != "" && !scopes[k][scope] {
			scopes[k][scope] = true
			g.Scopes = append(g.Scopes, scope)
		}
	}
	out := make([]AssumedEdges, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g.Scopes)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Cloud != b.Cloud {
			return a.Cloud < b.Cloud
		}
		if a.Edges != b.Edges {
			return a.Edges > b.Edges
		}
		return a.What < b.What
	})
	return out
}
