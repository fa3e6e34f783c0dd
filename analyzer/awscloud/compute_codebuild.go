package awscloud

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// FormatCodeBuildProjects is the CodeBuild part of the compute inventory
// (docs/inputs.md, section 8): the output of `aws codebuild
// batch-get-projects` over the names of `list-projects`.
const FormatCodeBuildProjects = "aws-codebuild-projects"

const serviceCodeBuild = "codebuild.amazonaws.com"

// projectsFile is the output of aws codebuild batch-get-projects, with
// Account, Region and EnabledRegions as for the other inventory files.
type projectsFile struct {
	Account string `json:"Account"`
	regionFields
	Projects []struct {
		Name             string `json:"name"`
		Arn              string `json:"arn"`
		ServiceRole      string `json:"serviceRole"`
		BuildBatchConfig *struct {
			ServiceRole string `json:"serviceRole"`
		} `json:"buildBatchConfig"`
	} `json:"projects"`
}

// loadProjects reads the CodeBuild projects: a build of a project runs as
// its serviceRole, a batch build as buildBatchConfig.serviceRole (when
// set). Whoever may start a build with a buildspec override
// (codebuild:StartBuild) or change the project (codebuild:UpdateProject)
// runs code as those roles.
func (s *Snapshot) loadProjects(file string, doc *model.Document) error {
	var f projectsFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	accounts, err := startInventory(f.Account)
	if err != nil {
		return err
	}
	for i, p := range f.Projects {
		where := fmt.Sprintf("projects[%d]", i)
		acct := ""
		if a, err := arn.Parse(p.Arn); err == nil && a.Service == "codebuild" && strings.HasPrefix(a.Resource, "project/") {
			acct = a.AccountID
		} else if p.Arn != "" {
			s.warn(file, where+".arn", fmt.Sprintf("project %q: %q is not a CodeBuild project ARN", p.Name, p.Arn))
		}
		if acct == "" {
			acct = f.Account
		}
		if !accountID.MatchString(acct) {
			s.warn(file, where, fmt.Sprintf("project %q: no account (arn or Account): the project is ignored", p.Name))
			continue
		}
		accounts[acct] = true
		roles := []struct{ where, role string }{{where + ".serviceRole", p.ServiceRole}}
		if p.BuildBatchConfig != nil && p.BuildBatchConfig.ServiceRole != "" {
			roles = append(roles, struct{ where, role string }{where + ".buildBatchConfig.serviceRole", p.BuildBatchConfig.ServiceRole})
		}
		for _, r := range roles {
			s.addRunsAs(file, r.where, fmt.Sprintf("project %q", p.Name), "CodeBuild", acct, serviceCodeBuild, r.role, "project "+p.Name)
		}
	}
	s.finishInventory(file, "", serviceCodeBuild, "no account is named (no project arn and no Account): the file settles no CodeBuild edge", accounts, f.regionFields)
	return nil
}
