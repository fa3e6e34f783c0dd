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
	// With a plan, the plan file: the inputs generated from it (which a
	// grant's file would be) are gone once diff returns.
	fallback := d.Plan
	for _, in := range d.Head.Inputs {
		if fallback != "" {
			break
		}
		if in.Error == "" {
			fallback = in.Path
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
		if (found != nil && d.Plan == "") || fallback == "" {
			return found
		}
		return &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: fileURI(fallback)}}
	})
}
