package aws

import (
	"encoding/base64"
	"math/big"
	"net/netip"
	"strings"
	"time"
)

var knownOperators = map[string]bool{
	"stringequals": true, "stringnotequals": true, "stringequalsignorecase": true, "stringnotequalsignorecase": true,
	"stringlike": true, "stringnotlike": true,
	"numericequals": true, "numericnotequals": true, "numericlessthan": true, "numericlessthanequals": true,
	"numericgreaterthan": true, "numericgreaterthanequals": true,
	"dateequals": true, "datenotequals": true, "datelessthan": true, "datelessthanequals": true,
	"dategreaterthan": true, "dategreaterthanequals": true,
	"bool": true, "binaryequals": true, "ipaddress": true, "notipaddress": true,
	"arnequals": true, "arnlike": true, "arnnotequals": true, "arnnotlike": true,
	"null": true,
}

// negated operators match when no policy value matches, and match when the
// key is absent.
func negated(base string) bool {
	switch base {
	case "stringnotequals", "stringnotequalsignorecase", "stringnotlike", "numericnotequals",
		"datenotequals", "notipaddress", "arnnotequals", "arnnotlike":
		return true
	}
	return false
}

// String renders the condition as it reads in a policy.
func (c Condition) String() string {
	return c.Operator + " " + c.Key + " " + strings.Join(c.Values, ",")
}

// evalConditions is the conjunction of a statement's conditions.
func evalConditions(conds []Condition, ctx *Context) Tri {
	r := True
	for i := range conds {
		r = r.And(conds[i].eval(ctx))
		if r == False {
			return False
		}
	}
	return r
}

func (c *Condition) eval(ctx *Context) Tri {
	v, present := ctx.lookup(c.keyLower)
	if c.base == "null" {
		// Null: "true" asks for the key to be absent, "false" for it present.
		if present == Unknown {
			return Unknown
		}
		want := "false"
		if present == False {
			want = "true"
		}
		for _, pv := range c.Values {
			if strings.EqualFold(pv, want) {
				return True
			}
		}
		return False
	}
	switch c.set {
	case "foranyvalue":
		if present != True {
			return present // absent: false; unknown: unknown
		}
		r := False
		for _, kv := range v.Values {
			r = r.Or(c.matchValue(kv, ctx))
		}
		return r
	case "forallvalues":
		if present != True {
			return present.Not() // absent: true (vacuously)
		}
		r := True
		for _, kv := range v.Values {
			r = r.And(c.matchValue(kv, ctx))
		}
		return r
	}
	if present == Unknown {
		return Unknown
	}
	if present == False {
		return triOf(c.ifExists || negated(c.base))
	}
	if v.Multi || len(v.Values) != 1 {
		return False
	}
	return c.matchValue(v.Values[0], ctx)
}

// matchValue applies the base operator to one request value: for a positive
// operator any policy value may match; for a negated one none may.
// A pair of values that cannot be compared (a value that does not parse as
// the operator's type, a variable without a value) matches in neither
// polarity.
func (c *Condition) matchValue(kv string, ctx *Context) Tri {
	neg := negated(c.base)
	r := triOf(neg)
	for _, pv := range c.Values {
		m, valid := c.matchOne(kv, pv, ctx)
		switch {
		case !valid:
			m = False
		case neg:
			m = m.Not()
		}
		if neg {
			r = r.And(m)
		} else {
			r = r.Or(m)
		}
	}
	return r
}

// matchOne is the positive form of the operator on one pair of values.
// Values that do not parse for the operator's type never match.
func (c *Condition) matchOne(kv, pv string, ctx *Context) (Tri, bool) {
	switch c.base {
	case "stringequals", "stringnotequals":
		p, ok := expand(pv, ctx, false)
		if ok != True {
			return ok, ok == Unknown
		}
		return triOf(p == kv), true
	case "stringequalsignorecase", "stringnotequalsignorecase":
		p, ok := expand(pv, ctx, false)
		if ok != True {
			return ok, ok == Unknown
		}
		return triOf(strings.EqualFold(p, kv)), true
	case "stringlike", "stringnotlike":
		p, ok := expand(pv, ctx, true)
		if ok != True {
			return ok, ok == Unknown
		}
		return triOf(globMatch(p, kv)), true
	case "bool":
		p, ok := expand(pv, ctx, false)
		if ok != True {
			return ok, ok == Unknown
		}
		if !isBool(p) || !isBool(kv) {
			return False, false
		}
		return triOf(strings.EqualFold(p, kv)), true
	case "binaryequals":
		a, err1 := base64.StdEncoding.DecodeString(pv)
		b, err2 := base64.StdEncoding.DecodeString(kv)
		if err1 != nil || err2 != nil {
			return False, false
		}
		return triOf(string(a) == string(b)), true
	case "ipaddress", "notipaddress":
		return ipIn(kv, pv)
	case "arnequals", "arnlike", "arnnotequals", "arnnotlike":
		return arnLike(pv, kv, ctx)
	}
	if strings.HasPrefix(c.base, "numeric") {
		a, ok1 := parseNumber(kv)
		b, ok2 := parseNumber(pv)
		if !ok1 || !ok2 {
			return False, false
		}
		return triOf(compare(c.base[len("numeric"):], a.Cmp(b))), true
	}
	if strings.HasPrefix(c.base, "date") {
		a, ok1 := parseDate(kv)
		b, ok2 := parseDate(pv)
		if !ok1 || !ok2 {
			return False, false
		}
		return triOf(compare(c.base[len("date"):], a.Compare(b))), true
	}
	return False, false
}

// compare maps a comparison result to the operator suffix. The negated
// operators' suffix "notequals" is evaluated as "equals" and negated by the
// caller.
func compare(op string, cmp int) bool {
	switch op {
	case "equals", "notequals":
		return cmp == 0
	case "lessthan":
		return cmp < 0
	case "lessthanequals":
		return cmp <= 0
	case "greaterthan":
		return cmp > 0
	case "greaterthanequals":
		return cmp >= 0
	}
	return false
}

// parseNumber reads a decimal number (integer or with a fraction), the
// forms IAM accepts; big.Rat alone would also take 0x10, 1/2 and 1_000.
func parseNumber(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" {
		return nil, false
	}
	dot := false
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(digits)-1:
			dot = true
		default:
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

func isBool(s string) bool { return strings.EqualFold(s, "true") || strings.EqualFold(s, "false") }

// parseDate accepts epoch seconds and the ISO 8601 forms AWS accepts.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, ok := new(big.Int).SetString(s, 10); ok && n.IsInt64() {
		return time.Unix(n.Int64(), 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ipIn reports whether address kv is in the CIDR or equal to the address
// pv. An address of the other IP version is validly outside.
func ipIn(kv, pv string) (Tri, bool) {
	addr, err := netip.ParseAddr(strings.TrimSpace(kv))
	if err != nil {
		return False, false
	}
	addr = addr.Unmap()
	if strings.Contains(pv, "/") {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(pv))
		if err != nil {
			return False, false
		}
		return triOf(pfx.Masked().Contains(addr)), true
	}
	p, err := netip.ParseAddr(strings.TrimSpace(pv))
	if err != nil {
		return False, false
	}
	return triOf(p.Unmap() == addr), true
}

// arnLike compares ARNs segment by segment; wildcards do not cross the first
// five colons. ArnEquals and ArnLike behave the same in AWS.
func arnLike(pv, kv string, ctx *Context) (Tri, bool) {
	pp := splitARN(pv, 6)
	kp := strings.SplitN(kv, ":", 6)
	if len(pp) != 6 || len(kp) != 6 {
		return False, false
	}
	r := True
	for i := range pp {
		p, ok := expand(pp[i], ctx, true)
		if ok == False {
			return False, false
		}
		if ok == Unknown {
			r = Unknown
			continue
		}
		if !globMatch(p, kp[i]) {
			return False, true
		}
	}
	return r, true
}
