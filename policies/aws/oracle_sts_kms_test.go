package aws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"
)

// stsKMSSeeds are the seeds of TestOracleAgreementSTSKMS (docs/testing.md
// lists them): 1,000 generated cases each.
var stsKMSSeeds = []int64{101, 102, 103, 104, 105}

// TestOracleAgreementSTSKMS runs requests shaped for the service rules of
// service.go through the independent simulator and through Decide: role
// assumption (same account and cross account; the trust policy allowing
// the principal, the role behind its session, its account, another
// account, someone else or a service; identity policies allowing or not),
// KMS keys (key policies with and without delegation to the account,
// direct grants to the principal, cross account) and the aliases of AWS
// managed keys, with boundaries, SCPs, denies and conditions.
//
// A few STS cases carry no trust policy: both then decide the identity
// side alone (MissingTrust). Not generated, because the simulator does not
// model them (service_test.go has table tests for them): KMS grants.
func TestOracleAgreementSTSKMS(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against the oracle skipped in -short mode")
	}
	dir := oracleDir(t)
	var cases bytes.Buffer
	for _, seed := range stsKMSSeeds {
		for _, line := range genSTSKMSCases(seed, 1000) {
			cases.Write(line)
			cases.WriteByte('\n')
		}
	}
	oracle := oracleDecisions(t, filepath.Join(dir, "decide.mjs"), cases.Bytes())
	n, disagree := 0, 0
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
		if string(got.Decision) != want {
			disagree++
			if disagree <= 10 {
				t.Errorf("%s: imagewarden %s, oracle %s\nrequest: %s\nreasons: %+v", got.ID, got.Decision, want, truncate(sc.Text(), 4000), got.Reasons)
			}
		}
	}
	if n != 1000*len(stsKMSSeeds) {
		t.Fatalf("expected %d generated cases, got %d", 1000*len(stsKMSSeeds), n)
	}
	// The cases must exercise every outcome, or agreement means little.
	for _, d := range []string{"allowed", "implicitly_denied", "explicitly_denied"} {
		if count[d] < n/20 {
			t.Errorf("only %d of %d cases are %s", count[d], n, d)
		}
	}
	if disagree > 0 {
		t.Fatalf("%d of %d decisions disagree with the oracle", disagree, n)
	}
	t.Logf("all %d STS and KMS decisions agree with the oracle (%v)", n, count)
}

// genSTSKMSCases writes n requests in the batch (and oracle) shape,
// deterministic per seed.
func genSTSKMSCases(seed int64, n int) [][]byte {
	rng := rand.New(rand.NewSource(seed))
	pick := func(xs ...any) any { return xs[rng.Intn(len(xs))] }
	maybe := func(p float64) bool { return rng.Float64() < p }
	type doc = map[string]any
	policy := func(sts ...doc) doc {
		l := make([]any, len(sts))
		for i, s := range sts {
			l[i] = s
		}
		return doc{"Version": "2012-10-17", "Statement": l}
	}
	const role = "arn:aws:iam::111122223333:role/deploy"
	condition := func() any {
		return pick(
			doc{"StringEquals": doc{"sts:ExternalId": "partner-1"}},
			doc{"Bool": doc{"aws:MultiFactorAuthPresent": "true"}},
			doc{"StringEquals": doc{"aws:PrincipalTag/team": "platform"}},
		)
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		cross := maybe(0.35)
		pacct := acct
		if cross {
			pacct = otherAcct
		}
		principal := pick("arn:aws:iam::"+pacct+":user/alice", "arn:aws:iam::"+pacct+":role/builder", "arn:aws:sts::"+pacct+":assumed-role/builder/s1").(string)
		principalElems := []any{
			doc{"AWS": principal}, doc{"AWS": "arn:aws:iam::" + pacct + ":role/builder"}, doc{"AWS": "arn:aws:iam::" + pacct + ":root"},
			doc{"AWS": pacct}, doc{"AWS": "arn:aws:iam::111122223333:root"}, doc{"AWS": "arn:aws:iam::444455556666:root"},
			doc{"AWS": "arn:aws:iam::" + pacct + ":user/bob"}, doc{"Service": "ec2.amazonaws.com"}, "*",
			doc{"AWS": []any{"arn:aws:iam::" + pacct + ":user/bob", "arn:aws:iam::" + pacct + ":root"}},
		}
		var action, resource string
		var resPolicy any
		var idActions []any
		kind := pick("sts", "sts", "kms", "kms", "alias").(string)
		switch kind {
		case "sts":
			action = pick("sts:AssumeRole", "sts:AssumeRole", "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML").(string)
			resource = role
			trustActs := []any{"sts:AssumeRole", "sts:TagSession", []any{"sts:AssumeRole", "sts:TagSession"}, "sts:*", "sts:AssumeRole*", "sts:SetSourceIdentity", "sts:AssumeRoleWithWebIdentity"}
			var sts []doc
			for j := 0; j < 1+rng.Intn(2); j++ {
				s := doc{"Effect": "Allow", "Principal": pick(principalElems...), "Action": pick(trustActs...)}
				if maybe(0.2) {
					s["Condition"] = condition()
				}
				sts = append(sts, s)
			}
			if maybe(0.15) {
				sts = append(sts, doc{"Effect": "Deny", "Principal": pick(principalElems...), "Action": pick(trustActs...)})
			}
			if maybe(0.92) {
				resPolicy = policy(sts...)
			}
			idActions = []any{"sts:AssumeRole", "sts:*", "*", "sts:AssumeRole*", "sts:TagSession", "s3:*"}
		case "kms":
			action = pick("kms:Decrypt", "kms:CreateGrant", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion").(string)
			resource = keyARN
			keyActs := []any{"kms:*", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", []any{"kms:Decrypt", "kms:DescribeKey"}, "kms:Describe*"}
			if maybe(0.92) {
				var sts []doc
				for j := 0; j < 1+rng.Intn(2); j++ {
					s := doc{"Effect": "Allow", "Principal": pick(principalElems...), "Action": pick(keyActs...), "Resource": "*"}
					if maybe(0.2) {
						s["Condition"] = condition()
					}
					sts = append(sts, s)
				}
				if maybe(0.15) {
					sts = append(sts, doc{"Effect": "Deny", "Principal": pick(principalElems...), "Action": pick(keyActs...), "Resource": "*"})
				}
				resPolicy = policy(sts...)
			}
			idActions = []any{"kms:*", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "*", "s3:*"}
		default:
			action = pick("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias").(string)
			resource = pick("arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", "arn:aws:kms:us-east-1:111122223333:alias/aws/ecr", "arn:aws:kms:us-east-1:111122223333:alias/golden").(string)
			idActions = []any{"kms:*", "kms:*Alias", "kms:CreateAlias", "*", "s3:*"}
			cross = false
			principal = "arn:aws:iam::111122223333:user/alice"
		}
		var ids []any
		for j := 0; j < rng.Intn(3); j++ {
			s := doc{"Effect": "Allow", "Action": pick(idActions...), "Resource": pick("*", resource, "arn:aws:iam::*:role/*", "arn:aws:kms:*:*:key/*", "arn:aws:kms:*:*:alias/*")}
			if maybe(0.15) {
				s["Condition"] = condition()
			}
			sts := []doc{s}
			if maybe(0.15) {
				sts = append(sts, doc{"Effect": "Deny", "Action": pick(idActions...), "Resource": "*"})
			}
			ids = append(ids, doc{"name": fmt.Sprintf("p%d", j), "document": policy(sts...)})
		}
		var boundary any
		if maybe(0.2) {
			boundary = doc{"name": "boundary", "document": policy(doc{"Effect": "Allow", "Action": pick("sts:*", "kms:*", "*", "s3:*"), "Resource": "*"})}
		}
		scps := []any{}
		if maybe(0.2) {
			full := doc{"name": "FullAWSAccess", "document": policy(doc{"Effect": "Allow", "Action": "*", "Resource": "*"})}
			scps = append(scps, []any{full})
			if maybe(0.5) {
				scps = append(scps, []any{doc{"name": "guardrail", "document": policy(doc{"Effect": "Deny", "Action": pick("kms:CreateGrant", "sts:TagSession", "kms:Put*"), "Resource": "*"})}, full})
			}
		}
		ctx := doc{
			"aws:MultiFactorAuthPresent": pick("true", "false"),
			"aws:PrincipalTag/team":      pick("platform", "data"),
			"aws:PrincipalArn":           principal,
			"aws:PrincipalAccount":       pacct,
		}
		// sts:ExternalId is in the context of sts:AssumeRole only (the
		// simulator drops it from other actions' requests, as AWS never
		// sends it with them).
		if action == "sts:AssumeRole" && maybe(0.7) {
			ctx["sts:ExternalId"] = pick("partner-1", "partner-2")
		}
		req := doc{
			"id": fmt.Sprintf("stskms-%d-%d", seed, i), "principal": principal, "action": action, "resource": resource,
			"identity_policies": append([]any{}, ids...), "permission_boundary": boundary, "scps": scps,
			"resource_policy": resPolicy, "context": ctx,
		}
		b, err := json.Marshal(req)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}
