// Package diff compares two analyses of the same organization — before and
// after a change (a pull request's Terraform plan, or a newer snapshot) —
// and says what the change adds to and takes away from who can implant an
// image (MITRE ATT&CK T1525).
//
// Findings are matched by their stable fingerprint (model.FindingID: rule,
// principal, capability, resources and chain). A finding of one side only
// is added or removed, unless the other side has exactly one finding of the
// same rule, principal and capability: then it is changed (other resources,
// another chain, another severity or access), and the change says how.
// Transitive access counts like direct access: a change that only matters
// because an existing principal can assume the changed role shows as that
// principal's new chain finding.
package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// Result is what changed between the base and the head analysis.
type Result struct {
	Base Side `json:"base"`
	Head Side `json:"head"`
	// Added are head's findings base has not, Removed base's findings head
	// has not (neither counts the Changed ones), most severe first.
	Added   []model.Finding `json:"added"`
	Removed []model.Finding `json:"removed"`
	// Changed are findings of the same rule, principal and capability on
	// both sides that differ.
	Changed []Change `json:"changed"`
	// Gained and Lost are the principals that gain or lose a capability
	// (directly or through a chain), whatever the rules.
	Gained []Capability `json:"gained"`
	Lost   []Capability `json:"lost"`
	// Unchanged counts the findings that are the same on both sides.
	Unchanged int `json:"unchanged"`
	// Baselined counts the added findings a baseline accepted earlier:
	// they are not in Added (HideBaselined).
	Baselined int `json:"baselined"`
	// Review lists what keeps the result from being certain: values
	// unknown until apply, resources not evaluated, inputs skipped. Not
	// empty: the verdict is at least "needs review".
	Review []string `json:"review"`
	// Unknown lists the Terraform addresses with values that decide access
	// and are known only after apply (diff --plan): the verdict names them.
	Unknown []string `json:"unknown,omitempty"`
	// NotEvaluated lists changed resources the analysis does not model and
	// that cannot grant access by their kind (a bucket, an instance):
	// listed, without making the verdict "needs review" (diff --plan).
	NotEvaluated []string `json:"not_evaluated,omitempty"`
	// Sources name, by finding ID, the Terraform resources an added or
	// changed finding rests on (diff --plan).
	Sources map[string][]Source `json:"sources,omitempty"`
	// Plan is the Terraform plan file compared (diff --plan), "" for two
	// snapshots.
	Plan string `json:"plan,omitempty"`
}

// Source is a Terraform resource a finding rests on: its address, and the
// file and line of its block when the .tf files were given (diff
// --source).
type Source struct {
	Address string `json:"address"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// Side summarises one analysis.
type Side struct {
	Inputs   []string       `json:"inputs"`
	Summary  result.Summary `json:"summary"`
	Findings int            `json:"findings"`
}

// Change is a finding that differs between the sides.
type Change struct {
	Before model.Finding `json:"before"`
	After  model.Finding `json:"after"`
	// What says how, one item per difference: "severity high -> critical",
	// "access conditional -> allowed", "chain 3 -> 2 steps", "2 resources
	// more"...
	What []string `json:"what"`
	// Worse is true when the change widens access: a higher severity,
	// conditional access become certain, more resources, a chain where
	// there was none or a shorter one.
	Worse bool `json:"worse"`
}

// Capability is a principal's capability on one side.
type Capability struct {
	Principal  string       `json:"principal"`
	Name       string       `json:"name,omitempty"`
	Cloud      string       `json:"cloud,omitempty"`
	Capability string       `json:"capability"`
	Access     model.Access `json:"access,omitempty"`
	// Through is "direct" or "chain" (through principals it can act as).
	Through string `json:"through"`
}

// Compare compares base and head.
func Compare(base, head *result.Report) *Result {
	r := &Result{Base: side(base), Head: side(head), Added: []model.Finding{}, Removed: []model.Finding{}, Changed: []Change{},
		Gained: []Capability{}, Lost: []Capability{}, Review: []string{}}
	baseByID := index(base.Findings)
	headByID := index(head.Findings)
	var onlyBase, onlyHead []model.Finding
	for _, f := range head.Findings {
		b, ok := baseByID[f.ID]
		if !ok {
			onlyHead = append(onlyHead, f)
			continue
		}
		if what, worse := differences(b, f); len(what) > 0 {
			r.Changed = append(r.Changed, Change{Before: b, After: f, What: what, Worse: worse})
		} else {
			r.Unchanged++
		}
	}
	for _, f := range base.Findings {
		if _, ok := headByID[f.ID]; !ok {
			onlyBase = append(onlyBase, f)
		}
	}
	// A finding of one side only is changed when the other side has
	// exactly one finding of its rule, principal and capability left; then
	// of its principal and capability, whatever the rule (the same access
	// found directly on one side and through a chain on the other is the
	// same access, not new access).
	for _, key := range []func(model.Finding) string{ruleKey, accessKey} {
		bk, hk := byKey(onlyBase, key), byKey(onlyHead, key)
		paired := map[string]bool{}
		var restHead []model.Finding
		for _, f := range onlyHead {
			k := key(f)
			if len(bk[k]) == 1 && len(hk[k]) == 1 {
				b := bk[k][0]
				what, worse := differences(b, f)
				r.Changed = append(r.Changed, Change{Before: b, After: f, What: what, Worse: worse})
				paired[k] = true
				continue
			}
			restHead = append(restHead, f)
		}
		var restBase []model.Finding
		for _, f := range onlyBase {
			if !paired[key(f)] {
				restBase = append(restBase, f)
			}
		}
		onlyBase, onlyHead = restBase, restHead
	}
	r.Added = append(r.Added, onlyHead...)
	r.Removed = append(r.Removed, onlyBase...)
	model.SortFindings(r.Added)
	model.SortFindings(r.Removed)
	sort.SliceStable(r.Changed, func(i, j int) bool {
		a, b := r.Changed[i].After, r.Changed[j].After
		if model.SeverityRank[a.Severity] != model.SeverityRank[b.Severity] {
			return model.SeverityRank[a.Severity] > model.SeverityRank[b.Severity]
		}
		return ruleKey(a) < ruleKey(b)
	})
	bc, hc := capabilities(base), capabilities(head)
	for k, c := range hc {
		if _, ok := bc[k]; !ok {
			r.Gained = append(r.Gained, c)
		}
	}
	for k, c := range bc {
		if _, ok := hc[k]; !ok {
			r.Lost = append(r.Lost, c)
		}
	}
	sortCapabilities(r.Gained)
	sortCapabilities(r.Lost)
	for _, s := range []struct {
		name string
		rep  *result.Report
	}{{"base", base}, {"head", head}} {
		for _, sk := range s.rep.Summary.Skipped {
			r.Review = append(r.Review, fmt.Sprintf("%s: input skipped: %s", s.name, sk))
		}
		if n := s.rep.Summary.SkippedItems(); n > 0 {
			r.Review = append(r.Review, fmt.Sprintf("%s: %d item(s) inside the inputs skipped (see the warnings)", s.name, n))
		}
	}
	return r
}

func side(r *result.Report) Side {
	s := Side{Inputs: []string{}, Summary: r.Summary, Findings: len(r.Findings)}
	for _, in := range r.Inputs {
		s.Inputs = append(s.Inputs, in.Path)
	}
	return s
}

func index(fs []model.Finding) map[string]model.Finding {
	out := make(map[string]model.Finding, len(fs))
	for _, f := range fs {
		out[f.ID] = f
	}
	return out
}

// ruleKey is what a finding is about: rule, principal, capability.
func ruleKey(f model.Finding) string {
	return f.RuleID + "\x00" + f.PrincipalID + "\x00" + f.Capability
}

// accessKey is the access a finding is about: principal and capability.
func accessKey(f model.Finding) string {
	return f.PrincipalID + "\x00" + f.Capability
}

func byKey(fs []model.Finding, key func(model.Finding) string) map[string][]model.Finding {
	out := map[string][]model.Finding{}
	for _, f := range fs {
		out[key(f)] = append(out[key(f)], f)
	}
	return out
}

// differences lists how after differs from before, and whether access
// widened.
func differences(before, after model.Finding) (what []string, worse bool) {
	if before.RuleID != after.RuleID {
		what = append(what, "rule "+before.RuleID+" -> "+after.RuleID)
	}
	if before.Severity != after.Severity {
		what = append(what, "severity "+before.Severity+" -> "+after.Severity)
		worse = worse || model.SeverityRank[after.Severity] > model.SeverityRank[before.Severity]
	}
	if before.Access != after.Access {
		what = append(what, fmt.Sprintf("access %s -> %s", orNone(string(before.Access)), orNone(string(after.Access))))
		worse = worse || after.Access == model.Allowed
	}
	// Direct access is the widest: one more step narrows it.
	switch b, a := len(before.Path), len(after.Path); {
	case b == 0 && a > 0:
		what = append(what, fmt.Sprintf("direct -> through a chain of %d step(s)", a))
	case b > 0 && a == 0:
		what = append(what, fmt.Sprintf("through a chain of %d step(s) -> direct", b))
		worse = true
	case a < b:
		what = append(what, fmt.Sprintf("chain %d -> %d steps", b, a))
		worse = true
	case a > b:
		what = append(what, fmt.Sprintf("chain %d -> %d steps", b, a))
	case a > 0 && chain(before.Path) != chain(after.Path):
		what = append(what, "another chain of the same length")
	}
	bres, ares := resources(before), resources(after)
	more, fewer := 0, 0
	for r := range ares {
		if !bres[r] {
			more++
		}
	}
	for r := range bres {
		if !ares[r] {
			fewer++
		}
	}
	if more > 0 {
		what = append(what, fmt.Sprintf("%d resource(s) more", more))
		worse = true
	}
	if fewer > 0 {
		what = append(what, fmt.Sprintf("%d resource(s) fewer", fewer))
	}
	if (before.Suppression == nil) != (after.Suppression == nil) {
		if after.Suppression != nil {
			what = append(what, "suppressed")
		} else {
			what = append(what, "no longer suppressed")
		}
	}
	return what, worse
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func chain(p []model.Edge) string {
	var b strings.Builder
	for _, e := range p {
		b.WriteString(e.From + ">" + e.To + ":" + e.Kind + "\x00")
	}
	return b.String()
}

func resources(f model.Finding) map[string]bool {
	out := map[string]bool{}
	for _, t := range f.Targets {
		out[t.Resource] = true
	}
	return out
}

// capabilities are the (principal, capability) pairs the findings give,
// the surest access and the most direct way kept.
func capabilities(r *result.Report) map[string]Capability {
	out := map[string]Capability{}
	for _, f := range r.Findings {
		if f.Capability == "" || f.PrincipalID == "" {
			continue
		}
		c := Capability{Principal: f.PrincipalID, Capability: f.Capability, Access: f.Access, Through: "direct"}
		if len(f.Path) > 0 {
			c.Through = "chain"
		}
		if f.Principal != nil {
			c.Name, c.Cloud = f.Principal.Name, f.Principal.Cloud
		}
		k := f.PrincipalID + "\x00" + f.Capability
		if old, ok := out[k]; ok {
			if old.Access == model.Allowed && c.Access != model.Allowed {
				c.Access = old.Access
			}
			if old.Through == "direct" {
				c.Through = "direct"
			}
		}
		out[k] = c
	}
	return out
}

func sortCapabilities(cs []Capability) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Capability != cs[j].Capability {
			return cs[i].Capability < cs[j].Capability
		}
		return cs[i].Principal < cs[j].Principal
	})
}

// Widened are the findings the change adds: the added ones, then the
// changed ones that widen access (as they are after the change).
func (r *Result) Widened() []model.Finding {
	out := append([]model.Finding(nil), r.Added...)
	for _, c := range r.Changed {
		if c.Worse {
			out = append(out, c.After)
		}
	}
	return out
}

// Failing counts the findings that fail --fail-on: the Widened ones at or
// above the severity, not suppressed. Access that existed before the
// change does not fail it.
func (r *Result) Failing(failOn string) int {
	if failOn == "" {
		return 0
	}
	n := 0
	for _, f := range r.Widened() {
		if f.Suppression == nil && model.SeverityRank[f.Severity] >= model.SeverityRank[failOn] {
			n++
		}
	}
	return n
}

// Verdict is the answer a pull request needs first.
type Verdict struct {
	// Level: "adds" (new or wider access), "needs-review" (nothing added
	// that the analysis could see, but something it could not decide),
	// "removes" (access only taken away) or "no-change".
	Level string `json:"level"`
	// Line is one sentence: "adds 3 ways to push images, 1 critical".
	Line string `json:"line"`
}

// capabilityVerbs say what a capability lets one do, for the verdict.
var capabilityVerbs = map[string]string{
	"image.push":         "push images",
	"image.create":       "create images",
	"image.modify":       "modify images",
	"image.share":        "share images",
	"registry.configure": "configure registries",
	"pipeline.modify":    "change image pipelines",
	"iam.escalate":       "escalate privileges",
}

func verb(capability string) string {
	if v, ok := capabilityVerbs[capability]; ok {
		return v
	}
	if capability == "" {
		return "write images"
	}
	return capability
}

// Verdict sums the result up.
func (r *Result) Verdict() Verdict {
	added := r.Widened()
	review := ""
	switch {
	case len(r.Unknown) > 0:
		review = fmt.Sprintf("needs review: values unknown until apply in %s", strings.Join(r.Unknown, ", "))
		if n := len(r.Review) - len(r.Unknown); n > 0 {
			review += fmt.Sprintf(" (and %d more to review)", n)
		}
	case len(r.Review) > 0:
		review = fmt.Sprintf("needs review: %s", r.Review[0])
		if len(r.Review) > 1 {
			review += fmt.Sprintf(" (and %d more)", len(r.Review)-1)
		}
	}
	switch {
	case len(added) > 0:
		line := "adds " + ways(added)
		crit := 0
		for _, f := range added {
			if f.Severity == "critical" {
				crit++
			}
		}
		if crit > 0 {
			line += fmt.Sprintf(", %d critical", crit)
		}
		if review != "" {
			line += "; " + review
		}
		return Verdict{Level: "adds", Line: line}
	case review != "":
		return Verdict{Level: "needs-review", Line: review}
	case len(r.Removed) > 0 || len(r.Changed) > 0:
		if len(r.Removed) == 0 {
			return Verdict{Level: "removes", Line: fmt.Sprintf("adds no access; narrows %d finding(s)", len(r.Changed))}
		}
		return Verdict{Level: "removes", Line: "removes " + ways(r.Removed) + "; adds none"}
	}
	line := "no change to who can write images"
	if n := len(r.NotEvaluated); n > 0 {
		line += fmt.Sprintf(" (%d other resource(s) not evaluated: %s)", n, strings.Join(r.NotEvaluated, ", "))
	}
	return Verdict{Level: "no-change", Line: line}
}

// ways counts findings by capability: "3 ways to push images and 1 to
// share images".
func ways(fs []model.Finding) string {
	n := map[string]int{}
	var caps []string
	for _, f := range fs {
		if n[f.Capability] == 0 {
			caps = append(caps, f.Capability)
		}
		n[f.Capability]++
	}
	sort.SliceStable(caps, func(i, j int) bool {
		if n[caps[i]] != n[caps[j]] {
			return n[caps[i]] > n[caps[j]]
		}
		return caps[i] < caps[j]
	})
	var parts []string
	for i, c := range caps {
		w := "ways"
		if n[c] == 1 {
			w = "way"
		}
		if i == 0 {
			parts = append(parts, fmt.Sprintf("%d %s to %s", n[c], w, verb(c)))
		} else {
			parts = append(parts, fmt.Sprintf("%d to %s", n[c], verb(c)))
		}
	}
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
