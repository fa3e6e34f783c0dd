package aws

import (
	"encoding/binary"
	"sort"
	"strings"
	"sync"
)

// ResourceSet is a fixed list of resources that many requests are decided
// on (the repositories, images and other resources an analysis lists). It
// tells which of them a set of policies cannot tell apart: two members are
// alike under policies when every Resource and NotResource pattern of every
// statement of those policies gives both the same answer, whatever the
// principal, action and context. Decide then returns the same Result for
// both, for every request that differs only in its Resource (with the same
// ResourceAccount, ResourcePattern false), so a caller decides one member
// of each class and reuses the answer for the others.
//
// Members are alike only if their ARNs agree on partition, service, region
// and account (so that every pattern reads them alike up to the resource
// segment) and on what IAM protects whatever the policies say (AWS managed
// policies, roles under /aws-reserved/). A member that is a pattern or not
// an ARN is alike to none. Safe for concurrent use.
type ResourceSet struct {
	res    []resource
	group  []int32 // members with equal ARN segments 0 to 4 and protection; -1: alone
	groups [][]int // the members of each group
	all    *Subset

	mu         sync.Mutex
	byPat      map[string]*patternClass
	byPol      map[*Policy][]*patternClass
	subsets    int
	partitions map[string]*Partition // by subset and the patterns that split
}

// Subset is a list of members that are partitioned together (the roles of
// one account, say).
type Subset struct {
	id      int
	members []int
	// pos is the position of each member of the set in members, -1 when
	// it is not in the subset: partitions of the subset keep a class per
	// position, so that their size is the subset's, not the set's.
	pos []int32
}

// Partition is a subset split into classes of members that policies
// cannot tell apart.
type Partition struct {
	// Classes keep the members' order and come in the order of their first
	// member. They are shared: callers must not change them.
	Classes [][]int
	sub     *Subset
	of      []int32 // class by position in the subset
}

// ClassOf returns the class of a member, or -1 when it is not in the
// subset.
func (p *Partition) ClassOf(member int) int {
	if member < 0 || member >= len(p.sub.pos) {
		return -1
	}
	i := p.sub.pos[member]
	if i < 0 {
		return -1
	}
	return int(p.of[i])
}

// patternClass is what one Resource pattern tells about the members.
type patternClass struct {
	id int
	// hits are the members the pattern may match: segments 1 to 4 may match
	// theirs (a segment with a policy variable may match anything) and its
	// resource segment matches theirs (a variable read as a wildcard).
	hits []uint64
	// split: the pattern matches some members of a group and not others;
	// perMember: its resource segment has a variable, so the members it may
	// match are each alike only to itself.
	split, perMember bool
}

// NewResourceSet prepares a set of resource ARNs; pattern[i] marks a
// member that stands for the resources its wildcards match (decided with
// ResourcePattern); members with different tags[i] are never alike (the
// caller's own distinctions, such as the account it requests them with).
// pattern and tags may be nil.
func NewResourceSet(arns []string, pattern []bool, tags []string) *ResourceSet {
	rs := &ResourceSet{res: make([]resource, len(arns)), group: make([]int32, len(arns)),
		byPat: map[string]*patternClass{}, byPol: map[*Policy][]*patternClass{}, partitions: map[string]*Partition{}}
	all := make([]int, len(arns))
	groups := map[string]int32{}
	for i, a := range arns {
		all[i] = i
		p := i < len(pattern) && pattern[i]
		r := newResource(a, p)
		rs.res[i] = r
		if p || !r.arn || r.pattern {
			rs.group[i] = -1
			continue
		}
		k := strings.Join(r.parts[:5], ":") + "|" + protection(&r)
		if i < len(tags) {
			k += "|" + tags[i]
		}
		g, ok := groups[k]
		if !ok {
			g = int32(len(groups))
			groups[k] = g
			rs.groups = append(rs.groups, nil)
		}
		rs.group[i] = g
		rs.groups[g] = append(rs.groups[g], i)
	}
	rs.all = rs.Subset(all)
	return rs
}

// Subset names a list of members (indices into the set) to partition.
func (rs *ResourceSet) Subset(members []int) *Subset {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.subsets++
	pos := make([]int32, len(rs.res))
	for i := range pos {
		pos[i] = -1
	}
	for i, m := range members {
		pos[m] = int32(i)
	}
	return &Subset{id: rs.subsets, members: members, pos: pos}
}

// All is the subset of every member.
func (rs *ResourceSet) All() *Subset { return rs.all }

// protection names what iamProtected looks at in the resource segment.
func protection(r *resource) string {
	s := strings.ToLower(r.parts[5])
	switch {
	case strings.HasPrefix(s, "policy/"):
		return "policy"
	case strings.HasPrefix(s, "role/aws-reserved/"):
		return "reserved"
	}
	return ""
}

// Len is the number of members.
func (rs *ResourceSet) Len() int { return len(rs.res) }

// patternsOf returns the patterns of a policy that split some group,
// remembered per policy. rs.mu is held.
func (rs *ResourceSet) patternsOf(p *Policy) []*patternClass {
	if l, ok := rs.byPol[p]; ok {
		return l
	}
	var out []*patternClass
	seen := map[*patternClass]bool{}
	for _, st := range p.Statements {
		if !st.HasResource {
			continue
		}
		for i := range st.prepared().resources {
			rp := &st.prepared().resources[i]
			if rp.star || !rp.arn {
				continue // matches every ARN member, or none
			}
			pc := rs.pattern(rp)
			if (pc.split || pc.perMember) && !seen[pc] {
				seen[pc] = true
				out = append(out, pc)
			}
		}
	}
	rs.byPol[p] = out
	return out
}

// pattern classifies one Resource pattern against the members. rs.mu is
// held.
func (rs *ResourceSet) pattern(rp *resourcePattern) *patternClass {
	if pc, ok := rs.byPat[rp.raw]; ok {
		return pc
	}
	pc := &patternClass{id: len(rs.byPat), hits: make([]uint64, (len(rs.res)+63)/64)}
	rs.byPat[rp.raw] = pc
	last := rp.segs[5]
	if rp.hasVar[5] {
		pc.perMember = true
		last = wildcardVariables(rp.parts[5])
	}
	// Members of a group agree on segments 1 to 4: the pattern's are
	// compared with one of them.
	for _, members := range rs.groups {
		r := &rs.res[members[0]]
		hit := true
		for i := 1; i < 5 && hit; i++ {
			hit = rp.hasVar[i] || globMatch(rp.segs[i], r.parts[i])
		}
		if !hit {
			continue
		}
		n := 0
		for _, m := range members {
			if globMatch(last, rs.res[m].parts[5]) {
				pc.hits[m/64] |= 1 << (m % 64)
				n++
			}
		}
		if n > 0 && (n < len(members) || pc.perMember) {
			pc.split = true
		}
	}
	return pc
}

// wildcardVariables is a resource segment with each policy variable read
// as a wildcard, in compiled form: it matches whatever the segment can
// match once its variables have values.
func wildcardVariables(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
				b.WriteByte(starByte)
				i += end + 3
				continue
			}
		}
		switch s[i] {
		case '*':
			b.WriteByte(starByte)
		case '?':
			b.WriteByte(qmarkByte)
		default:
			b.WriteByte(s[i])
		}
		i++
	}
	return b.String()
}

// ClassesAll partitions all members into classes whose members the
// policies cannot tell apart (see ResourceSet).
func (rs *ResourceSet) ClassesAll(policies ...*Policy) [][]int {
	return rs.Partition(rs.all, policies...).Classes
}

// Classes partitions members (indices into the set) the way ClassesAll
// does.
func (rs *ResourceSet) Classes(members []int, policies ...*Policy) [][]int {
	return rs.Partition(rs.Subset(members), policies...).Classes
}

// Partition splits a subset into the classes of members that the policies
// cannot tell apart (see ResourceSet), remembered per subset and per set of
// patterns that tell members apart: principals whose policies hold the
// same such patterns (most hold none) share one partition.
func (rs *ResourceSet) Partition(sub *Subset, policies ...*Policy) *Partition {
	return rs.Splitter(policies...).Partition(sub)
}

// Splitter is what a set of policies tells apart in a ResourceSet, for
// partitioning many subsets with the same policies (a principal's, over
// the roles of every account) without gathering their patterns again.
type Splitter struct {
	rs   *ResourceSet
	pats []*patternClass
	sig  []byte // the pattern ids, after the subset's in Partition
}

// Splitter gathers the patterns of the policies that split the set.
func (rs *ResourceSet) Splitter(policies ...*Policy) *Splitter {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var pats []*patternClass
	seen := map[*patternClass]bool{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, pc := range rs.patternsOf(p) {
			if !seen[pc] {
				seen[pc] = true
				pats = append(pats, pc)
			}
		}
	}
	sort.Slice(pats, func(i, j int) bool { return pats[i].id < pats[j].id })
	var sig []byte
	for _, pc := range pats {
		sig = binary.AppendUvarint(sig, uint64(pc.id))
	}
	return &Splitter{rs: rs, pats: pats, sig: sig}
}

// Partition is ResourceSet.Partition of sub with the splitter's policies.
func (sp *Splitter) Partition(sub *Subset) *Partition {
	rs, pats := sp.rs, sp.pats
	sig := binary.AppendUvarint(make([]byte, 0, len(sp.sig)+4), uint64(sub.id))
	sig = append(sig, sp.sig...)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if p, ok := rs.partitions[string(sig)]; ok {
		return p
	}
	out := &Partition{sub: sub, of: make([]int32, len(sub.members))}
	index := map[string]int{}
	key := make([]byte, 0, 8+len(pats)/8)
	for pos, m := range sub.members {
		g := rs.group[m]
		alone := g < 0
		key = binary.AppendVarint(key[:0], int64(g))
		for j, pc := range pats {
			hit := pc.hits[m/64]&(1<<(m%64)) != 0
			if hit && pc.perMember {
				alone = true
				break
			}
			if j%8 == 0 {
				key = append(key, 0)
			}
			if hit {
				key[len(key)-1] |= 1 << (j % 8)
			}
		}
		if !alone {
			if i, ok := index[string(key)]; ok {
				out.Classes[i] = append(out.Classes[i], m)
				out.of[pos] = int32(i)
				continue
			}
			index[string(key)] = len(out.Classes)
		}
		out.of[pos] = int32(len(out.Classes))
		out.Classes = append(out.Classes, []int{m})
	}
	rs.partitions[string(sig)] = out
	return out
}
