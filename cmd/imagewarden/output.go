package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/safefile"
	"github.com/imagewarden/imagewarden/reports"
)

// report is one rendering of an analysis: a format and the file it goes
// to ("" for standard output).
type report struct{ format, path string }

// parseReports reads the repeatable --format flag: each value is a
// comma-separated list of FORMAT or FORMAT=FILE ("-" as FILE is standard
// output). At most one format goes to standard output, and --output, when
// given, sends that one to a file instead, as before several formats
// existed. Errors here are usage errors, found before any analysis runs.
func parseReports(values []string, output string) ([]report, error) {
	return parseFormats(values, output, reports.Formats)
}

// parseFormats is parseReports for a command whose formats are known.
func parseFormats(values []string, output string, known []string) ([]report, error) {
	var out []report
	for _, v := range values {
		for _, item := range splitFormats(v, known) {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			format, path, hasPath := strings.Cut(item, "=")
			if !slices.Contains(known, format) {
				return nil, fmt.Errorf("--format %q: unknown format %q (one of %s)", item, format, strings.Join(known, ", "))
			}
			if hasPath && path == "" {
				return nil, fmt.Errorf("--format %q: no file after =", item)
			}
			if path == "-" {
				path = ""
			}
			out = append(out, report{format, path})
		}
	}
	if len(out) == 0 {
		out = []report{{format: "table"}}
	}
	toStdout := -1
	files := map[string]string{} // fileKey -> as given
	for i, r := range out {
		if r.path == "" {
			if toStdout >= 0 {
				return nil, fmt.Errorf("--format: %s and %s both go to standard output; give all but one a file (FORMAT=FILE)", out[toStdout].format, r.format)
			}
			toStdout = i
			continue
		}
		if prev, ok := files[safefile.Key(r.path)]; ok {
			return nil, fmt.Errorf("--format: two reports would be written to the same file (%s, %s)", prev, r.path)
		}
		files[safefile.Key(r.path)] = r.path
	}
	if output != "" {
		if toStdout < 0 {
			return nil, fmt.Errorf("--output %s: every --format already names its file", output)
		}
		if prev, ok := files[safefile.Key(output)]; ok {
			return nil, fmt.Errorf("--output: two reports would be written to the same file (%s, %s)", prev, output)
		}
		out[toStdout].path = output
	}
	return out, nil
}

// splitFormats splits a --format value at its commas, except a comma
// inside a file name: a piece with no "=" that is not a format continues
// the file name before it (json=out/a,b.json is one report; "pdf=x" after
// a comma is still an unknown format).
func splitFormats(v string, known []string) []string {
	var out []string
	for _, piece := range strings.Split(v, ",") {
		p := strings.TrimSpace(piece)
		if n := len(out); n > 0 && strings.Contains(out[n-1], "=") && !strings.Contains(p, "=") && !slices.Contains(known, p) {
			out[n-1] += "," + piece
			continue
		}
		out = append(out, piece)
	}
	return out
}

// writeReports renders every report. A file that cannot be written does
// not stop the others: the evidence that can be kept is kept, and the
// errors are returned together. Unless wide (--wide), the table is fitted
// to tableWidth.
func writeReports(stdout io.Writer, rs []report, rep *analyzer.Report, o reports.Options, wide bool) error {
	var errs []error
	for _, r := range rs {
		o := o
		if !wide {
			o.Width = tableWidth(stdout, r.path)
		}
		err := writeOutput(stdout, r.path, func(w io.Writer) error { return reports.RenderWith(w, r.format, rep, o) })
		if err != nil {
			errs = append(errs, fmt.Errorf("%s report: %w", r.format, err))
		}
	}
	return errors.Join(errs...)
}

// tableWidth is the width a table report is fitted to: COLUMNS when it
// is a positive integer, else the terminal's width when the report goes
// to standard output and that is a terminal, else reports.DefaultWidth
// (120).
func tableWidth(stdout io.Writer, path string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := stdout.(*os.File); ok && path == "" && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return reports.DefaultWidth
}

// failing counts the findings at or above the --fail-on severity. An
// accepted risk (a suppressed finding) never fails a build: it is still
// reported, marked.
func failing(fs []model.Finding, failOn string) int {
	if failOn == "" {
		return 0
	}
	n := 0
	for _, f := range fs {
		if f.Suppression == nil && model.SeverityRank[f.Severity] >= model.SeverityRank[failOn] {
			n++
		}
	}
	return n
}
