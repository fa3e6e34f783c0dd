package reports

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/imagewarden/imagewarden/analyzer"
)

// The browser test opens HTML reports in headless Chromium through the
// DevTools protocol and uses them as an auditor would: it types into the
// filter, switches the selects, sorts, pages, opens principal and finding
// pages, and fails on any console error, uncaught exception, dialog or
// request that leaves the file. With -update it also takes the screenshot
// of the demo report in docs/html-report.png.
//
// It skips when no Chromium is installed, unless IMAGEWARDEN_REQUIRE_BROWSER
// is set (CI sets it after installing Chromium, so it cannot skip there).
// IMAGEWARDEN_CHROMIUM names the browser binary to use.

const htmlScreenshot = "html-report.png"

func findChromium() string {
	if p := os.Getenv("IMAGEWARDEN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageLog gathers what a tab must not do.
type pageLog struct {
	mu       sync.Mutex
	base     string // the file:// URL of the report
	problems []string
	dialogs  []string
}

func (l *pageLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			l.problems = append(l.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		l.problems = append(l.problems, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			l.problems = append(l.problems, fmt.Sprintf("browser log (%s, %s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		if u != l.base && !strings.HasPrefix(u, l.base+"#") && !strings.HasPrefix(u, "data:") {
			l.problems = append(l.problems, "request that leaves the report: "+u)
		}
	case *page.EventJavascriptDialogOpening:
		l.dialogs = append(l.dialogs, string(ev.Type)+": "+ev.Message)
	}
}

func (l *pageLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.problems {
		t.Error(p)
	}
	for _, d := range l.dialogs {
		t.Errorf("the page opened a dialog (script injection?): %s", d)
	}
}

// browser starts one headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("IMAGEWARDEN_REQUIRE_BROWSER") != "" {
			t.Fatal("IMAGEWARDEN_REQUIRE_BROWSER is set but no Chromium is installed (apt-get install chromium, or set IMAGEWARDEN_CHROMIUM)")
		}
		t.Skip("no Chromium on PATH (set IMAGEWARDEN_REQUIRE_BROWSER=1 to fail instead)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(1280, 900), chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("font-render-hinting", "none"))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // start the browser with no deadline
		t.Fatalf("starting %s: %v", bin, err)
	}
	return ctx
}

// openReport writes r as HTML to a temporary file and opens it in a new tab.
func openReport(t *testing.T, bctx context.Context, r *analyzer.Report) (context.Context, *pageLog) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, renderHTML(t, r), 0o644); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: path}).String()
	pl := &pageLog{base: u}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithListener(pl.listen))
	t.Cleanup(cancel)
	t.Cleanup(func() { pl.check(t) })
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	go func() { // a dialog blocks the page: note it (pl.listen did) and close it
		for _, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.documentElement.getAttribute('data-ready') === '1'`)
	t.Logf("%s: %d findings ready in %v", filepath.Base(path), len(r.Findings), time.Since(start).Round(time.Millisecond))
	return ctx, pl
}

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func waitJS(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// matched is the count of findings the table says match, and rows the
// rows it shows.
func matched(t *testing.T, ctx context.Context) (int, int) {
	t.Helper()
	m := evalJS[int](t, ctx, `parseInt(document.getElementById('f-count').getAttribute('data-matched'), 10)`)
	rows := evalJS[int](t, ctx, `document.querySelectorAll('#f-table tbody tr[data-id]').length`)
	return m, rows
}

func wantMatched(t *testing.T, ctx context.Context, what string, want, pageSize int) {
	t.Helper()
	chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('f-count').getAttribute('data-matched') === '%d'`, want), chromedp.WithPollingTimeout(10*time.Second)))
	m, rows := matched(t, ctx)
	if m != want || rows != min(want, pageSize) {
		t.Errorf("%s: %d findings match and %d rows shown, want %d and %d", what, m, rows, want, min(want, pageSize))
	}
}

// typeFilter replaces the text of the filter box by typing.
func typeFilter(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	// Empty the box as select-all and delete would, then type.
	evalJS[chromedp.Void](t, ctx, `(function(e){ e.value = ''; e.dispatchEvent(new Event('input')); })(document.getElementById('f-text'))`)
	if s == "" {
		return
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-text"), s)); err != nil {
		t.Fatal(err)
	}
}

func selectValue(t *testing.T, ctx context.Context, id, v string) {
	t.Helper()
	ok := evalJS[bool](t, ctx, fmt.Sprintf(`(function(s, v){ if (!Array.from(s.options).some(function(o){ return o.value === v; })) return false; s.value = v; s.dispatchEvent(new Event('change')); return true; })(document.getElementById(%q), %q)`, id, v))
	if !ok {
		t.Fatalf("select #%s has no option %q", id, v)
	}
}

func go2(t *testing.T, ctx context.Context, hash string) {
	t.Helper()
	evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`location.hash = %q`, hash))
}

func TestHTMLInBrowser(t *testing.T) {
	bctx := browser(t)

	t.Run("demo", func(t *testing.T) {
		r := demoReport(t)
		doc := buildHTMLDoc(r)
		ctx, _ := openReport(t, bctx, r)
		total := len(r.Findings)
		wantMatched(t, ctx, "opened", total, 50)

		// The page leads with the answer: the summary first, on the first
		// screen, the evidence last; its numbers are the JSON report's.
		sections := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#view-main > section[id]')).map(function(s){ return s.id; })`)
		checkSectionOrder(t, sections)
		if top := evalJS[float64](t, ctx, `document.getElementById('summary').getBoundingClientRect().top / window.innerHeight`); top >= 0.5 {
			t.Errorf("the summary starts %.0f%% down the first screen", top*100)
		}
		checkSummary(t, evalJS[map[string]string](t, ctx, summaryJS), wantSummary(t, r))
		// A critical finding named in the summary opens its page.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#sum-critical li[data-id] a`))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `location.hash === '#finding/' + document.querySelector('#sum-critical li[data-id]').getAttribute('data-id') && !!document.querySelector('#view-detail .card')`)
		go2(t, ctx, "")
		waitJS(t, ctx, `!document.getElementById('view-main').hidden`)

		// The metadata is there.
		if got := evalJS[string](t, ctx, `document.getElementById('meta-bundle').textContent`); got != r.RuleBundle {
			t.Errorf("rule bundle shown %q, want %q", got, r.RuleBundle)
		}

		// Typing a finding id leaves that finding; a rule id its findings;
		// two words must both match.
		var chain, other int = -1, -1
		for i, f := range r.Findings {
			if len(f.Path) > 0 && chain < 0 {
				chain = i
			}
		}
		for i, f := range r.Findings {
			if chain >= 0 && f.RuleID != r.Findings[chain].RuleID && other < 0 {
				other = i
			}
		}
		if chain < 0 || other < 0 {
			t.Fatal("the demo has no finding with an escalation path")
		}
		fc := r.Findings[chain]
		typeFilter(t, ctx, fc.ID)
		wantMatched(t, ctx, "filter by finding id", 1, 50)
		if got := evalJS[string](t, ctx, `document.querySelector('#f-table tbody tr').getAttribute('data-id')`); got != fc.ID {
			t.Errorf("filter by id shows %s, want %s", got, fc.ID)
		}
		// (A rule id also matches the finding ids that contain it.)
		byRule := 0
		for _, f := range r.Findings {
			if f.RuleID == fc.RuleID || strings.Contains(f.ID, strings.ToLower(fc.RuleID)) {
				byRule++
			}
		}
		typeFilter(t, ctx, strings.ToLower(fc.RuleID))
		wantMatched(t, ctx, "filter by rule", byRule, 50)
		typeFilter(t, ctx, fc.RuleID+" "+r.Findings[other].ID)
		wantMatched(t, ctx, "two words that no finding has both", 0, 50)
		if got := evalJS[string](t, ctx, `document.querySelector('#f-table tbody').textContent`); !strings.Contains(got, "No finding matches") {
			t.Errorf("an empty table says %q", got)
		}
		typeFilter(t, ctx, "")
		wantMatched(t, ctx, "filter cleared", total, 50)

		// The selects narrow by severity, cloud and capability.
		selectValue(t, ctx, "f-sev", "critical")
		wantMatched(t, ctx, "critical", r.Summary.BySeverity["critical"], 50)
		n := 0
		for _, f := range doc.Findings {
			if f.Severity == "critical" && f.Cloud == "azure" {
				n++
			}
		}
		selectValue(t, ctx, "f-cloud", "azure")
		wantMatched(t, ctx, "critical in azure", n, 50)
		selectValue(t, ctx, "f-sev", "")
		selectValue(t, ctx, "f-cloud", "")
		n = 0
		for _, f := range r.Findings {
			if f.Capability == "image.push" {
				n++
			}
		}
		selectValue(t, ctx, "f-cap", "image.push")
		wantMatched(t, ctx, "image.push", n, 50)
		selectValue(t, ctx, "f-cap", "")
		wantMatched(t, ctx, "selects cleared", total, 50)

		// A click on a chart bar filters the table.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a.bar-row[data-filter="sev"][data-value="high"]`))); err != nil {
			t.Fatal(err)
		}
		wantMatched(t, ctx, "high from the chart", r.Summary.BySeverity["high"], 50)
		selectValue(t, ctx, "f-sev", "")

		// Sorting by principal orders the rows by the principal's label.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#f-table th[data-sort="principal"]`))); err != nil {
			t.Fatal(err)
		}
		labels := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#f-table tbody tr td:nth-child(3)')).map(function(td){ return td.textContent.toLowerCase(); })`)
		if len(labels) != 50 || !sort.StringsAreSorted(labels) {
			t.Errorf("sorted by principal, the first page is %q", labels)
		}
		// The pager turns pages.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#f-pager button[title="next page"]`))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `/showing 51\u201310?0/.test(document.getElementById('f-count').textContent)`)

		// A principal's page shows its findings and escalation paths.
		p := fc.PrincipalID
		mine := 0
		for _, f := range r.Findings {
			if f.PrincipalID == p {
				mine++
			}
		}
		go2(t, ctx, "#principal/"+url.PathEscape(p))
		waitJS(t, ctx, `!!document.getElementById('principal-title')`)
		if got, want := evalJS[string](t, ctx, `document.getElementById('principal-title').textContent`), doc.Principals[doc.Findings[chain].Principal].Label; got != want {
			t.Errorf("principal page titled %q, want %q", got, want)
		}
		if got := evalJS[string](t, ctx, `document.getElementById('pf-count').getAttribute('data-matched')`); got != fmt.Sprint(mine) {
			t.Errorf("principal page lists %s findings, want %d", got, mine)
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll('#view-detail .steps.path').length`); n < 1 {
			t.Error("principal page draws no escalation path")
		}
		if evalJS[bool](t, ctx, `!document.getElementById('view-main').hidden`) {
			t.Error("the main view is still shown on a principal page")
		}

		// A finding's page draws its chain, a step per edge.
		go2(t, ctx, "#finding/"+fc.ID)
		waitJS(t, ctx, `document.querySelectorAll('#view-detail .arrow .kind').length > 0`)
		kinds := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#view-detail .card .steps.path .arrow .kind')).map(function(e){ return e.textContent; })`)
		if len(kinds) != len(fc.Path) {
			t.Errorf("finding page draws %d steps, want %d", len(kinds), len(fc.Path))
		}
		for i, e := range fc.Path {
			if i < len(kinds) && !strings.HasPrefix(kinds[i], e.Kind) {
				t.Errorf("step %d is %q, want %s", i, kinds[i], e.Kind)
			}
		}

		// Back to the overview; the principals list is there too.
		go2(t, ctx, "")
		waitJS(t, ctx, `!document.getElementById('view-main').hidden`)
		if n := evalJS[int](t, ctx, `document.querySelectorAll('#p-table tbody tr').length`); n == 0 {
			t.Error("no principal listed")
		}

		if *update {
			// The screenshot of the docs: a fresh tab on the demo report,
			// as an auditor first sees it.
			sctx, _ := openReport(t, bctx, r)
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "docs", htmlScreenshot), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("50k", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short")
		}
		r := htmlSynthetic(50000)
		ctx, _ := openReport(t, bctx, r)
		wantMatched(t, ctx, "opened", 50000, 50)
		if n := evalJS[int](t, ctx, `document.querySelectorAll('tr').length`); n > 300 {
			t.Errorf("%d table rows in the page: only the visible page should be rendered", n)
		}
		sup := 0
		for _, f := range r.Findings {
			if f.Suppression != nil {
				sup++
			}
		}
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("f-hide-sup"))); err != nil {
			t.Fatal(err)
		}
		wantMatched(t, ctx, "suppressed hidden", 50000-sup, 50)
		t.Logf("hide suppressed: %v", time.Since(start).Round(time.Millisecond))
		start = time.Now()
		typeFilter(t, ctx, r.Findings[12345].ID)
		wantMatched(t, ctx, "one id in 50,000", 1, 50)
		t.Logf("filter by text (first search builds the index): %v", time.Since(start).Round(time.Millisecond))
		typeFilter(t, ctx, "")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("f-hide-sup"))); err != nil {
			t.Fatal(err)
		}
		wantMatched(t, ctx, "all again", 50000, 50)
		start = time.Now()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#f-table th[data-sort="where"]`))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.querySelector('#f-table th[data-sort="where"]').classList.contains('sorted-asc')`)
		t.Logf("sort 50,000 by resource: %v", time.Since(start).Round(time.Millisecond))

		// A fix shows its before/after as a line diff, texts as text.
		f := r.Findings[143] // 143 = 11*13: suppressed, with a fix
		go2(t, ctx, "#finding/"+f.ID)
		waitJS(t, ctx, `document.querySelectorAll('#view-detail .diff').length === 1`)
		dels := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#view-detail .diff .del')).map(function(e){ return e.textContent; })`)
		adds := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#view-detail .diff .add')).map(function(e){ return e.textContent; })`)
		if len(dels) != 1 || strings.TrimSpace(dels[0]) != `-     "ecr:PutImage",` || len(adds) != 1 || adds[0] != "+ </script><script>alert(3)</script>" {
			t.Errorf("diff: removed %q, added %q", dels, adds)
		}
		if f.Suppression == nil || evalJS[int](t, ctx, `document.querySelectorAll('#view-detail .card').length`) < 4 {
			t.Error("the finding page lacks its suppression or cards")
		}

		// The hostile principal's page shows its name as text.
		go2(t, ctx, "#principal/"+url.PathEscape(r.Principals[0].ID))
		waitJS(t, ctx, `!!document.getElementById('principal-title')`)
		if got := evalJS[string](t, ctx, `document.getElementById('principal-title').textContent`); got != "user/"+htmlScriptBreakout {
			t.Errorf("hostile principal titled %q", got)
		}
		if n := evalJS[int](t, ctx, `document.scripts.length`); n != 2 {
			t.Errorf("%d scripts in the page after rendering hostile names, want 2", n)
		}
	})
}
