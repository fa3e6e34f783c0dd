package awscollect

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// collectInventory writes image-inventory-REGION.json (docs/inputs.md): what
// builds images and what decides which image gets deployed, so that analyze
// decides the pipeline.modify actions exactly on each of them. Three scopes,
// each of which may fail alone: Image Builder (pipelines, recipes,
// infrastructure configurations), launch templates, and SSM parameters of
// data type aws:ec2:image. A part that failed is absent from the file
// (an empty list means there is none).
func collectInventory(ctx context.Context, o Options, account, region string) []Scope {
	inv := map[string]any{"Region": region, "Account": account}
	builder := Scope{Name: "imagebuilder:" + region}
	if err := imageBuilder(ctx, o, region, inv); err != "" {
		builder.Error = err
	}
	templates := Scope{Name: "ec2-launch-templates:" + region}
	if lts, err := launchTemplates(ctx, o, region); err != "" {
		templates.Error = err
	} else {
		inv["LaunchTemplates"] = lts
	}
	params := Scope{Name: "ssm-image-parameters:" + region}
	if ps, err := imageParameters(ctx, o, region); err != "" {
		params.Error = err
	} else {
		inv["ImageParameters"] = ps
	}
	scopes := []Scope{builder, templates, params}
	name := "image-inventory-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), map[string]any{"ImageInventory": inv}); err != nil {
		for i := range scopes {
			if scopes[i].Error == "" {
				scopes[i].Error = err.Error()
			}
		}
		return scopes
	}
	for i := range scopes {
		if scopes[i].Error == "" {
			scopes[i].Files = []string{name}
		}
	}
	return scopes
}

// imageBuilderThrottles are the error codes Image Builder throttles with:
// a modeled 429 that the SDK's retryer knows neither as retryable nor as a
// throttle.
var imageBuilderThrottles = []string{"CallRateLimitExceededException"}

// imageBuilderClient is the region's Image Builder client, whose retryer
// takes Image Builder's throttling for what it is: without that, one busy
// moment would skip the region's Image Builder scope, or cost its retries
// the price of a failure.
func imageBuilderClient(cfg aws.Config, region string) *imagebuilder.Client {
	return imagebuilder.NewFromConfig(cfg, func(opt *imagebuilder.Options) {
		opt.Region = region
		if opt.Retryer == nil {
			opt.Retryer = retry.NewStandard()
		}
		opt.Retryer = throttleCodes(opt.Retryer, imageBuilderThrottles...)
	})
}

// throttleCodes makes a retryer treat these error codes as throttling:
// retried, at the throttling price of the retry quota (5 tokens rather
// than 14) and backing off as from a throttle (from 1 s rather than
// 50 ms). retry.AddWithErrorCodes makes them retryable only. The SDK's
// standard retryer decides all three from the error code, against its
// own list of throttling codes, which cannot be added to once it is
// built (the configuration's retryer is), so the error it is shown wears
// the code of a throttle it knows; the error itself is unchanged.
func throttleCodes(r aws.Retryer, codes ...string) aws.Retryer {
	v2, ok := r.(aws.RetryerV2)
	if !ok {
		v2 = retry.AddWithErrorCodes(r).(aws.RetryerV2)
	}
	t := throttleRetryer{RetryerV2: v2, codes: map[string]bool{}}
	for _, c := range codes {
		t.codes[c] = true
	}
	return t
}

type throttleRetryer struct {
	aws.RetryerV2
	codes map[string]bool
}

// throttleError presents an error as the SDK's own throttling code.
type throttleError struct{ error }

func (throttleError) ErrorCode() string { return "ThrottlingException" }
func (e throttleError) Unwrap() error   { return e.error }

func (t throttleRetryer) as(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && t.codes[ae.ErrorCode()] {
		return throttleError{err}
	}
	return err
}

func (t throttleRetryer) IsErrorRetryable(err error) bool {
	return t.RetryerV2.IsErrorRetryable(t.as(err))
}

func (t throttleRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	return t.RetryerV2.RetryDelay(attempt, t.as(err))
}

func (t throttleRetryer) GetRetryToken(ctx context.Context, err error) (func(error) error, error) {
	return t.RetryerV2.GetRetryToken(ctx, t.as(err))
}

// imageBuilder adds ImagePipelines, ImageRecipes and
// InfrastructureConfigurations to inv, in the API's (camelCase) shape, or
// returns what failed. Recipes are the account's own: Amazon-managed and
// shared ones are not the account's to change.
func imageBuilder(ctx context.Context, o Options, region string, inv map[string]any) string {
	c := imageBuilderClient(o.Config, region)
	var pipelines []ibtypes.ImagePipeline
	pp := imagebuilder.NewListImagePipelinesPaginator(c, &imagebuilder.ListImagePipelinesInput{})
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			return "imagebuilder:ListImagePipelines: " + errText(err)
		}
		pipelines = append(pipelines, page.ImagePipelineList...)
	}
	var recipes []ibtypes.ImageRecipeSummary
	rp := imagebuilder.NewListImageRecipesPaginator(c, &imagebuilder.ListImageRecipesInput{Owner: ibtypes.OwnershipSelf})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return "imagebuilder:ListImageRecipes: " + errText(err)
		}
		recipes = append(recipes, page.ImageRecipeSummaryList...)
	}
	var infraArns []string
	ip := imagebuilder.NewListInfrastructureConfigurationsPaginator(c, &imagebuilder.ListInfrastructureConfigurationsInput{})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			return "imagebuilder:ListInfrastructureConfigurations: " + errText(err)
		}
		for _, ic := range page.InfrastructureConfigurationSummaryList {
			infraArns = append(infraArns, aws.ToString(ic.Arn))
		}
	}
	sort.Slice(pipelines, func(i, j int) bool { return aws.ToString(pipelines[i].Arn) < aws.ToString(pipelines[j].Arn) })
	sort.Slice(recipes, func(i, j int) bool { return aws.ToString(recipes[i].Arn) < aws.ToString(recipes[j].Arn) })
	sort.Strings(infraArns)
	pl := []any{}
	for _, p := range pipelines {
		pl = append(pl, present(map[string]any{"arn": p.Arn, "name": p.Name, "status": string(p.Status),
			"imageRecipeArn": p.ImageRecipeArn, "containerRecipeArn": p.ContainerRecipeArn,
			"infrastructureConfigurationArn": p.InfrastructureConfigurationArn,
			"distributionConfigurationArn":   p.DistributionConfigurationArn, "executionRole": p.ExecutionRole}))
	}
	rl := []any{}
	for _, r := range recipes {
		rl = append(rl, present(map[string]any{"arn": r.Arn, "name": r.Name, "owner": r.Owner, "parentImage": r.ParentImage, "platform": string(r.Platform)}))
	}
	// The list gives a summary; the build instance's network, key pair and
	// security groups (who can reach a build in progress) need the full
	// configuration.
	il := []any{}
	for _, a := range infraArns {
		out, err := c.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(a)})
		if err != nil {
			return "imagebuilder:GetInfrastructureConfiguration " + a + ": " + errText(err)
		}
		ic := out.InfrastructureConfiguration
		if ic == nil {
			continue
		}
		sgs := append([]string{}, ic.SecurityGroupIds...)
		sort.Strings(sgs)
		il = append(il, present(map[string]any{"arn": ic.Arn, "name": ic.Name, "instanceProfileName": ic.InstanceProfileName,
			"instanceTypes": append([]string{}, ic.InstanceTypes...), "keyPair": ic.KeyPair, "subnetId": ic.SubnetId,
			"securityGroupIds": sgs, "terminateInstanceOnFailure": aws.ToBool(ic.TerminateInstanceOnFailure)}))
	}
	inv["ImagePipelines"], inv["ImageRecipes"], inv["InfrastructureConfigurations"] = pl, rl, il
	return ""
}

// present drops the fields the API left out (nil or empty), as the CLI
// does, and dereferences the others: a pipeline without a container recipe
// has no containerRecipeArn rather than an empty one.
func present(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case *string:
			if x == nil || *x == "" {
				delete(m, k)
			} else {
				m[k] = *x
			}
		case string:
			if x == "" {
				delete(m, k)
			}
		}
	}
	return m
}

// launchTemplates lists the region's launch templates with the image id of
// their $Latest and $Default versions, in the EC2 CLI's shape. One
// DescribeLaunchTemplateVersions call without a template id returns those
// two versions of every template.
func launchTemplates(ctx context.Context, o Options, region string) ([]any, string) {
	c := ec2.NewFromConfig(o.Config, func(opt *ec2.Options) { opt.Region = region })
	var lts []ec2types.LaunchTemplate
	p := ec2.NewDescribeLaunchTemplatesPaginator(c, &ec2.DescribeLaunchTemplatesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "ec2:DescribeLaunchTemplates: " + errText(err)
		}
		lts = append(lts, page.LaunchTemplates...)
	}
	out := []any{}
	if len(lts) == 0 {
		return out, ""
	}
	versions := map[string][]ec2types.LaunchTemplateVersion{}
	vp := ec2.NewDescribeLaunchTemplateVersionsPaginator(c, &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest", "$Default"}})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		if err != nil {
			return nil, "ec2:DescribeLaunchTemplateVersions: " + errText(err)
		}
		for _, v := range page.LaunchTemplateVersions {
			id := aws.ToString(v.LaunchTemplateId)
			versions[id] = append(versions[id], v)
		}
	}
	sort.Slice(lts, func(i, j int) bool {
		return aws.ToString(lts[i].LaunchTemplateId) < aws.ToString(lts[j].LaunchTemplateId)
	})
	for _, lt := range lts {
		id := aws.ToString(lt.LaunchTemplateId)
		vs := versions[id]
		sort.Slice(vs, func(i, j int) bool { return aws.ToInt64(vs[i].VersionNumber) < aws.ToInt64(vs[j].VersionNumber) })
		vl := []any{}
		for i, v := range vs {
			if i > 0 && aws.ToInt64(v.VersionNumber) == aws.ToInt64(vs[i-1].VersionNumber) {
				continue // $Latest and $Default are the same version
			}
			data := map[string]any{}
			if v.LaunchTemplateData != nil && v.LaunchTemplateData.ImageId != nil {
				data["ImageId"] = aws.ToString(v.LaunchTemplateData.ImageId)
			}
			vl = append(vl, map[string]any{"VersionNumber": aws.ToInt64(v.VersionNumber), "DefaultVersion": aws.ToBool(v.DefaultVersion), "LaunchTemplateData": data})
		}
		out = append(out, map[string]any{"LaunchTemplateId": id, "LaunchTemplateName": aws.ToString(lt.LaunchTemplateName),
			"DefaultVersionNumber": aws.ToInt64(lt.DefaultVersionNumber), "LatestVersionNumber": aws.ToInt64(lt.LatestVersionNumber),
			"CreatedBy": aws.ToString(lt.CreatedBy), "Versions": vl})
	}
	return out, ""
}

// getParametersMax is how many names one ssm:GetParameters call takes.
const getParametersMax = 10

// imageParameters lists the region's SSM parameters of data type
// aws:ec2:image (the ones launch templates and deployments resolve to an
// AMI id), with their values, in the shape of `aws ssm get-parameters`.
// Such parameters are always of type String, never SecureString, so no
// secret is read.
func imageParameters(ctx context.Context, o Options, region string) ([]any, string) {
	c := ssm.NewFromConfig(o.Config, func(opt *ssm.Options) { opt.Region = region })
	var names []string
	p := ssm.NewDescribeParametersPaginator(c, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("DataType"), Option: aws.String("Equals"), Values: []string{"aws:ec2:image"}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "ssm:DescribeParameters: " + errText(err)
		}
		for _, m := range page.Parameters {
			names = append(names, aws.ToString(m.Name))
		}
	}
	sort.Strings(names)
	out := []any{}
	for i := 0; i < len(names); i += getParametersMax {
		batch := names[i:min(i+getParametersMax, len(names))]
		got, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: batch})
		if err != nil {
			return nil, "ssm:GetParameters: " + errText(err)
		}
		sort.Slice(got.Parameters, func(i, j int) bool {
			return aws.ToString(got.Parameters[i].Name) < aws.ToString(got.Parameters[j].Name)
		})
		for _, prm := range got.Parameters {
			out = append(out, map[string]any{"Name": aws.ToString(prm.Name), "ARN": aws.ToString(prm.ARN), "Type": string(prm.Type),
				"DataType": aws.ToString(prm.DataType), "Version": prm.Version, "Value": aws.ToString(prm.Value)})
		}
		// A parameter deleted between the two calls is in InvalidParameters:
		// it no longer exists, so there is nothing to record.
	}
	return out, ""
}
