package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/reports"
)

type analyzeOptions struct {
	analyzer.Options
	format string
	output string
	failOn string
}

func newAnalyzeCmd() *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Find every principal that can create, modify, push or share images",
		Long: "Reads exports (files or directories, recognised by content; see docs/inputs.md),\n" +
			"decides every image capability for every principal, runs the Rego rules and reports findings.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return runAnalyze(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "table", "output format: "+strings.Join(reports.Formats, ", "))
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	f.StringArrayVar(&o.PolicyDirs, "policy", nil, "directory or file of extra Rego rules (repeatable)")
	f.StringArrayVar(&o.DataFiles, "data", nil, "JSON or YAML data merged into the rules' data, e.g. approved publishers (repeatable)")
	f.StringArrayVar(&o.CatalogFiles, "catalog", nil, "extra capability catalog file (repeatable)")
	f.IntVar(&o.MaxDepth, "max-depth", 0, "longest chain of transitive access to follow (0: unlimited)")
	f.StringVar(&o.failOn, "fail-on", "", "exit with code 3 when a finding has at least this severity (low, medium, high, critical)")
	return cmd
}

func runAnalyze(cmd *cobra.Command, o *analyzeOptions) error {
	if o.failOn != "" {
		if _, ok := model.SeverityRank[o.failOn]; !ok {
			return fmt.Errorf("--fail-on %q: one of info, low, medium, high, critical", o.failOn)
		}
	}
	rep, err := analyzer.Analyze(cmd.Context(), o.Options)
	if err != nil {
		return err
	}
	if err := writeOutput(cmd.OutOrStdout(), o.output, func(w io.Writer) error { return reports.Render(w, o.format, rep) }); err != nil {
		return err
	}
	if o.failOn != "" {
		n := 0
		for _, f := range rep.Findings {
			if model.SeverityRank[f.Severity] >= model.SeverityRank[o.failOn] {
				n++
			}
		}
		if n > 0 {
			return errFindings{n}
		}
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
