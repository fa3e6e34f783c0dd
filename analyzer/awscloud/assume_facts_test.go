package awscloud

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
)

// sts:AssumeRole needs the role's trust: the iam.escalate fact of a
// principal allowed sts:AssumeRole on every role names only the roles whose
// trust admits it, and there is none when no trust does (it was "every
// role of the account" before, whatever the trusts said).
func TestAssumeRoleFactsNeedTrust(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	const acct = "111122223333"
	assumeAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	user := func(name, policy string) string {
		s := fmt.Sprintf(`{"UserName":%q,"Arn":"arn:aws:iam::%s:user/%s","UserPolicyList":[`, name, acct, name)
		if policy != "" {
			s += fmt.Sprintf(`{"PolicyName":"p","PolicyDocument":%s}`, policy)
		}
		return s + `]}`
	}
	role := func(name, trusted string) string {
		return fmt.Sprintf(`{"RoleName":%q,"Arn":"arn:aws:iam::%s:role/%s","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}]},"RolePolicyList":[]}`, name, acct, name, trusted)
	}
	doc := `{"UserDetailList":[` + user("dev", assumeAll) + `,` + user("ops", assumeAll) + `,` + user("nobody", "") + `],
		"RoleDetailList":[` + role("account-wide", "arn:aws:iam::"+acct+":root") + `,` + role("ops-only", "arn:aws:iam::"+acct+":user/ops") + `,` +
		role("elsewhere", "arn:aws:iam::444455556666:root") + `]}`
	s := New()
	if err := load(t, s, "iam.json", doc); err != nil {
		t.Fatal(err)
	}
	snap := s.Evaluate(cat)
	assumes := func(who string) string {
		var out []string
		for k := range factsOf(snap, "arn:aws:iam::"+acct+":user/"+who) {
			if strings.Contains(k, " sts:AssumeRole ") {
				out = append(out, strings.TrimPrefix(k, "iam.escalate sts:AssumeRole arn:aws:iam::"+acct+":"))
			}
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ who, want string }{
		{"dev", "role/account-wide"},               // the account's trust; not ops-only, not the role trusting another account
		{"ops", "role/account-wide,role/ops-only"}, // also named by ops-only
		{"nobody", ""},                             // no identity permission: no fact (as before)
	} {
		if got := assumes(c.who); got != c.want {
			t.Errorf("%s assumes %q, want %q", c.who, got, c.want)
		}
	}
}
