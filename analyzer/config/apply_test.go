package config

import (
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

var now = time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC)

func finding(rule, principal, capability string, resources ...string) model.Finding {
	f := model.Finding{RuleID: rule, PrincipalID: principal, Capability: capability, Severity: "high"}
	for _, r := range resources {
		f.Targets = append(f.Targets, model.Target{Resource: r})
	}
	f.ID = model.FindingID(&f)
	return f
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse("c.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(nil, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// suppression parses one suppression: the match lines, then a reason,
// an owner and the expiry.
func suppression(t *testing.T, match, expires string) *Suppression {
	t.Helper()
	c := mustParse(t, "version: 1\nsuppressions:\n  - "+strings.ReplaceAll(match, "\n", "\n    ")+"\n    reason: r\n    owner: o\n    expires: "+expires+"\n")
	return &c.Suppressions[0]
}

func TestSuppressionMatches(t *testing.T) {
	const repo = "arn:aws:ecr:us-east-1:210987654321:repository/"
	jenkins := finding("IW-003", "arn:aws:iam::210987654321:role/legacy-jenkins", "image.push", repo+"legacy/jenkins-agent", repo+"legacy/*")
	wide := finding("IW-003", "arn:aws:iam::210987654321:role/legacy-jenkins", "image.push", repo+"legacy/jenkins-agent", repo+"golden/base")
	chain := finding("IW-010", "user:dana@northwind.example", "image.push")
	for _, c := range []struct {
		name  string
		match string
		f     model.Finding
		want  bool
	}{
		{"by id", "id: " + jenkins.ID, jenkins, true},
		{"by id, another finding", "id: " + jenkins.ID, wide, false},
		{"rule", "rule: IW-003", jenkins, true},
		{"rule is exact", "rule: IW-00", jenkins, false},
		{"other rule", "rule: IW-004", jenkins, false},
		{"principal glob", `principal: "arn:aws:iam::*:role/legacy-*"`, jenkins, true},
		{"principal glob crosses / and :", `principal: "arn:*jenkins"`, jenkins, true},
		{"principal glob, no match", `principal: "arn:aws:iam::*:user/*"`, jenkins, false},
		{"capability", "capability: image.push", jenkins, true},
		{"capability glob", `capability: "image.*"`, jenkins, true},
		{"other capability", "capability: image.create", jenkins, false},
		{"resource glob covering every target", `resource: "arn:aws:ecr:*:210987654321:repository/legacy/*"`, jenkins, true},
		{"resource glob covering only some targets", `resource: "arn:aws:ecr:*:210987654321:repository/legacy/*"`, wide, false},
		{"resource against a finding without targets", `resource: "*"`, chain, false},
		{"all fields", "rule: IW-003\nprincipal: \"*legacy-jenkins\"\ncapability: image.push\nresource: \"*legacy*\"", jenkins, true},
		{"all fields, one differs", "rule: IW-003\nprincipal: \"*legacy-jenkins\"\ncapability: image.create\nresource: \"*legacy*\"", jenkins, false},
		{"glob classes and alternatives", `principal: "user:{dana,erin}@northwind.exampl[a-e]"`, chain, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := suppression(t, c.match, "2027-01-01")
			if got := s.Matches(&c.f); got != c.want {
				t.Errorf("Matches = %v, want %v", got, c.want)
			}
		})
	}
}

// TestExpiry: a suppression holds through its expiry date (UTC), and
// lapses the day after.
func TestExpiry(t *testing.T) {
	s := suppression(t, "rule: IW-003", "2026-03-31")
	for _, c := range []struct {
		now     time.Time
		expired bool
	}{
		{time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		// 2026-04-01 01:00 in Paris is still 2026-03-31 in UTC.
		{time.Date(2026, 4, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), false},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := s.Expired(c.now); got != c.expired {
			t.Errorf("expires 2026-03-31, now %s: expired = %v, want %v", c.now, got, c.expired)
		}
	}
}

func TestOverrideMatches(t *testing.T) {
	gcp := finding("IW-006", "user:sam@contractor.example", "image.share")
	gcp.Principal = &model.Principal{ID: gcp.PrincipalID, Cloud: "gcp"}
	chain := finding("IW-010", "arn:aws:iam::210987654321:user/frank", "image.push")
	chain.Path = []model.Edge{{From: chain.PrincipalID, To: "x", Cloud: "aws"}}
	for _, c := range []struct {
		name, match string
		f           model.Finding
		want        bool
	}{
		{"rule", "rule: IW-006", gcp, true},
		{"other rule", "rule: IW-003", gcp, false},
		{"cloud from the principal", "cloud: gcp", gcp, true},
		{"cloud glob", `cloud: "{gcp,azure}"`, gcp, true},
		{"other cloud", "cloud: aws", gcp, false},
		{"cloud from the chain", "cloud: aws", chain, true},
		{"principal glob", `principal: "user:*@contractor.example"`, gcp, true},
		{"capability glob", `capability: "image.s*"`, gcp, true},
		{"every field", "rule: IW-006\ncloud: gcp\nprincipal: \"user:*\"\ncapability: image.share", gcp, true},
		{"every field, one differs", "rule: IW-006\ncloud: gcp\nprincipal: \"group:*\"\ncapability: image.share", gcp, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := mustParse(t, "version: 1\nseverity_overrides:\n  - "+strings.ReplaceAll(c.match, "\n", "\n    ")+"\n    severity: low\n")
			if got := cfg.SeverityOverrides[0].Matches(&c.f); got != c.want {
				t.Errorf("Matches = %v, want %v", got, c.want)
			}
		})
	}
}

// TestApply: overrides first (the first matching entry wins, findings
// sorted again), then suppressions; warnings for lapsed and stale ones.
func TestApply(t *testing.T) {
	c := mustParse(t, `version: 1
severity_overrides:
  - rule: IW-007
    severity: critical
  - rule: IW-007
    severity: info
suppressions:
  - rule: IW-003
    principal: "*alice"
    reason: accepted
    owner: sec
    expires: 2026-03-31
  - rule: IW-003
    principal: "*bob"
    reason: lapsed
    owner: sec
    expires: 2026-03-30
  - rule: IW-003
    reason: lapsed, but alice is covered above
    owner: sec
    expires: 2026-01-01
  - rule: IW-005
    reason: stale
    owner: sec
    expires: 2027-01-01
  - rule: IW-004
    reason: stale and lapsed
    owner: sec
    expires: 2026-01-01
`)
	alice := finding("IW-003", "alice", "image.push", "r1")
	bob := finding("IW-003", "bob", "image.push", "r1")
	carol := finding("IW-007", "carol", "registry.configure", "r1")
	carol.Severity = "medium"
	fs := []model.Finding{alice, bob, carol}
	ws := c.Apply(fs, now)

	if fs[0].PrincipalID != "carol" || fs[0].Severity != "critical" {
		t.Errorf("the override should make carol's finding critical and first: %+v", fs[0])
	}
	byP := map[string]model.Finding{}
	for _, f := range fs {
		byP[f.PrincipalID] = f
	}
	if s := byP["alice"].Suppression; s == nil || s.Reason != "accepted" || s.Owner != "sec" || s.Expires != "2026-03-31" || s.Source != "c.yaml:8" {
		t.Errorf("alice should be suppressed by c.yaml:8 (its last day): %+v", s)
	}
	if byP["bob"].Suppression != nil {
		t.Errorf("bob's suppressions lapsed: %+v", byP["bob"].Suppression)
	}
	var msgs []string
	for _, w := range ws {
		msgs = append(msgs, w.Message)
	}
	want := []string{
		"suppression at c.yaml:13 expired on 2026-03-30: the finding is back (" + bob.ID + ")",
		"suppression at c.yaml:18 expired on 2026-01-01: the finding is back (" + bob.ID + ")",
		"suppression at c.yaml:22 matches no finding: the access is gone or the suppression is wrong; remove it",
		"suppression at c.yaml:26 (expired on 2026-01-01) matches no finding: remove it",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}

	// A lapsed entry whose findings other entries cover says so.
	c2 := mustParse(t, "version: 1\nsuppressions:\n  - rule: IW-003\n    reason: r\n    owner: o\n    expires: 2027-01-01\n  - principal: alice\n    reason: r\n    owner: o\n    expires: 2020-01-01\n")
	ws = c2.Apply([]model.Finding{alice}, now)
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "c.yaml:7 expired on 2020-01-01; other suppressions cover its findings: remove it") {
		t.Errorf("warnings: %+v", ws)
	}
	// Several findings back at once are counted.
	c3 := mustParse(t, "version: 1\nsuppressions:\n  - rule: IW-003\n    reason: r\n    owner: o\n    expires: 2020-01-01\n")
	ws = c3.Apply([]model.Finding{alice, bob}, now)
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "expired on 2020-01-01: the 2 findings are back (") {
		t.Errorf("warnings: %+v", ws)
	}
}
