package analyzer

import (
	"reflect"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

func TestGroupAssumed(t *testing.T) {
	ec2a := model.ComputePrefix + "aws:111122223333:ec2.amazonaws.com"
	ec2b := model.ComputePrefix + "aws:444455556666:ec2.amazonaws.com"
	cb := model.ComputePrefix + "aws:111122223333:codebuild.amazonaws.com"
	edges := []model.Edge{
		{Cloud: "aws", Kind: "takeover", From: "arn:aws:iam::111122223333:user/a", To: ec2a, Assumed: true},
		{Cloud: "aws", Kind: "runs-as", From: ec2a, To: "arn:aws:iam::111122223333:role/r", Assumed: true},
		{Cloud: "aws", Kind: "runs-as", From: ec2b, To: "arn:aws:iam::444455556666:role/r", Assumed: true},
		{Cloud: "aws", Kind: "runs-as", From: cb, To: "arn:aws:iam::111122223333:role/r", Assumed: true},
		// exact edges are not counted
		{Cloud: "aws", Kind: "runs-as", From: cb, To: "arn:aws:iam::111122223333:role/s"},
		{Cloud: "gcp", Kind: "act-as", From: "user:q@x.example", To: "serviceAccount:sa@p.iam.gserviceaccount.com", Assumed: true},
	}
	got := groupAssumed(edges)
	want := []AssumedEdges{
		{Cloud: "aws", What: "ec2.amazonaws.com", Scopes: []string{"111122223333", "444455556666"}, Edges: 3},
		{Cloud: "aws", What: "codebuild.amazonaws.com", Scopes: []string{"111122223333"}, Edges: 1},
		{Cloud: "gcp", What: "act-as", Edges: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groupAssumed:\n got %+v\nwant %+v", got, want)
	}
	if g := groupAssumed(edges[4:5]); len(g) != 0 {
		t.Errorf("exact edges grouped as assumed: %+v", g)
	}
	// The summary carries the groups and the count.
	s := summarize(&Report{Edges: edges})
	if s.AssumedEdges != 5 || !reflect.DeepEqual(s.Assumed, want) {
		t.Errorf("summary: %d assumed, groups %+v", s.AssumedEdges, s.Assumed)
	}
}
