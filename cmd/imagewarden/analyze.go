package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/safefile"
	"github.com/imagewarden/imagewarden/reports"
)

type analyzeOptions struct {
	analyzer.Options
	formats []string // FORMAT or FORMAT=FILE, see parseReports
	output  string
	failOn  string
	// collect names a cloud to collect from before analysing; the
	// collector's own flags follow "--" on the command line.
	collect  string
	snapshot string
	noConfig bool // --no-config: read no .imagewarden.yaml

	// applyRemediation is --apply-remediation DIR (imagewarden remediate --out DIR).
	applyRemediation string
	// fixes: plan each finding's least-privilege fixes, verified together
	// by one re-analysis, for the renderers.
	fixes bool
	// strict: an incomplete analysis (a skipped input file, collection
	// scope or item) fails like a finding at --fail-on does.
	strict bool
	// profile is --profile DIR: CPU and heap profiles and stage timings.
	profile string
	// includeFacts: the JSON report carries the facts, edges and paths.
	includeFacts bool
	// writeBaseline is --write-baseline FILE: the findings' fingerprints,
	// which diff --baseline then hides.
	writeBaseline string
	// wide: the table at full width, every text whole, instead of fitted
	// to COLUMNS, the terminal or 120 columns (tableWidth).
	wide bool
}

func newAnalyzeCmd() *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Find every principal that can create, modify, push or share images",
		Long: "Reads exports (files or directories, recognised by content; see docs/inputs.md),\n" +
			"decides every image capability for every principal, runs the Rego rules and reports findings.",
		Example: "  imagewarden analyze testdata/demo\n" +
			"  imagewarden analyze --collect aws -- --assume-role OrganizationAccountAccessRole\n" +
			"  imagewarden analyze --collect gcp --snapshot ./evidence -- --organization 123456789012",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.collect == "" && len(args) == 0 {
				return fmt.Errorf("give at least one PATH, or --collect CLOUD")
			}
			if dash := cmd.ArgsLenAtDash(); dash >= 0 && o.collect == "" {
				return fmt.Errorf("arguments after -- are for the collector and need --collect CLOUD")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// A bad --format is a usage error: say so before collecting.
			if _, err := parseReports(o.formats, o.output); err != nil {
				return err
			}
			o.Paths = args
			if o.collect != "" {
				paths, collectorArgs := args, []string(nil)
				if dash := cmd.ArgsLenAtDash(); dash >= 0 {
					paths, collectorArgs = args[:dash], args[dash:]
				}
				snapshot, cleanup, err := collectSnapshot(cmd, o.collect, o.snapshot, collectorArgs)
				if err != nil {
					return err
				}
				defer cleanup()
				o.Paths = append(append([]string{}, paths...), snapshot)
			}
			return runAnalyze(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.formats, "format", "f", nil, "report format, or FORMAT=FILE; repeatable or comma-separated, at most one to standard output (default table; formats: "+strings.Join(reports.Formats, ", ")+")")
	f.StringVarP(&o.output, "output", "o", "", "write the report that has no =FILE to this file instead of standard output")
	addRuleFlags(f, &o.Options)
	f.StringVar(&o.collect, "collect", "", "collect a snapshot from this cloud (aws, gcp, azure) and analyse it with any PATHs; the collector's flags go after --")
	f.StringVar(&o.snapshot, "snapshot", "", "with --collect: keep the snapshot in this directory (default: a temporary directory, removed afterwards)")
	f.StringVar(&o.applyRemediation, "apply-remediation", "", "analyse with the changes of this remediation directory (imagewarden remediate --out) applied, and report the findings they resolve")
	addConfigFlags(cmd, &o.Options, &o.noConfig, "", true)
	f.BoolVar(&o.fixes, "fixes", true, fmt.Sprintf("plan each finding's least-privilege fixes and verify them by re-analysis; by default only up to %d findings, since it takes about four times the analysis (--fixes: always; --fixes=false: never)", autoFixesLimit))
	addMaxDepthFlag(f, &o.Options)
	f.StringVar(&o.failOn, "fail-on", "", "exit with code 1 when an unsuppressed finding has at least this severity (low, medium, high, critical)")
	f.StringVar(&o.profile, "profile", "", "write a CPU profile (cpu.pprof), a heap profile after the analysis (heap.pprof) and the time of each stage (stages.json) to this directory, and the stage timings to standard error")
	f.BoolVar(&o.includeFacts, "include-facts", false, "the JSON report also carries the evidence: every capability fact, every edge of the graph and every path (large on an organisation; docs/reports.md)")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "write the findings' fingerprints to this file: imagewarden diff --baseline FILE then shows only what is new since")
	f.BoolVar(&o.wide, "wide", false, "draw the table at full width with every text whole; otherwise it is fitted to $COLUMNS, else the terminal's width, else 120 columns (docs/reports.md)")
	f.BoolVar(&o.strict, "strict", false, "exit with code 1 when the analysis is incomplete: an input file, a collection scope or an item inside a file was skipped (the reports list them)")
	return cmd
}

// autoFixesLimit is how many findings analyze plans fixes for unless told
// otherwise: organisation-scale analyses stay fast and say what they left
// out (on 1,000 GCP projects, 112 s without fixes, 500 s with).
var autoFixesLimit = 10000

func runAnalyze(cmd *cobra.Command, o *analyzeOptions) error {
	outs, err := parseReports(o.formats, o.output)
	if err != nil {
		return err
	}
	for _, r := range outs {
		if o.writeBaseline != "" && r.path != "" && safefile.Key(r.path) == safefile.Key(o.writeBaseline) {
			return fmt.Errorf("--write-baseline %s: the %s report goes to the same file", o.writeBaseline, r.format)
		}
	}
	if err := reportsSpareInputs(outs, o.Paths); err != nil {
		return err
	}
	if o.Config == "" && !o.noConfig {
		found, err := config.Discover(".", o.Paths)
		if err != nil {
			return err
		}
		o.Config = found
	}
	prof, err := startProfile(cmd.Context(), o.profile, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer prof.stop(cmd.ErrOrStderr())
	o.Stages = prof.stages()
	// The inputs are loaded once: the re-analyses that verify fixes
	// replay them.
	var rep *analyzer.Report
	loaded, err := analyzer.Prepare(cmd.Context(), o.Options)
	if err == nil {
		rep, err = loaded.Analyze(cmd.Context(), o.Options.Changes, o.Stages)
	}
	// The re-analyses that verify fixes are timed as the one stage "fixes".
	o.Stages = nil
	endFixes := prof.stage("fixes")
	switch {
	case err != nil:
	case o.applyRemediation != "":
		rep, err = applyRemediation(cmd, loaded, o.applyRemediation, rep)
	case o.fixes && len(rep.Findings) > autoFixesLimit && !cmd.Flags().Changed("fixes"):
		rep.Warnings = append(rep.Warnings, model.Warning{Message: fmt.Sprintf("fixes were not planned: %d findings are more than %d, and planning and verifying them takes about four times the analysis; "+
			"analyze --fixes plans them anyway, imagewarden remediate --verify together writes them out", len(rep.Findings), autoFixesLimit)})
	case o.fixes && len(rep.Findings) > 0:
		_, rep.Findings, err = analyzer.RemediateAnalysis(cmd.Context(), loaded, rep, rep.Findings, analyzer.RemediateSettings{Together: true})
	}
	endFixes()
	if err != nil {
		return err
	}
	if err := prof.writeHeap(); err != nil {
		return err
	}
	endRender := prof.stage("render")
	err = writeReports(cmd.OutOrStdout(), outs, rep, reports.Options{IncludeFacts: o.includeFacts}, o.wide)
	if o.writeBaseline != "" {
		err = errors.Join(err, writeOutput(cmd.OutOrStdout(), o.writeBaseline, func(w io.Writer) error {
			return diff.NewBaseline(rep.Findings, rep.GeneratedAt).Write(w)
		}))
	}
	endRender()
	if err != nil {
		return err
	}
	if n := failing(rep.Findings, o.failOn); n > 0 {
		return errFindings{n: n}
	}
	if o.strict && !rep.Summary.Complete {
		return errFindings{incomplete: len(rep.Summary.Skipped) + rep.Summary.SkippedItems()}
	}
	return nil
}

// writeOutput writes to the file when one is named, else to stdout.
func writeOutput(stdout io.Writer, path string, render func(io.Writer) error) error {
	if path == "" {
		return render(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// collectors are the `collect` subcommands by cloud; `analyze --collect`
// runs the same command, so both take the same flags.
var collectors = map[string]func() *cobra.Command{
	"aws":   newCollectAWSCmd,
	"gcp":   newCollectGCPCmd,
	"azure": newCollectAzureCmd,
}

// collectSnapshot runs the cloud's collector into dir (or a temporary
// directory removed by cleanup) and returns where the snapshot is.
func collectSnapshot(cmd *cobra.Command, cloud, dir string, args []string) (string, func(), error) {
	newCollector, ok := collectors[cloud]
	if !ok {
		names := make([]string, 0, len(collectors))
		for n := range collectors {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", nil, fmt.Errorf("--collect %q: one of %s", cloud, strings.Join(names, ", "))
	}
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "imagewarden-snapshot-")
		if err != nil {
			return "", nil, err
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	c := newCollector()
	c.SetArgs(append(append([]string{}, args...), "--out", dir))
	c.SetOut(cmd.ErrOrStderr()) // standard output is the report's
	c.SetErr(cmd.ErrOrStderr())
	c.SilenceUsage, c.SilenceErrors = true, true
	if err := c.ExecuteContext(cmd.Context()); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("collect %s: %w", cloud, err)
	}
	return dir, cleanup, nil
}

// reportsSpareInputs refuses a report that would overwrite one of the
// inputs: a PATH given as a file, or an existing *.json inside a PATH
// directory (the evidence the report is made from).
func reportsSpareInputs(outs []report, paths []string) error {
	for _, r := range outs {
		if r.path == "" {
			continue
		}
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil {
				continue
			}
			clash := safefile.Key(r.path) == safefile.Key(p)
			if st.IsDir() && safefile.Inside(r.path, p) && strings.EqualFold(filepath.Ext(r.path), ".json") {
				_, err := os.Stat(r.path)
				clash = clash || err == nil
			}
			if clash {
				return fmt.Errorf("%s report: %s is one of the inputs (%s): write the report elsewhere", r.format, r.path, p)
			}
		}
	}
	return nil
}
