package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestCollectProgressPlain: off a terminal, progress is a line every tenth
// of the way and at the end; with --quiet, nothing.
func TestCollectProgressPlain(t *testing.T) {
	var b bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetErr(&b)
	progress, done := collectProgress(cmd, false, "accounts")
	for i := 0; i <= 25; i++ {
		progress(i, 25)
	}
	done()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) < 10 || len(lines) > 14 || lines[len(lines)-1] != "accounts: 25/25" {
		t.Errorf("got %d lines, want about one per tenth ending with the total:\n%s", len(lines), b.String())
	}
	b.Reset()
	quiet, done := collectProgress(cmd, true, "accounts")
	if quiet != nil {
		quiet(1, 2)
	}
	done()
	if b.Len() != 0 {
		t.Errorf("--quiet printed %q", b.String())
	}
}
