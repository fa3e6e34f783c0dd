package analyzer

import (
	"fmt"
	"path/filepath"
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

// snapshotWarnings compares each collected snapshot with its manifest: a
// file in the snapshot's directory that collection.json does not list was
// not written by that collection (added later, or left over from another
// run) and is named; a file it lists that is missing is named too. Each
// file is judged by the manifest of the deepest directory holding it.
func snapshotWarnings(sources []model.Source) []model.Warning {
	type snap struct {
		dir    string
		path   string
		listed map[string]bool
	}
	var snaps []snap
	for _, s := range sources {
		if s.Collection == nil {
			continue
		}
		dir := filepath.Clean(filepath.Dir(s.Path))
		sn := snap{dir: dir, path: s.Path, listed: map[string]bool{}}
		for _, c := range append(append([]model.CollectedScope{}, s.Collection.Collected...), s.Collection.Skipped...) {
			for _, f := range c.Files {
				sn.listed[filepath.Join(dir, filepath.FromSlash(f))] = true
			}
		}
		snaps = append(snaps, sn)
	}
	if len(snaps) == 0 {
		return nil
	}
	var out []model.Warning
	seen := map[string]bool{}
	for _, s := range sources {
		if s.Collection != nil || s.Kind == config.Kind {
			continue
		}
		p := filepath.Clean(s.Path)
		seen[p] = true
		best := -1
		for i, sn := range snaps {
			if strings.HasPrefix(p, sn.dir+string(filepath.Separator)) && (best < 0 || len(sn.dir) > len(snaps[best].dir)) {
				best = i
			}
		}
		if best >= 0 && !snaps[best].listed[p] {
			out = append(out, model.Warning{Where: s.Path, Message: "this file is in the collected snapshot of " + snaps[best].path +
				" but the manifest does not list it: it was not written by that collection (added or left over); it is analysed, check where it came from"})
		}
	}
	for _, sn := range snaps {
		var missing []string
		for f := range sn.listed {
			if !seen[f] {
				missing = append(missing, f)
			}
		}
		sort.Strings(missing)
		for _, f := range missing {
			out = append(out, model.Warning{Where: f, Message: "the manifest " + sn.path + " lists this file but it was not read (missing or skipped): findings from it are missing"})
		}
	}
	return out
}
