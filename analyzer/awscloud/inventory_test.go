package awscloud

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

func load(t *testing.T, s *Snapshot, file, body string) error {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	doc := &model.Document{Object: obj}
	format := s.Recognize(doc)
	if format == "" {
		t.Fatalf("%s: not recognised", file)
	}
	return s.Load(file, format, doc)
}

// factsOf maps "capability action resource" of a principal's facts.
func factsOf(snap *model.Snapshot, principal string) map[string]bool {
	out := map[string]bool{}
	for _, f := range snap.Facts {
		if f.Principal != principal {
			continue
		}
		for _, t := range f.Targets {
			for _, a := range t.Actions {
				out[f.Capability+" "+a+" "+t.Resource] = true
			}
		}
	}
	return out
}

const registryPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"ecr:*","Resource":"*"}]}`

// TestRegistryPolicyScope: a registry policy that grants an outside account
// ecr:* lets it replicate and create repositories with either scope, and
// push only with V2, when the policy governs every ECR action.
func TestRegistryPolicyScope(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	const registry = "arn:aws:ecr:us-east-1:210987654321:repository/*"
	for _, scope := range []string{"V1", "V2", ""} {
		s := New()
		pol, _ := json.Marshal(registryPolicy)
		if err := load(t, s, "ecr-registry.json", `{"registryId":"210987654321","region":"us-east-1","registryPolicyScope":"`+scope+`","policyText":`+string(pol)+`}`); err != nil {
			t.Fatal(err)
		}
		got := factsOf(s.Evaluate(cat), "arn:aws:iam::345678901234:root")
		for _, want := range []string{"image.push ecr:ReplicateImage " + registry, "image.create ecr:CreateRepository " + registry} {
			if !got[want] {
				t.Errorf("scope %q: missing %s; got %v", scope, want, got)
			}
		}
		if push := got["image.push ecr:PutImage "+registry]; push != (scope != "V1") {
			t.Errorf("scope %q: ecr:PutImage decided %v on the registry, want %v (V1 governs three actions only)", scope, push, scope != "V1")
		}
	}
}

// TestRegistryInternalAccess: in its own account, access that identity
// policies give is not repeated on the registry; a registry policy that
// names a role of the account is.
func TestRegistryInternalAccess(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := New()
	if err := load(t, s, "iam.json", `{"UserDetailList":[{"UserName":"dev","Arn":"arn:aws:iam::210987654321:user/dev",
		"UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}}]}],
		"RoleDetailList":[{"RoleName":"replicator","Arn":"arn:aws:iam::210987654321:role/replicator"}]}`); err != nil {
		t.Fatal(err)
	}
	pol, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:role/replicator"},"Action":"ecr:ReplicateImage","Resource":"*"}]}`)
	if err := load(t, s, "ecr-registry.json", `{"registryId":"210987654321","region":"us-east-1","policyText":`+string(pol)+`}`); err != nil {
		t.Fatal(err)
	}
	snap := s.Evaluate(cat)
	const registry = "arn:aws:ecr:us-east-1:210987654321:repository/*"
	for k := range factsOf(snap, "arn:aws:iam::210987654321:user/dev") {
		if strings.HasSuffix(k, " "+registry) {
			t.Errorf("dev's identity-policy access repeated on the registry: %s", k)
		}
	}
	if !factsOf(snap, "arn:aws:iam::210987654321:role/replicator")["image.push ecr:ReplicateImage "+registry] {
		t.Errorf("the role the registry policy names should replicate into it")
	}
}

// TestInventoryPlaces: entries that cannot be tied to a resource are
// skipped with the file and the place; the others are read.
func TestInventoryPlaces(t *testing.T) {
	s := New()
	err := load(t, s, "inv.json", `{"ImageInventory":{"Region":"us-east-1",
		"ImagePipelines":[{"arn":"not-an-arn"},{"arn":"arn:aws:imagebuilder:us-east-1:210987654321:image-pipeline/ok","name":"ok"}],
		"LaunchTemplates":[{"LaunchTemplateId":"lt-1","LaunchTemplateName":"no-account"},
		                   {"LaunchTemplateId":"lt-2","LaunchTemplateName":"web","CreatedBy":"arn:aws:iam::210987654321:role/x"}],
		"ImageParameters":[{"Name":"/no/arn"}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, w := range s.warnings {
		where = append(where, w.Where)
	}
	want := "inv.json: ImageInventory.ImagePipelines[0] inv.json: ImageInventory.LaunchTemplates[0] inv.json: ImageInventory.ImageParameters[0]"
	if strings.Join(where, " ") != want {
		t.Errorf("warnings at %q, want %q", strings.Join(where, " "), want)
	}
	ids := map[string]string{}
	for _, k := range s.knownResources() {
		ids[k.model.ID] = k.model.Type
	}
	if ids["arn:aws:imagebuilder:us-east-1:210987654321:image-pipeline/ok"] != "imagebuilder-pipeline" ||
		ids["arn:aws:ec2:us-east-1:210987654321:launch-template/lt-2"] != "launch-template" || len(ids) != 2 {
		t.Errorf("resources %v", ids)
	}
	if err := load(t, s, "reg.json", `{"registryId":"","policyText":"{}"}`); err == nil || !strings.Contains(err.Error(), "registryId") {
		t.Errorf("a registry without its account should be refused naming registryId: %v", err)
	}
}

// TestDocumentedExamples: the minimal examples of docs/inputs.md sections
// 4, 6 and 7 are read without a warning, as what they say.
func TestDocumentedExamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "inputs.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	example := func(heading string) string {
		i := strings.Index(doc, heading)
		if i < 0 {
			t.Fatalf("docs/inputs.md has no %q", heading)
		}
		sec := doc[i:]
		if j := strings.Index(sec[1:], "\n## "); j >= 0 {
			sec = sec[:j+1]
		}
		k := strings.LastIndex(sec, "```json\n")
		if k < 0 {
			t.Fatalf("%s: no JSON example", heading)
		}
		body := sec[k+len("```json\n"):]
		return body[:strings.Index(body, "```")]
	}
	s := New()
	for _, h := range []string{"## 4. EC2", "## 6. ECR: the registry", "## 7. The image inventory"} {
		if err := load(t, s, h, example(h)); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if len(s.warnings) > 0 {
		t.Errorf("warnings: %+v", s.warnings)
	}
	types := map[string]int{}
	for _, k := range s.knownResources() {
		types[k.model.Type]++
		if k.model.Type == "ami" && !strings.Contains(k.model.Name, "shared with 345678901234") {
			t.Errorf("the documented AMI's sharing should be in its name: %q", k.model.Name)
		}
	}
	for _, typ := range []string{"ami", "ecr-registry", "imagebuilder-pipeline", "imagebuilder-image-recipe", "imagebuilder-infrastructure-configuration", "launch-template", "ssm-parameter"} {
		if types[typ] != 1 {
			t.Errorf("%d %s resources from the examples, want 1", types[typ], typ)
		}
	}
}
