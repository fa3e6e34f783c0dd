package awscloud

import (
	"sort"
	"strings"
	"testing"
)

// ecsAuth: in account 555555555555, runner may run tasks and shell may
// open a shell in one; web-task, ecs-exec (an execution role),
// override-role and spare-task trust ecs-tasks.amazonaws.com.
const ecsAuth = `{
 "UserDetailList": [
  {"UserName": "runner", "Arn": "arn:aws:iam::555555555555:user/runner", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"}]}}]},
  {"UserName": "shell", "Arn": "arn:aws:iam::555555555555:user/shell", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
   {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:ExecuteCommand", "Resource": "arn:aws:ecs:*:555555555555:task/*"}]}}]}
 ],
 "RoleDetailList": [
  {"RoleName": "web-task", "Arn": "arn:aws:iam::555555555555:role/web-task",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "ecs-exec", "Arn": "arn:aws:iam::555555555555:role/ecs-exec",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "override-role", "Arn": "arn:aws:iam::555555555555:role/override-role",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
  {"RoleName": "spare-task", "Arn": "arn:aws:iam::555555555555:role/spare-task",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
 ],
 "GroupDetailList": [], "Policies": []
}`

// TestECSInventory: the ECS inventory makes the ECS edges exact: tasks run
// as the task role of their definition, or the one in their overrides;
// the execution role, which only the ECS agent uses, gets no edge from a
// complete inventory; without the running tasks, or without every
// enabled region, the inventory is partial.
func TestECSInventory(t *testing.T) {
	const (
		web = `{"taskDefinitionArn": "arn:aws:ecs:us-east-1:555555555555:task-definition/web:3", "family": "web", "revision": 3, "status": "ACTIVE",
			"taskRoleArn": "arn:aws:iam::555555555555:role/web-task", "executionRoleArn": "arn:aws:iam::555555555555:role/ecs-exec"}`
		batch = `{"taskDefinitionArn": "arn:aws:ecs:us-east-1:555555555555:task-definition/batch:1", "family": "batch", "revision": 1, "status": "ACTIVE",
			"executionRoleArn": "arn:aws:iam::555555555555:role/ecs-exec"}`
		services = `"services": [{"serviceName": "web", "taskDefinition": "arn:aws:ecs:us-east-1:555555555555:task-definition/web:3"}]`
		override = `{"taskArn": "arn:aws:ecs:us-east-1:555555555555:task/main/t2", "taskDefinitionArn": "arn:aws:ecs:us-east-1:555555555555:task-definition/batch:1",
			"overrides": {"containerOverrides": [], "taskRoleArn": "arn:aws:iam::555555555555:role/override-role"}}`
		complete = `"Account": "555555555555", "Region": "us-east-1", "EnabledRegions": ["us-east-1"],`
		partial  = `"Account": "555555555555", "Region": "us-east-1", "EnabledRegions": ["us-east-1", "eu-west-1"],`
	)
	file := func(fields, defs, tasks string) string {
		return `{` + fields + ` "taskDefinitions": [` + defs + `], ` + services + tasks + `}`
	}
	allAssumed := []string{"ecs -> ecs-exec runs-as (assumed)", "ecs -> override-role runs-as (assumed)", "ecs -> spare-task runs-as (assumed)",
		"ecs -> web-task runs-as (assumed)", "runner -> ecs takeover (assumed)", "shell -> ecs takeover (assumed)"}
	cases := []struct {
		name  string
		files []string
		want  []string
		note  string // in the note of the assumed edge to spare-task
	}{
		{"absent", nil, allAssumed, "the inputs list no such compute"},
		{"complete", []string{file(complete, web+","+batch, `, "tasks": [`+override+`]`)},
			[]string{"ecs -> override-role runs-as", "ecs -> web-task runs-as", "runner -> ecs takeover", "shell -> ecs takeover"}, ""},
		{"no running tasks", []string{file(complete, web+","+batch, "")},
			[]string{"ecs -> ecs-exec runs-as (assumed)", "ecs -> override-role runs-as (assumed)", "ecs -> spare-task runs-as (assumed)",
				"ecs -> web-task runs-as", "runner -> ecs takeover", "shell -> ecs takeover"}, "lists no running tasks"},
		{"one region of two", []string{file(partial, web, `, "tasks": []`)},
			[]string{"ecs -> ecs-exec runs-as (assumed)", "ecs -> override-role runs-as (assumed)", "ecs -> spare-task runs-as (assumed)",
				"ecs -> web-task runs-as", "runner -> ecs takeover", "shell -> ecs takeover"}, "not eu-west-1"},
		{"complete, no task role", []string{file(complete, batch, `, "tasks": []`)}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, edges := computeRunAuth(t, ecsAuth, c.files...)
			var got []string
			notes := map[string]string{}
			node := computeNode("555555555555", serviceECSTasks)
			for _, e := range edges {
				var l string
				switch {
				case e.From == node:
					l = "ecs -> " + short(e.To) + " " + e.Kind
				case e.To == node:
					l = short(e.From) + " -> ecs " + e.Kind
				default:
					continue
				}
				notes[l] = e.Note
				if e.Assumed {
					l += " (assumed)"
				}
				got = append(got, l)
			}
			sort.Strings(got)
			got = dedupe(got)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.note != "" && !strings.Contains(notes["ecs -> spare-task runs-as"], c.note) {
				t.Errorf("note of the edge to spare-task %q, want %q in it", notes["ecs -> spare-task runs-as"], c.note)
			}
			if c.name == "complete" {
				if n := notes["ecs -> web-task runs-as"]; !strings.Contains(n, "task definition web:3 (service web)") {
					t.Errorf("note %q should name the task definition and its service", n)
				}
				if n := notes["ecs -> override-role runs-as"]; !strings.Contains(n, "task t2 (task role override)") {
					t.Errorf("note %q should name the task", n)
				}
			}
		})
	}
}

// TestECSInventoryWarnings: a task role that is not a role ARN is warned
// about with its place and leaves the ECS edges assumed.
func TestECSInventoryWarnings(t *testing.T) {
	s, edges := computeRunAuth(t, ecsAuth, `{"Account": "555555555555", "Region": "us-east-1", "EnabledRegions": ["us-east-1"], "tasks": [],
		"taskDefinitions": [{"taskDefinitionArn": "arn:aws:ecs:us-east-1:555555555555:task-definition/odd:1", "family": "odd", "revision": 1, "taskRoleArn": "web-task"}]}`)
	found := false
	for _, w := range s.warnings {
		if w.Where == "inv0.json: taskDefinitions[0].taskRoleArn" && strings.Contains(w.Message, "not a role ARN") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning on the task role: %+v", s.warnings)
	}
	for _, e := range edges {
		if e.From == computeNode("555555555555", serviceECSTasks) && !e.Assumed {
			t.Errorf("edge %s -> %s should stay assumed", e.From, e.To)
		}
	}
}
