package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/config"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// NoUsableInputError is returned when none of the inputs held anything a
// cloud plug-in could read: an empty directory, a truncated export, a
// UTF-16 file. An analysis of nothing must never look like a clean
// organisation, so every command stops here (exit code 2) and names each
// file and why it was not used.
type NoUsableInputError struct {
	Paths   []string
	Sources []model.Source
}

func (e *NoUsableInputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no usable input in %s: nothing was analysed", strings.Join(e.Paths, ", "))
	if len(e.Sources) == 0 {
		b.WriteString(" (no *.json file found; docs/inputs.md lists the exports imagewarden reads)")
	}
	for _, s := range e.Sources {
		why := s.Error
		if why == "" {
			why = s.Detail
		}
		if why == "" {
			why = "not a cloud export (" + s.Kind + ")"
		}
		fmt.Fprintf(&b, "\n  %s: %s", s.Path, why)
	}
	return b.String()
}

// usable reports whether a source is a cloud export a plug-in read: not
// skipped, not empty, not a collection manifest or a configuration file.
func usable(s model.Source) bool {
	switch s.Kind {
	case "", "empty", FormatCollectionManifest, config.Kind:
		return false
	}
	return s.Error == ""
}

// RequireUsable fails when no source is a usable cloud export.
func RequireUsable(paths []string, sources []model.Source) error {
	for _, s := range sources {
		if usable(s) {
			return nil
		}
	}
	return &NoUsableInputError{Paths: paths, Sources: sources}
}

// Skipped lists what the analysis could not read: input files it skipped
// and scopes a collection manifest says were not collected (or an
// interrupted collection), one line each, for every report's summary and
// for --strict.
func Skipped(sources []model.Source) []string {
	var out []string
	for _, s := range sources {
		if s.Error != "" {
			out = append(out, "input "+s.Path+": "+s.Error)
		}
		if c := s.Collection; c != nil {
			for _, k := range c.Skipped {
				out = append(out, "scope "+k.Name+" (collection "+s.Path+"): "+k.Error)
			}
			if c.Interrupted {
				out = append(out, "collection "+s.Path+": interrupted before it finished")
			}
		}
	}
	return out
}

// mergeCounts sums the plug-ins' tallies by cloud and item, dropping the
// kinds of a cloud that read nothing of them.
func mergeCounts(counts []model.Count) []model.Count {
	type key struct{ cloud, item string }
	idx := map[key]int{}
	var out []model.Count
	for _, c := range counts {
		if c.Read == 0 && c.Evaluated == 0 {
			continue
		}
		k := key{c.Cloud, c.Item}
		if i, ok := idx[k]; ok {
			out[i].Read += c.Read
			out[i].Evaluated += c.Evaluated
			out[i].Skipped += c.Skipped
			out[i].Duplicates += c.Duplicates
			continue
		}
		idx[k] = len(out)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Cloud < out[j].Cloud })
	return out
}
