package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"

	"github.com/imagewarden/imagewarden/analyzer"
)

// profiler is analyze --profile DIR: a CPU profile of the whole command,
// a heap profile once the analysis (and its fixes) are done, and the time
// of each stage. A nil profiler does nothing.
type profiler struct {
	dir   string
	cpu   *os.File
	timer *analyzer.StageTimer
	once  sync.Once
	done  chan struct{}
}

// startProfile creates DIR and starts the CPU profile; "" means no
// profile. When ctx is cancelled (Ctrl-C, SIGTERM: the signal watchdog
// exits the process a second later, skipping deferred calls) the profiles
// and the stages so far are written at once, with the stage that was
// running: an analysis stopped because it takes too long still tells
// where its time went.
func startProfile(ctx context.Context, dir string, stderr io.Writer) (*profiler, error) {
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--profile: %w", err)
	}
	p := &profiler{dir: dir, cpu: f, timer: analyzer.NewStageTimer(), done: make(chan struct{})}
	go func() {
		select {
		case <-ctx.Done():
			p.stop(stderr)
		case <-p.done:
		}
	}()
	return p, nil
}

// stages is the recorder to pass to the analysis (nil without a profile).
func (p *profiler) stages() *analyzer.StageTimer {
	if p == nil {
		return nil
	}
	return p.timer
}

// stage starts a stage of the command itself (fixes, render).
func (p *profiler) stage(name string) func() { return p.stages().Start(name, "") }

// writeHeap writes DIR/heap.pprof after a garbage collection, while the
// report is still in memory.
func (p *profiler) writeHeap() error {
	if p == nil {
		return nil
	}
	f, err := os.Create(filepath.Join(p.dir, "heap.pprof"))
	if err != nil {
		return fmt.Errorf("--profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--profile: heap profile: %w", err)
	}
	return f.Close()
}

// stop ends the CPU profile, writes DIR/stages.json and prints the stage
// timings on w. Problems are printed on w too: the command's own result
// stands.
func (p *profiler) stop(w io.Writer) {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.done)
		p.write(w)
	})
}

func (p *profiler) write(w io.Writer) {
	pprof.StopCPUProfile()
	var errs []string
	if err := p.cpu.Close(); err != nil {
		errs = append(errs, err.Error())
	}
	rep := p.timer.Report()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(p.dir, "stages.json"), append(b, '\n'), 0o644)
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	fmt.Fprintln(w, "imagewarden: profile: "+stageLine(rep))
	if len(errs) > 0 {
		fmt.Fprintf(w, "imagewarden: --profile: %s\n", strings.Join(errs, "; "))
		return
	}
	var files []string
	for _, f := range []string{"cpu.pprof", "heap.pprof", "stages.json"} {
		if _, err := os.Stat(filepath.Join(p.dir, f)); err == nil {
			files = append(files, f)
		}
	}
	fmt.Fprintf(w, "imagewarden: profile written to %s (%s)\n", p.dir, strings.Join(files, ", "))
}

// stageLine is the stages in one line: wall time, share of the whole and
// CPU time of each.
func stageLine(r analyzer.StageReport) string {
	var parts []string
	share := func(s float64) float64 {
		if r.WallSeconds <= 0 {
			return 0
		}
		return 100 * s / r.WallSeconds
	}
	for _, s := range r.Stages {
		name := s.Name
		if s.Cloud != "" {
			name += " " + s.Cloud
		}
		parts = append(parts, fmt.Sprintf("%s %.2fs (%.0f%%)", name, s.Seconds, share(s.Seconds)))
	}
	for _, s := range r.Parts {
		parts = append(parts, fmt.Sprintf("[part: %s %s %.2fs]", s.Name, s.Cloud, s.Seconds))
	}
	for _, s := range r.Running {
		name := s.Name
		if s.Cloud != "" {
			name += " " + s.Cloud
		}
		parts = append(parts, fmt.Sprintf("%s %.2fs so far, not finished", name, s.Seconds))
	}
	parts = append(parts, fmt.Sprintf("other %.2fs", r.OtherSeconds))
	return fmt.Sprintf("%.2fs wall, %.2fs CPU, %.1f GB allocated: %s", r.WallSeconds, r.CPUSeconds, float64(r.AllocBytes)/1e9, strings.Join(parts, ", "))
}
