package main

import (
	"encoding/json"
	"testing"
)

// groupEscalation is an account where contractors/dana may add users to
// one group only, /ci/image-pushers, whose policy pushes images; frank may
// join only a group that pulls (see its README).
const groupEscalation = "../../analyzer/awscloud/testdata/group-escalation"

const (
	danaARN     = "arn:aws:iam::123456789012:user/contractors/dana"
	pushersARN  = "arn:aws:iam::123456789012:group/ci/image-pushers"
	danaPushers = "admin:aws:" + pushersARN + "#" + danaARN // her member node
)

type chainStep struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Kind        string   `json:"kind"`
	Permissions []string `json:"permissions"`
	Conditional bool     `json:"conditional"`
	Assumed     bool     `json:"assumed"`
}

// TestWhoCanGroupEscalation: who-can image.push lists dana, who can only
// add herself to the pushing group (a Resource naming that group with its
// path, not "*"), with the chain; not frank, whose joinable group pulls.
func TestWhoCanGroupEscalation(t *testing.T) {
	out, err := run(t, "", "who-can", "image.push", groupEscalation, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Principals []struct {
			ID         string      `json:"id"`
			Kind       string      `json:"kind"`
			Access     string      `json:"access"`
			Path       []chainStep `json:"path"`
			Transitive bool        `json:"transitive"`
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	found := map[string]bool{}
	for _, p := range res.Principals {
		found[p.ID] = true
		if p.ID != danaARN {
			continue
		}
		if p.Kind != "user" || !p.Transitive || p.Access != "allowed" || len(p.Path) != 1 {
			t.Fatalf("dana: %+v, want an allowed transitive answer (kind user) with a one-step chain", p)
		}
		s := p.Path[0]
		if s.From != danaARN || s.To != danaPushers || s.Kind != "group-join" || len(s.Permissions) != 1 || s.Permissions[0] != "iam:AddUserToGroup" || s.Conditional || s.Assumed {
			t.Errorf("dana's chain: %+v, want an exact group-join into %s", s, pushersARN)
		}
	}
	if !found[danaARN] {
		t.Errorf("dana, who can add herself to %s, is not listed:\n%s", pushersARN, out)
	}
	if !found["arn:aws:iam::123456789012:user/erin"] {
		t.Errorf("erin (a member of the pushing group) is not listed:\n%s", out)
	}
	if found["arn:aws:iam::123456789012:user/frank"] {
		t.Errorf("frank can only join a group that pulls, yet he is listed:\n%s", out)
	}
}

// TestPathGroupEscalation: `path dana image.push` shows the join.
func TestPathGroupEscalation(t *testing.T) {
	out, err := run(t, "", "path", danaARN, "image.push", groupEscalation, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Found bool        `json:"found"`
		Steps []chainStep `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !res.Found || len(res.Steps) != 1 || res.Steps[0].Kind != "group-join" || res.Steps[0].To != danaPushers {
		t.Errorf("path from dana to image.push: %s\nwant one group-join step into %s", out, pushersARN)
	}
}
