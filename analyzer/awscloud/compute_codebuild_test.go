package awscloud

import (
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// codebuildAuth: in account 333333333333, dev may start builds, ops may
// only change projects; builder, deployer and spare-cb trust CodeBuild.
const codebuildAuth = `{
 "UserDetailList": [
  {"UserName": "dev", "Arn": "arn:aws:iam::333333333333:user/dev", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "codebuild:StartBuild", "Resource": "*"}]}}]},
  {"UserName": "ops", "Arn": "arn:aws:iam::333333333333:user/ops", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "codebuild:UpdateProject", "Resource": "arn:aws:codebuild:*:333333333333:project/*"}]}}]}
 ],
 "RoleDetailList": [
  {"RoleName": "builder", "Arn": "arn:aws:iam::333333333333:role/builder",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "deployer", "Arn": "arn:aws:iam::333333333333:role/deployer",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "spare-cb", "Arn": "arn:aws:iam::333333333333:role/spare-cb",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
 ],
 "GroupDetailList": [], "Policies": []
}`

// computeRunAuth is computeRun with another IAM fixture.
func computeRunAuth(t *testing.T, auth string, files ...string) (*Snapshot, []model.Edge) {
	t.Helper()
	s := New()
	for i, f := range files {
		if err := load(t, s, "inv"+string(rune('0'+i))+".json", f); err != nil {
			t.Fatal(err)
		}
	}
	if err := load(t, s, "auth.json", auth); err != nil {
		t.Fatal(err)
	}
	var out []model.Edge
	for _, e := range s.Edges() {
		if (e.Kind == "takeover" || e.Kind == "runs-as") && (strings.HasPrefix(e.To, "compute:") || strings.HasPrefix(e.From, "compute:")) {
			out = append(out, e)
		}
	}
	return s, out
}

func edgeLines(edges []model.Edge) []string {
	var out []string
	for _, e := range edges {
		l := short(e.From) + " -> " + short(e.To) + " " + e.Kind
		if strings.HasPrefix(e.From, "compute:") {
			l = "cb -> " + short(e.To) + " " + e.Kind
		} else if strings.HasPrefix(e.To, "compute:") {
			l = short(e.From) + " -> cb " + e.Kind
		}
		if e.Assumed {
			l += " (assumed)"
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return dedupe(out)
}

// TestCodeBuildInventory: the CodeBuild projects (batch-get-projects) make
// the CodeBuild runs-as edges exact, to the service roles of the projects
// (and of their batch builds), under the same region rules as EC2 and
// Lambda; StartBuild and UpdateProject are takeovers.
func TestCodeBuildInventory(t *testing.T) {
	const (
		app     = `{"name": "app", "arn": "arn:aws:codebuild:us-east-1:333333333333:project/app", "serviceRole": "arn:aws:iam::333333333333:role/builder"}`
		release = `{"name": "release", "arn": "arn:aws:codebuild:us-east-1:333333333333:project/release", "serviceRole": "arn:aws:iam::333333333333:role/deployer",
			"buildBatchConfig": {"serviceRole": "arn:aws:iam::333333333333:role/builder"}}`
		batchOnly = `{"name": "nightly", "arn": "arn:aws:codebuild:us-east-1:333333333333:project/nightly", "serviceRole": "arn:aws:iam::333333333333:role/builder",
			"buildBatchConfig": {"serviceRole": "arn:aws:iam::333333333333:role/spare-cb"}}`
		complete = `"Account": "333333333333", "Region": "us-east-1", "EnabledRegions": ["us-east-1"],`
		partial  = `"Account": "333333333333", "Region": "us-east-1", "EnabledRegions": ["us-east-1", "eu-west-1"],`
	)
	allAssumed := []string{"cb -> builder runs-as (assumed)", "cb -> deployer runs-as (assumed)", "cb -> spare-cb runs-as (assumed)", "dev -> cb takeover (assumed)", "ops -> cb takeover (assumed)"}
	cases := []struct {
		name  string
		files []string
		want  []string
		note  string // in the note of dev's takeover edge
	}{
		{"absent", nil, allAssumed, ""},
		{"complete", []string{`{` + complete + ` "projects": [` + app + `,` + release + `], "projectsNotFound": []}`},
			[]string{"cb -> builder runs-as", "cb -> deployer runs-as", "dev -> cb takeover", "ops -> cb takeover"}, "listed in the inputs: project app, project release"},
		{"batch service role", []string{`{` + complete + ` "projects": [` + batchOnly + `]}`},
			[]string{"cb -> builder runs-as", "cb -> spare-cb runs-as", "dev -> cb takeover", "ops -> cb takeover"}, "project nightly"},
		{"one region of two", []string{`{` + partial + ` "projects": [` + app + `]}`},
			[]string{"cb -> builder runs-as", "cb -> deployer runs-as (assumed)", "cb -> spare-cb runs-as (assumed)", "dev -> cb takeover", "ops -> cb takeover"}, "project app"},
		{"plain CLI output", []string{`{"projects": [` + app + `], "projectsNotFound": []}`},
			[]string{"cb -> builder runs-as", "cb -> deployer runs-as (assumed)", "cb -> spare-cb runs-as (assumed)", "dev -> cb takeover", "ops -> cb takeover"}, "project app"},
		{"complete, no project", []string{`{` + complete + ` "projects": []}`}, nil, ""},
		{"not a role", []string{`{` + complete + ` "projects": [{"name": "odd", "arn": "arn:aws:codebuild:us-east-1:333333333333:project/odd", "serviceRole": "builder"}]}`},
			allAssumed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, edges := computeRunAuth(t, codebuildAuth, c.files...)
			got := edgeLines(edges)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.note == "" {
				return
			}
			for _, e := range edges {
				if e.Kind == "takeover" && strings.HasSuffix(e.From, "user/dev") && !strings.Contains(e.Note, c.note) {
					t.Errorf("takeover note %q, want it to name %q", e.Note, c.note)
				}
			}
		})
	}
}

// TestCodeBuildInventoryWarnings: a service role that is not a role ARN,
// a project without an account and a file that names no account are
// warned about, with the file and the place.
func TestCodeBuildInventoryWarnings(t *testing.T) {
	s, _ := computeRunAuth(t, codebuildAuth,
		`{"Account": "333333333333", "projects": [{"name": "odd", "arn": "arn:aws:codebuild:us-east-1:333333333333:project/odd", "serviceRole": "builder"}]}`,
		`{"projects": [{"name": "lost", "serviceRole": "arn:aws:iam::333333333333:role/builder"}], "projectsNotFound": []}`)
	var all []string
	for _, w := range s.warnings {
		all = append(all, w.Where+": "+w.Message)
	}
	for _, want := range []string{
		`inv0.json: projects[0].serviceRole: project "odd": "builder" is not a role ARN`,
		`inv1.json: projects[0]: project "lost": no account`,
		"inv1.json: no account is named",
	} {
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("no warning %q in:\n%s", want, strings.Join(all, "\n"))
		}
	}
}
