// Command managedroles writes the benchmark input of docs/performance.md:
// one role per AWS managed policy, as get-account-authorization-details.
//
//	go run ./analyzer/internal/cmd/managedroles ../shared/datasets/aws-managed-policies.authorization-details.json > /tmp/managed-roles.json
package main

import (
	"fmt"
	"os"

	"github.com/imagewarden/imagewarden/analyzer/internal/fixtures"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: managedroles AUTHORIZATION-DETAILS.json > roles.json")
		os.Exit(2)
	}
	out, n, err := fixtures.ManagedPolicyRoles(os.Args[1], "111122223333")
	if err != nil {
		fmt.Fprintln(os.Stderr, "managedroles:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
	fmt.Fprintf(os.Stderr, "managedroles: %d roles\n", n)
}
