package aws

// Patterns are kept in a compiled form where the wildcards of the policy
// language are the bytes starByte and qmarkByte. A '*' or '?' that reaches a
// pattern as the value of a policy variable, or through ${*} and ${?}, stays a
// literal character. ARNs, actions and condition values never contain these
// control bytes.
const (
	starByte  = '\x00'
	qmarkByte = '\x01'
)

// compileWildcards turns a pattern without variables into compiled form.
func compileWildcards(p string) string {
	b := []byte(p)
	for i, c := range b {
		switch c {
		case '*':
			b[i] = starByte
		case '?':
			b[i] = qmarkByte
		}
	}
	return string(b)
}

// globMatch reports whether the compiled pattern p matches the string s.
// It runs in O(len(p)*len(s)) at worst, with the classic single-backtrack
// algorithm that is exact for '*' and '?'.
func globMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) && (p[pi] == qmarkByte || (p[pi] != starByte && p[pi] == s[si])) {
			pi++
			si++
			continue
		}
		if pi < len(p) && p[pi] == starByte {
			star, mark = pi, si
			pi++
			continue
		}
		if star >= 0 {
			pi = star + 1
			mark++
			si = mark
			continue
		}
		return false
	}
	for pi < len(p) && p[pi] == starByte {
		pi++
	}
	return pi == len(p)
}

// globContains reports whether every string matched by compiled pattern sub
// is matched by compiled pattern sup. It treats a wildcard of sub as a symbol
// that only a '*' of sup (or, for '?', a '?' of sup) can stand for, which is
// sound: a true answer is always right, and it is exact for the patterns that
// policies use in practice.
func globContains(sup, sub string) bool {
	switch {
	case sup == string(starByte):
		return true
	case !hasWildcard(sub):
		return globMatch(sup, sub)
	}
	// r(i, j): sup[i:] covers sub[j:]; r(i, j) depends on r(i+1, j),
	// r(i, j+1) and r(i+1, j+1) only, so the table fills from the ends.
	n, m := len(sup), len(sub)
	var buf [8192]bool
	t := dpTable(&buf, n, m)
	w := m + 1
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			var r bool
			switch {
			case i == n:
				r = j == m
			case sup[i] == starByte:
				r = t[(i+1)*w+j] || (j < m && t[i*w+j+1])
			case j == m:
				r = false
			case sup[i] == qmarkByte:
				r = sub[j] != starByte && t[(i+1)*w+j+1]
			default:
				r = sub[j] == sup[i] && t[(i+1)*w+j+1]
			}
			t[i*w+j] = r
		}
	}
	return t[0]
}

// globIntersect reports whether some string is matched by both compiled
// patterns.
func globIntersect(a, b string) bool {
	switch {
	case a == string(starByte) || b == string(starByte):
		return true // every pattern matches some string
	case !hasWildcard(b):
		return globMatch(a, b)
	case !hasWildcard(a):
		return globMatch(b, a)
	}
	// r(i, j): some string is matched by a[i:] and b[j:]; each step moves to
	// a later (i, j), so the table fills from the ends.
	n, m := len(a), len(b)
	var buf [8192]bool
	t := dpTable(&buf, n, m)
	w := m + 1
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			var r bool
			switch {
			case i == n && j == m:
				r = true
			case i < n && a[i] == starByte && t[(i+1)*w+j]:
				r = true
			case j < m && b[j] == starByte && t[i*w+j+1]:
				r = true
			case i < n && j < m:
				// both consume one character
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
						r = t[ni*w+nj]
					}
					if !r && ca == starByte && cb == starByte {
						r = t[(i+1)*w+j+1]
					}
				}
			}
			t[i*w+j] = r
		}
	}
	return t[0]
}

func hasWildcard(compiled string) bool {
	for i := 0; i < len(compiled); i++ {
		if compiled[i] == starByte || compiled[i] == qmarkByte {
			return true
		}
	}
	return false
}

// lowerASCII lower-cases ASCII letters and keeps the wildcard bytes.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// WildcardMatch reports whether s matches pattern, where '*' matches any
// run of characters and '?' one character, case-sensitively (the rule for
// resource ARNs).
func WildcardMatch(pattern, s string) bool { return globMatch(compileWildcards(pattern), s) }

// WildcardCovers reports whether every string pattern sub matches is
// matched by pattern sup.
func WildcardCovers(sup, sub string) bool {
	return globContains(compileWildcards(sup), compileWildcards(sub))
}

// WildcardOverlaps reports whether some string matches both patterns.
func WildcardOverlaps(a, b string) bool {
	return globIntersect(compileWildcards(a), compileWildcards(b))
}

// splitARN splits an ARN (or ARN pattern) into at most n colon-separated
// parts, like strings.SplitN, except that a colon inside a policy variable
// (${aws:PrincipalAccount}) does not split.
func splitARN(s string, n int) []string {
	out := make([]string, 0, n)
	start, depth := 0, 0
	for i := 0; i < len(s) && len(out) < n-1; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// dpTable is the (n+1) x (m+1) table of globContains and globIntersect:
// the caller's stack buffer when it is large enough, so the common case
// allocates nothing.
func dpTable(buf *[8192]bool, n, m int) []bool {
	if k := (n + 1) * (m + 1); k <= len(buf) {
		return buf[:k]
	}
	return make([]bool, (n+1)*(m+1))
}
