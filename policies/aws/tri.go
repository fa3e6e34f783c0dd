package aws

import "github.com/imagewarden/imagewarden/policies/tri"

// Tri is three-valued logic, shared by every cloud's policy language.
type Tri = tri.Tri

const (
	False   = tri.False
	Unknown = tri.Unknown
	True    = tri.True
)

func triOf(b bool) Tri { return tri.Of(b) }
