package aws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// rcpSeeds are the seeds of TestOracleAgreementRCP: 1,000 cases each.
var rcpSeeds = []int64{201, 202, 203}

// TestOracleAgreementRCP runs requests with resource control policies
// through the independent simulator and through Decide (DecideBatchLine,
// "rcps"): ECR requests from the same account and from another, inside
// or outside the organization (aws:PrincipalOrgID given or absent), with
// identity and repository policies, and one to three RCP levels of
// deny-only policies (the simulator, like AWS, refuses Allow statements in
// customer RCPs, and NotAction, and holds RCPFullAWSAccess at every level
// itself).
//
// decide.mjs passes no RCPs to the simulator (resourceControlPolicies: []):
// the test runs a copy of it that passes "rcps" the way it passes "scps",
// beside the oracle's installed modules. Not generated, because the
// simulator does not model them: service-linked roles (exempt from RCPs)
// and services outside the RCP list (the simulator applies RCPs to every
// service); rcp_registry_test.go has table tests for both.
func TestOracleAgreementRCP(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against the oracle skipped in -short mode")
	}
	dir := oracleDir(t)
	src, err := os.ReadFile(filepath.Join(dir, "decide.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	const hook = "resourceControlPolicies: [],"
	if !bytes.Contains(src, []byte(hook)) {
		t.Fatalf("decide.mjs no longer has %q: see how it passes RCPs now and adapt this test", hook)
	}
	src = bytes.Replace(src, []byte(hook), []byte("resourceControlPolicies: (req.rcps || []).map((level, i) => ({ orgIdentifier: `rlevel-${i}`, "+
		"policies: level.map((p, j) => ({ name: p.name || `rcp-${i}-${j}`, policy: p.document })) })),"), 1)
	run := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(run, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "decide-rcp.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	var cases bytes.Buffer
	for _, seed := range rcpSeeds {
		for _, line := range genRCPCases(seed, 1000) {
			cases.Write(line)
			cases.WriteByte('\n')
		}
	}
	oracle := oracleDecisions(t, filepath.Join(run, "decide-rcp.mjs"), cases.Bytes())
	n, disagree, rcpDenied := 0, 0, 0
	count := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(cases.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		n++
		got := DecideBatchLine(sc.Bytes())
		want, ok := oracle[got.ID]
		if !ok {
			t.Fatalf("oracle gave no answer for %s", got.ID)
		}
		count[want]++
		for _, r := range got.Reasons {
			if r.PolicyType == "rcp" && r.Effect == "Deny" && got.Decision == ExplicitlyDenied {
				rcpDenied++
				break
			}
		}
		if string(got.Decision) != want {
			disagree++
			if disagree <= 10 {
				t.Errorf("%s: imagewarden %s, oracle %s\nrequest: %s\nreasons: %+v", got.ID, got.Decision, want, truncate(sc.Text(), 4000), got.Reasons)
			}
		}
	}
	if disagree > 0 {
		t.Fatalf("%d of %d decisions disagree with the oracle", disagree, n)
	}
	// The cases must exercise the RCPs: without enough requests that an RCP
	// denies, and enough that are allowed, agreement would say little.
	if rcpDenied < n/10 || count["allowed"] < n/10 {
		t.Fatalf("too few RCP denials (%d) or allowed requests (%v) in %d cases", rcpDenied, count, n)
	}
	t.Logf("all %d decisions agree with the oracle (%v; %d denied by an RCP)", n, count, rcpDenied)
}

func genRCPCases(seed int64, n int) [][]byte {
	rng := rand.New(rand.NewSource(seed))
	maybe := func(p float64) bool { return rng.Float64() < p }
	type doc = map[string]any
	policy := func(sts ...doc) doc {
		l := make([]any, len(sts))
		for i, s := range sts {
			l[i] = s
		}
		return doc{"Version": "2012-10-17", "Statement": l}
	}
	actions := []string{"ecr:PutImage", "ecr:BatchGetImage", "ecr:InitiateLayerUpload", "ecr:SetRepositoryPolicy"}
	repos := []string{"arn:aws:ecr:us-east-1:111122223333:repository/app", "arn:aws:ecr:us-east-1:111122223333:repository/golden/base", "arn:aws:ecr:eu-west-1:111122223333:repository/app"}
	rcpStatements := []doc{
		{"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage", "Resource": "*"},
		{"Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Resource": "*", "Condition": doc{"StringNotEqualsIfExists": doc{"aws:PrincipalOrgID": "o-abc"}}},
		{"Effect": "Deny", "Principal": "*", "Action": []any{"ecr:Put*", "ecr:InitiateLayerUpload"}, "Resource": "arn:aws:ecr:*:*:repository/golden/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "ecr:SetRepositoryPolicy", "Resource": "*", "Condition": doc{"StringNotEquals": doc{"aws:PrincipalAccount": "111122223333"}}},
		{"Effect": "Deny", "Principal": "*", "Action": []any{"ecr:PutImage", "ecr:SetRepositoryPolicy"}, "Resource": "arn:aws:ecr:eu-west-1:*:repository/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Resource": "*", "Condition": doc{"Bool": doc{"aws:SecureTransport": "false"}}},
		{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		cross := maybe(0.4)
		pacct := acct
		if cross {
			pacct = otherAcct
		}
		principal := []string{"arn:aws:iam::" + pacct + ":user/alice", "arn:aws:iam::" + pacct + ":role/builder"}[rng.Intn(2)]
		ctx := doc{"aws:PrincipalAccount": pacct, "aws:PrincipalArn": principal, "aws:SecureTransport": []string{"true", "false"}[rng.Intn(2)]}
		if !cross || maybe(0.5) {
			ctx["aws:PrincipalOrgID"] = "o-abc"
		} else if maybe(0.5) {
			ctx["aws:PrincipalOrgID"] = "o-other"
		}
		identity := []any{doc{"name": "id", "document": policy(doc{"Effect": "Allow", "Action": []string{"ecr:*", "ecr:Put*"}[rng.Intn(2)], "Resource": "*"})}}
		var resourcePolicy any
		if cross || maybe(0.3) {
			resourcePolicy = policy(doc{"Effect": "Allow", "Principal": doc{"AWS": "arn:aws:iam::" + pacct + ":root"}, "Action": "ecr:*"})
		}
		var rcps []any
		for l := 0; l < 1+rng.Intn(3); l++ {
			level := []any{}
			for k := 0; k < rng.Intn(3); k++ {
				level = append(level, doc{"name": fmt.Sprintf("rcp-%d-%d", l, k), "document": policy(rcpStatements[rng.Intn(len(rcpStatements))])})
			}
			rcps = append(rcps, level)
		}
		req := doc{"id": fmt.Sprintf("rcp-%d-%d", seed, i), "principal": principal, "action": actions[rng.Intn(len(actions))],
			"resource": repos[rng.Intn(len(repos))], "identity_policies": identity, "permission_boundary": nil, "scps": []any{},
			"resource_policy": resourcePolicy, "rcps": rcps, "context": ctx}
		b, err := json.Marshal(req)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}
