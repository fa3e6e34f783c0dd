//go:build unix

package azurecloud

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

var benchDir = flag.String("azure-dir", "", "directory of Azure inputs (JSON arrays or REST lists) for BenchmarkEvaluateDir, e.g. the azure directory of go run ./testdata/gen -scale S")

// BenchmarkEvaluateDir measures Evaluate and Edges (index included) on a
// directory of inputs: go test ./analyzer/azurecloud -run XXX -bench
// EvaluateDir -azure-dir /tmp/scale/S/azure. Unix only, for the CPU time.
func BenchmarkEvaluateDir(b *testing.B) {
	if *benchDir == "" {
		b.Skip("no -azure-dir")
	}
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	s := New()
	files, _ := filepath.Glob(filepath.Join(*benchDir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(*benchDir, "*", "*.json"))
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		doc := &model.Document{}
		if json.Unmarshal(data, &doc.Items) != nil {
			doc.Items = nil
			if err := json.Unmarshal(data, &doc.Object); err != nil {
				b.Fatalf("%s: %v", f, err)
			}
		}
		if format := s.Recognize(doc); format != "" {
			if err := s.Load(f, format, doc); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	// CPU time as well as wall time: on a shared machine the wall time
	// says more about the neighbours than about the code.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	defer func() { b.ReportMetric((cpu()-start).Seconds()/float64(b.N), "cpu-s/op") }()
	for b.Loop() {
		s.ix = nil
		snap := s.Evaluate(cat)
		edges := s.Edges()
		b.ReportMetric(float64(len(snap.Facts)), "facts")
		b.ReportMetric(float64(len(edges)), "edges")
	}
}
