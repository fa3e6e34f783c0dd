// The fix runner: it ties the cloud-neutral remediation (package
// remediate) to the analysis. It re-runs Analyze with changes applied, asks
// each plug-in that implements remediate.Remediator for its changes, and
// verifies them. It lives here, not in package remediate, because the
// plug-ins import remediate for its types, and the analysis imports the
// plug-ins.

package analyzer

import (
	"context"
	"sort"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// RemediateRunner re-runs the analysis of loaded inputs with changes applied.
type RemediateRunner struct {
	Loaded *Loaded
}

// Run analyses the inputs with the changes applied, and returns the
// findings and the plug-ins that can remediate, loaded with the same
// changes (for Universe and Holds).
func (r *RemediateRunner) Run(ctx context.Context, changes []remediate.Change) (*remediate.Outcome, error) {
	rep, err := r.Loaded.Analyze(ctx, changes, nil)
	if err != nil {
		return nil, err
	}
	rems, err := remediators(r.Loaded, changes)
	if err != nil {
		return nil, err
	}
	return &remediate.Outcome{Findings: rep.Findings, Remediators: rems}, nil
}

// remediators are fresh plug-ins, with the changes applied and not
// evaluated, that can remediate.
func remediators(l *Loaded, changes []remediate.Change) ([]remediate.Remediator, error) {
	providers, err := l.Unevaluated(changes)
	if err != nil {
		return nil, err
	}
	var out []remediate.Remediator
	for _, p := range providers {
		if rm, ok := p.(remediate.Remediator); ok {
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
func Remediate(ctx context.Context, opts Options, findings []model.Finding) (*remediate.Plan, []model.Finding, error) {
	return RemediateWith(ctx, opts, findings, RemediateSettings{})
}

// RemediateSettings tune Remediate.
type RemediateSettings struct {
	// Together verifies all changes in one analysis, not each alone too:
	// for organisations where one analysis per change is too slow.
	Together bool
}

// RemediateWith is Remediate with settings.
func RemediateWith(ctx context.Context, opts Options, findings []model.Finding, set RemediateSettings) (*remediate.Plan, []model.Finding, error) {
	opts.Changes = nil
	l, err := Prepare(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	base, err := l.Analyze(ctx, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if findings == nil {
		findings = base.Findings
	}
	return RemediateAnalysis(ctx, l, base, findings, set)
}

// RemediateAnalysis plans and verifies the fixes of findings (usually
// base's own), from base, the analysis of l without changes: the plug-ins
// base evaluated answer what principals hold before the changes, and the
// verification replays l's inputs instead of reading them again.
func RemediateAnalysis(ctx context.Context, l *Loaded, base *Report, findings []model.Finding, set RemediateSettings) (*remediate.Plan, []model.Finding, error) {
	r := &RemediateRunner{Loaded: l}
	rems, err := remediators(l, nil)
	if err != nil {
		return nil, nil, err
	}
	before := &remediate.Outcome{Findings: base.Findings, Remediators: rems}
	cat := l.Catalog()
	// Approved publishers: the data files' and the configuration's.
	approved, err := remediate.ApprovedFrom(l.RulesData())
	if err != nil {
		return nil, nil, err
	}
	env := &remediate.Env{Catalog: cat, Approved: approved}
	byCloud := remediate.Select(findings, CloudOf)
	var changes []remediate.Change
	for _, rm := range before.Remediators {
		if fs := byCloud[rm.Cloud()]; len(fs) > 0 {
			changes = append(changes, rm.Plan(fs, env)...)
		}
	}
	plan := &remediate.Plan{Tool: "imagewarden", FormatVersion: 1, Changes: remediate.Finalize(changes)}
	verify := remediate.Verify
	if set.Together {
		verify = remediate.VerifyTogether
	}
	if err := verify(ctx, r, before, plan, cat); err != nil {
		return nil, nil, err
	}
	remediate.Attach(findings, plan)
	return plan, findings, nil
}

// RemediateReport is Remediate for a whole report: the analysis of opts
// (suppressions applied), its findings carrying their fixes, for the
// renderers.
func RemediateReport(ctx context.Context, opts Options, set RemediateSettings) (*remediate.Plan, *Report, error) {
	opts.Changes = nil
	l, err := Prepare(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	base, err := l.Analyze(ctx, nil, opts.Stages)
	if err != nil {
		return nil, nil, err
	}
	plan, findings, err := RemediateAnalysis(ctx, l, base, base.Findings, set)
	if err != nil {
		return nil, nil, err
	}
	base.Findings = findings
	return plan, base, nil
}

// ApplyRemediation analyses with a remediation directory's changes applied
// and compares with base, the analysis of the same options without them (nil:
// analyse). The report returned is the one with the changes, its
// Remediation filled.
func ApplyRemediation(ctx context.Context, opts Options, dir string, base *Report) (*Report, error) {
	opts.Changes = nil
	l, err := Prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	return ApplyRemediationLoaded(ctx, l, dir, base)
}

// ApplyRemediationLoaded is ApplyRemediation on inputs already loaded
// (base: their analysis without changes, or nil).
func ApplyRemediationLoaded(ctx context.Context, l *Loaded, dir string, base *Report) (*Report, error) {
	plan, err := remediate.Read(dir)
	if err != nil {
		return nil, err
	}
	if base == nil {
		if base, err = l.Analyze(ctx, nil, nil); err != nil {
			return nil, err
		}
	}
	rep, err := l.Analyze(ctx, plan.Changes, nil)
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
