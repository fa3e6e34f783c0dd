package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// An empty report's lists are [] in JSON, never null; omitempty fields
// stay absent.
func TestJSONWritesEmptyLists(t *testing.T) {
	rep := &analyzer.Report{Tool: "imagewarden", Findings: nil, Warnings: nil, Inputs: []model.Source{{Path: "x.json", Kind: "k"}}}
	var b bytes.Buffer
	if err := Render(&b, "json", rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "null") {
		t.Errorf("a list written as null:\n%s", out)
	}
	for _, want := range []string{`"findings": []`, `"warnings": []`, `"principals": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(out, `"remediation"`) || strings.Contains(out, `"collection"`) {
		t.Errorf("omitempty fields should stay absent:\n%s", out)
	}
}
