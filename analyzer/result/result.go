// Package result holds the types an analysis produces (Report, Summary,
// AssumedEdges, WhoCanResult, PathResult), apart from the pipeline that
// produces them, so that the renderers (reports) and the diff read them
// without depending on the cloud plug-ins, the rules engine or OPA.
// Package analyzer keeps aliases of every type here.
package result

import (
	"time"

	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// Report is everything the renderers need.
type Report struct {
	Tool        string            `json:"tool"`
	Version     string            `json:"version"`
	RuleBundle  string            `json:"rule_bundle_sha256"`
	GeneratedAt time.Time         `json:"generated_at"`
	Inputs      []model.Source    `json:"inputs"`
	Rules       []model.Rule      `json:"rules"`
	Principals  []model.Principal `json:"principals"`
	Resources   []model.Resource  `json:"resources"`
	Facts       []model.Fact      `json:"facts"`
	Edges       []model.Edge      `json:"edges"`
	Paths       []graph.Path      `json:"paths"`
	// Federation is the OIDC trusts: which subjects of an identity
	// provider's tokens can become which principal.
	Federation []model.FederatedTrust `json:"federation,omitempty"`
	Findings   []model.Finding        `json:"findings"`
	Warnings   []model.Warning        `json:"warnings"`
	Summary    Summary                `json:"summary"`
	// Remediation is set by analyze --apply-remediation: the findings the
	// applied changes resolved, and what else they take away.
	Remediation *remediate.Applied `json:"remediation,omitempty"`
}

// Summary counts what was read and found, so that a report with no
// findings can be told from one that read nothing.
type Summary struct {
	FilesRead    int            `json:"files_read"`
	FilesSkipped int            `json:"files_skipped"`
	Principals   int            `json:"principals"`
	Resources    int            `json:"resources"`
	Findings     int            `json:"findings"`
	BySeverity   map[string]int `json:"by_severity"`
	// Counts are the items each cloud's inputs held: read, evaluated,
	// skipped (each skipped item has a warning naming its file and place).
	Counts []model.Count `json:"counts"`
	// Skipped names every input file skipped and every scope a collection
	// did not cover: the analysis is incomplete when it is not empty.
	Skipped []string `json:"skipped"`
	// Complete is true when nothing was skipped: no input file, no
	// collection scope, no item inside a file.
	Complete bool `json:"complete"`
	// AssumedEdges counts the "can act as" edges drawn without the
	// inventory that would settle them (model.Edge.Assumed): compute that
	// may run as a role, since the inputs do not list that compute. Absent
	// when none is.
	AssumedEdges int `json:"assumed_edges,omitempty"`
	// Assumed says which edges those are, grouped by the inventory that
	// would settle them (assumed.go). Absent when none is.
	Assumed []AssumedEdges `json:"assumed,omitempty"`
}

// SkippedItems counts the items inside input files that the analysis
// skipped (each also has a warning naming its file and place).
func (s Summary) SkippedItems() int {
	n := 0
	for _, c := range s.Counts {
		n += c.Skipped
	}
	return n
}

// AssumedEdges groups the edges drawn without the inventory that would
// settle them (model.Edge.Assumed) by what that inventory is: the compute
// of one service (AWS "compute:aws:ACCOUNT:SERVICE" nodes, in each account
// it is missing for), or else the kind of edge. Every report prints it, so
// that a reader knows which "can act as" steps are guesses and which input
// would turn them into facts (docs/inputs.md).
type AssumedEdges struct {
	Cloud string `json:"cloud"`
	// What is the service whose compute is not listed
	// ("ec2.amazonaws.com"), or the edge kind ("act-as") when the edge
	// is not about one service's compute.
	What string `json:"what"`
	// Scopes are the accounts (projects, subscriptions) the missing
	// inventory is about, when the edges name them.
	Scopes []string `json:"scopes,omitempty"`
	Edges  int      `json:"edges"`
}

// WhoCanResult answers "who can PERMISSION [on RESOURCE]".
type WhoCanResult struct {
	Permission string          `json:"permission"`
	Resource   string          `json:"resource"`
	Principals []model.Answer  `json:"principals"`
	Inputs     []model.Source  `json:"inputs"`
	Warnings   []model.Warning `json:"warnings,omitempty"`
}

// PathResult explains how FROM reaches TO.
type PathResult struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	Found bool           `json:"found"`
	Steps []model.Edge   `json:"steps"`
	Note  string         `json:"note,omitempty"`
	Input []model.Source `json:"inputs"`
}
