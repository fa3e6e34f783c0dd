// Command imagewarden answers who can create, modify, push or share the
// machine and container images an organisation runs (MITRE ATT&CK T1525),
// from the cloud's own exports.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, for scripts and pull-request bots.
const (
	exitOK       = 0
	exitError    = 1 // bad usage, unreadable configuration
	exitFindings = 3 // --fail-on matched a finding
)

// errFindings reports that findings at or above --fail-on exist.
type errFindings struct{ n int }

func (e errFindings) Error() string {
	return fmt.Sprintf("%d findings at or above the --fail-on severity", e.n)
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "imagewarden",
		Short:         "Who can implant an image: exact image-write access across cloud IAM (T1525)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newAnalyzeCmd(), newWhoCanCmd(), newSimulateCmd(), newPathCmd(), newCollectCmd())
	return root
}

func main() {
	// Ctrl-C cancels the context: collectors stop starting work, write a
	// manifest marked interrupted, and leave only whole files behind.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	var ef errFindings
	switch {
	case err == nil:
		os.Exit(exitOK)
	case errors.As(err, &ef):
		fmt.Fprintln(os.Stderr, "imagewarden:", err)
		os.Exit(exitFindings)
	default:
		fmt.Fprintln(os.Stderr, "imagewarden:", err)
		os.Exit(exitError)
	}
}
