package analyzer

import (
	"testing"
	"time"
)

// TestStageTimerPartsAndRunning: parts are reported apart and left out of
// the sum of the stages; a stage not ended is reported as running.
func TestStageTimerPartsAndRunning(t *testing.T) {
	timer := NewStageTimer()
	endEval := timer.Start("evaluate", "")
	done := make(chan struct{})
	for _, cloud := range []string{"aws", "gcp"} {
		go func() {
			defer func() { done <- struct{}{} }()
			end := timer.StartPart("evaluate", cloud)
			time.Sleep(20 * time.Millisecond)
			end()
		}()
	}
	<-done
	<-done
	endEval()
	timer.Start("rules", "") // never ended
	time.Sleep(time.Millisecond)
	rep := timer.Report()
	if len(rep.Stages) != 1 || rep.Stages[0].Name != "evaluate" {
		t.Fatalf("stages: %+v", rep.Stages)
	}
	if len(rep.Parts) != 2 || rep.Parts[0].Seconds <= 0 || rep.Parts[1].Seconds <= 0 {
		t.Errorf("parts: %+v", rep.Parts)
	}
	if rep.StageSeconds != rep.Stages[0].Seconds {
		t.Errorf("the parts were added to the stages: %f, want %f", rep.StageSeconds, rep.Stages[0].Seconds)
	}
	if len(rep.Running) != 1 || rep.Running[0].Name != "rules" || rep.Running[0].Seconds <= 0 {
		t.Errorf("running: %+v", rep.Running)
	}
	if total := rep.StageSeconds + rep.Running[0].Seconds + rep.OtherSeconds; total > rep.WallSeconds+1e-6 {
		t.Errorf("stages %f + running %f + other %f > wall %f", rep.StageSeconds, rep.Running[0].Seconds, rep.OtherSeconds, rep.WallSeconds)
	}
	var none *StageTimer
	none.StartPart("x", "")()
}
