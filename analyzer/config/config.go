// Package config reads .imagewarden.yaml: the approved image publishers,
// the accepted risks (suppressions) and the severity overrides of an
// organisation (docs/config.md).
//
// The approved publishers go to the Rego rules as
// data.imagewarden.approved_publishers, so approved access raises no
// finding. Suppressions and severity overrides are applied in Go to the
// rules' findings: an override changes a finding's severity, a suppression
// marks it (it stays in the report). Every problem of a file is reported at
// once, each with its file, line and column.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobwas/glob"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// DefaultName is the file looked for when no --config is given.
const DefaultName = ".imagewarden.yaml"

// Version is the version of the format this package reads.
const Version = 1

// Kind is the kind of the configuration among a report's inputs.
const Kind = "imagewarden-config"

// Pos is a place in the file.
type Pos struct{ Line, Column int }

// Publisher is an approved publisher, passed to the rules as is.
type Publisher struct {
	Principal    string   `json:"principal"`              // glob
	Capabilities []string `json:"capabilities,omitempty"` // capability ids; all when absent
	Resources    []string `json:"resources,omitempty"`    // globs; all when absent
	Reason       string   `json:"reason,omitempty"`
	Pos          Pos      `json:"-"`

	capPos []Pos
}

// Suppression is an accepted risk: a finding ID, or a match on rule,
// principal, capability and resource, with who accepted it, why and until
// when.
type Suppression struct {
	ID         string // a finding ID (iw-...), or:
	Rule       string // a rule id, exactly
	Principal  string // glob
	Capability string // glob
	Resource   string // glob; every target of the finding must match
	Reason     string
	Owner      string
	Expires    string // YYYY-MM-DD, the last day it holds
	Pos        Pos

	rulePos, capPos                 Pos
	principal, capability, resource *glob.Pattern
}

// Override gives the findings it matches another severity.
type Override struct {
	Rule       string // a rule id, exactly
	Principal  string // glob
	Capability string // glob
	Cloud      string // glob
	Severity   string
	Reason     string
	Pos        Pos

	rulePos, capPos, cloudPos        Pos
	principal, capability, cloudGlob *glob.Pattern
}

// Config is a parsed configuration file. A nil *Config is no configuration:
// its methods do nothing.
type Config struct {
	Path               string // as given: the messages name it so
	SHA256             string
	ApprovedPublishers []Publisher
	Suppressions       []Suppression
	SeverityOverrides  []Override

	problems []Problem // found while parsing; reported by Check
}

// Problem is one thing wrong in a file.
type Problem struct {
	File         string
	Line, Column int
	Message      string
}

func (p Problem) String() string {
	switch {
	case p.Line == 0:
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	case p.Column == 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// Error lists every problem of a configuration file.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "configuration " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "configuration %s: %d problems:", e.File, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Load reads and parses the file; "" means no configuration (a nil
// *Config). Only an unreadable file or broken YAML is an error here; the
// other problems are kept for Check, which reports them with those it finds
// against the rules and the catalog.
func Load(path string) (*Config, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return Parse(path, b)
}

// Parse parses a configuration. The error, if any, is an *Error.
func Parse(name string, data []byte) (*Config, error) {
	sum := sha256.Sum256(data)
	c := &Config{Path: name, SHA256: hex.EncodeToString(sum[:])}
	p := &parser{file: name}
	if err := p.parse(c, data); err != nil {
		return nil, err
	}
	c.problems = p.problems
	return c, nil
}

// Data adds the configuration's approved publishers to the rules' data
// (rules.LoadData), after those the data already has: both approve. It
// returns data, changed in place; a nil configuration leaves it as it is.
func (c *Config) Data(data map[string]any) map[string]any {
	if c == nil || len(c.ApprovedPublishers) == 0 {
		return data
	}
	iw, ok := data["imagewarden"].(map[string]any)
	if !ok {
		iw = map[string]any{}
		data["imagewarden"] = iw
	}
	list, _ := iw["approved_publishers"].([]any)
	list = append([]any{}, list...)
	for _, a := range c.ApprovedPublishers {
		if a.Principal == "" {
			continue // a problem Check reports
		}
		list = append(list, a.data())
	}
	iw["approved_publishers"] = list
	return data
}

// data is the publisher as rules data: JSON values only, as the rules
// engine's store wants them.
func (p Publisher) data() map[string]any {
	m := map[string]any{"principal": p.Principal}
	if len(p.Capabilities) > 0 {
		m["capabilities"] = strings2any(p.Capabilities)
	}
	if len(p.Resources) > 0 {
		m["resources"] = strings2any(p.Resources)
	}
	if p.Reason != "" {
		m["reason"] = p.Reason
	}
	return m
}

func strings2any(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// Sources is the configuration as a report input.
func (c *Config) Sources() []model.Source {
	if c == nil {
		return nil
	}
	detail := fmt.Sprintf("%s, %s, %s",
		plural(len(c.ApprovedPublishers), "approved publisher"),
		plural(len(c.Suppressions), "suppression"),
		plural(len(c.SeverityOverrides), "severity override"))
	return []model.Source{{Path: c.Path, Kind: Kind, Detail: detail, SHA256: c.SHA256}}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Discover finds the configuration to use when none is named: DefaultName
// in dir (the current directory) if it exists, else the DefaultName of the
// one PATH that is a directory holding one. Several such PATHs are an
// error: the caller must choose with --config. "" means none.
func Discover(dir string, paths []string) (string, error) {
	if isFile(filepath.Join(dir, DefaultName)) {
		if dir == "." {
			return DefaultName, nil
		}
		return filepath.Join(dir, DefaultName), nil
	}
	var found []string
	seen := map[string]bool{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			continue
		}
		f := filepath.Join(p, DefaultName)
		if !isFile(f) {
			continue
		}
		key := f
		if abs, err := filepath.Abs(f); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	sort.Strings(found)
	return "", fmt.Errorf("several PATHs hold a %s (%s): choose one with --config FILE, or none with --no-config", DefaultName, strings.Join(found, ", "))
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// errorOf turns problems into an *Error, sorted by place; nil when none.
func errorOf(file string, ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	ps = append([]Problem{}, ps...)
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Column < ps[j].Column
	})
	return &Error{File: file, Problems: ps}
}

// AsError returns err's *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
