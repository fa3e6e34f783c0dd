package reports

import (
	"io"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// DiffSARIF writes the added and widened findings as SARIF, for code
// scanning on a pull request. Every result has a physical location, since
// code scanning rejects a whole upload when one result has none: the .tf
// file and line of the first Terraform resource the finding rests on when
// known (diff --source), else the plan file, else the first input of the
// head analysis the finding's grant comes from, else its first input.
func DiffSARIF(w io.Writer, d *Diff) error {
	head := *d.Head
	head.Findings = d.Widened()
	fallback := ""
	switch {
	case d.Plan != "":
		fallback = d.Plan
	default:
		for _, in := range d.Head.Inputs {
			if in.Error == "" {
				fallback = in.Path
				break
			}
		}
	}
	return sarifWith(w, &head, func(f model.Finding, found *sarifPhysical) *sarifPhysical {
		for _, s := range d.Sources[f.ID] {
			if s.File != "" {
				p := &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: fileURI(s.File)}}
				if s.Line > 0 {
					p.Region = &sarifRegion{StartLine: s.Line}
				}
				return p
			}
		}
		if found != nil && d.Plan == "" {
			return found
		}
		if fallback == "" {
			return found
		}
		return &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: fileURI(fallback)}}
	})
}
