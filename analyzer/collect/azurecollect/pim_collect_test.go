package azurecollect

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestCollectedPIMAndFederation: analyze reads the eligibility, policy and
// federated credential files collect wrote: dave, eligible for AcrPush on
// acrgolden with approval required, can push there, conditional and marked;
// id-builder's federated credentials become trusts of its principal (the
// organization-wide flexible one and the exact one); the eligibility on
// mg-platform, listed by both subscriptions, counts once.
func TestCollectedPIMAndFederation(t *testing.T) {
	f := newFake()
	f.reliable = true
	_, out, _ := collectFake(t, f, nil)
	checkReadOnly(t, f)
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, s := range rep.Inputs {
		rel, _ := filepath.Rel(out, s.Path)
		kinds[filepath.ToSlash(rel)] = s.Kind
	}
	for file, kind := range map[string]string{
		"subscriptions/" + subShop + "/role-eligibility.json":             "azure-role-eligibility-schedules",
		"subscriptions/" + subPlatform + "/role-management-policies.json": "azure-role-management-policy-assignments",
		"subscriptions/" + subPlatform + "/federated-credentials.json":    "azure-federated-identity-credentials",
		"subscriptions/" + subPlatform + "/role-eligibility.json":         "azure-role-eligibility-schedules",
	} {
		if kinds[file] != kind {
			t.Errorf("%s read as %q, want %q", file, kinds[file], kind)
		}
	}
	pushed := false
	for _, fact := range rep.Facts {
		if fact.Principal != dave || fact.Capability != "image.push" {
			continue
		}
		for _, tg := range fact.Targets {
			if strings.EqualFold(tg.Resource, acrGolden) && tg.Access == "conditional" && len(tg.Via) == 1 &&
				tg.Via[0].PolicyType == "role_eligibility" && strings.Contains(tg.Via[0].Note, "approval required") {
				pushed = true
			}
		}
	}
	if !pushed {
		var mine []any
		for _, fact := range rep.Facts {
			if fact.Principal == dave {
				mine = append(mine, fact)
			}
		}
		t.Errorf("dave's eligible AcrPush on acrgolden (approval required) is not a conditional image.push: %+v", mine)
	}
	var trusts []string
	for _, tr := range rep.Federation {
		if tr.Cloud == "azure" {
			trusts = append(trusts, tr.Principal+" "+tr.Statement+" "+tr.Scope)
		}
	}
	if strings.Join(trusts, ";") != builderMI+" github-main pinned;"+builderMI+" github-org organization" {
		t.Errorf("azure trusts %q", trusts)
	}
	for _, c := range rep.Summary.Counts {
		if c.Cloud == "azure" && c.Item == "eligible role assignments" && (c.Read != 3 || c.Duplicates != 1 || c.Evaluated != 2) {
			t.Errorf("eligible role assignments counted %+v, want 3 read, 1 duplicate, 2 evaluated", c)
		}
	}
}
