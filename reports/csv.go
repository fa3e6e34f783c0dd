package reports

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// CSVColumns are the CSV report's columns, in order. Auditors' sheets and
// scripts address them by position: append new ones at the end, never
// reorder (docs/reports.md describes each).
var CSVColumns = []string{
	"finding_id", "cloud", "account", "principal", "principal_type",
	"capability", "permissions", "resource", "access", "condition", "path",
	"source", "severity", "rule_id", "remediation", "suppressed",
	"suppression_reason", "suppression_expiry", "assumed",
}

// CSV writes one row per finding, resource and grant: the evidence an
// auditor files, with every cell safe to open in a spreadsheet.
func CSV(w io.Writer, r *result.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	rules := ruleByID(r)
	for _, f := range ordered(r.Findings) {
		for _, row := range csvRows(f, rules) {
			for i := range row {
				row[i] = spreadsheetSafe(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvRows expands a finding: a row per grant of each target, at least one
// per target; a transitive finding has no targets, so its rows are the
// grants of the chain's first step, the one its remediation breaks.
func csvRows(f model.Finding, rules map[string]model.Rule) [][]string {
	var cloud, account, kind string
	if p := f.Principal; p != nil {
		cloud, account, kind = p.Cloud, p.Account, p.Kind
	}
	// Principals outside the inputs (an identity provider a trust policy
	// lets in) have no detail: the chain or the resource says the cloud.
	if strings.HasPrefix(f.PrincipalID, model.FederatedPrefix) && kind == "" {
		kind = "federated"
	}
	if cloud == "" && len(f.Path) > 0 {
		cloud = f.Path[0].Cloud
	}
	if cloud == "" && len(f.Targets) > 0 {
		cloud = resourceCloud(f.Targets[0].Resource)
	}
	sup, reason, expiry := "false", "", ""
	if s := f.Suppression; s != nil {
		sup, reason, expiry = "true", s.Reason, s.Expires
		if s.Owner != "" {
			reason += " (owner: " + s.Owner + ")"
		}
	}
	// assumed: the chain has a step drawn without the inventory that
	// would settle it (summary.assumed in the JSON report says which).
	assumed := "false"
	for _, e := range f.Path {
		if e.Assumed {
			assumed = "true"
		}
	}
	row := func(perms []string, resource string, access model.Access, g *model.Grant) []string {
		acct, cond, src := account, "", ""
		if acct == "" {
			acct = resourceAccount(resource)
		}
		if g != nil {
			cond, src = strings.Join(g.Conditions, " and "), grantSource(*g)
		}
		return []string{f.ID, cloud, acct, principalName(f), kind, f.Capability,
			strings.Join(perms, ";"), resource, string(access), cond, chain(f), src,
			f.Severity, f.RuleID, remediation(f, rules), sup, reason, expiry, assumed}
	}
	var rows [][]string
	if len(f.Path) > 0 {
		var perms []string
		access := model.Allowed
		for _, e := range f.Path {
			perms = appendNew(perms, e.Permissions...)
			if e.Conditional {
				access = model.Conditional
			}
		}
		end := f.Path[len(f.Path)-1].To
		for i := range f.Path[0].Via {
			rows = append(rows, row(perms, end, access, &f.Path[0].Via[i]))
		}
		if len(rows) == 0 {
			rows = append(rows, row(perms, end, access, nil))
		}
		return rows
	}
	for _, t := range f.Targets {
		if len(t.Via) == 0 {
			rows = append(rows, row(t.Actions, t.Resource, t.Access, nil))
		}
		for i := range t.Via {
			rows = append(rows, row(t.Actions, t.Resource, t.Access, &t.Via[i]))
		}
	}
	if len(rows) == 0 { // a finding without targets still gets its row
		rows = append(rows, row(nil, "", f.Access, nil))
	}
	return rows
}

// principalName is the principal's ID, with its display name in front
// when the ID does not show it (Azure object IDs are bare GUIDs).
func principalName(f model.Finding) string {
	p := f.Principal
	if p == nil || p.Name == "" || strings.Contains(p.ID, p.Name) {
		return f.PrincipalID
	}
	return p.Name + " (" + p.ID + ")"
}

// resourceAccount reads the account, project or subscription out of a
// resource name, for principals that do not carry one.
func resourceAccount(res string) string {
	if _, scope, _, ok := model.ParseAdminNode(res); ok {
		res = scope
	}
	if strings.HasPrefix(res, "arn:") {
		if parts := strings.SplitN(res, ":", 6); len(parts) == 6 {
			return parts[4]
		}
	}
	segs := strings.Split(strings.TrimPrefix(res, "//"), "/")
	for i := 0; i+1 < len(segs); i++ {
		switch segs[i] {
		case "subscriptions", "projects":
			return segs[i+1]
		case "managementGroups", "organizations", "folders":
			return segs[i] + "/" + segs[i+1]
		}
	}
	return ""
}

// resourceCloud tells the cloud from the shape of a resource name.
func resourceCloud(res string) string {
	switch {
	case strings.HasPrefix(res, "arn:"):
		return "aws"
	case strings.HasPrefix(res, "//"):
		return "gcp"
	case strings.HasPrefix(res, "/subscriptions/"), strings.HasPrefix(res, "/providers/"):
		return "azure"
	}
	return ""
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		dup := false
		for _, x := range list {
			if x == it {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, it)
		}
	}
	return list
}

// spreadsheetSafe defuses formula injection (OWASP "CSV Injection"): a
// cell that a spreadsheet would read as a formula gets a leading quote,
// so a principal named "=HYPERLINK(...)" is shown, not run.
func spreadsheetSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
