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

// Exit codes, for scripts and pull-request bots (docs/reports.md). A
// pipeline tells "the analysis found something" (1) from "the analysis
// did not run as asked" (2), so a typo never passes for a clean result.
const (
	exitOK       = 0
	exitFindings = 1 // --fail-on matched an unsuppressed finding, or --strict an incomplete analysis
	exitError    = 2 // bad usage or input: unknown flag or format, unreadable path, failed write
)

// errFindings reports that findings at or above --fail-on exist, or, with
// --strict, that the analysis skipped something (incomplete: how many
// files, scopes and items).
type errFindings struct{ n, incomplete int }

func (e errFindings) Error() string {
	if e.n == 0 {
		return fmt.Sprintf("--strict: the analysis is incomplete: %d input files, collection scopes or items were skipped (see the report)", e.incomplete)
	}
	return fmt.Sprintf("%d findings at or above the --fail-on severity", e.n)
}

// errReview reports that diff --fail-on could not vouch for a change:
// values unknown until apply, resources not evaluated or inputs skipped.
type errReview struct{ n int }

func (e errReview) Error() string {
	return fmt.Sprintf("the change needs review: %d thing(s) the analysis could not decide (see the report)", e.n)
}

// usageError marks a command line cobra could not parse; main adds a
// pointer to --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "imagewarden",
		Short:         "Who can implant an image: exact image-write access across cloud IAM (T1525)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newAnalyzeCmd(), newWhoCanCmd(), newSimulateCmd(), newPathCmd(), newCollectCmd(), newRemediateCmd(), newDiffCmd(), newVersionCmd())
	// Subcommands inherit the root's flag error handler.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkFlags(cmd) }
	return root
}

// exitCode maps what a command returned to the process's exit code.
func exitCode(err error) int {
	var ef errFindings
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ef), errors.As(err, new(errReview)):
		return exitFindings
	}
	return exitError
}

func main() {
	tuneGC()
	// Ctrl-C or SIGTERM cancels the context: collectors stop starting
	// work, write a manifest marked interrupted, and leave only whole
	// files behind; the analysis stops between files and stages. A
	// watchdog exits if the command has not returned a second later
	// (signals.go says why).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, interrupted := watchSignals(context.Background(), sigs, os.Stderr, interruptGrace, os.Exit)
	err := newRoot().ExecuteContext(ctx)
	interrupted.finish()
	signal.Stop(sigs)
	code, err := finalStatus(err, interrupted.exitCode())
	if err != nil {
		printError(os.Stderr, err)
	}
	os.Exit(code)
}

// finalStatus is the process's exit code and the error left to print,
// given what the command returned and the exit code of the signal that
// stopped it (0: none). After a signal the run did not finish, whatever
// the command made of it (a collection writes its manifest marked
// interrupted and returns nil): a script must not read it as a success.
// "interrupted" has been said, so a cancellation error is not repeated.
func finalStatus(err error, sig int) (int, error) {
	if sig == 0 {
		return exitCode(err), err
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return sig, err
}
