package gcpcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/analyzer/remediate/remediatetest"
	"github.com/imagewarden/imagewarden/policies/gcp/guardrails"
)

const (
	builder = "serviceAccount:image-builder@nw-image-factory.iam.gserviceaccount.com"
	golden  = "//artifactregistry.googleapis.com/projects/nw-image-factory/locations/europe-west1/repositories/golden-images"
)

// approvedYAML makes image-builder an approved publisher of golden-images
// only: the demo's approved-publishers file has no GCP entry.
const approvedYAML = `imagewarden:
  approved_publishers:
    - principal: "` + builder + `"
      capabilities: [image.push, image.modify]
      resources: ["` + golden + `"]
`

// demo is the GCP demo remediated with the approved publishers above.
var demo = &remediatetest.Demo{Dir: "testdata/demo/gcp", ApprovedYAML: approvedYAML, Golden: "testdata/golden/remediation-demo-gcp.json"}

// TestDemoGolden compares the remediation plan of the gcp demo (with the
// approved publishers above) with testdata/golden/remediation-demo-gcp.json.
func TestDemoGolden(t *testing.T) { demo.CheckGolden(t) }

func repoRoot(t *testing.T) string { return remediatetest.RepoRoot(t) }

func demoOptions(t *testing.T) analyzer.Options { return demo.Options(t) }

// remediateDemo plans and verifies the demo once for all tests.
func remediateDemo(t *testing.T) (*remediate.Plan, []model.Finding) { return demo.Plan(t) }

func change(t *testing.T, plan *remediate.Plan, kind, target string) remediate.Change {
	return remediatetest.Change(t, plan, kind, target)
}

func loadCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// expectedRemoves: the permissions of from on node that to lacks, except
// those of the capabilities the change resolved for the principal.
func expectedRemoves(cat *catalog.Catalog, from, to []string, node, principal string, fixed map[string]bool) []string {
	keep := map[string]bool{}
	for _, p := range to {
		keep[p] = true
	}
	var out []string
	for _, p := range from {
		if keep[p] {
			continue
		}
		image := false
		for _, e := range cat.Lookup("gcp", p) {
			image = image || fixed[e.Capability]
		}
		if !image {
			out = append(out, p+" on "+node+" for "+principal)
		}
	}
	sort.Strings(out)
	return out
}

// fixedCaps are the capabilities of principal's findings a change resolved.
func fixedCaps(findings []model.Finding, c remediate.Change, principal string) map[string]bool {
	gone := map[string]bool{}
	for _, id := range c.Verification.Resolved {
		gone[id] = true
	}
	out := map[string]bool{}
	for _, f := range findings {
		if gone[f.ID] && f.PrincipalID == principal {
			out[f.Capability] = true
		}
	}
	return out
}

func checkResolved(t *testing.T, c remediate.Change) {
	t.Helper()
	if c.Verification == nil {
		t.Fatalf("%s: not verified", c.ID)
	}
	if len(c.FindingIDs) == 0 {
		t.Errorf("%s: resolves no finding", c.ID)
	}
	if len(c.Verification.Unresolved) > 0 {
		t.Errorf("%s: findings left: %v", c.ID, c.Verification.Unresolved)
	}
	gone := map[string]bool{}
	for _, id := range c.Verification.Resolved {
		gone[id] = true
	}
	for _, id := range c.FindingIDs {
		if !gone[id] {
			t.Errorf("%s: finding %s is not gone", c.ID, id)
		}
	}
}

func TestRoleNarrowDemo(t *testing.T) {
	plan, findings := remediateDemo(t)
	cat := loadCatalog(t)
	for _, tc := range []struct {
		node, role, member string
	}{
		{"projects/nw-shared-tools", "roles/artifactregistry.writer", "group:unlisted-team@northwind.example"},
		{"projects/nw-shop-dev", "roles/artifactregistry.admin", "user:vic@northwind.example"},
		{"projects/nw-shop-prod", "roles/artifactregistry.repoAdmin", "serviceAccount:shop-deployer@nw-shop-prod.iam.gserviceaccount.com"},
		{"projects/nw-image-factory", "roles/cloudbuild.builds.editor", "group:release-engineers@northwind.example"},
		{golden, "roles/artifactregistry.writer", "user:contractor.sam@gmail.com"},
		{"//storage.googleapis.com/artifacts.nw-shop-prod.appspot.com", "roles/storage.objectAdmin", "allUsers"},
	} {
		t.Run(tc.member, func(t *testing.T) {
			c := change(t, plan, gcpcloud.KindRoleNarrow, tc.node+" binding "+tc.role+" for "+tc.member)
			checkResolved(t, c)
			to := gcpcloud.NarrowerRole(tc.role)
			if !strings.Contains(c.After, `"role": "`+to+`"`) || c.Params["to"] != to {
				t.Errorf("the binding after is not %s:\n%s", to, c.After)
			}
			// The principals the change is about: the member, or the
			// group's members.
			principals := map[string]bool{}
			for _, f := range findings {
				for _, id := range c.FindingIDs {
					if f.ID == id {
						principals[f.PrincipalID] = true
					}
				}
			}
			var want []string
			for p := range principals {
				want = append(want, expectedRemoves(cat, gcpcloud.RolePermissions(tc.role), gcpcloud.RolePermissions(to), tc.node, p, fixedCaps(findings, c, p))...)
			}
			sort.Strings(want)
			if len(want) == 0 && tc.role != "roles/cloudbuild.builds.editor" {
				t.Fatalf("no permission expected to go: the test compares nothing")
			}
			if !reflect.DeepEqual(c.Verification.Removes, want) {
				t.Errorf("removes:\n got %v\nwant %v", c.Verification.Removes, want)
			}
		})
	}
}

func TestBindingMoveDemo(t *testing.T) {
	plan, findings := remediateDemo(t)
	cat := loadCatalog(t)
	role := "roles/artifactregistry.writer"
	c := change(t, plan, gcpcloud.KindBindingMove, "projects/nw-image-factory binding "+role+" for "+builder)
	if c.Params["repositories"] != golden {
		t.Errorf("moved to %q, want the approved repository %s", c.Params["repositories"], golden)
	}
	var after []struct {
		Resource string          `json:"resource"`
		Policy   json.RawMessage `json:"policy"`
	}
	if err := json.Unmarshal([]byte(c.After), &after); err != nil || len(after) != 1 || after[0].Resource != golden {
		t.Fatalf("artifact %v: %s", err, c.After)
	}
	// The push finding goes (the approved repository is all that is left);
	// the modify finding also rests on roles/compute.storageAdmin, which
	// this change leaves: it is resolved with the narrowing of that role.
	var push string
	for _, f := range findings {
		if f.PrincipalID == builder && f.Capability == "image.push" {
			push = f.ID
		}
	}
	if push == "" || !contains(c.Verification.Resolved, push) {
		t.Errorf("the push finding %q is not resolved: %+v", push, c.Verification)
	}
	// What roles/compute.storageAdmin also gives on the project stays.
	want := expectedRemoves(cat, gcpcloud.RolePermissions(role), gcpcloud.RolePermissions("roles/compute.storageAdmin"), "projects/nw-image-factory", builder, fixedCaps(findings, c, builder))
	if !reflect.DeepEqual(c.Verification.Removes, want) {
		t.Errorf("removes:\n got %v\nwant %v", c.Verification.Removes, want)
	}
	if plan.All == nil || contains(plan.All.Unresolved, push) {
		t.Errorf("all changes together leave findings: %+v", plan.All)
	}
}

func TestDenyPoliciesDemo(t *testing.T) {
	plan, findings := remediateDemo(t)
	org := change(t, plan, gcpcloud.KindDenyPolicy, "organizations/480113921003 deny policy imagewarden-image-guardrail")
	checkResolved(t, org)
	if len(org.Verification.Removes) != 0 {
		t.Errorf("the guardrail takes only image permissions, got removes %v", org.Verification.Removes)
	}
	// The approved publisher is excepted; cleo (custom imagePublisher role,
	// nothing narrower) loses her push.
	if !strings.Contains(org.After, `"exceptionPrincipals": ["principal://iam.googleapis.com/projects/-/serviceAccounts/image-builder@nw-image-factory.iam.gserviceaccount.com"]`) {
		t.Errorf("image-builder is not excepted:\n%s", org.After)
	}
	for _, f := range findings {
		if f.PrincipalID == "user:cleo@northwind.example" && f.Capability == "image.push" && !contains(org.Verification.Resolved, f.ID) {
			t.Errorf("cleo's push %s is not resolved by the guardrail", f.ID)
		}
	}
	if want := "gcloud iam policies create imagewarden-image-guardrail --attachment-point=cloudresourcemanager.googleapis.com/organizations/480113921003 --kind=denypolicies --policy-file=" + org.Artifact; org.Commands[0] != want {
		t.Errorf("command %q, want %q", org.Commands[0], want)
	}
	editors := change(t, plan, gcpcloud.KindDenyPolicy, "folders/211400100002 deny policy imagewarden-group-product-devs-northwind-example")
	checkResolved(t, editors)
	if len(editors.Verification.Removes) != 0 {
		t.Errorf("the editors keep everything but image permissions, got removes %v", editors.Verification.Removes)
	}
	for _, c := range []remediate.Change{org, editors} {
		checkDenyArtifact(t, c)
	}
}

// checkDenyArtifact reads a deny policy artifact with the plug-in's reader
// of gcloud iam policies get output, and checks the limits.
func checkDenyArtifact(t *testing.T, c remediate.Change) {
	t.Helper()
	var doc struct {
		Rules []struct {
			DenyRule struct {
				DeniedPrincipals  []string `json:"deniedPrincipals"`
				DeniedPermissions []string `json:"deniedPermissions"`
			} `json:"denyRule"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(c.After), &doc); err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	if len(doc.Rules) == 0 || len(doc.Rules) > guardrails.MaxRulesPerPolicy {
		t.Errorf("%s: %d rules", c.ID, len(doc.Rules))
	}
	for _, r := range doc.Rules {
		if len(r.DenyRule.DeniedPermissions) > guardrails.MaxPermissionsPerRule || len(r.DenyRule.DeniedPrincipals) == 0 {
			t.Errorf("%s: a rule with %d permissions and %d principals", c.ID, len(r.DenyRule.DeniedPermissions), len(r.DenyRule.DeniedPrincipals))
		}
		for _, p := range r.DenyRule.DeniedPermissions {
			if !strings.Contains(p, ".googleapis.com/") {
				t.Errorf("%s: %q is not in deny-policy form", c.ID, p)
			}
		}
	}
	s := gcpcloud.New()
	var raw map[string]json.RawMessage
	json.Unmarshal([]byte(c.After), &raw)
	raw["name"], _ = json.Marshal("policies/cloudresourcemanager.googleapis.com%2F" + strings.ReplaceAll(c.Params["attachment_point"], "/", "%2F") + "/denypolicies/" + c.Params["policy_id"])
	doc2 := &model.Document{Items: []map[string]json.RawMessage{raw}}
	if f := s.Recognize(doc2); f != gcpcloud.FormatDenyPolicies {
		t.Fatalf("%s: recognised as %q", c.ID, f)
	}
	if err := s.Load("artifact", gcpcloud.FormatDenyPolicies, doc2); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(c); err != nil {
		t.Errorf("%s: %v", c.ID, err)
	}
}

func TestApplyRefusesBadArtifacts(t *testing.T) {
	plan, _ := remediateDemo(t)
	load := func() *gcpcloud.Snapshot {
		providers, _, _, err := analyzer.Load(context.Background(), demoOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range providers {
			if s, ok := p.(*gcpcloud.Snapshot); ok {
				return s
			}
		}
		t.Fatal("no GCP plug-in")
		return nil
	}
	for _, c := range plan.Changes {
		if err := load().Apply(c); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
		bad := c
		bad.After = `{"bindings": [{"role": "roles/viewer", "members": ["nobody:x"]}]}`
		if err := load().Apply(bad); err == nil {
			t.Errorf("%s: an artifact of the wrong shape is applied", c.ID)
		}
	}
	// A change whose binding is gone (applied twice) is refused.
	c := change(t, plan, gcpcloud.KindRoleNarrow, "projects/nw-shared-tools binding roles/artifactregistry.writer for group:unlisted-team@northwind.example")
	s := load()
	if err := s.Apply(c); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(c); err == nil {
		t.Error("the same narrowing applied twice")
	}
}

func TestDenyPolicyLimits(t *testing.T) {
	var perms []string
	for i := 0; i < 1200; i++ {
		perms = append(perms, fmt.Sprintf("artifactregistry.things%04d.create", i))
	}
	docs, err := guardrails.DenyPolicies("x", []guardrails.Rule{{Description: "d", DeniedPrincipals: []string{"principalSet://goog/public:all"}, Permissions: perms}})
	if err != nil || len(docs) != 1 {
		t.Fatalf("%v, %d documents", err, len(docs))
	}
	if n := strings.Count(docs[0], `"denyRule"`); n != 3 {
		t.Errorf("1,200 permissions in %d rules, want 3", n)
	}
	var rules []guardrails.Rule
	for i := 0; i < guardrails.MaxRulesPerPolicy+1; i++ {
		rules = append(rules, guardrails.Rule{DeniedPrincipals: []string{"principalSet://goog/public:all"}, Permissions: []string{fmt.Sprintf("compute.images%d.create", i)}})
	}
	docs, err = guardrails.DenyPolicies("x", rules)
	if err != nil || len(docs) != 2 {
		t.Errorf("%d rules: %v, %d documents, want 2", len(rules), err, len(docs))
	}
	if _, err := guardrails.DenyPolicies(strings.Repeat("x", 64), rules); err == nil {
		t.Error("a display name over 63 characters is accepted")
	}
	for m, want := range map[string]string{
		"user:a@b.example":               "principal://goog/subject/a@b.example",
		"group:g@b.example":              "principalSet://goog/group/g@b.example",
		"serviceAccount:s@p.iam.x.com":   "principal://iam.googleapis.com/projects/-/serviceAccounts/s@p.iam.x.com",
		"allUsers":                       "principalSet://goog/public:all",
		"domain:b.example":               "",
		"deleted:user:a@b.example?uid=1": "",
	} {
		if got := guardrails.DeniedPrincipal(m); got != want {
			t.Errorf("DeniedPrincipal(%q) = %q, want %q", m, got, want)
		}
	}
}

// TestNarrowTableMatchesDataset checks the embedded narrowing table
// against the public dataset of all predefined roles: the same
// permissions, the replacement a subset of the role it replaces, and no
// catalog permission in any replacement.
func TestNarrowTableMatchesDataset(t *testing.T) {
	path := filepath.Join(repoRoot(t), "../shared/datasets/gcp-predefined-roles.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("../shared/datasets/gcp-predefined-roles.json is not here: the table cannot be compared with the dataset")
	}
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Roles []struct {
			Name                string   `json:"name"`
			IncludedPermissions []string `json:"includedPermissions"`
		} `json:"roles"`
	}
	if err := json.Unmarshal(raw, &ds); err != nil {
		t.Fatal(err)
	}
	byName := map[string][]string{}
	for _, r := range ds.Roles {
		p := append([]string(nil), r.IncludedPermissions...)
		sort.Strings(p)
		byName[r.Name] = p
	}
	cat := loadCatalog(t)
	table := gcpcloud.NarrowTable()
	if len(table) == 0 {
		t.Fatal("empty table")
	}
	for from, to := range table {
		for _, r := range []string{from, to} {
			got := append([]string(nil), gcpcloud.RolePermissions(r)...)
			sort.Strings(got)
			if !reflect.DeepEqual(got, byName[r]) {
				t.Errorf("%s: the table's %d permissions differ from the dataset's %d", r, len(got), len(byName[r]))
			}
		}
		fromSet := map[string]bool{}
		image := false
		for _, p := range gcpcloud.RolePermissions(from) {
			fromSet[p] = true
			image = image || len(cat.Lookup("gcp", p)) > 0
		}
		if !image {
			t.Errorf("%s holds no image permission: nothing to narrow", from)
		}
		for _, p := range gcpcloud.RolePermissions(to) {
			if !fromSet[p] {
				t.Errorf("%s -> %s: the replacement adds %s", from, to, p)
			}
			if len(cat.Lookup("gcp", p)) > 0 {
				t.Errorf("%s -> %s: the replacement holds the image permission %s", from, to, p)
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
