package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/safefile"
)

// CatchAll reports whether a suppression covers every principal: no
// finding ID, and a principal glob that is absent or only stars. Such an
// entry ("rule: IW-001" alone, or "principal: '*'") can silence a whole
// report, so it is always announced (IntegrityWarnings), on top of the
// reason, owner and expiry every suppression must have.
func (s *Suppression) CatchAll() bool {
	return s.ID == "" && strings.Trim(s.Principal, "*") == ""
}

// InsideInputs names the input directory that holds the configuration
// file, or "" when none does. A configuration there travels with the
// exports: whoever can write the exports can then decide what is
// reported.
func (c *Config) InsideInputs(paths []string) string {
	if c == nil {
		return ""
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() && safefile.Inside(c.Path, p) {
			return p
		}
	}
	return ""
}

// IntegrityWarnings are the warnings every report carries about a
// configuration that could hide evidence: one found inside an analysed
// input directory (with what it approves, suppresses and overrides), and
// every catch-all suppression with the number of findings it suppresses.
// Call it after Apply.
func (c *Config) IntegrityWarnings(paths []string, findings []model.Finding) []model.Warning {
	if c == nil {
		return nil
	}
	suppressedBy := map[string]int{}
	total := 0
	for _, f := range findings {
		if f.Suppression != nil && strings.HasPrefix(f.Suppression.Source, c.Path+":") {
			suppressedBy[f.Suppression.Source]++
			total++
		}
	}
	var out []model.Warning
	if dir := c.InsideInputs(paths); dir != "" {
		out = append(out, model.Warning{Where: c.Path, Message: fmt.Sprintf(
			"the configuration in use lies inside the analysed input %s: whoever can write the exports can change this report; "+
				"it suppresses %d finding(s) with %s, approves %s and has %s. Keep it outside the exports and pass --config, or use --no-config",
			dir, total, plural(len(c.Suppressions), "suppression"), plural(len(c.ApprovedPublishers), "publisher"), plural(len(c.SeverityOverrides), "severity override"))})
	}
	for i := range c.Suppressions {
		s := &c.Suppressions[i]
		if !s.CatchAll() {
			continue
		}
		src := c.source(s)
		out = append(out, model.Warning{Where: src, Message: fmt.Sprintf(
			"catch-all suppression (every principal%s) until %s, owner %s: it suppresses %d finding(s)", catchAllScope(s), s.Expires, s.Owner, suppressedBy[src])})
	}
	return out
}

func catchAllScope(s *Suppression) string {
	var parts []string
	if s.Rule != "" {
		parts = append(parts, "rule "+s.Rule)
	}
	if s.Capability != "" {
		parts = append(parts, "capability "+s.Capability)
	}
	if s.Resource != "" {
		parts = append(parts, "resource "+s.Resource)
	}
	if len(parts) == 0 {
		return ", every finding"
	}
	return ", " + strings.Join(parts, ", ")
}
