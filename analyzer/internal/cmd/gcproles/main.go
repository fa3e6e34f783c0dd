// Command gcproles writes rego/tables/gcp-predefined-roles.yaml, the offline
// fallback table of GCP predefined roles: for every predefined role that
// includes at least one permission of the GCP capability catalog, the sorted
// list of those permissions.
//
//	go run ./analyzer/internal/cmd/gcproles ../shared/datasets/gcp-predefined-roles.json rego/catalog/gcp.yaml > rego/tables/gcp-predefined-roles.yaml
//
// The roles file is the iam-dataset snapshot of all predefined roles,
// {"roles":[{"name":...,"includedPermissions":[...]}, ...]}. The output is
// deterministic: roles sorted by name, permissions sorted within a role.
// rego/catalog_gcp_test.go recomputes the table and fails when it is stale.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
)

const header = `# Image-relevant permissions of GCP predefined roles: for each predefined role that
# holds at least one permission of rego/catalog/gcp.yaml, those permissions.
# Generated from the public iam-dataset snapshot by analyzer/internal/cmd/gcproles; checked by rego/catalog_gcp_test.go.
`

type rolesFile struct {
	Roles []struct {
		Name                string   `json:"name"`
		IncludedPermissions []string `json:"includedPermissions"`
	} `json:"roles"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gcproles GCP-PREDEFINED-ROLES.json rego/catalog/gcp.yaml > rego/tables/gcp-predefined-roles.yaml")
		os.Exit(2)
	}
	table, total, err := build(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcproles:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	write(w, table)
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gcproles:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gcproles: %d of %d predefined roles hold catalog permissions\n", len(table), total)
}

// build returns the table, keyed by role name, and the number of roles read.
func build(rolesPath, catalogPath string) (map[string][]string, int, error) {
	cat, err := catalog.ReadFile(catalogPath)
	if err != nil {
		return nil, 0, err
	}
	if cat.Cloud != "gcp" {
		return nil, 0, fmt.Errorf("%s: cloud is %q, want \"gcp\"", catalogPath, cat.Cloud)
	}
	wanted := map[string]bool{}
	for _, a := range cat.Actions {
		wanted[a.Action] = true
	}
	if len(wanted) == 0 {
		return nil, 0, fmt.Errorf("%s: no actions", catalogPath)
	}

	raw, err := os.ReadFile(rolesPath)
	if err != nil {
		return nil, 0, err
	}
	var roles rolesFile
	if err := json.Unmarshal(raw, &roles); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", rolesPath, err)
	}
	if len(roles.Roles) == 0 {
		return nil, 0, fmt.Errorf("%s: no roles", rolesPath)
	}
	table := map[string][]string{}
	seen := map[string]bool{}
	for i, r := range roles.Roles {
		if r.Name == "" {
			return nil, 0, fmt.Errorf("%s: roles[%d] has no name", rolesPath, i)
		}
		if seen[r.Name] {
			return nil, 0, fmt.Errorf("%s: role %s listed twice", rolesPath, r.Name)
		}
		seen[r.Name] = true
		held := map[string]bool{}
		for _, p := range r.IncludedPermissions {
			if wanted[p] {
				held[p] = true
			}
		}
		if len(held) == 0 {
			continue
		}
		perms := make([]string, 0, len(held))
		for p := range held {
			perms = append(perms, p)
		}
		sort.Strings(perms)
		table[r.Name] = perms
	}
	return table, len(roles.Roles), nil
}

// plain matches role and permission names that need no YAML quoting.
var plain = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._/-]*$`)

func scalar(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return strconv.Quote(s) // a JSON string is a valid YAML double-quoted scalar
}

func write(w io.Writer, table map[string][]string) {
	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprint(w, header)
	fmt.Fprintln(w, "roles:")
	for _, name := range names {
		fmt.Fprintf(w, "  %s:\n", scalar(name))
		for _, p := range table[name] {
			fmt.Fprintf(w, "    - %s\n", scalar(p))
		}
	}
}
