package analyzer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/awscloud"
)

const pathfindingDir = "../../shared/datasets/pathfinding-paths"

type pathfindingPath struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Category    string `yaml:"category"`
	Permissions struct {
		Required []struct {
			Permission string `yaml:"permission"`
		} `yaml:"required"`
	} `yaml:"permissions"`
}

// ledger reads the table of docs/escalation.md: path id -> status.
func ledger(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../docs/escalation.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		id, status := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[3])
		if status == "modelled" || status == "not modelled" {
			out[id] = status
		}
	}
	return out
}

// TestPathfindingCoverage: every documented AWS escalation path is either
// detected by a fixture built from its required permissions, or listed as
// not modelled in docs/escalation.md.
func TestPathfindingCoverage(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pathfindingDir, "*", "*.yaml"))
	if len(files) == 0 {
		t.Skipf("%s absent (../shared exists only in the imagewarden workplace)", pathfindingDir)
	}
	led := ledger(t)
	modelled := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p pathfindingPath
		if err := yaml.Unmarshal(neededSections(b), &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.ID == "" || len(p.Permissions.Required) == 0 {
			t.Fatalf("%s: no id or required permissions", f)
		}
		status, listed := led[p.ID]
		if !listed {
			t.Errorf("%s (%s) is not in docs/escalation.md", p.ID, p.Name)
			continue
		}
		if status != "modelled" {
			continue
		}
		modelled++
		t.Run(p.ID, func(t *testing.T) {
			var perms []string
			for _, r := range p.Permissions.Required {
				perms = append(perms, r.Permission)
			}
			dir := writeFiles(t, map[string]string{"iam.json": pathFixture(t, p.ID, perms)})
			paths := pathsOf(t, dir)
			attacker := "arn:aws:iam::111122223333:user/attacker"
			if selfRole(perms) {
				attacker = "arn:aws:iam::111122223333:role/attacker"
			}
			got, ok := paths[attacker+"|image.push"]
			if !ok {
				t.Fatalf("%s (%s): no path from the attacker to image.push", p.ID, p.Name)
			}
			t.Logf("%s: %s", p.ID, describe(got.Steps))
		})
	}
	t.Logf("%d of %d documented paths are modelled and detected", modelled, len(files))
}

// selfRole: paths that change a role's own policies start from a role.
func selfRole(perms []string) bool {
	return len(perms) == 1 && (perms[0] == "iam:PutRolePolicy" || perms[0] == "iam:AttachRolePolicy")
}

func describe(steps any) string {
	b, _ := json.Marshal(steps)
	return string(b)
}

// pathFixture builds an account where an attacker holds exactly the path's
// required permissions on every resource, beside the principals the path
// needs: a role that can push images and trusts the account and the
// service the path runs, a user that can push, a group with
// administrative access, and the attacker's own group and managed policy.
func pathFixture(t *testing.T, id string, perms []string) string {
	t.Helper()
	const acct = "111122223333"
	service := "ec2.amazonaws.com"
	for svc, acts := range awscloud.ServiceRunners() {
		for _, a := range acts {
			for _, p := range perms {
				if strings.EqualFold(a, p) {
					service = svc
				}
			}
		}
	}
	for svc, sets := range awscloud.ServiceTakeovers() {
		for _, set := range sets {
			for _, a := range set {
				for _, p := range perms {
					if strings.EqualFold(a, p) {
						service = svc
					}
				}
			}
		}
	}
	doc := func(effect string, actions []string) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": effect, "Action": actions, "Resource": "*"}}}
	}
	push := []any{map[string]any{"PolicyName": "push", "PolicyDocument": doc("Allow", []string{"ecr:PutImage"})}}
	attackerPolicy := map[string]any{"PolicyName": "attacker-policy", "Arn": "arn:aws:iam::" + acct + ":policy/attacker-policy", "DefaultVersionId": "v1",
		"PolicyVersionList": []any{map[string]any{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc("Allow", perms)}}}
	attached := []any{map[string]any{"PolicyName": "attacker-policy", "PolicyArn": "arn:aws:iam::" + acct + ":policy/attacker-policy"}}
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "sts:AssumeRole"},
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole"},
	}}
	users := []any{
		map[string]any{"UserName": "victim", "Arn": "arn:aws:iam::" + acct + ":user/victim", "UserPolicyList": push},
	}
	roles := []any{
		map[string]any{"RoleName": "target", "Arn": "arn:aws:iam::" + acct + ":role/target", "AssumeRolePolicyDocument": trust, "RolePolicyList": push},
	}
	if selfRole(perms) {
		roles = append(roles, map[string]any{"RoleName": "attacker", "Arn": "arn:aws:iam::" + acct + ":role/attacker",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
			"AttachedManagedPolicies":  attached})
	} else {
		users = append(users, map[string]any{"UserName": "attacker", "Arn": "arn:aws:iam::" + acct + ":user/attacker", "GroupList": []string{"attackers"}, "AttachedManagedPolicies": attached})
	}
	groups := []any{
		map[string]any{"GroupName": "attackers", "Arn": "arn:aws:iam::" + acct + ":group/attackers"},
		map[string]any{"GroupName": "admins", "Arn": "arn:aws:iam::" + acct + ":group/admins", "GroupPolicyList": []any{map[string]any{"PolicyName": "admin", "PolicyDocument": doc("Allow", []string{"*"})}}},
	}
	b, err := json.Marshal(map[string]any{"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": []any{attackerPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// neededSections keeps the top-level sections the test reads (id, name,
// category, permissions): some files of the dataset repeat an unrelated
// key (learningEnvironments), which a strict YAML decoder refuses.
func neededSections(b []byte) []byte {
	var out []string
	keep := false
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && line[0] != ' ' && line[0] != '-' && line[0] != '#' {
			key, _, _ := strings.Cut(line, ":")
			keep = key == "id" || key == "name" || key == "category" || key == "permissions"
		}
		if keep {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
