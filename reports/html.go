package reports

import (
	"bufio"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// The HTML report is one self-contained file: the template, its CSS and
// its JavaScript are embedded in the binary and inlined into the page, and
// the findings travel inside the page as JSON. Nothing is fetched when the
// file is opened, so it works offline and from an evidence archive.
//
//go:embed html/report.html.tmpl html/report.css html/report.js
var htmlAssets embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"utc":      fmtUTC,
	"duration": fmtDuration,
}).ParseFS(htmlAssets, "html/report.html.tmpl"))

// severityOrder lists the severities most severe first.
var severityOrder = []string{"critical", "high", "medium", "low", "info"}

// HTML writes the report as one self-contained HTML page for auditors. It
// leads with the answer, an executive summary (html_summary.go); then
// counts with charts, a sortable and filterable findings table and the
// principals, with a page per principal, escalation paths as steps and
// remediation diffs; and last the evidence: run metadata, input files with
// their hashes, collections, and the scope covered and skipped. The output depends
// only on the report, so the same analysis gives the same bytes.
func HTML(w io.Writer, r *result.Report) error {
	doc := buildHTMLDoc(r)
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	// json.Marshal escapes <, > and & (and U+2028/2029), so no string of the
	// report can close the <script> element that carries it.
	css, err := htmlAssets.ReadFile("html/report.css")
	if err != nil {
		return err
	}
	js, err := htmlAssets.ReadFile("html/report.js")
	if err != nil {
		return err
	}
	page := htmlPage{
		Report:   r,
		CSS:      template.CSS(css),
		JS:       template.JS(js),
		Data:     template.JS(data),
		Findings: len(r.Findings),
		Charts:   htmlCharts(r, doc),
		Summary:  summarize(r, doc),
	}
	page.Suppressed, page.WithFixes, page.WithPaths = countMarks(r.Findings)
	page.Collections, page.FilesRead, page.FilesSkipped, page.KindsRead = scopeOf(r.Inputs)
	page.Coverage, page.Completeness, page.Assumed = coverageLine(r), completeness(r), assumedLine(r)
	for _, c := range page.Collections {
		page.ScopesCollected += len(c.Collection.Collected)
		page.ScopesSkipped += len(c.Collection.Skipped)
	}
	// Straight to w, buffered: the page is not held whole beside its data.
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := htmlTemplate.Execute(bw, page); err != nil {
		return err
	}
	return bw.Flush()
}

type htmlPage struct {
	Report                         *result.Report
	CSS                            template.CSS
	JS                             template.JS
	Data                           template.JS
	Findings                       int
	Suppressed, WithFixes          int
	WithPaths                      int
	Charts                         []htmlChart
	Collections                    []htmlCollection
	FilesRead, FilesSkipped        int
	KindsRead                      []htmlCount
	ScopesCollected, ScopesSkipped int
	Coverage, Completeness         string
	// Assumed names the edges drawn without an inventory ("" for none).
	Assumed string
	// Summary is the executive summary the page leads with.
	Summary htmlSummary
}

type htmlCollection struct {
	Path       string
	Collection *model.Collection
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlChart struct {
	Title  string
	Filter string // the findings-table select a bar sets
	Bars   []htmlBar
}

type htmlBar struct {
	Label string
	Count int
	Width string // percent of the largest bar
	Class string
}

// htmlDoc is the data the page's script reads. Texts that repeat across
// findings (rule texts, grants, action lists) are stored once and referred
// to by index, which keeps a 50,000-finding report small.
type htmlDoc struct {
	Tool        string          `json:"tool"`
	Version     string          `json:"version"`
	RuleBundle  string          `json:"rule_bundle_sha256"`
	GeneratedAt string          `json:"generated_at"`
	Severities  []string        `json:"severities"`
	Clouds      []string        `json:"clouds"`
	Caps        []string        `json:"capabilities"`
	Rules       []htmlRule      `json:"rules"`
	Principals  []htmlPrincipal `json:"principals"`
	Grants      []model.Grant   `json:"grants"`
	Lists       [][]string      `json:"lists"`
	Findings    []htmlFinding   `json:"findings"`
}

type htmlRule struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
}

type htmlPrincipal struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Cloud    string   `json:"cloud,omitempty"`
	Kind     string   `json:"kind,omitempty"`
	Name     string   `json:"name,omitempty"`
	Account  string   `json:"account,omitempty"`
	External bool     `json:"external,omitempty"`
	Public   bool     `json:"public,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

type htmlFinding struct {
	ID         string             `json:"id"`
	Rule       int                `json:"r"` // index in Rules
	Severity   string             `json:"s"`
	Principal  int                `json:"p"` // index in Principals
	Cloud      string             `json:"c"`
	Capability string             `json:"cap,omitempty"`
	Access     string             `json:"a,omitempty"`
	Message    string             `json:"m"`
	Targets    []htmlTarget       `json:"t,omitempty"`
	Path       []htmlEdge         `json:"path,omitempty"`
	Suppressed *model.Suppression `json:"sup,omitempty"`
	Fixes      []model.Fix        `json:"fix,omitempty"`
}

type htmlTarget struct {
	Resource   string   `json:"r"`
	Known      bool     `json:"k,omitempty"`
	All        bool     `json:"all,omitempty"`
	Access     string   `json:"a,omitempty"`
	Actions    int      `json:"act"` // index in Lists
	Via        []int    `json:"via,omitempty"`
	Except     []string `json:"x,omitempty"`
	PublicOnly bool     `json:"po,omitempty"`
}

type htmlEdge struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Kind        string `json:"kind"`
	Permissions int    `json:"perm"` // index in Lists
	Via         []int  `json:"via,omitempty"`
	Conditional bool   `json:"cond,omitempty"`
	Assumed     bool   `json:"assumed,omitempty"`
	Note        string `json:"note,omitempty"`
}

type interner struct {
	doc    *htmlDoc
	rules  map[htmlRule]int
	grants map[string]int
	lists  map[string]int
	prins  map[string]int
	known  map[string]*model.Principal
}

func buildHTMLDoc(r *result.Report) *htmlDoc {
	doc := &htmlDoc{
		Tool: r.Tool, Version: r.Version, RuleBundle: r.RuleBundle,
		GeneratedAt: fmtUTC(r.GeneratedAt),
		Severities:  severityOrder,
		Rules:       []htmlRule{}, Principals: []htmlPrincipal{}, Grants: []model.Grant{}, Lists: [][]string{},
		Findings: make([]htmlFinding, 0, len(r.Findings)),
	}
	in := &interner{doc: doc, rules: map[htmlRule]int{}, grants: map[string]int{}, lists: map[string]int{}, prins: map[string]int{}, known: map[string]*model.Principal{}}
	for i := range r.Principals {
		in.known[r.Principals[i].ID] = &r.Principals[i]
	}
	clouds, caps := map[string]bool{}, map[string]bool{}
	for i := range r.Findings {
		f := &r.Findings[i]
		pi := in.principal(f.PrincipalID, f.Principal)
		hf := htmlFinding{
			ID: f.ID, Severity: f.Severity, Capability: f.Capability, Access: string(f.Access), Message: f.Message,
			Rule:       in.rule(htmlRule{ID: f.RuleID, Title: f.Title, Description: f.Description, Remediation: f.Remediation}),
			Principal:  pi,
			Cloud:      in.cloudOf(pi, f),
			Suppressed: f.Suppression,
			Fixes:      f.Fixes,
		}
		for _, t := range f.Targets {
			hf.Targets = append(hf.Targets, htmlTarget{Resource: t.Resource, Known: t.Known, All: t.All, Access: string(t.Access),
				Actions: in.list(t.Actions), Via: in.grantList(t.Via), Except: t.Except, PublicOnly: t.PublicOnly})
		}
		for _, e := range f.Path {
			in.principal(e.From, nil)
			if !model.IsVirtual(e.To) {
				in.principal(e.To, nil)
			}
			hf.Path = append(hf.Path, htmlEdge{From: e.From, To: e.To, Kind: e.Kind, Permissions: in.list(e.Permissions),
				Via: in.grantList(e.Via), Conditional: e.Conditional, Assumed: e.Assumed, Note: e.Note})
		}
		clouds[hf.Cloud] = true
		if f.Capability != "" {
			caps[f.Capability] = true
		}
		doc.Findings = append(doc.Findings, hf)
	}
	doc.Clouds = sortedSet(clouds)
	doc.Caps = sortedSet(caps)
	return doc
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (in *interner) rule(r htmlRule) int {
	if i, ok := in.rules[r]; ok {
		return i
	}
	in.rules[r] = len(in.doc.Rules)
	in.doc.Rules = append(in.doc.Rules, r)
	return in.rules[r]
}

func (in *interner) list(l []string) int {
	k := strings.Join(l, "\x00")
	if i, ok := in.lists[k]; ok {
		return i
	}
	in.lists[k] = len(in.doc.Lists)
	if l == nil {
		l = []string{}
	}
	in.doc.Lists = append(in.doc.Lists, l)
	return in.lists[k]
}

func (in *interner) grantList(gs []model.Grant) []int {
	var out []int
	for _, g := range gs {
		kb, _ := json.Marshal(g)
		k := string(kb)
		i, ok := in.grants[k]
		if !ok {
			i = len(in.doc.Grants)
			in.grants[k] = i
			in.doc.Grants = append(in.doc.Grants, g)
		}
		out = append(out, i)
	}
	return out
}

// principal returns the index of a principal, adding it on first sight
// from the report's principals, else from the finding's copy, else by id.
func (in *interner) principal(id string, detail *model.Principal) int {
	if i, ok := in.prins[id]; ok {
		return i
	}
	p := in.known[id]
	if p == nil {
		p = detail
	}
	hp := htmlPrincipal{ID: id, Label: id}
	if p != nil {
		hp = htmlPrincipal{ID: id, Label: htmlPrincipalLabel(p), Cloud: p.Cloud, Kind: p.Kind, Name: p.Name, Account: p.Account,
			External: p.External, Public: p.Public, Groups: p.Groups}
	}
	if hp.Cloud == "" {
		hp.Cloud = cloudOfID(id)
	}
	in.prins[id] = len(in.doc.Principals)
	in.doc.Principals = append(in.doc.Principals, hp)
	return in.prins[id]
}

func htmlPrincipalLabel(p *model.Principal) string {
	switch {
	case p.Public && p.Name != "":
		return "anyone (" + p.Name + ")"
	case p.Public:
		return "anyone (" + p.ID + ")"
	case p.Kind == "account" && p.Account != "":
		return "account " + p.Account
	case p.Name != "" && p.Name != p.ID && p.Kind != "":
		return p.Kind + "/" + p.Name
	case p.Name != "":
		return p.Name
	}
	return p.ID
}

// cloudOf is the cloud of a finding: its principal's, else its chain's.
func (in *interner) cloudOf(principal int, f *model.Finding) string {
	if c := in.doc.Principals[principal].Cloud; c != "" {
		return c
	}
	for _, e := range f.Path {
		if e.Cloud != "" {
			return e.Cloud
		}
	}
	return "other"
}

// cloudOfID guesses the cloud of a principal the inputs do not describe.
func cloudOfID(id string) string {
	id = strings.TrimPrefix(id, model.FederatedPrefix)
	switch {
	case strings.HasPrefix(id, "arn:aws"):
		return "aws"
	case strings.HasPrefix(id, "//"), strings.HasPrefix(id, "allUsers"), strings.HasPrefix(id, "allAuthenticatedUsers"),
		strings.HasPrefix(id, "serviceAccount:"), strings.HasPrefix(id, "user:"), strings.HasPrefix(id, "group:"), strings.HasPrefix(id, "principalSet:"):
		return "gcp"
	case strings.HasPrefix(id, "/subscriptions/"), strings.HasPrefix(id, "/providers/"):
		return "azure"
	}
	return ""
}

func countMarks(fs []model.Finding) (suppressed, fixes, paths int) {
	for _, f := range fs {
		if f.Suppression != nil {
			suppressed++
		}
		if len(f.Fixes) > 0 {
			fixes++
		}
		if len(f.Path) > 0 {
			paths++
		}
	}
	return
}

func scopeOf(srcs []model.Source) (cols []htmlCollection, read, skipped int, kinds []htmlCount) {
	byKind := map[string]int{}
	for _, s := range srcs {
		if s.Collection != nil {
			cols = append(cols, htmlCollection{Path: s.Path, Collection: s.Collection})
		}
		if s.Error != "" {
			skipped++
			continue
		}
		read++
		k := s.Kind
		if k == "" {
			k = "unrecognised"
		}
		byKind[k]++
	}
	for _, k := range sortedKeys(byKind) {
		kinds = append(kinds, htmlCount{k, byKind[k]})
	}
	return
}

func htmlCharts(r *result.Report, doc *htmlDoc) []htmlChart {
	bySev, byCloud, byCap := map[string]int{}, map[string]int{}, map[string]int{}
	for _, f := range doc.Findings {
		bySev[f.Severity]++
		byCloud[f.Cloud]++
		if f.Capability != "" {
			byCap[f.Capability]++
		}
	}
	sev := htmlChart{Title: "By severity", Filter: "sev"}
	for _, s := range severityOrder {
		sev.Bars = append(sev.Bars, htmlBar{Label: s, Count: bySev[s], Class: "sev-" + s})
		delete(bySev, s)
	}
	for _, s := range sortedKeys(bySev) { // severities outside the usual five
		sev.Bars = append(sev.Bars, htmlBar{Label: s, Count: bySev[s], Class: "sev-other"})
	}
	cloud := htmlChart{Title: "By cloud", Filter: "cloud"}
	for _, c := range doc.Clouds {
		cloud.Bars = append(cloud.Bars, htmlBar{Label: c, Count: byCloud[c], Class: "cloud-" + c})
	}
	capc := htmlChart{Title: "By capability", Filter: "cap"}
	caps := append([]string(nil), doc.Caps...)
	sort.SliceStable(caps, func(i, j int) bool { return byCap[caps[i]] > byCap[caps[j]] })
	for _, c := range caps {
		capc.Bars = append(capc.Bars, htmlBar{Label: c, Count: byCap[c], Class: "cap"})
	}
	charts := []htmlChart{sev, cloud, capc}
	for i := range charts {
		max := 0
		for _, b := range charts[i].Bars {
			if b.Count > max {
				max = b.Count
			}
		}
		for j := range charts[i].Bars {
			w := 0.0
			if max > 0 {
				w = float64(charts[i].Bars[j].Count) * 100 / float64(max)
			}
			charts[i].Bars[j].Width = strconv.FormatFloat(w, 'f', 1, 64)
		}
	}
	return charts
}

func fmtUTC(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func fmtDuration(a, b time.Time) string {
	if a.IsZero() || b.IsZero() {
		return ""
	}
	return b.Sub(a).Round(time.Second).String()
}
