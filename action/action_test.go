// Package action_test runs the GitHub Action's steps (action.yml at the
// repository root, the scripts in this directory) with the gh and
// terraform CLIs replaced by recorders, in a temporary directory with HOME
// pointing into it: the comment logic is tested without a network, and
// nothing from the inputs is ever run.
package action_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// fakeGH records every call (one argument per line, calls separated by
// "--") and answers the comment search with the ids in $FAKE_GH_IDS.
const fakeGH = `#!/bin/sh
{ for a in "$@"; do printf '%s\n' "$a"; done; echo --; } >> "$FAKE_GH_LOG"
case "$1 $2" in
  "api --paginate") [ -n "$FAKE_GH_IDS" ] && printf '%s\n' $FAKE_GH_IDS ;;
esac
exit 0
`

// sandbox is a temporary directory with bin/ first on PATH and HOME in it.
type sandbox struct {
	dir string
	env []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the action's scripts are bash; GitHub runs them on Linux and macOS runners")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(bin, "gh"), fakeGH, 0o755)
	return &sandbox{dir: dir, env: []string{
		"PATH=" + bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(dir, "home"),
		"FAKE_GH_LOG=" + filepath.Join(dir, "gh.log"),
	}}
}

func write(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

func (s *sandbox) run(t *testing.T, env []string, script string, args ...string) (string, error) {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{abs}, args...)...)
	cmd.Dir = s.dir
	cmd.Env = append(append([]string{}, s.env...), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// calls are the recorded gh calls, each its argument list.
func (s *sandbox) calls(t *testing.T) [][]string {
	b, err := os.ReadFile(filepath.Join(s.dir, "gh.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	var cur []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l == "--" {
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return out
}

// hostile is a comment body whose names try to run commands, in every
// way a shell could be fooled into it.
const hostile = "<!-- imagewarden --> **imagewarden**: adds 1 way to push images\n\n" +
	"| high | role/$(touch PWNED) `touch PWNED` ; touch PWNED | image.push |\n"

func TestCommentCreatesThenUpdates(t *testing.T) {
	s := newSandbox(t)
	body := filepath.Join(s.dir, "comment.md")
	write(t, body, hostile, 0o644)
	env := []string{"GITHUB_REPOSITORY=acme/infra", "PR_NUMBER=42"}

	// No comment of ours yet: one is created.
	out, err := s.run(t, append(env, "FAKE_GH_IDS="), "comment.sh", body)
	if err != nil {
		t.Fatalf("comment.sh: %v\n%s", err, out)
	}
	calls := s.calls(t)
	if len(calls) != 2 {
		t.Fatalf("gh calls %q, want the search and the creation", calls)
	}
	if got := strings.Join(calls[0][:3], " "); got != "api --paginate repos/acme/infra/issues/42/comments" {
		t.Errorf("search %q", calls[0])
	}
	if got := strings.Join(calls[1], " "); got != "pr comment 42 --repo acme/infra --body-file "+body {
		t.Errorf("creation %q", calls[1])
	}

	// Ours exists (the search finds 1001): it is updated, not duplicated.
	if err := os.Remove(filepath.Join(s.dir, "gh.log")); err != nil {
		t.Fatal(err)
	}
	out, err = s.run(t, append(env, "FAKE_GH_IDS=1001 1002"), "comment.sh", body)
	if err != nil {
		t.Fatalf("comment.sh: %v\n%s", err, out)
	}
	calls = s.calls(t)
	if len(calls) != 2 || strings.Join(calls[1], " ") != "api --method PATCH repos/acme/infra/issues/comments/1001 -F body=@"+body {
		t.Errorf("gh calls %q, want the search and one PATCH of comment 1001", calls)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "PWNED")); err == nil {
		t.Fatal("a name in the comment ran a command")
	}
}

func TestCommentRefuses(t *testing.T) {
	s := newSandbox(t)
	body := filepath.Join(s.dir, "comment.md")
	write(t, body, hostile, 0o644)
	notOurs := filepath.Join(s.dir, "other.md")
	write(t, notOurs, "hello\n", 0o644)
	for _, tc := range []struct {
		name string
		env  []string
		body string
		want string
	}{
		{"PR number not a number", []string{"GITHUB_REPOSITORY=acme/infra", "PR_NUMBER=42; touch PWNED"}, body, "not a number"},
		{"no marker", []string{"GITHUB_REPOSITORY=acme/infra", "PR_NUMBER=42"}, notOurs, "marker"},
		{"comment id not a number", []string{"GITHUB_REPOSITORY=acme/infra", "PR_NUMBER=42", "FAKE_GH_IDS=1;touch"}, body, "unexpected comment id"},
	} {
		out, err := s.run(t, tc.env, "comment.sh", tc.body)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s: %v %q, want a refusal saying %q", tc.name, err, out, tc.want)
		}
	}
	for _, c := range s.calls(t) {
		if len(c) > 0 && (c[0] == "pr" || strings.Contains(strings.Join(c, " "), "PATCH")) {
			t.Errorf("a refused comment still reached gh: %q", c)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "PWNED")); err == nil {
		t.Fatal("an input ran a command")
	}
}

// TestActionSteps checks action.yml against the scripts: every script a
// step runs exists and is executable, every input a step reads is
// declared, and the diff step never fails before the comment is posted.
func TestActionSteps(t *testing.T) {
	b, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Inputs map[string]any
		Runs   struct {
			Using string
			Steps []struct {
				ID   string
				Run  string
				Uses string
				Env  map[string]string
				If   string
			}
		}
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using %q", a.Runs.Using)
	}
	var scripts int
	for i, st := range a.Runs.Steps {
		text := st.Run + st.If
		for _, v := range st.Env {
			text += " " + v
		}
		for _, part := range strings.Split(text, "inputs.")[1:] {
			name := strings.FieldsFunc(part, func(r rune) bool { return !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })[0]
			if _, ok := a.Inputs[name]; !ok {
				t.Errorf("step %d reads inputs.%s, which action.yml does not declare", i, name)
			}
		}
		for _, part := range strings.Split(st.Run, "$GITHUB_ACTION_PATH/")[1:] {
			script := strings.Fields(strings.Trim(part, `"`))[0]
			script = strings.TrimRight(script, `"`)
			scripts++
			fi, err := os.Stat(filepath.Join("..", script))
			if err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("step %d runs %s: %v (want an executable file)", i, script, err)
			}
		}
		if st.ID == "diff" && !strings.Contains(st.Run, "exit 0") {
			t.Error("the diff step must not fail before the comment and SARIF steps run")
		}
	}
	if scripts < 2 {
		t.Errorf("found %d scripts in the steps, want run.sh and comment.sh", scripts)
	}
}

// TestRunOnFixturePlans runs the action's diff step (run.sh) on fixture
// plans, as JSON and as a "binary" plan that a stub terraform turns into
// JSON, then posts the comment with the recorder: the comment gh receives
// is the one diff wrote, and the exit status is diff's.
func TestRunOnFixturePlans(t *testing.T) {
	if testing.Short() {
		t.Skip("builds imagewarden")
	}
	s := newSandbox(t)
	bin := filepath.Join(s.dir, "imagewarden")
	build := exec.Command("go", "build", "-o", bin, "./cmd/imagewarden")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	plans, err := filepath.Abs("../testdata/plans")
	if err != nil {
		t.Fatal(err)
	}
	// A stub terraform: "show -json -- FILE" prints the JSON the test put
	// beside the binary plan, and records that it ran.
	write(t, filepath.Join(s.dir, "bin", "terraform"), `#!/bin/sh
[ "$1 $2 $3" = "show -json --" ] || { echo "unexpected terraform $*" >&2; exit 3; }
echo ran >> "$FAKE_TF_LOG"
cat "$4.json"
`, 0o755)
	binaryPlan := filepath.Join(s.dir, "assumable.tfplan")
	b, err := os.ReadFile(filepath.Join(plans, "assumable.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, binaryPlan, "not json: a binary plan", 0o644)
	write(t, binaryPlan+".json", string(b), 0o644)

	for _, tc := range []struct {
		name, plan, context, failOn string
		status                      int
		firstLine                   string
		terraform                   bool
	}{
		{"no-op plan", filepath.Join(plans, "noop.json"), filepath.Join(plans, "context", "aws"), "low", 0, "no change to who can write images", false},
		{"binary plan, gate", binaryPlan, filepath.Join(plans, "context", "assumable"), "high", 1, "adds 2 ways to push images", true},
		{"unknown values", filepath.Join(plans, "unknown.json"), filepath.Join(plans, "context", "aws") + "\n" + filepath.Join(plans, "context", "gcp"), "critical", 1, "needs review", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(s.dir, strings.ReplaceAll(tc.name, " ", "-"))
			tfLog := filepath.Join(out, "tf.log")
			env := []string{"PLAN=" + tc.plan, "CONTEXT=" + tc.context, "FAIL_ON=" + tc.failOn, "OUT_DIR=" + out, "IMAGEWARDEN_BIN=" + bin, "FAKE_TF_LOG=" + tfLog, "SOURCE="}
			stdout, err := s.run(t, env, "run.sh")
			status := 0
			if ee, ok := err.(*exec.ExitError); ok {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.status {
				t.Fatalf("run.sh exit %d, want %d\n%s", status, tc.status, stdout)
			}
			if _, err := os.Stat(tfLog); (err == nil) != tc.terraform {
				t.Errorf("terraform ran: %v, want %v", err == nil, tc.terraform)
			}
			comment := filepath.Join(out, "comment.md")
			c, err := os.ReadFile(comment)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(c), "\n")
			if !strings.HasPrefix(first, "<!-- imagewarden --> **imagewarden**: ") || !strings.Contains(first, tc.firstLine) {
				t.Errorf("comment starts %q, want the marker and %q", first, tc.firstLine)
			}
			for _, f := range []string{"diff.sarif", "diff.json"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("run.sh did not write %s: %v", f, err)
				}
			}
			os.Remove(filepath.Join(s.dir, "gh.log"))
			if o, err := s.run(t, []string{"GITHUB_REPOSITORY=acme/infra", "PR_NUMBER=7", "FAKE_GH_IDS="}, "comment.sh", comment); err != nil {
				t.Fatalf("comment.sh: %v\n%s", err, o)
			}
			calls := s.calls(t)
			if len(calls) != 2 || strings.Join(calls[1], " ") != "pr comment 7 --repo acme/infra --body-file "+comment {
				t.Errorf("gh calls %q", calls)
			}
		})
	}
}
