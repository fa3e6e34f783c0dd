package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/imagewarden/imagewarden/analyzer"
)

// The HTML page leads with the answer: the executive summary comes first,
// then the findings and principals, and the evidence (run metadata, input
// hashes, scope) last. The summary's numbers are checked against the JSON
// report of the same analysis, decoded, not against the HTML code.

// htmlSectionOrder is the order the main view's sections must keep
// (sections not listed, such as "applied", may sit anywhere).
var htmlSectionOrder = []string{"summary", "counts", "findings", "principals", "run", "scope"}

// summaryGroupOf is the capability groups as the summary documents them.
var summaryGroupOf = map[string]string{
	"image.push": "push", "image.create": "create", "image.modify": "modify", "pipeline.modify": "modify",
	"registry.configure": "modify", "image.share": "share", "iam.escalate": "escalate",
}

// wantSummary computes, from the JSON report of r, what the summary's
// data attributes must say: "summary/<attr>" for the section's,
// "group/<name>/<attr>" for each capability group, "fix/<i>" for the
// findings the i-th fix removes, "named" and "more" for the critical
// findings named and left unnamed.
func wantSummary(t testing.TB, r *analyzer.Report) map[string]string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, "json", r); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Findings []struct {
			ID          string          `json:"id"`
			Severity    string          `json:"severity"`
			Principal   string          `json:"principal"`
			Capability  string          `json:"capability"`
			Suppression json.RawMessage `json:"suppression"`
			Targets     []struct {
				Resource string `json:"resource"`
			} `json:"targets"`
			Fixes []struct {
				Kind    string `json:"kind"`
				Summary string `json:"summary"`
				Target  string `json:"target"`
			} `json:"fixes"`
		} `json:"findings"`
		Warnings []json.RawMessage `json:"warnings"`
		Summary  struct {
			Skipped  []string `json:"skipped"`
			Complete bool     `json:"complete"`
			Counts   []struct {
				Skipped int `json:"skipped"`
			} `json:"counts"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	open, sup, crit := 0, 0, 0
	prins, res := map[string]bool{}, map[string]bool{}
	groupP, groupF := map[string]map[string]bool{}, map[string]int{}
	fixes := map[string]map[string]bool{}
	for _, f := range rep.Findings {
		if len(f.Suppression) > 0 && string(f.Suppression) != "null" {
			sup++
			continue
		}
		open++
		prins[f.Principal] = true
		for _, tg := range f.Targets {
			res[tg.Resource] = true
		}
		if f.Severity == "critical" {
			crit++
		}
		g := summaryGroupOf[f.Capability]
		if g == "" {
			g = "other"
		}
		if groupP[g] == nil {
			groupP[g] = map[string]bool{}
		}
		groupP[g][f.Principal] = true
		groupF[g]++
		for _, x := range f.Fixes {
			k := x.Kind + "\x00" + x.Summary + "\x00" + x.Target
			if fixes[k] == nil {
				fixes[k] = map[string]bool{}
			}
			fixes[k][f.ID] = true
		}
	}
	items := 0
	for _, c := range rep.Summary.Counts {
		items += c.Skipped
	}
	want := map[string]string{
		"summary/data-findings": strconv.Itoa(open), "summary/data-suppressed": strconv.Itoa(sup),
		"summary/data-principals": strconv.Itoa(len(prins)), "summary/data-resources": strconv.Itoa(len(res)),
		"summary/data-critical": strconv.Itoa(crit), "summary/data-warnings": strconv.Itoa(len(rep.Warnings)),
		"summary/data-skipped": strconv.Itoa(len(rep.Summary.Skipped)), "summary/data-skipped-items": strconv.Itoa(items),
		"summary/data-complete": strconv.FormatBool(rep.Summary.Complete),
		"named":                 strconv.Itoa(min(crit, 10)), "more": strconv.Itoa(max(crit-10, 0)),
	}
	for _, g := range []string{"push", "create", "modify", "share", "escalate", "other"} {
		if len(groupP[g]) == 0 && (g == "escalate" || g == "other") {
			continue
		}
		want["group/"+g+"/data-principals"] = strconv.Itoa(len(groupP[g]))
		want["group/"+g+"/data-findings"] = strconv.Itoa(groupF[g])
	}
	var counts []int
	for _, ids := range fixes {
		counts = append(counts, len(ids))
	}
	slices.SortFunc(counts, func(a, b int) int { return b - a })
	for i, n := range counts[:min(3, len(counts))] {
		want[fmt.Sprintf("fix/%d", i)] = strconv.Itoa(n)
	}
	return want
}

// summaryJS reads from a page in a browser what summaryFromHTML reads
// from its markup.
const summaryJS = `(function(){
  var o = {}, s = document.getElementById('summary');
  Array.from(s.attributes).forEach(function(a){ if (a.name.indexOf('data-') === 0) o['summary/' + a.name] = a.value; });
  document.querySelectorAll('#sum-groups li[data-group]').forEach(function(li){
    o['group/' + li.dataset.group + '/data-principals'] = li.getAttribute('data-principals');
    o['group/' + li.dataset.group + '/data-findings'] = li.getAttribute('data-findings');
  });
  document.querySelectorAll('#sum-fixes li[data-findings]').forEach(function(li, i){ o['fix/' + i] = li.getAttribute('data-findings'); });
  o.named = String(document.querySelectorAll('#sum-critical li[data-id]').length);
  var m = document.querySelector('#sum-critical li[data-more]');
  o.more = m ? m.getAttribute('data-more') : '0';
  return o;
})()`

// summaryFromHTML parses a rendered page: the ids of the main view's
// sections in document order, and the summary's data attributes keyed as
// wantSummary keys them.
func summaryFromHTML(t testing.TB, page []byte) ([]string, map[string]string) {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var sections []string
	got := map[string]string{}
	named, more, fixes := 0, "0", 0
	var walk func(n *html.Node, in string)
	walk = func(n *html.Node, in string) {
		if n.Type == html.ElementNode {
			id, _ := attr(n, "id")
			switch {
			case n.Data == "section" && id != "":
				sections = append(sections, id)
				if id == "summary" {
					for _, a := range n.Attr {
						if strings.HasPrefix(a.Key, "data-") {
							got["summary/"+a.Key] = a.Val
						}
					}
				}
			case n.Data == "li" && in == "sum-groups":
				if g, ok := attr(n, "data-group"); ok {
					got["group/"+g+"/data-principals"], _ = attr(n, "data-principals")
					got["group/"+g+"/data-findings"], _ = attr(n, "data-findings")
				}
			case n.Data == "li" && in == "sum-fixes":
				if v, ok := attr(n, "data-findings"); ok {
					got[fmt.Sprintf("fix/%d", fixes)] = v
					fixes++
				}
			case n.Data == "li" && in == "sum-critical":
				if _, ok := attr(n, "data-id"); ok {
					named++
				}
				if v, ok := attr(n, "data-more"); ok {
					more = v
				}
			}
			if id != "" {
				in = id
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(root, "")
	got["named"], got["more"] = strconv.Itoa(named), more
	return sections, got
}

// checkSectionOrder fails unless the sections of htmlSectionOrder appear in
// that order.
func checkSectionOrder(t testing.TB, sections []string) {
	t.Helper()
	var seen []string
	for _, s := range sections {
		if slices.Contains(htmlSectionOrder, s) {
			seen = append(seen, s)
		}
	}
	if !slices.Equal(seen, htmlSectionOrder) {
		t.Errorf("sections in the order %q, want %q", seen, htmlSectionOrder)
	}
}

func checkSummary(t testing.TB, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("summary %s = %q, the JSON report gives %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("summary has %s = %q, which the JSON report does not give", k, got[k])
		}
	}
}

func TestHTMLSummaryFirst(t *testing.T) {
	for name, r := range map[string]*analyzer.Report{"demo": demoReport(t), "synthetic": htmlSynthetic(300)} {
		t.Run(name, func(t *testing.T) {
			sections, got := summaryFromHTML(t, renderHTML(t, r))
			checkSectionOrder(t, sections)
			checkSummary(t, got, wantSummary(t, r))
		})
	}
}
