package aws

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// classMembers are resources of many kinds, several of each that some
// patterns tell apart and others do not.
var classMembers = []string{
	"arn:aws:ecr:us-east-1:111122223333:repository/app",
	"arn:aws:ecr:us-east-1:111122223333:repository/app/web",
	"arn:aws:ecr:us-east-1:111122223333:repository/apps/web",
	"arn:aws:ecr:us-east-1:111122223333:repository/base/ubuntu",
	"arn:aws:ecr:us-east-1:111122223333:repository/base/al2023",
	"arn:aws:ecr:us-east-1:111122223333:repository/team-a/svc",
	"arn:aws:ecr:us-east-1:111122223333:repository/team-b/svc",
	"arn:aws:ecr:us-east-1:111122223333:repository/App/Case",
	"arn:aws:ecr:eu-west-1:111122223333:repository/app",
	"arn:aws:ecr:eu-west-1:111122223333:repository/base/ubuntu",
	"arn:aws:ecr:us-east-1:444455556666:repository/app",
	"arn:aws:ecr:us-east-1:444455556666:repository/base/ubuntu",
	"arn:aws:ecr-public::111122223333:repository/app",
	"arn:aws:ecr-public::111122223333:repository/tools",
	"arn:aws:iam::111122223333:role/builder",
	"arn:aws:iam::111122223333:role/deployer",
	"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/admin",
	"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/reader",
	"arn:aws:iam::111122223333:user/alice",
	"arn:aws:iam::111122223333:user/bob",
	"arn:aws:iam::111122223333:policy/team",
	"arn:aws:iam::111122223333:policy/other",
	"arn:aws:iam::aws:policy/AdministratorAccess",
	"arn:aws:iam::aws:policy/ReadOnlyAccess",
	"arn:aws:ec2:us-east-1::image/ami-1111",
	"arn:aws:ec2:us-east-1::image/ami-1234",
	"arn:aws:ec2:us-east-1::image/ami-9999",
	"arn:aws:ec2:eu-west-1::image/ami-1111",
	"arn:aws:s3:::bucket/alice/x",
	"arn:aws:s3:::bucket/bob/x",
	"arn:aws:ssm:us-east-1:111122223333:parameter/golden/ami",
	"arn:aws:ssm:us-east-1:111122223333:parameter/golden/other",
	"arn:aws:ec2:*::image/ami-1111", // a pattern member
	"*",
}

var classPatterns = []string{
	"*", "*", "arn:aws:ecr:*:*:repository/*", "arn:aws:ecr:us-east-1:111122223333:repository/app*",
	"arn:aws:ecr:*:111122223333:repository/team-${aws:PrincipalTag/team}/*", "arn:aws:ecr:*:*:repository/base/*",
	"arn:aws:ecr:*:*:repository/?pp", "arn:aws:ecr:*:*:repository/app/*", "arn:aws:ecr", "arn:aws:ecr:*",
	"arn:aws:ecr:us-east-1", "arn:*:ecr:*:${aws:PrincipalAccount}:repository/*", "arn:aws:ecr:${aws:RequestedRegion}:*:repository/app",
	"arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/aws-reserved/*", "arn:aws:iam::*:role/build*",
	"arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:policy/*", "arn:aws:iam::aws:policy/*",
	"arn:aws:ec2:*::image/*", "arn:aws:ec2:us-east-1::image/ami-1*", "arn:aws:ec2:*::image/ami-${aws:PrincipalTag/ami, '1111'}",
	"arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket/*", "arn:aws:ssm:*:*:parameter/golden/*",
	"arn:aws:ecr-public::*:repository/app", "notanarn", "arn:aws:*:*:111122223333:*", "arn:aws:ecr:*:*:repository/App/*",
}

var classActions = []string{"ecr:PutImage", "ecr:*", "ecr:Put*", "iam:*", "iam:PassRole", "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy",
	"ec2:*Image*", "s3:*", "ssm:PutParameter", "ecr-public:*", "*"}

var classRequests = []string{"ecr:PutImage", "ecr:BatchDeleteImage", "iam:PassRole", "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy",
	"ec2:ModifyImageAttribute", "s3:PutObject", "ssm:PutParameter", "ecr-public:PutImage", "iam:AttachRolePolicy"}

func randomClassPolicy(rng *rand.Rand, resourcePolicy bool) *Policy {
	var stmts []any
	for n := 1 + rng.Intn(3); n > 0; n-- {
		st := map[string]any{"Effect": []string{"Allow", "Allow", "Deny"}[rng.Intn(3)]}
		var acts []any
		for k := 1 + rng.Intn(2); k > 0; k-- {
			acts = append(acts, classActions[rng.Intn(len(classActions))])
		}
		if rng.Intn(5) == 0 {
			st["NotAction"] = acts
		} else {
			st["Action"] = acts
		}
		var res []any
		for k := 1 + rng.Intn(3); k > 0; k-- {
			res = append(res, classPatterns[rng.Intn(len(classPatterns))])
		}
		switch {
		case resourcePolicy && rng.Intn(2) == 0:
		case rng.Intn(5) == 0:
			st["NotResource"] = res
		default:
			st["Resource"] = res
		}
		if resourcePolicy {
			principals := []any{"*", map[string]any{"AWS": "111122223333"}, map[string]any{"AWS": "arn:aws:iam::111122223333:role/builder"},
				map[string]any{"AWS": []any{"arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:user/alice"}}, map[string]any{"Service": "codebuild.amazonaws.com"}}
			if rng.Intn(6) == 0 {
				st["NotPrincipal"] = map[string]any{"AWS": "arn:aws:iam::111122223333:user/bob"}
			} else {
				st["Principal"] = principals[rng.Intn(len(principals))]
			}
		}
		if rng.Intn(4) == 0 {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": "a"}}
		}
		stmts = append(stmts, st)
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := ParsePolicy(b)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", b, err))
	}
	return p
}

// TestResourceSetClasses: members of one class get the same Result from
// Decide, for random policies, principals, actions and contexts.
func TestResourceSetClasses(t *testing.T) {
	pattern := make([]bool, len(classMembers))
	pattern[len(classMembers)-2] = true
	rs := NewResourceSet(classMembers, pattern, nil)
	rng := rand.New(rand.NewSource(7))
	principals := []string{alice, builderARN, session, extAlice, "arn:aws:iam::111122223333:root", "codebuild.amazonaws.com"}
	shared := 0
	for trial := 0; trial < 1500; trial++ {
		pol := &Policies{}
		var all []*Policy
		for k := 1 + rng.Intn(3); k > 0; k-- {
			p := randomClassPolicy(rng, false)
			pol.Identity = append(pol.Identity, NamedPolicy{Name: fmt.Sprint("id", k), Policy: p})
			all = append(all, p)
		}
		if rng.Intn(3) == 0 {
			p := randomClassPolicy(rng, false)
			pol.Boundary = &NamedPolicy{Name: "boundary", Policy: p}
			all = append(all, p)
		}
		if rng.Intn(3) == 0 {
			full, p := mustParse(docFullAccess), randomClassPolicy(rng, false)
			pol.SCPs = [][]NamedPolicy{{{Name: "full", Policy: full}}, {{Name: "scp", Policy: p}}}
			all = append(all, full, p)
		}
		if rng.Intn(3) == 0 {
			p := randomClassPolicy(rng, true)
			pol.Resource = &NamedPolicy{Name: "resource", Policy: p}
			all = append(all, p)
		}
		var classes [][]int
		if trial%2 == 0 {
			classes = rs.ClassesAll(all...)
			part := rs.Partition(rs.All(), all...)
			for i, c := range classes {
				for _, m := range c {
					if part.ClassOf(m) != i {
						t.Fatalf("ClassOf(%d) = %d, want %d", m, part.ClassOf(m), i)
					}
				}
			}
		} else {
			var members []int
			for m := range classMembers {
				if rng.Intn(3) != 0 {
					members = append(members, m)
				}
			}
			classes = rs.Classes(members, all...)
			n := 0
			for _, c := range classes {
				n += len(c)
			}
			if n != len(members) {
				t.Fatalf("classes of %d members hold %d", len(members), n)
			}
		}
		ctx := NewContext(rng.Intn(2) == 0)
		if rng.Intn(2) == 0 {
			ctx.Set("aws:PrincipalTag/team", []string{"a", "b"}[rng.Intn(2)])
			ctx.Set("aws:username", "alice")
			ctx.Set("aws:PrincipalAccount", acct)
		}
		principal := principals[rng.Intn(len(principals))]
		account := []string{"", acct, otherAcct}[rng.Intn(3)]
		for _, c := range classes {
			if len(c) < 2 {
				continue
			}
			shared++
			for _, action := range classRequests {
				decide := func(m int) Result {
					return Decide(&Request{Principal: principal, Action: action, Resource: classMembers[m], ResourceAccount: account, Context: ctx}, pol)
				}
				want := decide(c[0])
				for _, m := range c[1:] {
					if got := decide(m); !reflect.DeepEqual(got, want) {
						t.Fatalf("trial %d: %s on %s and %s (one class) differ:\n%+v\n%+v", trial, action, classMembers[c[0]], classMembers[m], want, got)
					}
				}
			}
		}
	}
	if shared < 1000 {
		t.Errorf("only %d classes with more than one member: the test proves little", shared)
	}
}

// TestResourceSetSplits: patterns that name some members apart split them.
func TestResourceSetSplits(t *testing.T) {
	rs := NewResourceSet(classMembers, nil, nil)
	p := mustParse(`{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/base/*"}]}`)
	find := func(classes [][]int, arn string) []int {
		for _, c := range classes {
			for _, m := range c {
				if classMembers[m] == arn {
					return c
				}
			}
		}
		return nil
	}
	c := find(rs.ClassesAll(p), "arn:aws:ecr:us-east-1:111122223333:repository/base/ubuntu")
	if len(c) != 2 || classMembers[c[1]] != "arn:aws:ecr:us-east-1:111122223333:repository/base/al2023" {
		t.Errorf("base/* class: %v", c)
	}
	if c := find(rs.ClassesAll(), "arn:aws:ecr:us-east-1:111122223333:repository/base/ubuntu"); len(c) != 8 {
		t.Errorf("without policies, the class of the account's us-east-1 repositories has %d members, want 8", len(c))
	}
	if c := find(rs.ClassesAll(), "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/admin"); len(c) != 2 {
		t.Errorf("the reserved roles are a class of their own: %v", c)
	}
}

// TestReachesAndMayAllow: a resource policy that does not reach a request
// changes nothing, and without an identity policy that may allow the
// action (and without a resource policy) nothing is allowed.
func TestReachesAndMayAllow(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	principals := []string{alice, builderARN, session, extAlice, "arn:aws:iam::111122223333:root", "codebuild.amazonaws.com", "*"}
	reached, unreached := 0, 0
	for trial := 0; trial < 3000; trial++ {
		pol := &Policies{}
		mayAllow := false
		action := classRequests[rng.Intn(len(classRequests))]
		id := NewActionID(action)
		for k := 1 + rng.Intn(3); k > 0; k-- {
			p := randomClassPolicy(rng, false)
			pol.Identity = append(pol.Identity, NamedPolicy{Name: fmt.Sprint("id", k), Policy: p})
			mayAllow = mayAllow || p.MayAllow(id)
		}
		if rng.Intn(3) == 0 {
			pol.Boundary = &NamedPolicy{Name: "boundary", Policy: randomClassPolicy(rng, false)}
		}
		rp := randomClassPolicy(rng, true)
		principal := principals[rng.Intn(len(principals))]
		caller := ParsePrincipal(principal)
		ctx := NewContext(rng.Intn(2) == 0)
		req := &Request{Principal: principal, Action: action, Resource: classMembers[rng.Intn(len(classMembers)-2)], ResourceAccount: []string{"", acct, otherAcct}[rng.Intn(3)], Context: ctx}
		without := Decide(req, pol)
		if !mayAllow && (without.Decision == Allowed || without.Decision == Conditional) {
			t.Fatalf("trial %d: no identity policy may allow %s, yet %s", trial, action, without.Decision)
		}
		if !mayAllow && !rp.ReachesAllow(id, &caller, pol.Boundary != nil) {
			pol.Resource = &NamedPolicy{Name: "resource", Policy: rp}
			if with := Decide(req, pol); with.Decision == Allowed || with.Decision == Conditional {
				t.Fatalf("trial %d: no identity policy may allow and no resource policy Allow reaches, yet %s", trial, with.Decision)
			}
			pol.Resource = nil
		}
		if !mayAllow && !rp.AllowsDirectly(id, &caller, pol.Boundary != nil) {
			pol.Resource = &NamedPolicy{Name: "resource", Policy: rp}
			if with := Decide(req, pol); with.Decision == Allowed || with.Decision == Conditional {
				t.Fatalf("trial %d: neither an identity policy nor a direct resource policy grant, yet %s", trial, with.Decision)
			}
			pol.Resource = nil
		}
		if rp.Reaches(id, &caller, pol.Boundary != nil) {
			reached++
			if !sharesKey(rp.PrincipalKeys(id, false), CallerKeys(&caller)) {
				t.Fatalf("trial %d: %s reaches %s, but none of its keys %v is the caller's %v", trial, action, principal, rp.PrincipalKeys(id, false), CallerKeys(&caller))
			}
			if rp.ReachesAllow(id, &caller, pol.Boundary != nil) && !sharesKey(rp.PrincipalKeys(id, true), CallerKeys(&caller)) {
				t.Fatalf("trial %d: an Allow for %s reaches %s, but none of its keys %v is the caller's", trial, action, principal, rp.PrincipalKeys(id, true))
			}
			continue
		}
		unreached++
		pol.Resource = &NamedPolicy{Name: "resource", Policy: rp}
		if with := Decide(req, pol); !reflect.DeepEqual(with, without) {
			t.Fatalf("trial %d: a resource policy that does not reach the request changed it:\n%+v\n%+v", trial, without, with)
		}
	}
	if reached < 300 || unreached < 300 {
		t.Errorf("reached %d, unreached %d: the test proves little", reached, unreached)
	}
}

func sharesKey(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// TestDecisionOf: the decision alone is Decide's decision.
func TestDecisionOf(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	principals := []string{alice, builderARN, session, extAlice, "codebuild.amazonaws.com"}
	for trial := 0; trial < 2000; trial++ {
		pol := &Policies{}
		for k := 1 + rng.Intn(3); k > 0; k-- {
			pol.Identity = append(pol.Identity, NamedPolicy{Name: fmt.Sprint("id", k), Policy: randomClassPolicy(rng, false)})
		}
		if rng.Intn(3) == 0 {
			pol.Boundary = &NamedPolicy{Name: "boundary", Policy: randomClassPolicy(rng, false)}
		}
		if rng.Intn(3) == 0 {
			pol.SCPs = [][]NamedPolicy{{{Name: "full", Policy: mustParse(docFullAccess)}}, {{Name: "scp", Policy: randomClassPolicy(rng, false)}}}
		}
		if rng.Intn(2) == 0 {
			pol.Resource = &NamedPolicy{Name: "resource", Policy: randomClassPolicy(rng, true)}
		}
		m := rng.Intn(len(classMembers))
		req := &Request{Principal: principals[rng.Intn(len(principals))], Action: classRequests[rng.Intn(len(classRequests))], Resource: classMembers[m],
			ResourcePattern: strings.ContainsAny(classMembers[m], "*"), AllowWhole: rng.Intn(2) == 0, DenyPart: rng.Intn(2) == 0, Context: NewContext(rng.Intn(2) == 0)}
		if got, want := DecisionOf(req, pol), Decide(req, pol).Decision; got != want {
			t.Fatalf("trial %d: DecisionOf %s, Decide %s", trial, got, want)
		}
	}
}
