package awscollect

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// Most names DescribeServices and DescribeTasks take in a call.
const (
	describeServicesMax = 10
	describeTasksMax    = 100
)

// collectECS writes ecs-REGION.json: the region's ECS task definitions
// (list-task-definitions, each described with describe-task-definition),
// the services of every cluster (list-clusters, list-services,
// describe-services) and the running tasks (list-tasks, describe-tasks),
// with the fields analyze reads: the task role of each task definition and
// the task role a task was started with in its overrides. With Account,
// Region and EnabledRegions (inventoryFile), so that the ECS runs-as edges
// are exact (docs/inputs.md, section 8).
func collectECS(ctx context.Context, o Options, account, region string, enabled []string) Scope {
	s := Scope{Name: "ecs:" + region}
	c := ecs.NewFromConfig(o.Config, func(opt *ecs.Options) { opt.Region = region })
	fail := func(op string, err error) Scope {
		s.Error = "ecs:" + op + ": " + errText(err)
		return s
	}
	definitions := []any{}
	p := ecs.NewListTaskDefinitionsPaginator(c, &ecs.ListTaskDefinitionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fail("ListTaskDefinitions", err)
		}
		for _, a := range page.TaskDefinitionArns {
			out, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(a)})
			if err != nil {
				return fail("DescribeTaskDefinition", err)
			}
			td := out.TaskDefinition
			if td == nil {
				continue
			}
			m := map[string]any{"taskDefinitionArn": aws.ToString(td.TaskDefinitionArn), "family": aws.ToString(td.Family), "revision": td.Revision, "status": string(td.Status)}
			// Absent when the definition has none, as the CLI prints it.
			if r := aws.ToString(td.TaskRoleArn); r != "" {
				m["taskRoleArn"] = r
			}
			if r := aws.ToString(td.ExecutionRoleArn); r != "" {
				m["executionRoleArn"] = r
			}
			definitions = append(definitions, m)
		}
	}
	var clusters []string
	cp := ecs.NewListClustersPaginator(c, &ecs.ListClustersInput{})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			return fail("ListClusters", err)
		}
		clusters = append(clusters, page.ClusterArns...)
	}
	services, tasks := []any{}, []any{}
	for _, cl := range clusters {
		var names []string
		sp := ecs.NewListServicesPaginator(c, &ecs.ListServicesInput{Cluster: aws.String(cl)})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				return fail("ListServices", err)
			}
			names = append(names, page.ServiceArns...)
		}
		for i := 0; i < len(names); i += describeServicesMax {
			out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cl), Services: names[i:min(i+describeServicesMax, len(names))]})
			if err != nil {
				return fail("DescribeServices", err)
			}
			for _, sv := range out.Services {
				services = append(services, map[string]any{"serviceArn": aws.ToString(sv.ServiceArn), "serviceName": aws.ToString(sv.ServiceName),
					"clusterArn": aws.ToString(sv.ClusterArn), "taskDefinition": aws.ToString(sv.TaskDefinition), "enableExecuteCommand": sv.EnableExecuteCommand})
			}
		}
		var arns []string
		tp := ecs.NewListTasksPaginator(c, &ecs.ListTasksInput{Cluster: aws.String(cl)})
		for tp.HasMorePages() {
			page, err := tp.NextPage(ctx)
			if err != nil {
				return fail("ListTasks", err)
			}
			arns = append(arns, page.TaskArns...)
		}
		for i := 0; i < len(arns); i += describeTasksMax {
			out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cl), Tasks: arns[i:min(i+describeTasksMax, len(arns))]})
			if err != nil {
				return fail("DescribeTasks", err)
			}
			for _, t := range out.Tasks {
				m := map[string]any{"taskArn": aws.ToString(t.TaskArn), "clusterArn": aws.ToString(t.ClusterArn), "taskDefinitionArn": aws.ToString(t.TaskDefinitionArn)}
				if ov := t.Overrides; ov != nil && aws.ToString(ov.TaskRoleArn) != "" {
					m["overrides"] = map[string]any{"taskRoleArn": aws.ToString(ov.TaskRoleArn)}
				}
				tasks = append(tasks, m)
			}
		}
	}
	for _, l := range []struct {
		list []any
		key  string
	}{{definitions, "taskDefinitionArn"}, {services, "serviceArn"}, {tasks, "taskArn"}} {
		sort.SliceStable(l.list, func(i, j int) bool {
			return l.list[i].(map[string]any)[l.key].(string) < l.list[j].(map[string]any)[l.key].(string)
		})
	}
	m := inventoryFile(account, region, enabled, "taskDefinitions", definitions)
	m["services"], m["tasks"] = services, tasks
	name := "ecs-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), m); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}
