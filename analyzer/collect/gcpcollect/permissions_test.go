package gcpcollect

import (
	"context"
	"errors"
	"github.com/imagewarden/imagewarden/analyzer/collect/collecttest"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"google.golang.org/api/googleapi"
	iamv2 "google.golang.org/api/iam/v2"
	"google.golang.org/api/option"
)

// TestCallsInTable: the table of calls is the collector's: every method
// the fake answers (the only ones the collector may call) is in it, and
// nothing else; every method the collector names in an error is in it.
// A call cannot be added without its permissions.
func TestCallsInTable(t *testing.T) {
	var table, fake []string
	for _, c := range calls {
		table = append(table, c.method)
	}
	for _, a := range readOnly {
		fake = append(fake, a.op)
	}
	collecttest.CheckCallTable(t, table, fake, regexp.MustCompile(`failed\("([^"]+)"`), "call")
}

// section is the text of docs/collect-gcp.md from the heading that starts
// with title to the next heading of its level.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	i := strings.Index(doc, title)
	if i < 0 {
		t.Fatalf("docs/collect-gcp.md has no %q", title)
	}
	level := title[:strings.IndexByte(title, ' ')+1]
	rest := doc[i+len(title):]
	if j := strings.Index(rest, "\n"+level); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// yamlList reads the items of key in the first YAML block after marker.
func yamlList(t *testing.T, text, marker, key string) []string {
	t.Helper()
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("no %q in docs/collect-gcp.md", marker)
	}
	block := text[i:]
	start := strings.Index(block, "```yaml\n")
	if start < 0 {
		t.Fatalf("no YAML block after %q", marker)
	}
	block = block[start+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	var out []string
	in := false
	for _, line := range strings.Split(block, "\n") {
		switch {
		case strings.HasPrefix(line, key+":"):
			in = true
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
		case in && strings.HasPrefix(line, "- "):
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "- ")))
		default:
			in = false
		}
	}
	sort.Strings(out)
	return out
}

// TestRolePermissionsDocumented: the custom role of docs/collect-gcp.md
// grants exactly the permissions the collector's calls need (calls), each
// with its reason; the quota project's permission and the APIs to enable
// there are documented too. A call added without its permission in the
// documented role fails here.
func TestRolePermissionsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "collect-gcp.md"))
	if err != nil {
		t.Fatal(err)
	}
	role := section(t, string(b), "## The minimal read-only role")
	documented := yamlList(t, role, "`imagewarden-collector.yaml`", "includedPermissions")
	want := rolePermissions()
	if strings.Join(documented, " ") != strings.Join(want, " ") {
		t.Errorf("the documented role grants\n  %v\nthe collector's calls need\n  %v", documented, want)
	}
	for _, p := range want {
		if !strings.Contains(role, "- `"+p+"`") && !strings.Contains(role, "`"+p+"`,") && !strings.Contains(role, "`"+p+"`:") {
			t.Errorf("docs/collect-gcp.md should say why %s is needed", p)
		}
	}
	quota := yamlList(t, role, "`imagewarden-quota.yaml`", "includedPermissions")
	if strings.Join(quota, " ") != quotaPermission {
		t.Errorf("the quota project's role grants %v, want %s", quota, quotaPermission)
	}
	for _, api := range apis {
		if !strings.Contains(string(b), api) {
			t.Errorf("docs/collect-gcp.md should say to enable %s in the quota project", api)
		}
	}
}

// TestDeniedCallNamesPermission: a call IAM refuses is recorded with the
// permission it needs; a disabled API is not taken for a missing
// permission.
func TestDeniedCallNamesPermission(t *testing.T) {
	_, m, _, _ := collectOrg(t)
	errs := map[string]string{}
	for _, s := range m.Skipped {
		errs[s.Name] = s.Error
	}
	for scope, want := range map[string]string{
		"projects/nw-secret-lab/roles":                 "(the call needs iam.roles.list)",
		"projects/nw-secret-lab/deny-policies":         "(the call needs iam.denypolicies.list)",
		"projects/nw-secret-lab/artifact-repositories": "(the call needs artifactregistry.locations.list)",
	} {
		if !strings.HasSuffix(errs[scope], want) {
			t.Errorf("%s: %q should end with %q", scope, errs[scope], want)
		}
	}
	if e := errs["projects/nw-legacy/artifact-repositories"]; !strings.Contains(e, "SERVICE_DISABLED") || strings.Contains(e, "needs") {
		t.Errorf("a disabled API is not a missing permission: %q", e)
	}
}

// TestDenyPolicyPathEncoding: the attachment point is one path segment,
// its slashes encoded ("%2F", which the client library sends as "%252F",
// as gcloud does); the fake, like the API, finds no route for a policy
// path whose attachment point has literal slashes.
func TestDenyPolicyPathEncoding(t *testing.T) {
	f := newFake()
	srv := httptest.NewServer(f)
	defer srv.Close()
	svc, err := iamv2.NewService(context.Background(), option.WithoutAuthentication(), option.WithEndpoint(srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	node := "organizations/" + orgNum
	got, err := svc.Policies.ListPolicies(denyParent(node)).Do()
	if err != nil || len(got.Policies) != 1 {
		t.Fatalf("the collector's parent %s: %v %+v", denyParent(node), err, got)
	}
	_, err = svc.Policies.ListPolicies("policies/cloudresourcemanager.googleapis.com/" + node + "/denypolicies").Do()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != http.StatusNotFound {
		t.Errorf("an attachment point with literal slashes should not be found: %v", err)
	}
	if len(f.forbidden) > 0 {
		t.Errorf("a read the API does not route is not a write: %v", f.forbidden)
	}
}
