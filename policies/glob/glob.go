// Package glob matches the simple wildcard patterns of GCP deny-policy
// permissions, Azure operations and catalog resource formats: "*" stands
// for any run of characters (including "/"), every other byte for itself.
package glob

// Match reports whether s matches pattern. It runs in O(len(pattern) *
// len(s)) at worst, with the single-backtrack algorithm that is exact for
// "*".
func Match(pattern, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(pattern) && pattern[pi] != '*' && pattern[pi] == s[si] {
			pi++
			si++
			continue
		}
		if pi < len(pattern) && pattern[pi] == '*' {
			star, mark = pi, si
			pi++
			continue
		}
		if star >= 0 {
			pi, mark = star+1, mark+1
			si = mark
			continue
		}
		return false
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
