package diff

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// finding makes a finding with its fingerprint.
func finding(rule, principal, capability, severity string, access model.Access, resources []string, path ...string) model.Finding {
	f := model.Finding{RuleID: rule, PrincipalID: principal, Capability: capability, Severity: severity, Access: access}
	for _, r := range resources {
		f.Targets = append(f.Targets, model.Target{Resource: r})
	}
	for i := 0; i+1 < len(path); i++ {
		f.Path = append(f.Path, model.Edge{From: path[i], To: path[i+1], Kind: "assume"})
	}
	f.ID = model.FindingID(&f)
	return f
}

func report(fs ...model.Finding) *analyzer.Report {
	return &analyzer.Report{Findings: fs}
}

func ids(fs []model.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.RuleID+" "+f.PrincipalID+" "+f.Capability)
	}
	return out
}

func TestCompare(t *testing.T) {
	push := finding("IW-003", "alice", "image.push", "high", model.Allowed, []string{"repo/a"})
	pushMore := finding("IW-003", "alice", "image.push", "high", model.Allowed, []string{"repo/a", "repo/b"})
	pushCond := finding("IW-003", "alice", "image.push", "high", model.Conditional, []string{"repo/a"})
	share := finding("IW-006", "bob", "image.share", "critical", model.Allowed, []string{"ami-1"})
	chain3 := finding("IW-010", "carol", "image.push", "medium", model.Allowed, nil, "carol", "r1", "r2", "pusher")
	chain2 := finding("IW-010", "carol", "image.push", "medium", model.Allowed, nil, "carol", "r2", "pusher")
	carolDirect := finding("IW-003", "carol", "image.push", "high", model.Allowed, []string{"repo/a"})
	bumped := push
	bumped.Severity = "critical"

	tests := []struct {
		name                   string
		base, head             *analyzer.Report
		added, removed         []string
		changed                []string // what of each change, joined
		worse                  []bool
		gained, lost           []string
		unchanged              int
		verdict, verdictPrefix string
	}{
		{name: "same", base: report(push, share), head: report(share, push), unchanged: 2, verdict: "no-change", verdictPrefix: "no change to who can write images",
			added: []string{}, removed: []string{}},
		{name: "added", base: report(push), head: report(push, share), unchanged: 1, added: []string{"IW-006 bob image.share"}, removed: []string{},
			gained: []string{"bob image.share direct"}, verdict: "adds", verdictPrefix: "adds 1 way to share images, 1 critical"},
		{name: "removed", base: report(push, share), head: report(push), unchanged: 1, added: []string{}, removed: []string{"IW-006 bob image.share"},
			lost: []string{"bob image.share direct"}, verdict: "removes", verdictPrefix: "removes 1 way to share images; adds none"},
		{name: "more resources", base: report(push), head: report(pushMore), added: []string{}, removed: []string{},
			changed: []string{"1 resource(s) more"}, worse: []bool{true}, verdict: "adds"},
		{name: "fewer resources", base: report(pushMore), head: report(push), added: []string{}, removed: []string{},
			changed: []string{"1 resource(s) fewer"}, worse: []bool{false}, verdict: "removes", verdictPrefix: "adds no access; narrows 1 finding(s)"},
		{name: "conditional becomes certain", base: report(pushCond), head: report(push), added: []string{}, removed: []string{},
			changed: []string{"access conditional -> allowed"}, worse: []bool{true}, verdict: "adds"},
		{name: "severity raised, same fingerprint", base: report(push), head: report(bumped), added: []string{}, removed: []string{},
			changed: []string{"severity high -> critical"}, worse: []bool{true}, verdict: "adds"},
		{name: "shorter chain", base: report(chain3), head: report(chain2), added: []string{}, removed: []string{},
			changed: []string{"chain 3 -> 2 steps"}, worse: []bool{true}, verdict: "adds"},
		{name: "longer chain", base: report(chain2), head: report(chain3), added: []string{}, removed: []string{},
			changed: []string{"chain 2 -> 3 steps"}, worse: []bool{false}, verdict: "removes"},
		// Transitive access counts: a principal that gains push only
		// through a chain is added access.
		{name: "new chain", base: report(push), head: report(push, chain2), unchanged: 1, added: []string{"IW-010 carol image.push"}, removed: []string{},
			gained: []string{"carol image.push chain"}, verdict: "adds", verdictPrefix: "adds 1 way to push images"},
		// The same access, direct before and through a chain after, is
		// the same access narrowed, not new access.
		{name: "direct becomes chain", base: report(carolDirect), head: report(chain2), added: []string{}, removed: []string{},
			changed: []string{"rule IW-003 -> IW-010, severity high -> medium, direct -> through a chain of 2 step(s), 1 resource(s) fewer"}, worse: []bool{false}, verdict: "removes"},
		{name: "chain becomes direct", base: report(chain2), head: report(carolDirect), added: []string{}, removed: []string{},
			changed: []string{"rule IW-010 -> IW-003, severity medium -> high, through a chain of 2 step(s) -> direct, 1 resource(s) more"}, worse: []bool{true}, verdict: "adds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(tc.base, tc.head)
			if got := ids(r.Added); !reflect.DeepEqual(got, tc.added) {
				t.Errorf("added %q, want %q", got, tc.added)
			}
			if got := ids(r.Removed); !reflect.DeepEqual(got, tc.removed) {
				t.Errorf("removed %q, want %q", got, tc.removed)
			}
			var changed []string
			var worse []bool
			for _, c := range r.Changed {
				changed = append(changed, strings.Join(c.What, ", "))
				worse = append(worse, c.Worse)
			}
			if !reflect.DeepEqual(changed, tc.changed) || !reflect.DeepEqual(worse, tc.worse) {
				t.Errorf("changed %q (worse %v), want %q (%v)", changed, worse, tc.changed, tc.worse)
			}
			caps := func(cs []Capability) []string {
				var out []string
				for _, c := range cs {
					out = append(out, c.Principal+" "+c.Capability+" "+c.Through)
				}
				return out
			}
			if got := caps(r.Gained); !reflect.DeepEqual(got, tc.gained) {
				t.Errorf("gained %q, want %q", got, tc.gained)
			}
			if got := caps(r.Lost); !reflect.DeepEqual(got, tc.lost) {
				t.Errorf("lost %q, want %q", got, tc.lost)
			}
			if r.Unchanged != tc.unchanged {
				t.Errorf("unchanged %d, want %d", r.Unchanged, tc.unchanged)
			}
			v := r.Verdict()
			if v.Level != tc.verdict || !strings.HasPrefix(v.Line, tc.verdictPrefix) {
				t.Errorf("verdict %+v, want level %s starting %q", v, tc.verdict, tc.verdictPrefix)
			}
		})
	}
}

func TestFailingCountsOnlyWhatTheChangeAdds(t *testing.T) {
	old := finding("IW-006", "bob", "image.share", "critical", model.Allowed, []string{"ami-1"})
	added := finding("IW-003", "alice", "image.push", "high", model.Allowed, []string{"repo/a"})
	low := finding("IW-003", "dave", "image.push", "low", model.Allowed, []string{"repo/a"})
	suppressed := finding("IW-003", "erin", "image.push", "critical", model.Allowed, []string{"repo/a"})
	suppressed.Suppression = &model.Suppression{Reason: "accepted"}
	narrowedBase := finding("IW-005", "frank", "image.modify", "critical", model.Allowed, []string{"a", "b"})
	narrowedHead := finding("IW-005", "frank", "image.modify", "critical", model.Allowed, []string{"a"})
	r := Compare(report(old, narrowedBase), report(old, added, low, suppressed, narrowedHead))
	for _, tc := range []struct {
		failOn string
		want   int
	}{{"", 0}, {"critical", 0}, {"high", 1}, {"low", 2}} {
		if got := r.Failing(tc.failOn); got != tc.want {
			t.Errorf("Failing(%q) = %d, want %d (the existing critical, the narrowed critical and the suppressed one never count)", tc.failOn, got, tc.want)
		}
	}
}

func TestVerdictNeedsReview(t *testing.T) {
	r := Compare(report(), report())
	r.Review = append(r.Review, "aws_iam_role_policy.ci: policy unknown until apply")
	if v := r.Verdict(); v.Level != "needs-review" || !strings.Contains(v.Line, "aws_iam_role_policy.ci") {
		t.Errorf("verdict %+v, want needs-review naming the address", v)
	}
	// Skipped inputs on either side are review items.
	head := report()
	head.Summary.Skipped = []string{"head/broken.json: not valid JSON"}
	if r := Compare(report(), head); r.Verdict().Level != "needs-review" {
		t.Errorf("a skipped input gave verdict %+v", r.Verdict())
	}
}

func TestWays(t *testing.T) {
	fs := []model.Finding{
		finding("IW-003", "a", "image.push", "high", model.Allowed, nil),
		finding("IW-003", "b", "image.push", "high", model.Allowed, nil),
		finding("IW-006", "b", "image.share", "high", model.Allowed, nil),
		finding("IW-004", "b", "image.create", "high", model.Allowed, nil),
	}
	if got, want := ways(fs), "2 ways to push images, 1 to create images and 1 to share images"; got != want {
		t.Errorf("ways = %q, want %q", got, want)
	}
}

func TestBaseline(t *testing.T) {
	a := finding("IW-003", "alice", "image.push", "high", model.Allowed, []string{"repo/a"})
	b := finding("IW-006", "bob", "image.share", "critical", model.Allowed, []string{"ami-1"})
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := writeBaselineFile(path, NewBaseline([]model.Finding{a}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	bl, err := ReadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	r := Compare(report(), report(a, b))
	r.HideBaselined(bl)
	if got := ids(r.Added); !reflect.DeepEqual(got, []string{"IW-006 bob image.share"}) || r.Baselined != 1 {
		t.Errorf("added %q, baselined %d: want only bob's, alice's accepted", got, r.Baselined)
	}
}

func TestReadBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"not json", "{", "not a baseline"},
		{"other tool", `{"tool":"x","format_version":1,"findings":[]}`, `tool "x"`},
		{"bad id", `{"tool":"imagewarden","format_version":1,"findings":[{"id":"iw-xyz"}]}`, `findings[0]: "iw-xyz"`},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		writeFile(t, p, tc.body)
		_, err := ReadBaseline(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming %s and %q", tc.name, err, p, tc.want)
		}
	}
}

func TestVerdictNamesUnknownAddresses(t *testing.T) {
	r := Compare(report(), report())
	r.Unknown = []string{"aws_iam_role_policy.a", "module.ci.aws_iam_policy.b"}
	r.Review = []string{"aws_iam_role_policy.a: policy unknown until apply", "module.ci.aws_iam_policy.b: policy unknown until apply", "x: not evaluated"}
	v := r.Verdict()
	if v.Level != "needs-review" || v.Line != "needs review: values unknown until apply in aws_iam_role_policy.a, module.ci.aws_iam_policy.b (and 1 more to review)" {
		t.Errorf("verdict %+v", v)
	}
	// Resources that cannot grant access are named on the one line of
	// "no change", which stays one line.
	r = Compare(report(), report())
	r.NotEvaluated = []string{"aws_s3_bucket.logs"}
	if v := r.Verdict(); v.Level != "no-change" || v.Line != "no change to who can write images (1 other resource(s) not evaluated: aws_s3_bucket.logs)" {
		t.Errorf("verdict %+v", v)
	}
}
