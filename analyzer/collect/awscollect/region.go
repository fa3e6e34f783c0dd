package awscollect

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// A partition is a separate AWS (the commercial one, GovCloud (US),
// China, the isolated ones): its own credentials, endpoints and global
// services. The SDK tells a region's partition from its name.
var partitions = []struct {
	prefix, name string
	// main is where the partition's global services (STS, IAM,
	// Organizations) are reached, and a region every account has.
	main string
}{
	{"us-gov-", "aws-us-gov", "us-gov-west-1"},
	{"cn-", "aws-cn", "cn-north-1"},
	{"us-isob-", "aws-iso-b", ""},
	{"us-isof-", "aws-iso-f", ""},
	{"us-iso-", "aws-iso", ""},
	{"eu-isoe-", "aws-iso-e", ""},
	{"eusc-", "aws-eusc", ""},
}

// defaultRegion is where the global services are asked when no region is
// configured: the aws partition's.
const defaultRegion = "us-east-1"

// partitionOf names the partition of a region.
func partitionOf(region string) string {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.name
		}
	}
	return "aws"
}

// mainRegion is the region of the partition of region that every account
// has (region itself for a partition whose main region is not known).
func mainRegion(region string) string {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			if p.main == "" {
				return region
			}
			return p.main
		}
	}
	return defaultRegion
}

// arnPartition is the partition an ARN names (arn:PARTITION:...).
func arnPartition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return ""
}

// homeRegion is the region of the account-wide calls: the configured one;
// without one, the main region of the partition of the first region asked
// for; else us-east-1. The SDK defaults no region: without one, every
// call fails ("Missing Region", or a signature for no region). note says
// what was chosen when nothing was configured, for the manifest.
func homeRegion(cfg aws.Config, regions []string) (home, note string) {
	switch {
	case cfg.Region != "":
		return cfg.Region, ""
	case len(regions) > 0:
		home = mainRegion(regions[0])
		return home, "no region configured: the global services (STS, IAM, Organizations) were asked in " + home +
			", of the " + partitionOf(home) + " partition of --region " + regions[0]
	}
	return defaultRegion, "no region configured: " + defaultRegion + " (aws partition) was used for the global services (STS, IAM, Organizations) " +
		"and to list each account's enabled regions; for AWS GovCloud (US) or China, configure a region of that partition"
}

// enabledRegions lists the regions enabled in the account: DescribeRegions
// without AllRegions returns exactly those (opted-in and the ones that need
// no opt-in). It is asked in the home region; when that fails and the home
// region is not its partition's main one (an opt-in region that this
// member account has not enabled refuses its credentials), it is asked
// again there, and the scope says so. When it fails still, the home region
// alone is collected and the failure recorded, so that the snapshot says
// regions may be missing.
func enabledRegions(ctx context.Context, o Options) ([]string, Scope) {
	s := Scope{Name: "regions"}
	home := o.Config.Region
	regions, err := describeRegions(ctx, o.Config, home)
	if err != nil && ctx.Err() == nil && mainRegion(home) != home {
		first := "ec2:DescribeRegions in " + home + ": " + errText(err)
		main := mainRegion(home)
		regions, err = describeRegions(ctx, o.Config, main)
		if err == nil {
			s.Note = first + " (is the region enabled in this account?): asked in " + main + " instead"
		} else {
			err = errors.New(first + "; in " + main + ": " + errText(err))
		}
	}
	if err != nil {
		s.Error = "ec2:DescribeRegions: " + errText(err) + " (only " + home + " collected)"
		return []string{home}, s
	}
	return regions, s
}

func describeRegions(ctx context.Context, cfg aws.Config, region string) ([]string, error) {
	c := ec2.NewFromConfig(cfg, func(opt *ec2.Options) { opt.Region = region })
	out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, r := range out.Regions {
		if n := aws.ToString(r.RegionName); n != "" {
			regions = append(regions, n)
		}
	}
	if len(regions) == 0 {
		return nil, errors.New("no region returned")
	}
	sort.Strings(regions)
	return regions, nil
}
