package azurecollect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
)

const (
	mgType  = "Microsoft.Management/managementGroups"
	subType = "/subscriptions"
	// withoutTree says in the manifest what a missing tree costs.
	withoutTree = " (without the tree, assignments on management groups reach no subscription in the analysis)"
)

// entity is one item of `az account management-group entities list`
// (A4): a management group or a subscription and its parent.
type entity struct {
	DisplayName string     `json:"displayName"`
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Parent      *parentRef `json:"parent"`
	Type        string     `json:"type"`
}

type parentRef struct {
	ID string `json:"id"`
}

// tree is the management-group hierarchy from a root: its ancestors, the
// root, and everything below it (or, when the root cannot be read, every
// management group the caller can read, with theirs).
type tree struct {
	tenant   string
	entities []entity
	mgs      []string          // the management groups read: the root and those below it
	subs     []string          // the subscriptions below them
	parent   map[string]string // lower-case entity id -> lower-case parent id
	mgByID   map[string]string // lower-case id -> management group name
	subByKey map[string]string // lower-case subscription id -> its entity id
	read     map[string]bool   // management groups in mgs, by name
}

func newTree() *tree {
	return &tree{parent: map[string]string{}, mgByID: map[string]string{}, subByKey: map[string]string{}, read: map[string]bool{}}
}

// readTree reads a group with its ancestors (one GET) and its descendants
// (a paged GET) into t: the parents are what lets an assignment on a
// management group reach the subscriptions below it.
func (c *collector) readTree(ctx context.Context, root string, t *tree) error {
	rootID := mgID(root)
	g, err := c.mgs.Get(ctx, root, &armmanagementgroups.ClientGetOptions{Expand: to.Ptr(armmanagementgroups.ManagementGroupExpandTypeAncestors)})
	if err != nil {
		return treeError{failure("managementGroups.get", rootID, err), err}
	}
	top := entity{ID: or(str(g.ID), rootID), Name: or(str(g.Name), root), Type: mgType}
	var chain []string
	if p := g.Properties; p != nil {
		top.DisplayName = str(p.DisplayName)
		if t.tenant == "" {
			t.tenant = str(p.TenantID)
		}
		if d := p.Details; d != nil {
			// From the parent up to the tenant root group.
			for _, a := range d.ManagementGroupAncestorsChain {
				if a != nil && str(a.Name) != "" {
					chain = append(chain, str(a.Name))
				}
			}
			if len(chain) == 0 && d.Parent != nil && str(d.Parent.Name) != "" {
				chain = []string{str(d.Parent.Name)}
			}
		}
	}
	var ancestors []entity
	for i, name := range chain {
		e := entity{ID: mgID(name), Name: name, Type: mgType}
		if i+1 < len(chain) {
			e.Parent = &parentRef{ID: mgID(chain[i+1])}
		}
		ancestors = append(ancestors, e)
	}
	if len(ancestors) > 0 {
		top.Parent = &parentRef{ID: ancestors[0].ID}
	}
	t.add(top, true)
	for _, e := range ancestors {
		t.add(e, false)
	}
	pager := c.mgs.NewGetDescendantsPager(root, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return treeError{failure("managementGroups.getDescendants", rootID, err), err}
		}
		for _, d := range page.Value {
			if d == nil || str(d.ID) == "" {
				return treeError{permissionOf("managementGroups.getDescendants") + " at " + rootID + ": a descendant without id", nil}
			}
			e := entity{ID: str(d.ID), Name: str(d.Name), Type: str(d.Type)}
			if p := d.Properties; p != nil {
				e.DisplayName = str(p.DisplayName)
				if p.Parent != nil && str(p.Parent.ID) != "" {
					e.Parent = &parentRef{ID: str(p.Parent.ID)}
				}
			}
			switch {
			case strings.EqualFold(e.Type, subType):
				e.Type = subType
			case strings.EqualFold(e.Type, mgType):
				e.Type = mgType
			default:
				continue // an entity kind the analysis does not use
			}
			t.add(e, true)
		}
	}
	sort.Slice(t.entities, func(i, j int) bool { return strings.ToLower(t.entities[i].ID) < strings.ToLower(t.entities[j].ID) })
	return nil
}

// treeError is a failure to read the tree, with the call's error.
type treeError struct {
	msg string
	err error
}

func (e treeError) Error() string { return e.msg + withoutTree }
func (e treeError) Unwrap() error { return e.err }

// readVisible builds the tree when the tenant root group cannot be read
// (most callers are not granted anything on it): every management group
// the caller can read, with its ancestors and descendants. A group already
// found below another is not read again. With none readable, the root's
// error stands.
func (c *collector) readVisible(ctx context.Context, t *tree, rootErr error) error {
	var names []string
	pager := c.mgs.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return treeError{failure("managementGroups.list", "/providers/Microsoft.Management/managementGroups", err), err}
		}
		for _, g := range page.Value {
			if g != nil && str(g.Name) != "" {
				names = append(names, str(g.Name))
			}
		}
	}
	if len(names) == 0 {
		return rootErr
	}
	for _, name := range sorted(names) {
		if !t.read[name] {
			if err := c.readTree(ctx, name, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// add records an entity once; read says it is the root or below it (not
// an ancestor known only by name), so that it is collected.
func (t *tree) add(e entity, read bool) {
	id := strings.ToLower(e.ID)
	if e.Type == subType {
		if _, dup := t.subByKey[strings.ToLower(e.Name)]; dup {
			return
		}
		t.subByKey[strings.ToLower(e.Name)] = id
		t.subs = append(t.subs, e.Name)
	} else {
		if read && !t.read[e.Name] {
			t.read[e.Name] = true
			t.mgs = append(t.mgs, e.Name)
		}
		if _, dup := t.mgByID[id]; dup {
			return
		}
		t.mgByID[id] = e.Name
	}
	t.entities = append(t.entities, e)
	if e.Parent != nil {
		t.parent[id] = strings.ToLower(e.Parent.ID)
	}
}

// ancestorsOf lists the management groups above the given subscriptions
// that were read: the only ones whose assignments reach them.
func (t *tree) ancestorsOf(subs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range subs {
		id, ok := t.subByKey[strings.ToLower(strings.TrimPrefix(s, "/subscriptions/"))]
		if !ok {
			continue
		}
		for p, guard := t.parent[id], 0; p != "" && guard < 32; p, guard = t.parent[p], guard+1 {
			if name, ok := t.mgByID[p]; ok && t.read[name] && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// listSubscriptions lists every subscription the credential can see, and
// the tenant of the first (for a token that names none).
func (c *collector) listSubscriptions(ctx context.Context) (subs []string, tenant string, err error) {
	pager := c.subs.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, s := range page.Value {
			if s == nil || str(s.SubscriptionID) == "" {
				return nil, "", fmt.Errorf("a subscription without subscriptionId")
			}
			subs = append(subs, str(s.SubscriptionID))
			if tenant == "" {
				tenant = str(s.TenantID)
			}
		}
	}
	return subs, tenant, nil
}
