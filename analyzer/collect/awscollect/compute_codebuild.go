package awscollect

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// batchGetProjectsMax is the most names BatchGetProjects takes in a call.
const batchGetProjectsMax = 100

// collectProjects writes codebuild-projects-REGION.json: the region's
// CodeBuild projects with the roles their builds run as, in the shape of
// `aws codebuild batch-get-projects` over the names of `list-projects`
// (the fields analyze reads: name, arn, serviceRole and
// buildBatchConfig.serviceRole) with Account, Region and EnabledRegions
// (inventoryFile), so that the CodeBuild runs-as edges are exact
// (docs/inputs.md, section 8).
func collectProjects(ctx context.Context, o Options, account, region string, enabled []string) Scope {
	s := Scope{Name: "codebuild-projects:" + region}
	c := codebuild.NewFromConfig(o.Config, func(opt *codebuild.Options) { opt.Region = region })
	var names []string
	p := codebuild.NewListProjectsPaginator(c, &codebuild.ListProjectsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "codebuild:ListProjects: " + errText(err)
			return s
		}
		names = append(names, page.Projects...)
	}
	projects := []any{}
	for i := 0; i < len(names); i += batchGetProjectsMax {
		out, err := c.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: names[i:min(i+batchGetProjectsMax, len(names))]})
		if err != nil {
			s.Error = "codebuild:BatchGetProjects: " + errText(err)
			return s
		}
		for _, pr := range out.Projects {
			m := map[string]any{"name": aws.ToString(pr.Name), "arn": aws.ToString(pr.Arn), "serviceRole": aws.ToString(pr.ServiceRole)}
			if b := pr.BuildBatchConfig; b != nil && aws.ToString(b.ServiceRole) != "" {
				m["buildBatchConfig"] = map[string]any{"serviceRole": aws.ToString(b.ServiceRole)}
			}
			projects = append(projects, m)
		}
	}
	sort.SliceStable(projects, func(i, j int) bool {
		return projects[i].(map[string]any)["arn"].(string) < projects[j].(map[string]any)["arn"].(string)
	})
	name := "codebuild-projects-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), inventoryFile(account, region, enabled, "projects", projects)); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}
