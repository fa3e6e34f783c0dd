package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	azureComputeDir = "testdata/azure-compute"
	azcSub          = "cccccccc-1111-4222-8333-444444444444"
	azcRegistry     = "/subscriptions/" + azcSub + "/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/acrbuild"
	azcAlice        = "0a0a0a0a-0000-4000-8000-00000000000a"
	azcBob          = "0b0b0b0b-0000-4000-8000-00000000000b"
	azcAgent        = "5e5e5e5e-0000-4000-8000-00000000005e"
)

// TestAzureComputeTakeoverChain: alice (Virtual Machine Contributor on the
// build resource group) can run a command on the build agent VM, whose
// system-assigned identity pushes to the registry: who-can and path show
// the chain user -> takeover -> VM identity -> push. Without the VM
// inventory there is no chain, and the report says that compute takeover
// was not assessed for the subscription.
func TestAzureComputeTakeoverChain(t *testing.T) {
	const push = "Microsoft.ContainerRegistry/registries/push/write"
	res, err := WhoCan(Options{Paths: []string{azureComputeDir}}, push, azcRegistry)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.Answer{}
	for _, a := range res.Principals {
		got[a.ID] = a
	}
	if a, ok := got[azcAgent]; !ok || len(a.Path) != 0 {
		t.Errorf("the build agent's identity pushes directly: %+v (present %v)", a, ok)
	}
	a, ok := got[azcAlice]
	if !ok || a.Access != model.Allowed || len(a.Path) != 1 || a.Path[0].Kind != "takeover" || a.Path[0].To != azcAgent ||
		!strings.Contains(a.Path[0].Note, "build-agent-01") {
		t.Errorf("alice pushes by taking over build-agent-01: %+v (present %v)", a, ok)
	}
	if a, ok := got[azcBob]; ok {
		t.Errorf("bob (Reader) pushes: %+v", a)
	}

	p, err := Path(context.Background(), Options{Paths: []string{azureComputeDir}}, azcAlice, "image.push")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Found || len(p.Steps) != 1 || p.Steps[0].Kind != "takeover" || p.Steps[0].To != azcAgent || p.Steps[0].Assumed {
		t.Errorf("path alice -> image.push: %+v, want one exact takeover step to the VM's identity", p)
	}

	// Without the VM inventory: no chain, and a warning naming the
	// subscription and the missing input.
	dir := t.TempDir()
	for _, f := range []string{"role-assignments.json", "registries.json"} {
		b, err := os.ReadFile(filepath.Join(azureComputeDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err = WhoCan(Options{Paths: []string{dir}}, push, azcRegistry)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Principals {
		if a.ID == azcAlice {
			t.Errorf("without the VM inventory alice pushes: %+v", a)
		}
	}
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "compute takeover") && strings.Contains(w.Message, azcSub) && strings.Contains(w.Message, "A9") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that compute takeover was not assessed for %s: %v", azcSub, rep.Warnings)
	}
	rep, err = Analyze(context.Background(), Options{Paths: []string{azureComputeDir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "with no compute inventory") {
			t.Errorf("with the VM inventory the subscription is assessed: %v", w)
		}
	}
}
