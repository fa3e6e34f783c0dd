package aws

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	cases := []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
	}{
		{"user", ValidUserName,
			[]string{"alice", "ci-bot", "a", "x_y+z=w,v.u@t-s", "-leading-dash", strings.Repeat("u", 64)},
			[]string{"", strings.Repeat("u", 65), "ci$(touch PWNED)", "a b", "a;b", "a/b", "a:b", "é", "a\nb", "a'b", "a`b`", "*", "~"}},
		{"role", ValidRoleName,
			[]string{"OrganizationAccountAccessRole", "EC2ImageBuilderInstance", strings.Repeat("r", 64)},
			[]string{strings.Repeat("r", 65), "role|x", "role&&x"}},
		{"group", ValidGroupName,
			[]string{"developers", strings.Repeat("g", 128)},
			[]string{strings.Repeat("g", 129), "dev\rx"}},
		{"policy", ValidPolicyName,
			[]string{"legacy-build", "imagewarden-deny-image-actions-carol", strings.Repeat("p", 128)},
			[]string{strings.Repeat("p", 129), "p\\q", "p\"q"}},
		{"path", ValidPath,
			[]string{"/", "/service-role/", "/a/b/", "/$(touch${IFS}PWNED)/", "/'\"`;|&<>*~\\/"},
			[]string{"", "a/", "/a", "/a b/", "/a\nb/", "/é/", "/" + strings.Repeat("p", 511) + "/"}},
		{"account", ValidAccountID,
			[]string{"210987654321", "000000000000"},
			[]string{"", "21098765432", "2109876543210", "21098765432a", "aws"}},
		{"region", ValidRegion,
			[]string{"us-east-1", "eu-central-2", "us-gov-west-1", "cn-northwest-1", "ap-southeast-5", "us-isob-east-1"},
			[]string{"", "us-east", "US-EAST-1", "us-east-1;x", "us east 1", "useast1"}},
		{"repository", ValidRepositoryName,
			[]string{"apps/checkout", "legacy/jenkins-agent", "a.b_c-d/e", "ab", strings.Repeat("r", 256)},
			[]string{"", "a", strings.Repeat("r", 257), "Apps/web", "apps//web", "/apps", "apps/", "apps/-web", "apps/web`x`", "a b"}},
		{"root", ValidRootID,
			[]string{"r-ab12", "r-0123456789abcdefghijklmnopqrstuv"},
			[]string{"", "r-ab1", "R-ab12", "r-ab12 && x", "ou-ab12-34567890"}},
	}
	for _, c := range cases {
		for _, v := range c.ok {
			if err := c.check(v); err != nil {
				t.Errorf("%s %q: %v", c.name, v, err)
			}
		}
		for _, v := range c.bad {
			err := c.check(v)
			if err == nil {
				t.Errorf("%s %q was accepted", c.name, v)
				continue
			}
			if strings.ContainsAny(v, "$`;|&\n\r'\"\\ ") && strings.Contains(err.Error(), v) {
				t.Errorf("%s: the error quotes the value: %v", c.name, err)
			}
		}
	}
}

func TestValidPrincipalName(t *testing.T) {
	if ValidPrincipalName("user", strings.Repeat("u", 64)) != nil || ValidPrincipalName("group", strings.Repeat("g", 128)) != nil {
		t.Error("valid names refused")
	}
	if ValidPrincipalName("role", strings.Repeat("r", 65)) == nil || ValidPrincipalName("managed", "x") == nil {
		t.Error("invalid names accepted")
	}
}

func TestValidIAMARN(t *testing.T) {
	ok := []struct{ arn, kind string }{
		{"arn:aws:iam::210987654321:user/alice", "user"},
		{"arn:aws:iam::210987654321:role/service-role/builder", "role"},
		{"arn:aws:iam::210987654321:group/developers", "group"},
		{"arn:aws:iam::210987654321:policy/legacy-build", "policy"},
		{"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "policy"},
		{"arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole", "policy"},
		{"arn:aws-us-gov:iam::210987654321:policy/p", "policy"},
		{"arn:aws:iam::210987654321:policy/$(touch${IFS}PWNED)/legacy-build", "policy"},
	}
	for _, c := range ok {
		if err := ValidIAMARN(c.arn, c.kind); err != nil {
			t.Errorf("%s: %v", c.arn, err)
		}
	}
	bad := []struct{ arn, kind string }{
		{"", "policy"},
		{"arn:aws:iam::210987654321:policy/legacy-build", "user"},
		{"arn:aws:iam::aws:user/alice", "user"},
		{"arn:aws:s3:::bucket", "policy"},
		{"arn:aws:iam:us-east-1:210987654321:policy/p", "policy"},
		{"arn:aws:iam::21098765432:policy/p", "policy"},
		{"arn:aws:iam::210987654321:policy/p q", "policy"},
		{"arn:aws:iam::210987654321:policy/$(touch PWNED)/p", "policy"},
		{"arn:aws:iam::210987654321:policy/a/p$(x)", "policy"},
		{"arn:aws:iam::210987654321:policy/", "policy"},
		{"arn:evil:iam::210987654321:policy/p", "policy"},
		{"arn:aws:iam::210987654321:policy/p\n", "policy"},
	}
	for _, c := range bad {
		if ValidIAMARN(c.arn, c.kind) == nil {
			t.Errorf("%q accepted as the ARN of a %s", c.arn, c.kind)
		}
	}
}
