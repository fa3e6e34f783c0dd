package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/model"
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
	// --fail-on is checked here, before anything runs: analyze --collect
	// would otherwise collect for minutes before refusing it.
	if fl := f.Lookup("fail-on"); fl != nil {
		if v := fl.Value.String(); v != "" {
			if _, ok := model.SeverityRank[v]; !ok {
				return usageError{fmt.Errorf("--fail-on %q: one of %s", v, strings.Join(severities, ", "))}
			}
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

// severities are the values of --fail-on, least severe first.
var severities = []string{"info", "low", "medium", "high", "critical"}

// The flags several commands share, declared once with one help text.

// addRuleFlags declares --policy, --data and --catalog: extra Rego rules,
// rules' data and capability catalog entries.
func addRuleFlags(f *pflag.FlagSet, o *analyzer.Options) {
	f.StringArrayVar(&o.PolicyDirs, "policy", nil, "directory or file of extra Rego rules (repeatable)")
	f.StringArrayVar(&o.DataFiles, "data", nil, "JSON or YAML data merged into the rules' data, e.g. approved publishers (repeatable)")
	addCatalogFlag(f, o)
}

// addCatalogFlag declares --catalog alone (who-can reads no rules).
func addCatalogFlag(f *pflag.FlagSet, o *analyzer.Options) {
	f.StringArrayVar(&o.CatalogFiles, "catalog", nil, "extra capability catalog file (repeatable)")
}

// addConfigFlags declares --config and --no-config, which exclude each
// other; more says what the configuration does for the command, if
// anything beyond the usual, and pathFallback whether the command also
// looks for the file in the PATH directory.
func addConfigFlags(cmd *cobra.Command, o *analyzer.Options, noConfig *bool, more string, pathFallback bool) {
	f := cmd.Flags()
	help := "configuration: approved publishers, suppressions, severity overrides"
	if more != "" {
		help += " (" + more + ")"
	}
	def := "./" + config.DefaultName
	if pathFallback {
		def += ", else that of the PATH directory"
	}
	f.StringVar(&o.Config, "config", "", help+"; default: "+def+"; docs/config.md")
	f.BoolVar(noConfig, "no-config", false, "read no configuration file: do not look for a "+config.DefaultName)
	cmd.MarkFlagsMutuallyExclusive("config", "no-config")
}

// addMaxDepthFlag declares --max-depth.
func addMaxDepthFlag(f *pflag.FlagSet, o *analyzer.Options) {
	f.IntVar(&o.MaxDepth, "max-depth", 0, "longest chain of transitive access to follow (0: unlimited)")
}
