// Package aws is the AWS IAM policy language as pure code: it parses policy
// documents, matches actions, resources, principals and conditions, and
// decides a request the way AWS does (explicit deny, SCPs, permission
// boundaries, resource policies). It does no I/O.
package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
)

// Effect of a statement.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed IAM policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []*Statement
	byAction   actionIndex // compiled.go
}

// Statement is one statement of a policy. Exactly one of Action/NotAction and
// at most one of Resource/NotResource and of Principal/NotPrincipal are set.
type Statement struct {
	Index  int // position in the policy, from 0
	Sid    string
	Effect Effect

	Actions    []Action
	NotActions bool // Actions came from NotAction

	Resources    []string
	NotResources bool // Resources came from NotResource
	HasResource  bool // false when neither Resource nor NotResource is present (trust policies)

	Principal    *Principals
	NotPrincipal bool // Principal came from NotPrincipal

	Conditions []Condition
	raw        json.RawMessage
	comp       atomic.Pointer[compiled] // compiled.go: built on first use
}

// Raw returns the statement as written in the document.
func (s *Statement) Raw() json.RawMessage { return s.raw }

// Label names the statement in reasons: its Sid, or its position.
func (s *Statement) Label() string {
	if s.Sid != "" {
		return s.Sid
	}
	return s.prepared().label
}

// Action is an action pattern such as "ecr:Put*" or "*", kept with its
// lower-cased parts for case-insensitive matching.
type Action struct {
	Raw     string
	service string // lower case; "" for "*"
	name    string // lower case pattern after the colon
	pat     string // name in compiled wildcard form
	all     bool
}

// Principals is the Principal or NotPrincipal element.
type Principals struct {
	Wildcard bool                // "Principal": "*"
	Values   map[string][]string // "AWS", "Service", "Federated", "CanonicalUser"
}

// Condition is one (operator, key) pair of a Condition block.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written
	Values   []string

	base     string // lower-case base operator, e.g. "stringlike"
	set      string // "", "foranyvalue" or "forallvalues"
	ifExists bool
	keyLower string
}

// ParseError tells where in a policy document a problem is.
type ParseError struct {
	Path string // JSON path inside the document, e.g. "Statement[1].Action"
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// ParsePolicy parses a policy document. It accepts the document as a JSON
// object, or as a JSON string holding the document (as ECR and Organizations
// return it), URL-encoded or not (as the IAM API returns it).
func ParsePolicy(data []byte) (*Policy, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, &ParseError{Msg: "policy document string: " + err.Error()}
		}
		return ParsePolicyString(s)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Msg: "not JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Msg: "not JSON: data after the policy document"}
	}
	return PolicyFromValue(v)
}

// ParsePolicyString parses a document given as text, URL-decoding it first
// when it is URL-encoded.
func ParsePolicyString(s string) (*Policy, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%7b") {
		d, err := url.QueryUnescape(t)
		if err != nil {
			return nil, &ParseError{Msg: "URL-encoded policy document: " + err.Error()}
		}
		t = d
	}
	if !strings.HasPrefix(t, "{") {
		return nil, &ParseError{Msg: "policy document is not a JSON object"}
	}
	return ParsePolicy([]byte(t))
}

// PolicyFromValue builds a policy from a decoded JSON value (objects as
// map[string]any). Numbers may be float64 or json.Number.
func PolicyFromValue(v any) (*Policy, error) {
	if s, ok := v.(string); ok {
		return ParsePolicyString(s)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Msg: "policy document must be an object, got " + typeName(v)}
	}
	p := &Policy{}
	for k, val := range obj {
		switch k {
		case "Version":
			s, ok := val.(string)
			if !ok {
				return nil, &ParseError{Path: "Version", Msg: "must be a string, got " + typeName(val)}
			}
			p.Version = s
		case "Id":
			s, ok := val.(string)
			if !ok {
				return nil, &ParseError{Path: "Id", Msg: "must be a string, got " + typeName(val)}
			}
			p.ID = s
		case "Statement":
		default:
			return nil, &ParseError{Path: k, Msg: "unknown policy element"}
		}
	}
	stv, ok := obj["Statement"]
	if !ok {
		return nil, &ParseError{Path: "Statement", Msg: "missing"}
	}
	var list []any
	switch x := stv.(type) {
	case []any:
		list = x
	case map[string]any:
		list = []any{x}
	default:
		return nil, &ParseError{Path: "Statement", Msg: "must be an object or a list of objects, got " + typeName(stv)}
	}
	for i, sv := range list {
		path := fmt.Sprintf("Statement[%d]", i)
		so, ok := sv.(map[string]any)
		if !ok {
			return nil, &ParseError{Path: path, Msg: "must be an object, got " + typeName(sv)}
		}
		st, err := parseStatement(so, path)
		if err != nil {
			return nil, err
		}
		st.Index = i
		st.raw, _ = json.Marshal(so)
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(o map[string]any, path string) (*Statement, error) {
	st := &Statement{}
	seen := map[string]bool{}
	for k := range o {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition":
			seen[k] = true
		default:
			return nil, &ParseError{Path: path + "." + k, Msg: "unknown statement element"}
		}
	}
	if v, ok := o["Sid"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, &ParseError{Path: path + ".Sid", Msg: "must be a string, got " + typeName(v)}
		}
		st.Sid = s
	}
	switch e := o["Effect"].(type) {
	case string:
		switch e {
		case "Allow":
			st.Effect = Allow
		case "Deny":
			st.Effect = Deny
		default:
			return nil, &ParseError{Path: path + ".Effect", Msg: fmt.Sprintf("must be \"Allow\" or \"Deny\", got %q", e)}
		}
	case nil:
		return nil, &ParseError{Path: path + ".Effect", Msg: "missing"}
	default:
		return nil, &ParseError{Path: path + ".Effect", Msg: "must be a string, got " + typeName(e)}
	}
	if seen["Action"] && seen["NotAction"] {
		return nil, &ParseError{Path: path, Msg: "has both Action and NotAction"}
	}
	actKey := "Action"
	if seen["NotAction"] {
		actKey, st.NotActions = "NotAction", true
	} else if !seen["Action"] {
		return nil, &ParseError{Path: path, Msg: "has neither Action nor NotAction"}
	}
	acts, err := stringList(o[actKey], path+"."+actKey)
	if err != nil {
		return nil, err
	}
	for j, a := range acts {
		act, err := ParseAction(a)
		if err != nil {
			return nil, &ParseError{Path: fmt.Sprintf("%s.%s[%d]", path, actKey, j), Msg: err.Error()}
		}
		st.Actions = append(st.Actions, act)
	}
	if seen["Resource"] && seen["NotResource"] {
		return nil, &ParseError{Path: path, Msg: "has both Resource and NotResource"}
	}
	if seen["Resource"] || seen["NotResource"] {
		resKey := "Resource"
		if seen["NotResource"] {
			resKey, st.NotResources = "NotResource", true
		}
		st.HasResource = true
		if st.Resources, err = stringList(o[resKey], path+"."+resKey); err != nil {
			return nil, err
		}
		for j, r := range st.Resources {
			if strings.ContainsAny(r, "\x00\x01") {
				return nil, &ParseError{Path: fmt.Sprintf("%s.%s[%d]", path, resKey, j), Msg: "contains a control character"}
			}
		}
	}
	if seen["Principal"] && seen["NotPrincipal"] {
		return nil, &ParseError{Path: path, Msg: "has both Principal and NotPrincipal"}
	}
	if seen["Principal"] || seen["NotPrincipal"] {
		pk := "Principal"
		if seen["NotPrincipal"] {
			pk, st.NotPrincipal = "NotPrincipal", true
		}
		if st.Principal, err = parsePrincipals(o[pk], path+"."+pk); err != nil {
			return nil, err
		}
	}
	if v, ok := o["Condition"]; ok {
		if st.Conditions, err = parseConditions(v, path+".Condition"); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// ParseAction parses an action pattern: "*" or "service:pattern".
func ParseAction(a string) (Action, error) {
	if strings.ContainsAny(a, "\x00\x01") {
		return Action{}, fmt.Errorf("action %q contains a control character", a)
	}
	if a == "*" {
		return Action{Raw: a, all: true}, nil
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.Contains(name, ":") {
		return Action{}, fmt.Errorf("action %q is not of the form service:action", a)
	}
	lname := strings.ToLower(name)
	return Action{Raw: a, service: strings.ToLower(svc), name: lname, pat: compileWildcards(lname)}, nil
}

func parsePrincipals(v any, path string) (*Principals, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("a string principal must be \"*\", got %q", s)}
		}
		return &Principals{Wildcard: true}, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Path: path, Msg: "must be \"*\" or an object, got " + typeName(v)}
	}
	p := &Principals{Values: map[string][]string{}}
	for k, val := range o {
		switch k {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, &ParseError{Path: path + "." + k, Msg: "unknown principal type"}
		}
		l, err := stringList(val, path+"."+k)
		if err != nil {
			return nil, err
		}
		p.Values[k] = l
	}
	return p, nil
}

var setOperators = map[string]string{"foranyvalue": "foranyvalue", "forallvalues": "forallvalues"}

func parseConditions(v any, path string) ([]Condition, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Path: path, Msg: "must be an object, got " + typeName(v)}
	}
	ops := make([]string, 0, len(o))
	for k := range o {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	var out []Condition
	for _, op := range ops {
		c := Condition{Operator: op}
		rest := op
		if pre, after, ok := strings.Cut(op, ":"); ok {
			set, known := setOperators[strings.ToLower(pre)]
			if !known {
				return nil, &ParseError{Path: path + "." + op, Msg: "unknown set operator " + pre}
			}
			c.set, rest = set, after
		}
		lower := strings.ToLower(rest)
		if strings.HasSuffix(lower, "ifexists") && lower != "ifexists" {
			c.ifExists = true
			lower = strings.TrimSuffix(lower, "ifexists")
		}
		if !knownOperators[lower] {
			return nil, &ParseError{Path: path + "." + op, Msg: "unknown condition operator"}
		}
		if lower == "null" && (c.ifExists || c.set != "") {
			return nil, &ParseError{Path: path + "." + op, Msg: "Null takes no IfExists or set qualifier"}
		}
		c.base = lower
		kv, ok := o[op].(map[string]any)
		if !ok {
			return nil, &ParseError{Path: path + "." + op, Msg: "must be an object of condition keys, got " + typeName(o[op])}
		}
		keys := make([]string, 0, len(kv))
		for k := range kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals, err := scalarList(kv[k], path+"."+op+"."+k)
			if err != nil {
				return nil, err
			}
			cc := c
			cc.Key, cc.keyLower, cc.Values = k, strings.ToLower(k), vals
			out = append(out, cc)
		}
	}
	return out, nil
}

// stringList reads a string or a non-empty list of strings.
func stringList(v any, path string) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		if len(x) == 0 {
			return nil, &ParseError{Path: path, Msg: "must not be an empty list"}
		}
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, &ParseError{Path: fmt.Sprintf("%s[%d]", path, i), Msg: "must be a string, got " + typeName(e)}
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, &ParseError{Path: path, Msg: "must be a string or a list of strings, got " + typeName(v)}
}

// scalarList reads condition values: strings, numbers and booleans, alone or
// in a list, all compared as their text.
func scalarList(v any, path string) ([]string, error) {
	one := func(e any, p string) (string, error) {
		switch x := e.(type) {
		case string:
			return x, nil
		case bool:
			if x {
				return "true", nil
			}
			return "false", nil
		case json.Number:
			return x.String(), nil
		case float64:
			return strings.TrimSuffix(fmt.Sprintf("%v", x), ".0"), nil
		}
		return "", &ParseError{Path: p, Msg: "condition value must be a string, number or boolean, got " + typeName(e)}
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for i, e := range l {
			s, err := one(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v, path)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
