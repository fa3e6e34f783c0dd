package awscloud

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/awscloud/internal/awsorg"
	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// referenceFacts is the evaluation as it was before the plan (plan.go):
// every catalog action decided for every principal on every listed
// resource of its type, one by one. Evaluate must give the same facts.
func referenceFacts(s *Snapshot, cat *catalog.Catalog) []model.Fact {
	s.resolve()
	actions := prepare(cat.ForCloud(cloudName))
	known := s.knownResources()
	var out []model.Fact
	for _, p := range s.principals {
		b := model.NewFactBuilder(p.arn, cloudName)
		for _, a := range actions {
			e := a.entry
			for _, k := range known {
				if a.typePattern == "" || !iam.WildcardMatch(a.typePattern, k.model.ID) && !(k.pattern && iam.WildcardOverlaps(a.typePattern, k.model.ID)) {
					continue
				}
				if k.only != nil && !k.only[e.Action] {
					continue
				}
				if (p.external || k.viaPolicy) && k.policy == nil {
					continue
				}
				req := &iam.Request{Principal: p.arn, Action: e.Action, Resource: k.model.ID, ResourceAccount: k.account,
					ResourcePattern: k.pattern, Context: p.ctx}
				r := iam.Decide(req, p.policies(k.policy))
				if k.viaPolicy && !resourceGranted(r) {
					continue
				}
				if t, ok := target(r, k.model.ID, true, false, p.external); ok {
					b.Add(e.Capability, e.Action, t)
				}
			}
			if p.external {
				continue
			}
			ts := s.referencePatternTargets(p, a)
			if e.Action == assumeRoleAction && len(ts) > 0 {
				ts = s.assumableRoles(p, s.newTrustIndex())
			}
			for _, t := range ts {
				b.Add(e.Capability, e.Action, t)
			}
		}
		out = append(out, b.Facts()...)
	}
	return out
}

// extraInputs add to a synthetic organization what the generator does not
// write: registries (V1 and V2, with policies naming accounts, roles and
// everyone), the image inventory, AMIs of an unknown region, and the
// repositories of an account whose IAM is not loaded, with policies that
// name its roles, the loaded accounts and everyone, Deny and NotPrincipal
// statements and Resource elements.
func extraInputs(accounts []string, seed int) map[string]string {
	a0, a1 := accounts[0], accounts[len(accounts)-1]
	ext := "555566667777"
	pol := func(stmts ...string) string {
		b, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)
		return string(b)
	}
	out := map[string]string{
		"registry-a.json": fmt.Sprintf(`{"registryId":%q,"region":"us-east-1","registryPolicyScope":"V2","policyText":%s}`, a0,
			pol(`{"Effect":"Allow","Principal":{"AWS":"`+ext+`"},"Action":["ecr:*"],"Resource":"*"}`,
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+a1+`:role/app-00003"},"Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:`+a0+`:repository/*"}`)),
		"registry-b.json": fmt.Sprintf(`{"registryId":%q,"region":"eu-west-1","registryPolicyScope":"V1","policyText":%s}`, a1,
			pol(`{"Effect":"Allow","Principal":"*","Action":["ecr:ReplicateImage","ecr:CreateRepository"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-synthetic1"}}}`)),
		"inventory.json": fmt.Sprintf(`{"ImageInventory":{"Region":"us-east-1","Account":%q,
			"ImagePipelines":[{"arn":"arn:aws:imagebuilder:us-east-1:%s:image-pipeline/golden","name":"golden"},{"arn":"arn:aws:imagebuilder:us-east-1:%s:image-pipeline/team-a","name":"team-a"}],
			"ImageRecipes":[{"arn":"arn:aws:imagebuilder:us-east-1:%s:image-recipe/base/1.0.0","name":"base"}],
			"LaunchTemplates":[{"LaunchTemplateId":"lt-0123","LaunchTemplateName":"web"},{"LaunchTemplateId":"lt-0456","LaunchTemplateName":"api"}],
			"ImageParameters":[{"Name":"/golden/ami"},{"Name":"/build-00007/ami"},{"Name":"/app-00001/x"}]}}`, a0, a0, a0, a0),
		"images-unknown-region.json": fmt.Sprintf(`{"Images":[{"ImageId":"ami-0aaa","OwnerId":%q,"Name":"no-region"},{"ImageId":"ami-0bbb","OwnerId":%q,"Name":"shared","LaunchPermissions":[{"Group":"all"}]}]}`, a0, a1),
		"ext-repos.json": fmt.Sprintf(`{"repositories":[{"repositoryArn":"arn:aws:ecr:us-east-1:%s:repository/vendor/a","repositoryName":"vendor/a","registryId":%q},
			{"repositoryArn":"arn:aws:ecr:us-east-1:%s:repository/vendor/b","repositoryName":"vendor/b","registryId":%q},
			{"repositoryArn":"arn:aws:ecr-public::%s:repository/tools","repositoryName":"tools","registryId":%q}]}`, ext, ext, ext, ext, a0, a0),
	}
	policies := []string{
		pol(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+ext+`:role/pusher"},"Action":["ecr:PutImage","ecr:InitiateLayerUpload"]}`,
			`{"Effect":"Allow","Principal":{"AWS":"`+a0+`"},"Action":"ecr:*"}`),
		pol(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::`+a0+`:role/build-00000"},"Action":"ecr:PutImage"}`,
			`{"Effect":"Allow","Principal":"*","Action":"ecr:Put*","Resource":"arn:aws:ecr:us-east-1:`+ext+`:repository/vendor/*"}`),
	}
	out["ext-policy-a.json"] = fmt.Sprintf(`{"repositoryArn":"arn:aws:ecr:us-east-1:%s:repository/vendor/a","policyText":%s}`, ext, policies[seed%2])
	out["ext-policy-b.json"] = fmt.Sprintf(`{"repositoryArn":"arn:aws:ecr:us-east-1:%s:repository/vendor/b","policyText":%s}`, ext, policies[(seed+1)%2])
	// Repositories sharing one policy document: decided once per class,
	// their resource policy reasons renamed.
	shared := pol(`{"Sid":"OrgPush","Effect":"Allow","Principal":"*","Action":["ecr:PutImage","ecr:InitiateLayerUpload"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-synthetic1"}}}`,
		`{"Sid":"PeerAdmin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+a1+`:root"},"Action":"ecr:*"}`,
		`{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository","Resource":"arn:aws:ecr:*:*:repository/shared-doc/keep-*"}`)
	var repos []string
	for n, name := range []string{"shared-doc/a", "shared-doc/b", "shared-doc/keep-c", "shared-doc/keep-d", "other/e"} {
		region := []string{"us-east-1", "eu-west-1"}[n%2]
		arn := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, a0, name)
		repos = append(repos, fmt.Sprintf(`{"repositoryArn":%q,"repositoryName":%q,"registryId":%q}`, arn, name, a0))
		out[fmt.Sprintf("shared-doc-policy-%d.json", n)] = fmt.Sprintf(`{"repositoryArn":%q,"policyText":%s}`, arn, shared)
	}
	out["shared-doc-repos.json"] = `{"repositories":[` + strings.Join(repos, ",") + `]}`
	out["public-tools-policy.json"] = fmt.Sprintf(`{"repositoryArn":"arn:aws:ecr-public::%s:repository/tools","policyText":%s}`, a0,
		pol(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+a1+`:root"},"Action":"ecr-public:*"}`))
	return out
}

func loadFiles(t *testing.T, files map[string]string) *Snapshot {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	s := New()
	for _, n := range names {
		if err := load(t, s, n, files[n]); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	return s
}

func demoFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, _ := filepath.Glob("../../testdata/demo/*.json")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(m)] = string(b)
	}
	if len(out) == 0 {
		t.Fatal("no demo inputs")
	}
	return out
}

// TestEvaluateMatchesReference: the evaluation through the plan (classes
// of resources decided once, principals in parallel) gives exactly the
// facts of deciding every resource for every principal, on the demo and on
// synthetic organizations of several seeds.
func TestEvaluateMatchesReference(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range referenceInputs(t) {
		t.Run(name, func(t *testing.T) {
			want := referenceFacts(loadFiles(t, files), cat)
			got := loadFiles(t, files).Evaluate(cat).Facts
			if len(want) == 0 {
				t.Fatal("no facts: the test proves nothing")
			}
			if reflect.DeepEqual(got, want) {
				return
			}
			for i := 0; i < len(got) && i < len(want); i++ {
				if !reflect.DeepEqual(got[i], want[i]) {
					g, _ := json.MarshalIndent(got[i], "", " ")
					w, _ := json.MarshalIndent(want[i], "", " ")
					t.Fatalf("fact %d differs:\ngot  %s\nwant %s", i, g, w)
				}
			}
			t.Fatalf("%d facts, want %d", len(got), len(want))
		})
	}
}

const managedDatasetPath = "../../../shared/datasets/aws-managed-policies.authorization-details.json"

// referenceInputs are the inputs of the reference tests: the demo, and
// synthetic organizations of several seeds with the extra inputs.
func referenceInputs(t *testing.T) map[string]map[string]string {
	t.Helper()
	// The demo without its compute inventory (docs/inputs.md section 8),
	// which the reference does not model: compute_test.go and
	// compute_regions_test.go check the inventory's edges.
	demo := demoFiles(t)
	for n := range demo {
		for _, p := range []string{"ec2-instances-", "lambda-functions-", "codebuild-projects-", "ecs-"} {
			if strings.HasPrefix(filepath.Base(n), p) {
				delete(demo, n)
			}
		}
	}
	inputs := map[string]map[string]string{"demo": demo}
	seeds := 4
	if testing.Short() {
		seeds = 1
	}
	for seed := 1; seed <= seeds; seed++ {
		o := awsorg.Options{Accounts: 3, Roles: 20 + 5*seed, Users: 20, Repos: 14, Images: 4, Seed: int64(seed)}
		if _, err := os.Stat(managedDatasetPath); err == nil && seed%2 == 0 {
			o.ManagedPolicies = managedDatasetPath
		}
		gen, err := awsorg.Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		var accounts []string
		for n, b := range gen {
			files[n] = string(b)
			if a, ok := strings.CutPrefix(n, "iam-"); ok {
				accounts = append(accounts, strings.TrimSuffix(a, ".json"))
			}
		}
		sort.Strings(accounts)
		for n, b := range extraInputs(accounts, seed) {
			files[n] = b
		}
		inputs[fmt.Sprintf("org-seed-%d", seed)] = files
	}
	return inputs
}

// referencePatternTargets is patternTargets as it was: the part of the
// type first, then the whole type, each decided on its own.
func (s *Snapshot) referencePatternTargets(p *principal, a action) []model.Target {
	e := a.entry
	if e.Resource == "*" {
		r := iam.Decide(&iam.Request{Principal: p.arn, Action: e.Action, Resource: "*", Context: p.ctx}, p.policies(nil))
		if t, ok := target(r, "*", false, true, false); ok {
			return []model.Target{t}
		}
		return nil
	}
	pattern := instantiate(e.Resource, p.account)
	base := iam.Request{Principal: p.arn, Action: e.Action, Resource: pattern, ResourcePattern: true, ResourceAccount: p.account, Context: p.ctx}
	pol := p.policies(nil)
	some := iam.Decide(&base, pol)
	if some.Decision != iam.Allowed && some.Decision != iam.Conditional {
		return nil
	}
	whole := base
	whole.AllowWhole = true
	if r := iam.Decide(&whole, pol); r.Decision == iam.Allowed || r.Decision == iam.Conditional {
		t, _ := target(r, pattern, false, true, false)
		t.Except = partialDenies(&whole, pol)
		return []model.Target{t}
	}
	// Narrower grants: each Resource pattern of a matching grant that falls
	// inside the type's pattern.
	var out []model.Target
	seen := map[string]bool{}
	for _, g := range some.Grants {
		st := g.Statement
		if g.Kind != iam.IdentityPolicy || st.NotResources {
			continue
		}
		for _, rp := range st.Resources {
			cand := rp
			if !iam.WildcardOverlaps(rp, pattern) || seen[cand] {
				continue
			}
			if !iam.WildcardCovers(pattern, rp) {
				// A grant wider than one account's resources (another
				// account's wildcard, say): keep the part in this account.
				cand = pattern
			}
			if seen[cand] {
				continue
			}
			seen[cand] = true
			req := base
			req.Resource = cand
			req.AllowWhole = true
			r := iam.Decide(&req, pol)
			if r.Decision != iam.Allowed && r.Decision != iam.Conditional {
				req.AllowWhole = false
				if r = iam.Decide(&req, pol); r.Decision != iam.Allowed && r.Decision != iam.Conditional {
					continue
				}
			}
			t, _ := target(r, cand, false, cand == pattern, false)
			t.Except = partialDenies(&req, pol)
			out = append(out, t)
		}
	}
	return out
}
