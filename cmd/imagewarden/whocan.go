package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/internal/inert"
	"github.com/imagewarden/imagewarden/reports"
)

type whoCanOptions struct {
	analyzer.Options
	resource string
	format   string
	wide     bool // the table at full width, as before it was fitted
}

func newWhoCanCmd() *cobra.Command {
	o := &whoCanOptions{}
	cmd := &cobra.Command{
		Use:   "who-can PERMISSION PATH...",
		Short: "List the principals that can perform an action (or hold a capability such as image.push)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args[1:]
			res, err := analyzer.WhoCan(o.Options, args[0], o.resource)
			if err != nil {
				return err
			}
			switch o.format {
			case "json":
				return reports.JSON(cmd.OutOrStdout(), res)
			case "table", "":
				width := 0
				if !o.wide {
					width = tableWidth(cmd.OutOrStdout(), "")
				}
				return whoCanTable(cmd.OutOrStdout(), res, width)
			}
			return fmt.Errorf("unknown format %q (table or json)", o.format)
		},
	}
	cmd.Flags().StringVar(&o.resource, "resource", "", "decide for this resource ARN (default: anywhere in each principal's account, and every resource in the inputs)")
	cmd.Flags().StringVarP(&o.format, "format", "f", "table", "output format: table or json")
	addCatalogFlag(cmd.Flags(), &o.Options)
	addMaxDepthFlag(cmd.Flags(), &o.Options)
	cmd.Flags().BoolVar(&o.wide, "wide", false, "draw the table at full width instead of fitting it to the terminal (COLUMNS, else the terminal's width, else 120)")
	return cmd
}

// whoCanTable writes the answer as a terminal table. Every text from the
// inputs is inert (internal/inert): each value escaped with inert.Line,
// every cell through inert.Cells, every other line through inert.Fprintf,
// and all of it through an inert.Writer.
func whoCanTable(out io.Writer, res *analyzer.WhoCanResult, width int) error {
	fit, flushFit := reports.FitWriter(out, width)
	w := inert.NewWriter(fit, inert.Newline)
	err := whoCanRows(w, res, width)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if ferr := flushFit(); err == nil {
		err = ferr
	}
	return err
}

var whoCanHeader = []string{"Principal", "Kind", "Access", "Resource", "Grant"}

func whoCanRows(w io.Writer, res *analyzer.WhoCanResult, width int) error {
	where := res.Resource
	if where == "" {
		where = "any resource"
	}
	inert.Fprintf(w, "Who can %s on %s: %d principals\n\n", res.Permission, where, len(res.Principals))
	var rows [][]any
	for _, a := range res.Principals {
		var grants []string
		for _, g := range a.Via {
			if g.Effect == "Allow" {
				s := g.Policy + " " + g.Statement
				if g.Conditional {
					s += " if " + strings.Join(g.Conditions, " and ")
				}
				grants = append(grants, s)
			}
		}
		for _, s := range a.Path {
			grants = append(grants, "-("+s.Kind+")-> "+s.To)
		}
		rows = append(rows, inert.Cells(a.ID, a.Kind, string(a.Access), a.Resource, inert.Multi(inert.JoinLines(grants))))
	}
	var t *tablewriter.Table
	if width > 0 {
		t = reports.FittedTable(w, whoCanHeader, rows, width)
	} else {
		t = tablewriter.NewWriter(w)
		t.Header(whoCanHeader[0], whoCanHeader[1], whoCanHeader[2], whoCanHeader[3], whoCanHeader[4])
	}
	for _, row := range rows {
		if err := t.Append(row...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	skipped := 0
	for _, s := range res.Inputs {
		if s.Error != "" {
			skipped++
			inert.Fprintf(w, "SKIPPED %s: %s\n", s.Path, s.Error)
		}
	}
	fmt.Fprintf(w, "Inputs: %d read, %d skipped.\n", len(res.Inputs)-skipped, skipped)
	return nil
}
