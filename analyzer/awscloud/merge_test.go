package awscloud

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// TestMergeEdgesMatchesModel: mergeEdges gives model.MergeEdges' edges on
// random lists with many repeated ends and kinds (merged in input order).
func TestMergeEdgesMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	merged := 0
	for n := 0; n < 300; n++ {
		var edges []model.Edge
		for i := rng.Intn(60); i > 0; i-- {
			e := model.Edge{From: fmt.Sprint("p", rng.Intn(5)), To: fmt.Sprint("r", rng.Intn(4)), Kind: []string{"assume-role", "pass-role"}[rng.Intn(2)],
				Cloud: cloudName, Permissions: []string{fmt.Sprint("a", i)}, Conditional: rng.Intn(2) == 0, Assumed: rng.Intn(3) == 0, Note: fmt.Sprint("n", i)}
			if rng.Intn(2) == 0 {
				e.Via = []model.Grant{{Policy: fmt.Sprint("g", i)}}
			}
			edges = append(edges, e)
		}
		copyOf := func() []model.Edge {
			out := make([]model.Edge, len(edges))
			for i, e := range edges {
				e.Permissions = append([]string(nil), e.Permissions...)
				e.Via = append([]model.Grant(nil), e.Via...)
				out[i] = e
			}
			return out
		}
		want, got := model.MergeEdges(copyOf()), mergeEdges(copyOf())
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d:\ngot  %+v\nwant %+v", n, got, want)
		}
		merged += len(edges) - len(want)
	}
	if merged == 0 {
		t.Fatal("no edges merged: the test proves nothing")
	}
}
