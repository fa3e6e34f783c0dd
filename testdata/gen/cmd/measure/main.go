//go:build unix

// Command measure is the companion of testdata/gen for `make bench-scale`
// (testdata/gen/bench-scale.sh): it times what the benchmark needs without
// relying on /usr/bin/time, whose output differs between systems.
//
//	measure decode DIR...
//	    Decode-only: reads every *.json file under DIR as analyze walks
//	    it (recursively, directories starting with "." left out) and
//	    JSON-decodes it once, into generic values, on one goroutine;
//	    nothing else. Prints files, bytes and seconds as JSON.
//	measure run [-timeout D] [-max-rss BYTES] -- COMMAND ARGS...
//	    Runs COMMAND and prints its wall time, user and system CPU time
//	    and peak resident set size (getrusage of the child) as JSON. It
//	    stops the command (SIGINT, then SIGKILL five seconds later) after
//	    the timeout, or when its resident set passes -max-rss (checked in
//	    /proc four times a second, on Linux).
//	measure scale -bin IMAGEWARDEN -dir DIR -name S [-timeout D] [-max-rss BYTES] [-json FILE]
//	    Both, for one generated organization: decode-only, then
//	    `IMAGEWARDEN analyze DIR -f json -o /dev/null --fixes=false
//	    --no-config --profile DIR.profile`, and prints a Markdown table
//	    with the stage shares from the profile's stages.json.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "decode":
		var r decodeResult
		r, err = decodeOnly(os.Args[2:])
		if err == nil {
			printJSON(r)
		}
	case "run":
		fl := flag.NewFlagSet("run", flag.ExitOnError)
		timeout := fl.Duration("timeout", 0, "stop the command after this long (0: never)")
		maxRSS := fl.String("max-rss", "", "stop the command when its resident set passes this (e.g. 20GiB)")
		fl.Parse(os.Args[2:])
		var limit int64
		if limit, err = parseBytes(*maxRSS); err == nil {
			var r runResult
			r, err = run(fl.Args(), *timeout, limit)
			if err == nil {
				printJSON(r)
			}
		}
	case "scale":
		err = scale(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: measure decode DIR... | measure run [-timeout D] [-max-rss BYTES] -- COMMAND ARGS... | measure scale -bin BIN -dir DIR -name NAME")
	os.Exit(2)
}

func printJSON(v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Println(string(b))
}

type decodeResult struct {
	Files   int     `json:"files"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
}

// decodeOnly reads and decodes every *.json file under the directories
// once: the floor under what an analysis of them can cost.
func decodeOnly(dirs []string) (decodeResult, error) {
	var r decodeResult
	var files []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && p != d && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if !e.IsDir() && strings.EqualFold(filepath.Ext(p), ".json") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return r, err
		}
	}
	sort.Strings(files)
	runtime.GC()
	start := time.Now()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return r, err
		}
		// A JSON value, or JSON lines: decode every value.
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var v any
			err := dec.Decode(&v)
			if err == io.EOF {
				break
			}
			if err != nil {
				return r, fmt.Errorf("%s: %w", f, err)
			}
		}
		r.Files++
		r.Bytes += int64(len(b))
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

type runResult struct {
	Command     []string `json:"command"`
	WallSeconds float64  `json:"wall_seconds"`
	UserSeconds float64  `json:"user_seconds"`
	SysSeconds  float64  `json:"sys_seconds"`
	MaxRSSBytes int64    `json:"max_rss_bytes"`
	ExitCode    int      `json:"exit_code"`
	// Stopped says why measure stopped the command before it finished.
	Stopped string `json:"stopped,omitempty"`
}

func run(args []string, timeout time.Duration, maxRSS int64) (runResult, error) {
	r := runResult{Command: args}
	if len(args) == 0 {
		return r, errors.New("run: no command")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	stop := func(why string) {
		r.Stopped = why
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
wait:
	for {
		select {
		case <-done:
			break wait
		case <-ctx.Done():
			stop(fmt.Sprintf("did not finish in %s", timeout))
			break wait
		case <-tick.C:
			if rss := currentRSS(cmd.Process.Pid); maxRSS > 0 && rss > maxRSS {
				stop(fmt.Sprintf("resident set passed %s", formatBytes(maxRSS)))
				break wait
			}
		}
	}
	r.WallSeconds = time.Since(start).Seconds()
	st := cmd.ProcessState
	r.ExitCode = st.ExitCode()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		r.UserSeconds = time.Duration(ru.Utime.Nano()).Seconds()
		r.SysSeconds = time.Duration(ru.Stime.Nano()).Seconds()
		r.MaxRSSBytes = int64(ru.Maxrss)
		if runtime.GOOS != "darwin" {
			r.MaxRSSBytes *= 1024 // kilobytes everywhere but macOS
		}
	}
	return r, nil
}

// currentRSS reads VmRSS from /proc (Linux); 0 elsewhere.
func currentRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func parseBytes(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				return 0, fmt.Errorf("-max-rss %q: %w", s, err)
			}
			return int64(v * float64(u.mult)), nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("-max-rss %q: a number of bytes, or with GiB, MiB, GB, MB", s)
	}
	return v, nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// stageFile is the part of analyze --profile's stages.json read here.
type stageFile struct {
	WallSeconds  float64 `json:"wall_seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	AllocBytes   uint64  `json:"alloc_bytes"`
	OtherSeconds float64 `json:"other_seconds"`
	Stages       []struct {
		Name       string  `json:"name"`
		Cloud      string  `json:"cloud"`
		Seconds    float64 `json:"seconds"`
		CPUSeconds float64 `json:"cpu_seconds"`
	} `json:"stages"`
	// Running: the stages an interrupted analysis had not finished.
	Running []struct {
		Name    string  `json:"name"`
		Cloud   string  `json:"cloud"`
		Seconds float64 `json:"seconds"`
	} `json:"running"`
}

type scaleResult struct {
	Name    string       `json:"name"`
	Dir     string       `json:"dir"`
	Decode  decodeResult `json:"decode_only"`
	Run     runResult    `json:"run"`
	Stages  *stageFile   `json:"stages,omitempty"`
	Profile string       `json:"profile_dir"`
}

func scale(args []string) error {
	fl := flag.NewFlagSet("scale", flag.ExitOnError)
	bin := fl.String("bin", "", "the imagewarden binary")
	dir := fl.String("dir", "", "the generated organization")
	name := fl.String("name", "", "the scale's name, for the table")
	timeout := fl.Duration("timeout", 0, "stop the analysis after this long (0: never)")
	maxRSS := fl.String("max-rss", "", "stop the analysis when its resident set passes this (e.g. 20GiB)")
	jsonOut := fl.String("json", "", "also write the figures as JSON to this file")
	fl.Parse(args)
	if *bin == "" || *dir == "" {
		return errors.New("scale: -bin and -dir are required")
	}
	limit, err := parseBytes(*maxRSS)
	if err != nil {
		return err
	}
	res := scaleResult{Name: *name, Dir: *dir, Profile: strings.TrimRight(*dir, "/") + ".profile"}
	if res.Decode, err = decodeOnly([]string{*dir}); err != nil {
		return err
	}
	os.RemoveAll(res.Profile)
	res.Run, err = run([]string{*bin, "analyze", *dir, "-f", "json", "-o", os.DevNull, "--fixes=false", "--no-config", "--profile", res.Profile}, *timeout, limit)
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(filepath.Join(res.Profile, "stages.json")); err == nil {
		var s stageFile
		if json.Unmarshal(b, &s) == nil {
			res.Stages = &s
		}
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Print(table(res))
	return nil
}

func table(r scaleResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n#### Scale %s\n\n| what | figure |\n| --- | --- |\n", r.Name)
	run := r.Run
	wall := fmt.Sprintf("%.1f s", run.WallSeconds)
	if run.Stopped != "" {
		wall = fmt.Sprintf("stopped after %.0f s: %s", run.WallSeconds, run.Stopped)
	} else if run.ExitCode != 0 {
		wall += fmt.Sprintf(" (exit code %d)", run.ExitCode)
	}
	cpu := run.UserSeconds + run.SysSeconds
	fmt.Fprintf(&b, "| input | %d files, %.1f MB |\n", r.Decode.Files, float64(r.Decode.Bytes)/1e6)
	fmt.Fprintf(&b, "| wall time of `analyze -f json --fixes=false` | %s |\n", wall)
	fmt.Fprintf(&b, "| peak RSS | %s |\n", formatBytes(run.MaxRSSBytes))
	fmt.Fprintf(&b, "| CPU time (user + system) / wall | %.1f s / %.1f s = %.2f |\n", cpu, run.WallSeconds, cpu/max(run.WallSeconds, 1e-9))
	fmt.Fprintf(&b, "| decode-only (read and JSON-decode every file once, one goroutine) | %.2f s |\n", r.Decode.Seconds)
	more := ""
	if run.Stopped != "" {
		more = "more than "
	}
	fmt.Fprintf(&b, "| analysis / decode-only | %s%.0f× |\n", more, run.WallSeconds/max(r.Decode.Seconds, 1e-9))
	if s := r.Stages; s != nil {
		var parts []string
		for _, st := range s.Stages {
			n := st.Name
			if st.Cloud != "" {
				n += " " + st.Cloud
			}
			parts = append(parts, fmt.Sprintf("%s %.0f%% (%.1f s)", n, 100*st.Seconds/max(s.WallSeconds, 1e-9), st.Seconds))
		}
		for _, st := range s.Running {
			n := st.Name
			if st.Cloud != "" {
				n += " " + st.Cloud
			}
			parts = append(parts, fmt.Sprintf("%s %.0f%% (%.1f s) when stopped, not finished", n, 100*st.Seconds/max(s.WallSeconds, 1e-9), st.Seconds))
		}
		parts = append(parts, fmt.Sprintf("other %.0f%%", 100*s.OtherSeconds/max(s.WallSeconds, 1e-9)))
		fmt.Fprintf(&b, "| stages (share of the wall time in --profile) | %s |\n", strings.Join(parts, ", "))
		for _, st := range s.Stages {
			if st.Name == "load" {
				fmt.Fprintf(&b, "| load stage (read, decode, plug-ins' load) / decode-only | %.1f s / %.2f s = %.1f× |\n", st.Seconds, r.Decode.Seconds, st.Seconds/max(r.Decode.Seconds, 1e-9))
			}
		}
		fmt.Fprintf(&b, "| allocated (whole run) | %.1f GB |\n", float64(s.AllocBytes)/1e9)
	} else {
		fmt.Fprintf(&b, "| stages | not recorded |\n")
	}
	return b.String()
}
