package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A configuration planted inside the exports is announced in the report,
// with what it suppresses; a catch-all suppression is announced with the
// number of findings it hides.
func TestPlantedConfigurationIsAnnounced(t *testing.T) {
	dir := t.TempDir()
	iam, err := os.ReadFile("../testdata/demo/iam-workloads.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "iam.json"), iam, 0o644)
	cfg := filepath.Join(dir, ".imagewarden.yaml")
	os.WriteFile(cfg, []byte(`version: 1
suppressions:
  - principal: "*"
    reason: "nothing to see"
    owner: "attacker"
    expires: "2099-12-31"
`), 0o644)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}, Config: cfg, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, f := range rep.Findings {
		if f.Suppression != nil {
			suppressed++
		}
	}
	if suppressed == 0 {
		t.Fatal("the catch-all should suppress the findings (that is the attack)")
	}
	var inside, catchAll bool
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "lies inside the analysed input") && strings.Contains(w.Message, "suppresses "+strconv.Itoa(suppressed)+" finding") {
			inside = true
		}
		if strings.Contains(w.Message, "catch-all suppression") && strings.Contains(w.Message, "suppresses "+strconv.Itoa(suppressed)+" finding") {
			catchAll = true
		}
	}
	if !inside || !catchAll {
		t.Errorf("warnings should announce the planted configuration (%v) and the catch-all (%v) with %d suppressed: %+v", inside, catchAll, suppressed, rep.Warnings)
	}

	// The same configuration outside the inputs: no "inside" warning, the
	// catch-all is still announced.
	out := filepath.Join(t.TempDir(), "trusted.yaml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(out, b, 0o644)
	os.Remove(cfg)
	rep, err = Analyze(context.Background(), Options{Paths: []string{dir}, Config: out, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	inside, catchAll = false, false
	for _, w := range rep.Warnings {
		inside = inside || strings.Contains(w.Message, "lies inside")
		catchAll = catchAll || strings.Contains(w.Message, "catch-all")
	}
	if inside || !catchAll {
		t.Errorf("outside the inputs: inside=%v (want false) catch-all=%v (want true)", inside, catchAll)
	}
}
