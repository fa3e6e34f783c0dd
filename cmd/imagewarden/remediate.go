package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/inert"
	"github.com/imagewarden/imagewarden/internal/safefile"
	"github.com/imagewarden/imagewarden/reports"
)

type remediateOptions struct {
	analyzer.Options
	out      string
	noConfig bool
	reports  []string // FORMAT=FILE: the report, its findings with their fixes
	verify   string   // each (and together) or together
}

func newRemediateCmd() *cobra.Command {
	o := &remediateOptions{}
	cmd := &cobra.Command{
		Use:   "remediate PATH... --out DIR",
		Short: "Write the least-privilege changes that remove every finding, proven by re-analysis",
		Long: "Analyses the inputs, plans for every finding (not suppressed) the smallest change of the\n" +
			"inputs that removes its access, and writes DIR/remediation.json, one artifact per change\n" +
			"(the policy exactly as it should be) and DIR/commands.sh (CLI commands, never run by\n" +
			"imagewarden). Each change is verified by analysing again with it alone and with all of\n" +
			"them: the findings it resolves and any other permission it takes away are recorded.\n" +
			"See docs/remediation.md; replay with `imagewarden analyze --apply-remediation DIR`.",
		Example: "  imagewarden remediate testdata/demo --data testdata/demo/approved-publishers.yaml --out fixes\n" +
			"  imagewarden analyze testdata/demo --data testdata/demo/approved-publishers.yaml --apply-remediation fixes",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			o.Paths = args
			if o.verify != "each" && o.verify != "together" {
				return fmt.Errorf("--verify %q: each or together", o.verify)
			}
			written := map[string]string{}
			for _, r := range o.reports {
				format, file, ok := strings.Cut(r, "=")
				if !ok || file == "" || !slices.Contains(reports.Formats, format) {
					return fmt.Errorf("--report %q: FORMAT=FILE, FORMAT one of %s", r, strings.Join(reports.Formats, ", "))
				}
				// The remediation directory is the plan's: a report there
				// could overwrite remediation.json, commands.sh or an artifact.
				if safefile.Inside(file, o.out) {
					return fmt.Errorf("--report %s: inside --out %s, where the plan is written; write reports elsewhere", file, o.out)
				}
				if prev, dup := written[safefile.Key(file)]; dup {
					return fmt.Errorf("--report: two reports would be written to the same file (%s, %s)", prev, file)
				}
				written[safefile.Key(file)] = file
			}
			if o.Config == "" && !o.noConfig {
				found, err := config.Discover(".", o.Paths)
				if err != nil {
					return err
				}
				o.Config = found
			}
			return runRemediate(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "directory to write remediation.json, the artifacts and commands.sh into")
	f.StringVar(&o.verify, "verify", "each", "each: analyse again with every change alone and with all together; together: only with all together (one analysis, for large organisations)")
	f.StringArrayVar(&o.reports, "report", nil, "also write the report, each finding with its fixes, as FORMAT=FILE (formats: "+strings.Join(reports.Formats, ", ")+"; repeatable)")
	addRuleFlags(f, &o.Options)
	addConfigFlags(cmd, &o.Options, &o.noConfig, "suppressed findings get no change", true)
	addMaxDepthFlag(f, &o.Options)
	return cmd
}

func runRemediate(ctx context.Context, w io.Writer, o *remediateOptions) error {
	plan, rep, err := analyzer.RemediateReport(ctx, o.Options, analyzer.RemediateSettings{Together: o.verify == "together"})
	if err != nil {
		return err
	}
	findings := rep.Findings
	if err := remediate.Write(o.out, plan); err != nil {
		return err
	}
	for _, r := range o.reports {
		format, file, _ := strings.Cut(r, "=")
		if err := writeReport(file, format, rep); err != nil {
			return err
		}
	}
	fixed := 0
	for _, f := range findings {
		if len(f.Fixes) > 0 {
			fixed++
		}
	}
	// Summaries, targets and the permissions a change removes name
	// principals and policies from the inputs: every line that prints
	// them goes through inert.Fprintf.
	inert.Fprintf(w, "%d changes for %d of %d findings written to %s (%s, %s)\n", len(plan.Changes), fixed, len(findings),
		o.out, filepath.Join(o.out, remediate.PlanFile), filepath.Join(o.out, remediate.CommandsFile))
	for _, c := range plan.Changes {
		v := c.Verification
		inert.Fprintf(w, "\n%s  %s\n  %s\n", c.ID, c.Kind, c.Summary)
		if c.Artifact != "" {
			inert.Fprintf(w, "  artifact: %s\n", filepath.Join(o.out, c.Artifact))
		}
		if v == nil {
			continue
		}
		fmt.Fprintf(w, "  verified: resolves %d finding(s)", len(v.Resolved))
		if len(v.Unresolved) > 0 {
			inert.Fprintf(w, "; alone it leaves %s", strings.Join(v.Unresolved, ", "))
		}
		fmt.Fprintln(w)
		if len(v.Removes) > 0 {
			inert.Fprintf(w, "  also removes: %s\n", strings.Join(v.Removes, "; "))
		} else {
			fmt.Fprintln(w, "  removes nothing else")
		}
		if len(v.Introduced) > 0 {
			inert.Fprintf(w, "  reveals: %s (access the direct access hid)\n", strings.Join(v.Introduced, ", "))
		}
	}
	if a := plan.All; a != nil {
		fmt.Fprintf(w, "\nall changes together: %d finding(s) resolved", len(a.Resolved))
		if len(a.Introduced) > 0 {
			inert.Fprintf(w, ", %d revealed (%s): once applied, collect again and run remediate", len(a.Introduced), strings.Join(a.Introduced, ", "))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func writeReport(file, format string, rep *analyzer.Report) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := reports.Render(f, format, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// applyRemediation is analyze --apply-remediation DIR: base is the report
// without the changes; the report returned has them applied, and says in
// Remediation which findings they resolved. A summary goes to stderr.
func applyRemediation(cmd *cobra.Command, l *analyzer.Loaded, dir string, base *analyzer.Report) (*analyzer.Report, error) {
	rep, err := analyzer.ApplyRemediationLoaded(cmd.Context(), l, dir, base)
	if err != nil {
		return nil, err
	}
	a := rep.Remediation
	w := cmd.ErrOrStderr()
	// Principals and what the changes remove come from the inputs, the
	// plan from a directory anyone could have written: inert.Fprintf.
	inert.Fprintf(w, "imagewarden: applied %d change(s) from %s: %d finding(s) resolved\n", len(a.Changes), dir, len(a.Resolved))
	for _, f := range a.Resolved {
		var kinds []string
		for _, x := range f.Fixes {
			kinds = append(kinds, x.Kind)
		}
		inert.Fprintf(w, "  resolved %s %s %s %s (%s)\n", f.ID, f.RuleID, f.PrincipalID, f.Capability, strings.Join(kinds, ", "))
	}
	for _, id := range a.Introduced {
		inert.Fprintf(w, "  new %s: access the resolved findings hid\n", id)
	}
	for _, r := range a.Removes {
		inert.Fprintf(w, "  also removed: %s\n", r)
	}
	return rep, nil
}
