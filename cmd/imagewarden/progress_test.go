package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
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

// TestPrintManifest: a small collection lists every scope; a large one
// counts the collected scopes and still lists every skipped one.
func TestPrintManifest(t *testing.T) {
	m := &collect.Manifest{Cloud: "aws", Account: "1", Caller: "me", Skipped: []collect.Scope{{Name: "9/iam", Error: "AccessDenied"}}}
	for i := 0; i < 3; i++ {
		m.Collected = append(m.Collected, collect.Scope{Name: fmt.Sprintf("%d/iam", i), Files: []string{"f"}})
	}
	var b bytes.Buffer
	printManifest(&b, m, "out")
	if !strings.Contains(b.String(), "collected 2/iam: 1 files") || !strings.Contains(b.String(), "SKIPPED 9/iam: AccessDenied") {
		t.Errorf("small collection:\n%s", b.String())
	}
	for i := 3; i < 100; i++ {
		m.Collected = append(m.Collected, collect.Scope{Name: fmt.Sprintf("%d/iam", i)})
	}
	b.Reset()
	printManifest(&b, m, "out")
	if strings.Contains(b.String(), "collected 2/iam") || !strings.Contains(b.String(), "collected 100 scopes (listed in collection.json)") ||
		!strings.Contains(b.String(), "SKIPPED 9/iam") {
		t.Errorf("large collection:\n%s", b.String())
	}
}
