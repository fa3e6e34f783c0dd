package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// FuzzParse: no input makes the loader, the checks or Apply panic, and
// every problem has a place in the file.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"valid.yaml", "every-problem.yaml", "broken.yaml"} {
		if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(b)
		}
	}
	if b, err := os.ReadFile("../../testdata/demo/" + DefaultName); err == nil {
		f.Add(b)
	}
	f.Add([]byte("version: 1\nsuppressions: &a [*a]\n"))
	f.Add([]byte("version: 1\nsuppressions:\n  - &x {id: iw-0123456789abcdef, reason: r, owner: o, expires: 2027-01-01}\n  - *x\n"))
	f.Add([]byte("{version: 1, approved_publishers: [{principal: '[', capabilities: [[]], resources: [{}]}]}"))
	f.Add([]byte("? [a]\n: b\n"))
	r, cat := builtins(f)
	fs := []model.Finding{
		{ID: "iw-0123456789abcdef", RuleID: "IW-003", PrincipalID: "arn:aws:iam::1:user/a", Capability: "image.push", Severity: "high", Targets: []model.Target{{Resource: "r"}}},
		{RuleID: "IW-010", PrincipalID: "p", Capability: "image.create", Severity: "medium", Path: []model.Edge{{Cloud: "gcp"}}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		if err := c.Check(r, cat); err != nil {
			e, ok := AsError(err)
			if !ok || len(e.Problems) == 0 {
				t.Fatalf("not an *Error with problems: %v", err)
			}
			for _, p := range e.Problems {
				if p.Line == 0 || p.File != "f.yaml" || p.Message == "" {
					t.Fatalf("problem without a place: %+v", p)
				}
			}
		}
		in := append([]model.Finding{}, fs...)
		c.Apply(in, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		c.Sources()
	})
}
