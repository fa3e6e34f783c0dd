package analyzer

import (
	"sync"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// evaluated is what one cloud plug-in gave: its snapshot and its edges.
type evaluated struct {
	snap  *model.Snapshot
	edges []model.Edge
}

// evaluateAll runs every plug-in's Evaluate, then its Edges, the plug-ins
// in parallel: each plug-in's state is its own, and what they share (the
// catalog, the built-in role tables parsed once per process, the
// policies packages' tables) is only read (the race detector runs the
// tests of this package on the demo, which has all three clouds). The
// results are in the order of providers, so the report lists principals,
// facts, warnings and edges as when the plug-ins ran one after the other.
//
// A stage of the timer covers the parallel work whole: "evaluate", with
// no cloud, is every plug-in's Evaluate and Edges, and each cloud's
// Evaluate and Edges are its parts (wall time); with a single plug-in,
// "evaluate" and "edges" of its cloud as before.
func evaluateAll(providers []Provider, cat *catalog.Catalog, stages *StageTimer) []evaluated {
	out := make([]evaluated, len(providers))
	if len(providers) == 1 {
		p := providers[0]
		end := stages.Start("evaluate", p.Cloud())
		out[0].snap = p.Evaluate(cat)
		end()
		end = stages.Start("edges", p.Cloud())
		out[0].edges = p.Edges()
		end()
		return out
	}
	end := stages.Start("evaluate", "")
	var wg sync.WaitGroup
	for i, p := range providers {
		wg.Go(func() {
			endPart := stages.StartPart("evaluate", p.Cloud())
			out[i].snap = p.Evaluate(cat)
			endPart()
			endPart = stages.StartPart("edges", p.Cloud())
			out[i].edges = p.Edges()
			endPart()
		})
	}
	wg.Wait()
	end()
	return out
}
