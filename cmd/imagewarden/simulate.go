package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/internal/inert"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

type simulateOptions struct {
	batch          string
	principal      string
	action         string
	resource       string
	identity       []string
	boundary       string
	scps           []string
	resourcePolicy string
	grants         []string
	context        []string
	format         string
}

func newSimulateCmd() *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Decide AWS requests offline, like aws iam simulate-custom-policy",
		Long: "Decides one request given by flags, or many with --batch FILE (JSON lines, - for standard input):\n" +
			`{"id","principal","action","resource","identity_policies":[{"name","document"}],` + "\n" +
			`"permission_boundary":{"name","document"}|null,"scps":[[{"name","document"}],...root first...],` + "\n" +
			`"resource_policy":doc|null,"context":{},"grants":[...]}` + "\n" +
			`answered one line each: {"id","decision":"allowed"|"implicitly_denied"|"explicitly_denied","reasons":[...]}.` + "\n" +
			"To assume a role, give its trust policy as the resource policy; for a KMS key, its key policy,\n" +
			"and its grants (aws kms list-grants output) with --grants or the \"grants\" field (docs/inputs.md).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.batch != "" {
				return runBatch(cmd.InOrStdin(), cmd.OutOrStdout(), o.batch)
			}
			return runSingle(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.batch, "batch", "", "file of JSON-lines requests, or - for standard input")
	f.StringVar(&o.principal, "principal", "", "principal ARN making the request")
	f.StringVar(&o.action, "action", "", "action, e.g. ecr:PutImage")
	f.StringVar(&o.resource, "resource", "*", "resource ARN")
	f.StringArrayVar(&o.identity, "policy", nil, "identity policy document file (repeatable)")
	f.StringVar(&o.boundary, "boundary", "", "permissions boundary document file")
	f.StringArrayVar(&o.scps, "scp", nil, "SCP level: comma-separated document files, root first (repeat the flag per level)")
	f.StringVar(&o.resourcePolicy, "resource-policy", "", "resource policy document file (a role's trust policy, a KMS key policy, a repository policy...)")
	f.StringArrayVar(&o.grants, "grants", nil, "KMS grants on the key: output of aws kms list-grants (repeatable)")
	f.StringArrayVar(&o.context, "context", nil, "context key=value (repeatable; repeat a key for a multi-valued key)")
	f.StringVarP(&o.format, "format", "f", "text", "output format for a single request: text or json")
	return cmd
}

func runBatch(stdin io.Reader, out io.Writer, path string) error {
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	bw := bufio.NewWriter(out)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		d := iam.DecideBatchLine([]byte(text))
		if d.Error != "" {
			d.Error = fmt.Sprintf("%s line %d: %s", path, line, d.Error)
		}
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s line %d: %w", path, line+1, err)
	}
	return bw.Flush()
}

func readPolicy(path string) (iam.NamedPolicy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return iam.NamedPolicy{}, err
	}
	p, err := iam.ParsePolicy(b)
	if err != nil {
		return iam.NamedPolicy{}, fmt.Errorf("%s: %v", path, err)
	}
	return iam.NamedPolicy{Name: path, Policy: p}, nil
}

// readGrants reads KMS grants as `aws kms list-grants` prints them
// ({"Grants": [...]}), or a JSON array of such grants.
func readGrants(path string) ([]iam.KMSGrant, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var gs []iam.KMSGrant
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "[") {
		err = json.Unmarshal(b, &gs)
	} else {
		var out struct {
			Grants     []iam.KMSGrant
			NextMarker string
			Truncated  bool
		}
		err = json.Unmarshal(b, &out)
		if err == nil && out.Grants == nil {
			err = fmt.Errorf("no \"Grants\" list (expected the output of aws kms list-grants)")
		}
		gs = out.Grants
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for i := range gs {
		if err := gs[i].Check(); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	}
	return gs, nil
}

func runSingle(out io.Writer, o *simulateOptions) error {
	if o.principal == "" || o.action == "" {
		return fmt.Errorf("--principal and --action are required (or use --batch)")
	}
	pol := &iam.Policies{}
	for _, f := range o.identity {
		np, err := readPolicy(f)
		if err != nil {
			return err
		}
		pol.Identity = append(pol.Identity, np)
	}
	if o.boundary != "" {
		np, err := readPolicy(o.boundary)
		if err != nil {
			return err
		}
		pol.Boundary = &np
	}
	for _, level := range o.scps {
		var l []iam.NamedPolicy
		for _, f := range strings.Split(level, ",") {
			np, err := readPolicy(f)
			if err != nil {
				return err
			}
			l = append(l, np)
		}
		pol.SCPs = append(pol.SCPs, l)
	}
	if o.resourcePolicy != "" {
		np, err := readPolicy(o.resourcePolicy)
		if err != nil {
			return err
		}
		pol.Resource = &np
	}
	for _, f := range o.grants {
		gs, err := readGrants(f)
		if err != nil {
			return err
		}
		pol.Grants = append(pol.Grants, gs...)
	}
	ctx := iam.NewContext(true)
	multi := map[string][]string{}
	var order []string
	for _, kv := range o.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--context %q: expected key=value", kv)
		}
		if _, seen := multi[k]; !seen {
			order = append(order, k)
		}
		multi[k] = append(multi[k], v)
	}
	for _, k := range order {
		if len(multi[k]) == 1 {
			ctx.Set(k, multi[k][0])
		} else {
			ctx.SetMulti(k, multi[k])
		}
	}
	req := &iam.Request{Principal: o.principal, Action: o.action, Resource: o.resource, Context: ctx}
	r := iam.Decide(req, pol)
	if note := iam.MissingTrust(req, pol); note != "" && (r.Decision == iam.Allowed || r.Decision == iam.Conditional) {
		r.Reasons = append(r.Reasons, iam.Reason{PolicyType: "resource_policy", Note: note})
	}
	if o.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(iam.BatchDecision{Decision: r.Decision, Reasons: r.Reasons})
	}
	// Policy names are file names, Sids and notes come from the documents:
	// each line is escaped whole (inert.Fprintln).
	inert.Fprintf(out, "%s\n", r.Decision)
	for _, rs := range r.Reasons {
		line := "  " + rs.PolicyType
		if rs.Policy != "" {
			line += " " + rs.Policy
		}
		if rs.Statement != "" {
			line += " statement " + rs.Statement
		}
		if rs.Effect != "" {
			line += " (" + rs.Effect + ")"
		}
		if rs.Note != "" {
			line += ": " + rs.Note
		}
		inert.Fprintln(out, line)
	}
	return nil
}
