package main

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/analyzer/collect/azurecollect"
)

type collectAzureOptions struct {
	out             string
	subscriptions   []string
	managementGroup string
	groups          bool
	concurrency     int
	quiet           bool
}

func newCollectAzureCmd() *cobra.Command {
	o := &collectAzureOptions{}
	cmd := &cobra.Command{
		Use:   "azure --out DIR",
		Short: "Collect Azure role assignments, role definitions, deny assignments, management groups, registries, galleries and managed identities (read-only calls only)",
		Long: "Collects the Azure RBAC of a tenant (every visible subscription, a management group, or some subscriptions) with the\n" +
			"default Azure credential chain (environment, workload identity, managed identity, az login, ...) into the files\n" +
			"analyze reads. See docs/collect-azure.md for the read-only role it needs.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			cred, err := azidentity.NewDefaultAzureCredential(nil)
			if err != nil {
				return fmt.Errorf("azure credential: %w", err)
			}
			return runCollector(cmd, o.quiet, "scopes", o.out, func(p collect.Progress) (*collect.Manifest, error) {
				return azurecollect.Collect(cmd.Context(), azurecollect.Options{Out: o.out, Subscriptions: o.subscriptions,
					ManagementGroup: o.managementGroup, Groups: o.groups, Concurrency: o.concurrency, Credential: cred, Progress: p})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "directory to write the snapshot to")
	forceFlag(f)
	f.StringArrayVar(&o.subscriptions, "subscription", nil, "subscription id to collect (repeatable; default: every subscription the credential can see)")
	f.StringVar(&o.managementGroup, "management-group", "", "collect this management group (its id, not its display name) and every subscription below it")
	f.BoolVar(&o.groups, "groups", false, "also read the members of the Entra ID groups that hold role assignments (Microsoft Graph, GroupMember.Read.All)")
	f.IntVar(&o.concurrency, "concurrency", 4, "management groups and subscriptions collected at once")
	f.BoolVar(&o.quiet, "quiet", false, "no progress on standard error")
	cmd.MarkFlagsMutuallyExclusive("subscription", "management-group")
	return cmd
}
