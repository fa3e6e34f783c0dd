package rules

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// SetSplit evaluates with workers workers and splits inputs from size
// minSize on, until restore is called.
func (e *Engine) SetSplit(workers, minSize int) (restore func()) {
	old, oldMin := e.parallel, minSplit
	e.parallel, minSplit = workers, minSize
	return func() { e.parallel, minSplit = old, oldMin }
}

// InputValue is the rules' input as Eval gives it to OPA.
func InputValue(in *Input) ast.Value { return newBuilder().input(in) }

// JSONInputValue is the input through JSON, as Eval made it before.
func JSONInputValue(in *Input) (ast.Value, error) {
	j, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := util.UnmarshalJSON(j, &generic); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(generic)
}

// FastFindings and JSONFindings decode findings from AST terms, straight
// and through JSON.
func FastFindings(terms []*ast.Term) ([]model.Finding, bool) { return fastFindings(terms) }

func JSONFindings(terms []*ast.Term) ([]model.Finding, error) {
	list := make([]any, len(terms))
	for i, t := range terms {
		var err error
		if list[i], err = ast.JSON(t.Value); err != nil {
			return nil, err
		}
	}
	return decodeFindings(list)
}

// EvalJSON is Eval as it was before the input was built as an AST value:
// the whole input through JSON, one evaluation, the findings decoded
// through JSON. The reference the tests compare Eval with.
func (e *Engine) EvalJSON(ctx context.Context, in *Input) ([]model.Finding, error) {
	val, err := JSONInputValue(in)
	if err != nil {
		return nil, err
	}
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(val))
	if err != nil {
		return nil, fmt.Errorf("evaluating rules: %w", err)
	}
	principals := map[string]model.Principal{}
	for _, p := range in.Principals {
		principals[p.ID] = p
	}
	var out []model.Finding
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, sub := range obj {
			if k != "findings" {
				if err := walk(path+"."+k, sub); err != nil {
					return err
				}
				continue
			}
			rule, ok := e.rules[path]
			if !ok {
				rule = model.Rule{Package: path, ID: path, Title: path, Severity: "medium"}
			}
			list, ok := sub.([]any)
			if !ok {
				return fmt.Errorf("rule %s: findings must be a set or list of objects", path)
			}
			decoded, err := decodeFindings(list)
			if err != nil {
				return fmt.Errorf("rule %s: %v", path, err)
			}
			for _, f := range decoded {
				f.RuleID, f.Title, f.Description, f.Remediation, f.Rule = rule.ID, rule.Title, rule.Description, rule.Remediation, path
				if f.Severity == "" {
					f.Severity = rule.Severity
				}
				if p, ok := principals[f.PrincipalID]; ok {
					pp := p
					f.Principal = &pp
				}
				out = append(out, f)
			}
		}
		return nil
	}
	if err := walk(RulesRoot, rs[0].Expressions[0].Value); err != nil {
		return nil, err
	}
	model.SortFindings(out)
	return out, nil
}
