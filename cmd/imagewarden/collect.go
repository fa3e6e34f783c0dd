package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/analyzer/collect/awscollect"
)

type collectOptions struct {
	out         string
	profile     string
	regions     []string
	concurrency int
	quiet       bool
	assumeRole  string
	accounts    []string
}

func newCollectCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Collect a read-only snapshot from a cloud, in the files analyze reads",
	}
	cmd.AddCommand(newCollectAWSCmd())
	cmd.AddCommand(newCollectGCPCmd())
	cmd.AddCommand(newCollectAzureCmd())
	return cmd
}

func newCollectAWSCmd() *cobra.Command {
	o := &collectOptions{}
	cmd := &cobra.Command{
		Use:   "aws --out DIR",
		Short: "Collect IAM, ECR and ECR Public, AMIs with their sharing, Image Builder, launch templates and AMI parameters (read-only calls only), for one account or a whole organization",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			var opts []func(*config.LoadOptions) error
			if o.profile != "" {
				opts = append(opts, config.WithSharedConfigProfile(o.profile))
			}
			// Throttling across many calls: more attempts and a longer,
			// jittered backoff than the SDK's defaults.
			opts = append(opts, config.WithRetryer(func() aws.Retryer {
				return retry.AddWithMaxAttempts(retry.NewStandard(func(s *retry.StandardOptions) { s.MaxBackoff = 20e9 }), 10)
			}))
			cfg, err := config.LoadDefaultConfig(cmd.Context(), opts...)
			if err != nil {
				return err
			}
			// No --region: the collector lists each account's enabled
			// regions and collects them all. No region configured (the
			// SDK defaults none): the collector chooses the home region
			// and records it in collection.json (docs/collect.md).
			opts2 := awscollect.Options{Out: o.out, Regions: o.regions, Concurrency: o.concurrency, Config: cfg, AssumeRole: o.assumeRole, Accounts: o.accounts}
			return runCollector(cmd, o.quiet, "accounts", o.out, func(p collect.Progress) (*collect.Manifest, error) {
				opts2.Progress = p
				return awscollect.Collect(cmd.Context(), opts2)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "directory to write the snapshot to")
	forceFlag(f)
	f.StringVar(&o.profile, "profile", "", "AWS shared configuration profile")
	f.StringArrayVar(&o.regions, "region", nil, "region to collect (repeatable; default: every region enabled in each account); with no region configured, the first also chooses the partition of the account-wide calls")
	f.IntVar(&o.concurrency, "concurrency", 4, "regions collected at once (accounts, with --assume-role)")
	f.BoolVar(&o.quiet, "quiet", false, "no progress on standard error")
	f.StringVar(&o.assumeRole, "assume-role", "", "collect every account of the organization (or --accounts) by assuming this role name in each")
	f.StringSliceVar(&o.accounts, "accounts", nil, "with --assume-role: only these account ids (default: all active accounts of the organization)")
	return cmd
}
