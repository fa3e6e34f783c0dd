package awscollect

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// inventoryFile is a compute inventory file: the list under key, with the
// account, the region it covers and, when the collector asked
// ec2:DescribeRegions, the regions enabled in the account, so that analyze
// can tell whether the files cover every region (docs/inputs.md, section
// 8). With --region the enabled regions are not known and not written:
// analyze then takes the inventory as partial.
func inventoryFile(account, region string, enabled []string, key string, list []any) map[string]any {
	m := map[string]any{"Account": account, "Region": region, key: list}
	if len(enabled) > 0 {
		m["EnabledRegions"] = enabled
	}
	return m
}

// collectInstances writes ec2-instances-REGION.json: the region's EC2
// instances with their instance profile, in the shape of `aws ec2
// describe-instances` (the fields analyze reads) with Account, Region and
// EnabledRegions (inventoryFile), so that an account without an instance
// says so (docs/inputs.md, section 8).
// With it, analyze draws the EC2 runs-as edges exactly: to the roles of
// the profiles instances run with, not to every role EC2 is trusted by.
func collectInstances(ctx context.Context, o Options, account, region string, enabled []string) Scope {
	s := Scope{Name: "ec2-instances:" + region}
	c := ec2.NewFromConfig(o.Config, func(opt *ec2.Options) { opt.Region = region })
	reservations := []any{}
	p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "ec2:DescribeInstances: " + errText(err)
			return s
		}
		for _, r := range page.Reservations {
			instances := []any{}
			for _, in := range r.Instances {
				m := map[string]any{"InstanceId": aws.ToString(in.InstanceId)}
				if in.State != nil {
					m["State"] = map[string]any{"Name": string(in.State.Name)}
				}
				if ip := in.IamInstanceProfile; ip != nil && aws.ToString(ip.Arn) != "" {
					m["IamInstanceProfile"] = map[string]any{"Arn": aws.ToString(ip.Arn), "Id": aws.ToString(ip.Id)}
				}
				instances = append(instances, m)
			}
			reservations = append(reservations, map[string]any{"ReservationId": aws.ToString(r.ReservationId), "OwnerId": aws.ToString(r.OwnerId), "Instances": instances})
		}
	}
	sort.SliceStable(reservations, func(i, j int) bool {
		return reservations[i].(map[string]any)["ReservationId"].(string) < reservations[j].(map[string]any)["ReservationId"].(string)
	})
	name := "ec2-instances-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), inventoryFile(account, region, enabled, "Reservations", reservations)); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}

// collectFunctions writes lambda-functions-REGION.json: the region's
// Lambda functions with their execution role, in the shape of `aws lambda
// list-functions` (the fields analyze reads) with Account, Region and
// EnabledRegions (inventoryFile), so that the Lambda runs-as edges are
// exact (docs/inputs.md, section 8).
func collectFunctions(ctx context.Context, o Options, account, region string, enabled []string) Scope {
	s := Scope{Name: "lambda-functions:" + region}
	c := lambda.NewFromConfig(o.Config, func(opt *lambda.Options) { opt.Region = region })
	functions := []any{}
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "lambda:ListFunctions: " + errText(err)
			return s
		}
		for _, f := range page.Functions {
			functions = append(functions, map[string]any{"FunctionName": aws.ToString(f.FunctionName), "FunctionArn": aws.ToString(f.FunctionArn), "Role": aws.ToString(f.Role)})
		}
	}
	sort.SliceStable(functions, func(i, j int) bool {
		return functions[i].(map[string]any)["FunctionArn"].(string) < functions[j].(map[string]any)["FunctionArn"].(string)
	})
	name := "lambda-functions-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), inventoryFile(account, region, enabled, "Functions", functions)); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}
