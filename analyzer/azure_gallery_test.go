package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestAzureGalleriesAreKnownResources: a gallery listed by `az sig list`
// (or collect azure) is decided exactly, like a registry, for a principal
// whose assignment is far above it; without the listing only the scope of
// the assignment is reported.
func TestAzureGalleriesAreKnownResources(t *testing.T) {
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(azureDemo, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exact := func() bool {
		rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rep.Inputs {
			if s.Error != "" {
				t.Errorf("%s: %s", s.Path, s.Error)
			}
		}
		for _, f := range rep.Facts {
			if f.Principal != azInes {
				continue
			}
			for _, tg := range f.Targets {
				if tg.Resource == gallery && tg.Known {
					return true
				}
			}
		}
		return false
	}
	if exact() {
		t.Fatal("the gallery is decided exactly before it is listed: the test proves nothing")
	}
	sig := `[{"id": "` + gallery + `", "name": "galNorthwindGolden", "type": "Microsoft.Compute/galleries", "location": "westeurope",
	  "sharingProfile": {"permissions": "Private"}}]`
	if err := os.WriteFile(filepath.Join(dir, "galleries.json"), []byte(sig), 0o644); err != nil {
		t.Fatal(err)
	}
	if !exact() {
		t.Error("ines (Owner on mg-northwind) is not decided exactly on the listed gallery")
	}
}
