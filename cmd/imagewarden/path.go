package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/internal/inert"
	"github.com/imagewarden/imagewarden/reports"
)

type pathOptions struct {
	analyzer.Options
	format string
}

func newPathCmd() *cobra.Command {
	o := &pathOptions{}
	cmd := &cobra.Command{
		Use:   "path FROM TO PATH...",
		Short: "Explain how a principal can become another one, or reach a capability (e.g. image.push)",
		Args:  cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args[2:]
			res, err := analyzer.Path(cmd.Context(), o.Options, args[0], args[1])
			if err != nil {
				return err
			}
			if o.format == "json" {
				return reports.JSON(cmd.OutOrStdout(), res)
			}
			// Names, Sids and notes come from the inputs: every line
			// goes through inert.Fprintf, and all through an inert.Writer.
			w := inert.NewWriter(cmd.OutOrStdout(), inert.Newline)
			defer w.Flush()
			if !res.Found {
				inert.Fprintf(w, "%s cannot reach %s: %s\n", res.From, res.To, res.Note)
				return nil
			}
			if len(res.Steps) == 0 {
				inert.Fprintf(w, "%s\n", res.Note)
				return nil
			}
			inert.Fprintf(w, "%s reaches %s in %d step(s):\n", res.From, res.To, len(res.Steps))
			for i, s := range res.Steps {
				flags := ""
				if s.Conditional {
					flags += " (conditional)"
				}
				if s.Assumed {
					flags += " (assumed)"
				}
				inert.Fprintf(w, "  %d. %s -[%s: %s]-> %s%s\n", i+1, s.From, s.Kind, strings.Join(s.Permissions, ", "), s.To, flags)
				for _, g := range s.Via {
					if g.Effect == "Allow" {
						inert.Fprintf(w, "       granted by %s %s %s\n", g.PolicyType, g.Policy, g.Statement)
					}
				}
				if s.Note != "" {
					inert.Fprintf(w, "       %s\n", s.Note)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	addMaxDepthFlag(cmd.Flags(), &o.Options)
	return cmd
}
