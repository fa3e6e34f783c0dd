package aws

import "testing"

// The memoised recursions globContains and globIntersect were written as
// before their tables; the tables must answer as they did.

func referenceGlobContains(sup, sub string) bool {
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(sup):
			r = j == len(sub)
		case sup[i] == starByte:
			r = rec(i+1, j) || (j < len(sub) && rec(i, j+1))
		case j == len(sub):
			r = false
		case sup[i] == qmarkByte:
			r = sub[j] != starByte && rec(i+1, j+1)
		default:
			r = sub[j] == sup[i] && rec(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

func referenceGlobIntersect(a, b string) bool {
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		memo[k] = false
		var r bool
		switch {
		case i == len(a) && j == len(b):
			r = true
		case i < len(a) && a[i] == starByte && rec(i+1, j):
			r = true
		case j < len(b) && b[j] == starByte && rec(i, j+1):
			r = true
		case i < len(a) && j < len(b):
			ca, cb := a[i], b[j]
			ni, nj := i+1, j+1
			if ca == starByte {
				ni = i
			}
			if cb == starByte {
				nj = j
			}
			if ca == starByte || ca == qmarkByte || cb == starByte || cb == qmarkByte || ca == cb {
				if !(ni == i && nj == j) {
					r = rec(ni, nj)
				}
				if !r && ca == starByte && cb == starByte {
					r = rec(i+1, j+1)
				}
			}
		}
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

func TestGlobTablesMatchRecursion(t *testing.T) {
	var patterns []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		patterns = append(patterns, compileWildcards(prefix))
		if n == 0 {
			return
		}
		for _, c := range []string{"a", "b", "*", "?"} {
			gen(prefix+c, n-1)
		}
	}
	gen("", 4)
	for _, a := range patterns {
		for _, b := range patterns {
			if got, want := globContains(a, b), referenceGlobContains(a, b); got != want {
				t.Fatalf("globContains(%q, %q) = %v, recursion %v", a, b, got, want)
			}
			if got, want := globIntersect(a, b), referenceGlobIntersect(a, b); got != want {
				t.Fatalf("globIntersect(%q, %q) = %v, recursion %v", a, b, got, want)
			}
		}
	}
}
