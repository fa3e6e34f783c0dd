package azurecloud

import (
	"fmt"
	"sort"
	"strings"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/tri"
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
	par.For(len(ix.subjects), func(i int) {
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
	out.Warnings = append(out.Warnings, s.computeWarnings()...)
	trusts, fedWarnings := s.federatedTrusts()
	out.Federation = trusts
	out.Warnings = append(out.Warnings, fedWarnings...)
	s.counts.Evaluated(itemAssignments, len(s.assignments)-s.resolvePIM())
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
	b := newFactBuilder(ix, sub)
	held := make([]*view, len(sub.held))
	decided := make([]bool, len(sub.held))
	for i, t := range sub.held {
		held[i] = ix.newView(sub, t)
	}
	// The registries the subject's assignments reach (those under a scope
	// it holds), by registry ordinal, their views made on first use.
	var regViews []*view
	var reached []bool
	if sub.grantsAny {
		regViews, reached = make([]*view, len(ix.regs)), make([]bool, len(ix.regs))
		for _, h := range sub.held {
			for _, r := range ix.regsUnder[h] {
				reached[r] = true
			}
		}
	}
	var below []int32
	for ai := range ix.actions {
		o := ix.actOp[ai]
		if !sub.grants[o] {
			// No role of the subject grants the operation anywhere: its
			// scopes are still decided (for the roles the inputs do not
			// define), but nothing can be allowed.
			for i, t := range sub.held {
				if ix.scopes[t].actionOK[ai] {
					decided[i] = true
				}
			}
			continue
		}
		for i, t := range sub.held {
			sc := &ix.scopes[t]
			if !sc.actionOK[ai] {
				continue
			}
			decided[i] = true
			access, ok := model.AccessOf(ix.allowed(sub, held[i], o))
			if !ok {
				continue
			}
			below = below[:0]
			for _, d := range sc.denyBelow {
				if ix.denies[d].grants[o] && ix.covers(sub, d) {
					below = append(below, d)
				}
			}
			b.add(ai, o, sc.res, sc.name, sc.resource, !sc.resource, access, held[i], below)
		}
		for _, r := range ix.regsOf[ai] {
			if !reached[r] {
				continue
			}
			v := regViews[r]
			if v == nil {
				v = ix.newView(sub, ix.regScope[ix.regs[r]])
				regViews[r] = v
			}
			access, ok := model.AccessOf(ix.allowed(sub, v, o))
			if !ok {
				continue
			}
			b.add(ai, o, ix.regRes[r], ix.regs[r].id, true, false, access, v, nil)
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
	return b.facts()
}

// factBuilder is model.FactBuilder on the index's numbers: targets merged
// by resource within a capability, grants kept once by what a report shows
// of them (model.Target.Merge), deny assignments once by their label. It
// gives what model.FactBuilder gives (the reference test compares them)
// without building, hashing and comparing the strings of every
// (operation, target) decision, which were half of an evaluation.
type factBuilder struct {
	ix    *index
	sub   *subject
	caps  []int32           // capabilities in the order first seen
	slots map[int64]*slot   // (capability, resource) -> target
	order map[int32][]*slot // capability -> its targets in the order first seen
}

type slot struct {
	resource   string
	known, all bool
	access     model.Access
	actions    []string
	via        []viaEntry
	except     []int32 // deny assignments
}

type viaEntry struct {
	assignment  int32
	content     int32 // the assignment's grant id
	conditional bool
}

func newFactBuilder(ix *index, sub *subject) *factBuilder {
	return &factBuilder{ix: ix, sub: sub, slots: map[int64]*slot{}, order: map[int32][]*slot{}}
}

// add records that action ai (operation o) is allowed, or conditional, on
// resource res through the assignments of v, with the deny assignments
// below it.
func (b *factBuilder) add(ai, o int, res int32, resource string, known, all bool, access model.Access, v *view, below []int32) {
	ix := b.ix
	c := ix.actCap[ai]
	key := int64(c)<<32 | int64(uint32(res))
	sl, merge := b.slots[key]
	if !merge {
		if _, seen := b.order[c]; !seen {
			b.caps = append(b.caps, c)
		}
		sl = &slot{resource: resource, known: known, all: all, access: access}
		b.slots[key] = sl
		b.order[c] = append(b.order[c], sl)
	} else if access == model.Allowed {
		sl.access = model.Allowed
	}
	sl.actions = append(sl.actions, ix.actions[ai].entry.Action)
	sub := b.sub
	for _, pos := range v.reach {
		r := sub.role[pos]
		if r < 0 {
			continue
		}
		m := ix.roleRows[r][o]
		if m == tri.False {
			continue
		}
		// The first decision's grants are kept as they are; later ones
		// only when no grant shows the same.
		if merge && containsGrant(sl.via, sub.content[pos]) {
			continue
		}
		sl.via = append(sl.via, viaEntry{assignment: sub.mine[pos], content: sub.content[pos], conditional: sub.cond[pos] || m == tri.Unknown})
	}
	for _, d := range below {
		if merge && containsLabel(ix, sl.except, ix.denies[d].labelID) {
			continue
		}
		sl.except = append(sl.except, d)
	}
}

func containsGrant(via []viaEntry, content int32) bool {
	for _, e := range via {
		if e.content == content {
			return true
		}
	}
	return false
}

func containsLabel(ix *index, except []int32, label int32) bool {
	for _, d := range except {
		if ix.denies[d].labelID == label {
			return true
		}
	}
	return false
}

// facts is model.FactBuilder.Facts.
func (b *factBuilder) facts() []model.Fact {
	ix := b.ix
	facts := make([]model.Fact, 0, len(b.caps))
	for _, c := range b.caps {
		f := model.Fact{Principal: b.sub.p.id, Cloud: cloudName, Capability: ix.caps[c], Access: model.Conditional}
		acts := map[string]bool{}
		for _, sl := range b.order[c] {
			t := model.Target{Resource: sl.resource, Known: sl.known, All: sl.all, Access: sl.access, Actions: sl.actions,
				Via: make([]model.Grant, 0, len(sl.via))}
			sort.Strings(t.Actions)
			if t.Access == model.Allowed {
				f.Access = model.Allowed
			}
			for _, a := range t.Actions {
				acts[a] = true
			}
			for _, e := range sl.via {
				gr := ix.assign[e.assignment].grant
				if e.conditional {
					gr.Conditional = true
					gr.Conditions = []string{ix.s.assignments[e.assignment].Condition}
				}
				t.Via = append(t.Via, gr)
			}
			for _, d := range sl.except {
				t.Except = append(t.Except, ix.denies[d].label)
			}
			f.Targets = append(f.Targets, t)
		}
		for a := range acts {
			f.Actions = append(f.Actions, a)
		}
		sort.Strings(f.Actions)
		facts = append(facts, f)
	}
	return facts
}
