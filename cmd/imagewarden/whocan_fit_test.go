package main

import (
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// who-can's table fits the width as analyze's does (COLUMNS, else 120 when
// the output is not a terminal); --wide draws it whole.
func TestWhoCanTableFits(t *testing.T) {
	widest := func(out string) (int, string) {
		n, line := 0, ""
		for _, l := range strings.Split(out, "\n") {
			if w := runewidth.StringWidth(l); w > n {
				n, line = w, l
			}
		}
		return n, line
	}
	args := []string{"who-can", "image.push", demo}
	t.Setenv("COLUMNS", "")
	wide, err := run(t, "", append(args, "--wide")...)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := widest(wide)
	if full <= 120 {
		t.Fatalf("the demo's who-can table is %d columns wide at full width: the test proves nothing", full)
	}
	for _, cols := range []string{"60", "80", "120", ""} {
		t.Setenv("COLUMNS", cols)
		out, err := run(t, "", args...)
		if err != nil {
			t.Fatal(err)
		}
		limit := 120
		if cols != "" {
			limit = map[string]int{"60": 60, "80": 80, "120": 120}[cols]
		}
		if n, line := widest(out); n > limit {
			t.Errorf("COLUMNS=%q: a line is %d columns wide (limit %d): %q", cols, n, limit, line)
		}
		// Fitted, not folded: every line of the table ends with its border
		// (a table folded by the line wrapper would not).
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "│") && !strings.HasSuffix(l, "│") {
				t.Errorf("COLUMNS=%q: a table line was folded: %q", cols, l)
				break
			}
		}
		if !strings.Contains(out, "PRINCIPAL") || !strings.Contains(out, "Inputs:") {
			t.Errorf("COLUMNS=%q: the table or its footer is missing:\n%s", cols, out)
		}
	}
}
