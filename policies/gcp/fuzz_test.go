package gcp

import (
	"github.com/imagewarden/imagewarden/internal/demoseed"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/policies/tri"
)

var memberKinds = map[string]bool{"user": true, "serviceAccount": true, "group": true, "domain": true, "allUsers": true,
	"allAuthenticatedUsers": true, "principal": true, "principalSet": true, "deleted": true, "projectOwner": true,
	"projectEditor": true, "projectViewer": true, "unknown": true}

// FuzzMember parses members of allow policies. Kind always names a member
// type and agrees with the member's prefix; a member covers the identity it
// names (but deleted and unknown members cover nobody), whatever the case
// of its email; allUsers covers everyone; and a user, service account or
// group translated to the principal identifier of deny policies
// (principal://goog/subject/..., principalSet://goog/group/...) is denied
// as the member.
func FuzzMember(f *testing.F) {
	for _, m := range demoseed.Strings(f, "../../testdata/demo/gcp/*.json", "members", "deniedPrincipals", "exceptionPrincipals") {
		f.Add(m)
	}
	for _, m := range []string{"user:", ":x", "user:A@B.example", "deleted:serviceAccount:x@p.iam.gserviceaccount.com?uid=123",
		"principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s", "principalSet://goog/public:all",
		"domain:", "group:x", "serviceAccount:x@y:z", "user:a@b\x00", "projectOwner:p", "allUsers:x", "User:a@b"} {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, m string) {
		k := Kind(m)
		if !memberKinds[k] {
			t.Fatalf("Kind(%q) = %q", m, k)
		}
		if KnownMemberKind(m) != (k != "unknown") {
			t.Fatalf("KnownMemberKind(%q) disagrees with Kind %q", m, k)
		}
		switch k {
		case "allUsers", "allAuthenticatedUsers":
			if m != k {
				t.Fatalf("Kind(%q) = %q", m, k)
			}
		case "principal", "principalSet":
			if !strings.HasPrefix(m, k+"://") {
				t.Fatalf("Kind(%q) = %q without the %s:// prefix", m, k, k)
			}
		case "unknown":
		default:
			// TYPE:VALUE round-trips through its kind.
			if _, rest, _ := strings.Cut(m, ":"); k+":"+rest != m {
				t.Fatalf("%q is not %s:VALUE", m, k)
			}
		}
		id := &Identity{Member: m}
		self := MemberMatches(m, id)
		if want := k != "deleted" && k != "unknown"; self != want {
			t.Fatalf("MemberMatches(%q, itself) = %v, want %v", m, self, want)
		}
		if !MemberMatches("allUsers", id) {
			t.Fatalf("allUsers does not cover %q", m)
		}
		if MemberMatches("allAuthenticatedUsers", id) != (m != "allUsers") {
			t.Fatalf("allAuthenticatedUsers and %q", m)
		}
		_, value, _ := strings.Cut(m, ":")
		switch k {
		case "user", "serviceAccount":
			if !isASCII(value) {
				break // IAM emails are ASCII; Unicode case mapping does not round-trip
			}
			// Emails compare case-insensitively.
			upper := &Identity{Member: k + ":" + strings.ToUpper(value)}
			if !MemberMatches(m, upper) || !MemberMatches(k+":"+strings.ToLower(value), upper) {
				t.Fatalf("%q does not cover %q", m, upper.Member)
			}
		}
		var denied string
		switch k {
		case "user":
			denied = "principal://goog/subject/" + value
		case "serviceAccount":
			denied = "principal://iam.googleapis.com/projects/-/serviceAccounts/" + value
		case "group":
			denied = "principalSet://goog/group/" + value
		}
		if denied != "" {
			if got := DeniedPrincipalMatches(denied, id); got != tri.True {
				t.Fatalf("DeniedPrincipalMatches(%q, %q) = %v, want true", denied, m, got)
			}
		}
		if got := DeniedPrincipalMatches("principalSet://goog/public:all", id); got != tri.True {
			t.Fatalf("public:all does not deny %q", m)
		}
		// Any string as a deny principal identifier gives a valid answer.
		switch DeniedPrincipalMatches(m, &Identity{Member: "user:a@example.com", Groups: map[string]bool{"g@example.com": true}}) {
		case tri.True, tri.False, tri.Unknown:
		default:
			t.Fatalf("DeniedPrincipalMatches(%q): not a tri-state", m)
		}
	})
}

// FuzzCondition compiles and evaluates IAM conditions (CEL). An
// expression that does not compile is Unknown; evaluation is deterministic
// and never panics; and when an expression compiles, its negation is its
// negation in three-valued logic (Unknown stays Unknown).
func FuzzCondition(f *testing.F) {
	const name = "projects/nw-image-factory/locations/europe-west1/repositories/golden-images"
	const typ = "artifactregistry.googleapis.com/Repository"
	for _, e := range demoseed.Strings(f, "../../testdata/demo/gcp/*.json", "expression") {
		f.Add(e, name, typ)
		f.Add(e, "", typ)
	}
	for _, e := range []string{
		`resource.name.startsWith("projects/p/") && resource.type == "artifactregistry.googleapis.com/Repository"`,
		`request.time < timestamp("2030-01-01T00:00:00Z")`,
		`resource.matchTag("123/env", "prod")`,
		`resource.name.extract("repositories/{r}/") == "golden"`,
		`has(resource.name) || api.getAttribute("x", []).hasOnly(["y"])`,
		`false && request.time > timestamp("2020-01-01T00:00:00Z")`,
		`1`, `(`, ``, `resource.name`, `"a" in ["a"]`, `[1,2].all(x, x > 0)`,
	} {
		f.Add(e, name, typ)
	}
	f.Fuzz(func(t *testing.T, expr, rname, rtype string) {
		if len(expr) > 2000 {
			return // IAM limits a condition expression to 2,000 characters (bytes here)
		}
		c := NewConditions()
		res := &ResourceAttrs{Name: rname, Type: rtype, Service: strings.SplitN(rtype, "/", 2)[0]}
		got := c.Eval(expr, res)
		if got != tri.True && got != tri.False && got != tri.Unknown {
			t.Fatalf("Eval(%q) = %v: not a tri-state", expr, got)
		}
		if again := c.Eval(expr, res); again != got {
			t.Fatalf("Eval(%q) = %v, then %v", expr, got, again)
		}
		if fresh := NewConditions().Eval(expr, res); fresh != got {
			t.Fatalf("Eval(%q) = %v cached, %v fresh", expr, got, fresh)
		}
		c.Eval(expr, nil)
		if err := c.Compile(expr); err != nil {
			if got != tri.Unknown {
				t.Fatalf("%q does not compile (%v) yet evaluates to %v", expr, err, got)
			}
			return
		}
		neg := "!(\n" + expr + "\n)"
		if c.Compile(neg) != nil {
			return // not a boolean expression
		}
		if want := got.Not(); c.Eval(neg, res) != want {
			t.Fatalf("Eval(%q) = %v but its negation gives %v", expr, got, c.Eval(neg, res))
		}
	})
}

// FuzzCanonicalResourceName: canonicalisation is idempotent (a canonical
// name comes back unchanged, with no change to report), its result has a
// lower-case service host and no trailing slash, and errors and results
// exclude each other.
func FuzzCanonicalResourceName(f *testing.F) {
	for _, r := range demoseed.Strings(f, "../../testdata/demo/gcp/*.json", "resource", "name", "ancestors", "folders", "project", "organization") {
		f.Add(r)
		f.Add(strings.ToUpper(r) + "/")
	}
	for _, r := range []string{
		"https://artifactregistry.googleapis.com/v1/projects/p/locations/l/repositories/r",
		"https://www.googleapis.com/compute/v1/projects/p/global/images/i", "http://x.googleapis.com/v1beta/folders/1/",
		"//CloudResourceManager.googleapis.com/organizations/1", " projects/p ", "//a.b/c//d", "//", "https://", "//A.B/x/",
	} {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, name string) {
		canon, changes, err := CanonicalResourceName(name)
		if err != nil {
			if canon != "" || changes != nil || err.Error() == "" {
				t.Fatalf("CanonicalResourceName(%q): %q, %q and error %v", name, canon, changes, err)
			}
			return
		}
		if (canon != name) != (len(changes) > 0) {
			t.Fatalf("CanonicalResourceName(%q) = %q with changes %q", name, canon, changes)
		}
		host, rest, ok := strings.Cut(strings.TrimPrefix(canon, "//"), "/")
		if !strings.HasPrefix(canon, "//") || !ok || host != strings.ToLower(host) || rest == "" || strings.HasSuffix(canon, "/") {
			t.Fatalf("CanonicalResourceName(%q) = %q: not //host/name", name, canon)
		}
		again, changes2, err := CanonicalResourceName(canon)
		if err != nil || again != canon || len(changes2) != 0 {
			t.Fatalf("not idempotent: %q -> %q -> %q %q %v", name, canon, again, changes2, err)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
