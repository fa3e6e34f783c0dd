package awscollect

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	ecrpublictypes "github.com/aws/aws-sdk-go-v2/service/ecrpublic/types"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// collectRegistry writes ecr-registry-REGION.json: the private registry's
// policy (get-registry-policy), the scope that policy has
// (get-account-setting REGISTRY_POLICY_SCOPE: V1 governs replication and
// pull-through imports only, V2 every ECR request), its scanning
// configuration (get-registry-scanning-configuration) and its replication
// rules (describe-registry), merged into one object with the region added.
// A registry without a policy has no policyText.
func collectRegistry(ctx context.Context, o Options, region string) Scope {
	s := Scope{Name: "ecr-registry:" + region}
	fail := func(op string, err error) Scope {
		s.Error = "ecr:" + op + ": " + errText(err)
		return s
	}
	c := ecr.NewFromConfig(o.Config, func(opt *ecr.Options) { opt.Region = region })
	out := map[string]any{"region": region}
	pol, err := c.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	var nf *ecrtypes.RegistryPolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		// No registry policy: nobody outside is let in at registry level.
	case err != nil:
		return fail("GetRegistryPolicy", err)
	default:
		out["registryId"] = aws.ToString(pol.RegistryId)
		out["policyText"] = aws.ToString(pol.PolicyText)
	}
	setting, err := c.GetAccountSetting(ctx, &ecr.GetAccountSettingInput{Name: aws.String("REGISTRY_POLICY_SCOPE")})
	if err != nil {
		return fail("GetAccountSetting", err)
	}
	out["registryPolicyScope"] = aws.ToString(setting.Value)
	scan, err := c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		return fail("GetRegistryScanningConfiguration", err)
	}
	out["registryId"] = aws.ToString(scan.RegistryId)
	out["scanningConfiguration"] = scanningJSON(scan.ScanningConfiguration)
	reg, err := c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil {
		return fail("DescribeRegistry", err)
	}
	out["replicationConfiguration"] = replicationJSON(reg.ReplicationConfiguration)
	name := "ecr-registry-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), out); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}

// scanningJSON is the CLI's shape of a registry scanning configuration.
func scanningJSON(sc *ecrtypes.RegistryScanningConfiguration) map[string]any {
	rules := []any{}
	if sc == nil {
		return map[string]any{"rules": rules}
	}
	for _, r := range sc.Rules {
		filters := []any{}
		for _, f := range r.RepositoryFilters {
			filters = append(filters, map[string]any{"filter": aws.ToString(f.Filter), "filterType": string(f.FilterType)})
		}
		rules = append(rules, map[string]any{"scanFrequency": string(r.ScanFrequency), "repositoryFilters": filters})
	}
	return map[string]any{"scanType": string(sc.ScanType), "rules": rules}
}

// replicationJSON is the CLI's shape of a replication configuration: where
// this registry copies its images to.
func replicationJSON(rc *ecrtypes.ReplicationConfiguration) map[string]any {
	rules := []any{}
	if rc != nil {
		for _, r := range rc.Rules {
			dests, filters := []any{}, []any{}
			for _, d := range r.Destinations {
				dests = append(dests, map[string]any{"region": aws.ToString(d.Region), "registryId": aws.ToString(d.RegistryId)})
			}
			for _, f := range r.RepositoryFilters {
				filters = append(filters, map[string]any{"filter": aws.ToString(f.Filter), "filterType": string(f.FilterType)})
			}
			rules = append(rules, map[string]any{"destinations": dests, "repositoryFilters": filters})
		}
	}
	return map[string]any{"rules": rules}
}

// publicRegion is the only region the ECR Public API answers in; the
// repositories themselves are global (their ARNs have no region).
const publicRegion = "us-east-1"

// collectECRPublic writes ecr-public-repositories.json and one
// ecr-public-policy-*.json per repository with a policy, in the same
// formats as the private repositories, with arn:aws:ecr-public::ACCOUNT:
// repository/NAME ARNs, so that analyze decides the ecr-public: actions on
// them.
func collectECRPublic(ctx context.Context, o Options) Scope {
	s := Scope{Name: "ecr-public"}
	c := ecrpublic.NewFromConfig(o.Config, func(opt *ecrpublic.Options) { opt.Region = publicRegion })
	var repos []ecrpublictypes.Repository
	p := ecrpublic.NewDescribeRepositoriesPaginator(c, &ecrpublic.DescribeRepositoriesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "ecr-public:DescribeRepositories: " + errText(err)
			return s
		}
		repos = append(repos, page.Repositories...)
	}
	sort.Slice(repos, func(i, j int) bool {
		return aws.ToString(repos[i].RepositoryName) < aws.ToString(repos[j].RepositoryName)
	})
	list := []any{}
	for _, r := range repos {
		list = append(list, map[string]any{"repositoryArn": aws.ToString(r.RepositoryArn), "registryId": aws.ToString(r.RegistryId),
			"repositoryName": aws.ToString(r.RepositoryName), "repositoryUri": aws.ToString(r.RepositoryUri)})
	}
	name := "ecr-public-repositories.json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), map[string]any{"repositories": list}); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = append(s.Files, name)
	for _, r := range repos {
		pol, err := c.GetRepositoryPolicy(ctx, &ecrpublic.GetRepositoryPolicyInput{RepositoryName: r.RepositoryName, RegistryId: r.RegistryId})
		var nf *ecrpublictypes.RepositoryPolicyNotFoundException
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			s.Error = fmt.Sprintf("ecr-public:GetRepositoryPolicy %s: %s", aws.ToString(r.RepositoryName), errText(err))
			return s
		}
		f := "ecr-public-policy-" + fileSafe(aws.ToString(r.RepositoryName)) + ".json"
		if err := collect.WriteJSON(filepath.Join(o.Out, f), map[string]any{"registryId": aws.ToString(pol.RegistryId), "repositoryName": aws.ToString(pol.RepositoryName),
			"policyText": aws.ToString(pol.PolicyText), "repositoryArn": aws.ToString(r.RepositoryArn)}); err != nil {
			s.Error = err.Error()
			return s
		}
		s.Files = append(s.Files, f)
	}
	return s
}
