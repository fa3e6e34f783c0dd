package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
)

// Planted principals and resources, by the ids the report uses.
var (
	awsPusher   = "arn:aws:iam::" + PlantedAWSImages + ":user/planted-pusher"
	awsBoundary = "arn:aws:iam::" + PlantedAWSImages + ":user/planted-boundary-blocked"
	awsDeployer = "arn:aws:iam::" + PlantedAWSImages + ":role/planted-deployer"
	awsSCP      = "arn:aws:iam::" + PlantedAWSSandbox + ":user/planted-scp-denied"
	awsChain    = "arn:aws:iam::" + PlantedAWSCI + ":user/planted-chain-user"
	gcpWriter   = "user:planted-writer@planted.example"
	gcpDenied   = "user:planted-denied@planted.example"
	gcpNested   = "user:planted-nested@planted.example"

	plantedPrincipals = []string{awsPusher, awsBoundary, awsDeployer, awsSCP, awsChain, gcpWriter, gcpDenied, gcpNested, PlantedAzurePusher, PlantedAzureDenied}

	awsApp     = plantedRepoArn(PlantedAWSImages, "planted/app")
	awsDeploy  = plantedRepoArn(PlantedAWSImages, "planted/deploy")
	awsSandbox = plantedRepoArn(PlantedAWSSandbox, "planted/sandbox")
	gcpRepo    = "//artifactregistry.googleapis.com/" + PlantedGCPRepo
	gcpNRepo   = "//artifactregistry.googleapis.com/" + PlantedGCPNestedRepo

	plantedResources = []string{awsApp, awsDeploy, awsSandbox, gcpRepo, gcpNRepo, PlantedAzureRegistry}
)

// TestPlantedFindings generates S and analyses it: the planted principals
// have exactly the access planted.go gives them, amid a thousand random
// ones, and those that a boundary, an SCP, a deny policy or a deny
// assignment stops have none.
func TestPlantedFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses the whole of scale S")
	}
	dir := t.TempDir()
	if _, err := Generate(Config{Scale: Scales["S"], Seed: 1, ManagedPolicies: defaultManagedPolicies()}, dir); err != nil {
		t.Fatal(err)
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{dir}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}

	// Every file is read as one of the native formats, without a warning
	// about its content.
	for _, s := range rep.Inputs {
		if s.Error != "" || s.Kind == "" {
			t.Errorf("input %s not read: kind %q, %s", s.Path, s.Kind, s.Error)
		}
	}
	for _, w := range rep.Warnings {
		if w.Where != "" {
			t.Errorf("warning on generated input: %s: %s", w.Where, w.Message)
		}
	}

	// The planted principals are all there, denied ones included: their
	// missing access is decided, not unread.
	known := map[string]bool{}
	for _, p := range rep.Principals {
		known[p.ID] = true
	}
	for _, p := range plantedPrincipals {
		if !known[p] {
			t.Errorf("planted principal %s is not in the report", p)
		}
	}

	isPlanted := func(id string) bool { return slices.Contains(plantedPrincipals, id) }
	isPlantedResource := func(r string) bool { return slices.Contains(plantedResources, r) }

	// Facts: what each planted principal holds, and who holds anything on
	// a planted resource, are exactly these.
	want := []string{
		awsPusher + " image.push " + awsApp,
		awsDeployer + " image.push " + awsDeploy,
		gcpWriter + " image.push " + gcpRepo,
		gcpWriter + " image.modify " + gcpRepo,
		gcpNested + " image.push " + gcpNRepo,
		gcpNested + " image.modify " + gcpNRepo,
		PlantedAzurePusher + " image.push " + PlantedAzureRegistry,
	}
	var byPrincipal, byResource []string
	for _, f := range rep.Facts {
		for _, tg := range f.Targets {
			line := f.Principal + " " + f.Capability + " " + tg.Resource
			if isPlanted(f.Principal) {
				byPrincipal = append(byPrincipal, line)
				if tg.Access != "allowed" {
					t.Errorf("%s: access %s, want allowed", line, tg.Access)
				}
			}
			if isPlantedResource(tg.Resource) {
				byResource = append(byResource, line)
			}
		}
	}
	sameSet(t, "facts of the planted principals", byPrincipal, want)
	sameSet(t, "facts on the planted resources", byResource, want)

	// Findings about them: the direct ones, and the cross-account chain.
	var findings []string
	for _, f := range rep.Findings {
		about := isPlanted(f.PrincipalID)
		for _, tg := range f.Targets {
			about = about || isPlantedResource(tg.Resource)
		}
		for _, e := range f.Path {
			about = about || isPlanted(e.From) || isPlanted(e.To)
		}
		if !about {
			continue
		}
		line := f.RuleID + " " + f.PrincipalID + " " + f.Capability
		for _, e := range f.Path {
			line += " [" + e.From + " -" + e.Kind + "-> " + e.To + "]"
		}
		findings = append(findings, line)
	}
	sameSet(t, "findings about the planted principals", findings, []string{
		"IW-003 " + awsPusher + " image.push",
		"IW-003 " + awsDeployer + " image.push",
		"IW-010 " + awsChain + " image.push [" + awsChain + " -assume-role-> " + awsDeployer + "]",
		"IW-003 " + gcpWriter + " image.push",
		"IW-005 " + gcpWriter + " image.modify",
		"IW-003 " + gcpNested + " image.push",
		"IW-005 " + gcpNested + " image.modify",
		"IW-003 " + PlantedAzurePusher + " image.push",
	})
}

// sameSet fails unless got and want hold the same lines (order and
// repeats aside), naming what is missing and what is extra.
func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := map[string]bool{}, map[string]bool{}
	for _, x := range got {
		g[x] = true
	}
	for _, x := range want {
		w[x] = true
	}
	var missing, extra []string
	for x := range w {
		if !g[x] {
			missing = append(missing, x)
		}
	}
	for x := range g {
		if !w[x] {
			extra = append(extra, x)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("%s: missing:\n  %s", what, strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("%s: not expected:\n  %s", what, strings.Join(extra, "\n  "))
	}
}

// TestDeterministic: the same scale and seed write byte-identical trees;
// another seed writes another organization (same planted part).
func TestDeterministic(t *testing.T) {
	managed := defaultManagedPolicies()
	gen := func(seed uint64) map[string][]byte {
		dir := t.TempDir()
		if _, err := Generate(Config{Scale: Scales["S"], Seed: seed, ManagedPolicies: managed}, dir); err != nil {
			t.Fatal(err)
		}
		return readTree(t, dir)
	}
	a, b, c := gen(7), gen(7), gen(8)
	if len(a) == 0 {
		t.Fatal("nothing written")
	}
	for name, data := range a {
		other, ok := b[name]
		if !ok {
			t.Errorf("%s: written by the first run only", name)
			continue
		}
		if !bytes.Equal(data, other) {
			t.Errorf("%s: differs between two runs with the same seed", name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: written by the second run only", name)
		}
	}
	differ := 0
	for name, data := range a {
		if !bytes.Equal(data, c[name]) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("seeds 7 and 8 wrote the same files")
	}
	for _, f := range []string{"gcp/planted/iam-policies.json", "azure/planted/role-assignments.json", "aws/" + PlantedAWSImages + "/iam.json"} {
		if _, ok := c[f]; !ok {
			t.Errorf("%s: not written with seed 8", f)
		}
	}
}

// TestScaleS: S is about a hundredth of L, 1,000 principals and 10,000
// statements, grants and assignments, in several files per cloud.
func TestScaleS(t *testing.T) {
	sum, err := Generate(Config{Scale: Scales["S"], Seed: 1}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	principals, items := 0, 0
	for _, c := range sum.Clouds {
		principals += c.Principals
		items += c.Items
		if c.Files < 5 {
			t.Errorf("%s: %d files, want the export split into several", c.Cloud, c.Files)
		}
	}
	if principals < 800 || principals > 1300 {
		t.Errorf("%d principals, want about 1,000", principals)
	}
	if items < 8000 || items > 13000 {
		t.Errorf("%d items, want about 10,000", items)
	}
	if !strings.Contains(sum.ManagedPolicies, "built-in handful") {
		t.Errorf("without a dataset the summary should say the built-in handful is used: %q", sum.ManagedPolicies)
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
