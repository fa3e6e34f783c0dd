package analyzer

import (
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Transitive answers never cross an account, project or subscription
// boundary that nothing lets them cross (issue 18): an administrator of one
// account holds nothing in another by itself; a trust policy, a resource
// policy or a binding is the bridge, and the path names it.

const (
	acctA = "111111111111"
	acctB = "222222222222"
	repoA = "arn:aws:ecr:us-east-1:" + acctA + ":repository/app"
)

func awsIAM(account string, users, roles []string) string {
	return `{"UserDetailList": [` + strings.Join(users, ",") + `], "GroupDetailList": [], "RoleDetailList": [` + strings.Join(roles, ",") + `], "Policies": []}`
}

func awsUser(account, name, statements string) string {
	return `{"UserName": "` + name + `", "Arn": "arn:aws:iam::` + account + `:user/` + name + `", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [` + statements + `]}}]}`
}

func awsRole(account, name, trustPrincipal, statements string) string {
	return `{"RoleName": "` + name + `", "Arn": "arn:aws:iam::` + account + `:role/` + name + `",
	  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "` + trustPrincipal + `"}, "Action": "sts:AssumeRole"}]},
	  "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [` + statements + `]}}]}`
}

const allowAll = `{"Effect": "Allow", "Action": "*", "Resource": "*"}`

// The two accounts; trustB is who A's pipeline role trusts besides A, and
// extra is a statement of A's repository policy.
func twoAccounts(t *testing.T, trustB, extra string) string {
	pipelineTrust := "arn:aws:iam::" + acctA + ":root"
	if trustB != "" {
		pipelineTrust = trustB
	}
	a := awsIAM(acctA, nil, []string{
		awsRole(acctA, "pipeline", pipelineTrust, `{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}`),
	})
	b := awsIAM(acctB, []string{
		awsUser(acctB, "self-editor", `{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::`+acctB+`:user/self-editor"}`),
		awsUser(acctB, "reader", `{"Effect": "Allow", "Action": "ecr:Describe*", "Resource": "*"}`),
	}, []string{
		awsRole(acctB, "admin", "arn:aws:iam::"+acctB+":root", allowAll),
		awsRole(acctB, "deployer", "arn:aws:iam::"+acctB+":root", `{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}`),
	})
	policy := `{"Version": "2012-10-17", "Statement": [{"Sid": "PipelineOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + acctA + `:role/pipeline"}, "Action": "ecr:PutImage"}` + extra + `]}`
	repos := `{"repositories": [{"repositoryArn": "` + repoA + `", "repositoryName": "app", "registryId": "` + acctA + `"}]}`
	repoPolicy := `{"registryId": "` + acctA + `", "repositoryName": "app", "repositoryArn": "` + repoA + `", "policyText": ` + quoteJSON(policy) + `}`
	return writeFiles(t, map[string]string{"iam-a.json": a, "iam-b.json": b, "repos.json": repos, "repo-policy.json": repoPolicy})
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func whoCanIDs(t *testing.T, dir, permission, resource string) map[string]model.Answer {
	t.Helper()
	res, err := WhoCan(Options{Paths: []string{dir}}, permission, resource)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Answer{}
	for _, a := range res.Principals {
		out[a.ID] = a
	}
	return out
}

func keys(m map[string]model.Answer) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestAWSNoBridgeNoCrossing(t *testing.T) {
	dir := twoAccounts(t, "", "")
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	want := []string{"arn:aws:iam::" + acctA + ":role/pipeline"}
	if strings.Join(keys(got), " ") != strings.Join(want, " ") {
		t.Errorf("nothing in %s trusts %s: only A's pipeline may push; got %v", acctA, acctB, keys(got))
	}
	// In its own account the administrator still reaches everything.
	own := whoCanIDs(t, dir, "ecr:PutImage", "arn:aws:ecr:us-east-1:"+acctB+":repository/own")
	for _, p := range []string{"role/admin", "user/self-editor"} {
		if _, ok := own["arn:aws:iam::"+acctB+":"+p]; !ok {
			t.Errorf("%s can push in its own account: %v", p, keys(own))
		}
	}
}

func TestAWSTrustBridge(t *testing.T) {
	deployer := "arn:aws:iam::" + acctB + ":role/deployer"
	dir := twoAccounts(t, deployer, "")
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	b := func(p string) string { return "arn:aws:iam::" + acctB + ":" + p }
	want := []string{"arn:aws:iam::" + acctA + ":role/pipeline", b("role/admin"), b("role/deployer"), b("user/self-editor")}
	sort.Strings(want)
	if strings.Join(keys(got), " ") != strings.Join(want, " ") {
		t.Errorf("A's pipeline trusts B's deployer: exactly those who reach the deployer push; got %v, want %v", keys(got), want)
	}
	for _, id := range want[1:] {
		a := got[id]
		if a.Resource != repoA {
			t.Errorf("%s: resource %q, want the repository", id, a.Resource)
		}
		crossed := false
		for _, s := range a.Path {
			if s.Kind == "assume-role" && s.To == "arn:aws:iam::"+acctA+":role/pipeline" {
				crossed = true
			}
		}
		if n := len(a.Path); n > 0 && graphIsAdmin(a.Path[n-1].To) {
			t.Errorf("%s: the path ends at an admin node of B instead of crossing into A: %+v", id, a.Path)
		}
		if !crossed {
			t.Errorf("%s: the path does not name the assume-role step into %s: %+v", id, acctA, a.Path)
		}
	}
}

func TestAWSResourcePolicyBridge(t *testing.T) {
	grant := `, {"Sid": "AccountB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + acctB + `:root"}, "Action": "ecr:PutImage"}`
	dir := twoAccounts(t, "", grant)
	got := whoCanIDs(t, dir, "ecr:PutImage", repoA)
	b := func(p string) string { return "arn:aws:iam::" + acctB + ":" + p }
	for _, id := range []string{b("role/admin"), b("user/self-editor")} {
		a, ok := got[id]
		if !ok {
			t.Errorf("the repository policy admits account B: %s should push; got %v", id, keys(got))
			continue
		}
		named := false
		for _, g := range a.Via {
			named = named || g.Statement == "AccountB"
		}
		if !named {
			t.Errorf("%s: the answer does not name the repository policy's grant to B: %+v", id, a.Via)
		}
	}
	if _, ok := got[b("user/reader")]; ok {
		t.Error("B's reader has no push permission and no escalation")
	}
	// The deployer can assume B's admin role, which the grant admits.
	if a, ok := got[b("role/deployer")]; !ok || len(a.Path) != 1 || a.Path[0].To != b("role/admin") {
		t.Errorf("B's deployer reaches the repository through B's admin role: %+v", a)
	}
}

func graphIsAdmin(id string) bool { return strings.HasPrefix(id, model.AdminPrefix) }
