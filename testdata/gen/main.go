// Command gen writes a synthetic organization in the native export formats
// imagewarden reads (docs/inputs.md, the same formats as testdata/demo):
// AWS accounts with an organization and its SCPs, a Google Cloud
// organization tree, and an Azure tenant, at one of three scales.
//
//	go run ./testdata/gen -scale S|M|L -seed N -out DIR
//
// The output is deterministic: the same scale, seed and managed-policy
// dataset give byte-identical files. L is about 100,000 principals and
// 1,000,000 policy statements, bindings and role assignments across the
// three clouds; M a tenth of it; S a hundredth. Big exports are split into
// several files as real ones are: one IAM file per AWS account, one Cloud
// Asset search file per 100 projects, one file of role assignments per 50
// subscriptions.
//
// A few principals are planted with known access, the same at every scale
// and isolated from the random part, so that tests can check exactly what
// the analysis finds about them (see planted.go and gen_test.go).
//
// The real AWS managed policies attached to principals come from
// ../shared/datasets/aws-managed-policies.authorization-details.json when
// that file is there (-managed-policies overrides the path); without it a
// built-in handful of shortened ones is used, and the output says so.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	scale := flag.String("scale", "S", "size: S (about 1,000 principals), M (10,000) or L (100,000)")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	out := flag.String("out", "", "directory to write into (created; must be empty or absent)")
	managed := flag.String("managed-policies", "", "AWS managed policies (get-account-authorization-details format); default ../shared/datasets/aws-managed-policies.authorization-details.json above the module root, if present")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./testdata/gen -scale S|M|L -seed N -out DIR")
		os.Exit(2)
	}
	sc, ok := Scales[strings.ToUpper(*scale)]
	if !ok {
		fmt.Fprintf(os.Stderr, "gen: -scale %q: one of S, M, L\n", *scale)
		os.Exit(2)
	}
	if entries, err := os.ReadDir(*out); err == nil && len(entries) > 0 {
		fmt.Fprintf(os.Stderr, "gen: %s is not empty: give a new or empty directory\n", *out)
		os.Exit(2)
	}
	path := *managed
	if path == "" {
		path = defaultManagedPolicies()
	}
	sum, err := Generate(Config{Scale: sc, Seed: *seed, ManagedPolicies: path}, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Print(sum.String())
}

// defaultManagedPolicies finds ../shared/datasets/... beside the module
// root (the directory holding go.mod), searching upwards from the working
// directory; "" when it is not there.
func defaultManagedPolicies() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "datasets", "aws-managed-policies.authorization-details.json")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
