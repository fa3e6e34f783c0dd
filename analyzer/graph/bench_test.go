package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// syntheticGraph: n principals, m random edges, one principal in 40
// holding each image capability, a few admin nodes.
func syntheticGraph(n, m int) ([]model.Fact, []model.Edge) {
	r := rand.New(rand.NewPCG(1, 2))
	caps := []string{"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}
	var facts []model.Fact
	for i := 0; i < n; i += 40 {
		facts = append(facts, model.Fact{Principal: fmt.Sprintf("p%d", i), Capability: caps[r.IntN(len(caps))]})
	}
	edges := make([]model.Edge, 0, m)
	for len(edges) < m {
		a, b := r.IntN(n), r.IntN(n)
		e := model.Edge{From: fmt.Sprintf("p%d", a), To: fmt.Sprintf("p%d", b), Kind: "assume-role", Conditional: r.IntN(10) == 0}
		if r.IntN(2000) == 0 {
			e.To = model.AdminNode("aws", "111122223333", e.From)
		}
		edges = append(edges, e)
	}
	return facts, edges
}

// BenchmarkPaths: 20,000 principals, 200,000 edges, shortest paths to
// every image capability.
func BenchmarkPaths(b *testing.B) {
	facts, edges := syntheticGraph(20000, 200000)
	b.ReportAllocs()
	for b.Loop() {
		paths := Paths(facts, edges, 0, nil)
		b.ReportMetric(float64(len(paths)), "paths")
	}
}
