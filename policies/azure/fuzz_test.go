package azure

import (
	"github.com/imagewarden/imagewarden/internal/demoseed"
	"strings"
	"testing"
	"unicode"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// FuzzScope matches scopes as Azure does. Normalising is idempotent; a
// scope is within itself, within "/", within its path ancestors, within
// itself written in another case, and its children (a type/name pair
// appended) are within it; and an assignment at a scope of the ARM form
// (/type/name pairs) grants at the scope and at its children.
func FuzzScope(f *testing.F) {
	ops := demoseed.Strings(f, "../../testdata/demo/azure/*.json", "actions", "notActions", "dataActions")
	for i, s := range demoseed.Strings(f, "../../testdata/demo/azure/*.json", "scope", "id", "roleDefinitionId") {
		f.Add(s, "registries", "acr1", ops[i%len(ops)])
	}
	for _, s := range []string{"/", "", "//", " /Subscriptions/S1/ ", "/subscriptions/s1/resourceGroups", "a /", "/x/\t/", "/subscriptions/Ä/resourceGroups/Öb", "/ä/Ö"} {
		f.Add(s, "scopeMaps", "m", "Microsoft.ContainerRegistry/registries/*/write")
	}
	f.Fuzz(func(t *testing.T, scope, childType, childName, op string) {
		n := NormalizeScope(scope)
		if again := NormalizeScope(n); again != n {
			t.Fatalf("NormalizeScope not idempotent: %q -> %q -> %q", scope, n, again)
		}
		if !Within(scope, scope) || !Within(scope, "/") {
			t.Fatalf("%q is not within itself or /", scope)
		}
		others := []string{strings.ToUpper(scope), strings.ToLower(scope)}
		if strings.TrimSpace(scope) != "" {
			others = append(others, scope+"/") // "" is no scope, "/" the root
		}
		for _, other := range others {
			if NormalizeScope(other) != n {
				t.Fatalf("%q and %q normalise differently: %q, %q", scope, other, n, NormalizeScope(other))
			}
			if !Within(other, scope) || !Within(scope, other) {
				t.Fatalf("%q and %q are not the same scope", scope, other)
			}
		}
		for _, a := range PathAncestors(scope) {
			if NormalizeScope(a) != a || !Within(scope, a) {
				t.Fatalf("path ancestor %q of %q is not normalised or not an ancestor", a, scope)
			}
		}
		segment := func(s string) bool {
			return s != "" && !strings.Contains(s, "/") && strings.TrimSpace(s) == s
		}
		if !segment(childType) || !segment(childName) {
			return
		}
		child := strings.TrimRight(n, "/") + "/" + childType + "/" + childName
		if !Within(child, scope) {
			t.Fatalf("%q is not within %q", child, scope)
		}
		// An assignment at a scope of the ARM form reaches the scope and
		// its children.
		parts := strings.Split(strings.TrimPrefix(n, "/"), "/")
		for _, p := range parts {
			if !segment(p) {
				return
			}
		}
		if !strings.HasPrefix(n, "/") || len(parts)%2 != 0 || op == "" {
			return
		}
		id := &Identity{ID: "p"}
		roles := map[string]*Role{"r": {Permissions: []Permission{{Actions: []string{op}}}}}
		as := []Assignment{{PrincipalID: "p", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/r", Scope: scope}}
		for _, at := range []string{scope, child} {
			res := Decide(&Request{Identity: id, Operation: op, Scope: at}, as, roles, nil)
			if res.Allowed != tri.True {
				t.Fatalf("an assignment at %q granting %q does not grant it at %q: %+v", scope, op, at, res)
			}
		}
		// A pattern matches itself, "*" matches everything, in any case.
		if !MatchOperation(op, op) || !MatchOperation("*", op) || !MatchOperation(strings.ToUpper(op), strings.ToLower(op)) && isASCII(op) {
			t.Fatalf("MatchOperation and %q", op)
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

// TestFoldRune checks every rune: folding is idempotent and gives the same
// rune for a letter's upper and lower case (FuzzScope found ϱ, which
// strings.ToLower leaves apart from ρ).
func TestFoldRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		f := foldRune(r)
		if foldRune(f) != f || foldRune(unicode.ToUpper(r)) != f || foldRune(unicode.ToLower(r)) != f {
			t.Fatalf("%U %q: fold %q, fold of fold %q, of upper %q, of lower %q", r, r, f, foldRune(f), foldRune(unicode.ToUpper(r)), foldRune(unicode.ToLower(r)))
		}
	}
}
