package awscloud

import (
	"cmp"
	"slices"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// mergeEdges is model.MergeEdges, the same edges in the same order: edges
// with the same ends and kind folded into the first of them, in input
// order, and the result sorted by ends and kind. It sorts indices (the
// key, then the position, so that a run keeps the input order) and folds
// runs, instead of hashing every key into a map and moving whole edges
// about: at organization scale the edges number hundreds of thousands.
func mergeEdges(edges []model.Edge) []model.Edge {
	order := make([]int32, len(edges))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := &edges[a], &edges[b]
		if c := cmp.Compare(x.From, y.From); c != 0 {
			return c
		}
		if c := cmp.Compare(x.To, y.To); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Kind, y.Kind); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var out []model.Edge
	for i := 0; i < len(order); {
		cur := edges[order[i]]
		j := i + 1
		for ; j < len(order); j++ {
			e := &edges[order[j]]
			if e.From != cur.From || e.To != cur.To || e.Kind != cur.Kind {
				break
			}
			cur.Permissions = append(cur.Permissions, e.Permissions...)
			cur.Via = append(cur.Via, e.Via...)
			cur.Conditional = cur.Conditional && e.Conditional
			cur.Assumed = cur.Assumed && e.Assumed
		}
		out = append(out, cur)
		i = j
	}
	return out
}
