// Command planresources writes a Terraform plan (the JSON of terraform
// show -json) of N resource changes against the account of the 1,643-role
// input (analyzer/internal/cmd/managedroles), for measuring diff --plan at
// size (docs/performance.md):
//
//	go run ./analyzer/internal/cmd/planresources -n 500 -roles /tmp/managed-roles.json > /tmp/plan500.json
//	imagewarden diff --plan /tmp/plan500.json --context /tmp/managed-roles.json -f json -o /dev/null
//
// The changes cycle through four kinds, deterministically: an inline
// policy on an existing role (one in three pushes to ECR), a managed policy
// attached to an existing role, a new customer managed policy, and a new
// role trusted by another role of the account.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	n := flag.Int("n", 500, "resource changes")
	roles := flag.String("roles", "", "the 1,643-role input (get-account-authorization-details)")
	flag.Parse()
	if err := run(*n, *roles); err != nil {
		fmt.Fprintln(os.Stderr, "planresources:", err)
		os.Exit(2)
	}
}

func run(n int, rolesFile string) error {
	b, err := os.ReadFile(rolesFile)
	if err != nil {
		return err
	}
	var in struct {
		RoleDetailList []struct{ RoleName, Arn string }
		Policies       []struct{ Arn string }
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("%s: %w", rolesFile, err)
	}
	if len(in.RoleDetailList) == 0 || len(in.Policies) == 0 {
		return fmt.Errorf("%s: no roles or no managed policies", rolesFile)
	}
	acct := strings.Split(in.RoleDetailList[0].Arn, ":")[4]
	doc := func(actions []string, resource string) string {
		b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": resource}}})
		return string(b)
	}
	var changes, planned, config []any
	for i := 0; i < n; i++ {
		role := in.RoleDetailList[(i*7)%len(in.RoleDetailList)].RoleName
		var typ, name string
		var after map[string]any
		switch i % 4 {
		case 0:
			typ, name = "aws_iam_role_policy", fmt.Sprintf("inline_%d", i)
			acts := []string{"s3:GetObject"}
			if i%3 == 0 {
				acts = []string{"ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"}
			}
			after = map[string]any{"name": name, "role": role, "policy": doc(acts, "*")}
		case 1:
			typ, name = "aws_iam_role_policy_attachment", fmt.Sprintf("attach_%d", i)
			after = map[string]any{"role": role, "policy_arn": in.Policies[(i*13)%len(in.Policies)].Arn}
		case 2:
			typ, name = "aws_iam_policy", fmt.Sprintf("policy_%d", i)
			after = map[string]any{"name": name, "path": "/", "policy": doc([]string{"ec2:DescribeImages"}, "*"),
				"arn": fmt.Sprintf("arn:aws:iam::%s:policy/%s", acct, name)}
		case 3:
			typ, name = "aws_iam_role", fmt.Sprintf("role_%d", i)
			trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"AWS": in.RoleDetailList[(i*11)%len(in.RoleDetailList)].Arn}}}})
			after = map[string]any{"name": name, "path": "/", "assume_role_policy": string(trust), "arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, name),
				"inline_policy": []any{}, "managed_policy_arns": []any{}}
		}
		addr := typ + "." + name
		changes = append(changes, map[string]any{"address": addr, "mode": "managed", "type": typ, "name": name,
			"change": map[string]any{"actions": []string{"create"}, "before": nil, "after": after, "after_unknown": map[string]any{}}})
		planned = append(planned, map[string]any{"address": addr, "mode": "managed", "type": typ, "name": name, "values": after})
		config = append(config, map[string]any{"address": addr, "mode": "managed", "type": typ, "name": name})
	}
	plan := map[string]any{
		"format_version": "1.2", "terraform_version": "1.9.8",
		"planned_values":   map[string]any{"root_module": map[string]any{"resources": planned}},
		"resource_changes": changes,
		"configuration":    map[string]any{"root_module": map[string]any{"resources": config}},
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(plan)
}
