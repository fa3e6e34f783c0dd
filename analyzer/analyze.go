package analyzer

import (
	"context"
	"fmt"
	"time"

	"github.com/imagewarden/imagewarden/internal/version"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/analyzer/result"
	"github.com/imagewarden/imagewarden/analyzer/rules"
)

// Options configure an analysis.
type Options struct {
	Paths        []string
	PolicyDirs   []string // --policy: extra Rego rules
	DataFiles    []string // --data: data overrides (approved publishers...)
	CatalogFiles []string // --catalog: extra catalog entries
	// Config is the configuration file (.imagewarden.yaml: approved
	// publishers, suppressions, severity overrides; docs/config.md); "" for none.
	Config string
	// Now stamps the report; zero means time.Now (tests fix it).
	Now time.Time
	// MaxDepth bounds the chains of transitive access; 0 means unlimited.
	MaxDepth int
	// Changes are remediation changes applied to the loaded inputs before
	// evaluation (imagewarden remediate, analyze --apply-remediation).
	Changes []remediate.Change
	// Stages, when set, records the wall time, CPU time and allocations of
	// each stage (analyze --profile); nil records nothing.
	Stages *StageTimer
}

// Report is everything the renderers need; it lives in analyzer/result so
// that the renderers (reports) do not depend on the pipeline.
type Report = result.Report

// Summary counts what was read and found (analyzer/result).
type Summary = result.Summary

// Load reads the inputs and the catalog: the shared first half of every
// command. It stops between input files once ctx is done.
func Load(ctx context.Context, opts Options) ([]Provider, []model.Source, *catalog.Catalog, error) {
	cat, err := catalog.Load(opts.CatalogFiles...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("catalog: %w", err)
	}
	providers := Providers()
	sources, err := LoadInputs(ctx, opts.Paths, providers)
	if err != nil {
		return nil, nil, nil, err
	}
	return providers, sources, cat, nil
}

// RulesData is the rules' data for opts (the --data files merged over the
// built-in data, rules.LoadData) with the configuration's approved
// publishers added, and the configuration itself (nil without one).
// Remediation reads its approved publishers from the same data.
func RulesData(opts Options) (map[string]any, *config.Config, error) {
	cfg, err := config.Load(opts.Config)
	if err != nil {
		return nil, nil, err
	}
	data, err := rules.LoadData(opts.DataFiles)
	if err != nil {
		return nil, nil, err
	}
	return cfg.Data(data), cfg, nil
}

// Loaded is the first half of an analysis, done once: the rules engine
// and its data, the configuration, the catalog, and every input file read,
// checked and decoded. Analyze runs the second half; a remediation runs it
// again with changes applied (planning and verifying fixes) from the same
// Loaded, so that no re-analysis reads, decodes or compiles anything twice.
type Loaded struct {
	opts    Options
	engine  *rules.Engine
	data    map[string]any
	cfg     *config.Config
	cat     *catalog.Catalog
	sources []model.Source
	// docs are the recognised documents, replayed into fresh plug-ins
	// for every analysis after the first.
	docs []recognized
	// first are the plug-ins the files were loaded into, given to the
	// first analysis; nil once used.
	first []Provider
}

// Prepare reads the configuration and the rules' data, compiles the
// rules, and loads the inputs and the catalog (the stages "setup" and
// "load" of opts.Stages). It fails when no input is usable (RequireUsable)
// and when the configuration names rules or capabilities that do not
// exist.
func Prepare(ctx context.Context, opts Options) (*Loaded, error) {
	endSetup := opts.Stages.Start("setup", "")
	data, cfg, err := RulesData(opts)
	if err != nil {
		return nil, err
	}
	engine, err := rules.New(ctx, rules.Options{PolicyDirs: opts.PolicyDirs, Data: data})
	if err != nil {
		return nil, err
	}
	endSetup()
	endLoad := opts.Stages.Start("load", "")
	l := &Loaded{opts: opts, engine: engine, data: data, cfg: cfg}
	l.cat, err = catalog.Load(opts.CatalogFiles...)
	if err != nil {
		endLoad()
		return nil, fmt.Errorf("catalog: %w", err)
	}
	l.first = Providers()
	l.sources, err = loadInputs(ctx, opts.Paths, l.first, &l.docs)
	endLoad()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Check(engine.Rules(), l.cat); err != nil {
		return nil, err
	}
	if err := RequireUsable(opts.Paths, l.sources); err != nil {
		return nil, err
	}
	return l, nil
}

// Options are the options the inputs were loaded with.
func (l *Loaded) Options() Options { return l.opts }

// Catalog is the catalog loaded with the inputs.
func (l *Loaded) Catalog() *catalog.Catalog { return l.cat }

// RulesData is the rules' data (RulesData of the options).
func (l *Loaded) RulesData() map[string]any { return l.data }

// providers are plug-ins holding the inputs: the ones the files were
// loaded into, the first time, then fresh ones the recognised documents
// are replayed into (a plug-in's Load reads the document, never changes
// it). A plug-in is changed by ApplyChanges and Evaluate, so no two
// analyses share one.
func (l *Loaded) providers() []Provider {
	if l.first != nil {
		ps := l.first
		l.first = nil
		return ps
	}
	return l.replay()
}

// replay loads the recognised documents into fresh plug-ins.
func (l *Loaded) replay() []Provider {
	ps := Providers()
	for _, d := range l.docs {
		// The error, if any, is the one loading the file gave; the
		// source records it already.
		_ = ps[d.provider].Load(d.path, d.kind, d.doc)
	}
	return ps
}

// Unevaluated returns fresh plug-ins holding the inputs with changes
// applied, not evaluated: what remediation plans with and asks what
// principals hold (a plug-in's Evaluate completes its model, e.g. GCP's
// predefined roles missing from the table, which planning must not see).
func (l *Loaded) Unevaluated(changes []remediate.Change) ([]Provider, error) {
	ps := l.replay()
	if err := ApplyChanges(ps, changes); err != nil {
		return nil, err
	}
	for _, p := range ps {
		p.UseCatalog(l.cat)
	}
	return ps, nil
}

// Analyze runs the whole pipeline.
func Analyze(ctx context.Context, opts Options) (*Report, error) {
	l, err := Prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	return l.Analyze(ctx, opts.Changes, opts.Stages)
}

// Analyze evaluates the loaded inputs with changes applied, finds the
// chains and runs the rules; stages (nil: none) times its stages.
func (l *Loaded) Analyze(ctx context.Context, changes []remediate.Change, stages *StageTimer) (*Report, error) {
	// Cancellation is checked between stages; a single long stage (one
	// provider's Evaluate on a large organisation) runs to its end, and
	// the CLI's signal watchdog covers it.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts, engine, cfg, cat := l.opts, l.engine, l.cfg, l.cat
	providers := l.providers()
	sources := append(append([]model.Source(nil), l.sources...), cfg.Sources()...)
	if err := ApplyChanges(providers, changes); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	rep := &Report{Tool: "imagewarden", Version: version.String(), RuleBundle: engine.BundleHash(), GeneratedAt: now, Inputs: sources, Rules: engine.Rules(), Warnings: append(manifestWarnings(sources), snapshotWarnings(sources)...)}
	// The plug-ins evaluate in parallel (evaluate.go); their results are
	// appended in the plug-ins' order.
	for _, ev := range evaluateAll(providers, cat, stages) {
		snap := ev.snap
		rep.Principals = append(rep.Principals, snap.Principals...)
		rep.Resources = append(rep.Resources, snap.Resources...)
		rep.Facts = append(rep.Facts, snap.Facts...)
		rep.Federation = append(rep.Federation, snap.Federation...)
		rep.Warnings = append(rep.Warnings, snap.Warnings...)
		rep.Edges = append(rep.Edges, ev.edges...)
		rep.Summary.Counts = append(rep.Summary.Counts, snap.Counts...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	endPaths := stages.Start("paths", "")
	rep.Paths = graph.Paths(rep.Facts, rep.Edges, opts.MaxDepth, adminHolds(providers, cat))
	endPaths()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	endRules := stages.Start("rules", "")
	var err error
	rep.Findings, err = engine.Eval(ctx, &rules.Input{Principals: rep.Principals, Resources: rep.Resources, Facts: rep.Facts, Paths: rep.Paths, Federation: rep.Federation})
	if err != nil {
		return nil, err
	}
	for i := range rep.Findings {
		rep.Findings[i].ID = model.FindingID(&rep.Findings[i])
	}
	rep.Warnings = append(rep.Warnings, cfg.Apply(rep.Findings, now)...)
	rep.Warnings = append(rep.Warnings, cfg.IntegrityWarnings(opts.Paths, rep.Findings)...)
	rep.Summary = summarize(rep)
	endRules()
	return rep, nil
}

func summarize(r *Report) Summary {
	s := Summary{Principals: len(r.Principals), Resources: len(r.Resources), Findings: len(r.Findings), BySeverity: map[string]int{},
		Counts: mergeCounts(r.Summary.Counts), Skipped: Skipped(r.Inputs)}
	if s.Counts == nil {
		s.Counts = []model.Count{}
	}
	if s.Skipped == nil {
		s.Skipped = []string{}
	}
	s.Complete = len(s.Skipped) == 0 && s.SkippedItems() == 0
	for _, src := range r.Inputs {
		if src.Error != "" {
			s.FilesSkipped++
		} else {
			s.FilesRead++
		}
	}
	for _, f := range r.Findings {
		s.BySeverity[f.Severity]++
	}
	for _, e := range r.Edges {
		if e.Assumed {
			s.AssumedEdges++
		}
	}
	s.Assumed = groupAssumed(r.Edges)
	if len(s.Assumed) == 0 {
		s.Assumed = nil
	}
	return s
}

// adminHolds decides, once per admin node and capability, whether the
// node's cloud lets a self-made admin use some action of the capability.
func adminHolds(providers []Provider, cat *catalog.Catalog) graph.AdminHolds {
	byCloud := map[string]Provider{}
	for _, p := range providers {
		byCloud[p.Cloud()] = p
	}
	memo := map[[2]string]bool{}
	return func(admin, capability string) bool {
		k := [2]string{admin, capability}
		if v, ok := memo[k]; ok {
			return v
		}
		cloud, _, _, _ := model.ParseAdminNode(admin)
		v := false
		if p := byCloud[cloud]; p != nil {
			for _, a := range cat.ActionsOf(cloud, capability) {
				if p.AdminHolds(admin, a, "") != "" {
					v = true
					break
				}
			}
		}
		memo[k] = v
		return v
	}
}
