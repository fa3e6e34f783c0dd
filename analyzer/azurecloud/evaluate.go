package azurecloud

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Evaluate decides every catalog operation for every principal: at each
// scope where it holds an assignment, and exactly on each registry the
// inputs list. Principals are decided in parallel on the compiled index
// (index.go) and their facts kept in principal order.
func (s *Snapshot) Evaluate(cat *catalog.Catalog) *model.Snapshot {
	out := &model.Snapshot{}
	ix := s.compiled(cat)
	for _, r := range s.sortedRegistries() {
		typ := "container-registry"
		if r.gallery {
			typ = "compute-gallery"
		}
		out.Resources = append(out.Resources, model.Resource{ID: r.id, Cloud: cloudName, Type: typ, Name: r.name})
	}
	ix.prepareSubjects()
	type result struct {
		principal model.Principal
		facts     []model.Fact
		unknown   map[string]bool
	}
	results := make([]result, len(ix.subjects))
	parallel(len(ix.subjects), func(i int) {
		sub := ix.subjects[i]
		p := sub.p
		r := &results[i]
		r.principal = model.Principal{ID: p.id, Cloud: cloudName, Kind: p.kind, Name: p.name,
			External: p.kind == "ForeignGroup", Groups: s.groupLabels(sub.groups)}
		r.unknown = map[string]bool{}
		r.facts = ix.evaluate(sub, r.unknown)
	})
	unknown := map[string]bool{}
	for _, r := range results {
		out.Principals = append(out.Principals, r.principal)
		out.Facts = append(out.Facts, r.facts...)
		for u := range r.unknown {
			unknown[u] = true
		}
	}
	out.Warnings = append(out.Warnings, s.warnings...)
	s.counts.Evaluated(itemAssignments, len(s.assignments))
	s.counts.Evaluated(itemDefinitions, len(s.definitions))
	s.counts.Evaluated(itemDenyAssignments, len(s.denies))
	out.Counts = s.counts.Counts(cloudName, itemAssignments, itemDefinitions, itemDenyAssignments)
	if s.builtinErr != nil {
		out.Warnings = append(out.Warnings, model.Warning{Message: "built-in role table: " + s.builtinErr.Error()})
	}
	if len(unknown) > 0 {
		var l []string
		for r := range unknown {
			l = append(l, r)
		}
		sort.Strings(l)
		out.Warnings = append(out.Warnings, model.Warning{Message: fmt.Sprintf("%d role definition(s) not in the inputs and not image-relevant built-in roles; their assignments grant nothing in this analysis (az role definition list, docs/inputs.md): %s", len(l), strings.Join(l, ", "))})
	}
	return out
}

// evaluate decides the catalog's operations for one subject: at each scope
// it holds an assignment at (with the deny assignments below it), then on
// each listed registry its assignments reach. The order of the loops is
// the order of the facts' targets.
func (ix *index) evaluate(sub *subject, unknown map[string]bool) []model.Fact {
	b := model.NewFactBuilder(sub.p.id, cloudName)
	held := make([]*view, len(sub.held))
	decided := make([]bool, len(sub.held))
	for i, t := range sub.held {
		held[i] = ix.view(sub, t)
	}
	reached := map[int32]bool{}
	for ai, a := range ix.actions {
		o := ix.actOp[ai]
		for i, t := range sub.held {
			sc := &ix.scopes[t]
			if !sc.actionOK[ai] {
				continue
			}
			decided[i] = true
			if tg, ok := ix.target(sub, held[i], o, sc.name, sc.resource, !sc.resource); ok {
				tg.Except = ix.deniesBelow(sub, t, o)
				b.Add(a.entry.Capability, a.entry.Action, tg)
			}
		}
		for _, reg := range ix.regsOf[ai] {
			t := ix.regScope[reg]
			r, ok := reached[t]
			if !ok {
				r = ix.reaches(sub, t)
				reached[t] = r
			}
			if !r {
				continue
			}
			if tg, ok := ix.target(sub, ix.view(sub, t), o, reg.id, true, false); ok {
				b.Add(a.entry.Capability, a.entry.Action, tg)
			}
		}
	}
	// Roles the inputs do not define, of the assignments that reach a scope
	// decided for some operation.
	for i, v := range held {
		if decided[i] {
			for _, ai := range v.unknown {
				unknown[ix.s.assignments[ai].RoleID] = true
			}
		}
	}
	return b.Facts()
}
