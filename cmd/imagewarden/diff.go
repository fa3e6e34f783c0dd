package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/reports"
)

type diffOptions struct {
	analyzer.Options // the options both sides are analysed with (Paths unused)
	formats          []string
	output           string
	failOn           string
	baseline         string
	noConfig         bool
	// applyRemediation applies a remediation directory's changes to the
	// head (imagewarden remediate --out DIR): what the fixes would change.
	applyRemediation string
	// fixes plans the least-privilege fix of each added finding on the
	// head (the pull-request comment suggests it).
	fixes bool

	// plan is --plan: a Terraform plan in JSON; context its --context
	// snapshot, source its --source .tf directory.
	plan    string
	context []string
	source  string
}

func newDiffCmd() *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff BASE HEAD | diff --plan PLAN.json [--context SNAPSHOT...]",
		Short: "What a change adds to and removes from who can write images",
		Long: "Analyses two sides and compares their findings by fingerprint: what is added, removed and\n" +
			"changed, and which principals gain or lose each capability (transitive access included).\n" +
			"BASE and HEAD are anything analyze reads: a file or a directory each. With --plan, the sides\n" +
			"come from a Terraform plan (terraform show -json plan.out): the base is the --context snapshot\n" +
			"plus the plan's prior state, the head is the base with the plan's changes applied (docs/diff.md).\n" +
			"--fail-on counts only added access.",
		Example: "  imagewarden diff snapshots/2026-11 snapshots/2026-12\n" +
			"  terraform show -json plan.out > plan.json\n" +
			"  imagewarden diff --plan plan.json --context ./snapshot --source . -f markdown=comment.md -f sarif=diff.sarif --fail-on high",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.plan != "" {
				if len(args) != 0 {
					return fmt.Errorf("--plan takes the place of BASE and HEAD: give the snapshot as --context")
				}
				return nil
			}
			if len(o.context) > 0 || o.source != "" {
				return fmt.Errorf("--context and --source go with --plan")
			}
			if len(args) != 2 {
				return fmt.Errorf("give BASE and HEAD (a file or directory each), or --plan PLAN.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := parseFormats(o.formats, o.output, reports.DiffFormats); err != nil {
				return err
			}
			return runDiff(cmd, o, args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.formats, "format", "f", nil, "report format, or FORMAT=FILE; repeatable or comma-separated, at most one to standard output (default table; formats: "+strings.Join(reports.DiffFormats, ", ")+")")
	f.StringVarP(&o.output, "output", "o", "", "write the report that has no =FILE to this file instead of standard output")
	f.StringVar(&o.failOn, "fail-on", "", "exit with code 1 when an added (or widened) unsuppressed finding has at least this severity (low, medium, high, critical)")
	f.StringVar(&o.baseline, "baseline", "", "hide the added findings this baseline accepted (analyze --write-baseline)")
	f.StringVar(&o.applyRemediation, "apply-remediation", "", "apply the changes of this remediation directory (imagewarden remediate --out) to the head: what the fixes take away")
	f.StringVar(&o.plan, "plan", "", "a Terraform plan as JSON (terraform show -json plan.out)")
	f.StringArrayVar(&o.context, "context", nil, "with --plan: the snapshot the plan applies to (files or directories, repeatable)")
	f.StringVar(&o.source, "source", "", "with --plan: the directory of the .tf files, to name the file and line of each resource")
	addRuleFlags(f, &o.Options)
	addConfigFlags(cmd, &o.Options, &o.noConfig, "", false)
	f.BoolVar(&o.fixes, "fixes", true, "plan and verify the least-privilege fix of each added finding, on the head")
	addMaxDepthFlag(f, &o.Options)
	return cmd
}

// diffSides are the inputs of the two sides, and what the plan says
// about them (nil without --plan).
type diffSides struct {
	base, head []string
	plan       planInfo
}

// planInfo is what diff needs from a Terraform plan: the review items
// (values unknown until apply, resources not evaluated) and, per finding,
// the Terraform resources it rests on.
type planInfo interface {
	Review() []string
	Unknown() []string
	NotEvaluated() []string
	Sources(f *model.Finding) []diff.Source
}

func runDiff(cmd *cobra.Command, o *diffOptions, args []string) error {
	outs, err := parseFormats(o.formats, o.output, reports.DiffFormats)
	if err != nil {
		return err
	}
	var base *diff.Baseline
	if o.baseline != "" {
		if base, err = diff.ReadBaseline(o.baseline); err != nil {
			return err
		}
	}
	sides := &diffSides{}
	relabel := func(*analyzer.Report) {}
	if o.plan != "" {
		work, err := os.MkdirTemp("", "imagewarden-diff-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(work)
		if sides, err = readTerraformPlan(o, work); err != nil {
			return err
		}
		// The generated inputs live in a temporary directory that is gone
		// when diff returns: reports name them after the plan instead
		// (plan.json#head/001-context-iam.json), the same on every run.
		relabel = func(rep *analyzer.Report) { relabelGenerated(rep, work, o.plan) }
	} else {
		sides.base, sides.head = []string{args[0]}, []string{args[1]}
	}
	if o.Config == "" && !o.noConfig {
		found, err := config.Discover(".", sides.head)
		if err != nil {
			return err
		}
		o.Config = found
	}
	ctx := cmd.Context()
	var changes []remediate.Change
	if o.applyRemediation != "" {
		p, err := remediate.Read(o.applyRemediation)
		if err != nil {
			return err
		}
		changes = p.Changes
	}
	analyse := func(name string, paths []string, changes []remediate.Change) (*analyzer.Loaded, *analyzer.Report, error) {
		opts := o.Options
		opts.Paths = paths
		l, err := analyzer.Prepare(ctx, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		a, err := l.Analyze(ctx, changes, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return l, a, nil
	}
	_, baseA, err := analyse("base", sides.base, nil)
	if err != nil {
		return err
	}
	headL, headA, err := analyse("head", sides.head, changes)
	if err != nil {
		return err
	}
	relabel(baseA)
	relabel(headA)
	res := diff.Compare(baseA, headA)
	res.HideBaselined(base)
	res.Plan = o.plan
	if sides.plan != nil {
		res.Review = append(sides.plan.Review(), res.Review...)
		res.NotEvaluated = sides.plan.NotEvaluated()
		res.Unknown = sides.plan.Unknown()
		res.Sources = map[string][]diff.Source{}
		for _, f := range append(append([]model.Finding(nil), res.Added...), changedAfter(res)...) {
			if s := sides.plan.Sources(&f); len(s) > 0 {
				res.Sources[f.ID] = s
			}
		}
	}
	if o.fixes && len(res.Added) > 0 {
		// The fixes are planned on the head, for the added findings only,
		// and verified by re-analysis of the head.
		if _, res.Added, err = analyzer.RemediateAnalysis(ctx, headL, headA, res.Added, analyzer.RemediateSettings{Together: true}); err != nil {
			return err
		}
	}
	d := &reports.Diff{Result: res, Head: headA}
	var errs []error
	for _, r := range outs {
		if err := writeOutput(cmd.OutOrStdout(), r.path, func(w io.Writer) error { return reports.RenderDiff(w, r.format, d) }); err != nil {
			errs = append(errs, fmt.Errorf("%s report: %w", r.format, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if n := res.Failing(o.failOn); n > 0 {
		return errFindings{n: n}
	}
	// What the analysis could not decide is never a silent pass for a
	// gate.
	if o.failOn != "" && len(res.Review) > 0 {
		return errReview{n: len(res.Review)}
	}
	return nil
}

func changedAfter(r *diff.Result) []model.Finding {
	var out []model.Finding
	for _, c := range r.Changed {
		out = append(out, c.After)
	}
	return out
}

// relabelGenerated names the inputs generated in dir after the plan they
// come from, in the report's inputs, warnings and skipped list.
func relabelGenerated(rep *analyzer.Report, dir, plan string) {
	prefix := dir + string(os.PathSeparator)
	label := func(s string) string { return strings.ReplaceAll(s, prefix, plan+"#") }
	for i := range rep.Inputs {
		rep.Inputs[i].Path = label(rep.Inputs[i].Path)
		rep.Inputs[i].Error = label(rep.Inputs[i].Error)
	}
	for i := range rep.Warnings {
		rep.Warnings[i].Where = label(rep.Warnings[i].Where)
		rep.Warnings[i].Message = label(rep.Warnings[i].Message)
	}
	for i := range rep.Summary.Skipped {
		rep.Summary.Skipped[i] = label(rep.Summary.Skipped[i])
	}
}
