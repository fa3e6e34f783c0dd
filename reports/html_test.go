package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/golden"
)

const htmlGolden = "demo-report.html"

// htmlScriptBreakout is a name that would end the data block and run code
// if the report's strings reached the page unescaped.
const htmlScriptBreakout = `</script><script>alert(1)</script>`

func renderHTML(t testing.TB, r *analyzer.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestHTMLGolden(t *testing.T) {
	got := renderHTML(t, demoReport(t))
	golden.Check(t, filepath.Join("..", "testdata", "golden", htmlGolden), got)
	// The same report renders to the same bytes, also through Render.
	var again bytes.Buffer
	if err := Render(&again, "html", demoReport(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again.Bytes()) {
		t.Error("two renderings of the same analysis differ")
	}
	if !slices.Contains(Formats, "html") {
		t.Error(`Formats lacks "html"`)
	}
}

// htmlData returns the JSON data block of a rendered page, checking on the
// way that the page has exactly two script elements (the data and the
// report's own code) and loads nothing: no src, no href but in-page
// anchors and data: URLs, no external stylesheet, frame or object.
func htmlData(t *testing.T, page []byte) *htmlDoc {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	scripts, inData := 0, false
	var data []byte
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.Data {
			case "script":
				scripts++
				inData = false
				for _, a := range tok.Attr {
					if a.Key == "id" && a.Val == "iw-data" {
						inData = true
					}
				}
			case "iframe", "frame", "object", "embed", "img", "video", "audio", "source", "base", "form":
				t.Errorf("unexpected <%s> element: %s", tok.Data, tok.String())
			}
			for _, a := range tok.Attr {
				switch strings.ToLower(a.Key) {
				case "src", "srcset", "action", "formaction", "poster", "background", "xlink:href", "ping", "data", "manifest":
					t.Errorf("attribute %s=%q on <%s>: the page must load nothing", a.Key, a.Val, tok.Data)
				case "href":
					if !strings.HasPrefix(a.Val, "#") && !strings.HasPrefix(a.Val, "data:") {
						t.Errorf("href %q on <%s> leaves the page", a.Val, tok.Data)
					}
				}
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("inline handler %s=%q on <%s>", a.Key, a.Val, tok.Data)
				}
			}
		case html.TextToken:
			if inData {
				data = append(data, tok.Data...)
			}
		case html.EndTagToken:
			if tok.Data == "script" {
				inData = false
			}
		}
	}
	if scripts != 2 {
		t.Errorf("page has %d <script> elements, want 2 (data and code)", scripts)
	}
	var doc htmlDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("data block is not JSON: %v", err)
	}
	return &doc
}

// externalFetch matches what would make a browser fetch from the network.
var externalFetch = regexp.MustCompile(`(?i)(\b(src|href|srcset|action|poster|data)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import|\bfetch\(|XMLHttpRequest|WebSocket\(|EventSource\(|sendBeacon|\bimport\(|<link\b[^>]*rel=["']?stylesheet)`)

func TestHTMLLoadsNothing(t *testing.T) {
	for name, r := range map[string]*analyzer.Report{"demo": demoReport(t), "synthetic": htmlSynthetic(500)} {
		page := renderHTML(t, r)
		if m := externalFetch.FindAll(page, 5); m != nil {
			t.Errorf("%s: the page would fetch from outside: %q", name, m)
		}
		htmlData(t, page)
	}
	for _, asset := range []string{"html/report.js", "html/report.css", "html/report.html.tmpl"} {
		b, err := htmlAssets.ReadFile(asset)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) {
			t.Errorf("%s names a URL", asset)
		}
		if bytes.Contains(b, []byte("innerHTML")) || bytes.Contains(b, []byte("insertAdjacentHTML")) || bytes.Contains(b, []byte("document.write")) {
			t.Errorf("%s builds markup from strings; use textContent", asset)
		}
	}
}

func TestHTMLEscapesEverything(t *testing.T) {
	r := htmlSynthetic(20)
	page := renderHTML(t, r)
	if n := bytes.Count(bytes.ToLower(page), []byte("<script")); n != 2 {
		t.Errorf("%d <script tags in the page, want 2", n)
	}
	if n := bytes.Count(bytes.ToLower(page), []byte("</script")); n != 2 {
		t.Errorf("%d </script tags in the page, want 2", n)
	}
	for _, bad := range []string{htmlScriptBreakout, "<script>alert", "<img src=x", "<b>bold</b>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	// The server-rendered parts show the hostile texts as text.
	for _, want := range []string{"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks the escaped text %q", want)
		}
	}
	doc := htmlData(t, page)
	if doc.Principals[0].Name != htmlScriptBreakout || doc.Principals[0].ID != r.Principals[0].ID {
		t.Errorf("the hostile principal did not survive the round trip: %+v", doc.Principals[0])
	}
	if len(doc.Findings) != len(r.Findings) {
		t.Errorf("%d findings in the page, want %d", len(doc.Findings), len(r.Findings))
	}
}

func TestHTMLContents(t *testing.T) {
	r := htmlSynthetic(300)
	page := string(renderHTML(t, r))
	col := r.Inputs[0].Collection
	for _, want := range []string{
		r.Version, r.RuleBundle, "2026-01-02 03:04:05 UTC", // metadata
		r.Inputs[1].SHA256, r.Inputs[1].Kind, // inputs with hashes
		col.Account, "2026-01-02 01:00:00 UTC", "2026-01-02 01:12:30 UTC", "12m30s", // collection
		col.Skipped[0].Name, "AccessDenied in eu-west-1", // scope skipped
		col.Collected[0].Name,              // scope covered
		"snapshot/broken.json", "not JSON", // skipped input
		"roles with unknown permissions",                                                                                               // warnings
		`data-filter="sev" data-value="critical"`, `data-filter="cloud" data-value="gcp"`, `data-filter="cap" data-value="image.push"`, // charts
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	doc := htmlData(t, []byte(page))
	var sup, fix, path int
	for _, f := range doc.Findings {
		if f.Suppressed != nil {
			sup++
		}
		if len(f.Fixes) > 0 && f.Fixes[0].Before != "" {
			fix++
		}
		if len(f.Path) > 0 {
			path++
		}
	}
	if sup == 0 || fix == 0 || path == 0 {
		t.Errorf("suppressions, fixes or paths lost: %d, %d, %d", sup, fix, path)
	}
	// The counts are the analysis's.
	demo := demoReport(t)
	dp := string(renderHTML(t, demo))
	for s, n := range demo.Summary.BySeverity {
		if !regexp.MustCompile(fmt.Sprintf(`data-value="%s"[^>]*>\s*<span class="bar-label">%s</span>\s*<span class="bar-track"><span class="bar [^"]*" style="width: [0-9.]+%%"></span></span>\s*<span class="bar-count">%d</span>`, s, s, n)).MatchString(dp) {
			t.Errorf("the severity chart does not show %d %s", n, s)
		}
	}
}

// TestHTML50k renders a report of 50,000 findings: it must render, and
// stay small enough to open (about 1 KB a finding at most). The time is
// measured by BenchmarkHTML50k, not asserted.
func TestHTML50k(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	r := htmlSynthetic(50000)
	start := time.Now()
	page := renderHTML(t, r)
	t.Logf("50,000 findings: %.1f MB in %v", float64(len(page))/1e6, time.Since(start).Round(time.Millisecond))
	if len(page) > 50000*1024 {
		t.Errorf("page is %d bytes: more than 1 KB a finding", len(page))
	}
	doc := htmlData(t, page)
	if len(doc.Findings) != 50000 {
		t.Errorf("%d findings in the page", len(doc.Findings))
	}
}

func BenchmarkHTML50k(b *testing.B) {
	r := htmlSynthetic(50000)
	var n int
	for b.Loop() {
		var buf bytes.Buffer
		if err := HTML(&buf, r); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	b.ReportMetric(float64(n)/1e6, "MB")
}

var htmlSevs = []string{"critical", "high", "high", "medium", "medium", "medium", "low", "info"}
var htmlCaps = []string{"image.push", "image.modify", "image.create", "image.share", "pipeline.modify", "registry.configure", "iam.escalate"}

// htmlSynthetic makes a report of n findings over n/10+1 principals in the
// three clouds, with a collection manifest, a skipped file, warnings,
// suppressions, fixes and escalation paths, and hostile texts (principal 0
// is named to break out of a script element).
func htmlSynthetic(n int) *analyzer.Report {
	r := &analyzer.Report{
		Tool: "imagewarden", Version: "v9.9.9-test", RuleBundle: strings.Repeat("ab", 32),
		GeneratedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Warnings: []model.Warning{
			{Message: "2 roles with unknown permissions: " + htmlScriptBreakout},
			{Where: "snapshot/aws/eu-west-1", Message: "collection incomplete: <b>bold</b> scope skipped"},
		},
	}
	r.Inputs = []model.Source{
		{Path: "snapshot/collection.json", Kind: "imagewarden-collection", SHA256: strings.Repeat("0c", 32), Collection: &model.Collection{
			Tool: "imagewarden", Version: "v9.9.9-test", Cloud: "aws", Caller: "arn:aws:sts::111122223333:assumed-role/Audit/" + htmlScriptBreakout, Account: "111122223333",
			Started: time.Date(2026, 1, 2, 1, 0, 0, 0, time.UTC), Finished: time.Date(2026, 1, 2, 1, 12, 30, 0, time.UTC),
			Collected: []model.CollectedScope{{Name: "account 111122223333 iam", Files: []string{"iam.json"}}, {Name: "account 111122223333 us-east-1 ecr", Files: []string{"ecr.json", "ecr-policies.json"}}},
			Skipped:   []model.CollectedScope{{Name: "account 111122223333 eu-west-1 ecr", Error: "AccessDenied in eu-west-1"}},
		}},
		{Path: "snapshot/iam.json", Kind: "aws-iam-authorization-details", SHA256: strings.Repeat("1a", 32)},
		{Path: "snapshot/ecr.json", Kind: "aws-ecr-repositories", SHA256: strings.Repeat("2b", 32)},
		{Path: "snapshot/broken.json", Error: "not JSON: unexpected end of input", SHA256: strings.Repeat("3c", 32)},
	}
	clouds := []string{"aws", "gcp", "azure"}
	np := n/10 + 1
	for i := 0; i < np; i++ {
		c := clouds[i%3]
		p := model.Principal{Cloud: c, Kind: "user", Name: fmt.Sprintf("user%05d", i), Account: fmt.Sprintf("acct-%s-%d", c, i%7)}
		switch c {
		case "aws":
			p.ID = fmt.Sprintf("arn:aws:iam::%012d:user/%s", 100000000000+i%7, p.Name)
		case "gcp":
			p.ID, p.Kind = "serviceAccount:"+p.Name+"@proj.iam.gserviceaccount.com", "serviceAccount"
		default:
			p.ID, p.Kind = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "User"
		}
		if i == 0 {
			p.Name, p.ID = htmlScriptBreakout, `arn:aws:iam::100000000000:user/"><img src=x onerror=alert(2)>`
		}
		r.Principals = append(r.Principals, p)
	}
	for i := 0; i < n; i++ {
		p := r.Principals[(i*7)%np]
		capb := htmlCaps[i%len(htmlCaps)]
		f := model.Finding{
			ID: fmt.Sprintf("iw-%016x", i), RuleID: fmt.Sprintf("IW-%03d", 1+i%9), Rule: "imagewarden.rules.synthetic",
			Title: "Synthetic finding " + fmt.Sprint(1+i%9), Severity: htmlSevs[i%len(htmlSevs)],
			Description: "A synthetic finding for tests.", Remediation: "Remove the grant.",
			PrincipalID: p.ID, Principal: &r.Principals[(i*7)%np], Capability: capb, Access: model.Allowed,
		}
		res := fmt.Sprintf("arn:aws:ecr:us-east-1:%012d:repository/team%d/app%d", 100000000000+i%7, i%50, i%1000)
		grant := model.Grant{PolicyType: "identity", Policy: fmt.Sprintf("inline:team%d", i%50), Statement: "Push", Effect: "Allow"}
		f.Targets = []model.Target{{Resource: res, Known: true, Access: model.Allowed, Actions: []string{"ecr:PutImage", "ecr:UploadLayerPart"}, Via: []model.Grant{grant}}}
		if i%5 == 0 {
			f.Targets = append(f.Targets, model.Target{Resource: fmt.Sprintf("arn:aws:ecr:us-east-1:%012d:repository/*", 100000000000+i%7), All: true, Access: model.Conditional,
				Actions: []string{"ecr:PutImage"}, Via: []model.Grant{{PolicyType: "identity", Policy: "policy/Wide", Effect: "Allow", Conditional: true, Conditions: []string{"aws:MultiFactorAuthPresent"}}}})
		}
		if i%7 == 3 {
			mid := r.Principals[(i*7+1)%np]
			f.Path = []model.Edge{
				{From: p.ID, To: mid.ID, Cloud: p.Cloud, Kind: "assume-role", Permissions: []string{"sts:AssumeRole"}, Via: []model.Grant{grant}},
				{From: mid.ID, To: model.AdminNode(p.Cloud, "acct-x", mid.ID), Cloud: p.Cloud, Kind: "self-escalation", Permissions: []string{"iam:PutUserPolicy"}, Conditional: i%2 == 0},
			}
			f.Targets = nil
		}
		if i%11 == 0 {
			f.Suppression = &model.Suppression{Reason: "break-glass account " + htmlScriptBreakout, Owner: "secops@example.com", Expires: "2026-12-31", Source: "imagewarden.yaml:12"}
		}
		if i%13 == 0 {
			f.Fixes = []model.Fix{{Kind: "aws-statement-split", Summary: "drop ecr:PutImage from inline:team", Target: grant.Policy,
				Before:   "{\n  \"Effect\": \"Allow\",\n  \"Action\": [\n    \"ecr:PutImage\",\n    \"ecr:BatchGetImage\"\n  ],\n  \"Resource\": \"*\"\n}",
				After:    "{\n  \"Effect\": \"Allow\",\n  \"Action\": [\n    \"ecr:BatchGetImage\"\n  ],\n  \"Resource\": \"*\"\n}\n</script><script>alert(3)</script>",
				Commands: []string{"aws iam put-user-policy --policy-name team --policy-document file://fix.json"}}}
		}
		f.Message = fmt.Sprintf("%s can %s on %s", p.ID, capb, res)
		r.Findings = append(r.Findings, f)
	}
	r.Summary = analyzer.Summary{Principals: np, Resources: 1000, Findings: n, BySeverity: map[string]int{}, FilesRead: 3, FilesSkipped: 1}
	for _, f := range r.Findings {
		r.Summary.BySeverity[f.Severity]++
	}
	return r
}

// TestHTMLShowsAppliedRemediation: after analyze --apply-remediation the
// page says which findings the changes resolved, what they uncovered and
// what else they took away.
func TestHTMLShowsAppliedRemediation(t *testing.T) {
	r := demoReport(t)
	var before bytes.Buffer
	if err := HTML(&before, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(before.String(), `id="applied"`) {
		t.Fatal("a report without applied remediation shows the section")
	}
	resolved := r.Findings[0]
	resolved.Fixes = []model.Fix{{Kind: "aws-statement-split", Summary: "drop the push actions"}}
	r.Remediation = &remediate.Applied{Plan: "fixes/remediation.json", Changes: []string{"c1", "c2"}, Resolved: []model.Finding{resolved},
		Introduced: []string{"iw-00000000000000aa"}, Removes: []string{"<b>ecr:Other</b> for x"}}
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`id="applied"`, "2 change(s)", "1 finding(s) resolved, 1 uncovered, 1 other permission(s) removed",
		resolved.ID, "aws-statement-split", "iw-00000000000000aa", "&lt;b&gt;ecr:Other&lt;/b&gt; for x"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
}
