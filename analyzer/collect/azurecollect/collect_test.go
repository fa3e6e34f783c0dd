package azurecollect

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/imagewarden/imagewarden/internal/golden"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/imagewarden/imagewarden/analyzer"
)

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// testOptions point every client at the fake: Resource Manager and Graph
// on one TLS server (azcore sends bearer tokens only over TLS), retries
// in milliseconds, except that a Retry-After of one second is honoured.
func testOptions(srv *httptest.Server, out string) Options {
	return Options{
		Out:        out,
		Credential: fakeCredential{},
		ClientOptions: arm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL + "/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: srv.URL, Audience: "https://management.azure.com"},
			}},
			Transport: srv.Client(),
		}},
		GraphEndpoint: srv.URL,
		RetryDelay:    time.Millisecond,
		MaxRetryDelay: 2 * time.Second,
		Groups:        true,
		Concurrency:   3,
		Now:           func() time.Time { return fixedNow },
	}
}

func collectFake(t *testing.T, f *fakeAzure, mod func(*Options)) (*Manifest, string, *httptest.Server) {
	t.Helper()
	return collectFakeHandler(t, f, f, mod)
}

// collectFakeHandler collects from h, which wraps the fake f.
func collectFakeHandler(t *testing.T, f *fakeAzure, h http.Handler, mod func(*Options)) (*Manifest, string, *httptest.Server) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	out := t.TempDir()
	o := testOptions(srv, out)
	if mod != nil {
		mod(&o)
	}
	m, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return m, out, srv
}

func checkReadOnly(t *testing.T, f *fakeAzure) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the fake was never called")
	}
	for _, c := range f.calls {
		if c.status == http.StatusMethodNotAllowed {
			t.Errorf("sent %s %s, which is not a read of the allowlist", c.method, c.path)
		}
	}
}

// TestCollect: every listing is followed to its last page, throttling and
// server errors are retried (Retry-After honoured), the subscription the
// caller may not read is recorded and the rest collected, only reads are
// sent, and the snapshot is the golden one.
func TestCollect(t *testing.T) {
	f := newFake()
	m, out, srv := collectFake(t, f, nil)
	checkReadOnly(t, f)

	if m.Account != tenantID || m.Caller != "auditor@northwind.example ("+callerOID+")" || m.Complete || m.Interrupted {
		t.Errorf("manifest: account %q caller %q complete %v interrupted %v", m.Account, m.Caller, m.Complete, m.Interrupted)
	}
	var skipped []string
	for _, s := range m.Skipped {
		skipped = append(skipped, s.Name+": "+s.Error)
	}
	want := "subscriptions/" + subLegacy + ": Microsoft.Authorization/roleAssignments/read at /subscriptions/" + subLegacy + ": 403 AuthorizationFailed: The client"
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0], want) {
		t.Errorf("skipped %q, want only the unreadable subscription (%s...)", skipped, want)
	}

	// Each first call that failed was retried until it succeeded; the
	// 429's Retry-After of one second was waited for.
	f.mu.Lock()
	for path, code := range failOnce {
		var tries []call
		for _, c := range f.calls {
			if c.path == path && !strings.Contains(c.query, "skiptoken") {
				tries = append(tries, c)
			}
		}
		if len(tries) != 2 || tries[0].status != code || tries[1].status != http.StatusOK {
			t.Errorf("%s: tries %+v, want %d then 200", path, tries, code)
			continue
		}
		if gap := tries[1].at.Sub(tries[0].at); code == http.StatusTooManyRequests && gap < 900*time.Millisecond {
			t.Errorf("%s: retried after %v, before the Retry-After of 1s", path, gap)
		}
	}
	pages := map[string]bool{}
	for _, c := range f.calls {
		if strings.Contains(c.query, "skiptoken") && c.status == http.StatusOK {
			pages[c.path] = true
		}
	}
	f.mu.Unlock()
	for _, p := range []string{"/subscriptions", mgRoot + "/providers/Microsoft.Authorization/roleDefinitions", "/subscriptions/" + subPlatform + "/providers/Microsoft.Authorization/roleAssignments",
		"/v1.0/groups/" + grpBuilders + "/members"} {
		if !pages[p] {
			t.Errorf("%s: the next page was never requested", p)
		}
	}

	compareGolden(t, out, srv.URL)
}

// compareGolden compares every file of the snapshot with
// testdata/golden (rewritten with -update). The manifest's tool version
// depends on the build and is masked.
func compareGolden(t *testing.T, out, serverURL string) {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".tmp") {
			t.Errorf("%s: a temporary file was left", rel)
		}
		for _, leak := range []string{serverURL, strings.TrimPrefix(serverURL, "https://"), fakeToken, "c2lnbmF0dXJl"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("%s contains %q", rel, leak)
			}
		}
		if rel == "collection.json" {
			b = maskVersion(t, b)
		}
		got[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.CheckDir(t, filepath.Join("testdata", "golden"), got)
}

func maskVersion(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("collection.json: %v", err)
	}
	m["version"] = "(version)"
	out, _ := json.MarshalIndent(m, "", "  ")
	return append(out, '\n')
}

// TestAnalyzeCollectedSnapshot: analyze reads every file collect wrote
// and finds the AcrPush on the classic registry, the Contributor that the
// builders' group (and its nested group) inherit from mg-platform, the
// deny assignment that takes gallery image versions from them, and says
// that the unreadable subscription is missing.
func TestAnalyzeCollectedSnapshot(t *testing.T) {
	_, out, _ := collectFake(t, newFake(), nil)
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, s := range rep.Inputs {
		rel, _ := filepath.Rel(out, s.Path)
		kinds[filepath.ToSlash(rel)] = s.Kind
		if s.Error != "" {
			t.Errorf("%s: %s", rel, s.Error)
		}
	}
	for file, kind := range map[string]string{
		"role-assignments.json": "azure-role-assignments", "role-definitions.json": "azure-role-definitions", "management-groups.json": "azure-management-groups",
		"group-members.json": "azure-group-members", "subscriptions/" + subPlatform + "/role-assignments.json": "azure-role-assignments",
		"subscriptions/" + subPlatform + "/deny-assignments.json": "azure-deny-assignments", "subscriptions/" + subPlatform + "/registries.json": "azure-container-registries",
		"subscriptions/" + subPlatform + "/managed-identities.json": "azure-managed-identities", "collection.json": analyzer.FormatCollectionManifest,
		"subscriptions/" + subPlatform + "/galleries.json": "azure-compute-galleries",
	} {
		if kinds[file] != kind {
			t.Errorf("%s read as %q, want %q", file, kinds[file], kind)
		}
	}
	type key struct{ principal, capability string }
	findings := map[key][]string{}
	for _, f := range rep.Findings {
		for _, tg := range f.Targets {
			var via []string
			for _, g := range tg.Via {
				via = append(via, g.Statement+" at "+g.Policy)
			}
			findings[key{f.PrincipalID, f.Capability}] = append(findings[key{f.PrincipalID, f.Capability}],
				tg.Resource+" except "+strings.Join(tg.Except, ";")+" via "+strings.Join(via, ";"))
		}
	}
	// has finds a target that starts with resource and holds every part.
	has := func(principal, capability, resource string, parts ...string) {
		t.Helper()
		for _, r := range findings[key{principal, capability}] {
			ok := strings.HasPrefix(strings.ToLower(r), strings.ToLower(resource)+" ")
			for _, p := range parts {
				ok = ok && strings.Contains(r, p)
			}
			if ok {
				return
			}
		}
		t.Errorf("no %s finding for %s on %s with %q; got %v", capability, principal, resource, parts, findings[key{principal, capability}])
	}
	has(pipelineSP, "image.push", acrGolden, "AcrPush at "+acrGolden)
	for _, p := range []string{alice, bob} {
		// Contributor from mg-platform, through grp-builders (bob through
		// grp-ci inside it): pushes to the classic registry below it...
		has(p, "image.push", acrGolden, "Contributor at "+mgPlatform)
		// ...and creates gallery image versions, except where the deny
		// assignment on rg-golden-images takes them away.
		has(p, "image.create", mgPlatform, "except deny assignment Golden image versions: pipeline only at "+rgGolden, "Contributor at "+mgPlatform)
	}
	for k := range findings {
		if k.principal == builderMI && k.capability == "image.create" {
			t.Errorf("the deny assignment removes id-builder's Image Publisher on rg-golden-images: %v", findings[k])
		}
	}
	incomplete := false
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "incomplete collection: scope subscriptions/"+subLegacy+" was not collected") {
			incomplete = true
		}
	}
	if !incomplete {
		t.Errorf("the report should say subscription %s was not collected: %+v", subLegacy, rep.Warnings)
	}
}

// TestCollectManagementGroup: rooted at mg-platform, only its
// subscriptions are collected, and the tree still names the tenant root
// above it.
func TestCollectManagementGroup(t *testing.T) {
	f := newFake()
	m, out, _ := collectFake(t, f, func(o *Options) { o.ManagementGroup = "mg-platform"; o.Groups = false })
	checkReadOnly(t, f)
	if !m.Complete || len(m.Skipped) != 0 {
		t.Errorf("complete %v, skipped %+v", m.Complete, m.Skipped)
	}
	var names []string
	for _, s := range m.Collected {
		names = append(names, s.Name)
	}
	want := "management-group-tree managementGroups/mg-platform role-definitions/built-in subscriptions/" + subPlatform + " subscriptions/" + subPlatform +
		"/compute subscriptions/" + subPlatform + "/federated-credentials subscriptions/" + subPlatform +
		"/galleries subscriptions/" + subPlatform + "/managed-identities subscriptions/" + subPlatform + "/registries subscriptions/" + subPlatform + "/role-eligibility subscriptions/" + subShop +
		" subscriptions/" + subShop + "/compute subscriptions/" + subShop + "/federated-credentials subscriptions/" + subShop + "/galleries subscriptions/" + subShop + "/managed-identities subscriptions/" + subShop + "/registries" +
		" subscriptions/" + subShop + "/role-eligibility"
	if strings.Join(names, " ") != want {
		t.Errorf("collected\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	b, err := os.ReadFile(filepath.Join(out, "management-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entities []entity
	if err := json.Unmarshal(b, &entities); err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	for _, e := range entities {
		if e.Parent != nil {
			parent[e.ID] = e.Parent.ID
		} else {
			parent[e.ID] = ""
		}
	}
	if p, ok := parent[mgPlatform]; !ok || p != mgRoot {
		t.Errorf("mg-platform's parent: %q", p)
	}
	if p, ok := parent[mgRoot]; !ok || p != "" {
		t.Errorf("the tenant root group should be listed without parent: %q %v", p, ok)
	}
	if _, ok := parent["/subscriptions/"+subLegacy]; ok {
		t.Errorf("sub-legacy is not below mg-platform")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.Contains(c.path, subLegacy) || strings.HasPrefix(c.path, "/v1.0/") {
			t.Errorf("%s: outside the management group, or groups not asked for", c.path)
		}
	}
}

// TestCollectWithoutRootAccess: a caller granted nothing on the tenant
// root group still gets the tree from the management groups it can read,
// with the root above them known by name.
func TestCollectWithoutRootAccess(t *testing.T) {
	f := newFake()
	f.deniedMG = tenantID
	m, out, _ := collectFake(t, f, func(o *Options) { o.Groups = false })
	checkReadOnly(t, f)
	var collected, skipped []string
	for _, s := range m.Collected {
		if strings.HasPrefix(s.Name, "management") {
			collected = append(collected, s.Name)
		}
	}
	for _, s := range m.Skipped {
		skipped = append(skipped, s.Name)
	}
	if strings.Join(collected, " ") != "management-group-tree managementGroups/mg-platform" || strings.Join(skipped, " ") != "subscriptions/"+subLegacy {
		t.Errorf("collected %v, skipped %v", collected, skipped)
	}
	b, err := os.ReadFile(filepath.Join(out, "management-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entities []entity
	if err := json.Unmarshal(b, &entities); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entities {
		p := ""
		if e.Parent != nil {
			p = e.Parent.ID
		}
		got = append(got, e.Name+"<"+p)
	}
	want := []string{tenantID + "<", "mg-platform<" + mgRoot, subPlatform + "<" + mgPlatform, subShop + "<" + mgPlatform}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entities %v, want %v", got, want)
	}
}

// TestCollectSubscriptions: with --subscription, only those are collected,
// with the management groups above them; a subscription that does not
// exist is one skipped scope, not four; and an id that is not one is
// refused rather than used as a folder name.
func TestCollectSubscriptions(t *testing.T) {
	f := newFake()
	missing := "44444444-dddd-4e8f-9a0b-c1d2e3f4a5b6"
	m, out, _ := collectFake(t, f, func(o *Options) { o.Subscriptions = []string{subShop, missing, "../../escape"}; o.Groups = false })
	checkReadOnly(t, f)
	var collected, skipped []string
	for _, s := range m.Collected {
		collected = append(collected, s.Name)
	}
	for _, s := range m.Skipped {
		skipped = append(skipped, s.Name+": "+s.Error)
	}
	want := "management-group-tree managementGroups/" + tenantID + " managementGroups/mg-platform role-definitions/built-in subscriptions/" + subShop +
		" subscriptions/" + subShop + "/compute subscriptions/" + subShop + "/federated-credentials subscriptions/" + subShop + "/galleries subscriptions/" + subShop + "/managed-identities subscriptions/" + subShop + "/registries" +
		" subscriptions/" + subShop + "/role-eligibility"
	if strings.Join(collected, " ") != want {
		t.Errorf("collected\n%s\nwant\n%s", strings.Join(collected, " "), want)
	}
	if len(skipped) != 2 || skipped[0] != "subscriptions/../../escape: not collected: not a subscription id" ||
		!strings.HasPrefix(skipped[1], "subscriptions/"+missing+": Microsoft.Authorization/roleAssignments/read at /subscriptions/"+missing+": 404 SubscriptionNotFound") {
		t.Errorf("skipped %q", skipped)
	}
	if _, err := os.Stat(filepath.Join(out, "..", "escape")); err == nil {
		t.Error("a subscription id wrote outside the snapshot")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.Contains(c.path, subPlatform) || strings.Contains(c.path, subLegacy) || c.path == "/subscriptions" {
			t.Errorf("%s: not asked for", c.path)
		}
	}
}

// TestCollectCancelled: Ctrl-C during the first subscription stops the
// collection; the subscriptions (and the parts of the first) not started
// are recorded as not collected, the manifest says interrupted, the
// tenant files hold what was collected before, and no temporary file is
// left.
func TestCollectCancelled(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onRequest = func(r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subscriptions/"+subPlatform+"/") {
			cancel()
		}
	}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	out := t.TempDir()
	o := testOptions(srv, out)
	o.Concurrency = 1
	m, err := Collect(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Interrupted || m.Complete {
		t.Errorf("interrupted %v complete %v", m.Interrupted, m.Complete)
	}
	reasons := map[string]string{}
	for _, s := range m.Skipped {
		reasons[s.Name] = s.Error
	}
	for _, name := range []string{"subscriptions/" + subShop, "subscriptions/" + subLegacy, "groups", "subscriptions/" + subPlatform + "/registries",
		"subscriptions/" + subPlatform + "/galleries", "subscriptions/" + subPlatform + "/managed-identities"} {
		if reasons[name] != "not collected: context canceled" {
			t.Errorf("%s: %q, want not collected: context canceled (skipped: %v)", name, reasons[name], reasons)
		}
	}
	if !strings.Contains(reasons["subscriptions/"+subPlatform], "context canceled") {
		t.Errorf("the subscription being collected should say it was cancelled: %q", reasons["subscriptions/"+subPlatform])
	}
	b, err := os.ReadFile(filepath.Join(out, "collection.json"))
	if err != nil || !bytes.Contains(b, []byte(`"interrupted": true`)) || !bytes.Contains(b, []byte(`"complete": false`)) {
		t.Errorf("collection.json: %v\n%s", err, b)
	}
	b, err = os.ReadFile(filepath.Join(out, "role-assignments.json"))
	if err != nil || !bytes.Contains(b, []byte(grpBuilders)) {
		t.Errorf("the management groups' assignments, collected before Ctrl-C, should be written: %v\n%s", err, b)
	}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".tmp") {
			t.Errorf("%s left behind", p)
		}
		return nil
	})
}

// TestBadResponses: an answer without the fields the files need, or that
// is not JSON, fails its scope with an error naming it; nothing panics and
// the other scopes are collected.
func TestBadResponses(t *testing.T) {
	bad := map[string]string{
		"/subscriptions/" + subPlatform + "/providers/Microsoft.Authorization/roleAssignments":                           `{"value":[{"id":"/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/1","name":"1"}]}`,
		"/subscriptions/" + subShop + "/providers/Microsoft.ContainerRegistry/registries":                                `{"value":[{"id":`,
		"/subscriptions/" + subPlatform + "/providers/Microsoft.Compute/galleries":                                       `{"value":[null]}`,
		"/providers/Microsoft.Management/managementGroups/mg-platform/providers/Microsoft.Authorization/denyAssignments": `{"value":[{"id":"d","properties":{}}]}`,
	}
	f := newFake()
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, ok := bad[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
			return
		}
		f.ServeHTTP(w, r)
	})
	srv := httptest.NewTLSServer(wrapped)
	defer srv.Close()
	o := testOptions(srv, t.TempDir())
	o.Groups = false
	m, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range m.Skipped {
		reasons[s.Name] = s.Error
	}
	for name, want := range map[string]string{
		"subscriptions/" + subPlatform:                "Microsoft.Authorization/roleAssignments/read at /subscriptions/" + subPlatform + ": a role assignment without properties",
		"subscriptions/" + subShop + "/registries":    "Microsoft.ContainerRegistry/registries/read at /subscriptions/" + subShop + ": unreadable answer",
		"subscriptions/" + subPlatform + "/galleries": "Microsoft.Compute/galleries/read at /subscriptions/" + subPlatform + ": a gallery without id",
		"managementGroups/mg-platform":                "Microsoft.Authorization/denyAssignments/read at " + mgPlatform + ": a deny assignment without id, properties or scope",
	} {
		if !strings.HasPrefix(reasons[name], want) {
			t.Errorf("%s: %q, want %q...", name, reasons[name], want)
		}
	}
	collected := map[string]bool{}
	for _, s := range m.Collected {
		collected[s.Name] = true
	}
	for _, name := range []string{"subscriptions/" + subShop, "subscriptions/" + subPlatform + "/registries", "managementGroups/" + tenantID} {
		if !collected[name] {
			t.Errorf("%s should still be collected", name)
		}
	}
}
