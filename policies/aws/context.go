package aws

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Context holds the request context keys (aws:SourceIp, aws:PrincipalTag/x,
// ...). Keys are case-insensitive. When Complete is true an absent key is
// absent, as in a real request; when false (offline analysis, where most of
// the context is unknown) an absent key is unknown and conditions on it make
// the decision conditional.
type Context struct {
	Complete bool
	values   map[string]ContextValue
}

// ContextValue is the value of a context key; Multi marks a multi-valued key.
type ContextValue struct {
	Values []string
	Multi  bool
}

// NewContext returns an empty context.
func NewContext(complete bool) *Context {
	return &Context{Complete: complete, values: map[string]ContextValue{}}
}

// Set gives a key a single value.
func (c *Context) Set(key, value string) {
	c.values[strings.ToLower(key)] = ContextValue{Values: []string{value}}
}

// SetMulti gives a key a list of values.
func (c *Context) SetMulti(key string, values []string) {
	c.values[strings.ToLower(key)] = ContextValue{Values: values, Multi: true}
}

// Keys lists the keys that have values, sorted.
func (c *Context) Keys() []string {
	out := make([]string, 0, len(c.values))
	for k := range c.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clone copies the context.
func (c *Context) Clone() *Context {
	n := &Context{Complete: c.Complete, values: make(map[string]ContextValue, len(c.values))}
	for k, v := range c.values {
		n.values[k] = v
	}
	return n
}

// lookup returns the value and whether the key is present.
func (c *Context) lookup(key string) (ContextValue, Tri) {
	if c != nil {
		if v, ok := c.values[strings.ToLower(key)]; ok {
			return v, True
		}
		if c.Complete {
			return ContextValue{}, False
		}
	}
	return ContextValue{}, Unknown
}

// ContextFromJSON reads a context object such as {"aws:SourceIp": "10.0.0.1",
// "aws:TagKeys": ["a", "b"], "aws:MultiFactorAuthPresent": true}.
func ContextFromJSON(raw map[string]json.RawMessage, complete bool) (*Context, error) {
	c := NewContext(complete)
	for k, v := range raw {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, fmt.Errorf("context key %q: %v", k, err)
		}
		switch t := x.(type) {
		case []any:
			vals := make([]string, 0, len(t))
			for i, e := range t {
				s, err := scalarList(e, fmt.Sprintf("%s[%d]", k, i))
				if err != nil {
					return nil, fmt.Errorf("context key %q: %v", k, err)
				}
				vals = append(vals, s...)
			}
			c.SetMulti(k, vals)
		case nil:
			// a null value is the same as an absent key
		default:
			s, err := scalarList(t, k)
			if err != nil {
				return nil, fmt.Errorf("context key %q: %v", k, err)
			}
			c.Set(k, s[0])
		}
	}
	return c, nil
}

// expand resolves policy variables (${aws:username}, ${key, 'default'},
// ${*}, ${?}, ${$}) in s. With wildcards, '*' and '?' written in s become
// wildcards (compiled form); otherwise they stay literal. The Tri is False
// when a variable has no value (the string then matches nothing, as AWS
// documents) and Unknown when the context cannot tell.
func expand(s string, ctx *Context, wildcards bool) (string, Tri) {
	if !strings.Contains(s, "${") {
		if wildcards {
			return compileWildcards(s), True
		}
		return s, True
	}
	var b strings.Builder
	ok := True
	for i := 0; i < len(s); {
		c := s[i]
		if c == '$' && i+1 < len(s) && s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end >= 0 {
				inner := s[i+2 : i+2+end]
				i += end + 3
				switch inner {
				case "*":
					b.WriteByte('*')
					continue
				case "?":
					b.WriteByte('?')
					continue
				case "$":
					b.WriteByte('$')
					continue
				}
				name, def, hasDef := inner, "", false
				if n, d, found := strings.Cut(inner, ", "); found && len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
					name, def, hasDef = strings.TrimSpace(n), d[1:len(d)-1], true
				}
				v, present := ctx.lookup(name)
				switch {
				case present == True && !v.Multi && len(v.Values) == 1 && v.Values[0] != "":
					b.WriteString(v.Values[0])
				case present == Unknown:
					ok = ok.And(Unknown)
				case hasDef && def != "":
					b.WriteString(def)
				default:
					return "", False
				}
				continue
			}
		}
		switch {
		case wildcards && c == '*':
			b.WriteByte(starByte)
		case wildcards && c == '?':
			b.WriteByte(qmarkByte)
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String(), ok
}
