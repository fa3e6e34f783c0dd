package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// interruptGrace is how long a command has, after the first Ctrl-C or
// SIGTERM, to return on its own before the watchdog exits the process.
const interruptGrace = time.Second

// Why a watchdog: the first signal cancels the command's context, and
// that is the orderly way to stop. Collectors stop starting work and write
// a manifest marked interrupted (only whole files: collect.WriteJSON
// renames a finished temporary file into place), and the analysis checks
// the context between files and stages. But a single stage can run for
// minutes without looking at the context (one provider's Evaluate on a
// large organisation, the rules, fix planning), and a process that ignores
// Ctrl-C for minutes is broken. So if the command has not returned within
// interruptGrace of the first signal, the watchdog exits with the shell's
// code for the signal (130 for SIGINT, 143 for SIGTERM); a second signal
// exits at once. Exiting this way skips deferred clean-ups (the temporary
// snapshot directory of analyze --collect stays behind); files already
// written are whole.

// interrupts watches for SIGINT and SIGTERM on behalf of main.
type interrupts struct {
	mu       sync.Mutex
	code     int // 128 + the first signal's number; 0 before any
	finished chan struct{}
	once     sync.Once
}

// signalExitCode is the exit code of a process stopped by sig, as shells
// report it: 128 + its number.
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// watchSignals returns a context that the first signal received on sigs
// cancels, after saying "imagewarden: interrupted" on stderr. Then, unless
// finish is called within grace, it calls exit with the signal's exit
// code; a second signal calls it at once.
func watchSignals(parent context.Context, sigs <-chan os.Signal, stderr io.Writer, grace time.Duration, exit func(int)) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	in := &interrupts{finished: make(chan struct{})}
	go func() {
		defer cancel()
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-in.finished:
			return
		}
		code := signalExitCode(sig)
		in.mu.Lock()
		in.code = code
		in.mu.Unlock()
		fmt.Fprintln(stderr, "imagewarden: interrupted")
		cancel()
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-in.finished:
		case <-timer.C:
			exit(code)
		case sig = <-sigs:
			exit(signalExitCode(sig))
		}
	}()
	return ctx, in
}

// finish tells the watchdog that the command has returned: main exits on
// its own now.
func (in *interrupts) finish() { in.once.Do(func() { close(in.finished) }) }

// exitCode is the signal's exit code once one was received, else 0.
func (in *interrupts) exitCode() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.code
}
