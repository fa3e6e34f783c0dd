package azurecollect

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestCollectedCompute: collect writes each subscription's compute
// inventory in the object form (subscription, the types listed in full,
// the resources with their identity block and, for VMs, their
// extensions); a provider the subscription is not registered for counts
// as listed and empty; analyze reads the files: a principal with
// Contributor over the build VM takes over both identities it runs as,
// and only the unreadable subscription is named as not assessed.
func TestCollectedCompute(t *testing.T) {
	f := newFake()
	f.reliable = true
	_, out, _ := collectFake(t, f, nil)
	checkReadOnly(t, f)
	read := func(sub string) computeFile {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, "subscriptions", sub, "compute.json"))
		if err != nil {
			t.Fatal(err)
		}
		var cf computeFile
		if err := json.Unmarshal(b, &cf); err != nil {
			t.Fatal(err)
		}
		return cf
	}
	all := []string{}
	for _, l := range computeLists {
		all = append(all, l.typ)
	}
	platform := read(subPlatform)
	if platform.SubscriptionID != subPlatform || !slices.Equal(platform.ResourceTypes, all) || len(platform.Value) != 2 ||
		platform.Value[0].ID != vmBuilder || !strings.Contains(string(platform.Value[0].Identity), builderMI) ||
		!strings.Contains(string(platform.Value[0].Resources), "AADSSHLoginForLinux") || string(platform.Value[1].Identity) != "null" {
		t.Errorf("sub-platform compute: %+v", platform)
	}
	shop := read(subShop)
	if !slices.Equal(shop.ResourceTypes, all) || len(shop.Value) != 1 || shop.Value[0].ID != funcShop || shop.Value[0].Kind != "functionapp,linux" {
		t.Errorf("sub-shop compute (Microsoft.App not registered: listed, none): %+v", shop)
	}
	if _, err := os.Stat(filepath.Join(out, "subscriptions", subLegacy, "compute.json")); err == nil {
		t.Error("sub-legacy is unreadable: no compute inventory should be written")
	}

	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	takers := map[string][]string{}
	for _, e := range rep.Edges {
		if e.Kind == "takeover" && strings.Contains(e.Note, "vm-builder") {
			takers[e.To] = append(takers[e.To], e.From)
		}
	}
	if len(takers[builderMI]) == 0 || len(takers[vmBuilderMI]) == 0 {
		t.Errorf("takeover edges of vm-builder: %v, want edges to %s and %s", takers, builderMI, vmBuilderMI)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "with no compute inventory") && (strings.Contains(w.Message, subPlatform) || strings.Contains(w.Message, subShop)) {
			t.Errorf("a collected subscription is named as not assessed: %s", w.Message)
		}
	}
}
