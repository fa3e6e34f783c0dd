package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Check reports every problem of the configuration at once: those found
// while parsing, and the rule ids, capabilities and clouds that the rules
// engine and the catalog do not know. A nil rules or cat skips those
// checks. The error is an *Error.
func (c *Config) Check(rules []model.Rule, cat *catalog.Catalog) error {
	if c == nil {
		return nil
	}
	ps := append([]Problem{}, c.problems...)
	add := func(pos Pos, format string, args ...any) {
		ps = append(ps, Problem{File: c.Path, Line: pos.Line, Column: pos.Column, Message: fmt.Sprintf(format, args...)})
	}
	var ruleIDs, caps, clouds []string
	if rules != nil {
		for _, r := range rules {
			ruleIDs = append(ruleIDs, r.ID)
		}
		sort.Strings(ruleIDs)
	}
	if cat != nil {
		seen := map[string]bool{}
		for _, cp := range cat.Capabilities {
			caps = append(caps, cp.ID)
		}
		for _, e := range cat.Entries {
			if !seen[e.Cloud] {
				seen[e.Cloud] = true
				clouds = append(clouds, e.Cloud)
			}
		}
		sort.Strings(clouds)
	}
	rule := func(what, id string, pos Pos) {
		if rules != nil && id != "" && !contains(ruleIDs, id) {
			add(pos, "%s: unknown rule %q; the rules are %s", what, id, strings.Join(ruleIDs, ", "))
		}
	}
	// known checks a value, or a glob, against the names the catalog knows.
	known := func(what, kind, kinds, v string, pos Pos, names []string) {
		if cat == nil || v == "" {
			return
		}
		if contains(names, v) {
			return
		}
		g, err := compileGlob(v)
		if err != nil {
			return // reported as a bad glob
		}
		for _, n := range names {
			if g.Match(n) {
				return
			}
		}
		if strings.ContainsAny(v, `*?[{\`) {
			add(pos, "%s: %s glob %q matches no %s; the %s are %s", what, kind, v, kind, kinds, strings.Join(names, ", "))
			return
		}
		add(pos, "%s: unknown %s %q; the %s are %s", what, kind, v, kinds, strings.Join(names, ", "))
	}
	for i, a := range c.ApprovedPublishers {
		what := fmt.Sprintf("approved_publishers[%d]", i)
		for j, cp := range a.Capabilities {
			// The rules compare capabilities exactly: no globs here.
			if cat != nil && !contains(caps, cp) {
				add(a.capPos[j], "%s.capabilities[%d]: unknown capability %q; the capabilities are %s", what, j, cp, strings.Join(caps, ", "))
			}
		}
	}
	for i, s := range c.Suppressions {
		what := fmt.Sprintf("suppressions[%d]", i)
		rule(what+".rule", s.Rule, s.rulePos)
		known(what+".capability", "capability", "capabilities", s.Capability, s.capPos, caps)
	}
	for i, o := range c.SeverityOverrides {
		what := fmt.Sprintf("severity_overrides[%d]", i)
		rule(what+".rule", o.Rule, o.rulePos)
		known(what+".capability", "capability", "capabilities", o.Capability, o.capPos, caps)
		known(what+".cloud", "cloud", "clouds", o.Cloud, o.cloudPos, clouds)
	}
	return errorOf(c.Path, ps)
}
