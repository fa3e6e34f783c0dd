package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/internal/version"
)

// `imagewarden version` prints the version reports carry, first.
func TestVersionCommand(t *testing.T) {
	out, err := run(t, "", "version")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(out, "\n")
	if first != "imagewarden "+version.String() {
		t.Errorf("first line %q, want %q", first, "imagewarden "+version.String())
	}
	if !strings.Contains(out, "module   github.com/imagewarden/imagewarden") || !strings.Contains(out, "go       go") {
		t.Errorf("version output lacks the module or the Go version:\n%s", out)
	}
	out, err = run(t, "", "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if b.Version != version.String() || b.Module == "" || b.Go == "" || b.Platform == "" {
		t.Errorf("version --json: %+v", b)
	}
	if _, err := run(t, "", "version", "extra"); err == nil {
		t.Error("version with an argument: want an error")
	}
}
