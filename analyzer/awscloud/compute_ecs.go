package awscloud

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// FormatECS is the ECS part of the compute inventory (docs/inputs.md,
// section 8): task definitions (describe-task-definition), the services
// that run them (describe-services) and the running tasks
// (describe-tasks), one file per account and region.
const FormatECS = "aws-ecs"

const serviceECSTasks = "ecs-tasks.amazonaws.com"

// ecsFile is ecs-REGION.json.
type ecsFile struct {
	Account string `json:"Account"`
	regionFields
	TaskDefinitions []struct {
		TaskDefinitionArn string `json:"taskDefinitionArn"`
		Family            string `json:"family"`
		Revision          int    `json:"revision"`
		Status            string `json:"status"`
		TaskRoleArn       string `json:"taskRoleArn"`
		ExecutionRoleArn  string `json:"executionRoleArn"`
	} `json:"taskDefinitions"`
	Services []struct {
		ServiceName    string `json:"serviceName"`
		TaskDefinition string `json:"taskDefinition"`
	} `json:"services"`
	// Absent: the running tasks were not listed, and a task may run
	// with another task role than its definition's (overrides).
	Tasks *[]struct {
		TaskArn           string `json:"taskArn"`
		TaskDefinitionArn string `json:"taskDefinitionArn"`
		Overrides         *struct {
			TaskRoleArn string `json:"taskRoleArn"`
		} `json:"overrides"`
	} `json:"tasks"`
}

// loadECS reads the ECS inventory. The code of a task runs as the task
// role (taskRoleArn of its definition, or overrides.taskRoleArn of the
// task); the execution role (executionRoleArn) is used by the ECS agent to
// pull images, read secrets and write logs, and is not available to the
// task's code, so it is not a role the compute runs as: a takeover of a
// task does not lead to it.
func (s *Snapshot) loadECS(file string, doc *model.Document) error {
	var f ecsFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	c := s.comp()
	accounts, err := startInventory(f.Account)
	if err != nil {
		return err
	}
	account := func(a, prefix string) string {
		if p, err := arn.Parse(a); err == nil && p.Service == "ecs" && strings.HasPrefix(p.Resource, prefix) && accountID.MatchString(p.AccountID) {
			return p.AccountID
		}
		return f.Account
	}
	services := map[string][]string{}
	for _, sv := range f.Services {
		if sv.TaskDefinition != "" {
			services[sv.TaskDefinition] = append(services[sv.TaskDefinition], sv.ServiceName)
		}
	}
	role := func(where, r, what, acct, name string) {
		s.addRunsAs(file, where, what, "ECS", acct, serviceECSTasks, r, name)
	}
	for i, td := range f.TaskDefinitions {
		where := fmt.Sprintf("taskDefinitions[%d]", i)
		acct := account(td.TaskDefinitionArn, "task-definition/")
		if !accountID.MatchString(acct) {
			s.warn(file, where, fmt.Sprintf("task definition %q: no account (taskDefinitionArn or Account): it is ignored", td.TaskDefinitionArn))
			continue
		}
		accounts[acct] = true
		if td.Status == "DELETE_IN_PROGRESS" || td.TaskRoleArn == "" {
			continue // being deleted, or its code runs as no role
		}
		name := fmt.Sprintf("task definition %s:%d", td.Family, td.Revision)
		if ss := services[td.TaskDefinitionArn]; len(ss) > 0 {
			sort.Strings(ss)
			name += " (service " + strings.Join(ss, ", ") + ")"
		}
		role(where+".taskRoleArn", td.TaskRoleArn, "task definition "+td.TaskDefinitionArn, acct, name)
	}
	if f.Tasks != nil {
		for i, t := range *f.Tasks {
			where := fmt.Sprintf("tasks[%d]", i)
			acct := account(t.TaskArn, "task/")
			if !accountID.MatchString(acct) {
				s.warn(file, where, fmt.Sprintf("task %q: no account (taskArn or Account): it is ignored", t.TaskArn))
				continue
			}
			accounts[acct] = true
			if t.Overrides == nil || t.Overrides.TaskRoleArn == "" {
				continue // runs as its definition's task role
			}
			id := t.TaskArn[strings.LastIndexByte(t.TaskArn, '/')+1:]
			role(where+".overrides.taskRoleArn", t.Overrides.TaskRoleArn, "task "+t.TaskArn, acct, "task "+id+" (task role override)")
		}
	}
	if f.Tasks == nil {
		for a := range accounts {
			if c.partialWhy == nil {
				c.partialWhy = map[[2]string]string{}
			}
			c.partialWhy[[2]string{a, serviceECSTasks}] = "the ECS inventory lists no running tasks (tasks), which may run with another task role than their definition's"
		}
	}
	s.finishInventory(file, "", serviceECSTasks, "no account is named (no task definition or task ARN and no Account): the file settles no ECS edge", accounts, f.regionFields)
	return nil
}
