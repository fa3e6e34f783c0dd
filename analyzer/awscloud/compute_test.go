package awscloud

import (
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const computeAuth = `{
 "UserDetailList": [
  {"UserName": "ops", "Arn": "arn:aws:iam::111111111111:user/ops", "UserPolicyList": [{"PolicyName": "ops", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:SendCommand", "lambda:UpdateFunctionCode"], "Resource": "*"}]}}]},
  {"UserName": "ops2", "Arn": "arn:aws:iam::222222222222:user/ops2", "UserPolicyList": [{"PolicyName": "ops", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:SendCommand"], "Resource": "*"}]}}]}
 ],
 "RoleDetailList": [
  {"RoleName": "web", "Arn": "arn:aws:iam::111111111111:role/web", "InstanceProfileList": [{"InstanceProfileName": "web", "Arn": "arn:aws:iam::111111111111:instance-profile/web"}],
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "batch", "Arn": "arn:aws:iam::111111111111:role/batch", "InstanceProfileList": [{"InstanceProfileName": "batch", "Arn": "arn:aws:iam::111111111111:instance-profile/batch"}],
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "spare", "Arn": "arn:aws:iam::111111111111:role/spare",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "fn", "Arn": "arn:aws:iam::111111111111:role/fn",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "fn-unused", "Arn": "arn:aws:iam::111111111111:role/fn-unused",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "other", "Arn": "arn:aws:iam::222222222222:role/other", "InstanceProfileList": [{"InstanceProfileName": "other", "Arn": "arn:aws:iam::222222222222:instance-profile/other"}],
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
 ],
 "GroupDetailList": [], "Policies": []
}`

const (
	ec2A    = "compute:aws:111111111111:ec2.amazonaws.com"
	lambdaA = "compute:aws:111111111111:lambda.amazonaws.com"
	ec2B    = "compute:aws:222222222222:ec2.amazonaws.com"
)

// computeEdges runs Edges on the fixture plus the inventory files and
// returns the takeover and runs-as edges as "from -> to kind" with
// " (assumed)" when assumed.
func computeEdges(t *testing.T, files ...string) []string {
	t.Helper()
	_, edges := computeRun(t, files...)
	var out []string
	for _, e := range edges {
		l := short(e.From) + " -> " + short(e.To) + " " + e.Kind
		if e.Assumed {
			l += " (assumed)"
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return dedupe(out)
}

// computeRun loads the inventory files (inv0.json, inv1.json...) and the
// fixture, and returns the snapshot and its takeover and runs-as edges
// into and out of compute nodes, but Image Builder's (its compute runs as
// the same EC2 roles; compute_imagebuilder_test.go tests it).
func computeRun(t *testing.T, files ...string) (*Snapshot, []model.Edge) {
	t.Helper()
	s := New()
	for i, f := range files {
		if err := load(t, s, "inv"+string(rune('0'+i))+".json", f); err != nil {
			t.Fatal(err)
		}
	}
	if err := load(t, s, "auth.json", computeAuth); err != nil {
		t.Fatal(err)
	}
	var out []model.Edge
	for _, e := range s.Edges() {
		if e.Kind != "takeover" && e.Kind != "runs-as" || !strings.HasPrefix(e.To, "compute:") && !strings.HasPrefix(e.From, "compute:") ||
			strings.HasSuffix(e.From, ":"+serviceImageBuilder) || strings.HasSuffix(e.To, ":"+serviceImageBuilder) {
			continue
		}
		out = append(out, e)
	}
	return s, out
}

// whole makes an inventory file complete for its account: it lists
// us-east-1, the only region enabled there.
func whole(file string) string {
	return `{"Region": "us-east-1", "EnabledRegions": ["us-east-1"],` + strings.TrimPrefix(strings.TrimSpace(file), "{")
}

func short(id string) string {
	switch id {
	case ec2A:
		return "ec2@A"
	case lambdaA:
		return "lambda@A"
	case ec2B:
		return "ec2@B"
	}
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

func dedupe(l []string) []string {
	var out []string
	for i, s := range l {
		if i == 0 || l[i-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// TestComputeInventory: with the inventory of a service in an account, the
// runs-as edges of that service there are exact and only to the roles some
// listed compute runs as; without it, they stay assumed.
func TestComputeInventory(t *testing.T) {
	assumedB := []string{"ec2@B -> other runs-as (assumed)", "ops2 -> ec2@B takeover (assumed)"}
	assumedEC2A := []string{"ec2@A -> batch runs-as (assumed)", "ec2@A -> spare runs-as (assumed)", "ec2@A -> web runs-as (assumed)", "ops -> ec2@A takeover (assumed)"}
	assumedLambdaA := []string{"lambda@A -> fn runs-as (assumed)", "lambda@A -> fn-unused runs-as (assumed)", "ops -> lambda@A takeover (assumed)"}
	join := func(ls ...[]string) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l...)
		}
		sort.Strings(out)
		return out
	}
	webInstance := `{"Reservations": [{"OwnerId": "111111111111", "Instances": [
		{"InstanceId": "i-0web", "State": {"Name": "running"}, "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/web"}},
		{"InstanceId": "i-0plain", "State": {"Name": "running"}},
		{"InstanceId": "i-0gone", "State": {"Name": "terminated"}, "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/batch"}}]}]}`
	cases := []struct {
		name  string
		files []string
		want  []string
	}{
		{"absent", nil, join(assumedB, assumedEC2A, assumedLambdaA)},
		{"instance with a profile", []string{whole(webInstance)},
			join(assumedB, assumedLambdaA, []string{"ec2@A -> web runs-as", "ops -> ec2@A takeover"})},
		{"no instance", []string{whole(`{"Account": "111111111111", "Reservations": []}`)},
			join(assumedB, assumedLambdaA)},
		{"instances without a profile", []string{whole(`{"Reservations": [{"OwnerId": "111111111111", "Instances": [{"InstanceId": "i-1"}]}]}`)},
			join(assumedB, assumedLambdaA)}, // compute that runs as no role takes no one anywhere
		{"unknown profile stays assumed", []string{whole(`{"Reservations": [{"OwnerId": "111111111111", "Instances": [
			{"InstanceId": "i-1", "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/nowhere"}}]}]}`)},
			join(assumedB, assumedEC2A, assumedLambdaA)},
		{"profile from list-instance-profiles", []string{whole(`{"Reservations": [{"OwnerId": "111111111111", "Instances": [
			{"InstanceId": "i-1", "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/spare-profile"}}]}]}`),
			`{"InstanceProfiles": [{"InstanceProfileName": "spare-profile", "Arn": "arn:aws:iam::111111111111:instance-profile/spare-profile",
			  "Roles": [{"RoleName": "spare", "Arn": "arn:aws:iam::111111111111:role/spare"}]}]}`},
			join(assumedB, assumedLambdaA, []string{"ec2@A -> spare runs-as", "ops -> ec2@A takeover"})},
		{"another account's inventory", []string{whole(`{"Reservations": [{"OwnerId": "222222222222", "Instances": [
			{"InstanceId": "i-2", "IamInstanceProfile": {"Arn": "arn:aws:iam::222222222222:instance-profile/other"}}]}]}`)},
			join(assumedEC2A, assumedLambdaA, []string{"ec2@B -> other runs-as", "ops2 -> ec2@B takeover"})},
		{"function with a role", []string{whole(`{"Functions": [{"FunctionName": "resize", "FunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:resize",
			"Role": "arn:aws:iam::111111111111:role/fn"}]}`)},
			join(assumedB, assumedEC2A, []string{"lambda@A -> fn runs-as", "ops -> lambda@A takeover"})},
		{"no function", []string{whole(`{"Account": "111111111111", "Functions": []}`)},
			join(assumedB, assumedEC2A)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := computeEdges(t, c.files...)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
