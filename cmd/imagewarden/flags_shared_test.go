package main

import (
	"errors"
	"strings"
	"testing"
)

// A bad --fail-on is a usage error before anything runs: analyze --collect
// does not collect first (the collector would need credentials and a
// network, which the test has not: reaching it would fail differently).
func TestFailOnCheckedFirst(t *testing.T) {
	for _, args := range [][]string{
		{"analyze", demo, "--fail-on", "bogus"},
		{"analyze", "--collect", "aws", "--fail-on", "severe"},
		{"diff", demo, demo, "--fail-on", "bogus"},
	} {
		_, err := run(t, "", args...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--fail-on") || !strings.Contains(err.Error(), "critical") {
			t.Errorf("%q: %T %v, want a usage error naming --fail-on and its values", args, err, err)
		}
	}
}

// The shared flags are declared once (flags.go): every command that has
// one has the same help text for it.
func TestSharedFlagsHaveOneHelp(t *testing.T) {
	root := newRoot()
	help := map[string]map[string]string{} // flag -> command -> usage
	for _, cmd := range root.Commands() {
		for _, name := range []string{"policy", "data", "catalog", "max-depth", "no-config"} {
			if fl := cmd.Flags().Lookup(name); fl != nil {
				if cmd.Name() == "simulate" && name == "policy" {
					continue // simulate's --policy is an identity policy file, not Rego
				}
				if help[name] == nil {
					help[name] = map[string]string{}
				}
				help[name][cmd.Name()] = fl.Usage
			}
		}
	}
	for name, byCmd := range help {
		var first, firstCmd string
		for c, u := range byCmd {
			if first == "" {
				first, firstCmd = u, c
			} else if u != first {
				t.Errorf("--%s: %s says %q, %s says %q", name, firstCmd, first, c, u)
			}
		}
	}
	if len(help["max-depth"]) < 5 || len(help["catalog"]) < 4 {
		t.Errorf("shared flags not found where expected: %v", help)
	}
}
