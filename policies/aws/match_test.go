package aws

import (
	"fmt"
	"testing"
)

func TestActionMatches(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		action  string
		want    bool
	}{
		{"exact", "ecr:PutImage", "ecr:PutImage", true},
		{"action name case-insensitive", "ecr:putimage", "ecr:PutImage", true},
		{"service case-insensitive", "ECR:PutImage", "ecr:PutImage", true},
		{"request case-insensitive", "ecr:PutImage", "ECR:PUTIMAGE", true},
		{"star matches all", "*", "iam:PassRole", true},
		{"service star", "ecr:*", "ecr:BatchGetImage", true},
		{"prefix star", "ecr:Put*", "ecr:PutImageTagMutability", true},
		{"prefix star mismatch", "ecr:Put*", "ecr:GetAuthorizationToken", false},
		{"star matches empty", "ecr:PutImage*", "ecr:PutImage", true},
		{"question mark", "ecr:?utImage", "ecr:PutImage", true},
		{"question mark is exactly one", "ecr:?utImage", "ecr:OutputImage", false},
		{"infix stars", "ec2:*Image*", "ec2:DescribeImages", true},
		{"infix stars, ModifyImageAttribute", "ec2:*Image*", "ec2:ModifyImageAttribute", true},
		{"infix stars mismatch", "ec2:*Image*", "ec2:RunInstances", false},
		{"two stars", "ec2:Modify*Attribute", "ec2:ModifyImageAttribute", true},
		{"two stars mismatch", "ec2:Modify*Attribute", "ec2:ModifyImage", false},
		{"service mismatch", "ecr:*", "ec2:CreateImage", false},
		{"service is not a prefix", "ec:*", "ec2:CreateImage", false},
		{"service wildcard is not expanded", "ec*:CreateImage", "ec2:CreateImage", false},
		{"request without colon", "ecr:*", "ecr", false},
		{"no partial name match", "ecr:Put", "ecr:PutImage", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAction(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Matches(tc.action); got != tc.want {
				t.Errorf("%q matches %q: got %v, want %v", tc.pattern, tc.action, got, tc.want)
			}
		})
	}
}

func TestStatementActionMatches(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		action string
		want   bool
	}{
		{"one of a list", `{"Statement":{"Effect":"Allow","Action":["s3:GetObject","ecr:Put*"],"Resource":"*"}}`, "ecr:PutImage", true},
		{"none of a list", `{"Statement":{"Effect":"Allow","Action":["s3:GetObject","ecr:Put*"],"Resource":"*"}}`, "ecr:BatchGetImage", false},
		{"NotAction excludes listed", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "iam:PassRole", false},
		{"NotAction covers other services", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "ecr:PutImage", true},
		{"NotAction list", `{"Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*"}}`, "sts:AssumeRole", false},
		{"NotAction case-insensitive", `{"Statement":{"Effect":"Deny","NotAction":"IAM:PASSROLE","Resource":"*"}}`, "iam:PassRole", false},
		{"NotAction star matches nothing", `{"Statement":{"Effect":"Deny","NotAction":"*","Resource":"*"}}`, "s3:GetObject", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := mustParse(tc.doc).Statements[0]
			a, err := ParseAction(tc.action)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.actionMatches(a.service, a.name); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWildcards(t *testing.T) {
	match := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "a", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"a*b*c", "abbbc", true},
		{"*a*a*a*", "aaa", true},
		{"*a*a*a*", "aa", false},
		{"???", "abc", true},
		{"???", "ab", false},
		{"a?c", "abc", true},
		{"ABC", "abc", false}, // resource ARNs: case-sensitive
		{"**", "x", true},
		{"*?", "", false},
		{"a*", "b", false},
	}
	for _, tc := range match {
		t.Run(fmt.Sprintf("match %q %q", tc.pattern, tc.s), func(t *testing.T) {
			if got := WildcardMatch(tc.pattern, tc.s); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	covers := []struct {
		sup, sub string
		want     bool
	}{
		{"*", "abc*", true},
		{"a*", "ab*", true},
		{"ab*", "a*", false},
		{"a?", "a*", false},
		{"a*", "a?", true},
		{"*", "?", true},
		{"?", "*", false},
		{"repo/*", "repo/app", true},
		{"repo/app", "repo/*", false},
		{"repo/app*", "repo/app-web", true},
		{"a*c", "ab*c", true},
		{"a*c", "ab*", false},
		{"abc", "abc", true},
		{"abc", "abd", false},
	}
	for _, tc := range covers {
		t.Run(fmt.Sprintf("covers %q %q", tc.sup, tc.sub), func(t *testing.T) {
			if got := WildcardCovers(tc.sup, tc.sub); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	overlaps := []struct {
		a, b string
		want bool
	}{
		{"a*", "*b", true},
		{"a*", "b*", false},
		{"a?c", "abd", false},
		{"a?c", "a*", true},
		{"*x*", "*y*", true},
		{"abc", "abc", true},
		{"abc", "ab", false},
		{"?", "", false},
		{"*", "", true},
		{"repo/app*", "repo/*", true},
		{"repo/team-?/*", "repo/app*", false},
	}
	for _, tc := range overlaps {
		t.Run(fmt.Sprintf("overlaps %q %q", tc.a, tc.b), func(t *testing.T) {
			if got := WildcardOverlaps(tc.a, tc.b); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if got := WildcardOverlaps(tc.b, tc.a); got != tc.want {
				t.Errorf("reversed: got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWildcardsExhaustive checks WildcardOverlaps (exact) and WildcardCovers
// (sound) against brute force on every pattern of up to three symbols.
func TestWildcardsExhaustive(t *testing.T) {
	alphabet := []string{"a", "b", "*", "?"}
	var patterns []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		patterns = append(patterns, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+c, n-1)
		}
	}
	gen("", 3)
	// Strings over {a, b, c} up to length 6 are witnesses enough: a common
	// string of two 3-symbol patterns needs at most 6 characters, and 'c'
	// stands for any character the patterns do not name.
	var strs []string
	var genS func(prefix string, n int)
	genS = func(prefix string, n int) {
		strs = append(strs, prefix)
		if n == 0 {
			return
		}
		for _, c := range []string{"a", "b", "c"} {
			genS(prefix+c, n-1)
		}
	}
	genS("", 6)
	matched := make([][]bool, len(patterns))
	for i, p := range patterns {
		matched[i] = make([]bool, len(strs))
		for j, s := range strs {
			matched[i][j] = WildcardMatch(p, s)
		}
	}
	for i, a := range patterns {
		for k, b := range patterns {
			both, subset := false, true
			for j := range strs {
				if matched[i][j] && matched[k][j] {
					both = true
				}
				if matched[k][j] && !matched[i][j] {
					subset = false
				}
			}
			if got := WildcardOverlaps(a, b); got != both {
				t.Errorf("WildcardOverlaps(%q, %q) = %v, brute force %v", a, b, got, both)
			}
			if WildcardCovers(a, b) && !subset {
				t.Errorf("WildcardCovers(%q, %q) = true, but %q matches a string %q does not", a, b, b, a)
			}
		}
	}
}

func TestResourceMatches(t *testing.T) {
	const (
		repo = "arn:aws:ecr:us-east-1:111122223333:repository/app"
		obj  = "arn:aws:s3:::bucket/home/alice/notes.txt"
	)
	tests := []struct {
		name     string
		res      string // the statement's Resource (or NotResource with not)
		not      bool
		kind     PolicyKind
		request  string
		ctx      *Context
		want     Tri
		skipDeny bool // the Deny form differs (only set requests care)
	}{
		{name: "star", res: "*", request: repo, want: True},
		{name: "exact", res: repo, request: repo, want: True},
		{name: "resource part is case-sensitive", res: "arn:aws:ecr:us-east-1:111122223333:repository/App", request: repo, want: False},
		{name: "first five segments are case-insensitive", res: "arn:AWS:ECR:US-EAST-1:111122223333:repository/app", request: repo, want: True},
		{name: "wildcard region and account", res: "arn:aws:ecr:*:*:repository/*", request: repo, want: True},
		{name: "question marks", res: "arn:aws:ecr:us-east-?:111122223333:repository/ap?", request: repo, want: True},
		{name: "other service", res: "arn:aws:ecr:*:*:*", request: "arn:aws:ec2:us-east-1:111122223333:instance/i-1", want: False},
		{name: "other account", res: "arn:aws:ecr:*:444455556666:repository/*", request: repo, want: False},
		{name: "wildcard does not cross into the next segment", res: "arn:aws:ecr:*:111122223333:repository/app", request: "arn:aws:ecr:us:east:111122223333:repository/app", want: False},
		{name: "short ARN is padded at the end, not in the middle", res: "arn:aws:s3:*:bucket", request: "arn:aws:s3:::bucket", kind: IdentityPolicy, want: False},
		{name: "resource part wildcard crosses colons and slashes", res: "arn:aws:logs:*:*:log-group:*", request: "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", want: True},
		{name: "S3 object", res: "arn:aws:s3:::bucket/*", request: obj, want: True},
		{name: "S3 bucket pattern does not match objects", res: "arn:aws:s3:::bucket", request: obj, want: False},
		{name: "AMI ARN without account", res: "arn:aws:ec2:*::image/*", request: "arn:aws:ec2:us-east-1::image/ami-1", want: True},
		{name: "request * only matches *", res: "arn:aws:ecr:*:*:repository/*", request: "*", want: False},
		{name: "request * matches *", res: "*", request: "*", want: True},
		{name: "pattern that is not an ARN", res: "repository/app", request: repo, want: False},

		// short ARNs
		{name: "short ARN in an identity policy reads missing segments as *", res: "arn:aws:ecr", kind: IdentityPolicy, request: repo, want: True},
		{name: "short ARN in a boundary", res: "arn:aws:ecr:us-east-1", kind: BoundaryPolicy, request: repo, want: True},
		{name: "short ARN without wildcard in a resource policy", res: "arn:aws:ecr", kind: ResourcePolicy, request: repo, want: False},
		{name: "short ARN with wildcard in a resource policy", res: "arn:aws:ecr:*", kind: ResourcePolicy, request: repo, want: True},
		{name: "short ARN ending in * in an SCP", res: "arn:aws:ecr:*", kind: SCPPolicy, request: repo, want: True},
		{name: "short ARN not ending in * in an SCP", res: "arn:aws:ecr", kind: SCPPolicy, request: repo, want: False},
		{name: "invalid short ARN in an SCP NotResource matches neither way", res: "arn:aws:ecr", not: true, kind: SCPPolicy, request: repo, want: False},

		// NotResource
		{name: "NotResource excludes the listed", res: "arn:aws:ecr:*:*:repository/app", not: true, request: repo, want: False},
		{name: "NotResource applies elsewhere", res: "arn:aws:ecr:*:*:repository/base/*", not: true, request: repo, want: True},
		{name: "NotResource star", res: "*", not: true, request: repo, want: False},

		// policy variables
		{name: "variable, complete context", res: "arn:aws:s3:::bucket/home/${aws:username}/*", request: obj, ctx: ctxWith(true, "aws:username", "alice"), want: True},
		{name: "variable, other user", res: "arn:aws:s3:::bucket/home/${aws:username}/*", request: obj, ctx: ctxWith(true, "aws:username", "bob"), want: False},
		{name: "variable without value matches nothing", res: "arn:aws:s3:::bucket/home/${aws:username}/*", request: obj, ctx: ctxWith(true), want: False},
		{name: "variable without value: NotResource does not apply either", res: "arn:aws:s3:::bucket/home/${aws:username}/*", not: true, request: obj, ctx: ctxWith(true), want: False},
		{name: "variable, incomplete context", res: "arn:aws:s3:::bucket/home/${aws:username}/*", request: obj, ctx: ctxWith(false), want: Unknown},
		{name: "variable, incomplete context, other segment fails", res: "arn:aws:s3:::other/${aws:username}/*", request: obj, ctx: ctxWith(false), want: Unknown},
		{name: "variable, incomplete context, NotResource", res: "arn:aws:s3:::bucket/home/${aws:username}/*", not: true, request: obj, ctx: ctxWith(false), want: Unknown},
		{name: "variable default", res: "arn:aws:s3:::bucket/home/${aws:username, 'alice'}/*", request: obj, ctx: ctxWith(true), want: True},
		{name: "variable value with a star is literal", res: "arn:aws:s3:::bucket/home/${aws:username}/notes.txt", request: obj, ctx: ctxWith(true, "aws:username", "*"), want: False},
		{name: "${*} is a literal star", res: "arn:aws:s3:::bucket/${*}", request: "arn:aws:s3:::bucket/*", want: True},
		{name: "${*} is not a wildcard", res: "arn:aws:s3:::bucket/${*}", request: "arn:aws:s3:::bucket/x", want: False},
		{name: "${?} is not a wildcard", res: "arn:aws:s3:::bucket/${?}", request: "arn:aws:s3:::bucket/x", want: False},
		{name: "variable in the resource part of a role ARN", res: "arn:aws:iam::111122223333:user/${aws:username}", request: "arn:aws:iam::111122223333:user/alice", ctx: ctxWith(true, "aws:username", "alice"), want: True},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "Resource"
			if tc.not {
				key = "NotResource"
			}
			st := mustParse(fmt.Sprintf(`{"Statement":{"Effect":"Allow","Action":"*",%q:%q}}`, key, tc.res)).Statements[0]
			ctx := tc.ctx
			if ctx == nil {
				ctx = NewContext(true)
			}
			r := newResource(tc.request, false)
			if got := st.resourceMatches(&r, tc.kind, ctx, false); got != tc.want {
				t.Errorf("%s %q on %q: got %v, want %v", key, tc.res, tc.request, got, tc.want)
			}
		})
	}
	t.Run("statement without Resource matches every resource", func(t *testing.T) {
		st := mustParse(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`).Statements[0]
		r := newResource("arn:aws:iam::111122223333:role/x", false)
		if got := st.resourceMatches(&r, ResourcePolicy, NewContext(true), false); got != True {
			t.Fatalf("got %v", got)
		}
	})
}

// TestResourcePatternMatches covers set requests: an Allow reaches part of the
// set, a Deny must cover all of it, unless whole says otherwise.
func TestResourcePatternMatches(t *testing.T) {
	const set = "arn:aws:ecr:us-east-1:111122223333:repository/*"
	tests := []struct {
		name  string
		res   string
		not   bool
		whole bool
		want  Tri
	}{
		{"overlapping pattern reaches part", "arn:aws:ecr:*:*:repository/app*", false, false, True},
		{"overlapping pattern does not cover", "arn:aws:ecr:*:*:repository/app*", false, true, False},
		{"covering pattern", "arn:aws:ecr:*:*:repository/*", false, true, True},
		{"disjoint pattern", "arn:aws:ecr:*:*:other/*", false, false, False},
		{"other account", "arn:aws:ecr:*:444455556666:repository/*", false, false, False},
		{"NotResource of a part: some of the set remains", "arn:aws:ecr:*:*:repository/app", true, false, True},
		{"NotResource of a part: not the whole set is outside", "arn:aws:ecr:*:*:repository/app", true, true, False},
		{"NotResource of the whole set", "arn:aws:ecr:*:*:repository/*", true, false, False},
		{"NotResource disjoint: the whole set is outside", "arn:aws:ecr:*:*:other/*", true, true, True},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "Resource"
			if tc.not {
				key = "NotResource"
			}
			st := mustParse(fmt.Sprintf(`{"Statement":{"Effect":"Allow","Action":"*",%q:%q}}`, key, tc.res)).Statements[0]
			r := newResource(set, true)
			if got := st.resourceMatches(&r, IdentityPolicy, NewContext(true), tc.whole); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a pattern request without wildcard is a single resource", func(t *testing.T) {
		if r := newResource("arn:aws:ecr:us-east-1:111122223333:repository/app", true); r.pattern {
			t.Fatal("still a pattern")
		}
	})
}

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		in   string
		want PrincipalInfo
	}{
		{"arn:aws:iam::111122223333:user/alice", PrincipalInfo{Account: "111122223333", Type: "user", Name: "alice"}},
		{"arn:aws:iam::111122223333:user/dev/alice", PrincipalInfo{Account: "111122223333", Type: "user", Name: "alice"}},
		{"arn:aws:iam::111122223333:role/path/builder", PrincipalInfo{Account: "111122223333", Type: "role", Name: "builder"}},
		{"arn:aws:sts::111122223333:assumed-role/builder/session-1", PrincipalInfo{Account: "111122223333", Type: "assumed-role", Name: "builder"}},
		{"arn:aws:sts::111122223333:federated-user/bob", PrincipalInfo{Account: "111122223333", Type: "federated-user", Name: "bob"}},
		{"arn:aws:iam::111122223333:root", PrincipalInfo{Account: "111122223333", Type: "root"}},
		{"codebuild.amazonaws.com", PrincipalInfo{Type: "service"}},
		{"nonsense", PrincipalInfo{Type: "unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tc.want.ARN = tc.in
			if got := ParsePrincipal(tc.in); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPrincipalMatches(t *testing.T) {
	const (
		alice   = "arn:aws:iam::111122223333:user/alice"
		session = "arn:aws:sts::111122223333:assumed-role/builder/s1"
	)
	tests := []struct {
		name      string
		principal string // the element
		not       bool
		effect    string
		caller    string
		boundary  bool
		want      principalMatch
	}{
		{"star", `"*"`, false, "Allow", alice, false, directPrincipalMatch},
		{"AWS star", `{"AWS":"*"}`, false, "Allow", alice, false, directPrincipalMatch},
		{"user ARN", `{"AWS":"` + alice + `"}`, false, "Allow", alice, false, directPrincipalMatch},
		{"other user", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, false, "Allow", alice, false, noPrincipalMatch},
		{"account root ARN", `{"AWS":"arn:aws:iam::111122223333:root"}`, false, "Allow", alice, false, accountPrincipalMatch},
		{"account id", `{"AWS":"111122223333"}`, false, "Allow", alice, false, accountPrincipalMatch},
		{"other account", `{"AWS":["444455556666","arn:aws:iam::555555555555:root"]}`, false, "Allow", alice, false, noPrincipalMatch},
		{"best of a list", `{"AWS":["111122223333","` + alice + `"]}`, false, "Allow", alice, false, directPrincipalMatch},
		{"role ARN names its sessions", `{"AWS":"arn:aws:iam::111122223333:role/builder"}`, false, "Allow", session, false, sessionPrincipalMatch},
		{"session ARN", `{"AWS":"` + session + `"}`, false, "Allow", session, false, directPrincipalMatch},
		{"service principal", `{"Service":"codebuild.amazonaws.com"}`, false, "Allow", "codebuild.amazonaws.com", false, directPrincipalMatch},
		{"AWS star is not a service", `{"AWS":"*"}`, false, "Allow", "codebuild.amazonaws.com", false, noPrincipalMatch},
		{"NotPrincipal naming the caller", `{"AWS":"` + alice + `"}`, true, "Deny", alice, false, noPrincipalMatch},
		{"NotPrincipal naming another", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, true, "Deny", alice, false, directPrincipalMatch},
		{"Deny NotPrincipal applies to a principal with a boundary", `{"AWS":"` + alice + `"}`, true, "Deny", alice, true, directPrincipalMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "Principal"
			if tc.not {
				key = "NotPrincipal"
			}
			st := mustParse(fmt.Sprintf(`{"Statement":{"Effect":%q,%q:%s,"Action":"*","Resource":"*"}}`, tc.effect, key, tc.principal)).Statements[0]
			pi := ParsePrincipal(tc.caller)
			if got := st.principalMatches(&pi, tc.boundary); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
