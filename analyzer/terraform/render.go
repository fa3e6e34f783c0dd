package terraform

import (
	"bytes"
	"encoding/json"
	"strings"
)

// render writes one side: the context files, edited where the side's
// instances define their objects, and generated files for what the
// context lacks.
func (r *reader) render(side, dir string, insts, removed []*instance) ([]string, error) {
	sideMap := r.base
	if side == "head" {
		sideMap = r.head
	}
	out := &output{dir: dir}
	docs := make([]*doc, len(r.ctx))
	for i, cf := range r.ctx {
		if cf.format == "" {
			continue
		}
		d, err := cf.decode()
		if err != nil {
			continue // analyze reports the file; it passes through untouched
		}
		docs[i] = d
	}
	aws := newAWSWorld(r, sideMap, docs)
	gcp := newGCPWorld(r, sideMap, docs)
	az := newAzureWorld(r, sideMap, docs)
	// Holders first, then what the plan deletes, then what hangs on the
	// holders: a holder's refreshed attribute may still list a sub-object
	// the plan deletes, and a sub-object the plan re-creates elsewhere
	// must survive the deletion of its old address.
	for _, phase := range []int{phaseHolders, phaseRemove, phaseParts} {
		list := insts
		if phase == phaseRemove {
			list = removed
		}
		for _, in := range list {
			aws.apply(phase, in)
			gcp.apply(phase, in)
			az.apply(phase, in)
		}
	}
	aws.finish()
	for i, cf := range r.ctx {
		if docs[i] == nil {
			out.paths = append(out.paths, cf.path)
			continue
		}
		if err := out.pass(docs[i]); err != nil {
			return nil, err
		}
	}
	for _, w := range []interface{ write(*output) error }{aws, gcp, az} {
		if err := w.write(out); err != nil {
			return nil, err
		}
	}
	return out.paths, nil
}

const (
	phaseHolders = iota
	phaseRemove
	phaseParts
)

// policyValue is a policy document as the exports hold it: the decoded
// object when the text is JSON, else the text itself (the plug-in then
// reports it).
func policyValue(text string) any {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return text
	}
	return v
}

// lastSegment is what follows the last '/' (a policy's name in its ARN).
func lastSegment(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

func anyList[T any](l []T) []any {
	out := make([]any, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
