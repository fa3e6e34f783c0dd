package awscollect

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// TestCollectWithoutRegion: with no region configured (no AWS_REGION, no
// region in the profile, as on a fresh CI runner) the SDK signs requests
// for no region, which AWS refuses; the collector asks the global services
// in us-east-1, says so in the manifest, and collects every enabled
// region.
func TestCollectWithoutRegion(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Region = ""
	out := t.TempDir()
	m, err := Collect(context.Background(), Options{Out: out, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.regions {
		if r == "" {
			t.Fatal("a request was signed for no region")
		}
	}
	if !m.Complete || len(m.Skipped) != 0 {
		t.Errorf("complete %v, skipped %+v", m.Complete, m.Skipped)
	}
	if m.Region != "us-east-1" || m.Partition != "aws" || len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "no region configured") {
		t.Errorf("manifest: region %q partition %q notes %q: want us-east-1, aws and a note that no region was configured", m.Region, m.Partition, m.Notes)
	}
	var onDisk Manifest
	b, _ := os.ReadFile(filepath.Join(out, "collection.json"))
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.Region != "us-east-1" || len(onDisk.Notes) != 1 {
		t.Errorf("collection.json should record the region used and why: %v\n%s", err, b)
	}
	collected := map[string]bool{}
	for _, s := range m.Collected {
		collected[s.Name] = true
	}
	for _, r := range fakeRegions {
		if !collected["ec2-images:"+r] {
			t.Errorf("region %s not collected: %v", r, m.Collected)
		}
	}
}

// TestCollectGovCloud: in the aws-us-gov partition (a region configured
// there) ECR Public does not exist: its scope is recorded as not
// applicable, not as skipped, no call is made to it, and the snapshot is
// complete.
func TestCollectGovCloud(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, partition: "aws-us-gov"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Region = "us-gov-west-1"
	m, err := Collect(context.Background(), Options{Out: t.TempDir(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Complete || len(m.Skipped) != 0 {
		t.Errorf("complete %v, skipped %+v", m.Complete, m.Skipped)
	}
	if m.Partition != "aws-us-gov" || m.Region != "us-gov-west-1" || len(m.Notes) != 0 {
		t.Errorf("manifest: partition %q region %q notes %q", m.Partition, m.Region, m.Notes)
	}
	var public *Scope
	for i, s := range m.Collected {
		if s.Name == "ecr-public" {
			public = &m.Collected[i]
		}
	}
	if public == nil || len(public.Files) != 0 || !strings.Contains(public.Note, "not applicable") || !strings.Contains(public.Note, "aws-us-gov") {
		t.Errorf("ecr-public should be recorded as not applicable in aws-us-gov: %+v", public)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "ecr-public:") {
			t.Errorf("called %s in GovCloud", c)
		}
	}
	for _, r := range []string{"us-gov-west-1", "us-gov-east-1"} {
		found := false
		for _, s := range m.Collected {
			found = found || s.Name == "ec2-images:"+r
		}
		if !found {
			t.Errorf("region %s not collected", r)
		}
	}
}

// TestCollectRegionFlagChoosesPartition: no region configured, but the
// regions asked for are in GovCloud: the global services are asked in that
// partition's us-gov-west-1, not in us-east-1, where the credentials are
// unknown.
func TestCollectRegionFlagChoosesPartition(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, partition: "aws-us-gov"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Region = ""
	m, err := Collect(context.Background(), Options{Out: t.TempDir(), Config: cfg, Regions: []string{"us-gov-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Region != "us-gov-west-1" || m.Partition != "aws-us-gov" || !m.Complete || len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "us-gov-west-1") {
		t.Errorf("manifest: region %q partition %q complete %v notes %q skipped %+v", m.Region, m.Partition, m.Complete, m.Notes, m.Skipped)
	}
}

// TestCollectWithoutRegionOtherPartition: no region configured and
// credentials of another partition: us-east-1 refuses them, and the error
// says how to choose the partition.
func TestCollectWithoutRegionOtherPartition(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, partition: "aws-cn"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Region = ""
	_, err := Collect(context.Background(), Options{Out: t.TempDir(), Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("want the refusal and how to configure a region of the partition, got %v", err)
	}
}

// TestRegionsAskedAgainInDefaultRegion: the configured region is an
// opt-in region that a member account has not enabled, so its
// DescribeRegions there is refused; it is asked again in us-east-1, which
// every account has, and the account's regions are collected.
func TestRegionsAskedAgainInDefaultRegion(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, optInRegion: "ap-east-1"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Region = "ap-east-1"
	out := t.TempDir()
	m, err := Collect(context.Background(), Options{Out: out, Config: cfg, AssumeRole: "ImagewardenAudit", Accounts: []string{"100000000000"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Skipped) != 0 {
		t.Errorf("skipped %+v", m.Skipped)
	}
	var regions *Scope
	for i, s := range m.Collected {
		if s.Name == "100000000000/regions" {
			regions = &m.Collected[i]
		}
	}
	if regions == nil || !strings.Contains(regions.Note, "ap-east-1") || !strings.Contains(regions.Note, "us-east-1") {
		t.Errorf("the regions scope should say it was asked again in us-east-1: %+v", regions)
	}
	for _, r := range fakeRegions {
		if _, err := os.Stat(filepath.Join(out, "100000000000", "images-"+r+".json")); err != nil {
			t.Errorf("region %s of the member account not collected: %v", r, err)
		}
	}
}

// costLimiter records what each retry costs.
type costLimiter struct{ costs []uint }

func (c *costLimiter) GetToken(_ context.Context, cost uint) (func() error, error) {
	c.costs = append(c.costs, cost)
	return func() error { return nil }, nil
}
func (c *costLimiter) AddTokens(uint) error { return nil }

// TestImageBuilderThrottling: Image Builder throttles with its own
// CallRateLimitExceededException. The retryer must take it for the
// throttling it is: a retry costs the throttling price (5 tokens, not 14)
// and backs off as from a throttle (from 1 s, not 50 ms); a server error
// after it stays a transient error.
func TestImageBuilderThrottling(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	limiter := &costLimiter{}
	var throttles []bool
	cfg := testConfig(srv.URL)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.RateLimiter = limiter
			o.Backoff = retry.BackoffDelayerFunc(func(_ int, err error) (time.Duration, error) {
				throttles = append(throttles, retry.IsErrorThrottles(o.Throttles).IsErrorThrottle(err) == aws.TrueTernary)
				return 0, nil
			})
		})
	}
	_, err := imageBuilderClient(cfg, "us-east-1").ListImagePipelines(context.Background(), &imagebuilder.ListImagePipelinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	// The fake throttles the first call, then fails the second with a 500.
	if len(limiter.costs) != 2 || limiter.costs[0] != retry.DefaultThrottlingRetryCost || limiter.costs[1] == retry.DefaultThrottlingRetryCost {
		t.Errorf("retry costs %v, want the throttling cost %d for CallRateLimitExceededException, then the cost of a server error", limiter.costs, retry.DefaultThrottlingRetryCost)
	}
	if len(throttles) != 2 || !throttles[0] || throttles[1] {
		t.Errorf("backoff saw throttles %v, want [true false]", throttles)
	}
}
