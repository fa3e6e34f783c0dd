package gcpcollect

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	goldenfile "github.com/imagewarden/imagewarden/internal/golden"

	"google.golang.org/api/option"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/version"
)

var fixed = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// sleeps records the retry waits instead of waiting: the tests stay fast
// and can see that Retry-After was obeyed.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func testOptions(srvURL, out string, s *sleeps) Options {
	return Options{
		Out: out, Organization: orgNum, Groups: true, Concurrency: 3,
		ClientOptions: []option.ClientOption{option.WithoutAuthentication()},
		Endpoint:      srvURL + "/",
		Retry:         collect.RetryTransport{MaxAttempts: 4, BaseBackoff: time.Millisecond, MaxBackoff: time.Minute, Sleep: s.sleep},
		Caller:        "auditor@nw-security.iam.gserviceaccount.com",
		Now:           func() time.Time { return fixed },
	}
}

// collectOrg collects the fake organization into a temporary directory.
func collectOrg(t *testing.T) (*fakeGCP, *Manifest, string, *sleeps) {
	t.Helper()
	f := newFake()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	out := t.TempDir()
	s := &sleeps{}
	m, err := Collect(context.Background(), testOptions(srv.URL, out, s))
	if err != nil {
		t.Fatal(err)
	}
	return f, m, out, s
}

// TestCollect: only read operations are called, pages are followed,
// throttling (429 with Retry-After) and a 503 are retried, a denied project
// and a disabled API are recorded and the rest is collected, and the
// snapshot is byte for byte the golden one.
func TestCollect(t *testing.T) {
	f, m, out, s := collectOrg(t)
	if len(f.forbidden) > 0 {
		t.Errorf("called operations outside the read-only allowlist: %v", f.forbidden)
	}
	count := map[string]int{}
	for _, c := range f.calls {
		count[c]++
	}
	for _, a := range readOnly {
		if count[a.op] == 0 && a.op != "cloudresourcemanager.folders.get" && a.op != "cloudresourcemanager.projects.get" && !strings.HasSuffix(a.op, ".getIamPolicy") {
			t.Errorf("%s was never called", a.op)
		}
	}
	// 8 results, 3 a page: 3 pages, and the throttled first try.
	if count["cloudasset.searchAllIamPolicies"] != 4 {
		t.Errorf("searchAllIamPolicies called %d times, want 4 (one 429, three pages)", count["cloudasset.searchAllIamPolicies"])
	}
	retryAfter := false
	for _, d := range s.d {
		retryAfter = retryAfter || d == time.Second
	}
	if !retryAfter {
		t.Errorf("the 429's Retry-After: 1 should have been waited for; waits %v", s.d)
	}
	if f.seen["artifactregistry.projects.locations.repositories.list /v1/projects/nw-image-factory/locations/europe-west1/repositories"] != 3 {
		t.Errorf("the 503 should be retried, then the second page read: %v", f.seen)
	}

	if m.Account != "organizations/"+orgNum || m.Caller != "auditor@nw-security.iam.gserviceaccount.com" || m.Complete || m.Interrupted {
		t.Errorf("manifest: %+v", m)
	}
	var skipped []string
	for _, sc := range m.Skipped {
		skipped = append(skipped, sc.Name)
		want := "PERMISSION_DENIED"
		if strings.HasPrefix(sc.Name, "projects/"+disabledArt) {
			want = "SERVICE_DISABLED"
		}
		if !strings.Contains(sc.Error, want) || strings.Contains(sc.Error, "\n") {
			t.Errorf("%s: error %q should name %s on one line", sc.Name, sc.Error, want)
		}
	}
	wantSkipped := []string{"projects/nw-legacy/artifact-repositories", "projects/nw-legacy/compute-instances", "projects/nw-secret-lab/artifact-repositories",
		"projects/nw-secret-lab/build-triggers", "projects/nw-secret-lab/compute-instances",
		"projects/nw-secret-lab/deny-policies", "projects/nw-secret-lab/org-policies", "projects/nw-secret-lab/policy-bindings", "projects/nw-secret-lab/roles",
		"projects/nw-secret-lab/workload-identity-pools"}
	if strings.Join(skipped, " ") != strings.Join(wantSkipped, " ") {
		t.Errorf("skipped %v, want %v", skipped, wantSkipped)
	}
	compareGolden(t, out)
}

// compareGolden compares every file of the snapshot with
// testdata/golden, or rewrites it with -update. The tool's version in the
// manifest depends on the build and is replaced first.
func compareGolden(t *testing.T, out string) {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		got[filepath.ToSlash(rel)] = []byte(strings.Replace(string(b), `"version": "`+version.String()+`"`, `"version": "(build)"`, 1))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.CheckDir(t, filepath.Join("testdata", "golden"), got)
}

// TestCollectTwiceIsIdentical: everything is sorted; two runs write the
// same bytes whatever the order the workers finish in.
func TestCollectTwiceIsIdentical(t *testing.T) {
	_, _, a, _ := collectOrg(t)
	_, _, b, _ := collectOrg(t)
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || string(x) != string(y) {
			t.Errorf("%s differs between two runs", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func findFinding(rep *analyzer.Report, principal, capability string) *model.Finding {
	for i, f := range rep.Findings {
		if f.PrincipalID == principal && f.Capability == capability {
			return &rep.Findings[i]
		}
	}
	return nil
}

func target(f *model.Finding, resource string) *model.Target {
	if f == nil {
		return nil
	}
	for i, t := range f.Targets {
		if t.Resource == resource {
			return &f.Targets[i]
		}
	}
	return nil
}

func hasAction(t *model.Target, action string) bool {
	if t == nil {
		return false
	}
	for _, a := range t.Actions {
		if a == action {
			return true
		}
	}
	return false
}

const (
	crmNode    = "//cloudresourcemanager.googleapis.com/"
	repoPrefix = "//artifactregistry.googleapis.com/projects/"
)

// TestAnalyzeCollectedSnapshot: analyze reads every file collect wrote and
// finds what the fake organization holds: a folder binding inherited
// through a nested folder with no policy of its own, nested groups, a
// custom organization role, an outside writer on a repository, a deny
// policy that takes a permission away but spares its exception, and a
// warning for each scope that was not collected.
func TestAnalyzeCollectedSnapshot(t *testing.T) {
	_, _, out, _ := collectOrg(t)
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Inputs {
		if s.Error != "" {
			t.Errorf("%s skipped: %s", s.Path, s.Error)
		}
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "unknown permissions") {
			t.Errorf("every bound custom role was collected: %s", w.Message)
		}
	}

	sandboxRepo := repoPrefix + "nw-sandbox-dev/locations/us-central1/repositories/sandbox-images"
	yara := findFinding(rep, "user:yara@northwind.example", "image.push")
	if target(yara, crmNode+productsF) == nil || target(yara, sandboxRepo) == nil {
		t.Errorf("yara (product-devs, editor on the products folder) should push to the sandbox repository two levels down: %+v", yara)
	}
	if findFinding(rep, "user:zoe@northwind.example", "image.push") == nil {
		t.Error("zoe is in frontend, which is in product-devs: the nested group should be expanded")
	}
	cleo := findFinding(rep, "user:cleo@northwind.example", "image.push")
	if target(cleo, crmNode+platformF) == nil {
		t.Errorf("cleo (publishers) holds the custom organization role imagePublisher on the platform folder: %+v", cleo)
	}
	golden := repoPrefix + "nw-image-factory/locations/europe-west1/repositories/golden-images"
	sam := findFinding(rep, "user:contractor.sam@gmail.com", "image.push")
	if sam == nil || sam.RuleID != "IW-002" || target(sam, golden) == nil {
		t.Errorf("an outside account that can push to golden-images is IW-002: %+v", sam)
	}
	yaraCreate := findFinding(rep, "user:yara@northwind.example", "image.create")
	if hasAction(target(yaraCreate, crmNode+productsF), "compute.images.create") {
		t.Error("the deny policy on the products folder takes compute.images.create from product-devs")
	}
	lead := findFinding(rep, "user:lead.dev@northwind.example", "image.create")
	if !hasAction(target(lead, crmNode+productsF), "compute.images.create") {
		t.Errorf("lead.dev is the deny policy's exception and keeps compute.images.create: %+v", lead)
	}
	incomplete := map[string]bool{}
	for _, w := range rep.Warnings {
		if rest, ok := strings.CutPrefix(w.Message, "incomplete collection: scope "); ok {
			incomplete[strings.Fields(rest)[0]] = true
		}
	}
	for _, s := range []string{"projects/nw-secret-lab/roles", "projects/nw-secret-lab/deny-policies", "projects/nw-secret-lab/artifact-repositories"} {
		if !incomplete[s] {
			t.Errorf("the report should warn that %s was not collected: %v", s, incomplete)
		}
	}
}

// TestCollectFolder: a folder scope still sees what is inherited from
// above it: the organization's allow policy (read with getIamPolicy, since
// Cloud Asset searches only inside the scope), its deny policies and its
// custom roles.
func TestCollectFolder(t *testing.T) {
	f := newFake()
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	o := testOptions(srv.URL, out, &sleeps{})
	o.Organization, o.Folder = "", "211400100002"
	m, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.forbidden) > 0 {
		t.Errorf("called operations outside the read-only allowlist: %v", f.forbidden)
	}
	if !m.Complete || len(m.Skipped) != 0 || m.Account != productsF {
		t.Errorf("manifest: %+v", m)
	}
	for _, rel := range []string{"organizations/" + orgNum + "/allow-policy.json", "organizations/" + orgNum + "/deny-policies.json",
		"organizations/" + orgNum + "/roles.json", "projects/nw-shop-prod/roles.json", "projects/nw-sandbox-dev/artifact-repositories.json"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "projects/nw-image-factory")); err == nil {
		t.Error("a project outside the folder was collected")
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Inputs {
		if s.Error != "" {
			t.Errorf("%s skipped: %s", s.Path, s.Error)
		}
	}
	if findFinding(rep, "user:admin@northwind.example", "iam.escalate") == nil {
		t.Error("the organization admins' binding above the folder should be read and reach the folder")
	}
	if target(findFinding(rep, "user:yara@northwind.example", "image.push"), repoPrefix+"nw-sandbox-dev/locations/us-central1/repositories/sandbox-images") == nil {
		t.Error("the folder's own binding should reach the nested sandbox project")
	}
}

// TestCollectCancelled: Ctrl-C while projects are collected. No new
// project starts; each one left is recorded as not collected; the
// manifest says interrupted and incomplete; no temporary file is left and
// every file written is whole JSON.
func TestCollectCancelled(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	f.onCall = func(op string) {
		if op == "iam.projects.roles.list" {
			once.Do(cancel)
		}
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	o := testOptions(srv.URL, out, &sleeps{})
	o.Concurrency = 1
	m, err := Collect(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Interrupted || m.Complete {
		t.Errorf("interrupted %v, complete %v", m.Interrupted, m.Complete)
	}
	notStarted := 0
	for _, s := range m.Skipped {
		if strings.HasPrefix(s.Name, "projects/") && s.Error == "not collected: context canceled" {
			notStarted++
		}
	}
	if notStarted != len(f.projects())-1 {
		t.Errorf("every project after the first should be recorded as not collected: %+v", m.Skipped)
	}
	b, err := os.ReadFile(filepath.Join(out, collect.ManifestName))
	if err != nil || !strings.Contains(string(b), `"interrupted": true`) || !strings.Contains(string(b), `"complete": false`) {
		t.Errorf("collection.json: %v\n%s", err, b)
	}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		if b, _ := os.ReadFile(p); !json.Valid(b) {
			t.Errorf("%s is not whole JSON", p)
		}
		return nil
	})
}

func TestScopeValidation(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "exactly one scope"},
		{Options{Organization: "1", Project: "nw-shop-prod"}, "exactly one scope"},
		{Options{Organization: "northwind"}, "is a number"},
		{Options{Folder: "folders/x1"}, "is a number"},
		{Options{Project: "Bad_Project"}, "not a project ID"},
	} {
		_, err := Collect(context.Background(), Options{Out: t.TempDir(), Organization: tc.o.Organization, Folder: tc.o.Folder, Project: tc.o.Project})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.o, err, tc.want)
		}
	}
	for in, want := range map[string]string{"organizations/1": "organizations/1", "": ""} {
		r, err := (Options{Organization: in}).root()
		if in != "" && (err != nil || r != want) {
			t.Errorf("%q: %q %v", in, r, err)
		}
	}
}

func TestCallerFromCredentials(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"service_account","client_email":"audit@p.iam.gserviceaccount.com","private_key":"-----BEGIN"}`:                                                                                  "audit@p.iam.gserviceaccount.com",
		`{"type":"external_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/wif@p.iam.gserviceaccount.com:generateAccessToken"}`: "wif@p.iam.gserviceaccount.com",
		`{"type":"authorized_user","refresh_token":"1//secret","client_secret":"s"}`:                                                                                                              "unknown (authorized_user credentials)",
		``: "unknown",
	} {
		got := callerFromJSON([]byte(in))
		if got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
		if strings.Contains(got, "secret") || strings.Contains(got, "BEGIN") {
			t.Errorf("a credential leaked into the caller: %q", got)
		}
	}
}

// TestCollectProject: a project scope collects the project and what it
// inherits: the folder's and the organization's allow and deny policies
// and the organization's custom roles.
func TestCollectProject(t *testing.T) {
	f := newFake()
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	o := testOptions(srv.URL, out, &sleeps{})
	o.Organization, o.Project, o.Groups = "", "nw-shop-prod", false
	m, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.forbidden) > 0 {
		t.Errorf("called operations outside the read-only allowlist: %v", f.forbidden)
	}
	if !m.Complete || m.Account != "projects/nw-shop-prod" {
		t.Errorf("manifest: %+v", m)
	}
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(got)
	want := []string{"collection.json", "folder-hierarchy.json", "folders/211400100002/allow-policy.json", "folders/211400100002/deny-policies.json",
		"folders/211400100002/org-policies.json", "folders/211400100002/policy-bindings.json",
		"iam-policies.json", "organizations/480113921003/allow-policy.json", "organizations/480113921003/deny-policies.json",
		"organizations/480113921003/org-policies.json", "organizations/480113921003/pab-policies.json", "organizations/480113921003/policy-bindings.json",
		"organizations/480113921003/roles.json", "projects.json", "projects/nw-shop-prod/artifact-repositories.json",
		"projects/nw-shop-prod/build-triggers.json", "projects/nw-shop-prod/compute-instances.json",
		"projects/nw-shop-prod/deny-policies.json", "projects/nw-shop-prod/org-policies.json", "projects/nw-shop-prod/policy-bindings.json", "projects/nw-shop-prod/roles.json",
		"projects/nw-shop-prod/wif-pools.json", "projects/nw-shop-prod/wif-providers.json", "roles-predefined.json"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files:\n%v\nwant\n%v", got, want)
	}
	b, _ := os.ReadFile(filepath.Join(out, "folders/211400100002/allow-policy.json"))
	var wp struct {
		Resource  string
		Ancestors []string
		Policy    struct{ Bindings []struct{ Role string } }
	}
	if err := json.Unmarshal(b, &wp); err != nil || wp.Resource != crmNode+productsF ||
		strings.Join(wp.Ancestors, " ") != "organizations/"+orgNum || len(wp.Policy.Bindings) != 1 {
		t.Errorf("the folder's policy should be wrapped with its resource and ancestors: %v %s", err, b)
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	shop := repoPrefix + "nw-shop-prod/locations/europe-west1/repositories/shop-images"
	if target(findFinding(rep, "group:product-devs@northwind.example", "image.push"), shop) == nil {
		t.Error("the products folder's editor binding, read from above the project, should reach its repository")
	}
}

// BenchmarkCollectLargeOrganization: 1,005 projects, three Artifact
// Registry locations each, collected 16 at a time.
func BenchmarkCollectLargeOrganization(b *testing.B) {
	f := newFake()
	f.extra = 1000
	srv := httptest.NewServer(f)
	defer srv.Close()
	b.ReportAllocs()
	for b.Loop() {
		f.mu.Lock()
		f.seen, f.calls = map[string]int{}, nil
		f.mu.Unlock()
		o := testOptions(srv.URL, b.TempDir(), &sleeps{})
		o.Concurrency, o.Groups = 16, false
		m, err := Collect(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Skipped) != 4 || len(m.Collected) < 3000 {
			b.Fatalf("collected %d, skipped %d", len(m.Collected), len(m.Skipped))
		}
		b.ReportMetric(float64(len(f.calls)), "calls")
	}
}

// TestBadResponses: answers that are not what the API documents (not
// JSON, a wrong type, null entries) are errors naming the scope and the
// operation, or are skipped; nothing panics and the rest is collected.
func TestBadResponses(t *testing.T) {
	f := newFake()
	f.broken = map[string]string{
		"cloudasset.searchAllIamPolicies":                       `{"results": "not a list"}`,
		"iam.projects.roles.list":                               `<html>proxy error</html>`,
		"iam.policies.get":                                      `{"name": "", "rules": [null, {"denyRule": null}, {"denyRule": {"deniedPrincipals": null}}]}`,
		"artifactregistry.projects.locations.repositories.list": `{"repositories": [null, {"name": ""}]}`,
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	m, err := Collect(context.Background(), testOptions(srv.URL, out, &sleeps{}))
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, s := range m.Skipped {
		errs[s.Name] = s.Error
	}
	for scope, want := range map[string]string{
		"allow-policies":              "cloudasset.searchAllIamPolicies organizations/" + orgNum + ": json: cannot unmarshal",
		"projects/nw-shop-prod/roles": "iam.projects.roles.list projects/nw-shop-prod: invalid character '<'",
	} {
		if _, ok := errs[scope]; !ok || !strings.Contains(errs[scope], want) {
			t.Errorf("%s: error %q, want it to contain %q", scope, errs[scope], want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "iam-policies.json")); err == nil {
		t.Error("no iam-policies.json should be written from a search that failed")
	}
	b, err := os.ReadFile(filepath.Join(out, "folders/211400100002/deny-policies.json"))
	if err != nil || !strings.Contains(string(b), "no-image-writes-in-products") {
		t.Errorf("a deny policy whose get answers without a name keeps the listed name: %v %s", err, b)
	}
	b, err = os.ReadFile(filepath.Join(out, "projects/nw-shop-prod/artifact-repositories.json"))
	if err != nil || strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("null and nameless repositories are skipped: %v %s", err, b)
	}
}
