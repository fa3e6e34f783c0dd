package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/internal/inert"
)

// collectProgress draws collection progress on standard error: a bar with
// counts and an ETA on a terminal, a plain line every tenth of the way (and
// at the end) otherwise, nothing when quiet. unit names what is counted.
// The returned function ends the bar.
func collectProgress(cmd *cobra.Command, quiet bool, unit string) (collect.Progress, func()) {
	if quiet {
		return nil, func() {}
	}
	w := cmd.ErrOrStderr()
	if f, ok := w.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return terminalProgress(w, unit)
	}
	var mu sync.Mutex
	last := -1
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		step := max(total/10, 1)
		if done == total || done/step != last/step {
			fmt.Fprintf(w, "%s: %d/%d\n", unit, done, total)
			last = done
		}
	}, func() {}
}

func terminalProgress(w io.Writer, unit string) (collect.Progress, func()) {
	var mu sync.Mutex
	var bar *progressbar.ProgressBar
	return func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(unit),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
					progressbar.OptionThrottle(100e6))
			}
			_ = bar.Set(done)
		}, func() {
			mu.Lock()
			defer mu.Unlock()
			if bar != nil {
				_ = bar.Finish()
			}
		}
}

// runCollector runs a collection with progress drawn on standard error,
// then summarises its manifest there (unless quiet).
func runCollector(cmd *cobra.Command, quiet bool, unit, out string, run func(collect.Progress) (*collect.Manifest, error)) error {
	force, _ := cmd.Flags().GetBool("force")
	if err := emptyOutDir(out, force); err != nil {
		return err
	}
	progress, endProgress := collectProgress(cmd, quiet, unit)
	m, err := run(progress)
	endProgress()
	if err != nil {
		return err
	}
	if !quiet {
		printManifest(cmd.ErrOrStderr(), m, out)
	}
	return nil
}

// maxListedScopes bounds the collected scopes listed one by one: an
// organisation has thousands, and the skipped ones are what needs reading.
const maxListedScopes = 30

// printManifest summarises a collection on standard error: every scope of
// a small one; for a large one the count of scopes collected and every
// skipped one. Scope names, the caller and the cloud's error messages are
// the cloud's text: printed inert (inert.Fprintf).
func printManifest(w io.Writer, m *collect.Manifest, out string) {
	inert.Fprintf(w, "collected %s %s as %s into %s\n", m.Cloud, m.Account, m.Caller, out)
	for _, n := range m.Notes {
		inert.Fprintf(w, "  NOTE %s\n", n)
	}
	if len(m.Collected) <= maxListedScopes {
		for _, s := range m.Collected {
			if s.Note != "" {
				inert.Fprintf(w, "  collected %s: %d files (%s)\n", s.Name, len(s.Files), s.Note)
				continue
			}
			inert.Fprintf(w, "  collected %s: %d files\n", s.Name, len(s.Files))
		}
	}
	for _, s := range m.Skipped {
		inert.Fprintf(w, "  SKIPPED %s: %s\n", s.Name, s.Error)
	}
	if len(m.Collected) > maxListedScopes {
		inert.Fprintf(w, "  collected %d scopes (listed in %s)\n", len(m.Collected), collect.ManifestName)
	}
	if m.Interrupted {
		fmt.Fprintln(w, "  INTERRUPTED: the snapshot is consistent but incomplete; collection.json says what is missing")
	}
}
