package analyzer

import (
	"context"
	"strings"
	"testing"
)

// TestStageTimer: Analyze records each stage once, in order, and the
// stages fit in the wall time; a nil timer records nothing.
func TestStageTimer(t *testing.T) {
	var none *StageTimer
	none.Start("x", "")()
	if none.Stages() != nil || len(none.Report().Stages) != 0 {
		t.Error("a nil timer recorded something")
	}
	timer := NewStageTimer()
	if _, err := Analyze(context.Background(), Options{Paths: []string{"../testdata/demo"}, Stages: timer}); err != nil {
		t.Fatal(err)
	}
	rep := timer.Report()
	var names []string
	for _, s := range rep.Stages {
		names = append(names, strings.TrimSpace(s.Name+" "+s.Cloud))
	}
	want := "setup, load, evaluate, paths, rules" // the plug-ins in parallel: one stage
	if got := strings.Join(names, ", "); got != want {
		t.Errorf("stages:\n got %s\nwant %s", got, want)
	}
	if rep.StageSeconds > rep.WallSeconds {
		t.Errorf("stages add up to %f s, more than the wall time %f s", rep.StageSeconds, rep.WallSeconds)
	}
	for _, s := range rep.Stages {
		if s.Name == "rules" && s.AllocBytes == 0 {
			t.Errorf("the rules stage allocated nothing: %+v", s)
		}
	}
}
