package reports

import (
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// SARIF 2.1.0, the format code-scanning services ingest. Only the parts
// imagewarden fills are modelled; omitempty keeps absent optional
// properties out, since the schema rejects nulls where it wants objects.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	toolInfoURI  = "https://github.com/imagewarden/imagewarden"
	// fingerprintKey versions the partial fingerprint: a change in how
	// finding IDs are computed must get a new key, not reuse this one.
	fingerprintKey = "imagewardenFindingId/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Artifacts   []sarifArtifact   `json:"artifacts,omitempty"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *sarifText     `json:"shortDescription,omitempty"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 *sarifText     `json:"help,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifArtifactLocation struct {
	URI   string `json:"uri"`
	Index *int   `json:"index,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(sev string) string {
	switch sev {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code scanning ranks alerts by
// (over 9.0 critical, 7.0 high, 4.0 medium, 0.1 low). Code scanning reads
// it as a string holding a number.
var securitySeverity = map[string]string{"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}

// policySourceKinds says which input kinds hold each type of grant, so a
// result can point at the file its grant came from. The file is named only
// when the inputs hold exactly one file of those kinds: with two IAM
// exports (two accounts) the grant's file is not known here, and a wrong
// file would be worse than none.
var policySourceKinds = map[string][]string{
	"identity":        {"aws-iam-authorization-details"},
	"resource_policy": {"aws-ecr-repository-policy", "aws-ec2-images"},
	"allow_policy":    {"gcp-iam-policy-search", "gcp-iam-policy", "gcp-asset-iam-policy", "gcp-iam-policy-unnamed"},
	"deny_policy":     {"gcp-deny-policies"},
	"role_assignment": {"azure-role-assignments"},
}

// SARIF writes the findings as a SARIF 2.1.0 log with one run.
func SARIF(w io.Writer, r *result.Report) error { return sarifWith(w, r, nil) }

// sarifWith is SARIF; place, when set, gives each result its physical
// location, from the one SARIF found (the input file of the grant, or
// nil).
func sarifWith(w io.Writer, r *result.Report, place func(f model.Finding, found *sarifPhysical) *sarifPhysical) error {
	run := sarifRun{
		Tool:       sarifTool{Driver: sarifDriver{Name: "imagewarden", Version: r.Version, InformationURI: toolInfoURI}},
		Results:    []sarifResult{},
		Properties: map[string]any{"ruleBundleSha256": r.RuleBundle},
	}
	ruleIndex := map[string]int{}
	addRule := func(rl model.Rule) {
		if _, ok := ruleIndex[rl.ID]; ok {
			return
		}
		ruleIndex[rl.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(rl))
	}
	rules := append([]model.Rule(nil), r.Rules...)
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	for _, rl := range rules {
		addRule(rl)
	}

	// Inputs become artifacts, with their SHA-256, so a result can be tied
	// to the exact evidence it was computed from.
	artifactIndex := map[string]int{}
	fileOfKind := map[string][]int{}
	for _, s := range r.Inputs {
		if s.Error != "" {
			continue
		}
		i := len(run.Artifacts)
		a := sarifArtifact{Location: sarifArtifactLocation{URI: fileURI(s.Path)}}
		if s.SHA256 != "" {
			a.Hashes = map[string]string{"sha-256": s.SHA256}
		}
		run.Artifacts = append(run.Artifacts, a)
		artifactIndex[s.Path] = i
		fileOfKind[s.Kind] = append(fileOfKind[s.Kind], i)
	}
	sourceOf := func(g model.Grant) *sarifPhysical {
		var found []int
		for _, k := range policySourceKinds[g.PolicyType] {
			found = append(found, fileOfKind[k]...)
		}
		if len(found) != 1 {
			return nil
		}
		i := found[0]
		return &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: run.Artifacts[i].Location.URI, Index: &i}}
	}

	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, wn := range r.Warnings {
		msg := wn.Message
		if wn.Where != "" {
			msg = wn.Where + ": " + msg
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "warning", Message: sarifText{Text: msg}})
	}
	for _, sk := range r.Summary.Skipped {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "warning", Message: sarifText{Text: "skipped " + sk}})
	}
	// What was read, so that a run with no results can be told from a run
	// that read nothing.
	inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "note", Message: sarifText{Text: "evaluated: " + coverageLine(r) + "; scope " + completeness(r)}})
	if a := assumedLine(r); a != "" {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "note", Message: sarifText{Text: "assumed: " + a}})
	}
	run.Invocations = []sarifInvocation{inv}

	for _, f := range ordered(r.Findings) {
		if _, ok := ruleIndex[f.RuleID]; !ok { // a rule without METADATA
			addRule(model.Rule{ID: f.RuleID, Package: f.Rule, Title: f.Title, Description: f.Description, Severity: f.Severity, Remediation: f.Remediation})
		}
		res := sarifResult{
			RuleID:              f.RuleID,
			RuleIndex:           ruleIndex[f.RuleID],
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{Text: f.Message},
			PartialFingerprints: map[string]string{fingerprintKey: f.ID},
			Properties:          map[string]any{"severity": f.Severity, "capability": f.Capability, "access": string(f.Access)},
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{Name: principalName(f), FullyQualifiedName: f.PrincipalID, Kind: "principal"}}}
		if res, g := firstResource(f); res != "" {
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{FullyQualifiedName: res, Kind: "resource"})
			if g != nil {
				loc.PhysicalLocation = sourceOf(*g)
				loc.Message = &sarifText{Text: "granted by " + grantSource(*g)}
			}
		}
		if place != nil {
			loc.PhysicalLocation = place(f, loc.PhysicalLocation)
		}
		res.Locations = []sarifLocation{loc}
		if s := f.Suppression; s != nil {
			just := s.Reason
			if s.Owner != "" {
				just += " (owner: " + s.Owner + ")"
			}
			if s.Expires != "" {
				just += " (expires " + s.Expires + ")"
			}
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: just}}
		}
		run.Results = append(run.Results, res)
	}
	// Streamed: the results one at a time, not the whole log and its
	// indented copy.
	return writeJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}, sarifLevels, nil)
}

// sarifLevels are the levels of the log written piece by piece: the log,
// its runs, the run, its results.
const sarifLevels = 4

// firstResource is the resource a result points at and the grant that
// gives it: the first target, or the first step of a transitive chain.
func firstResource(f model.Finding) (string, *model.Grant) {
	if len(f.Path) > 0 {
		e := f.Path[0]
		if len(e.Via) > 0 {
			return f.Path[len(f.Path)-1].To, &e.Via[0]
		}
		return f.Path[len(f.Path)-1].To, nil
	}
	for _, t := range f.Targets {
		for i := range t.Via {
			// A deny does not grant, and an assumed grant names no file.
			if g := t.Via[i]; g.Effect != "Deny" && !strings.HasPrefix(g.Policy, "(assumed)") {
				return t.Resource, &t.Via[i]
			}
		}
		return t.Resource, nil
	}
	return "", nil
}

func sarifRuleOf(rl model.Rule) sarifRule {
	sr := sarifRule{
		ID:                   rl.ID,
		Name:                 ruleName(rl),
		DefaultConfiguration: sarifConfig{Level: sarifLevel(rl.Severity)},
		Properties: map[string]any{
			"security-severity": securitySeverity[rl.Severity],
			"tags":              []string{"security", "external/mitre-attack/T1525"},
		},
	}
	if rl.Title != "" {
		sr.ShortDescription = &sarifText{Text: rl.Title}
	}
	if d := firstNonEmpty(rl.Description, rl.Title); d != "" {
		sr.FullDescription = &sarifText{Text: d}
	}
	if rl.Remediation != "" {
		sr.Help = &sarifText{Text: rl.Remediation, Markdown: "**Remediation.** " + rl.Remediation}
	}
	return sr
}

// ruleName is the rule's Rego package turned into an identifier,
// imagewarden.rules.container_image_push -> ContainerImagePush.
func ruleName(rl model.Rule) string {
	last := rl.Package[strings.LastIndexByte(rl.Package, '.')+1:]
	var b strings.Builder
	for _, w := range strings.Split(last, "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// fileURI turns an input path into a URI reference: relative paths stay
// relative (code scanning resolves them against the checkout), absolute
// ones become file URIs.
func fileURI(p string) string {
	p = filepath.ToSlash(p)
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}
