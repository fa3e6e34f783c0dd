package gcp

import (
	"fmt"
	"sync"

	"github.com/google/cel-go/cel"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// ResourceAttrs is what IAM conditions can see of the resource: name
// (projects/P/locations/L/repositories/R), type
// (artifactregistry.googleapis.com/Repository) and service. Empty fields are
// unknown: a grant on "every repository of a project" has a type but no name.
type ResourceAttrs struct {
	Name, Type, Service string
}

// Conditions compiles CEL expressions once and evaluates them.
type Conditions struct {
	mu    sync.Mutex
	env   *cel.Env
	progs map[string]cel.Program
	errs  map[string]error
}

// NewConditions prepares the CEL environment of IAM conditions: resource,
// request and api are dynamic maps; request and api are never known offline.
func NewConditions() *Conditions {
	env, err := cel.NewEnv(
		cel.Variable("resource", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("api", cel.DynType),
	)
	if err != nil {
		panic(fmt.Sprintf("CEL environment: %v", err)) // static declarations: cannot fail
	}
	return &Conditions{env: env, progs: map[string]cel.Program{}, errs: map[string]error{}}
}

// Compile checks an expression; the error says why it cannot be evaluated
// offline (a function IAM has and CEL does not, a syntax error).
func (c *Conditions) Compile(expr string) error {
	_, err := c.program(expr)
	return err
}

func (c *Conditions) program(expr string) (cel.Program, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.progs[expr]; ok {
		return p, nil
	}
	if err, ok := c.errs[expr]; ok {
		return nil, err
	}
	ast, iss := c.env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		c.errs[expr] = iss.Err()
		return nil, iss.Err()
	}
	p, err := c.env.Program(ast)
	if err != nil {
		c.errs[expr] = err
		return nil, err
	}
	c.progs[expr] = p
	return p, nil
}

// Eval decides an expression for a resource. Attributes that are not known
// (request.time, a resource name at project scope) make it Unknown, except
// where CEL's logic settles it anyway (false && x is false). Expressions
// that do not compile are Unknown.
func (c *Conditions) Eval(expr string, res *ResourceAttrs) tri.Tri {
	p, err := c.program(expr)
	if err != nil {
		return tri.Unknown
	}
	vars := map[string]any{}
	if res != nil {
		m := map[string]any{}
		if res.Name != "" {
			m["name"] = res.Name
		}
		if res.Type != "" {
			m["type"] = res.Type
		}
		if res.Service != "" {
			m["service"] = res.Service
		}
		vars["resource"] = m
	}
	out, _, err := p.Eval(vars)
	if err != nil {
		return tri.Unknown
	}
	b, ok := out.Value().(bool)
	if !ok {
		return tri.Unknown
	}
	return tri.Of(b)
}
