package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// TestDemoComputeInventory: the demo with an EC2 and a Lambda inventory of
// the shared-services account, complete (Region and EnabledRegions). The EC2 compute there runs as legacy-jenkins
// only (exact, no edge to EC2ImageBuilderInstance, whose profile no instance
// uses) and there is no Lambda function: the summary counts three assumed
// edges fewer for EC2 (two runs-as, carol's takeover, now exact) and one for
// Lambda (carol's takeover, now gone).
func TestDemoComputeInventory(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	base, err := Analyze(context.Background(), Options{Paths: demoWithoutComputeInventory(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(context.Background(), Options{Paths: append(demoWithoutComputeInventory(t), "testdata/compute-inventory"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary.AssumedEdges, base.Summary.AssumedEdges-4; got != want || base.Summary.AssumedEdges == 0 {
		t.Errorf("assumed edges: %d with the inventory, %d without; want %d", got, base.Summary.AssumedEdges, want)
	}
	const (
		ec2     = model.ComputePrefix + "aws:210987654321:ec2.amazonaws.com"
		lambda  = model.ComputePrefix + "aws:210987654321:lambda.amazonaws.com"
		jenkins = "arn:aws:iam::210987654321:role/legacy-jenkins"
		builder = "arn:aws:iam::210987654321:role/EC2ImageBuilderInstance"
		carol   = "arn:aws:iam::210987654321:user/carol"
	)
	found := map[string]model.Edge{}
	for _, e := range rep.Edges {
		found[e.From+" "+e.To] = e
	}
	if e, ok := found[ec2+" "+jenkins]; !ok || e.Assumed {
		t.Errorf("EC2 compute -> legacy-jenkins: %+v (present %v), want exact", e, ok)
	}
	if e, ok := found[carol+" "+ec2]; !ok || e.Assumed {
		t.Errorf("carol -> EC2 compute: %+v (present %v), want exact", e, ok)
	}
	for _, k := range []string{ec2 + " " + builder, carol + " " + lambda} {
		if e, ok := found[k]; ok {
			t.Errorf("%s: %+v, want no edge (no listed compute)", k, e)
		}
	}
	// The other account's EC2 compute is not listed: still assumed.
	if e, ok := found["arn:aws:iam::345678901234:user/henry "+model.ComputePrefix+"aws:345678901234:ec2.amazonaws.com"]; !ok || !e.Assumed {
		t.Errorf("henry -> EC2 compute of 345678901234: %+v (present %v), want assumed", e, ok)
	}
}

// TestDemoPartialComputeInventory: the same EC2 inventory as a plain
// describe-instances export (no Region, no EnabledRegions) is partial: the
// listed instance still makes its edges exact, but the edge to
// EC2ImageBuilderInstance, which compute in an unlisted region may run as,
// stays (assumed) instead of being dropped.
func TestDemoPartialComputeInventory(t *testing.T) {
	b, err := os.ReadFile("testdata/compute-inventory/ec2-instances-us-east-1.json")
	if err != nil {
		t.Fatal(err)
	}
	plain := strings.NewReplacer(`"Region": "us-east-1",`, "", `"EnabledRegions": ["us-east-1"],`, "").Replace(string(b))
	if plain == string(b) {
		t.Fatal("the fixture no longer carries Region and EnabledRegions")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ec2-instances.json"), []byte(plain), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(context.Background(), Options{Paths: append(demoWithoutComputeInventory(t), dir), Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	const (
		ec2     = model.ComputePrefix + "aws:210987654321:ec2.amazonaws.com"
		jenkins = "arn:aws:iam::210987654321:role/legacy-jenkins"
		builder = "arn:aws:iam::210987654321:role/EC2ImageBuilderInstance"
		carol   = "arn:aws:iam::210987654321:user/carol"
	)
	found := map[string]model.Edge{}
	for _, e := range rep.Edges {
		found[e.From+" "+e.To] = e
	}
	if e, ok := found[ec2+" "+jenkins]; !ok || e.Assumed {
		t.Errorf("EC2 compute -> legacy-jenkins: %+v (present %v), want exact", e, ok)
	}
	if e, ok := found[carol+" "+ec2]; !ok || e.Assumed {
		t.Errorf("carol -> EC2 compute: %+v (present %v), want exact (listed compute exists)", e, ok)
	}
	if e, ok := found[ec2+" "+builder]; !ok || !e.Assumed || !strings.Contains(e.Note, "names no region") {
		t.Errorf("EC2 compute -> EC2ImageBuilderInstance: %+v (present %v), want assumed, the note saying the inventory names no region", e, ok)
	}
}

// awsComputeInventory names the demo's AWS compute inventory files
// (docs/inputs.md section 8).
var awsComputeInventory = []string{"ec2-instances-", "lambda-functions-", "codebuild-projects-", "ecs-"}

// demoWithoutComputeInventory is the demo's inputs without its AWS compute
// inventory: the tests above add an inventory of their own to it.
func demoWithoutComputeInventory(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(demoDir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	dropped := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // the demo's configuration: not an input
		}
		inventory := false
		for _, p := range awsComputeInventory {
			inventory = inventory || strings.HasPrefix(e.Name(), p)
		}
		if inventory {
			dropped++
			continue
		}
		paths = append(paths, filepath.Join(demoDir, e.Name()))
	}
	if dropped == 0 {
		t.Fatal("the demo has no AWS compute inventory any more: the tests that take it out prove nothing new")
	}
	return paths
}

// TestDemoComputeInventoryIsExact: the demo's own inventory (complete, every
// enabled region) settles every EC2, Lambda, CodeBuild and ECS edge; only
// services without an inventory keep assumed edges, and the summary counts
// them by service.
func TestDemoComputeInventoryIsExact(t *testing.T) {
	rep, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	settled := map[string]bool{"ec2.amazonaws.com": true, "lambda.amazonaws.com": true, "codebuild.amazonaws.com": true, "ecs-tasks.amazonaws.com": true}
	n := 0
	for _, e := range rep.Edges {
		if !e.Assumed || e.Cloud != "aws" {
			continue
		}
		n++
		for _, node := range []string{e.From, e.To} {
			for svc := range settled {
				if strings.HasPrefix(node, model.ComputePrefix) && strings.HasSuffix(node, ":"+svc) {
					t.Errorf("%s -> %s is assumed, but the demo lists the %s compute of every enabled region", e.From, e.To, svc)
				}
			}
		}
	}
	if n == 0 || rep.Summary.AssumedEdges < n {
		t.Errorf("summary counts %d assumed edges; the AWS ones alone are %d", rep.Summary.AssumedEdges, n)
	}
	for _, g := range rep.Summary.Assumed {
		if settled[g.What] {
			t.Errorf("summary groups assumed edges under %s, which the demo's inventory settles: %+v", g.What, g)
		}
	}
	// The exact edges name the compute.
	want := map[string]string{
		model.ComputePrefix + "aws:210987654321:ec2.amazonaws.com arn:aws:iam::210987654321:role/legacy-jenkins":       "i-0a1b2c3d4e5f60718",
		model.ComputePrefix + "aws:210987654321:codebuild.amazonaws.com arn:aws:iam::210987654321:role/image-pipeline": "golden-images",
		model.ComputePrefix + "aws:345678901234:ecs-tasks.amazonaws.com arn:aws:iam::345678901234:role/app-runtime":    "checkout",
	}
	for _, e := range rep.Edges {
		if w, ok := want[e.From+" "+e.To]; ok {
			if e.Assumed || !strings.Contains(e.Note, w) {
				t.Errorf("%s -> %s: assumed %v, note %q; want exact, naming %s", e.From, e.To, e.Assumed, e.Note, w)
			}
			delete(want, e.From+" "+e.To)
		}
	}
	for k := range want {
		t.Errorf("no edge %s", k)
	}
}
