package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/internal/version"
)

// buildInfo is what `imagewarden version` prints: the version every report
// carries (internal/version), and where it comes from, so that a report
// can be reproduced with the same build.
type buildInfo struct {
	Version  string `json:"version"`
	Module   string `json:"module"`
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version.String(), Module: "github.com/imagewarden/imagewarden", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Path != "" {
		b.Module = info.Main.Path
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of this build (the one every report carries) and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := readBuildInfo()
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			fmt.Fprintf(w, "imagewarden %s\n", b.Version)
			fmt.Fprintf(w, "module   %s\n", b.Module)
			if b.Commit != "" {
				c := b.Commit
				if b.Time != "" {
					c += " (" + b.Time + ")"
				}
				if b.Modified {
					c += ", with uncommitted changes"
				}
				fmt.Fprintf(w, "commit   %s\n", c)
			}
			fmt.Fprintf(w, "go       %s %s\n", b.Go, b.Platform)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the build information as JSON")
	return cmd
}
