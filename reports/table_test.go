package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
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

func TestTableShowsAppliedRemediation(t *testing.T) {
	r := demoReport(t)
	r.Remediation = &remediate.Applied{Plan: "fixes/remediation.json", Changes: []string{"c1"}, Resolved: []model.Finding{r.Findings[0]},
		Introduced: []string{"iw-0000000000000001"}, Removes: []string{"ecr:ImagewardenOtherAction for arn:aws:iam::1:user/x"}}
	var b bytes.Buffer
	if err := Table(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Remediation applied (fixes/remediation.json): 1 change(s), 1 finding(s) resolved, 1 uncovered, 1 other permission(s) removed.",
		"resolved  " + r.Findings[0].ID, "uncovered iw-0000000000000001", "removes   ecr:ImagewardenOtherAction"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
}
