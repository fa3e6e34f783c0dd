package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/analyzer/collect/gcpcollect"
)

type collectGCPOptions struct {
	out                           string
	organization, folder, project string
	groups                        bool
	locations                     []string
	concurrency                   int
	quiet                         bool
}

func newCollectGCPCmd() *cobra.Command {
	o := &collectGCPOptions{}
	cmd := &cobra.Command{
		Use:   "gcp (--organization ID | --folder ID | --project ID) --out DIR",
		Short: "Collect allow and deny policies, roles, projects and folders, Artifact Registry repositories and (with --groups) group memberships of a Google Cloud organization, folder or project (read-only calls only)",
		Long: `Collect a read-only snapshot of a Google Cloud organization, folder or
project with Application Default Credentials (gcloud auth
application-default login, GOOGLE_APPLICATION_CREDENTIALS, or the metadata
server), into the files analyze reads. docs/collect-gcp.md lists the
files and the minimal read-only role.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			opts := gcpcollect.Options{Out: o.out, Organization: o.organization, Folder: o.folder, Project: o.project,
				Groups: o.groups, Locations: o.locations, Concurrency: o.concurrency,
				// Throttling across thousands of calls: up to 10 attempts,
				// 30 s at most between them.
				Retry:  collect.RetryTransport{MaxAttempts: 10, BaseBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second},
				Caller: gcpcollect.Caller(cmd.Context())}
			return runCollector(cmd, o.quiet, "projects", o.out, func(p collect.Progress) (*collect.Manifest, error) {
				opts.Progress = p
				return gcpcollect.Collect(cmd.Context(), opts)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "directory to write the snapshot to")
	forceFlag(f)
	f.StringVar(&o.organization, "organization", "", "organization ID (a number) to collect")
	f.StringVar(&o.folder, "folder", "", "folder ID (a number) to collect, with what it inherits from above")
	f.StringVar(&o.project, "project", "", "project ID to collect, with what it inherits from above")
	f.BoolVar(&o.groups, "groups", false, "also collect the Cloud Identity memberships of every group the policies name, nested groups included")
	f.StringSliceVar(&o.locations, "location", nil, "Artifact Registry locations to list (repeatable; default: every location)")
	f.IntVar(&o.concurrency, "concurrency", 4, "projects collected at once")
	f.BoolVar(&o.quiet, "quiet", false, "no progress on standard error")
	cmd.MarkFlagsMutuallyExclusive("organization", "folder", "project")
	cmd.MarkFlagsOneRequired("organization", "folder", "project")
	return cmd
}
