package aws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// oracleDir returns a directory holding the independent AWS simulator of
// ../shared/oracle/aws with its npm dependencies installed. .ci/test.sh
// installs it once and sets IMAGEWARDEN_ORACLE_DIR; otherwise the test
// installs it into a temporary directory itself.
func oracleDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("IMAGEWARDEN_ORACLE_DIR"); d != "" {
		return d
	}
	src, err := filepath.Abs("../../../shared/oracle/aws")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "decide.mjs")); err != nil {
		t.Skipf("the AWS oracle is not here (%s absent: ../shared exists only in the imagewarden workplace)", src)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is needed to run the oracle at %s: %v", src, err)
	}
	dir := t.TempDir()
	for _, f := range []string{"decide.mjs", "gen-cases.mjs", "package.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-package-lock")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install of the oracle failed: %v\n%s", err, out)
	}
	return dir
}

// TestOracleAgreement runs the oracle's random cases (seeds 1 to 5, 2,000
// each) through the independent simulator and through Decide, and fails on
// any disagreement.
func TestOracleAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against the oracle skipped in -short mode")
	}
	dir := oracleDir(t)
	var cases bytes.Buffer
	for seed := 1; seed <= 5; seed++ {
		out, err := exec.Command("node", filepath.Join(dir, "gen-cases.mjs"), "--seed", fmt.Sprint(seed), "--count", "2000").Output()
		if err != nil {
			t.Fatalf("gen-cases seed %d: %v", seed, err)
		}
		cases.Write(out)
	}
	oracle := oracleDecisions(t, filepath.Join(dir, "decide.mjs"), cases.Bytes())
	n, disagree := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(cases.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		n++
		got := DecideBatchLine(sc.Bytes())
		want, ok := oracle[got.ID]
		if !ok {
			t.Fatalf("oracle gave no answer for %s", got.ID)
		}
		if string(got.Decision) != want {
			disagree++
			if disagree <= 10 {
				t.Errorf("%s: imagewarden %s, oracle %s\nrequest: %s\nreasons: %+v", got.ID, got.Decision, want, truncate(sc.Text(), 4000), got.Reasons)
			}
		}
	}
	if n != 10000 {
		t.Fatalf("expected 10000 generated cases, got %d", n)
	}
	if disagree > 0 {
		t.Fatalf("%d of %d decisions disagree with the oracle", disagree, n)
	}
	t.Logf("all %d decisions agree with the oracle", n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// oracleDecisions runs the oracle's decide script (node SCRIPT) on the
// JSON-lines cases and returns its decision by case id; an answer the
// oracle could not decide fails the test.
func oracleDecisions(t *testing.T, script string, cases []byte) map[string]string {
	t.Helper()
	decide := exec.Command("node", script)
	decide.Stdin = bytes.NewReader(cases)
	var stderr bytes.Buffer
	decide.Stderr = &stderr
	answers, err := decide.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(script), err, stderr.String())
	}
	oracle := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(answers))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var d struct{ ID, Decision, Detail string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("oracle answer %q: %v", sc.Text(), err)
		}
		if d.Decision == "error" {
			t.Fatalf("oracle could not decide %s: %s", d.ID, d.Detail)
		}
		oracle[d.ID] = d.Decision
	}
	return oracle
}
