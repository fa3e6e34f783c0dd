package awscloud

import (
	"sort"
	"strings"
	"testing"
)

// imageBuilderAuth: in account 444444444444, starter may start pipelines,
// infra may change infrastructure configurations; build-a (instance
// profile build-a), build-b (profile known from list-instance-profiles
// only) and spare-ec2 trust EC2; ib-exec trusts Image Builder itself (an
// execution role, which builds do not run as).
const imageBuilderAuth = `{
 "UserDetailList": [
  {"UserName": "starter", "Arn": "arn:aws:iam::444444444444:user/starter", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "imagebuilder:StartImagePipelineExecution", "Resource": "*"}]}}]},
  {"UserName": "infra", "Arn": "arn:aws:iam::444444444444:user/infra", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "imagebuilder:UpdateInfrastructureConfiguration", "Resource": "arn:aws:imagebuilder:*:444444444444:infrastructure-configuration/*"}]}}]}
 ],
 "RoleDetailList": [
  {"RoleName": "build-a", "Arn": "arn:aws:iam::444444444444:role/build-a", "InstanceProfileList": [{"InstanceProfileName": "build-a", "Arn": "arn:aws:iam::444444444444:instance-profile/build-a"}],
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "build-b", "Arn": "arn:aws:iam::444444444444:role/build-b",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "spare-ec2", "Arn": "arn:aws:iam::444444444444:role/spare-ec2",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "ib-exec", "Arn": "arn:aws:iam::444444444444:role/ib-exec",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "imagebuilder.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
 ],
 "GroupDetailList": [], "Policies": []
}`

// ibLines: the Image Builder edges as "ib -> role kind" and
// "user -> ib kind", with " (assumed)".
func ibLines(t *testing.T, files ...string) ([]string, map[string]string) {
	t.Helper()
	_, edges := computeRunAuth(t, imageBuilderAuth, files...)
	var out []string
	notes := map[string]string{}
	for _, e := range edges {
		var l string
		switch {
		case e.From == computeNode("444444444444", serviceImageBuilder):
			l = "ib -> " + short(e.To) + " " + e.Kind
		case e.To == computeNode("444444444444", serviceImageBuilder):
			l = short(e.From) + " -> ib " + e.Kind
		default:
			continue
		}
		notes[l] = e.Note
		if e.Assumed {
			l += " (assumed)"
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return dedupe(out), notes
}

// TestImageBuilderInventory: the infrastructure configurations of the image
// inventory make the Image Builder edges exact: builds run as the roles
// of their instance profile (roles that trust EC2, found by the profile's
// name in the IAM export or list-instance-profiles), under the region
// rules of the other services; StartImagePipelineExecution and
// UpdateInfrastructureConfiguration are takeovers; the role that trusts
// imagebuilder.amazonaws.com is never a build's role.
func TestImageBuilderInventory(t *testing.T) {
	inventory := func(fields, infra string) string {
		return `{"ImageInventory": {"Account": "444444444444", ` + fields + `
		 "ImagePipelines": [{"arn": "arn:aws:imagebuilder:us-east-1:444444444444:image-pipeline/golden-base", "name": "golden-base",
		   "infrastructureConfigurationArn": "arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/golden"}]` + infra + `}}`
	}
	const (
		complete = `"Region": "us-east-1", "EnabledRegions": ["us-east-1"],`
		partial  = `"Region": "us-east-1", "EnabledRegions": ["us-east-1", "eu-west-1"],`
		golden   = `, "InfrastructureConfigurations": [{"arn": "arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/golden", "name": "golden", "instanceProfileName": "build-a"}]`
	)
	allAssumed := []string{"ib -> build-a runs-as (assumed)", "ib -> build-b runs-as (assumed)", "ib -> spare-ec2 runs-as (assumed)", "infra -> ib takeover (assumed)", "starter -> ib takeover (assumed)"}
	cases := []struct {
		name  string
		files []string
		want  []string
	}{
		{"absent", nil, allAssumed},
		{"not collected", []string{inventory(complete, "")}, allAssumed},
		{"complete", []string{inventory(complete, golden)}, []string{"ib -> build-a runs-as", "infra -> ib takeover", "starter -> ib takeover"}},
		{"one region of two", []string{inventory(partial, golden)},
			[]string{"ib -> build-a runs-as", "ib -> build-b runs-as (assumed)", "ib -> spare-ec2 runs-as (assumed)", "infra -> ib takeover", "starter -> ib takeover"}},
		{"complete, none", []string{inventory(complete, `, "InfrastructureConfigurations": []`)}, nil},
		{"unknown profile", []string{inventory(complete, `, "InfrastructureConfigurations": [{"arn": "arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/x", "name": "x", "instanceProfileName": "nowhere"}]`)},
			allAssumed},
		{"profile from list-instance-profiles", []string{
			inventory(complete, `, "InfrastructureConfigurations": [{"arn": "arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/b", "name": "b", "instanceProfileName": "build-b-profile"}]`),
			`{"InstanceProfiles": [{"InstanceProfileName": "build-b-profile", "Arn": "arn:aws:iam::444444444444:instance-profile/ci/build-b-profile", "Roles": [{"Arn": "arn:aws:iam::444444444444:role/build-b"}]}]}`},
			[]string{"ib -> build-b runs-as", "infra -> ib takeover", "starter -> ib takeover"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, notes := ibLines(t, c.files...)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.name == "complete" {
				const want = "infrastructure configuration golden (pipeline golden-base)"
				if n := notes["ib -> build-a runs-as"]; !strings.Contains(n, want) {
					t.Errorf("runs-as note %q, want it to name %q", n, want)
				}
				if n := notes["starter -> ib takeover"]; !strings.Contains(n, want) {
					t.Errorf("takeover note %q, want it to name %q", n, want)
				}
			}
		})
	}
}

// TestImageBuilderInventoryWarnings: a configuration without
// instanceProfileName (listed with list-infrastructure-configurations
// instead of get-infrastructure-configuration) is warned about, with its
// place, and leaves the edges assumed.
func TestImageBuilderInventoryWarnings(t *testing.T) {
	s, _ := computeRunAuth(t, imageBuilderAuth, `{"ImageInventory": {"Account": "444444444444", "Region": "us-east-1", "EnabledRegions": ["us-east-1"],
		"InfrastructureConfigurations": [{"arn": "arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/x", "name": "x"}]}}`)
	found := false
	for _, w := range s.warnings {
		if w.Where == "inv0.json: ImageInventory.InfrastructureConfigurations[0].instanceProfileName" && strings.Contains(w.Message, "stay assumed") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning on the missing instanceProfileName: %+v", s.warnings)
	}
}
