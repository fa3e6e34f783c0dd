package awscollect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComputeEnabledRegions: the compute inventory files carry the
// regions enabled in the account when the collector asked
// ec2:DescribeRegions (no --region), so that analyze can tell that the
// files cover them all; with --region the enabled set is not known and
// EnabledRegions is not written (analyze then keeps the inventory
// partial). Region is written either way.
func TestComputeEnabledRegions(t *testing.T) {
	cases := []struct {
		name    string
		regions []string
		want    string // EnabledRegions, comma-separated
	}{
		{"every enabled region", nil, "ap-southeast-2,eu-west-1,us-east-1"},
		{"--region", []string{"us-east-1"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeAWS{throttled: map[string]bool{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			out := t.TempDir()
			if _, err := Collect(context.Background(), Options{Out: out, Regions: c.regions, Config: testConfig(srv.URL)}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"ec2-instances-us-east-1.json", "lambda-functions-us-east-1.json", "codebuild-projects-us-east-1.json"} {
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				var file struct {
					Account, Region string
					EnabledRegions  *[]string
				}
				if err := json.Unmarshal(b, &file); err != nil {
					t.Fatal(err)
				}
				got := ""
				if file.EnabledRegions != nil {
					got = strings.Join(*file.EnabledRegions, ",")
				}
				if file.Account != "111122223333" || file.Region != "us-east-1" || got != c.want || (c.want == "") != (file.EnabledRegions == nil) {
					t.Errorf("%s: Account %q, Region %q, EnabledRegions %q (present %v); want 111122223333, us-east-1, %q",
						name, file.Account, file.Region, got, file.EnabledRegions != nil, c.want)
				}
			}
		})
	}
}

// TestCollectProjects: every project ListProjects names (over its pages)
// is described by BatchGetProjects and written with the role its builds
// run as and, when set, the role of its batch builds.
func TestCollectProjects(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	if _, err := Collect(context.Background(), Options{Out: out, Regions: []string{"eu-west-1"}, Config: testConfig(srv.URL)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "codebuild-projects-eu-west-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Account, Region string
		Projects        []struct {
			Name, Arn, ServiceRole string
			BuildBatchConfig       *struct{ ServiceRole string }
		} `json:"projects"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range file.Projects {
		l := p.Name + " " + p.Arn + " " + p.ServiceRole
		if p.BuildBatchConfig != nil {
			l += " batch " + p.BuildBatchConfig.ServiceRole
		}
		got = append(got, l)
	}
	want := []string{
		"app arn:aws:codebuild:eu-west-1:111122223333:project/app arn:aws:iam::111122223333:role/builder",
		"release arn:aws:codebuild:eu-west-1:111122223333:project/release arn:aws:iam::111122223333:role/releaser batch arn:aws:iam::111122223333:role/builder",
	}
	if file.Account != "111122223333" || file.Region != "eu-west-1" || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Account %q, Region %q, projects:\n%s\nwant:\n%s", file.Account, file.Region, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// serveCodeBuild: two projects listed over two pages (ListProjects returns
// names only), then described by BatchGetProjects, in JSON 1.1: "app"
// builds as the builder, "release" as the releaser with batch builds as
// the builder.
func (f *fakeAWS) serveCodeBuild(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	reg := region(r)
	project := func(name, role, batch string) string {
		b := ""
		if batch != "" {
			b = `,"buildBatchConfig":{"serviceRole":"arn:aws:iam::111122223333:role/` + batch + `","combineArtifacts":false,"timeoutInMins":60}`
		}
		return fmt.Sprintf(`{"name":%q,"arn":"arn:aws:codebuild:%s:111122223333:project/%s","source":{"type":"CODECOMMIT","location":"https://git-codecommit.%s.amazonaws.com/v1/repos/%s","buildspec":"buildspec.yml"},`+
			`"serviceRole":"arn:aws:iam::111122223333:role/%s","timeoutInMinutes":60,"created":1.7e9,"lastModified":1.7e9%s}`, name, reg, name, reg, name, role, b)
	}
	switch op {
	case "codebuild:ListProjects":
		if in["nextToken"] == nil {
			reply(w, 200, `{"projects":["release"],"nextToken":"p2"}`)
			return
		}
		reply(w, 200, `{"projects":["app"]}`)
	case "codebuild:BatchGetProjects":
		var found []string
		var missing []string
		names, _ := in["names"].([]any)
		for _, n := range names {
			switch n {
			case "app":
				found = append(found, project("app", "builder", ""))
			case "release":
				found = append(found, project("release", "releaser", "builder"))
			default:
				missing = append(missing, fmt.Sprintf("%q", n))
			}
		}
		reply(w, 200, `{"projects":[`+strings.Join(found, ",")+`],"projectsNotFound":[`+strings.Join(missing, ",")+`]}`)
	default:
		reply(w, 400, `{"__type":"InvalidInputException","message":"unexpected operation"}`)
	}
}

// serveECS: two task definitions over two pages (web:3 with a task role
// and an execution role, batch:1 with an execution role only), one
// cluster with the service web and two running tasks, one of them started
// with another task role in its overrides; JSON 1.1.
func (f *fakeAWS) serveECS(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	reg := region(r)
	arn := func(kind, name string) string { return "arn:aws:ecs:" + reg + ":111122223333:" + kind + "/" + name }
	role := func(name string) string { return "arn:aws:iam::111122223333:role/" + name }
	cluster := arn("cluster", "main")
	switch op {
	case "ecs:ListTaskDefinitions":
		if in["nextToken"] == nil {
			reply(w, 200, fmt.Sprintf(`{"taskDefinitionArns":[%q],"nextToken":"p2"}`, arn("task-definition", "web:3")))
			return
		}
		reply(w, 200, fmt.Sprintf(`{"taskDefinitionArns":[%q]}`, arn("task-definition", "batch:1")))
	case "ecs:DescribeTaskDefinition":
		// The ARN names the requesting account (accountWriter).
		td, _ := in["taskDefinition"].(string)
		switch {
		case strings.HasSuffix(td, ":task-definition/web:3"):
			reply(w, 200, fmt.Sprintf(`{"taskDefinition":{"taskDefinitionArn":%q,"family":"web","revision":3,"status":"ACTIVE","taskRoleArn":%q,"executionRoleArn":%q,"containerDefinitions":[{"name":"web","image":"nginx"}],"networkMode":"awsvpc"},"tags":[]}`,
				arn("task-definition", "web:3"), role("web-task"), role("ecs-exec")))
		case strings.HasSuffix(td, ":task-definition/batch:1"):
			reply(w, 200, fmt.Sprintf(`{"taskDefinition":{"taskDefinitionArn":%q,"family":"batch","revision":1,"status":"ACTIVE","executionRoleArn":%q,"containerDefinitions":[{"name":"job","image":"busybox"}]},"tags":[]}`,
				arn("task-definition", "batch:1"), role("ecs-exec")))
		default:
			reply(w, 400, `{"__type":"ClientException","message":"Unable to describe task definition."}`)
		}
	case "ecs:ListClusters":
		reply(w, 200, fmt.Sprintf(`{"clusterArns":[%q]}`, cluster))
	case "ecs:ListServices":
		reply(w, 200, fmt.Sprintf(`{"serviceArns":[%q]}`, "arn:aws:ecs:"+reg+":111122223333:service/main/web"))
	case "ecs:DescribeServices":
		reply(w, 200, fmt.Sprintf(`{"services":[{"serviceArn":%q,"serviceName":"web","clusterArn":%q,"status":"ACTIVE","desiredCount":2,"runningCount":2,"taskDefinition":%q,"enableExecuteCommand":true}],"failures":[]}`,
			"arn:aws:ecs:"+reg+":111122223333:service/main/web", cluster, arn("task-definition", "web:3")))
	case "ecs:ListTasks":
		reply(w, 200, fmt.Sprintf(`{"taskArns":[%q,%q]}`, arn("task", "main/t1"), arn("task", "main/t2")))
	case "ecs:DescribeTasks":
		reply(w, 200, fmt.Sprintf(`{"tasks":[{"taskArn":%q,"clusterArn":%q,"taskDefinitionArn":%q,"lastStatus":"RUNNING","overrides":{"containerOverrides":[]}},`+
			`{"taskArn":%q,"clusterArn":%q,"taskDefinitionArn":%q,"lastStatus":"RUNNING","overrides":{"containerOverrides":[],"taskRoleArn":%q}}],"failures":[]}`,
			arn("task", "main/t1"), cluster, arn("task-definition", "web:3"), arn("task", "main/t2"), cluster, arn("task-definition", "batch:1"), role("override-role")))
	default:
		reply(w, 400, `{"__type":"InvalidParameterException","message":"unexpected operation"}`)
	}
}

// TestCollectECS: the task definitions (over their pages, each described),
// the services and the running tasks with a task role override are
// written.
func TestCollectECS(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	if _, err := Collect(context.Background(), Options{Out: out, Regions: []string{"eu-west-1"}, Config: testConfig(srv.URL)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "ecs-eu-west-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Account, Region string
		TaskDefinitions []struct{ TaskDefinitionArn, TaskRoleArn, ExecutionRoleArn string } `json:"taskDefinitions"`
		Services        []struct{ ServiceName, TaskDefinition string }                      `json:"services"`
		Tasks           []struct {
			TaskArn   string
			Overrides *struct{ TaskRoleArn string }
		} `json:"tasks"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range file.TaskDefinitions {
		got = append(got, "definition "+d.TaskDefinitionArn+" task "+d.TaskRoleArn+" execution "+d.ExecutionRoleArn)
	}
	for _, s := range file.Services {
		got = append(got, "service "+s.ServiceName+" "+s.TaskDefinition)
	}
	for _, tk := range file.Tasks {
		l := "task " + tk.TaskArn
		if tk.Overrides != nil {
			l += " role " + tk.Overrides.TaskRoleArn
		}
		got = append(got, l)
	}
	want := []string{
		"definition arn:aws:ecs:eu-west-1:111122223333:task-definition/batch:1 task  execution arn:aws:iam::111122223333:role/ecs-exec",
		"definition arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3 task arn:aws:iam::111122223333:role/web-task execution arn:aws:iam::111122223333:role/ecs-exec",
		"service web arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
		"task arn:aws:ecs:eu-west-1:111122223333:task/main/t1",
		"task arn:aws:ecs:eu-west-1:111122223333:task/main/t2 role arn:aws:iam::111122223333:role/override-role",
	}
	if file.Account != "111122223333" || file.Region != "eu-west-1" || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Account %q, Region %q:\n%s\nwant:\n%s", file.Account, file.Region, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
