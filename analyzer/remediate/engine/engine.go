// Package engine ties the cloud-neutral remediation (package remediate) to
// the analysis: it re-runs analyzer.Analyze with changes applied, asks each
// plug-in that implements remediate.Remediator for its changes, and
// verifies them. It is separate from package remediate because the plug-ins
// import remediate for its types, and the analysis imports the plug-ins.
package engine

import (
	"context"
	"sort"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// Runner re-runs the analysis of Options with changes applied.
type Runner struct {
	Options analyzer.Options
}

// Run analyses the inputs with the changes applied, and returns the
// findings and the plug-ins that can remediate, loaded with the same
// changes (for Universe and Holds).
func (r *Runner) Run(ctx context.Context, changes []remediate.Change) (*remediate.Outcome, error) {
	opts := r.Options
	opts.Changes = changes
	rep, err := analyzer.Analyze(ctx, opts)
	if err != nil {
		return nil, err
	}
	rems, err := remediators(ctx, opts, changes)
	if err != nil {
		return nil, err
	}
	return &remediate.Outcome{Findings: rep.Findings, Remediators: rems}, nil
}

func remediators(ctx context.Context, opts analyzer.Options, changes []remediate.Change) ([]remediate.Remediator, error) {
	providers, _, cat, err := analyzer.Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := analyzer.ApplyChanges(providers, changes); err != nil {
		return nil, err
	}
	var out []remediate.Remediator
	for _, p := range providers {
		if rm, ok := p.(remediate.Remediator); ok {
			p.UseCatalog(cat)
			out = append(out, rm)
		}
	}
	return out, nil
}

// CloudOf is the cloud of a finding: its principal's, or its chain's.
func CloudOf(f *model.Finding) string {
	if f.Principal != nil && f.Principal.Cloud != "" {
		return f.Principal.Cloud
	}
	if len(f.Path) > 0 {
		return f.Path[0].Cloud
	}
	return ""
}

// Remediate plans the changes that fix findings (the report's findings
// when the caller has applied suppressions to them; nil: analyse first),
// verifies every change by re-analysis, and puts the fixes into the
// findings. It returns the plan and the findings with their fixes.
func Remediate(ctx context.Context, opts analyzer.Options, findings []model.Finding) (*remediate.Plan, []model.Finding, error) {
	return RemediateWith(ctx, opts, findings, Settings{})
}

// Settings tune Remediate.
type Settings struct {
	// Together verifies all changes in one analysis, not each alone too:
	// for organisations where one analysis per change is too slow.
	Together bool
	// Complete says the findings given are the whole analysis of the
	// options (as analyze has just made it), so that it need not be made
	// again as the base of the comparison.
	Complete bool
}

// RemediateWith is Remediate with settings.
func RemediateWith(ctx context.Context, opts analyzer.Options, findings []model.Finding, set Settings) (*remediate.Plan, []model.Finding, error) {
	opts.Changes = nil
	r := &Runner{Options: opts}
	var base *remediate.Outcome
	if set.Complete && findings != nil {
		rems, err := remediators(ctx, opts, nil)
		if err != nil {
			return nil, nil, err
		}
		base = &remediate.Outcome{Findings: findings, Remediators: rems}
	} else {
		var err error
		if base, err = r.Run(ctx, nil); err != nil {
			return nil, nil, err
		}
	}
	if findings == nil {
		findings = base.Findings
	}
	_, _, cat, err := analyzer.Load(ctx, analyzer.Options{CatalogFiles: opts.CatalogFiles})
	if err != nil {
		return nil, nil, err
	}
	// Approved publishers: the data files' and the configuration's.
	data, _, err := analyzer.RulesData(opts)
	if err != nil {
		return nil, nil, err
	}
	approved, err := remediate.ApprovedFrom(data)
	if err != nil {
		return nil, nil, err
	}
	env := &remediate.Env{Catalog: cat, Approved: approved}
	byCloud := remediate.Select(findings, CloudOf)
	var changes []remediate.Change
	for _, rm := range base.Remediators {
		if fs := byCloud[rm.Cloud()]; len(fs) > 0 {
			changes = append(changes, rm.Plan(fs, env)...)
		}
	}
	plan := &remediate.Plan{Tool: "imagewarden", FormatVersion: 1, Changes: remediate.Finalize(changes)}
	verify := remediate.Verify
	if set.Together {
		verify = remediate.VerifyTogether
	}
	if err := verify(ctx, r, base, plan, cat); err != nil {
		return nil, nil, err
	}
	remediate.Attach(findings, plan)
	return plan, findings, nil
}

// RemediateReport is Remediate for a whole report: the analysis of opts
// (suppressions applied), its findings carrying their fixes, for the
// renderers.
func RemediateReport(ctx context.Context, opts analyzer.Options, set Settings) (*remediate.Plan, *analyzer.Report, error) {
	opts.Changes = nil
	rep, err := analyzer.Analyze(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	set.Complete = true
	plan, findings, err := RemediateWith(ctx, opts, rep.Findings, set)
	if err != nil {
		return nil, nil, err
	}
	rep.Findings = findings
	return plan, rep, nil
}

// Apply analyses with a remediation directory's changes applied and
// compares with base, the analysis of the same options without them (nil:
// analyse). The report returned is the one with the changes, its
// Remediation filled.
func Apply(ctx context.Context, opts analyzer.Options, dir string, base *analyzer.Report) (*analyzer.Report, error) {
	plan, err := remediate.Read(dir)
	if err != nil {
		return nil, err
	}
	opts.Changes = nil
	if base == nil {
		if base, err = analyzer.Analyze(ctx, opts); err != nil {
			return nil, err
		}
	}
	opts.Changes = plan.Changes
	rep, err := analyzer.Analyze(ctx, opts)
	if err != nil {
		return nil, err
	}
	app := &remediate.Applied{Plan: dir, Resolved: []model.Finding{}, Introduced: remediate.Introduced(base.Findings, rep.Findings)}
	gone := map[string]bool{}
	for _, id := range remediate.Resolved(base.Findings, rep.Findings) {
		gone[id] = true
	}
	fixed := append([]model.Finding{}, base.Findings...)
	for i := range fixed {
		fixed[i].Fixes = nil
	}
	remediate.Attach(fixed, plan)
	removes := map[string]bool{}
	for _, c := range plan.Changes {
		app.Changes = append(app.Changes, c.ID)
		if c.Verification != nil {
			for _, r := range c.Verification.Removes {
				removes[r] = true
			}
		}
	}
	for _, f := range fixed {
		if gone[f.ID] {
			app.Resolved = append(app.Resolved, f)
		}
	}
	for r := range removes {
		app.Removes = append(app.Removes, r)
	}
	sort.Strings(app.Removes)
	rep.Remediation = app
	return rep, nil
}
