package main

import (
	"strings"
	"testing"
)

// TestCollectGCPFlags: the scope is exactly one of --organization,
// --folder and --project, and --out is required; each mistake is refused
// before any credential is looked for.
func TestCollectGCPFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"collect", "gcp", "--out", t.TempDir()}, "at least one of the flags in the group [organization folder project] is required"},
		{[]string{"collect", "gcp", "--organization", "1", "--project", "nw-shop-prod", "--out", t.TempDir()}, "none of the others can be"},
		{[]string{"collect", "gcp", "--organization", "1"}, "--out DIR is required"},
	} {
		_, err := run(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	out, err := run(t, "", "collect", "--help")
	if err != nil || !strings.Contains(out, "gcp") {
		t.Errorf("collect --help should list gcp: %v\n%s", err, out)
	}
}
