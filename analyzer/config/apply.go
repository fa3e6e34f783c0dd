package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/gobwas/glob"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Apply changes the findings in place as the configuration says: first the
// severity overrides (the first matching entry wins), then the
// suppressions (the first matching unexpired entry marks the finding). It
// sorts the findings again when a severity changed. now is the report's
// date: a suppression holds through its expiry date, in UTC, and lapses the
// day after. The warnings name the suppressions that lapsed while their
// findings are still there, and those that match no finding.
func (c *Config) Apply(findings []model.Finding, now time.Time) []model.Warning {
	if c == nil {
		return nil
	}
	resort := false
	for i := range findings {
		f := &findings[i]
		for j := range c.SeverityOverrides {
			o := &c.SeverityOverrides[j]
			if o.Matches(f) {
				if f.Severity != o.Severity {
					f.Severity, resort = o.Severity, true
				}
				break
			}
		}
	}
	if resort {
		model.SortFindings(findings)
	}

	matched := make([]int, len(c.Suppressions))
	back := make([][]string, len(c.Suppressions)) // findings an expired entry no longer covers
	for i := range findings {
		f := &findings[i]
		var lapsed []int
		for j := range c.Suppressions {
			s := &c.Suppressions[j]
			if !s.Matches(f) {
				continue
			}
			matched[j]++
			if s.Expired(now) {
				lapsed = append(lapsed, j)
				continue
			}
			if f.Suppression == nil {
				f.Suppression = &model.Suppression{Reason: s.Reason, Owner: s.Owner, Expires: s.Expires, Source: c.source(s)}
			}
		}
		if f.Suppression == nil {
			for _, j := range lapsed {
				back[j] = append(back[j], f.ID)
			}
		}
	}
	var out []model.Warning
	for j := range c.Suppressions {
		s := &c.Suppressions[j]
		src := c.source(s)
		switch expired := s.Expired(now); {
		case matched[j] == 0 && expired:
			out = append(out, model.Warning{Message: fmt.Sprintf("suppression at %s (expired on %s) matches no finding: remove it", src, s.Expires)})
		case matched[j] == 0:
			out = append(out, model.Warning{Message: fmt.Sprintf("suppression at %s matches no finding: the access is gone or the suppression is wrong; remove it", src)})
		case expired && len(back[j]) == 1:
			out = append(out, model.Warning{Message: fmt.Sprintf("suppression at %s expired on %s: the finding is back (%s)", src, s.Expires, back[j][0])})
		case expired && len(back[j]) > 1:
			out = append(out, model.Warning{Message: fmt.Sprintf("suppression at %s expired on %s: the %d findings are back (%s)", src, s.Expires, len(back[j]), listIDs(back[j]))})
		case expired:
			out = append(out, model.Warning{Message: fmt.Sprintf("suppression at %s expired on %s; other suppressions cover its findings: remove it", src, s.Expires)})
		}
	}
	return out
}

func listIDs(ids []string) string {
	const max = 5
	if len(ids) <= max {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:max], ", "), len(ids)-max)
}

func (c *Config) source(s *Suppression) string {
	return fmt.Sprintf("%s:%d", c.Path, s.Pos.Line)
}

// Expired says whether the suppression has lapsed on now's date (UTC): it
// holds through its expiry date, inclusive. A missing or bad date counts
// as expired.
func (s *Suppression) Expired(now time.Time) bool {
	if _, err := time.Parse(DateLayout, s.Expires); err != nil {
		return true
	}
	return s.Expires < now.UTC().Format(DateLayout)
}

// Matches says whether the suppression covers the finding: its id, or
// every match field given (rule exactly; principal and capability as
// globs; resource as a glob that every target of the finding must match,
// so a finding without targets never matches a resource).
func (s *Suppression) Matches(f *model.Finding) bool {
	if s.ID != "" {
		return s.ID == f.ID && s.Rule == "" && s.Principal == "" && s.Capability == "" && s.Resource == ""
	}
	if s.Rule == "" && s.Principal == "" && s.Capability == "" && s.Resource == "" {
		return false
	}
	if s.Rule != "" && s.Rule != f.RuleID {
		return false
	}
	if !globOK(s.Principal, s.principal, f.PrincipalID) || !globOK(s.Capability, s.capability, f.Capability) {
		return false
	}
	if s.Resource != "" {
		if s.resource == nil || len(f.Targets) == 0 {
			return false
		}
		for _, t := range f.Targets {
			if !s.resource.Match(t.Resource) {
				return false
			}
		}
	}
	return true
}

// Matches says whether the override applies to the finding: every field
// given matches (rule exactly; principal, capability and cloud as globs).
func (o *Override) Matches(f *model.Finding) bool {
	if o.Rule == "" && o.Principal == "" && o.Capability == "" && o.Cloud == "" {
		return false
	}
	if _, ok := model.SeverityRank[o.Severity]; !ok {
		return false
	}
	if o.Rule != "" && o.Rule != f.RuleID {
		return false
	}
	return globOK(o.Principal, o.principal, f.PrincipalID) &&
		globOK(o.Capability, o.capability, f.Capability) &&
		globOK(o.Cloud, o.cloudGlob, cloudOf(f))
}

// globOK: an absent field matches; a field whose glob did not compile
// matches nothing.
func globOK(pattern string, g *glob.Pattern, s string) bool {
	if pattern == "" {
		return true
	}
	if g == nil {
		return false
	}
	return g.Match(s)
}

// cloudOf is the finding's cloud: its principal's, else the first step's
// of its chain.
func cloudOf(f *model.Finding) string {
	if f.Principal != nil && f.Principal.Cloud != "" {
		return f.Principal.Cloud
	}
	for _, e := range f.Path {
		if e.Cloud != "" {
			return e.Cloud
		}
	}
	return ""
}
