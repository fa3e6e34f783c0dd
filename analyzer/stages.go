package analyzer

import (
	"runtime"
	"runtime/metrics"
	"sort"
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
	parts  []Stage
	// open are the stages started and not ended yet, by sequence number.
	open map[int]openStage
	next int
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

type openStage struct {
	name, cloud string
	start       time.Time
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
	t.mu.Lock()
	if t.open == nil {
		t.open = map[int]openStage{}
	}
	n := t.next
	t.next++
	t.open[n] = openStage{name, cloud, start}
	t.mu.Unlock()
	return func() {
		s := Stage{Name: name, Cloud: cloud, Seconds: time.Since(start).Seconds(), CPUSeconds: (processCPU() - cpu).Seconds(), AllocBytes: allocatedBytes() - alloc}
		t.mu.Lock()
		t.stages = append(t.stages, s)
		delete(t.open, n)
		t.mu.Unlock()
	}
}

// StartPart begins a part of the stage that is running, such as one
// cloud's share of a stage whose clouds run in parallel; the returned
// function ends it. Parts are reported apart (StageReport.Parts) with
// their wall time only (CPU time and allocations are the process's, not
// the part's), and do not count in the sum of the stages. On a nil timer
// it does nothing.
func (t *StageTimer) StartPart(name, cloud string) func() {
	if t == nil {
		return noStage
	}
	start := time.Now()
	return func() {
		s := Stage{Name: name, Cloud: cloud, Seconds: time.Since(start).Seconds()}
		t.mu.Lock()
		t.parts = append(t.parts, s)
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
	// StageSeconds is the sum of the ended stages' wall time;
	// OtherSeconds the rest of the wall time, running stages aside (flag
	// parsing, configuration discovery, writing the profiles).
	StageSeconds float64 `json:"stage_seconds"`
	OtherSeconds float64 `json:"other_seconds"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	NumCPU       int     `json:"num_cpu"`
	Stages       []Stage `json:"stages"`
	// Parts are parts of stages (StartPart), in the order they ended:
	// inside their stage, so not in StageSeconds.
	Parts []Stage `json:"parts,omitempty"`
	// Running are the stages started and not ended when the report was
	// made (an interrupted analysis): their time so far.
	Running []RunningStage `json:"running,omitempty"`
}

// RunningStage is a stage that had not ended.
type RunningStage struct {
	Name    string  `json:"name"`
	Cloud   string  `json:"cloud,omitempty"`
	Seconds float64 `json:"seconds"`
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
	t.mu.Lock()
	r.Parts = append([]Stage(nil), t.parts...)
	keys := make([]int, 0, len(t.open))
	for k := range t.open {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		o := t.open[k]
		r.Running = append(r.Running, RunningStage{Name: o.name, Cloud: o.cloud, Seconds: time.Since(o.start).Seconds()})
	}
	t.mu.Unlock()
	r.OtherSeconds = r.WallSeconds - r.StageSeconds
	for _, s := range r.Running {
		r.OtherSeconds -= s.Seconds
	}
	r.OtherSeconds = max(r.OtherSeconds, 0) // the clock readings differ by nanoseconds
	if r.Stages == nil {
		r.Stages = []Stage{}
	}
	return r
}
