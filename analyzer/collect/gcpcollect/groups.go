package gcpcollect

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	cloudidentity "google.golang.org/api/cloudidentity/v1"
)

// groupJSON is one group's memberships as docs/inputs.md G6 wraps them.
type groupJSON struct {
	Group       string           `json:"group"`
	Memberships []membershipJSON `json:"memberships"`
}

type membershipJSON struct {
	Name               string     `json:"name,omitempty"`
	PreferredMemberKey entityKey  `json:"preferredMemberKey"`
	Roles              []roleName `json:"roles,omitempty"`
	Type               string     `json:"type,omitempty"`
	CreateTime         string     `json:"createTime,omitempty"`
	UpdateTime         string     `json:"updateTime,omitempty"`
}

type entityKey struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace,omitempty"`
}

type roleName struct {
	Name string `json:"name"`
}

// collectGroups writes groups.json: the members of every group an allow
// or deny policy names, then of every group found inside them, level by
// level, Concurrency groups at a time. A group that cannot be read (one
// outside the customer, or not visible to the caller) is recorded and
// stays a principal of its own in the analysis.
func (r *run) collectGroups(ctx context.Context) {
	r.mu.Lock()
	level := slices.Sorted(maps.Keys(r.groupSeeds))
	r.mu.Unlock()

	var mu sync.Mutex
	done := map[string]bool{}
	out := []groupJSON{}
	for len(level) > 0 {
		var next []string
		units := make([]unit, 0, len(level))
		for _, g := range level {
			done[g] = true
			units = append(units, unit{name: "groups/" + g, work: func(ctx context.Context) {
				gj, err := r.group(ctx, g)
				if err != "" {
					r.rec.Record(Scope{Name: "groups/" + g, Error: err})
					return
				}
				mu.Lock()
				defer mu.Unlock()
				out = append(out, gj)
				for _, m := range gj.Memberships {
					if strings.EqualFold(m.Type, "GROUP") && m.PreferredMemberKey.ID != "" {
						next = append(next, strings.ToLower(m.PreferredMemberKey.ID))
					}
				}
			}})
		}
		r.each(ctx, units, nil)
		level = nil
		for _, g := range next {
			if !done[g] {
				done[g] = true
				level = append(level, g)
			}
		}
		sort.Strings(level)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	r.rec.Record(r.writeScope(Scope{Name: "groups"}, "groups.json", out))
}

// noteGroups remembers groups (emails) to collect with --groups.
func (r *run) noteGroups(emails []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range emails {
		if g != "" {
			r.groupSeeds[strings.ToLower(g)] = true
		}
	}
}

// noteBindingGroups remembers the groups an allow policy binds.
func (r *run) noteBindingGroups(p policy) {
	var groups []string
	for _, b := range p.Bindings {
		for _, m := range b.Members {
			if g, ok := strings.CutPrefix(m, "group:"); ok {
				groups = append(groups, g)
			}
		}
	}
	r.noteGroups(groups)
}

// group reads one group's memberships: lookup turns the email into the
// group's resource name, then every page of memberships with the FULL view,
// which carries each member's type.
func (r *run) group(ctx context.Context, email string) (groupJSON, string) {
	gj := groupJSON{Group: email, Memberships: []membershipJSON{}}
	lk, err := r.c.ci.Groups.Lookup().GroupKeyId(email).Context(ctx).Do()
	if err != nil {
		return gj, failed("cloudidentity.groups.lookup", email, err)
	}
	if lk.Name == "" {
		return gj, "cloudidentity.groups.lookup " + email + ": the answer has no group name"
	}
	err = r.c.ci.Groups.Memberships.List(lk.Name).View("FULL").PageSize(500).Context(ctx).Pages(ctx, func(resp *cloudidentity.ListMembershipsResponse) error {
		for _, m := range resp.Memberships {
			if m == nil || m.PreferredMemberKey == nil {
				continue
			}
			mj := membershipJSON{Name: m.Name, PreferredMemberKey: entityKey{ID: m.PreferredMemberKey.Id, Namespace: m.PreferredMemberKey.Namespace},
				Type: m.Type, CreateTime: m.CreateTime, UpdateTime: m.UpdateTime}
			for _, role := range m.Roles {
				if role != nil {
					mj.Roles = append(mj.Roles, roleName{Name: role.Name})
				}
			}
			sort.Slice(mj.Roles, func(i, j int) bool { return mj.Roles[i].Name < mj.Roles[j].Name })
			gj.Memberships = append(gj.Memberships, mj)
		}
		return nil
	})
	if err != nil {
		return gj, failed("cloudidentity.groups.memberships.list", lk.Name+" ("+email+")", err)
	}
	sort.Slice(gj.Memberships, func(i, j int) bool {
		return gj.Memberships[i].PreferredMemberKey.ID < gj.Memberships[j].PreferredMemberKey.ID
	})
	return gj, ""
}
