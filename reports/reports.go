// Package reports renders an analysis. Each format is one renderer; the
// analysis is computed once and never changed here.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer"
)

// Formats lists the report formats.
var Formats = []string{"table", "json"}

// Render writes the report in a format.
func Render(w io.Writer, format string, r *analyzer.Report) error {
	switch format {
	case "table", "":
		return Table(w, r)
	case "json":
		return JSON(w, r)
	}
	return fmt.Errorf("unknown format %q (one of %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the whole report as indented JSON.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
