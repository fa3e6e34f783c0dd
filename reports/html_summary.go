package reports

import (
	"sort"
	"strconv"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// The executive summary leads the HTML page: who can write images, into
// how many resources, the critical findings by name, the fixes that remove
// the most findings, and what was not analysed. Every number is computed
// here from the report; the template only prints them.

// summaryCriticalMost is how many critical findings the summary names.
const summaryCriticalMost = 10

// summaryFixesMost is how many fixes the summary lists.
const summaryFixesMost = 3

type htmlSummary struct {
	Open       int // findings not suppressed
	Suppressed int
	Principals int // distinct principals of open findings
	Resources  int // distinct targets of open findings
	Groups     []htmlGroup
	Critical   int // open critical findings
	Named      []htmlCritical
	More       int // open critical findings not named
	Fixes      []htmlFixCount
	Skipped    []string // files and scopes skipped (Summary.Skipped)
	Items      int      // items skipped inside files
	Warnings   int
	Complete   bool
}

// htmlGroup is a capability group: the principals of open findings whose
// capability falls in it.
type htmlGroup struct {
	Name       string
	Principals int
	Findings   int
}

type htmlCritical struct {
	ID, Principal, What string
}

type htmlFixCount struct {
	Kind, Summary string
	Findings      int
}

// capabilityGroups orders the groups; capabilityGroup maps a capability to
// one.
var capabilityGroups = []string{"push", "create", "modify", "share", "escalate", "other"}

func capabilityGroup(capability string) string {
	switch capability {
	case "image.push":
		return "push"
	case "image.create":
		return "create"
	case "image.modify", "pipeline.modify", "registry.configure":
		return "modify"
	case "image.share":
		return "share"
	case "iam.escalate":
		return "escalate"
	}
	return "other"
}

// summarize computes the summary; doc.Findings[i] is r.Findings[i].
func summarize(r *result.Report, doc *htmlDoc) htmlSummary {
	s := htmlSummary{Warnings: len(r.Warnings), Complete: r.Summary.Complete, Skipped: r.Summary.Skipped, Items: r.Summary.SkippedItems()}
	principals, resources := map[string]bool{}, map[string]bool{}
	groupPrincipals, groupFindings := map[string]map[string]bool{}, map[string]int{}
	type fixKey struct{ kind, summary, target string }
	fixFindings := map[fixKey]map[string]bool{}
	var fixOrder []fixKey
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppression != nil {
			s.Suppressed++
			continue
		}
		s.Open++
		principals[f.PrincipalID] = true
		g := capabilityGroup(f.Capability)
		if groupPrincipals[g] == nil {
			groupPrincipals[g] = map[string]bool{}
		}
		groupPrincipals[g][f.PrincipalID] = true
		groupFindings[g]++
		for _, t := range f.Targets {
			resources[t.Resource] = true
		}
		if f.Severity == "critical" {
			s.Critical++
			if len(s.Named) < summaryCriticalMost {
				s.Named = append(s.Named, htmlCritical{ID: f.ID, Principal: doc.Principals[doc.Findings[i].Principal].Label, What: criticalWhat(f.Capability, f.Title, f.Targets, len(f.Path))})
			} else {
				s.More++
			}
		}
		for _, x := range f.Fixes {
			k := fixKey{x.Kind, x.Summary, x.Target}
			if fixFindings[k] == nil {
				fixFindings[k] = map[string]bool{}
				fixOrder = append(fixOrder, k)
			}
			fixFindings[k][f.ID] = true
		}
	}
	s.Principals, s.Resources = len(principals), len(resources)
	for _, g := range capabilityGroups {
		if len(groupPrincipals[g]) > 0 || g == "push" || g == "create" || g == "modify" || g == "share" {
			s.Groups = append(s.Groups, htmlGroup{Name: g, Principals: len(groupPrincipals[g]), Findings: groupFindings[g]})
		}
	}
	// Most findings first; ties in the order the findings first name them.
	sort.SliceStable(fixOrder, func(i, j int) bool { return len(fixFindings[fixOrder[i]]) > len(fixFindings[fixOrder[j]]) })
	for _, k := range fixOrder[:min(len(fixOrder), summaryFixesMost)] {
		s.Fixes = append(s.Fixes, htmlFixCount{Kind: k.kind, Summary: k.summary, Findings: len(fixFindings[k])})
	}
	return s
}

// criticalWhat says in a few words what a critical finding lets do.
func criticalWhat(capability, title string, targets []model.Target, steps int) string {
	what := capability
	if what == "" {
		what = title
	}
	switch {
	case len(targets) == 1:
		return what + " on " + targets[0].Resource
	case len(targets) > 1:
		return what + " on " + targets[0].Resource + " and " + strconv.Itoa(len(targets)-1) + " more"
	case steps > 0:
		return what + " through a " + strconv.Itoa(steps) + "-step escalation path"
	}
	return what
}
