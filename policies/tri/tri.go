// Package tri is three-valued (Kleene) logic: a condition the inputs cannot
// settle is Unknown, and access built on it is "conditional".
package tri

// Tri is a three-valued truth: a statement whose condition cannot be decided
// because the request context is not known (offline analysis) is Unknown, and
// the decision built from it is "conditional" rather than a guess either way.
type Tri int8

const (
	False Tri = iota
	Unknown
	True
)

// Of converts a bool.
func Of(b bool) Tri {
	if b {
		return True
	}
	return False
}

// And is Kleene conjunction.
func (t Tri) And(u Tri) Tri {
	if t < u {
		return t
	}
	return u
}

// Or is Kleene disjunction.
func (t Tri) Or(u Tri) Tri {
	if t > u {
		return t
	}
	return u
}

// Not is Kleene negation.
func (t Tri) Not() Tri { return True - t }

func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case Unknown:
		return "unknown"
	}
	return "false"
}
