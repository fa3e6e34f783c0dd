package model

import (
	"fmt"
	"sort"
	"strings"
)

// Place is where a definition was read: a file and the place in it, and a
// fingerprint of what it says (equal fingerprints: the same content).
type Place struct {
	File, Where string
	Fingerprint string
}

// String is the place as warnings name it: "roles.json: roles[3]".
func (p Place) String() string {
	if p.Where == "" {
		return p.File
	}
	return p.File + ": " + p.Where
}

// Duplicates tracks definitions read by id (custom roles, role
// definitions, managed policies, principals), so that one read twice is
// never resolved silently. Identical copies are normal when exports
// overlap (the same AWS managed policy in the export of every account):
// they share a single note, whatever their number. Copies that differ are
// the plug-in's to warn about, each, saying which one it uses.
type Duplicates struct {
	// Kind names the definitions in the note, in the plural: "custom roles".
	Kind      string
	seen      map[string]Place
	identical int
	note      int // index of the note in the warnings, when identical > 0
	example   string
}

// Seen records the definition of id read at p and returns the place of the
// definition in use before it, if any. The caller decides which one wins
// and calls Use when it is the new one.
func (d *Duplicates) Seen(id string, p Place) (prev Place, dup bool) {
	if d.seen == nil {
		d.seen = map[string]Place{}
	}
	prev, dup = d.seen[id]
	if !dup {
		d.seen[id] = p
	}
	return prev, dup
}

// Use makes p the place of the definition of id in use.
func (d *Duplicates) Use(id string, p Place) {
	if d.seen == nil {
		d.seen = map[string]Place{}
	}
	d.seen[id] = p
}

// Identical counts a copy of id read at p that is the same as the one read
// at prev, in a single note among warnings (added on the first copy,
// updated on the next).
func (d *Duplicates) Identical(warnings *[]Warning, id string, prev, p Place) {
	d.identical++
	if d.identical == 1 {
		d.example = fmt.Sprintf("%s at %s and at %s", id, prev, p)
		*warnings = append(*warnings, Warning{})
		d.note = len(*warnings) - 1
	}
	if d.note >= len(*warnings) {
		return
	}
	msg := fmt.Sprintf("%s read more than once, identical each time (overlapping exports): %d extra cop%s, e.g. %s: one copy is used", d.Kind, d.identical, map[bool]string{true: "y", false: "ies"}[d.identical == 1], d.example)
	(*warnings)[d.note] = Warning{Message: msg}
}

// Differences lists what one set of strings has that the other has not,
// for a warning: "+a, +b, -c", at most max items and "..." after them.
func Differences(old, new []string, max int) string {
	in := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range l {
			m[x] = true
		}
		return m
	}
	o, n := in(old), in(new)
	var out []string
	for x := range n {
		if !o[x] {
			out = append(out, "+"+x)
		}
	}
	for x := range o {
		if !n[x] {
			out = append(out, "-"+x)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][1:] != out[j][1:] {
			return out[i][1:] < out[j][1:]
		}
		return out[i] < out[j]
	})
	if len(out) > max {
		out = append(out[:max], "...")
	}
	return strings.Join(out, ", ")
}
