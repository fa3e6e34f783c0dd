package model

import "testing"

func TestFindingIDStable(t *testing.T) {
	a := Finding{RuleID: "IW-002", PrincipalID: "arn:aws:iam::1:role/a", Capability: "image.push", Message: "one wording",
		Targets: []Target{{Resource: "r1"}, {Resource: "r2"}}}
	b := a
	b.Message, b.Severity = "another wording", "critical"
	b.Targets = []Target{{Resource: "r2", Access: Conditional}, {Resource: "r1"}}
	if FindingID(&a) != FindingID(&b) {
		t.Error("the ID depends on wording, severity, access or target order")
	}
	for name, change := range map[string]func(*Finding){
		"principal":  func(f *Finding) { f.PrincipalID = "arn:aws:iam::1:role/b" },
		"rule":       func(f *Finding) { f.RuleID = "IW-003" },
		"capability": func(f *Finding) { f.Capability = "image.share" },
		"resources":  func(f *Finding) { f.Targets = f.Targets[:1] },
		"path":       func(f *Finding) { f.Path = []Edge{{From: "x", To: "y", Kind: "assume-role"}} },
	} {
		c := a
		change(&c)
		if FindingID(&c) == FindingID(&a) {
			t.Errorf("changing the %s keeps the ID", name)
		}
	}
	if id := FindingID(&a); len(id) != 19 || id[:3] != "iw-" {
		t.Errorf("ID %q is not iw- and 16 hex digits", id)
	}
}
