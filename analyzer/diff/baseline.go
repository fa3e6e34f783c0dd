package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Baseline is the findings accepted at one time (analyze
// --write-baseline): a later diff or audit hides them by fingerprint and
// shows only what is new since.
type Baseline struct {
	Tool          string          `json:"tool"`
	FormatVersion int             `json:"format_version"`
	GeneratedAt   time.Time       `json:"generated_at"`
	Findings      []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding: its fingerprint, and what it was
// about so that a reviewer can read the file.
type BaselineEntry struct {
	ID         string `json:"id"`
	RuleID     string `json:"rule_id"`
	Principal  string `json:"principal"`
	Capability string `json:"capability,omitempty"`
	Severity   string `json:"severity"`
}

// NewBaseline lists findings' fingerprints, sorted.
func NewBaseline(findings []model.Finding, now time.Time) *Baseline {
	b := &Baseline{Tool: "imagewarden", FormatVersion: 1, GeneratedAt: now, Findings: []BaselineEntry{}}
	for _, f := range findings {
		b.Findings = append(b.Findings, BaselineEntry{ID: f.ID, RuleID: f.RuleID, Principal: f.PrincipalID, Capability: f.Capability, Severity: f.Severity})
	}
	sort.Slice(b.Findings, func(i, j int) bool { return b.Findings[i].ID < b.Findings[j].ID })
	return b
}

// Write writes the baseline as indented JSON.
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// ReadBaseline reads a baseline file, naming the file and the place of
// what is wrong.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("baseline %s: not a baseline written by analyze --write-baseline: %v", path, err)
	}
	if b.Tool != "imagewarden" || b.FormatVersion != 1 {
		return nil, fmt.Errorf("baseline %s: not a baseline written by analyze --write-baseline (tool %q, format_version %d)", path, b.Tool, b.FormatVersion)
	}
	for i, e := range b.Findings {
		if !model.ValidFindingID(e.ID) {
			return nil, fmt.Errorf("baseline %s: findings[%d]: %q is not a finding fingerprint (iw- and 16 hexadecimal digits)", path, i, e.ID)
		}
	}
	return &b, nil
}

// Has reports whether the baseline accepted a fingerprint.
func (b *Baseline) Has(id string) bool {
	if b == nil {
		return false
	}
	for _, e := range b.Findings {
		if e.ID == id {
			return true
		}
	}
	return false
}

// HideBaselined takes out of Added the findings the baseline accepted,
// and counts them in Baselined.
func (r *Result) HideBaselined(b *Baseline) {
	if b == nil {
		return
	}
	ids := map[string]bool{}
	for _, e := range b.Findings {
		ids[e.ID] = true
	}
	kept := r.Added[:0]
	for _, f := range r.Added {
		if ids[f.ID] {
			r.Baselined++
			continue
		}
		kept = append(kept, f)
	}
	r.Added = kept
}
