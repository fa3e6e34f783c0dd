package analyzer

import (
	"context"
	"fmt"

	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// PathResult explains how FROM reaches TO (analyzer/result).
type PathResult = result.PathResult

// Path finds the shortest chain from a principal to another principal, an
// admin node, or (when TO is a capability such as image.push) to any
// principal that holds it.
func Path(ctx context.Context, opts Options, from, to string) (*PathResult, error) {
	providers, sources, cat, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := RequireUsable(opts.Paths, sources); err != nil {
		return nil, err
	}
	res := &PathResult{From: from, To: to, Input: sources, Steps: []model.Edge{}}
	var facts []model.Fact
	var edges []model.Edge
	known := map[string]bool{}
	for _, p := range providers {
		snap := p.Evaluate(cat)
		facts = append(facts, snap.Facts...)
		for _, pr := range snap.Principals {
			known[pr.ID] = true
		}
		edges = append(edges, p.Edges()...)
	}
	for _, e := range edges {
		known[e.From] = true
	}
	if !known[from] {
		return nil, fmt.Errorf("%q is not a principal of the inputs", from)
	}
	holders := map[string]bool{}
	if _, isCap := cat.Capability(to); isCap {
		for _, f := range facts {
			if f.Capability == to {
				holders[f.Principal] = true
			}
		}
		holds := adminHolds(providers, cat)
		for _, e := range edges {
			if graph.IsAdmin(e.To) && holds(e.To, to) {
				holders[e.To] = true
			}
		}
	} else {
		holders[to] = true
	}
	if holders[from] {
		res.Found = true
		res.Note = from + " holds it directly"
		return res, nil
	}
	steps, ok := graph.New(edges).ToHolders(holders, opts.MaxDepth)[from]
	if !ok {
		res.Note = "no chain of edges leads there"
		return res, nil
	}
	res.Found, res.Steps = true, steps
	return res, nil
}
