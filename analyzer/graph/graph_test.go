package graph

import (
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

func edge(from, to string, cond bool) model.Edge {
	return model.Edge{From: from, To: to, Kind: "assume-role", Conditional: cond}
}

func TestPaths(t *testing.T) {
	facts := []model.Fact{{Principal: "pusher", Capability: "image.push"}}
	edges := []model.Edge{
		edge("dev", "builder", false),
		edge("builder", "pusher", false),
		edge("intern", "dev", true),
		edge("loop-a", "loop-b", false), edge("loop-b", "loop-a", false), // a cycle that reaches nothing
		edge("pusher", "pusher", false), // self-loop
		edge("short", "pusher", true), edge("short", "builder", false),
	}
	paths := Paths(facts, edges, 0, nil)
	got := map[string]Path{}
	for _, p := range paths {
		got[p.From+"|"+p.Capability] = p
	}
	if p := got["dev|image.push"]; len(p.Steps) != 2 || p.Through != "pusher" || p.Conditional {
		t.Errorf("dev: %+v", p)
	}
	if p := got["intern|image.push"]; len(p.Steps) != 3 || !p.Conditional {
		t.Errorf("intern reaches through a conditional edge: %+v", p)
	}
	if _, ok := got["pusher|image.push"]; ok {
		t.Error("a holder gets no transitive path")
	}
	if _, ok := got["loop-a|image.push"]; ok {
		t.Error("a cycle that reaches no holder gives no path")
	}
	if p := got["short|image.push"]; len(p.Steps) != 1 {
		t.Errorf("the shortest path wins, even if conditional: %+v", p)
	}
	limited := Paths(facts, edges, 1, nil)
	for _, p := range limited {
		if len(p.Steps) > 1 {
			t.Errorf("maxDepth 1 allows one step: %+v", p)
		}
	}
}

func TestAdminNodesHoldEveryCapability(t *testing.T) {
	edges := []model.Edge{{From: "frank", To: model.AdminNode("aws", "111122223333", "frank"), Kind: "self-escalation"}}
	paths := Paths(nil, edges, 0, nil)
	caps := map[string]bool{}
	for _, p := range paths {
		if p.From == "frank" {
			caps[p.Capability] = true
		}
	}
	for _, c := range []string{"image.push", "image.create", "pipeline.modify"} {
		if !caps[c] {
			t.Errorf("frank reaches %s through the admin node", c)
		}
	}
	if caps["iam.escalate"] {
		t.Error("iam.escalate is not reported transitively")
	}
}

func TestAdminGuardrails(t *testing.T) {
	admin := model.AdminNode("aws", "111122223333", "frank")
	edges := []model.Edge{{From: "frank", To: admin, Kind: "self-escalation"}}
	onlyPush := func(a, c string) bool { return c == "image.push" }
	caps := map[string]bool{}
	for _, p := range Paths(nil, edges, 0, onlyPush) {
		caps[p.Capability] = true
	}
	if !caps["image.push"] || caps["image.share"] {
		t.Errorf("an admin node holds only what its guardrails leave: %v", caps)
	}
}
