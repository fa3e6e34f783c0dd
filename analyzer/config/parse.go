package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gobwas/glob"
	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// The keys each mapping may have: anything else is an error, so a typo
// ("expiry:", "principle:") does not silently widen or keep a rule.
var (
	topKeys         = []string{"version", "approved_publishers", "suppressions", "severity_overrides"}
	publisherKeys   = []string{"principal", "capabilities", "resources", "reason"}
	suppressionKeys = []string{"id", "rule", "principal", "capability", "resource", "reason", "owner", "expires"}
	overrideKeys    = []string{"rule", "principal", "capability", "cloud", "severity", "reason"}
)

// DateLayout is the layout of expires.
const DateLayout = "2006-01-02"

type parser struct {
	file     string
	problems []Problem
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	pr := Problem{File: p.file, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads the document; broken YAML is an error at once, the other
// problems are collected.
func (p *parser) parse(c *Config, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return p.syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "a second YAML document: the configuration is one document")
	} else if !errors.Is(err, io.EOF) {
		return p.syntaxError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == 0 || root.Kind == yaml.DocumentNode || isNull(root) {
		p.problems = append(p.problems, Problem{File: p.file, Line: 1, Column: 1, Message: "empty configuration: want at least \"version: 1\""})
		return nil
	}
	top := p.mapping(root, "the configuration", topKeys)
	if top == nil {
		return nil
	}
	if v, ok := top.values["version"]; !ok {
		p.errorf(root, "missing \"version: %d\"", Version)
	} else if s, ok := p.scalar(v, "version"); ok && s != strconv.Itoa(Version) {
		p.errorf(deref(v), "version %q: this imagewarden reads version %d", s, Version)
	}
	for i, n := range p.sequence(top.values["approved_publishers"], "approved_publishers") {
		c.ApprovedPublishers = append(c.ApprovedPublishers, p.publisher(n, fmt.Sprintf("approved_publishers[%d]", i)))
	}
	for i, n := range p.sequence(top.values["suppressions"], "suppressions") {
		c.Suppressions = append(c.Suppressions, p.suppression(n, fmt.Sprintf("suppressions[%d]", i)))
	}
	for i, n := range p.sequence(top.values["severity_overrides"], "severity_overrides") {
		c.SeverityOverrides = append(c.SeverityOverrides, p.override(n, fmt.Sprintf("severity_overrides[%d]", i)))
	}
	return nil
}

func (p *parser) syntaxError(err error) error {
	pr := Problem{File: p.file, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		pr.Line, _ = strconv.Atoi(m[1])
		pr.Message = m[2]
	}
	pr.Message = "not valid YAML: " + pr.Message
	return &Error{File: p.file, Problems: []Problem{pr}}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func deref(n *yaml.Node) *yaml.Node {
	// Aliases are followed one step: the walk has a fixed depth, so a
	// cycle cannot make it loop.
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

type mapping struct {
	node   *yaml.Node
	values map[string]*yaml.Node
}

// mapping checks that n is a mapping with only known, unrepeated keys.
func (p *parser) mapping(n *yaml.Node, what string, known []string) *mapping {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: want a mapping of %s, got %s", what, strings.Join(known, ", "), kindName(n))
		return nil
	}
	m := &mapping{node: n, values: map[string]*yaml.Node{}}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: a key must be a string, got %s", what, kindName(k))
			continue
		}
		if first, dup := keys[k.Value]; dup {
			p.errorf(k, "%s: key %q repeated (first at line %d)", what, k.Value, first.Line)
			continue
		}
		keys[k.Value] = k
		if !contains(known, k.Value) {
			p.errorf(k, "%s: unknown key %q; known keys: %s", what, k.Value, strings.Join(known, ", "))
			continue
		}
		m.values[k.Value] = v
	}
	return m
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// sequence returns the items of a list; absent or null is an empty list.
func (p *parser) sequence(n *yaml.Node, what string) []*yaml.Node {
	n = deref(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: want a list, got %s", what, kindName(n))
		return nil
	}
	return n.Content
}

// scalar returns a string value; null is "".
func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n == nil || isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: want a string, got %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

// stringList returns a list of strings and their places.
func (p *parser) stringList(n *yaml.Node, what string) ([]string, []Pos) {
	n = deref(n)
	if n == nil || isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: want a list, e.g. [%s], got %s", what, exampleOf(what), kindName(n))
		return nil, nil
	}
	if len(n.Content) == 0 {
		p.errorf(n, "%s: an empty list approves nothing; leave the key out to mean all", what)
		return nil, nil
	}
	var out []string
	var pos []Pos
	for i, it := range n.Content {
		s, ok := p.scalar(it, fmt.Sprintf("%s[%d]", what, i))
		if !ok {
			continue
		}
		if s == "" {
			p.errorf(deref(it), "%s[%d]: empty", what, i)
			continue
		}
		out = append(out, s)
		pos = append(pos, Pos{deref(it).Line, deref(it).Column})
	}
	return out, pos
}

func exampleOf(what string) string {
	if strings.HasSuffix(what, "capabilities") {
		return "image.push"
	}
	return `"arn:aws:ecr:*:111122223333:repository/golden/*"`
}

// field reads one string field of a mapping, with its place (the value's,
// or the mapping's when absent).
func (p *parser) field(m *mapping, key, what string) (string, Pos, *yaml.Node) {
	n, ok := m.values[key]
	if !ok {
		return "", Pos{m.node.Line, m.node.Column}, nil
	}
	s, _ := p.scalar(n, what+"."+key)
	d := deref(n)
	return s, Pos{d.Line, d.Column}, d
}

// compile compiles a glob as the rules' glob.match(pattern, null, s) does:
// no delimiters, so "*" matches any text, "/" and ":" included.
func (p *parser) compile(n *yaml.Node, what, pattern string) *glob.Pattern {
	if pattern == "" {
		return nil
	}
	g, err := compileGlob(pattern)
	if err != nil {
		p.errorf(n, "%s: bad glob %q: %v", what, pattern, err)
		return nil
	}
	return g
}

func compileGlob(pattern string) (g *glob.Pattern, err error) {
	defer func() {
		if r := recover(); r != nil { // the library must not take the tool down
			g, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return glob.Compile(pattern)
}

func (p *parser) publisher(n *yaml.Node, what string) Publisher {
	a := Publisher{Pos: Pos{deref(n).Line, deref(n).Column}}
	m := p.mapping(n, what, publisherKeys)
	if m == nil {
		return a
	}
	var pn *yaml.Node
	a.Principal, _, pn = p.field(m, "principal", what)
	if a.Principal == "" {
		p.errorf(orNode(pn, m.node), "%s: principal is missing: the principal (a glob) the entry approves", what)
	} else {
		p.compile(pn, what+".principal", a.Principal)
	}
	if v, ok := m.values["capabilities"]; ok {
		a.Capabilities, a.capPos = p.stringList(v, what+".capabilities")
	}
	if v, ok := m.values["resources"]; ok {
		var pos []Pos
		a.Resources, pos = p.stringList(v, what+".resources")
		for i, r := range a.Resources {
			p.compile(&yaml.Node{Line: pos[i].Line, Column: pos[i].Column}, fmt.Sprintf("%s.resources[%d]", what, i), r)
		}
	}
	a.Reason, _, _ = p.field(m, "reason", what)
	return a
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func (p *parser) suppression(n *yaml.Node, what string) Suppression {
	s := Suppression{Pos: Pos{deref(n).Line, deref(n).Column}}
	m := p.mapping(n, what, suppressionKeys)
	if m == nil {
		return s
	}
	var idN, prN, capN, resN, expN *yaml.Node
	s.ID, _, idN = p.field(m, "id", what)
	s.Rule, s.rulePos, _ = p.field(m, "rule", what)
	s.Principal, _, prN = p.field(m, "principal", what)
	s.Capability, s.capPos, capN = p.field(m, "capability", what)
	s.Resource, _, resN = p.field(m, "resource", what)
	s.Reason, _, _ = p.field(m, "reason", what)
	s.Owner, _, _ = p.field(m, "owner", what)
	s.Expires, _, expN = p.field(m, "expires", what)

	match := s.Rule != "" || s.Principal != "" || s.Capability != "" || s.Resource != ""
	switch {
	case s.ID != "" && match:
		p.errorf(idN, "%s: give an id or a match (rule, principal, capability, resource), not both", what)
	case s.ID != "":
		if !model.ValidFindingID(s.ID) {
			p.errorf(idN, "%s: id %q is not a finding id (\"iw-\" and 16 hex digits, as in the report)", what, s.ID)
		}
	case !match:
		p.errorf(m.node, "%s: empty match: give the id of a finding, or at least one of rule, principal, capability, resource", what)
	}
	s.principal = p.compile(prN, what+".principal", s.Principal)
	s.capability = p.compile(capN, what+".capability", s.Capability)
	s.resource = p.compile(resN, what+".resource", s.Resource)
	if strings.TrimSpace(s.Reason) == "" {
		p.errorf(m.node, "%s: reason is missing: why the risk is accepted", what)
	}
	if strings.TrimSpace(s.Owner) == "" {
		p.errorf(m.node, "%s: owner is missing: who accepted the risk", what)
	}
	switch {
	case expN == nil || s.Expires == "":
		p.errorf(orNode(expN, m.node), "%s: expires is missing: the last day (YYYY-MM-DD) the suppression holds", what)
	default:
		if _, err := time.Parse(DateLayout, s.Expires); err != nil || len(s.Expires) != len(DateLayout) {
			p.errorf(expN, "%s: expires %q is not a date (YYYY-MM-DD)", what, s.Expires)
		}
	}
	return s
}

func (p *parser) override(n *yaml.Node, what string) Override {
	o := Override{Pos: Pos{deref(n).Line, deref(n).Column}}
	m := p.mapping(n, what, overrideKeys)
	if m == nil {
		return o
	}
	var prN, capN, clN, sevN *yaml.Node
	o.Rule, o.rulePos, _ = p.field(m, "rule", what)
	o.Principal, _, prN = p.field(m, "principal", what)
	o.Capability, o.capPos, capN = p.field(m, "capability", what)
	o.Cloud, o.cloudPos, clN = p.field(m, "cloud", what)
	o.Severity, _, sevN = p.field(m, "severity", what)
	o.Reason, _, _ = p.field(m, "reason", what)
	if o.Rule == "" && o.Principal == "" && o.Capability == "" && o.Cloud == "" {
		p.errorf(m.node, "%s: empty match: give at least one of rule, principal, capability, cloud", what)
	}
	o.principal = p.compile(prN, what+".principal", o.Principal)
	o.capability = p.compile(capN, what+".capability", o.Capability)
	o.cloudGlob = p.compile(clN, what+".cloud", o.Cloud)
	if _, ok := model.SeverityRank[o.Severity]; !ok {
		if o.Severity == "" {
			p.errorf(orNode(sevN, m.node), "%s: severity is missing: one of %s", what, severityList)
		} else {
			p.errorf(sevN, "%s: severity %q: one of %s", what, o.Severity, severityList)
		}
	}
	return o
}

const severityList = "info, low, medium, high, critical"
