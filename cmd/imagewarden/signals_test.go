package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the watchdog's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatchSignals(t *testing.T) {
	type step struct {
		name    string
		signals []os.Signal
		finish  bool // the command returns right after the signals
		want    int  // exit code the watchdog calls; -1: none
	}
	for _, tc := range []step{
		{"no signal", nil, true, -1},
		{"returns in time", []os.Signal{syscall.SIGINT}, true, -1},
		{"SIGINT, command hangs", []os.Signal{syscall.SIGINT}, false, 130},
		{"SIGTERM, command hangs", []os.Signal{syscall.SIGTERM}, false, 143},
		{"second signal", []os.Signal{syscall.SIGTERM, syscall.SIGINT}, false, 130},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			exited := make(chan int, 2)
			var stderr syncBuffer
			grace := 200 * time.Millisecond
			if len(tc.signals) > 1 {
				grace = time.Hour // only the second signal can exit
			}
			ctx, in := watchSignals(context.Background(), sigs, &stderr, grace, func(code int) { exited <- code })
			for _, s := range tc.signals {
				sigs <- s
			}
			if len(tc.signals) > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the signal did not cancel the context")
				}
				if got := stderr.String(); got != "imagewarden: interrupted\n" {
					t.Errorf("stderr %q", got)
				}
				if want := signalExitCode(tc.signals[0]); in.exitCode() != want {
					t.Errorf("exitCode() = %d, want %d", in.exitCode(), want)
				}
			} else if in.exitCode() != 0 {
				t.Errorf("exitCode() = %d before any signal", in.exitCode())
			}
			if tc.finish {
				in.finish()
			}
			select {
			case code := <-exited:
				if tc.want < 0 {
					t.Errorf("the watchdog exited with %d, want no exit", code)
				} else if code != tc.want {
					t.Errorf("exit code %d, want %d", code, tc.want)
				}
			case <-time.After(time.Second):
				if tc.want >= 0 {
					t.Errorf("the watchdog did not exit (want %d)", tc.want)
				}
			}
		})
	}
}

// largeGCPOrg writes a synthetic GCP organisation (gcloud asset
// search-all-iam-policies output) whose analysis takes far longer than the
// tests wait: projects with bindings of image-writing roles to many users
// and service accounts.
func largeGCPOrg(t *testing.T, dir string, projects, bindings int) {
	t.Helper()
	type binding struct {
		Role    string   `json:"role"`
		Members []string `json:"members"`
	}
	type result struct {
		Resource     string   `json:"resource"`
		AssetType    string   `json:"assetType"`
		Project      string   `json:"project"`
		Folders      []string `json:"folders"`
		Organization string   `json:"organization"`
		Policy       struct {
			Bindings []binding `json:"bindings"`
		} `json:"policy"`
	}
	roles := []string{"roles/viewer", "roles/artifactregistry.writer", "roles/compute.storageAdmin", "roles/editor",
		"roles/iam.serviceAccountUser", "roles/cloudbuild.builds.editor", "roles/run.developer", "roles/artifactregistry.reader"}
	var out []result
	n := 0
	for p := 0; p < projects; p++ {
		r := result{
			Resource:     fmt.Sprintf("//cloudresourcemanager.googleapis.com/projects/p%d", p),
			AssetType:    "cloudresourcemanager.googleapis.com/Project",
			Project:      fmt.Sprintf("projects/%d", 900000+p),
			Folders:      []string{fmt.Sprintf("folders/%d", 1000+p%20)},
			Organization: "organizations/100",
		}
		for b := 0; b < bindings; b++ {
			n++
			member := fmt.Sprintf("user:u%d@example.com", (n*7919)%(projects*5))
			if n%5 == 0 {
				member = fmt.Sprintf("serviceAccount:sa%d@p%d.iam.gserviceaccount.com", n%projects, (n*31)%projects)
			}
			r.Policy.Bindings = append(r.Policy.Bindings, binding{Role: roles[(n*13)%len(roles)], Members: []string{member}})
		}
		out = append(out, r)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policies.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptStopsAnalyze runs the built binary on an organisation that
// takes long to analyse, interrupts it, and checks that it exits within
// two seconds with the signal's exit code. A functional deadline, not a
// performance measurement.
func TestInterruptStopsAnalyze(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no SIGINT/SIGTERM to send on " + runtime.GOOS)
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary:", err)
	}
	bin := filepath.Join(t.TempDir(), "imagewarden")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	input := t.TempDir()
	largeGCPOrg(t, input, 400, 50)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "analyze", "--no-config", "-f", "json", "-o", filepath.Join(t.TempDir(), "report.json"), input)
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			defer cmd.Process.Kill()
			// Let it get into the analysis (the input alone takes a
			// moment to read).
			select {
			case err := <-done:
				t.Fatalf("the analysis finished before it was interrupted (%v): make the input larger\n%s", err, stderr.String())
			case <-time.After(1500 * time.Millisecond):
			}
			sent := time.Now()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10 s after %v\n%s", tc.sig, stderr.String())
			}
			took := time.Since(sent)
			t.Logf("exited %v after %v: %v", took.Round(time.Millisecond), tc.sig, cmd.ProcessState)
			if took > 2*time.Second {
				t.Errorf("exited %v after %v, want within 2 s", took.Round(time.Millisecond), tc.sig)
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("exit code %d (%v), want %d", got, cmd.ProcessState, tc.code)
			}
			if !strings.Contains(stderr.String(), "imagewarden: interrupted") {
				t.Errorf("stderr does not say it was interrupted: %q", stderr.String())
			}
		})
	}
}

// After a signal the exit code is the signal's, even when the command
// returned nil (an interrupted collection writes its manifest and returns).
func TestFinalStatus(t *testing.T) {
	for _, tc := range []struct {
		err      error
		sig      int
		code     int
		printErr bool
	}{
		{nil, 0, exitOK, false},
		{errFindings{n: 1}, 0, exitFindings, true},
		{nil, 130, 130, false},
		{context.Canceled, 143, 143, false},
		{errors.New("write failed"), 130, 130, true},
	} {
		code, err := finalStatus(tc.err, tc.sig)
		if code != tc.code || (err != nil) != tc.printErr {
			t.Errorf("finalStatus(%v, %d) = %d, %v; want %d, error printed %v", tc.err, tc.sig, code, err, tc.code, tc.printErr)
		}
	}
}
