package analyzer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// loadWithin runs LoadInputs on paths and fails the test if it has not
// returned within a generous deadline: a regression (a FIFO blocking in
// open or read) then fails instead of hanging the suite.
func loadWithin(t *testing.T, paths ...string) ([]model.Source, error) {
	t.Helper()
	type result struct {
		srcs []model.Source
		err  error
	}
	done := make(chan result, 1)
	go func() {
		srcs, err := LoadInputs(context.Background(), paths, Providers())
		done <- result{srcs, err}
	}()
	select {
	case r := <-done:
		return r.srcs, r.err
	case <-time.After(10 * time.Second):
		// The goroutine stays blocked; the test binary exits anyway.
		t.Fatalf("LoadInputs(%v) did not return within 10 s", paths)
		return nil, nil
	}
}

// sourceOf is the source of path, failing the test when there is none.
func sourceOf(t *testing.T, srcs []model.Source, path string) model.Source {
	t.Helper()
	for _, s := range srcs {
		if s.Path == path {
			return s
		}
	}
	t.Fatalf("no source for %s in %+v", path, srcs)
	return model.Source{}
}

// wantSkipped checks that path is reported as skipped with a message
// containing every one of want.
func wantSkipped(t *testing.T, srcs []model.Source, path string, want ...string) {
	t.Helper()
	s := sourceOf(t, srcs, path)
	if s.Error == "" {
		t.Errorf("%s: read as %q, want it skipped", path, s.Kind)
		return
	}
	for _, w := range want {
		if !strings.Contains(s.Error, w) {
			t.Errorf("%s: error %q does not say %q", path, s.Error, w)
		}
	}
}

// wantRead checks that path was read (and recognised).
func wantRead(t *testing.T, srcs []model.Source, path string) {
	t.Helper()
	if s := sourceOf(t, srcs, path); s.Error != "" || s.Kind == "" {
		t.Errorf("%s: want it read, got %+v", path, s)
	}
}

// goodInput is a small recognised input (an empty IAM export).
const goodInput = `{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}`

func writeGood(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(goodInput), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mkfifo makes a named pipe, skipping the test where there are none.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if makeFIFO == nil {
		t.Skipf("%s has no named pipes in the file system (no syscall.Mkfifo)", runtime.GOOS)
	}
	if err := makeFIFO(path); err != nil {
		t.Fatal(err)
	}
}

func TestInputsFIFOInDirectory(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.json")
	mkfifo(t, fifo)
	writeGood(t, filepath.Join(dir, "iam.json"))
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, fifo, "not a regular file", "named pipe")
	wantRead(t, srcs, filepath.Join(dir, "iam.json"))
}

func TestInputsFIFOAsPath(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "x.json")
	mkfifo(t, fifo)
	srcs, err := loadWithin(t, fifo)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, fifo, "not a regular file", "named pipe")
}

func TestInputsSymlinkToDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	// Lower the limit: a regression then fails on the size, not by
	// running out of memory.
	defer func(n int64) { maxInputSize = n }(maxInputSize)
	maxInputSize = 1 << 20
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, link, "not a regular file", "character device", "/dev/zero")
}

func TestInputsSymlinkToFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(t.TempDir(), "pipe")
	mkfifo(t, fifo)
	link := filepath.Join(dir, "pipe.json")
	if err := os.Symlink(fifo, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	for _, path := range []string{dir, link} {
		srcs, err := loadWithin(t, path)
		if err != nil {
			t.Fatal(err)
		}
		wantSkipped(t, srcs, link, "not a regular file", "named pipe")
	}
}

func TestInputsLargerThanLimit(t *testing.T) {
	defer func(n int64) { maxInputSize = n }(maxInputSize)
	maxInputSize = 64
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"Images": [`+strings.Repeat(`{}, `, 40)+`{}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	exact := filepath.Join(dir, "exact.json")
	if err := os.WriteFile(exact, []byte(`{"Images": []}`+strings.Repeat(" ", 64-14)), 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, big, "larger than 64 bytes")
	wantRead(t, srcs, exact)
}

// TestInputsLimitWhileReading checks the limit on the bytes read, not on
// what stat says: a file that grows, or a device that says it is empty,
// is cut at the limit.
func TestInputsLimitWhileReading(t *testing.T) {
	for _, tc := range []struct {
		n       int
		wantErr bool
	}{{99, false}, {100, false}, {101, true}, {1 << 20, true}} {
		data, err := readLimited(strings.NewReader(strings.Repeat("x", tc.n)), 0, 100)
		switch {
		case tc.wantErr && (err == nil || !strings.Contains(err.Error(), "larger than 100 bytes")):
			t.Errorf("%d bytes: want a size error, got %v", tc.n, err)
		case tc.wantErr && len(data) > 101:
			t.Errorf("%d bytes: read %d bytes, more than the limit + 1", tc.n, len(data))
		case !tc.wantErr && (err != nil || len(data) != tc.n):
			t.Errorf("%d bytes: got %d bytes, %v", tc.n, len(data), err)
		}
	}
}

func TestInputsUnreadableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced (TestInputsDirectoryReadError covers the same path without chmod)")
	}
	if runtime.GOOS == "windows" {
		t.Skip("chmod 000 does not make a directory unreadable on Windows")
	}
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	writeGood(t, filepath.Join(locked, "inside.json"))
	writeGood(t, filepath.Join(dir, "a.json"))
	writeGood(t, filepath.Join(dir, "z", "b.json"))
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, locked, "permission denied")
	wantRead(t, srcs, filepath.Join(dir, "a.json"))
	wantRead(t, srcs, filepath.Join(dir, "z", "b.json"))
}

// TestInputsDirectoryReadError covers unreadable directories without
// chmod (which root ignores): listing one directory fails, the walk goes
// on.
func TestInputsDirectoryReadError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	writeGood(t, filepath.Join(bad, "inside.json"))
	writeGood(t, filepath.Join(dir, "a.json"))
	writeGood(t, filepath.Join(dir, "z", "b.json"))
	defer func(f func(string) ([]fs.DirEntry, error)) { readDir = f }(readDir)
	readDir = func(name string) ([]fs.DirEntry, error) {
		if name == bad {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("injected failure")}
		}
		return os.ReadDir(name)
	}
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, bad, "directory", "injected failure")
	wantRead(t, srcs, filepath.Join(dir, "a.json"))
	wantRead(t, srcs, filepath.Join(dir, "z", "b.json"))
	for _, s := range srcs {
		if s.Path == filepath.Join(bad, "inside.json") {
			t.Errorf("read a file of a directory that could not be listed: %+v", s)
		}
	}
	// The root itself.
	readDir = func(name string) ([]fs.DirEntry, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("injected failure")}
	}
	srcs, err = loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, dir, "injected failure")
}

func TestInputsSymlinkLoopAndDangling(t *testing.T) {
	dir := t.TempDir()
	loop, dangling := filepath.Join(dir, "loop.json"), filepath.Join(dir, "dangling.json")
	if err := os.Symlink("loop.json", loop); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing.json"), dangling); err != nil {
		t.Fatal(err)
	}
	writeGood(t, filepath.Join(dir, "iam.json"))
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped(t, srcs, loop, "symbolic link")
	wantSkipped(t, srcs, dangling, "symbolic link", "missing.json")
	wantRead(t, srcs, filepath.Join(dir, "iam.json"))
}

func TestInputsSymlinks(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "target")
	writeGood(t, filepath.Join(target, "iam.json"))
	dir := filepath.Join(base, "in")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(dir, "more")
	if err := os.Symlink(target, linkedDir); err != nil {
		t.Skip("no symbolic links:", err)
	}
	linkedFile := filepath.Join(dir, "linked.json")
	if err := os.Symlink(filepath.Join(target, "iam.json"), linkedFile); err != nil {
		t.Fatal(err)
	}
	// In a walk: a link to a file is read, a link to a directory is
	// reported and not followed.
	srcs, err := loadWithin(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	wantRead(t, srcs, linkedFile)
	wantSkipped(t, srcs, linkedDir, "symbolic link to a directory", "not followed")
	if len(srcs) != 2 {
		t.Errorf("want 2 sources, got %+v", srcs)
	}
	// Given on the command line, a link to a directory is walked.
	srcs, err = loadWithin(t, linkedDir)
	if err != nil {
		t.Fatal(err)
	}
	wantRead(t, srcs, filepath.Join(linkedDir, "iam.json"))
}

func TestInputsMissingPathIsAnError(t *testing.T) {
	_, err := loadWithin(t, filepath.Join(t.TempDir(), "missing"))
	if err == nil {
		t.Fatal("a PATH that does not exist should be an error")
	}
}

func TestInputsCancelled(t *testing.T) {
	dir := t.TempDir()
	writeGood(t, filepath.Join(dir, "iam.json"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadInputs(ctx, []string{dir}, Providers()); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadInputs on a cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := Analyze(ctx, Options{Paths: []string{dir}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Analyze on a cancelled context: got %v, want context.Canceled", err)
	}
}
