package rego

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The GCP capability catalog and its offline table of predefined roles are
// checked in five ways:
//
//   - TestCatalogGCPWellFormed: the catalog parses and is internally consistent.
//   - TestCatalogGCPPredefinedRolesSpotChecks: the committed role table gives
//     the well-known roles the permissions everyone expects them to have.
//   - TestCatalogGCPPermissionsExist: every catalogued permission is included
//     in at least one predefined role, so none is misspelt or invented.
//   - TestCatalogGCPPredefinedRolesTable: the committed role table is exactly
//     what analyzer/internal/cmd/gcproles computes from the dataset (not stale).
//   - TestCatalogGCPCompleteness: no write permission of the core image
//     services is missing without a written reason.
//
// The last three need the iam-dataset snapshot of all GCP predefined roles at
// testGCPDatasetPath; they skip when it is absent.

const (
	testGCPCatalogPath    = "catalog/gcp.yaml"
	testGCPRolesTablePath = "tables/gcp-predefined-roles.yaml"
	// testGCPDatasetPath is the iam-dataset snapshot of all predefined roles,
	// {"roles":[{"name":...,"includedPermissions":[...]}]}. It lives in the
	// workplace's shared/ folder, beside the repository.
	testGCPDatasetPath = "../../shared/datasets/gcp-predefined-roles.json"
	// testGCPRegenerate is the command that rewrites testGCPRolesTablePath.
	testGCPRegenerate = "go run ./analyzer/internal/cmd/gcproles ../shared/datasets/gcp-predefined-roles.json " +
		"rego/catalog/gcp.yaml > rego/tables/gcp-predefined-roles.yaml"
)

// testCapabilityIDs are the capability ids the engine and reports rely on,
// the same as the AWS catalog's.

// testGCPNotInPredefinedRoles lists catalogued permissions that exist but that
// no predefined role includes, each with the reason it is kept. It is empty:
// every catalogued permission is in some predefined role.
var testGCPNotInPredefinedRoles = map[string]string{}

// testGCPScopePrefixes select the permissions whose every write must be
// catalogued or excluded below: the core image services.
var testGCPScopePrefixes = []string{
	"artifactregistry.",
	"binaryauthorization.",
	"containeranalysis.",
	"compute.images.",
	"compute.machineImages.",
	"compute.instanceTemplates.",
	"compute.snapshots.",
}

// testGCPReadVerbs are the last parts of permission names that only read,
// download, verify or list; a permission in scope with any other verb counts
// as a write.
var testGCPReadVerbs = map[string]bool{
	"get":                        true,
	"list":                       true,
	"getIamPolicy":               true,
	"listEffectiveTags":          true,
	"listTagBindings":            true,
	"listOccurrences":            true,
	"useReadOnly":                true,
	"getFromFamily":              true,
	"getEffectiveRecycleBinRule": true,
	"download":                   true,
	"downloadArtifacts":          true,
	"readViaVirtualRepository":   true,
	"verifyImageAttested":        true,
	"evaluatePolicy":             true,
}

// testGCPExclusions lists write permissions in scope that are deliberately
// left out of the catalog, each with the reason. A permission that is neither
// catalogued nor listed here fails TestCatalogGCPCompleteness, so a new GCP
// permission has to be looked at before the dataset can be updated.
var testGCPExclusions = map[string]string{
	// Tags only attach or detach tag values. Tag-based IAM conditions are
	// evaluated by the engine against the principal's bindings; tagging is not
	// itself a way to change, push or share an image (as for AWS).
	"artifactregistry.repositories.createTagBinding": "tagging only",
	"artifactregistry.repositories.deleteTagBinding": "tagging only",
	"compute.images.createTagBinding":                "tagging only",
	"compute.images.deleteTagBinding":                "tagging only",
	"compute.machineImages.createTagBinding":         "tagging only",
	"compute.machineImages.deleteTagBinding":         "tagging only",
	"compute.snapshots.createTagBinding":             "tagging only",
	"compute.snapshots.deleteTagBinding":             "tagging only",

	// Artifact Registry: other package formats, metadata and logging.
	"artifactregistry.aptartifacts.create": "imports Debian packages into an apt repository: OS packages, " +
		"not machine or container images",
	"artifactregistry.yumartifacts.create": "imports RPM packages into a yum repository: OS packages, " +
		"not machine or container images",
	"artifactregistry.kfpartifacts.create": "uploads Kubeflow pipeline templates, not images",
	"artifactregistry.files.update":        "patches a file's annotations; its content is immutable",
	"artifactregistry.packages.update":     "patches a package's display name and annotations; content unchanged",
	"artifactregistry.versions.update":     "patches a version's annotations; its content and tags unchanged",
	"artifactregistry.projectconfigs.update": "platform logging settings only; content, access and trust " +
		"unchanged",
	"artifactregistry.repositories.exportArtifacts": "copies artifacts out to Cloud Storage (exfiltration, " +
		"not implant)",

	// Binary Authorization continuous validation only monitors running pods
	// and writes log entries; enforcement is the project policy, catalogued.
	"binaryauthorization.continuousValidationConfig.update":       "continuous validation is monitoring only",
	"binaryauthorization.continuousValidationConfig.setIamPolicy": "continuous validation is monitoring only",
	"binaryauthorization.platformPolicies.create":                 "check-based platform policies drive continuous validation, which only logs",
	"binaryauthorization.platformPolicies.replace":                "check-based platform policies drive continuous validation, which only logs",
	"binaryauthorization.platformPolicies.delete":                 "check-based platform policies drive continuous validation, which only logs",

	// Container Analysis notes: only an attestor's note matters, and which
	// note an attestor uses is set by binaryauthorization.attestors.*.
	"containeranalysis.notes.create": "a new note matters only once an attestor uses it " +
		"(binaryauthorization.attestors.create and update are catalogued)",
	"containeranalysis.notes.delete": "deleting an attestor's note leaves its attestations unverifiable, " +
		"which blocks deployment rather than admitting images",
	"containeranalysis.notes.update": "descriptive fields of a note; who may attach occurrences is " +
		"its IAM policy (notes.setIamPolicy is catalogued)",
	"containeranalysis.occurrences.setIamPolicy": "governs one occurrence; who may attest is decided by the " +
		"note's policy (notes.setIamPolicy is catalogued)",

	// Compute Engine images are independent copies: unlike AMIs they do not
	// boot from a snapshot, so a snapshot's later fate changes no image.
	"compute.snapshots.delete":       "no image depends on a snapshot; deleting one changes no image",
	"compute.snapshots.setLabels":    "labels of a snapshot, which is not what VMs boot from",
	"compute.snapshots.updateKmsKey": "re-encrypts a snapshot with another key version; content unchanged",
}

type testGCPCatalog struct {
	Cloud        string                 `yaml:"cloud"`
	Capabilities []testGCPCapability    `yaml:"capabilities"`
	Actions      []testGCPCatalogAction `yaml:"actions"`
}

type testGCPCapability = testCapability

type testGCPCatalogAction struct {
	Action     string `yaml:"action"`
	Capability string `yaml:"capability"`
	Resource   string `yaml:"resource"`
	Why        string `yaml:"why"`
}

// testGCPRolesTable is the shape of testGCPRolesTablePath.
type testGCPRolesTable struct {
	Roles map[string][]string `yaml:"roles"`
}

// testGCPDataset is the shape of testGCPDatasetPath.
type testGCPDataset struct {
	Roles []struct {
		Name                string   `json:"name"`
		IncludedPermissions []string `json:"includedPermissions"`
	} `json:"roles"`
}

var (
	// testGCPPermissionPattern: service.resource.verb, at least three
	// dot-separated parts, letters and digits only (so no wildcard).
	testGCPPermissionPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*){2,}$`)
	// testGCPResourcePattern: a full resource name of a googleapis.com service.
	testGCPResourcePattern = regexp.MustCompile(`^//[a-z][a-z0-9-]*\.googleapis\.com/\S+$`)
	// testGCPPlaceholderPattern: a ${Placeholder} of a resource name.
	testGCPPlaceholderPattern = regexp.MustCompile(`\$\{[A-Z][A-Za-z]*\}`)
)

func loadTestGCPCatalog(t *testing.T) testGCPCatalog {
	t.Helper()
	var c testGCPCatalog
	readTestYAML(t, testGCPCatalogPath, &c)
	if len(c.Actions) == 0 {
		t.Fatalf("%s has no actions", testGCPCatalogPath)
	}
	return c
}

// readTestGCPYAML decodes a YAML file strictly (unknown fields are errors).

// testGCPCatalogPermissions returns the set of permissions the catalog names.
func testGCPCatalogPermissions(c testGCPCatalog) map[string]bool {
	perms := map[string]bool{}
	for _, a := range c.Actions {
		perms[a.Action] = true
	}
	return perms
}

func loadTestGCPRolesTable(t *testing.T) testGCPRolesTable {
	t.Helper()
	var table testGCPRolesTable
	readTestYAML(t, testGCPRolesTablePath, &table)
	if len(table.Roles) == 0 {
		t.Fatalf("%s lists no roles", testGCPRolesTablePath)
	}
	return table
}

// loadTestGCPDataset reads the predefined-roles dataset, skipping the test
// when it is absent: it exists only in the workplace's shared/ folder.
func loadTestGCPDataset(t *testing.T) testGCPDataset {
	t.Helper()
	raw, err := os.ReadFile(testGCPDatasetPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("GCP predefined-roles dataset not found at %s (the iam-dataset snapshot, kept in the shared/ "+
			"folder beside the repository); skipping the checks against it", testGCPDatasetPath)
	}
	if err != nil {
		t.Fatalf("read %s: %v", testGCPDatasetPath, err)
	}
	var d testGCPDataset
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("parse %s: %v", testGCPDatasetPath, err)
	}
	if len(d.Roles) == 0 {
		t.Fatalf("%s lists no roles", testGCPDatasetPath)
	}
	return d
}

// testGCPDatasetPermissions returns every permission some predefined role includes.
func testGCPDatasetPermissions(d testGCPDataset) map[string]bool {
	perms := map[string]bool{}
	for _, r := range d.Roles {
		for _, p := range r.IncludedPermissions {
			perms[p] = true
		}
	}
	return perms
}

// testGCPComputeTable is the generator's logic (analyzer/internal/cmd/gcproles):
// for every predefined role holding at least one catalogued permission, those
// permissions, sorted and without repeats.
func testGCPComputeTable(t *testing.T, d testGCPDataset, catalogued map[string]bool) map[string][]string {
	t.Helper()
	table := map[string][]string{}
	seen := map[string]bool{}
	for i, r := range d.Roles {
		if r.Name == "" {
			t.Fatalf("%s: roles[%d] has no name", testGCPDatasetPath, i)
		}
		if seen[r.Name] {
			t.Fatalf("%s: role %s listed twice", testGCPDatasetPath, r.Name)
		}
		seen[r.Name] = true
		held := map[string]bool{}
		for _, p := range r.IncludedPermissions {
			if catalogued[p] {
				held[p] = true
			}
		}
		if len(held) > 0 {
			table[r.Name] = testSortedKeys(held)
		}
	}
	return table
}

func TestCatalogGCPWellFormed(t *testing.T) {
	c := loadTestGCPCatalog(t)

	if c.Cloud != "gcp" {
		t.Errorf("cloud = %q, want %q", c.Cloud, "gcp")
	}

	declared := checkTestCapabilities(t, c.Capabilities)

	used := map[string]int{}
	seen := map[[2]string]bool{}
	resourceOf := map[string]string{}
	for i, a := range c.Actions {
		where := a.Action
		if where == "" {
			where = "actions[" + strconv.Itoa(i) + "]"
		}
		if !testGCPPermissionPattern.MatchString(a.Action) {
			t.Errorf("%s: permission %q is not service.resource.verb (3+ dot-separated parts, no wildcards)",
				where, a.Action)
		}
		if !declared[a.Capability] {
			t.Errorf("%s: capability %q is not declared", where, a.Capability)
		}
		used[a.Capability]++
		pair := [2]string{a.Action, a.Capability}
		if seen[pair] {
			t.Errorf("%s: listed twice for capability %q", where, a.Capability)
		}
		seen[pair] = true

		why := strings.TrimSpace(a.Why)
		if why == "" {
			t.Errorf("%s (%s): empty why", where, a.Capability)
		}
		if strings.Contains(why, "\n") {
			t.Errorf("%s (%s): why must be one line", where, a.Capability)
		}

		switch {
		case a.Resource == "":
			t.Errorf("%s (%s): empty resource", where, a.Capability)
		case !strings.HasPrefix(a.Resource, "//"):
			t.Errorf("%s (%s): resource %q is not a full resource name (//service.googleapis.com/...)",
				where, a.Capability, a.Resource)
		case !testGCPResourcePattern.MatchString(a.Resource):
			t.Errorf("%s (%s): resource %q is not //SERVICE.googleapis.com/... without spaces",
				where, a.Capability, a.Resource)
		default:
			if rest := testGCPPlaceholderPattern.ReplaceAllString(a.Resource, ""); strings.ContainsAny(rest, "${}*") {
				t.Errorf("%s (%s): resource %q has a malformed ${Placeholder} or a wildcard",
					where, a.Capability, a.Resource)
			}
		}
		// A permission acts on one kind of resource whatever it is listed for.
		if prev, ok := resourceOf[a.Action]; ok && prev != a.Resource {
			t.Errorf("%s: resource %q for %s, but %q elsewhere", where, a.Resource, a.Capability, prev)
		}
		resourceOf[a.Action] = a.Resource
	}
	for _, id := range testCapabilityIDs {
		if used[id] == 0 {
			t.Errorf("capability %q has no actions", id)
		}
	}
	for _, id := range testCapabilityIDs {
		t.Logf("%-20s %3d permissions", id, used[id])
	}
	t.Logf("%d entries, %d distinct permissions", len(c.Actions), len(resourceOf))
}

// TestCatalogGCPPredefinedRolesSpotChecks needs no dataset: it catches a table
// that is empty, truncated, shifted or generated from the wrong catalog.
func TestCatalogGCPPredefinedRolesSpotChecks(t *testing.T) {
	table := loadTestGCPRolesTable(t)
	catalogued := testGCPCatalogPermissions(loadTestGCPCatalog(t))

	holds := func(role, perm string) bool {
		for _, p := range table.Roles[role] {
			if p == perm {
				return true
			}
		}
		return false
	}
	for _, c := range []struct{ role, perm string }{
		{"roles/artifactregistry.writer", "artifactregistry.repositories.uploadArtifacts"},
		{"roles/artifactregistry.repoAdmin", "artifactregistry.repositories.deleteArtifacts"},
		{"roles/artifactregistry.admin", "artifactregistry.repositories.setIamPolicy"},
		{"roles/editor", "compute.images.create"},
		{"roles/owner", "compute.images.create"},
		{"roles/owner", "resourcemanager.projects.setIamPolicy"},
		{"roles/compute.storageAdmin", "compute.images.create"},
		{"roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.getAccessToken"},
		{"roles/iam.serviceAccountUser", "iam.serviceAccounts.actAs"},
		{"roles/binaryauthorization.policyEditor", "binaryauthorization.policy.update"},
		{"roles/cloudbuild.builds.editor", "cloudbuild.builds.create"},
	} {
		if !holds(c.role, c.perm) {
			t.Errorf("%s: %s does not list %s (table %v)", testGCPRolesTablePath, c.role, c.perm, table.Roles[c.role])
		}
	}
	if holds("roles/artifactregistry.reader", "artifactregistry.repositories.uploadArtifacts") {
		t.Errorf("%s: roles/artifactregistry.reader lists artifactregistry.repositories.uploadArtifacts", testGCPRolesTablePath)
	}
	for _, role := range []string{"roles/viewer", "roles/browser", "roles/iam.securityReviewer"} {
		if perms, ok := table.Roles[role]; ok {
			t.Errorf("%s: read-only role %s is listed with %v", testGCPRolesTablePath, role, perms)
		}
	}
	if holds("roles/editor", "resourcemanager.projects.setIamPolicy") {
		t.Errorf("%s: roles/editor lists resourcemanager.projects.setIamPolicy, which only Owner-like roles hold",
			testGCPRolesTablePath)
	}

	// Every listed permission is catalogued, and lists are sorted and free of repeats.
	for _, role := range testSortedKeys(table.Roles) {
		perms := table.Roles[role]
		if !strings.HasPrefix(role, "roles/") {
			t.Errorf("%s: %q is not a predefined role name", testGCPRolesTablePath, role)
		}
		if len(perms) == 0 {
			t.Errorf("%s: %s lists no permission", testGCPRolesTablePath, role)
		}
		for i, p := range perms {
			if !catalogued[p] {
				t.Errorf("%s: %s lists %s, which is not in %s", testGCPRolesTablePath, role, p, testGCPCatalogPath)
			}
			if i > 0 && perms[i-1] >= p {
				t.Errorf("%s: %s: permissions not sorted or repeated at %s", testGCPRolesTablePath, role, p)
			}
		}
	}

	var pushers []string
	for _, role := range testSortedKeys(table.Roles) {
		if holds(role, "artifactregistry.repositories.uploadArtifacts") {
			pushers = append(pushers, role)
		}
	}
	t.Logf("%d predefined roles grant artifactregistry.repositories.uploadArtifacts:\n\t%s",
		len(pushers), strings.Join(pushers, "\n\t"))
}

func TestCatalogGCPPermissionsExist(t *testing.T) {
	c := loadTestGCPCatalog(t)
	d := loadTestGCPDataset(t)
	known := testGCPDatasetPermissions(d)
	catalogued := testGCPCatalogPermissions(c)

	for _, p := range testSortedKeys(catalogued) {
		if !known[p] && testGCPNotInPredefinedRoles[p] == "" {
			t.Errorf("%s: no predefined role includes %s; check the spelling, or if it really exists add it "+
				"with the reason to testGCPNotInPredefinedRoles", testGCPCatalogPath, p)
		}
	}
	for _, p := range testSortedKeys(testGCPNotInPredefinedRoles) {
		switch {
		case strings.TrimSpace(testGCPNotInPredefinedRoles[p]) == "":
			t.Errorf("testGCPNotInPredefinedRoles: %s has no reason", p)
		case !catalogued[p]:
			t.Errorf("testGCPNotInPredefinedRoles: %s is not in %s", p, testGCPCatalogPath)
		case known[p]:
			t.Errorf("testGCPNotInPredefinedRoles: %s is now included in a predefined role; remove it", p)
		}
	}
	t.Logf("%d catalogued permissions checked against the %d permissions of %d predefined roles",
		len(catalogued), len(known), len(d.Roles))
}

func TestCatalogGCPPredefinedRolesTable(t *testing.T) {
	c := loadTestGCPCatalog(t)
	d := loadTestGCPDataset(t)
	committed := loadTestGCPRolesTable(t)
	want := testGCPComputeTable(t, d, testGCPCatalogPermissions(c))

	names := map[string]bool{}
	for role := range want {
		names[role] = true
	}
	for role := range committed.Roles {
		names[role] = true
	}
	stale := 0
	for _, role := range testSortedKeys(names) {
		got, inTable := committed.Roles[role]
		exp, inDataset := want[role]
		switch {
		case !inTable:
			t.Errorf("%s: %s is missing; the dataset gives it %v", testGCPRolesTablePath, role, exp)
		case !inDataset:
			t.Errorf("%s: %s is listed with %v, but the dataset gives it no catalogued permission",
				testGCPRolesTablePath, role, got)
		default:
			added, removed := testGCPDiff(got, exp)
			if len(added) == 0 && len(removed) == 0 {
				continue
			}
			t.Errorf("%s: %s: missing %v, extra %v", testGCPRolesTablePath, role, added, removed)
		}
		stale++
	}
	if stale > 0 {
		t.Errorf("%s is stale in %d roles; regenerate it from the repository root:\n\t%s",
			testGCPRolesTablePath, stale, testGCPRegenerate)
	}

	// The generator writes roles in sorted order; a hand edit may not.
	raw, err := os.ReadFile(testGCPRolesTablePath)
	if err != nil {
		t.Fatalf("read %s: %v", testGCPRolesTablePath, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", testGCPRolesTablePath, err)
	}
	if len(doc.Content) == 1 && len(doc.Content[0].Content) == 2 {
		roles := doc.Content[0].Content[1]
		for i := 2; i < len(roles.Content); i += 2 {
			if prev, cur := roles.Content[i-2].Value, roles.Content[i].Value; prev >= cur {
				t.Errorf("%s: roles not in sorted order: %s before %s", testGCPRolesTablePath, prev, cur)
			}
		}
	} else {
		t.Errorf("%s: expected a single top-level key, roles", testGCPRolesTablePath)
	}
	if !strings.HasPrefix(string(raw), "# Image-relevant permissions of GCP predefined roles") {
		t.Errorf("%s: the generator's header comment is missing", testGCPRolesTablePath)
	}
	t.Logf("%d of %d predefined roles hold catalogued permissions", len(want), len(d.Roles))
}

// testGCPDiff returns what want has that got lacks, and what got has that want lacks.
func testGCPDiff(got, want []string) (missing, extra []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, p := range want {
		if !in(got, p) {
			missing = append(missing, p)
		}
	}
	for _, p := range got {
		if !in(want, p) {
			extra = append(extra, p)
		}
	}
	return missing, extra
}

func TestCatalogGCPCompleteness(t *testing.T) {
	c := loadTestGCPCatalog(t)
	d := loadTestGCPDataset(t)
	catalogued := testGCPCatalogPermissions(c)

	inScope := map[string]bool{}
	for p := range testGCPDatasetPermissions(d) {
		verb := p[strings.LastIndex(p, ".")+1:]
		if testGCPReadVerbs[verb] {
			continue
		}
		for _, prefix := range testGCPScopePrefixes {
			if strings.HasPrefix(p, prefix) {
				inScope[p] = true
			}
		}
	}

	var missing []string
	for p := range inScope {
		if !catalogued[p] && testGCPExclusions[p] == "" {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("%s is a write permission in scope but neither in %s nor in testGCPExclusions (add it, or "+
			"exclude it with a reason)", p, testGCPCatalogPath)
	}
	for _, p := range testSortedKeys(testGCPExclusions) {
		switch {
		case strings.TrimSpace(testGCPExclusions[p]) == "":
			t.Errorf("exclusion %s has no reason", p)
		case catalogued[p]:
			t.Errorf("%s is both catalogued and excluded", p)
		case !inScope[p]:
			t.Errorf("exclusion %s is stale: not a write permission in scope in the dataset", p)
		}
	}
	t.Logf("%d write permissions in scope: %d catalogued, %d excluded",
		len(inScope), len(inScope)-len(testGCPExclusions), len(testGCPExclusions))
}
