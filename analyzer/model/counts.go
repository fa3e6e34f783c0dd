package model

// Count is one kind of item the inputs held (principals, policies,
// bindings, role assignments...) and what the analysis did with it. It is
// how a report tells "no findings" from "nothing read": Read is what the
// files held, Evaluated what the analysis decided, Skipped what it could
// not use (each skipped item also has a warning naming its file and
// place), Duplicates the items read more than once (the same policy in
// the exports of two accounts, say), counted once.
// Read = Evaluated + Skipped + Duplicates.
type Count struct {
	Cloud      string `json:"cloud"`
	Item       string `json:"item"`
	Read       int    `json:"read"`
	Evaluated  int    `json:"evaluated"`
	Skipped    int    `json:"skipped"`
	Duplicates int    `json:"duplicates"`
}

// Balanced reports whether every item read is accounted for.
func (c Count) Balanced() bool { return c.Read == c.Evaluated+c.Skipped+c.Duplicates }

// Counter tallies the items a plug-in reads and skips, in the order the
// kinds were first seen. Evaluated is set by the plug-in from what its
// model holds when it evaluates, so that Read = Evaluated + Skipped is a
// check on the bookkeeping, not an identity.
type Counter struct {
	order                 []string
	read, skip, dup, eval map[string]int
}

func (c *Counter) init(item string) {
	if c.read == nil {
		c.read, c.skip, c.dup, c.eval = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	if _, ok := c.read[item]; !ok {
		c.order = append(c.order, item)
		c.read[item] = 0
	}
}

// Read counts one item of a kind found in an input.
func (c *Counter) Read(item string) { c.init(item); c.read[item]++ }

// Skip counts one item that was read and could not be used.
func (c *Counter) Skip(item string) { c.init(item); c.skip[item]++ }

// Duplicate counts one item that was read before (it is counted once).
func (c *Counter) Duplicate(item string) { c.init(item); c.dup[item]++ }

// Evaluated sets how many items of a kind the analysis decided.
func (c *Counter) Evaluated(item string, n int) { c.init(item); c.eval[item] = n }

// Counts lists the tallies of one cloud: the items named first, in that
// order, then any other in the order first seen.
func (c *Counter) Counts(cloud string, first ...string) []Count {
	var out []Count
	order := append([]string{}, first...)
	for _, item := range c.order {
		if !contains(first, item) {
			order = append(order, item)
		}
	}
	for _, item := range order {
		c.init(item)
		out = append(out, Count{Cloud: cloud, Item: item, Read: c.read[item], Evaluated: c.eval[item], Skipped: c.skip[item], Duplicates: c.dup[item]})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
