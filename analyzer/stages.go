package analyzer

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// StageTimer records how long each stage of an analysis takes: wall time,
// the process's CPU time and the bytes allocated during it. Options.Stages
// passes one to Analyze; a nil *StageTimer records nothing and costs
// nothing, so the pipeline calls it unconditionally.
//
// Stages are intervals, one after the other: a stage that runs its work
// in parallel is recorded as one stage around all of it, so that the
// stages never add up to more than the wall time.
type StageTimer struct {
	mu     sync.Mutex
	stages []Stage
	// When the timer was made, for the totals of Report.
	start time.Time
	cpu   time.Duration
	alloc uint64
}

// Stage is one recorded stage.
type Stage struct {
	// Name is setup, load, evaluate, edges, paths, rules (in Analyze),
	// fixes or render (in the CLI).
	Name string `json:"name"`
	// Cloud is set for the stages run once per cloud plug-in (evaluate,
	// edges).
	Cloud      string  `json:"cloud,omitempty"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// AllocBytes are the bytes allocated on the heap during the stage
	// (by every goroutine of the process).
	AllocBytes uint64 `json:"alloc_bytes"`
}

// NewStageTimer returns an empty recorder; the totals of Report run from
// now.
func NewStageTimer() *StageTimer {
	return &StageTimer{start: time.Now(), cpu: processCPU(), alloc: allocatedBytes()}
}

var noStage = func() {}

// Start begins a stage; the returned function ends it. On a nil timer it
// does nothing.
func (t *StageTimer) Start(name, cloud string) func() {
	if t == nil {
		return noStage
	}
	start, cpu, alloc := time.Now(), processCPU(), allocatedBytes()
	return func() {
		s := Stage{Name: name, Cloud: cloud, Seconds: time.Since(start).Seconds(), CPUSeconds: (processCPU() - cpu).Seconds(), AllocBytes: allocatedBytes() - alloc}
		t.mu.Lock()
		t.stages = append(t.stages, s)
		t.mu.Unlock()
	}
}

// Stages returns the stages recorded so far, in the order they ended.
func (t *StageTimer) Stages() []Stage {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Stage(nil), t.stages...)
}

// allocatedBytes is the cumulative count of bytes allocated on the heap,
// read without stopping the world.
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// StageReport is what a timer recorded, with the totals since it was
// made: the content of analyze --profile's stages.json.
type StageReport struct {
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	AllocBytes  uint64  `json:"alloc_bytes"`
	// StageSeconds is the sum of the stages' wall time; OtherSeconds the
	// rest of the wall time (flag parsing, configuration discovery,
	// writing the profiles).
	StageSeconds float64 `json:"stage_seconds"`
	OtherSeconds float64 `json:"other_seconds"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	NumCPU       int     `json:"num_cpu"`
	Stages       []Stage `json:"stages"`
}

// Report sums up the stages so far.
func (t *StageTimer) Report() StageReport {
	r := StageReport{GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), Stages: t.Stages()}
	if t == nil {
		return r
	}
	r.WallSeconds = time.Since(t.start).Seconds()
	r.CPUSeconds = (processCPU() - t.cpu).Seconds()
	r.AllocBytes = allocatedBytes() - t.alloc
	for _, s := range r.Stages {
		r.StageSeconds += s.Seconds
	}
	r.OtherSeconds = r.WallSeconds - r.StageSeconds
	if r.Stages == nil {
		r.Stages = []Stage{}
	}
	return r
}
