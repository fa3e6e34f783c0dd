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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobwas/glob"
	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/model"
	builtin "github.com/imagewarden/imagewarden/rego"
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
	tmp      string    // the data file written for the rules engine
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

// Prepare loads the configuration at path ("" for none) and returns the
// data files the rules engine should read: the user's, then, when the
// configuration approves publishers, a temporary file with them. Close
// removes that file.
func Prepare(path string, dataFiles []string) (*Config, []string, error) {
	c, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	files, err := c.DataFiles(dataFiles)
	if err != nil {
		return nil, nil, err
	}
	return c, files, nil
}

// DataFiles returns the user's data files, then one that sets
// imagewarden.approved_publishers to the list those files (or the built-in
// data) give followed by the configuration's publishers: both approve.
func (c *Config) DataFiles(user []string) ([]string, error) {
	if c == nil || len(c.ApprovedPublishers) == 0 {
		return user, nil
	}
	list := basePublishers(user)
	for _, a := range c.ApprovedPublishers {
		if a.Principal == "" {
			continue // a problem Check reports
		}
		list = append(list, a)
	}
	b, err := json.Marshal(map[string]any{"imagewarden": map[string]any{"approved_publishers": list}})
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "imagewarden-config-*.json")
	if err != nil {
		return nil, fmt.Errorf("configuration %s: %w", c.Path, err)
	}
	c.tmp = f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return append(append([]string{}, user...), c.tmp), nil
}

// basePublishers is the approved_publishers list in effect before the
// configuration's: the last --data file that sets it, or the built-in
// default. Files that do not parse are left to the rules engine to report.
func basePublishers(files []string) []any {
	var list []any
	if b, err := fs.ReadFile(builtin.FS, "data.json"); err == nil {
		var doc map[string]any
		if json.Unmarshal(b, &doc) == nil {
			list = publishersOf(doc)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var doc map[string]any
		if yaml.Unmarshal(b, &doc) != nil {
			continue
		}
		if l := publishersOf(doc); l != nil {
			list = l
		}
	}
	return append([]any{}, list...)
}

func publishersOf(doc map[string]any) []any {
	iw, ok := doc["imagewarden"].(map[string]any)
	if !ok {
		return nil
	}
	l, _ := iw["approved_publishers"].([]any)
	return l
}

// Close removes the temporary data file.
func (c *Config) Close() error {
	if c == nil || c.tmp == "" {
		return nil
	}
	err := os.Remove(c.tmp)
	c.tmp = ""
	return err
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
