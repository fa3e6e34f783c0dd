// Package collecttest holds the checks the collectors' tests share.
package collecttest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// CheckCallTable checks that a collector's table of calls (calls, by
// operation or method) is exactly what its fake answers (fake), and that
// every call the package's non-test Go files name through named (a regexp
// whose first group is the call) is in it: a call cannot be added without
// its permission. what names a call in the messages ("operation",
// "call").
func CheckCallTable(t *testing.T, calls, fake []string, named *regexp.Regexp, what string) {
	t.Helper()
	table := map[string]bool{}
	for _, c := range calls {
		table[c] = true
	}
	answered := map[string]bool{}
	for _, c := range fake {
		answered[c] = true
		if !table[c] {
			t.Errorf("the fake answers %s, which is not in calls (permissions.go): add it with the permission it needs", c)
		}
	}
	var listed []string
	for c := range table {
		listed = append(listed, c)
	}
	sort.Strings(listed)
	for _, c := range listed {
		if !answered[c] {
			t.Errorf("calls lists %s, which the fake does not answer", c)
		}
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllStringSubmatch(string(b), -1) {
			if !table[m[1]] {
				t.Errorf("%s names the %s %s, which is not in calls", f, what, m[1])
			}
		}
	}
}
