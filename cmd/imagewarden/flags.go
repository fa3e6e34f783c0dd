package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// formatsOf are the --format values of the commands that take one value
// (analyze's are checked by parseReports). A value outside the list is a
// usage error before anything runs, never a silent fallback to text.
var formatsOf = map[string][]string{
	"who-can":  {"table", "json"},
	"path":     {"text", "json"},
	"simulate": {"text", "json"},
}

// checkFlags refuses flag values and combinations that cannot mean
// anything, for every command, before it runs (exit code 2).
func checkFlags(cmd *cobra.Command) error {
	f := cmd.Flags()
	if fl := f.Lookup("max-depth"); fl != nil {
		if n, err := f.GetInt("max-depth"); err == nil && n < 0 {
			return usageError{fmt.Errorf("--max-depth %d: a number of steps, 0 for unlimited", n)}
		}
	}
	if allowed, ok := formatsOf[cmd.Name()]; ok {
		if v, err := f.GetString("format"); err == nil && !slices.Contains(allowed, v) {
			return usageError{fmt.Errorf("--format %q: one of %s", v, strings.Join(allowed, ", "))}
		}
	}
	switch cmd.Name() {
	case "analyze":
		if f.Changed("snapshot") && !f.Changed("collect") {
			return usageError{fmt.Errorf("--snapshot keeps the snapshot of --collect: give --collect CLOUD, or analyse the directory as a PATH")}
		}
	case "simulate":
		if f.Changed("batch") {
			for _, single := range []string{"format", "principal", "action", "resource", "policy", "boundary", "scp", "resource-policy", "context"} {
				if f.Changed(single) {
					return usageError{fmt.Errorf("--%s is for a single request: --batch reads each request, with its policies, from the file", single)}
				}
			}
		}
	}
	return nil
}
