package rules

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Findings are decoded straight from the rules' AST values when they have
// the shape the built-in rules give them: the keys of model.Finding's
// fields principal, capability, severity, access, message, targets and
// path, each of its JSON type, with targets, grants and edges made of
// their own fields. Anything else (another key, a set where a list is
// expected, a number for a string) sends the rule's findings
// through JSON (decodeFindings), which decides with encoding/json's
// rules and errors: the findings are the same either way
// (TestFastDecodeIsTheJSON).

// fastFindings decodes terms; ok is false when one of them is not in the
// shape it knows.
func fastFindings(terms []*ast.Term) ([]model.Finding, bool) {
	out := make([]model.Finding, len(terms))
	for i, t := range terms {
		if !decodeFinding(t.Value, &out[i]) {
			return nil, false
		}
	}
	for i := range out {
		if out[i].Message == "" {
			return nil, false // decodeFindings says which
		}
	}
	return out, true
}

// A null leaves the field, or the element of a list, at its zero value,
// as encoding/json leaves it (a fresh struct: zero already).

// fields calls f on each key and value of the object v; false when v is
// not an object, a key is not a string, or f refuses a field.
func fields(v ast.Value, f func(k string, v ast.Value) bool) bool {
	if _, ok := v.(ast.Null); ok {
		return true
	}
	o, ok := v.(ast.Object)
	if !ok {
		return false
	}
	good := true
	o.Until(func(k, val *ast.Term) bool {
		ks, ok := k.Value.(ast.String)
		if !ok || !f(string(ks), val.Value) {
			good = false
		}
		return !good
	})
	return good
}

func isNull(v ast.Value) bool {
	_, ok := v.(ast.Null)
	return ok
}

func decodeString(v ast.Value, dst *string) bool {
	s, ok := v.(ast.String)
	if ok {
		*dst = jsonString(string(s))
	}
	return ok || isNull(v)
}

func decodeAccess(v ast.Value, dst *model.Access) bool {
	s, ok := v.(ast.String)
	if ok {
		*dst = model.Access(jsonString(string(s)))
	}
	return ok || isNull(v)
}

func decodeBool(v ast.Value, dst *bool) bool {
	b, ok := v.(ast.Boolean)
	if ok {
		*dst = bool(b)
	}
	return ok || isNull(v)
}

// decodeList decodes an array into a new slice (empty, not nil, for [],
// as encoding/json does).
func decodeList[T any](v ast.Value, dst *[]T, elem func(ast.Value, *T) bool) bool {
	a, ok := v.(*ast.Array)
	if !ok {
		return isNull(v)
	}
	out := make([]T, a.Len())
	for i := range out {
		if !elem(a.Elem(i).Value, &out[i]) {
			return false
		}
	}
	*dst = out
	return true
}

func decodeStrings(v ast.Value, dst *[]string) bool {
	return decodeList(v, dst, decodeString)
}

func decodeFinding(v ast.Value, f *model.Finding) bool {
	return fields(v, func(k string, v ast.Value) bool {
		switch k {
		case "principal":
			return decodeString(v, &f.PrincipalID)
		case "capability":
			return decodeString(v, &f.Capability)
		case "severity":
			return decodeString(v, &f.Severity)
		case "access":
			return decodeAccess(v, &f.Access)
		case "message":
			return decodeString(v, &f.Message)
		case "targets":
			return decodeList(v, &f.Targets, decodeTarget)
		case "path":
			return decodeList(v, &f.Path, decodeEdge)
		}
		return false
	})
}

func decodeTarget(v ast.Value, t *model.Target) bool {
	return fields(v, func(k string, v ast.Value) bool {
		switch k {
		case "resource":
			return decodeString(v, &t.Resource)
		case "known":
			return decodeBool(v, &t.Known)
		case "all":
			return decodeBool(v, &t.All)
		case "access":
			return decodeAccess(v, &t.Access)
		case "actions":
			return decodeStrings(v, &t.Actions)
		case "via":
			return decodeList(v, &t.Via, decodeGrant)
		case "except":
			return decodeStrings(v, &t.Except)
		case "public_only":
			return decodeBool(v, &t.PublicOnly)
		}
		return false
	})
}

func decodeGrant(v ast.Value, g *model.Grant) bool {
	return fields(v, func(k string, v ast.Value) bool {
		switch k {
		case "policy_type":
			return decodeString(v, &g.PolicyType)
		case "policy":
			return decodeString(v, &g.Policy)
		case "statement":
			return decodeString(v, &g.Statement)
		case "effect":
			return decodeString(v, &g.Effect)
		case "conditional":
			return decodeBool(v, &g.Conditional)
		case "conditions":
			return decodeStrings(v, &g.Conditions)
		case "note":
			return decodeString(v, &g.Note)
		}
		return false
	})
}

func decodeEdge(v ast.Value, e *model.Edge) bool {
	return fields(v, func(k string, v ast.Value) bool {
		switch k {
		case "from":
			return decodeString(v, &e.From)
		case "to":
			return decodeString(v, &e.To)
		case "cloud":
			return decodeString(v, &e.Cloud)
		case "kind":
			return decodeString(v, &e.Kind)
		case "permissions":
			return decodeStrings(v, &e.Permissions)
		case "via":
			return decodeList(v, &e.Via, decodeGrant)
		case "conditional":
			return decodeBool(v, &e.Conditional)
		case "assumed":
			return decodeBool(v, &e.Assumed)
		case "note":
			return decodeString(v, &e.Note)
		}
		return false
	})
}
