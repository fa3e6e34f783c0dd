package awscloud

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// The RCP and registry-policy guardrails in the analysis (guards.go): each
// check below fails when the guardrail is not passed to the decisions.

const (
	gMember = "111111111111"
	gMgmt   = "999999999999"
	gOut    = "345678901234"
)

func guardSnapshot(t *testing.T, rcp, registry string) *Snapshot {
	t.Helper()
	s := New()
	user := func(acct, name string) string {
		return fmt.Sprintf(`{"UserName":%q,"Arn":"arn:aws:iam::%s:user/%s","UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}}]}`, name, acct, name)
	}
	if err := load(t, s, "iam-member.json", `{"UserDetailList":[`+user(gMember, "dev")+`]}`); err != nil {
		t.Fatal(err)
	}
	if err := load(t, s, "iam-mgmt.json", `{"UserDetailList":[`+user(gMgmt, "ops")+`]}`); err != nil {
		t.Fatal(err)
	}
	repos := fmt.Sprintf(`{"repositories":[{"repositoryArn":"arn:aws:ecr:us-east-1:%[1]s:repository/app","repositoryName":"app","registryId":%[1]q},
		{"repositoryArn":"arn:aws:ecr:us-east-1:%[2]s:repository/app","repositoryName":"app","registryId":%[2]q}]}`, gMember, gMgmt)
	if err := load(t, s, "repos.json", repos); err != nil {
		t.Fatal(err)
	}
	// The outside account may push to the member's repository by its policy.
	ext, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + gOut + `"},"Action":"ecr:*"}]}`)
	if err := load(t, s, "repo-policy.json", fmt.Sprintf(`{"repositoryArn":"arn:aws:ecr:us-east-1:%s:repository/app","policyText":%s}`, gMember, ext)); err != nil {
		t.Fatal(err)
	}
	full := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	pols := fmt.Sprintf(`{"Id":"p-FullAWSAccess","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","Content":%q,"Targets":["r-g",%q,%q]}`, full, gMember, gMgmt)
	if rcp != "" {
		pols += fmt.Sprintf(`,{"Id":"p-rcp1","Name":"push-guard","Type":"RESOURCE_CONTROL_POLICY","Content":%q,"Targets":["r-g"]}`, rcp)
	}
	org := fmt.Sprintf(`{"Organization":{"Id":"o-guard1","MasterAccountId":%[2]q},"Roots":[{"Id":"r-g","Name":"Root"}],
		"Accounts":[{"Id":%[1]q,"ParentId":"r-g"},{"Id":%[2]q,"ParentId":"r-g"}],"Policies":[%[3]s]}`, gMember, gMgmt, pols)
	if err := load(t, s, "organization.json", org); err != nil {
		t.Fatal(err)
	}
	if registry != "" {
		pol, _ := json.Marshal(registry)
		if err := load(t, s, "ecr-registry.json", `{"registryId":"`+gMember+`","region":"us-east-1","policyText":`+string(pol)+`}`); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestRCPAndRegistryGuards(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	memberRepo := "arn:aws:ecr:us-east-1:" + gMember + ":repository/app"
	mgmtRepo := "arn:aws:ecr:us-east-1:" + gMgmt + ":repository/app"
	dev, ops, out := "arn:aws:iam::"+gMember+":user/dev", "arn:aws:iam::"+gMgmt+":user/ops", "arn:aws:iam::"+gOut+":root"
	push := func(repo string) string { return "image.push ecr:PutImage " + repo }

	// Without guardrails everyone pushes: the baseline the checks below
	// depend on (were it false, the denials would prove nothing).
	base := s2facts(guardSnapshot(t, "", ""), cat)
	for _, c := range [][2]string{{dev, memberRepo}, {ops, mgmtRepo}, {out, memberRepo}} {
		if !base[c[0]][push(c[1])] {
			t.Fatalf("baseline: %s should push to %s; facts %v", c[0], c[1], base[c[0]])
		}
	}

	denyAll := `{"Version":"2012-10-17","Statement":[{"Sid":"NoPush","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*"}]}`
	got := s2facts(guardSnapshot(t, denyAll, ""), cat)
	if got[dev][push(memberRepo)] || got[out][push(memberRepo)] {
		t.Errorf("RCP deny for all principals: ecr:PutImage on the member's repository still reported (dev %v, outside %v)", got[dev][push(memberRepo)], got[out][push(memberRepo)])
	}
	if !got[ops][push(mgmtRepo)] {
		t.Errorf("RCPs do not apply to the management account's resources: ops should still push to %s", mgmtRepo)
	}
	if !got[dev]["image.push ecr:InitiateLayerUpload "+memberRepo] {
		t.Errorf("the RCP denies ecr:PutImage only; ecr:InitiateLayerUpload should remain")
	}

	// The data-perimeter RCP: only the outside account loses the push.
	perimeter := `{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-guard1"}}}]}`
	got = s2facts(guardSnapshot(t, perimeter, ""), cat)
	if !got[dev][push(memberRepo)] {
		t.Errorf("perimeter RCP: the organization member should still push")
	}
	// The outside account's organization is not in the inputs, so the
	// deny is conditional on aws:PrincipalOrgID: the push must name it.
	if got[out][push(memberRepo)] && !viaNames(guardSnapshot(t, perimeter, ""), cat, out, memberRepo, "rcp:push-guard") {
		t.Errorf("perimeter RCP: the outside account's push should be denied or name the RCP's conditional deny")
	}

	regDeny := `{"Version":"2012-10-17","Statement":[{"Sid":"RegistryNoPush","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*"}]}`
	got = s2facts(guardSnapshot(t, "", regDeny), cat)
	if got[dev][push(memberRepo)] || got[out][push(memberRepo)] {
		t.Errorf("registry-policy deny: ecr:PutImage on the member's repository still reported")
	}
	if !got[ops][push(mgmtRepo)] {
		t.Errorf("the member's registry policy must not reach the management account's registry")
	}
}

func s2facts(s *Snapshot, cat *catalog.Catalog) map[string]map[string]bool {
	snap := s.Evaluate(cat)
	out := map[string]map[string]bool{}
	for _, p := range snap.Principals {
		out[p.ID] = factsOf(snap, p.ID)
	}
	return out
}

// viaNames tells whether the principal's push to repo names the policy
// among the statements it depends on.
func viaNames(s *Snapshot, cat *catalog.Catalog, principal, repo, policy string) bool {
	for _, f := range s.Evaluate(cat).Facts {
		if f.Principal != principal || f.Capability != "image.push" {
			continue
		}
		for _, t := range f.Targets {
			for _, v := range t.Via {
				if t.Resource == repo && v.Policy == policy && v.Effect == "Deny" && v.PolicyType == "rcp" {
					return true
				}
			}
		}
	}
	return false
}

// TestDocumentedOrganizationRCPs: the organization example of
// docs/inputs.md section 5 is read without a warning; its RCP applies to
// the member account's resources under the OU and not to the management
// account's.
func TestDocumentedOrganizationRCPs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "inputs.md"))
	if err != nil {
		t.Fatal(err)
	}
	sec := string(b)
	i := strings.Index(sec, "## 5. The organization file")
	if i < 0 {
		t.Fatal("docs/inputs.md has no section 5")
	}
	sec = sec[i:]
	k := strings.Index(sec, "```json\n")
	body := sec[k+len("```json\n"):]
	s := New()
	if err := load(t, s, "organization.json", body[:strings.Index(body, "```")]); err != nil {
		t.Fatal(err)
	}
	if len(s.warnings) > 0 {
		t.Errorf("warnings: %+v", s.warnings)
	}
	var names []string
	for _, level := range s.org.rcpLevels("345678901234") {
		for _, p := range level {
			names = append(names, p.Name)
		}
	}
	if strings.Join(names, " ") != "rcp:RCPFullAWSAccess rcp:RCPFullAWSAccess rcp:ecr-push-from-org-only rcp:RCPFullAWSAccess" {
		t.Errorf("RCPs of the member account, root, OU, account: %q", names)
	}
	if l := s.org.rcpLevels("210987654321"); l != nil {
		t.Errorf("the management account's resources have RCPs %v; RCPs do not apply to them", l)
	}
}

// A principal that made itself administrator of its account is still held
// back by the organization's RCPs (only the management account changes
// them), but not by its own account's registry policy (it can rewrite
// it). Without the RCPs in AdminHolds, every escalation path ended in a
// push that the RCP forbids.
func TestAdminNodeGuards(t *testing.T) {
	memberRepo := "arn:aws:ecr:us-east-1:" + gMember + ":repository/app"
	dev := "arn:aws:iam::" + gMember + ":user/dev"
	admin := model.AdminNode("aws", gMember, dev)
	denyAll := `{"Version":"2012-10-17","Statement":[{"Sid":"NoPush","Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*"}]}`
	for _, c := range []struct {
		name, rcp, registry string
		want                model.Access
	}{
		{"no guardrail", "", "", model.Allowed},
		{"RCP deny", denyAll, "", ""},
		{"own registry policy deny", "", denyAll, model.Allowed},
	} {
		s := guardSnapshot(t, c.rcp, c.registry)
		s.Edges() // resolves the snapshot
		if got := s.AdminHolds(admin, "ecr:PutImage", memberRepo); got != c.want {
			t.Errorf("%s: admin of %s pushes to %s: %q, want %q", c.name, gMember, memberRepo, got, c.want)
		}
		if c.name == "no guardrail" && s.AdminHolds(admin, "ecr:InitiateLayerUpload", memberRepo) != model.Allowed {
			t.Errorf("baseline: the admin should upload layers")
		}
	}
}
