package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Scale sizes a synthetic organization. The planted principals
// (planted.go) come on top of these, the same at every scale.
type Scale struct {
	Name string

	// AWS: accounts in the organization, and per account the users,
	// roles, groups, customer managed policies and ECR repositories.
	Accounts, UsersPerAccount, RolesPerAccount, GroupsPerAccount, PoliciesPerAccount, ReposPerAccount int

	// GCP: projects (with five service accounts each), users and groups
	// of the directory, and member-role grants per project.
	Projects, GCPUsers, GCPGroups, GrantsPerProject int

	// Azure: subscriptions (each with a registry and two user-assigned
	// managed identities), users, service principals and groups of the
	// tenant, and role assignments per subscription.
	Subscriptions, AzureUsers, AzureServicePrincipals, AzureGroups, AssignmentsPerSubscription int
}

// Scales are the three sizes: L is about 100,000 principals and 1,000,000
// policy statements, bindings and assignments; M a tenth; S a hundredth.
var Scales = map[string]Scale{
	"S": {Name: "S",
		Accounts: 4, UsersPerAccount: 50, RolesPerAccount: 50, GroupsPerAccount: 6, PoliciesPerAccount: 30, ReposPerAccount: 8,
		Projects: 20, GCPUsers: 200, GCPGroups: 10, GrantsPerProject: 180,
		Subscriptions: 10, AzureUsers: 120, AzureServicePrincipals: 40, AzureGroups: 10, AssignmentsPerSubscription: 230},
	"M": {Name: "M",
		Accounts: 10, UsersPerAccount: 200, RolesPerAccount: 200, GroupsPerAccount: 20, PoliciesPerAccount: 100, ReposPerAccount: 20,
		Projects: 200, GCPUsers: 2000, GCPGroups: 100, GrantsPerProject: 180,
		Subscriptions: 100, AzureUsers: 1200, AzureServicePrincipals: 400, AzureGroups: 100, AssignmentsPerSubscription: 230},
	"L": {Name: "L",
		Accounts: 50, UsersPerAccount: 400, RolesPerAccount: 400, GroupsPerAccount: 40, PoliciesPerAccount: 200, ReposPerAccount: 40,
		Projects: 2000, GCPUsers: 20000, GCPGroups: 1000, GrantsPerProject: 180,
		Subscriptions: 1000, AzureUsers: 12000, AzureServicePrincipals: 4000, AzureGroups: 1000, AssignmentsPerSubscription: 230},
}

// Config is one generation.
type Config struct {
	Scale Scale
	Seed  uint64
	// ManagedPolicies is the path of the AWS managed policies dataset;
	// "" or a missing file means the built-in handful.
	ManagedPolicies string
}

// Count is what one cloud's files hold.
type Count struct {
	Cloud      string
	Principals int
	// Items are policy statements (AWS: identity, trust, resource and
	// SCP statements, the attached AWS managed policies' included),
	// member-role grants (GCP: one per member of each binding, deny rules
	// counted too) or role and deny assignments (Azure).
	Items     int
	ItemsName string
	Files     int
	Bytes     int64
}

// Summary is what Generate wrote.
type Summary struct {
	Scale  string
	Seed   uint64
	Dir    string
	Clouds []Count
	// ManagedPolicies says where the AWS managed policies came from.
	ManagedPolicies string
}

// String is the summary printed by the command and written to
// DIR/SUMMARY.md.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Synthetic organization, scale %s, seed %d\n\n", s.Scale, s.Seed)
	fmt.Fprintf(&b, "| cloud | principals | items | files | bytes |\n| --- | ---: | ---: | ---: | ---: |\n")
	var tp, ti, tf int
	var tb int64
	for _, c := range s.Clouds {
		fmt.Fprintf(&b, "| %s | %d | %d %s | %d | %d |\n", c.Cloud, c.Principals, c.Items, c.ItemsName, c.Files, c.Bytes)
		tp, ti, tf, tb = tp+c.Principals, ti+c.Items, tf+c.Files, tb+c.Bytes
	}
	fmt.Fprintf(&b, "| all | %d | %d | %d | %d |\n\n", tp, ti, tf, tb)
	fmt.Fprintf(&b, "AWS managed policies: %s\n", s.ManagedPolicies)
	return b.String()
}

// Generate writes the organization into dir and returns what it wrote.
func Generate(cfg Config, dir string) (*Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum := &Summary{Scale: cfg.Scale.Name, Seed: cfg.Seed, Dir: dir}
	managed, source, err := loadManagedPolicies(cfg.ManagedPolicies)
	if err != nil {
		return nil, err
	}
	sum.ManagedPolicies = source
	steps := []struct {
		cloud, items string
		run          func(*gen) error
	}{
		{"aws", "policy statements", func(g *gen) error { return genAWS(g, managed) }},
		{"gcp", "member-role grants and deny rules", genGCP},
		{"azure", "role and deny assignments", genAzure},
	}
	for i, st := range steps {
		g := &gen{cfg: cfg, sc: cfg.Scale, root: filepath.Join(dir, st.cloud),
			// One stream per cloud: changing one cloud's generator leaves
			// the others' files as they were.
			r:     rand.New(rand.NewPCG(cfg.Seed, uint64(i+1)*0x9e3779b97f4a7c15)),
			count: Count{Cloud: st.cloud, ItemsName: st.items}}
		if err := st.run(g); err != nil {
			return nil, fmt.Errorf("%s: %w", st.cloud, err)
		}
		sum.Clouds = append(sum.Clouds, g.count)
	}
	if err := os.WriteFile(filepath.Join(dir, "SUMMARY.md"), []byte("# "+sum.String()), 0o644); err != nil {
		return nil, err
	}
	return sum, nil
}

// gen is the state of one cloud's generation.
type gen struct {
	cfg   Config
	sc    Scale
	root  string
	r     *rand.Rand
	count Count
}

// write writes v as JSON to root/rel, indented as the cloud's CLI does.
func (g *gen) write(rel, indent string, v any) error {
	p := filepath.Join(g.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	cw := &countWriter{w: bufio.NewWriterSize(f, 1<<20)}
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", rel, err)
	}
	if err := cw.w.Flush(); err != nil {
		f.Close()
		return err
	}
	g.count.Files++
	g.count.Bytes += cw.n
	return f.Close()
}

type countWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// chance is true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between is a number in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// pick is one element of xs.
func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// weighted is one of the choices, drawn by weight.
type weighted[T any] struct {
	w int
	v T
}

func pickWeighted[T any](g *gen, xs []weighted[T]) T {
	total := 0
	for _, x := range xs {
		total += x.w
	}
	n := g.r.IntN(total)
	for _, x := range xs {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return xs[len(xs)-1].v
}

// sample draws k distinct indexes below n, in increasing order.
func (g *gen) sample(n, k int) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	seen := map[int]bool{}
	out := make([]int, 0, k)
	for len(out) < k {
		i := g.r.IntN(n)
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

// uuid is a version-4-shaped identifier drawn from the generator.
func (g *gen) uuid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, 0x8000|uint16(b>>48)&0x3fff, b&0xffffffffffff)
}

// timestamp is a fixed-format date drawn between 2019 and 2026.
func (g *gen) timestamp() string {
	return fmt.Sprintf("20%02d-%02d-%02dT%02d:%02d:%02dZ", g.between(19, 26), g.between(1, 12), g.between(1, 28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
}

var teams = []string{"payments", "checkout", "search", "catalog", "identity", "platform", "data", "ml", "mobile", "web", "billing", "risk", "ads", "media", "support", "infra"}
var words = []string{"api", "worker", "frontend", "batch", "etl", "gateway", "cache", "auth", "ledger", "notifier", "scheduler", "indexer", "reports", "export", "sync", "proxy"}
