package rules

import (
	"context"
	"runtime"
	"sync"

	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// The built-in rules look at one principal at a time: a finding comes
// from one fact (with the principal it names, looked up by id) or from one
// path (named by the principal it starts from), and no rule counts,
// compares or aggregates across principals (rego/lib/imagewarden.rego says
// so to whoever adds a rule). So the input can be split into groups of
// principals, each with its principals, facts and paths (and all the
// resources), and the groups evaluated in parallel: a finding's
// "principal" is the id of its group, so the sets of findings of the
// groups are disjoint and together the set of the whole input. Rules from
// --policy may read anything, across principals: with them, the input is
// evaluated whole. TestSplitEvalIsTheWhole compares both on the demo and
// the synthetic organisations.
//
// The federation entries (OIDC trusts) go with the principal they let in:
// rule oidc_open_trust joins each with that principal's facts and paths,
// and names the identity provider in its findings, with the trusted
// principal in the finding's path, so findings of different groups still
// differ.

// minSplit is the size (principals, facts and paths together) under which
// an input is evaluated whole: splitting a small input costs more than
// it gains. A variable for the tests.
var minSplit = 2000

// groupsPerWorker: several groups per worker, so that a worker that
// draws the principals with the most facts does not keep the others
// waiting.
const groupsPerWorker = 4

// group is the part of the input of some principals.
type group struct {
	principals []model.Principal
	facts      []model.Fact
	paths      []graph.Path
	federation []model.FederatedTrust
}

// split divides the input into groups of principals of about the same
// size; nil when the input is to be evaluated whole (rules from --policy,
// a small input, a single worker).
func (e *Engine) split(in *Input) []*group {
	workers := e.workers()
	total := len(in.Principals) + len(in.Facts) + len(in.Paths)
	if !e.splittable || workers < 2 || total < minSplit {
		return nil
	}
	return splitInput(in, workers*groupsPerWorker)
}

// workers is how many groups are evaluated at once.
func (e *Engine) workers() int {
	if e.parallel > 0 {
		return e.parallel
	}
	return runtime.GOMAXPROCS(0)
}

// splitInput gathers each principal's principals, facts and paths (by the
// id that names it: Principal.ID, Fact.Principal, Path.From) and deals the
// principals, in the order first seen, into n groups of about the same
// size. Each group keeps the input's order.
func splitInput(in *Input, n int) []*group {
	type byPrincipal struct {
		group int
		size  int
	}
	ids := map[string]*byPrincipal{}
	var order []string
	add := func(id string) {
		p, ok := ids[id]
		if !ok {
			p = &byPrincipal{}
			ids[id] = p
			order = append(order, id)
		}
		p.size++
	}
	for i := range in.Principals {
		add(in.Principals[i].ID)
	}
	for i := range in.Facts {
		add(in.Facts[i].Principal)
	}
	for i := range in.Paths {
		add(in.Paths[i].From)
	}
	for i := range in.Federation {
		add(in.Federation[i].Principal)
	}
	total := len(in.Principals) + len(in.Facts) + len(in.Paths)
	per := (total + n - 1) / n
	g, filled := 0, 0
	for _, id := range order {
		p := ids[id]
		if filled >= per && g < n-1 {
			g, filled = g+1, 0
		}
		p.group = g
		filled += p.size
	}
	groups := make([]*group, g+1)
	for i := range groups {
		groups[i] = &group{}
	}
	for i := range in.Principals {
		gr := groups[ids[in.Principals[i].ID].group]
		gr.principals = append(gr.principals, in.Principals[i])
	}
	for i := range in.Facts {
		gr := groups[ids[in.Facts[i].Principal].group]
		gr.facts = append(gr.facts, in.Facts[i])
	}
	for i := range in.Paths {
		gr := groups[ids[in.Paths[i].From].group]
		gr.paths = append(gr.paths, in.Paths[i])
	}
	for i := range in.Federation {
		gr := groups[ids[in.Federation[i].Principal].group]
		gr.federation = append(gr.federation, in.Federation[i])
	}
	return groups
}

// evalGroups evaluates the groups on a pool of workers and returns their
// findings in the order of the groups; the first error, by group, if any.
func (e *Engine) evalGroups(ctx context.Context, in *Input, groups []*group) ([]*result, error) {
	resources := list(in.Resources, newBuilder().resource)
	results := make([]*result, len(groups))
	errs := make([]error, len(groups))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(e.workers(), len(groups)) {
		wg.Go(func() {
			b := newBuilder()
			for i := range next {
				g := groups[i]
				input := b.inputWith(&Input{Principals: g.principals, Facts: g.facts, Paths: g.paths, Federation: g.federation}, resources)
				results[i], errs[i] = e.evalFindings(ctx, input)
				groups[i] = nil // its input is no longer needed
			}
		})
	}
	for i := range groups {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}
