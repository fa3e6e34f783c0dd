package rego

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/policies/azure"
)

// The Azure capability catalog and its offline table of built-in roles are
// checked in six ways:
//
//   - TestCatalogAzureWellFormed: the catalog parses and is internally
//     consistent, and data actions are where the convention puts them.
//   - TestCatalogAzureBuiltinRolesSpotChecks: the committed role table, run
//     through policies/azure, gives the well-known roles the operations
//     everyone expects them to have, and not others.
//   - TestCatalogAzureOperationsExist: every catalogued operation is named by
//     some built-in role, literally or, for a short reasoned list, through a
//     wildcard, so none is misspelt or invented.
//   - TestCatalogAzureBuiltinRolesTable: the committed role table is exactly
//     what analyzer/internal/cmd/azureroles computes from the dataset.
//   - TestCatalogAzureGrantsDifferential: for every built-in role and every
//     catalogued operation, azure.Role.Grants agrees with an independent
//     implementation of Azure's wildcard and notActions semantics.
//   - TestCatalogAzureCompleteness: no write operation of Container Registry,
//     Compute images, galleries and snapshots or Image Builder that a built-in
//     role names is missing without a written reason.
//
// All but the first two need the snapshot of all built-in role definitions at
// testAzureDatasetPath; they skip when it is absent.

const (
	testAzureCatalogPath    = "catalog/azure.yaml"
	testAzureRolesTablePath = "tables/azure-builtin-roles.yaml"
	// testAzureDatasetPath is the snapshot of all built-in role definitions,
	// the JSON array `az role definition list` prints. It lives in the
	// workplace's shared/ folder, beside the repository.
	testAzureDatasetPath = "../../shared/datasets/azure-builtin-role-definitions.json"
	// testAzureRegenerate is the command that rewrites testAzureRolesTablePath.
	testAzureRegenerate = "go run ./analyzer/internal/cmd/azureroles ../shared/datasets/azure-builtin-role-definitions.json " +
		"rego/catalog/azure.yaml > rego/tables/azure-builtin-roles.yaml"
	// testAzureDataActionPrefix (lower case) marks the catalog's data actions.
	testAzureDataActionPrefix = "microsoft.containerregistry/registries/repositories/"
	// testAzureTableHeader starts the generated table.
	testAzureTableHeader = "# Built-in Azure roles that grant at least one operation of rego/catalog/azure.yaml"
)

// testCapabilityIDs are the capability ids the engine and reports rely
// on, the same as the AWS and GCP catalogs'.

// testAzureWildcardOnly lists catalogued operations that no built-in role
// names literally, each with the reason it is kept: built-in roles reach them
// only through a wildcard. They are real operations of their resource
// providers, spelled as in the providers' operation lists.
var testAzureWildcardOnly = map[string]string{
	"Microsoft.Compute/images/write": "only through Microsoft.Compute/images/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.Compute/images/delete": "only through Microsoft.Compute/images/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.Compute/galleries/write": "only through Microsoft.Compute/galleries/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.Compute/galleries/images/write": "only through Microsoft.Compute/galleries/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.Compute/galleries/images/versions/write": "only through Microsoft.Compute/galleries/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.Compute/galleries/images/versions/delete": "only through Microsoft.Compute/galleries/* " +
		"(Compute Gallery Artifacts Publisher) and *",
	"Microsoft.VirtualMachineImages/imageTemplates/write": "no built-in role names Microsoft.VirtualMachineImages; " +
		"Owner and Contributor grant it through *, custom Image Builder roles list it",
	"Microsoft.VirtualMachineImages/imageTemplates/run/action": "no built-in role names Microsoft.VirtualMachineImages; " +
		"Owner and Contributor grant it through *, custom Image Builder roles list it",
	"Microsoft.App/containerApps/write": "Container Apps Contributor and Logic Apps Hybrid Contributor list " +
		"Microsoft.App/containerApps/*/write, which matches it because \"/*/\" may stand for no segment",
	"Microsoft.ContainerInstance/containerGroups/write": "only through Microsoft.ContainerInstance/containerGroups/* " +
		"(Azure Container Instances Contributor Role) and *",
	"Microsoft.Authorization/policyAssignments/write": "only through Microsoft.Authorization/policyAssignments/* " +
		"(Resource Policy Contributor, Security Admin), Microsoft.Authorization/* and *",
	"Microsoft.Authorization/policyAssignments/delete": "only through Microsoft.Authorization/policyAssignments/* " +
		"(Resource Policy Contributor, Security Admin), Microsoft.Authorization/* and *",
	"Microsoft.Authorization/policyExemptions/write": "only through Microsoft.Authorization/policyExemptions/* " +
		"(Resource Policy Contributor, Security Admin), Microsoft.Authorization/* and *",
	"Microsoft.Authorization/roleDefinitions/write": "only through Microsoft.Authorization/* " +
		"(User Access Administrator) and *",
}

// testAzureScopePrefixes (lower case) select the operations whose every write
// named by a built-in role must be catalogued or excluded below.
var testAzureScopePrefixes = []string{
	"microsoft.containerregistry/",
	"microsoft.compute/images/",
	"microsoft.compute/galleries/",
	"microsoft.compute/snapshots/",
	"microsoft.virtualmachineimages/",
}

// testAzureExclusions lists write operations in scope that are deliberately
// left out of the catalog, each with the reason. An operation in scope that
// is neither catalogued nor listed here fails TestCatalogAzureCompleteness,
// so a new operation has to be looked at before the dataset can be updated.
var testAzureExclusions = map[string]string{
	// ACR Tasks plumbing: what runs and what is pushed is decided by tasks,
	// task runs and quick runs, which are catalogued.
	"Microsoft.ContainerRegistry/registries/agentpools/write":                      "dedicated compute for ACR Tasks; what runs on it is decided by tasks and runs",
	"Microsoft.ContainerRegistry/registries/agentpools/delete":                     "removes task compute; admits nothing",
	"Microsoft.ContainerRegistry/registries/agentpools/listQueueStatus/action":     "reads the queue length of an agent pool",
	"Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action":       "an upload URL for a build context; running the build needs scheduleRun/action (catalogued)",
	"Microsoft.ContainerRegistry/registries/runs/write":                            "patches a run record (its archive flag); starts nothing",
	"Microsoft.ContainerRegistry/registries/runs/cancel/action":                    "cancels a run; admits nothing",
	"Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action":             "reads a run's log",
	"Microsoft.ContainerRegistry/registries/taskruns/delete":                       "deletes a task run record",
	"Microsoft.ContainerRegistry/registries/taskruns/listDetails/action":           "reads a task run with its secrets (disclosure, not implant)",
	"Microsoft.ContainerRegistry/registries/tasks/delete":                          "deletes a task; admits nothing",
	"Microsoft.ContainerRegistry/registries/tasks/listDetails/action":              "reads a task with its secrets (disclosure, not implant)",
	"Microsoft.ContainerRegistry/registries/pipelineRuns/delete":                   "deletes a transfer pipeline run record",
	"Microsoft.ContainerRegistry/registries/importPipelines/delete":                "stops imports; admits nothing",
	"Microsoft.ContainerRegistry/registries/exportPipelines/write":                 "exports artifacts to a storage account (exfiltration, not implant)",
	"Microsoft.ContainerRegistry/registries/exportPipelines/delete":                "stops exports",
	"Microsoft.ContainerRegistry/registries/cacheRules/delete":                     "stops a repository following its upstream; admits nothing",
	"Microsoft.ContainerRegistry/registries/credentialSets/write":                  "upstream login for cache rules; which upstream a repository follows is cacheRules/write (catalogued)",
	"Microsoft.ContainerRegistry/registries/credentialSets/delete":                 "breaks upstream pulls; admits nothing",
	"Microsoft.ContainerRegistry/registries/connectedRegistries/delete":            "removes a connected registry; admits nothing",
	"Microsoft.ContainerRegistry/registries/connectedRegistries/deactivate/action": "deactivates a connected registry; admits nothing",
	"Microsoft.ContainerRegistry/registries/connectedRegistries/resync/action":     "re-syncs a connected registry from its parent; content unchanged",
	"Microsoft.ContainerRegistry/registries/scopeMaps/delete":                      "removes access",
	"Microsoft.ContainerRegistry/registries/tokens/delete":                         "removes access",

	// Registry-wide settings that change no content and no trust decision.
	"Microsoft.ContainerRegistry/registries/replications/write": "a geo-replica serves the registry's own content; " +
		"it adds no writer and no source",
	"Microsoft.ContainerRegistry/registries/replications/delete": "removes a geo-replica; content unchanged",
	"Microsoft.ContainerRegistry/registries/webhooks/write": "notifications of registry events; they change no " +
		"content (what a receiver does is its own pipeline)",
	"Microsoft.ContainerRegistry/registries/webhooks/delete":                           "removes notifications",
	"Microsoft.ContainerRegistry/registries/webhooks/ping/action":                      "sends a test notification",
	"Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action":         "reads a webhook's target",
	"Microsoft.ContainerRegistry/registries/webhooks/listEvents/action":                "reads a webhook's events",
	"Microsoft.ContainerRegistry/registries/privateEndpointConnections/write":          "a network path to the registry; pulls and pushes still need credentials",
	"Microsoft.ContainerRegistry/registries/privateEndpointConnections/delete":         "removes a network path",
	"Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action": "approves a network path; pulls and pushes still need credentials",
	"Microsoft.ContainerRegistry/registries/providers/Microsoft.Insights/diagnosticSettings/write": "logging only " +
		"(defense evasion, not implant)",

	// Data actions outside the repositories/ convention. The only built-in
	// roles holding them, AcrImageSigner and AcrQuarantineWriter, also hold
	// the catalogued control-plane halves sign/write and quarantine/write.
	"Microsoft.ContainerRegistry/registries/trustedCollections/write": "data-plane half of content trust signing; " +
		"registries/sign/write is catalogued",
	"Microsoft.ContainerRegistry/registries/quarantinedArtifacts/write": "data-plane half of quarantine release; " +
		"registries/quarantine/write is catalogued",

	// Snapshots: managed images and gallery image versions are copies, so a
	// snapshot's later fate changes no image; SAS access reads a snapshot
	// or fills one created for upload, which snapshots/write already needs.
	"Microsoft.Compute/snapshots/delete":                "no image depends on a snapshot; deleting one changes no image",
	"Microsoft.Compute/snapshots/beginGetAccess/action": "a SAS to read a snapshot, or to fill an upload snapshot that snapshots/write created",
	"Microsoft.Compute/snapshots/endGetAccess/action":   "revokes a snapshot SAS",
	"Microsoft.Compute/snapshots/download/action":       "reads a snapshot with Entra ID (exfiltration, not implant)",
	"Microsoft.Compute/snapshots/upload/action":         "fills an upload snapshot with Entra ID; creating it needs snapshots/write (catalogued)",
}

type testAzureCatalog struct {
	Cloud        string                   `yaml:"cloud"`
	Capabilities []testAzureCapability    `yaml:"capabilities"`
	Actions      []testAzureCatalogAction `yaml:"actions"`
}

type testAzureCapability = testCapability

type testAzureCatalogAction struct {
	Action     string `yaml:"action"`
	Capability string `yaml:"capability"`
	Resource   string `yaml:"resource"`
	Why        string `yaml:"why"`
}

// testAzurePermission is one permission block, in the table (YAML) and in
// the dataset (JSON). Condition is only in the dataset.
type testAzurePermission struct {
	Actions        []string `yaml:"actions" json:"actions"`
	NotActions     []string `yaml:"notActions" json:"notActions"`
	DataActions    []string `yaml:"dataActions" json:"dataActions"`
	NotDataActions []string `yaml:"notDataActions" json:"notDataActions"`
	Condition      string   `yaml:"condition" json:"condition"`
}

// testAzureTable is the shape of testAzureRolesTablePath.
type testAzureTable struct {
	Roles []testAzureTableRole `yaml:"roles"`
}

type testAzureTableRole struct {
	ID          string                `yaml:"id"`
	Name        string                `yaml:"name"`
	Permissions []testAzurePermission `yaml:"permissions"`
}

// testAzureDatasetRole is one element of testAzureDatasetPath.
type testAzureDatasetRole struct {
	Name        string                `json:"name"`
	RoleName    string                `json:"roleName"`
	RoleType    string                `json:"roleType"`
	Permissions []testAzurePermission `json:"permissions"`
}

var (
	// testAzureOperationPattern: Provider.Namespace/type[/...]/verb, letters,
	// digits and dots only (so no wildcard), ending in a write verb.
	testAzureOperationPattern = regexp.MustCompile(
		`^Microsoft\.[A-Za-z][A-Za-z0-9]*(/[A-Za-z][A-Za-z0-9.]*)+/(write|delete|action)$`)
	// testAzurePlaceholderPattern: a ${Placeholder} of a resource id.
	testAzurePlaceholderPattern = regexp.MustCompile(`\$\{[A-Z][A-Za-z]*\}`)
	// testAzureGUIDPattern: a role definition name.
	testAzureGUIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// testAzureIsDataAction is the catalog's convention: operations under
// Microsoft.ContainerRegistry/registries/repositories/ are data actions.
func testAzureIsDataAction(op string) bool {
	return strings.HasPrefix(strings.ToLower(op), testAzureDataActionPrefix)
}

// testAzureNamespace returns an operation's resource provider namespace.
func testAzureNamespace(op string) string {
	ns, _, _ := strings.Cut(op, "/")
	return ns
}

func (p testAzurePermission) engine() azure.Permission {
	return azure.Permission{Actions: p.Actions, NotActions: p.NotActions, DataActions: p.DataActions,
		NotDataActions: p.NotDataActions}
}

func testAzureEngineRole(id, name string, perms []testAzurePermission) *azure.Role {
	r := &azure.Role{ID: id, Name: name}
	for _, p := range perms {
		r.Permissions = append(r.Permissions, p.engine())
	}
	return r
}

// readTestAzureYAML decodes a YAML file strictly (unknown fields are errors)
// and returns its bytes.

func loadTestAzureCatalog(t *testing.T) testAzureCatalog {
	t.Helper()
	var c testAzureCatalog
	readTestYAML(t, testAzureCatalogPath, &c)
	if len(c.Actions) == 0 {
		t.Fatalf("%s has no actions", testAzureCatalogPath)
	}
	return c
}

// testAzureCatalogOperations returns the catalogued operations, without
// repeats (case-insensitively), in catalog order.
func testAzureCatalogOperations(c testAzureCatalog) []string {
	var ops []string
	seen := map[string]bool{}
	for _, a := range c.Actions {
		if k := strings.ToLower(a.Action); !seen[k] {
			seen[k] = true
			ops = append(ops, a.Action)
		}
	}
	return ops
}

func loadTestAzureTable(t *testing.T) (testAzureTable, []byte) {
	t.Helper()
	var table testAzureTable
	raw := readTestYAML(t, testAzureRolesTablePath, &table)
	if len(table.Roles) == 0 {
		t.Fatalf("%s lists no roles", testAzureRolesTablePath)
	}
	return table, raw
}

// readTestAzureDataset reads the built-in role definitions; ok is false when
// the file is absent (it exists only in the workplace's shared/ folder).
func readTestAzureDataset(t *testing.T) (roles []testAzureDatasetRole, ok bool) {
	t.Helper()
	raw, err := os.ReadFile(testAzureDatasetPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("read %s: %v", testAzureDatasetPath, err)
	}
	if err := json.Unmarshal(raw, &roles); err != nil {
		t.Fatalf("parse %s: %v", testAzureDatasetPath, err)
	}
	if len(roles) == 0 {
		t.Fatalf("%s lists no roles", testAzureDatasetPath)
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for i, r := range roles {
		switch {
		case r.Name == "" || r.RoleName == "":
			t.Fatalf("%s: [%d] has no name or roleName", testAzureDatasetPath, i)
		case ids[strings.ToLower(r.Name)]:
			t.Fatalf("%s: role id %s listed twice", testAzureDatasetPath, r.Name)
		case names[r.RoleName]:
			t.Fatalf("%s: roleName %q listed twice", testAzureDatasetPath, r.RoleName)
		}
		ids[strings.ToLower(r.Name)] = true
		names[r.RoleName] = true
	}
	return roles, true
}

// loadTestAzureDataset reads the built-in role definitions, skipping the
// test when the file is absent.
func loadTestAzureDataset(t *testing.T) []testAzureDatasetRole {
	t.Helper()
	roles, ok := readTestAzureDataset(t)
	if !ok {
		t.Skipf("Azure built-in role definitions not found at %s (the `az role definition list` snapshot, kept "+
			"in the shared/ folder beside the repository); skipping the checks against it", testAzureDatasetPath)
	}
	return roles
}

// testAzureComputeTable is the generator's logic
// (analyzer/internal/cmd/azureroles): every built-in role that azure.Role.Grants
// says grants at least one catalogued operation, with its permission blocks
// as published, sorted by role name.
func testAzureComputeTable(roles []testAzureDatasetRole, ops []string) []testAzureTableRole {
	var out []testAzureTableRole
	for _, r := range roles {
		role := testAzureEngineRole(r.Name, r.RoleName, r.Permissions)
		for _, op := range ops {
			if role.Grants(op, testAzureIsDataAction(op)) {
				out = append(out, testAzureTableRole{ID: r.Name, Name: r.RoleName, Permissions: r.Permissions})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func TestCatalogAzureWellFormed(t *testing.T) {
	c := loadTestAzureCatalog(t)

	if c.Cloud != "azure" {
		t.Errorf("cloud = %q, want %q", c.Cloud, "azure")
	}

	declared := checkTestCapabilities(t, c.Capabilities)

	used := map[string]int{}
	seen := map[[2]string]bool{}
	resourceOf := map[string]string{}
	spelling := map[string]string{}
	data := 0
	for i, a := range c.Actions {
		where := a.Action
		if where == "" {
			where = "actions[" + strconv.Itoa(i) + "]"
		}
		if !testAzureOperationPattern.MatchString(a.Action) {
			t.Errorf("%s: operation %q is not Microsoft.Namespace/type/.../verb ending in write, delete or "+
				"action, without wildcards", where, a.Action)
		}
		key := strings.ToLower(a.Action)
		if prev, ok := spelling[key]; ok && prev != a.Action {
			t.Errorf("%s: spelt %q here and %q elsewhere", where, a.Action, prev)
		}
		spelling[key] = a.Action
		if !declared[a.Capability] {
			t.Errorf("%s: capability %q is not declared", where, a.Capability)
		}
		used[a.Capability]++
		pair := [2]string{key, a.Capability}
		if seen[pair] {
			t.Errorf("%s: listed twice for capability %q", where, a.Capability)
		}
		seen[pair] = true
		if testAzureIsDataAction(a.Action) {
			data++
		}

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
		case !strings.HasPrefix(a.Resource, "/"):
			t.Errorf("%s (%s): resource %q is not an ARM resource id (/subscriptions/...)", where, a.Capability,
				a.Resource)
		case strings.ContainsAny(a.Resource, " \t"):
			t.Errorf("%s (%s): resource %q contains white space", where, a.Capability, a.Resource)
		case !strings.Contains(strings.ToLower(a.Resource),
			"/providers/"+strings.ToLower(testAzureNamespace(a.Action))+"/"):
			t.Errorf("%s (%s): resource %q is not under /providers/%s/", where, a.Capability, a.Resource,
				testAzureNamespace(a.Action))
		default:
			if rest := testAzurePlaceholderPattern.ReplaceAllString(a.Resource, ""); strings.ContainsAny(rest, "${}*") {
				t.Errorf("%s (%s): resource %q has a malformed ${Placeholder} or a wildcard",
					where, a.Capability, a.Resource)
			}
		}
		// An operation acts on one kind of resource whatever it is listed for.
		if prev, ok := resourceOf[key]; ok && prev != a.Resource {
			t.Errorf("%s: resource %q for %s, but %q elsewhere", where, a.Resource, a.Capability, prev)
		}
		resourceOf[key] = a.Resource
	}
	for _, id := range testCapabilityIDs {
		if used[id] == 0 {
			t.Errorf("capability %q has no actions", id)
		}
	}
	if data == 0 {
		t.Errorf("no data action (%s...) is catalogued", testAzureDataActionPrefix)
	}
	testAzureCheckDataSection(t)

	for _, id := range testCapabilityIDs {
		t.Logf("%-20s %3d operations", id, used[id])
	}
	t.Logf("%d entries, %d distinct operations, %d of the entries data actions", len(c.Actions), len(resourceOf), data)
}

// testAzureCheckDataSection checks the layout convention: data actions come
// last, after the "# ---...--- data actions" comment, and nothing else does.
func testAzureCheckDataSection(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(testAzureCatalogPath)
	if err != nil {
		t.Fatalf("read %s: %v", testAzureCatalogPath, err)
	}
	marker := 0
	for i, line := range strings.Split(string(raw), "\n") {
		s := strings.TrimSpace(line)
		if strings.HasPrefix(s, "# -") && strings.HasSuffix(s, " data actions") {
			if marker != 0 {
				t.Errorf("%s: a second data actions comment at line %d", testAzureCatalogPath, i+1)
			}
			marker = i + 1
		}
	}
	if marker == 0 {
		t.Errorf("%s: no \"# ---- data actions\" comment before the data actions", testAzureCatalogPath)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", testAzureCatalogPath, err)
	}
	var actions *yaml.Node
	if len(doc.Content) == 1 {
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "actions" {
				actions = top.Content[i+1]
			}
		}
	}
	if actions == nil || actions.Kind != yaml.SequenceNode {
		t.Fatalf("%s: no actions list", testAzureCatalogPath)
	}
	for _, item := range actions.Content {
		var a testAzureCatalogAction
		if err := item.Decode(&a); err != nil {
			t.Fatalf("%s: line %d: %v", testAzureCatalogPath, item.Line, err)
		}
		after := item.Line > marker
		switch isData := testAzureIsDataAction(a.Action); {
		case isData && !after:
			t.Errorf("%s: line %d: data action %s must come after the data actions comment (line %d)",
				testAzureCatalogPath, item.Line, a.Action, marker)
		case !isData && after:
			t.Errorf("%s: line %d: %s is not a data action (not under %s) but comes after the data actions "+
				"comment (line %d)", testAzureCatalogPath, item.Line, a.Action, testAzureDataActionPrefix, marker)
		}
	}
}

// TestCatalogAzureBuiltinRolesSpotChecks needs no dataset for the table: it
// catches a table that is empty, truncated, reduced (notActions dropped) or
// generated from the wrong catalog, and an engine that gets wildcards,
// notActions or data actions wrong. With the dataset present it also checks
// roles that must be absent from the table.
func TestCatalogAzureBuiltinRolesSpotChecks(t *testing.T) {
	table, _ := loadTestAzureTable(t)
	ops := testAzureCatalogOperations(loadTestAzureCatalog(t))

	byName := map[string]*azure.Role{}
	for i, r := range table.Roles {
		switch {
		case !testAzureGUIDPattern.MatchString(r.ID):
			t.Errorf("%s: roles[%d] (%s): id %q is not a lower-case GUID", testAzureRolesTablePath, i, r.Name, r.ID)
		case r.Name == "":
			t.Errorf("%s: roles[%d] (%s): no name", testAzureRolesTablePath, i, r.ID)
		case byName[r.Name] != nil:
			t.Errorf("%s: %s listed twice", testAzureRolesTablePath, r.Name)
		}
		if i > 0 && table.Roles[i-1].Name >= r.Name {
			t.Errorf("%s: roles not sorted by name: %q before %q", testAzureRolesTablePath, table.Roles[i-1].Name, r.Name)
		}
		role := testAzureEngineRole(r.ID, r.Name, r.Permissions)
		byName[r.Name] = role
		granted := false
		for _, op := range ops {
			granted = granted || role.Grants(op, testAzureIsDataAction(op))
		}
		if !granted {
			t.Errorf("%s: %s grants no catalogued operation", testAzureRolesTablePath, r.Name)
		}
	}

	const (
		push        = "Microsoft.ContainerRegistry/registries/push/write"
		contentW    = "Microsoft.ContainerRegistry/registries/repositories/content/write"
		assign      = "Microsoft.Authorization/roleAssignments/write"
		roleDefW    = "Microsoft.Authorization/roleDefinitions/write"
		imagesW     = "Microsoft.Compute/images/write"
		scaleSetW   = "Microsoft.Compute/virtualMachineScaleSets/write"
		share       = "Microsoft.Compute/galleries/share/action"
		versionW    = "Microsoft.Compute/galleries/images/versions/write"
		artifactDel = "Microsoft.ContainerRegistry/registries/artifacts/delete"
	)
	for _, c := range []struct {
		role, op string
		data     bool
		want     bool
	}{
		{"Contributor", push, false, true},
		{"Contributor", imagesW, false, true},
		{"Contributor", assign, false, false},   // notActions Microsoft.Authorization/*/Write
		{"Contributor", roleDefW, false, false}, // same
		{"Contributor", share, false, false},    // notActions Microsoft.Compute/galleries/share/action
		{"Contributor", contentW, true, false},  // no dataActions
		{"Owner", assign, false, true},
		{"Owner", share, false, true},
		{"Owner", contentW, true, false}, // "*" in actions grants no data action
		{"AcrPush", push, false, true},
		{"AcrPush", contentW, true, false},
		{"AcrDelete", artifactDel, false, true},
		{"AcrDelete", push, false, false},
		{"User Access Administrator", assign, false, true},
		{"User Access Administrator", roleDefW, false, true},
		{"User Access Administrator", push, false, false},
		{"Role Based Access Control Administrator", assign, false, true},
		{"Role Based Access Control Administrator", roleDefW, false, false},
		// The dataset's Virtual Machine Contributor lists Microsoft.Compute/
		// virtualMachineScaleSets/* but nothing of Microsoft.Compute/images.
		{"Virtual Machine Contributor", imagesW, false, false},
		{"Virtual Machine Contributor", scaleSetW, false, true},
		{"Compute Gallery Artifacts Publisher", versionW, false, true},
		{"Compute Gallery Artifacts Publisher", imagesW, false, true},
		{"Compute Gallery Artifacts Publisher", share, false, false}, // in its notActions
		{"Compute Gallery Sharing Admin", share, false, true},
		{"Container Registry Repository Writer", contentW, true, true},
		{"Container Registry Repository Writer", contentW, false, false}, // a data action, not an action
		{"Container Registry Repository Writer", push, false, false},
	} {
		role := byName[c.role]
		if role == nil {
			if c.want || c.role != "Container Registry Repository Writer" {
				t.Errorf("%s: %s is missing", testAzureRolesTablePath, c.role)
			}
			continue
		}
		if got := role.Grants(c.op, c.data); got != c.want {
			t.Errorf("%s: %s grants %s (data action: %v) = %v, want %v", testAzureRolesTablePath, c.role, c.op,
				c.data, got, c.want)
		}
	}
	// Owner, with actions "*", grants every catalogued control-plane
	// operation and, with no dataActions, none of the data actions.
	if owner := byName["Owner"]; owner != nil {
		for _, op := range ops {
			if got, want := owner.Grants(op, testAzureIsDataAction(op)), !testAzureIsDataAction(op); got != want {
				t.Errorf("%s: Owner grants %s = %v, want %v", testAzureRolesTablePath, op, got, want)
			}
		}
	}
	// Read-only and pull-only roles grant nothing catalogued, so they are
	// not in the table.
	for _, name := range []string{"Reader", "AcrPull", "Container Registry Repository Reader"} {
		if byName[name] != nil {
			t.Errorf("%s: read-only role %s is listed", testAzureRolesTablePath, name)
		}
	}
	if roles, ok := readTestAzureDataset(t); ok {
		found := map[string]bool{}
		for _, r := range roles {
			switch r.RoleName {
			case "Reader", "AcrPull":
			default:
				continue
			}
			found[r.RoleName] = true
			role := testAzureEngineRole(r.Name, r.RoleName, r.Permissions)
			for _, op := range ops {
				if role.Grants(op, testAzureIsDataAction(op)) {
					t.Errorf("%s: %s grants %s", testAzureDatasetPath, r.RoleName, op)
				}
			}
		}
		if !found["Reader"] || !found["AcrPull"] {
			t.Errorf("%s: Reader or AcrPull missing from the dataset", testAzureDatasetPath)
		}
	} else {
		t.Logf("dataset absent: Reader and AcrPull checked only by their absence from the table")
	}

	var pushers []string
	for _, r := range table.Roles {
		if byName[r.Name].Grants(push, false) {
			pushers = append(pushers, r.Name)
		}
	}
	t.Logf("%d built-in roles grant %s:\n\t%s", len(pushers), push, strings.Join(pushers, "\n\t"))
}

func TestCatalogAzureOperationsExist(t *testing.T) {
	c := loadTestAzureCatalog(t)
	roles := loadTestAzureDataset(t)
	ops := testAzureCatalogOperations(c)

	// Literal names (lower case) in actions and in dataActions, and every
	// wildcard pattern with the roles that list it.
	literal := map[bool]map[string]bool{false: {}, true: {}}
	patterns := map[bool]map[string][]string{false: {}, true: {}}
	for _, r := range roles {
		for _, p := range r.Permissions {
			for data, list := range map[bool][]string{false: p.Actions, true: p.DataActions} {
				for _, a := range list {
					if strings.Contains(a, "*") {
						patterns[data][a] = append(patterns[data][a], r.RoleName)
					} else {
						literal[data][strings.ToLower(a)] = true
					}
				}
			}
		}
	}

	catalogued := map[string]bool{}
	viaWildcard := 0
	for _, op := range ops {
		catalogued[op] = true
		data := testAzureIsDataAction(op)
		key := strings.ToLower(op)
		reason := testAzureWildcardOnly[op]
		switch {
		case literal[data][key]:
			if reason != "" {
				t.Errorf("testAzureWildcardOnly: %s is now named literally by a built-in role; remove it", op)
			}
			continue
		case literal[!data][key]:
			t.Errorf("%s: %s is named by built-in roles in %s, but the catalog's convention makes it a %s",
				testAzureCatalogPath, op, map[bool]string{false: "actions", true: "dataActions"}[!data],
				map[bool]string{false: "control-plane action", true: "data action"}[data])
			continue
		}
		var matched []string
		for _, p := range testSortedKeys(patterns[data]) {
			if azure.MatchOperation(p, op) {
				matched = append(matched, p+" ("+strings.Join(patterns[data][p], ", ")+")")
			}
		}
		switch {
		case reason == "":
			t.Errorf("%s: no built-in role names %s literally (patterns matching it: %v); check the spelling, or "+
				"if it really exists add it with the reason to testAzureWildcardOnly", testAzureCatalogPath, op, matched)
		case len(matched) == 0:
			t.Errorf("%s: no built-in role reaches %s even through a wildcard; check the spelling", testAzureCatalogPath, op)
		default:
			viaWildcard++
			t.Logf("%s: only through %s", op, strings.Join(matched, "; "))
		}
	}
	for _, op := range testSortedKeys(testAzureWildcardOnly) {
		switch {
		case strings.TrimSpace(testAzureWildcardOnly[op]) == "":
			t.Errorf("testAzureWildcardOnly: %s has no reason", op)
		case !catalogued[op]:
			t.Errorf("testAzureWildcardOnly: %s is not in %s (spelt exactly)", op, testAzureCatalogPath)
		}
	}
	t.Logf("%d catalogued operations checked against %d built-in roles: %d named literally, %d only through wildcards",
		len(ops), len(roles), len(ops)-viaWildcard, viaWildcard)
}

func TestCatalogAzureBuiltinRolesTable(t *testing.T) {
	c := loadTestAzureCatalog(t)
	roles := loadTestAzureDataset(t)
	committed, raw := loadTestAzureTable(t)
	want := testAzureComputeTable(roles, testAzureCatalogOperations(c))

	norm := func(perms []testAzurePermission) []testAzurePermission {
		out := make([]testAzurePermission, len(perms))
		for i, p := range perms {
			out[i] = testAzurePermission{
				Actions: append([]string{}, p.Actions...), NotActions: append([]string{}, p.NotActions...),
				DataActions: append([]string{}, p.DataActions...), NotDataActions: append([]string{}, p.NotDataActions...),
			}
		}
		return out
	}
	got := map[string]testAzureTableRole{}
	for _, r := range committed.Roles {
		got[r.Name] = r
	}
	exp := map[string]testAzureTableRole{}
	for _, r := range want {
		exp[r.Name] = r
	}
	names := map[string]bool{}
	for n := range got {
		names[n] = true
	}
	for n := range exp {
		names[n] = true
	}
	stale := 0
	for _, n := range testSortedKeys(names) {
		g, inTable := got[n]
		e, inDataset := exp[n]
		switch {
		case !inTable:
			t.Errorf("%s: %s (%s) is missing", testAzureRolesTablePath, n, e.ID)
		case !inDataset:
			t.Errorf("%s: %s is listed, but in the dataset it grants no catalogued operation (or is gone)",
				testAzureRolesTablePath, n)
		case g.ID != e.ID:
			t.Errorf("%s: %s: id %s, the dataset says %s", testAzureRolesTablePath, n, g.ID, e.ID)
		case !reflect.DeepEqual(norm(g.Permissions), norm(e.Permissions)):
			t.Errorf("%s: %s: permission blocks differ from the dataset's:\n\ttable:   %+v\n\tdataset: %+v",
				testAzureRolesTablePath, n, norm(g.Permissions), norm(e.Permissions))
		default:
			continue
		}
		stale++
	}
	if stale > 0 {
		t.Errorf("%s is stale in %d roles; regenerate it from the repository root:\n\t%s",
			testAzureRolesTablePath, stale, testAzureRegenerate)
	}
	for i := 1; i < len(committed.Roles); i++ {
		if prev, cur := committed.Roles[i-1].Name, committed.Roles[i].Name; prev >= cur {
			t.Errorf("%s: roles not in sorted order: %s before %s", testAzureRolesTablePath, prev, cur)
		}
	}
	if !strings.HasPrefix(string(raw), testAzureTableHeader) {
		t.Errorf("%s: the generator's header comment is missing", testAzureRolesTablePath)
	}
	t.Logf("%d of %d built-in roles grant catalogued operations", len(want), len(roles))
}

// testAzureRegexpGrants is an implementation of Azure RBAC's role semantics
// independent of policies/azure: each pattern becomes a case-insensitive
// regular expression in which "*" is ".*", and a block grants an operation
// when one of its actions (dataActions) matches and none of the same block's
// notActions (notDataActions) does; blocks are a union.
//
// With emptySegment set it models another reading of the wildcard, in which
// a "/*/" segment may also stand for no segment at all, so that
// "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action" matches
// "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action". The test
// only logs where that reading would change an answer.
type testAzureRegexpGrants struct {
	emptySegment bool
	cache        map[string]*regexp.Regexp
}

func (g *testAzureRegexpGrants) match(pattern, op string) bool {
	re, ok := g.cache[pattern]
	if !ok {
		parts := strings.Split(pattern, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		expr := strings.Join(parts, ".*")
		if g.emptySegment {
			expr = strings.ReplaceAll(expr, "/.*/", "/(?:.*/)?")
		}
		re = regexp.MustCompile(`(?is)^` + expr + `$`)
		g.cache[pattern] = re
	}
	return re.MatchString(op)
}

func (g *testAzureRegexpGrants) any(patterns []string, op string) bool {
	for _, p := range patterns {
		if g.match(p, op) {
			return true
		}
	}
	return false
}

func (g *testAzureRegexpGrants) grants(perms []testAzurePermission, op string, data bool) bool {
	for _, p := range perms {
		allow, not := p.Actions, p.NotActions
		if data {
			allow, not = p.DataActions, p.NotDataActions
		}
		if g.any(allow, op) && !g.any(not, op) {
			return true
		}
	}
	return false
}

func TestCatalogAzureGrantsDifferential(t *testing.T) {
	c := loadTestAzureCatalog(t)
	roles := loadTestAzureDataset(t)
	ops := testAzureCatalogOperations(c)
	// The engine reads "/*/" as also standing for no segment (Managed
	// Identity Operator's userAssignedIdentities/*/assign/action grants
	// userAssignedIdentities/assign/action); the reference does the same, and
	// the strict reading is logged where it would change an answer.
	ref := &testAzureRegexpGrants{emptySegment: true, cache: map[string]*regexp.Regexp{}}
	alt := &testAzureRegexpGrants{cache: map[string]*regexp.Regexp{}}
	var altDiffers []string

	checks, disagreements, granted := 0, 0, 0
	grantsOf := map[string]int{}
	var conditional []string
	for _, r := range roles {
		if r.RoleType != "BuiltInRole" {
			t.Errorf("%s: %s has roleType %q", testAzureDatasetPath, r.RoleName, r.RoleType)
		}
		role := testAzureEngineRole(r.Name, r.RoleName, r.Permissions)
		roleGrants := false
		for _, op := range ops {
			// Both planes, and the operation in other letter cases, as
			// Azure matches case-insensitively.
			for _, variant := range []string{op, strings.ToUpper(op), strings.ToLower(op)} {
				for _, data := range []bool{false, true} {
					checks++
					got, want := role.Grants(variant, data), ref.grants(r.Permissions, variant, data)
					if got != want {
						disagreements++
						if disagreements <= 20 {
							t.Errorf("%s (%s): Grants(%q, data=%v) = %v, the reference implementation says %v",
								r.RoleName, r.Name, variant, data, got, want)
						}
					}
				}
			}
			isData := testAzureIsDataAction(op)
			engine := role.Grants(op, isData)
			if engine {
				grantsOf[op]++
				roleGrants = true
			}
			if alt.grants(r.Permissions, op, isData) != engine {
				altDiffers = append(altDiffers, r.RoleName+": "+op+" (granted now: "+strconv.FormatBool(engine)+")")
			}
		}
		if roleGrants {
			granted++
			for _, p := range r.Permissions {
				if strings.TrimSpace(p.Condition) != "" {
					conditional = append(conditional, r.RoleName)
					break
				}
			}
		}
	}
	if disagreements > 0 {
		t.Errorf("%d of %d checks disagree between azure.Role.Grants and the reference implementation",
			disagreements, checks)
	}
	t.Logf("%d built-in roles x %d catalogued operations x 3 letter cases x 2 planes: %d checks, %d disagreements; "+
		"%d roles grant at least one operation", len(roles), len(ops), checks, disagreements, granted)
	for _, op := range ops {
		t.Logf("%4d roles grant %s", grantsOf[op], op)
	}
	if len(altDiffers) > 0 {
		t.Logf("if a \"/*/\" segment could also match no segment, %d answers would change:\n\t%s", len(altDiffers), strings.Join(altDiffers, "\n\t"))
	}
	if len(conditional) > 0 {
		sort.Strings(conditional)
		t.Logf("%d of these roles carry a condition on a permission block (for example limiting which roles "+
			"roleAssignments/write may assign), which role-level Grants does not evaluate:\n\t%s",
			len(conditional), strings.Join(conditional, "\n\t"))
	}
}

func TestCatalogAzureCompleteness(t *testing.T) {
	c := loadTestAzureCatalog(t)
	roles := loadTestAzureDataset(t)

	catalogued := map[string]bool{}
	for _, op := range testAzureCatalogOperations(c) {
		catalogued[strings.ToLower(op)] = true
	}
	// inScope maps a lower-case operation to its spellings in the dataset.
	inScope := map[string][]string{}
	for _, r := range roles {
		for _, p := range r.Permissions {
			for _, a := range append(append([]string{}, p.Actions...), p.DataActions...) {
				k := strings.ToLower(a)
				if strings.Contains(a, "*") || strings.HasSuffix(k, "/read") {
					continue
				}
				for _, prefix := range testAzureScopePrefixes {
					if strings.HasPrefix(k, prefix) {
						if !testAzureContains(inScope[k], a) {
							inScope[k] = append(inScope[k], a)
						}
					}
				}
			}
		}
	}
	excluded := map[string]string{}
	for op, reason := range testAzureExclusions {
		excluded[strings.ToLower(op)] = reason
	}

	var missing []string
	for k, spellings := range inScope {
		if !catalogued[k] && excluded[k] == "" {
			sort.Strings(spellings)
			missing = append(missing, spellings[0])
		}
	}
	sort.Strings(missing)
	for _, op := range missing {
		t.Errorf("%s is a write operation in scope named by a built-in role, but neither in %s nor in "+
			"testAzureExclusions (add it, or exclude it with a reason)", op, testAzureCatalogPath)
	}
	for _, op := range testSortedKeys(testAzureExclusions) {
		k := strings.ToLower(op)
		switch {
		case strings.TrimSpace(testAzureExclusions[op]) == "":
			t.Errorf("exclusion %s has no reason", op)
		case catalogued[k]:
			t.Errorf("%s is both catalogued and excluded", op)
		case inScope[k] == nil:
			t.Errorf("exclusion %s is stale: no built-in role names it as a write in scope", op)
		}
	}
	n := 0
	for k := range inScope {
		if catalogued[k] {
			n++
		}
	}
	t.Logf("%d write operations in scope named by built-in roles: %d catalogued, %d excluded",
		len(inScope), n, len(testAzureExclusions))
}

func testAzureContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
