package awscloud

import (
	"fmt"
	"strings"
	"testing"
)

// The Image Builder path: a principal that may pass a role trusting EC2,
// create an infrastructure configuration and start a build runs code as
// the role without ec2:RunInstances; one action short of a route, it
// does not.
func TestImageBuilderPassRoleRoute(t *testing.T) {
	const acct = "111122223333"
	builderRole := "arn:aws:iam::" + acct + ":role/build-instance"
	for _, c := range []struct {
		name    string
		actions []string
		want    bool
	}{
		{"image of an existing recipe", []string{"iam:PassRole", "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImage"}, true},
		{"pipeline it starts", []string{"iam:PassRole", "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImagePipeline", "imagebuilder:StartImagePipelineExecution"}, true},
		{"pipeline never started", []string{"iam:PassRole", "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImagePipeline"}, false},
		{"no infrastructure configuration", []string{"iam:PassRole", "imagebuilder:CreateImage"}, false},
		{"no PassRole", []string{"imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImage"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			acts := `"` + strings.Join(c.actions, `","`) + `"`
			doc := fmt.Sprintf(`{"UserDetailList":[{"UserName":"dev","Arn":"arn:aws:iam::%[1]s:user/dev","UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[%[2]s],"Resource":"*"}]}}]}],
				"RoleDetailList":[{"RoleName":"build-instance","Arn":%[3]q,"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},
				"RolePolicyList":[{"PolicyName":"push","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}}]}]}`, acct, acts, builderRole)
			s := New()
			if err := load(t, s, "iam.json", doc); err != nil {
				t.Fatal(err)
			}
			got := false
			for _, e := range s.Edges() {
				if e.From == "arn:aws:iam::"+acct+":user/dev" && e.Kind == "pass-role" && strings.Contains(e.To, "ec2.amazonaws.com") || e.To == builderRole && e.Kind == "pass-role" {
					got = true
				}
			}
			if got != c.want {
				t.Errorf("pass-role edge to EC2's launch (or the role): %v, want %v", got, c.want)
			}
		})
	}
}
