package config_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	demo       = "../../testdata/demo"
	demoConfig = demo + "/" + config.DefaultName
	shared     = "arn:aws:iam::210987654321:"
)

func analyze(t *testing.T, cfg string, now time.Time) *analyzer.Report {
	t.Helper()
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{demo}, Config: cfg, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func find(rep *analyzer.Report, rule, principal, capability string) *model.Finding {
	for i, f := range rep.Findings {
		if f.RuleID == rule && f.PrincipalID == principal && f.Capability == capability {
			return &rep.Findings[i]
		}
	}
	return nil
}

// TestDemoConfig runs the demo with and without its .imagewarden.yaml: an
// approved publisher's finding disappears, suppressed findings stay and are
// marked, a lapsed suppression's finding is back with a warning, and the
// override makes AWS sharing critical, in the findings and the summary.
func TestDemoConfig(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	without := analyze(t, "", day)
	with := analyze(t, demoConfig, day)

	t.Run("approved publisher", func(t *testing.T) {
		for _, c := range []struct{ rule, capability string }{{"IW-003", "image.push"}, {"IW-006", "image.share"}, {"IW-004", "image.create"}} {
			if find(without, c.rule, shared+"role/image-pipeline", c.capability) == nil {
				t.Fatalf("without the configuration, image-pipeline %s should be reported", c.capability)
			}
			if f := find(with, c.rule, shared+"role/image-pipeline", c.capability); f != nil {
				t.Errorf("image-pipeline is an approved publisher for %s but reported: %s", c.capability, f.Message)
			}
		}
		if find(with, "IW-009", shared+"role/image-pipeline", "iam.escalate") == nil {
			t.Error("iam.escalate is not approved for image-pipeline: still reported")
		}
		if find(with, "IW-004", shared+"role/EC2ImageBuilderInstance", "image.create") == nil {
			t.Error("EC2ImageBuilderInstance is approved for image.push only: image.create still reported")
		}
	})

	t.Run("suppressed, kept and marked", func(t *testing.T) {
		f := find(with, "IW-003", shared+"role/legacy-jenkins", "image.push")
		if f == nil {
			t.Fatal("the suppressed finding must stay in the report")
		}
		s := f.Suppression
		if s == nil || s.Owner != "platform-security@northwind.example" || s.Expires != "2027-12-31" || !strings.HasPrefix(s.Reason, "the Jenkins agent image") || s.Source != demoConfig+":31" {
			t.Errorf("suppression: %+v", s)
		}
		p := find(with, "IW-002", "arn:aws:iam::777788889999:root", "image.push")
		if p == nil || p.Suppression == nil || p.Suppression.Source != demoConfig+":38" || p.ID != "iw-efcf048884155b0a" {
			t.Errorf("the partner's finding should be suppressed by id: %+v", p)
		}
		if find(without, "IW-003", shared+"role/legacy-jenkins", "image.push").Suppression != nil {
			t.Error("no suppression without the configuration")
		}
	})

	t.Run("expired: back with a warning", func(t *testing.T) {
		f := find(with, "IW-004", shared+"user/erin", "image.create")
		if f == nil || f.Suppression != nil {
			t.Fatalf("erin's suppression expired on 2025-12-31: the finding must be back, unsuppressed: %+v", f)
		}
		want := "suppression at " + demoConfig + ":44 expired on 2025-12-31: the finding is back (" + f.ID + ")"
		var all []string
		for _, w := range with.Warnings {
			all = append(all, w.Message)
			if strings.Contains(w.Message, "matches no finding") {
				t.Errorf("the demo configuration has no stale entry: %s", w.Message)
			}
		}
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("want the warning %q; got:\n%s", want, strings.Join(all, "\n"))
		}
		// On its expiry day it still holds.
		last := analyze(t, demoConfig, time.Date(2025, 12, 31, 18, 0, 0, 0, time.UTC))
		if f := find(last, "IW-004", shared+"user/erin", "image.create"); f == nil || f.Suppression == nil {
			t.Errorf("on 2025-12-31 erin's suppression still holds: %+v", f)
		}
	})

	t.Run("severity override", func(t *testing.T) {
		for _, p := range []string{shared + "user/carol", shared + "user/erin", "arn:aws:iam::345678901234:user/henry"} {
			before, after := find(without, "IW-006", p, "image.share"), find(with, "IW-006", p, "image.share")
			if before == nil || after == nil || before.Severity == "critical" || after.Severity != "critical" {
				t.Errorf("%s image.share: want critical with the override, got %+v -> %+v", p, before, after)
			}
		}
		if f := find(with, "IW-006", "user:dana@northwind.example", "image.share"); f == nil || f.Severity != "high" {
			t.Errorf("the override is for AWS only: dana (GCP) stays high: %+v", f)
		}
		count := map[string]int{}
		for i, f := range with.Findings {
			count[f.Severity]++
			if i > 0 && model.SeverityRank[f.Severity] > model.SeverityRank[with.Findings[i-1].Severity] {
				t.Fatalf("findings not sorted by severity after the override at %d", i)
			}
		}
		for s, n := range count {
			if with.Summary.BySeverity[s] != n {
				t.Errorf("summary %s: %d, findings say %d", s, with.Summary.BySeverity[s], n)
			}
		}
		if with.Summary.BySeverity["critical"] <= without.Summary.BySeverity["critical"] {
			t.Error("the summary should count the overridden findings as critical")
		}
	})

	t.Run("input", func(t *testing.T) {
		var src *model.Source
		for i, s := range with.Inputs {
			if s.Kind == config.Kind {
				src = &with.Inputs[i]
			}
		}
		if src == nil || src.Path != demoConfig || src.SHA256 == "" || src.Detail != "3 approved publishers, 3 suppressions, 1 severity override" {
			t.Errorf("the configuration should be among the inputs: %+v", src)
		}
		if with.Summary.FilesRead != without.Summary.FilesRead+1 {
			t.Errorf("files read: %d with, %d without", with.Summary.FilesRead, without.Summary.FilesRead)
		}
		if with.RuleBundle == without.RuleBundle {
			t.Error("the approved publishers are rule data: the bundle hash should change")
		}
	})
}

// TestAnalyzeRejectsBadConfig: Analyze checks the configuration against
// the loaded rules (with --policy ones) and catalog, and reports every
// problem with its place before evaluating anything.
func TestAnalyzeRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "acme.rego"), []byte(`# METADATA
# title: ACME
# custom:
#   id: ACME-001
package imagewarden.rules.acme

findings contains {"principal": "x", "message": "m"} if false
`), 0o644)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("version: 1\nseverity_overrides:\n  - rule: ACME-001\n    severity: low\n  - rule: IW-099\n    severity: low\n  - capability: image.pus\n    severity: lowest\n"), 0o644)
	_, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{demo}, PolicyDirs: []string{dir}, Config: cfg})
	e, ok := config.AsError(err)
	if !ok {
		t.Fatalf("want a configuration error, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{cfg + ":5:11: severity_overrides[1].rule: unknown rule \"IW-099\"", cfg + ":7:17: severity_overrides[2].capability: unknown capability \"image.pus\"", cfg + ":8:15: severity_overrides[2]: severity \"lowest\""} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if len(e.Problems) != 3 || strings.Contains(msg, `rule "ACME-001"`) {
		t.Errorf("ACME-001 comes from --policy and is known; want 3 problems:\n%s", msg)
	}
	if _, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{demo}, Config: filepath.Join(dir, "none.yaml")}); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("a missing --config file is an error naming it, got %v", err)
	}
}
