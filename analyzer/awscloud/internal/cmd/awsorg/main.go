// Command awsorg writes a synthetic AWS organization (package awsorg) into
// a directory, for timing the built binary on it:
//
//	go run ./analyzer/awscloud/internal/cmd/awsorg -accounts 10 -managed ../shared/datasets/aws-managed-policies.authorization-details.json -out /tmp/org10
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/imagewarden/imagewarden/analyzer/awscloud/internal/awsorg"
)

func main() {
	o := awsorg.Default(1)
	flag.IntVar(&o.Accounts, "accounts", 1, "accounts")
	flag.IntVar(&o.Roles, "roles", o.Roles, "roles per account")
	flag.IntVar(&o.Users, "users", o.Users, "users per account")
	flag.IntVar(&o.Repos, "repos", o.Repos, "ECR repositories per account")
	flag.IntVar(&o.Images, "images", o.Images, "AMIs per account")
	flag.Int64Var(&o.Seed, "seed", o.Seed, "random seed")
	flag.StringVar(&o.ManagedPolicies, "managed", "", "authorization-details file with the AWS managed policies (default: a small built-in set)")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "awsorg: -out is required")
		os.Exit(2)
	}
	if err := awsorg.Write(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "awsorg:", err)
		os.Exit(1)
	}
}
