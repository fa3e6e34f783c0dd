// Package rules runs the Rego rules over the capability facts. The rules,
// their library and default data are embedded (package rego at the top of
// the module); users add rules with --policy and data with --data. Each
// rule package carries a METADATA block whose title, description and
// custom id, severity and remediation describe its findings.
package rules

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
	builtin "github.com/imagewarden/imagewarden/rego"
)

// RulesRoot is the package under which every rule lives.
const RulesRoot = "imagewarden.rules"

// Options add the user's rules and data to the built-in ones.
type Options struct {
	PolicyDirs []string // directories (or files) of .rego rules
	DataFiles  []string // JSON or YAML documents merged into data
	// Data, when set, is the data to use instead of reading DataFiles:
	// what LoadData gave, with whatever the caller adds (the
	// configuration's approved publishers).
	Data map[string]any
}

// Engine holds the prepared query.
type Engine struct {
	query rego.PreparedEvalQuery
	rules map[string]model.Rule // by package path
	hash  string                // bundleHash of the modules and data
	// splittable: only the built-in rules are loaded, which may be
	// evaluated by groups of principals (parallel.go).
	splittable bool
	// parallel, when set, is the number of workers instead of GOMAXPROCS
	// (tests).
	parallel int
}

// Source is a Rego module and where it came from.
type Source struct {
	Name string
	Text []byte
}

// BuiltinModules returns the embedded library and rules (with their tests
// when tests is true).
func BuiltinModules(tests bool) ([]Source, error) {
	var out []Source
	err := fs.WalkDir(builtin.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if strings.HasSuffix(p, "_test.rego") && !tests {
			return nil
		}
		b, err := fs.ReadFile(builtin.FS, p)
		out = append(out, Source{Name: "(built-in)/" + p, Text: b})
		return err
	})
	return out, err
}

func userModules(paths []string) ([]Source, error) {
	var out []Source
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			b, err := os.ReadFile(p)
			out = append(out, Source{Name: p, Text: b})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("--policy %s: %w", root, err)
		}
	}
	return out, nil
}

// New compiles the rules once.
func New(ctx context.Context, opts Options) (*Engine, error) {
	srcs, err := BuiltinModules(false)
	if err != nil {
		return nil, err
	}
	user, err := userModules(opts.PolicyDirs)
	if err != nil {
		return nil, err
	}
	srcs = append(srcs, user...)
	data := opts.Data
	if data == nil {
		if data, err = LoadData(opts.DataFiles); err != nil {
			return nil, err
		}
	}
	e := &Engine{rules: map[string]model.Rule{}, hash: bundleHash(srcs, data), splittable: len(user) == 0}
	args := []func(*rego.Rego){rego.Query("data." + RulesRoot), rego.Store(inmem.NewFromObject(data))}
	for _, s := range srcs {
		m, err := ast.ParseModuleWithOpts(s.Name, string(s.Text), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("rule %v", err)
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if strings.HasPrefix(pkg, RulesRoot+".") {
			e.rules[pkg] = ruleMetadata(pkg, m)
		}
		args = append(args, rego.ParsedModule(m))
	}
	q, err := rego.New(args...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("compiling rules: %w", err)
	}
	e.query = q
	return e, nil
}

// bundleHash fingerprints the rules and data a report was made with, so an
// auditor can tell whether two reports used the same rule bundle.
func bundleHash(srcs []Source, data map[string]any) string {
	h := sha256.New()
	for _, s := range srcs {
		fmt.Fprintf(h, "%s\x00%d\x00", s.Name, len(s.Text))
		h.Write(s.Text)
	}
	b, _ := json.Marshal(data) // map keys are sorted: deterministic
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// BundleHash is the SHA-256 of the rule modules and data in use.
func (e *Engine) BundleHash() string { return e.hash }

// Rules lists the loaded rules by id.
func (e *Engine) Rules() []model.Rule {
	out := make([]model.Rule, 0, len(e.rules))
	for _, r := range e.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func ruleMetadata(pkg string, m *ast.Module) model.Rule {
	r := model.Rule{Package: pkg, ID: pkg, Severity: "medium"}
	for _, a := range m.Annotations {
		if a.Scope != "package" && a.Scope != "subpackages" {
			continue
		}
		r.Title, r.Description = a.Title, strings.TrimSpace(a.Description)
		if v, ok := a.Custom["id"].(string); ok {
			r.ID = v
		}
		if v, ok := a.Custom["severity"].(string); ok {
			r.Severity = v
		}
		if v, ok := a.Custom["remediation"].(string); ok {
			r.Remediation = strings.TrimSpace(v)
		}
	}
	if r.Title == "" {
		r.Title = pkg
	}
	return r
}

// LoadData is the rules' data: the built-in data.json with each file
// merged over it in turn (a file replaces the keys it sets under
// "imagewarden", such as approved_publishers, and adds other top-level
// keys). It is the one reading of --data files, for the rules and for
// remediation alike.
func LoadData(files []string) (map[string]any, error) {
	b, err := fs.ReadFile(builtin.FS, "data.json")
	if err != nil {
		return nil, err
	}
	var data map[string]any
	if err := util.UnmarshalJSON(b, &data); err != nil {
		return nil, fmt.Errorf("built-in data.json: %w", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--data: %w", err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("--data %s: %v", f, err)
		}
		// Round-trip through JSON so YAML maps become JSON objects.
		j, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("--data %s: %v", f, err)
		}
		doc = nil
		if err := util.UnmarshalJSON(j, &doc); err != nil {
			return nil, fmt.Errorf("--data %s: %v", f, err)
		}
		for k, v := range doc {
			cur, ok1 := data[k].(map[string]any)
			nv, ok2 := v.(map[string]any)
			if ok1 && ok2 {
				for kk, vv := range nv {
					cur[kk] = vv
				}
				continue
			}
			data[k] = v
		}
	}
	return data, nil
}

// Input is what the rules read.
type Input struct {
	Principals []model.Principal `json:"principals"`
	Resources  []model.Resource  `json:"resources"`
	Facts      []model.Fact      `json:"facts"`
	Paths      []graph.Path      `json:"paths"` // chains of "can act as" to a capability
	// Federation: which subjects of an OIDC provider can become which
	// principal (model.FederatedTrust).
	Federation []model.FederatedTrust `json:"federation,omitempty"`
}

// Eval runs every rule and returns the findings, sorted by severity, then
// rule, then principal.
//
// The input is given to OPA as an AST value built from the structs
// (input.go), and the findings are decoded from the AST values (decode.go):
// no JSON in between. With the built-in rules alone, the principals are
// split into groups evaluated in parallel (see split); with rules of
// --policy, which may read the input across principals, the input is
// evaluated whole.
func (e *Engine) Eval(ctx context.Context, in *Input) ([]model.Finding, error) {
	var results []*result
	var err error
	if groups := e.split(in); groups != nil {
		results, err = e.evalGroups(ctx, in, groups)
	} else {
		var r *result
		r, err = e.evalFindings(ctx, newBuilder().input(in))
		results = []*result{r}
	}
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, r := range results {
		for p := range r.terms {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	paths = slices.Compact(paths)
	principals := make(map[string]*model.Principal, len(in.Principals))
	for i := range in.Principals {
		principals[in.Principals[i].ID] = &in.Principals[i]
	}
	var out []model.Finding
	for _, path := range paths {
		rule, ok := e.rules[path]
		if !ok {
			rule = model.Rule{Package: path, ID: path, Title: path, Severity: "medium"}
		}
		// Each rule's findings, in the order of the groups: a principal's
		// findings all come from its group, in the order the whole input
		// gives them (a set's, sorted), so that the stable sort below
		// orders them as it would those of one evaluation.
		var decoded []model.Finding
		var terms []*ast.Term
		fast := true
		for _, r := range results {
			decoded = append(decoded, r.decoded[path]...)
			terms = append(terms, r.terms[path]...)
			if _, ok := r.decoded[path]; !ok && r.terms[path] != nil {
				fast = false
			}
		}
		if !fast {
			list := make([]any, len(terms))
			for i, t := range terms {
				if list[i], err = ast.JSON(t.Value); err != nil {
					return nil, fmt.Errorf("rule %s: %v", path, err)
				}
			}
			if decoded, err = decodeFindings(list); err != nil {
				return nil, fmt.Errorf("rule %s: %v", path, err)
			}
		}
		for _, f := range decoded {
			f.RuleID, f.Title, f.Description, f.Remediation, f.Rule = rule.ID, rule.Title, rule.Description, rule.Remediation, path
			if f.Severity == "" {
				f.Severity = rule.Severity
			}
			if p, ok := principals[f.PrincipalID]; ok {
				pp := *p
				f.Principal = &pp
			}
			out = append(out, f)
		}
	}
	model.SortFindings(out)
	return out, nil
}

// result is what one evaluation found: each rule's findings (by package
// path) as AST values, and decoded where fastFindings knows their shape.
type result struct {
	terms   map[string][]*ast.Term
	decoded map[string][]model.Finding
}

// evalFindings evaluates the query on one input and gathers its findings.
func (e *Engine) evalFindings(ctx context.Context, input ast.Value) (*result, error) {
	v, err := e.evalInput(ctx, input)
	if err != nil {
		return nil, err
	}
	r := &result{terms: map[string][]*ast.Term{}, decoded: map[string][]model.Finding{}}
	if v == nil {
		return r, nil
	}
	if err := collectFindings(RulesRoot, v, r.terms); err != nil {
		return nil, err
	}
	for path, terms := range r.terms {
		if fs, ok := fastFindings(terms); ok {
			r.decoded[path] = fs
		}
	}
	return r, nil
}

// evalInput evaluates the query on one input; nil when it gives nothing.
func (e *Engine) evalInput(ctx context.Context, input ast.Value) (ast.Value, error) {
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(keepAST))
	if err != nil {
		return nil, fmt.Errorf("evaluating rules: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	t, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok {
		return nil, fmt.Errorf("evaluating rules: unexpected result %T", rs[0].Expressions[0].Value)
	}
	return t.Value, nil
}

// keepAST hands the query's result back as its AST term, not as Go values.
func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// collectFindings adds the findings of every rule package under v (the
// value of package path) to byRule: each package's "findings", a set or
// a list.
func collectFindings(path string, v ast.Value, byRule map[string][]*ast.Term) error {
	obj, ok := v.(ast.Object)
	if !ok {
		return nil
	}
	var err error
	obj.Until(func(k, sub *ast.Term) bool {
		ks, ok := k.Value.(ast.String)
		if !ok {
			return false
		}
		if ks != "findings" {
			err = collectFindings(path+"."+string(ks), sub.Value, byRule)
			return err != nil
		}
		switch l := sub.Value.(type) {
		case ast.Set:
			l.Foreach(func(t *ast.Term) { byRule[path] = append(byRule[path], t) })
		case *ast.Array:
			l.Foreach(func(t *ast.Term) { byRule[path] = append(byRule[path], t) })
		default:
			err = fmt.Errorf("rule %s: findings must be a set or list of objects", path)
			return true
		}
		if byRule[path] == nil {
			byRule[path] = []*ast.Term{}
		}
		return false
	})
	return err
}

// decodeFindings turns the rule's objects into findings, all at once,
// through JSON: for the findings not in the shape fastFindings knows.
func decodeFindings(list []any) ([]model.Finding, error) {
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	var fs []model.Finding
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&fs); err != nil {
		return nil, fmt.Errorf("findings do not have the expected shape: %v", err)
	}
	for i, f := range fs {
		if f.Message == "" {
			item, _ := json.Marshal(list[i])
			return nil, fmt.Errorf("a finding without message: %s", item)
		}
	}
	return fs, nil
}
