// Package collect holds what every cloud's collector shares: the
// collection.json manifest that records what was collected and what was
// not, a thread-safe recorder of scopes, and atomic file writes, so that a
// snapshot on disk is always consistent, even when collection is
// interrupted. The collectors themselves live in awscollect, gcpcollect and
// azurecollect.
package collect

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/safefile"
	"github.com/imagewarden/imagewarden/internal/version"
)

// ManifestName is the file name of the manifest in a snapshot directory.
const ManifestName = "collection.json"

// Scope is one unit of collection (an account's IAM, a region's registry,
// a project's repositories) and its outcome; Manifest is collection.json.
// They are the model's types: `analyze` reads the manifest back into them
// and says in every report that the snapshot is incomplete.
type (
	Scope    = model.CollectedScope
	Manifest = model.Collection
)

// Recorder collects scope outcomes from concurrent workers.
type Recorder struct {
	mu sync.Mutex
	m  *Manifest
}

// NewRecorder starts a manifest for cloud, stamped with now.
func NewRecorder(cloud string, now time.Time) *Recorder {
	return &Recorder{m: &Manifest{Tool: "imagewarden", Version: version.String(), Cloud: cloud, Started: now, Collected: []Scope{}, Skipped: []Scope{}}}
}

// Manifest gives the manifest being built; set Caller and Account on it
// before workers start.
func (r *Recorder) Manifest() *Manifest { return r.m }

// Record adds one scope's outcome: skipped when it has an error.
func (r *Recorder) Record(s Scope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.Error != "" {
		r.m.Skipped = append(r.m.Skipped, s)
	} else {
		r.m.Collected = append(r.m.Collected, s)
	}
}

// Finish sorts the scopes, marks the manifest complete only when nothing
// was skipped and ctx was not cancelled, and writes it to dir.
func (r *Recorder) Finish(ctx context.Context, dir string, now time.Time) (*Manifest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.m
	sort.Slice(m.Collected, func(i, j int) bool { return m.Collected[i].Name < m.Collected[j].Name })
	sort.Slice(m.Skipped, func(i, j int) bool { return m.Skipped[i].Name < m.Skipped[j].Name })
	m.Finished = now
	m.Interrupted = errors.Is(ctx.Err(), context.Canceled)
	m.Complete = len(m.Skipped) == 0 && ctx.Err() == nil
	return m, WriteJSON(filepath.Join(dir, ManifestName), m)
}

// WriteJSON writes v indented to path, creating its directory, through a
// temporary file and a rename: a file in a snapshot is either whole or
// absent.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return safefile.WriteFile(path, append(b, '\n'), 0o644)
}

// Progress is told after each unit of work (an account, a project, a
// subscription) how many are done out of how many; the CLI draws it.
type Progress func(done, total int)

// Counter counts finished units for a Progress from concurrent workers.
type Counter struct {
	mu          sync.Mutex
	done, total int
	report      Progress
}

// NewCounter reports to p (which may be nil) out of total.
func NewCounter(p Progress, total int) *Counter {
	c := &Counter{total: total, report: p}
	if p != nil {
		p(0, total)
	}
	return c
}

// Step marks one unit done.
func (c *Counter) Step() {
	if c == nil || c.report == nil {
		return
	}
	c.mu.Lock()
	c.done++
	d := c.done
	c.mu.Unlock()
	c.report(d, c.total)
}
