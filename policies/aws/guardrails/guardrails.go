// Package guardrails renders the AWS guardrail templates imagewarden
// recommends (MITRE ATT&CK M1026): a service control policy, or a
// permissions boundary, that denies every image-capability action of the
// catalog except to the approved publishers of that capability. The
// template is image-guardrail.json.tmpl; every rendered document is parsed
// with policies/aws and held to the AWS size limits, and an SCP too long
// for one policy is split into several.
package guardrails

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/template"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// AWS limits, in characters without whitespace.
const (
	SCPLimit      = 5120
	BoundaryLimit = 6144 // a managed policy used as a permissions boundary
)

//go:embed image-guardrail.json.tmpl
var templateText string

var tmpl = template.Must(template.New("guardrail").Funcs(template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).Parse(templateText))

// Capability is what one capability contributes: its actions, the
// principals (ARN patterns) approved for it everywhere, and those approved
// only on some resources.
type Capability struct {
	ID      string
	Actions []string
	Exempt  []string
	Scoped  []Scoped
	// NotResources, for a boundary of one principal approved on some
	// resources: the actions are denied everywhere else.
	NotResources []string
}

// Scoped is a publisher approved for a capability on some resources only.
type Scoped struct {
	Principal string
	Resources []string
}

// Statement is one Deny statement of the template.
type Statement struct {
	Capability   string
	Sid          string
	Actions      []string
	NotResources []string
	Operator     string   // ArnNotLike (exempt principals) or ArnLike (scoped publisher)
	Principals   []string // aws:PrincipalArn values; none: everyone
}

type data struct {
	Statements []Statement
	Boundary   bool
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

func sid(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		for _, w := range nonAlnum.Split(p, -1) {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
	}
	return b.String()
}

// Statements turns capabilities into Deny statements: per capability, one
// for everyone but the exempt principals, and one per scoped publisher for
// the resources outside its approval.
func Statements(caps []Capability) []Statement {
	var out []Statement
	for _, c := range caps {
		if len(c.Actions) == 0 {
			continue
		}
		acts := append([]string{}, c.Actions...)
		sort.Strings(acts)
		exempt := append([]string{}, c.Exempt...)
		for _, s := range c.Scoped {
			exempt = append(exempt, s.Principal)
		}
		sort.Strings(exempt)
		st := Statement{Capability: c.ID, Sid: sid("Deny", c.ID), Actions: acts}
		if len(c.NotResources) > 0 {
			res := append([]string{}, c.NotResources...)
			sort.Strings(res)
			st.NotResources = dedupe(res)
		}
		if len(exempt) > 0 {
			st.Operator, st.Principals = "ArnNotLike", dedupe(exempt)
		}
		out = append(out, st)
		for i, s := range c.Scoped {
			res := append([]string{}, s.Resources...)
			sort.Strings(res)
			out = append(out, Statement{Capability: c.ID, Sid: sid("Deny", c.ID, "OutsideApproved", fmt.Sprint(i+1)), Actions: acts,
				NotResources: dedupe(res), Operator: "ArnLike", Principals: []string{s.Principal}})
		}
	}
	return out
}

func dedupe(in []string) []string {
	var out []string
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// rendered remembers documents rendered and checked, by their statements:
// remediation renders the same boundary for many principals, and packing
// renders the same statements again as it grows a document.
var rendered = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// renderedMax bounds how many documents rendered keeps.
const renderedMax = 4096

// Render renders one document of the template, and checks it.
func Render(stmts []Statement, boundary bool) (string, error) {
	key, err := json.Marshal(data{Statements: stmts, Boundary: boundary})
	if err == nil {
		rendered.Lock()
		doc, ok := rendered.m[string(key)]
		rendered.Unlock()
		if ok {
			return doc, nil
		}
	}
	doc, err := render(stmts, boundary)
	if err == nil && key != nil {
		rendered.Lock()
		if len(rendered.m) < renderedMax {
			rendered.m[string(key)] = doc
		}
		rendered.Unlock()
	}
	return doc, err
}

func render(stmts []Statement, boundary bool) (string, error) {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data{Statements: stmts, Boundary: boundary}); err != nil {
		return "", err
	}
	doc := b.String()
	if _, err := iam.ParsePolicy([]byte(doc)); err != nil {
		return "", fmt.Errorf("guardrail template renders an invalid policy: %v", err)
	}
	return doc, nil
}

// Minified is the document's length as AWS counts it.
func Minified(doc string) int {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return len(doc)
	}
	return b.Len()
}

// Doc is one rendered policy and the capabilities it (partly) denies.
type Doc struct {
	Text         string
	Capabilities map[string]bool
}

// SCPs renders the guardrail as service control policies, each within
// SCPLimit when minified: statements are packed in order, and a statement
// too long alone is split by actions.
func SCPs(caps []Capability) ([]Doc, error) {
	return pack(Statements(caps), false, SCPLimit)
}

// Boundary renders the guardrail as one permissions boundary (the Deny
// statements and an Allow of everything else); a principal has only one
// boundary, so a boundary over BoundaryLimit is an error.
func Boundary(caps []Capability) (string, error) {
	doc, err := Render(Statements(caps), true)
	if err != nil {
		return "", err
	}
	if n := Minified(doc); n > BoundaryLimit {
		return "", fmt.Errorf("the boundary is %d characters, over the %d limit of a managed policy", n, BoundaryLimit)
	}
	return doc, nil
}

func pack(stmts []Statement, boundary bool, limit int) ([]Doc, error) {
	var docs []Doc
	var cur []Statement
	fits := func(ss []Statement) (bool, error) {
		doc, err := Render(ss, boundary)
		if err != nil {
			return false, err
		}
		return Minified(doc) <= limit, nil
	}
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		doc, err := Render(cur, boundary)
		if err != nil {
			return err
		}
		d := Doc{Text: doc, Capabilities: map[string]bool{}}
		for _, st := range cur {
			d.Capabilities[st.Capability] = true
		}
		docs = append(docs, d)
		cur = nil
		return nil
	}
	for _, st := range stmts {
		ok, err := fits(append(append([]Statement{}, cur...), st))
		if err != nil {
			return nil, err
		}
		if ok {
			cur = append(cur, st)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if ok, _ := fits([]Statement{st}); ok {
			cur = []Statement{st}
			continue
		}
		// Too long alone: split its actions into parts that fit.
		for part, rest := 1, st.Actions; len(rest) > 0; part++ {
			n := len(rest)
			for n > 1 {
				piece := st
				piece.Actions = rest[:n]
				piece.Sid = fmt.Sprintf("%sPart%d", st.Sid, part)
				if ok, _ := fits([]Statement{piece}); ok {
					break
				}
				n--
			}
			piece := st
			piece.Actions = rest[:n]
			piece.Sid = fmt.Sprintf("%sPart%d", st.Sid, part)
			if ok, _ := fits([]Statement{piece}); !ok {
				return nil, fmt.Errorf("statement %s does not fit in %d characters even with one action", st.Sid, limit)
			}
			cur = []Statement{piece}
			if err := flush(); err != nil {
				return nil, err
			}
			rest = rest[n:]
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}
