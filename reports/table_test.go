package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

func TestTableMarksSuppressed(t *testing.T) {
	r := demoReport(t)
	for i := range r.Findings {
		r.Findings[i].Suppression = nil
	}
	r.Findings[0].Suppression = &model.Suppression{Reason: "accepted", Owner: "sec", Expires: "2027-03-31"}
	var b bytes.Buffer
	if err := Table(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "(suppressed until 2027-03-31)") || !strings.Contains(out, "; 1 suppressed;") {
		t.Errorf("the suppressed finding is not marked:\n%s", out)
	}
}
