package remediate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Edit is what a cloud plug-in gathers, while planning, for one change:
// the change's kind and the findings it fixes (IDs, as a set).
type Edit interface {
	EditKind() string
	EditFindings() map[string]bool
}

// Changes turns the edits a plug-in gathered (by a key of its own: kind,
// principal, binding, assignment...) into changes, in key order: build
// makes each edit's change (nil: no change), which gets cloud, the edit's
// kind and, sorted, the edit's findings that claimed accepts (every one
// when claimed is nil).
func Changes[E Edit](cloud string, edits map[string]E, build func(E) *Change, claimed func(findingID string) bool) []Change {
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(edits)) {
		e := edits[k]
		c := build(e)
		if c == nil {
			continue
		}
		c.Cloud, c.Kind = cloud, e.EditKind()
		for _, id := range slices.Sorted(maps.Keys(e.EditFindings())) {
			if claimed == nil || claimed(id) {
				c.FindingIDs = append(c.FindingIDs, id)
			}
		}
		out = append(out, *c)
	}
	return out
}

// CheckCloud is how a plug-in's Apply starts: an error, "not NAME
// change" (name: "an AWS", "a GCP"...), when c is not a change of cloud.
func CheckCloud(c Change, cloud, name string) error {
	if c.Cloud != cloud {
		return fmt.Errorf("not %s change", name)
	}
	return nil
}

// UnknownKind is the error of a plug-in's Apply for a kind it does not
// know.
func UnknownKind(c Change) error {
	return fmt.Errorf("unknown change kind %q", c.Kind)
}

// DecodeArtifact reads the change's After, one JSON value, into v,
// refusing fields v does not have (an edited artifact that does not match
// is refused); the error says what the document is: "WHAT: error".
func DecodeArtifact(c Change, what string, v any) error {
	dec := json.NewDecoder(strings.NewReader(c.After))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	return nil
}
