package remediate

import (
	"reflect"
	"testing"
)

type testEdit struct {
	kind     string
	findings map[string]bool
}

func (e *testEdit) EditKind() string              { return e.kind }
func (e *testEdit) EditFindings() map[string]bool { return e.findings }

func set(ids ...string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func TestChanges(t *testing.T) {
	build := func(e *testEdit) *Change {
		if e.kind == "none" {
			return nil
		}
		return &Change{Target: "t-" + e.kind, Kind: "overwritten"}
	}
	edits := map[string]*testEdit{
		"b": {kind: "k2", findings: set("f3", "f1", "f2")},
		"a": {kind: "k1", findings: set("f2")},
		"c": {kind: "none", findings: set("f1")},
		"d": {kind: "k3"},
	}
	for _, tc := range []struct {
		name    string
		edits   map[string]*testEdit
		claimed func(string) bool
		want    []Change
	}{
		{name: "no edits", edits: nil, want: nil},
		{name: "every finding claimed", edits: edits, want: []Change{
			{Cloud: "c", Kind: "k1", Target: "t-k1", FindingIDs: []string{"f2"}},
			{Cloud: "c", Kind: "k2", Target: "t-k2", FindingIDs: []string{"f1", "f2", "f3"}},
			{Cloud: "c", Kind: "k3", Target: "t-k3"},
		}},
		{name: "some findings claimed", edits: edits, claimed: func(id string) bool { return id != "f2" }, want: []Change{
			{Cloud: "c", Kind: "k1", Target: "t-k1"},
			{Cloud: "c", Kind: "k2", Target: "t-k2", FindingIDs: []string{"f1", "f3"}},
			{Cloud: "c", Kind: "k3", Target: "t-k3"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Changes("c", tc.edits, build, tc.claimed)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Changes = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestApplyHelpers(t *testing.T) {
	type doc struct {
		A string `json:"a"`
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"same cloud", func() error { return CheckCloud(Change{Cloud: "aws"}, "aws", "an AWS") }, ""},
		{"other cloud", func() error { return CheckCloud(Change{Cloud: "gcp"}, "aws", "an AWS") }, "not an AWS change"},
		{"unknown kind", func() error { return UnknownKind(Change{Kind: "x-y"}) }, `unknown change kind "x-y"`},
		{"artifact", func() error { var d doc; return DecodeArtifact(Change{After: `{"a":"b"}`}, "the doc", &d) }, ""},
		{"unknown field", func() error { var d doc; return DecodeArtifact(Change{After: `{"b":1}`}, "the doc", &d) }, `the doc: json: unknown field "b"`},
		{"not JSON", func() error { var d doc; return DecodeArtifact(Change{After: `{`}, "the doc", &d) }, "the doc: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
}
