package azurecloud

import (
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	builtin "github.com/imagewarden/imagewarden/rego"
)

// registry is a resource the inputs list, decided exactly: a container
// registry, or (gallery set) an Azure Compute Gallery, which has no
// permission mode.
type registry struct {
	id, name, mode string
	adminUser      bool
	gallery        bool
}

type principal struct {
	id, name, kind string
}

// Snapshot is the Azure state read from the inputs.
type Snapshot struct {
	assignments   []azure.Assignment
	roles         map[string]*azure.Role
	denies        []azure.DenyAssignment
	parents       map[string]string // normalised scope of a subscription or MG -> parent MG scope
	members       map[string][]string
	groupNames    map[string]string
	principals    map[string]*principal
	registries    map[string]*registry
	compute       computeInventory // compute that runs as managed identities (compute.go)
	warnings      []model.Warning
	cat           *catalog.Catalog
	builtinErr    error
	byPrincipal   map[string][]azure.Assignment
	ancestorCache map[string][]string
	display       map[string]string // normalised scope -> as first written (a registry's own id wins)
	identities    map[string]string // user-assigned identity resource id -> its principal id
	builtin       map[string]bool   // role keys of built-in roles
	counts        model.Counter     // what the inputs held, read and skipped
	definitions   map[string]bool   // role keys of the role definitions the inputs hold
	defDups       model.Duplicates  // role definitions read twice (noteDefinition)
	defUpdated    map[string]time.Time
	ix            *index              // compiled for Evaluate and Edges; dropped when the inputs change
	memberOf      map[string][]string // object id -> the groups that list it as a member, made on first use
	pim           *pimState           // eligible assignments and role management policies (pim.go)
	federated     *federationState    // federated identity credentials (federation.go)
}

// The kinds of item counted in Snapshot.counts (model.Count.Item).
const (
	itemAssignments     = "role assignments"
	itemDefinitions     = "role definitions"
	itemDenyAssignments = "deny assignments"
)

// name returns a normalised scope as the inputs wrote it.
func (s *Snapshot) name(scope string) string {
	if d, ok := s.display[scope]; ok {
		return d
	}
	return scope
}

func (s *Snapshot) remember(scope string, override bool) {
	if s.display == nil {
		s.display = map[string]string{}
	}
	k := azure.NormalizeScope(scope)
	if _, ok := s.display[k]; !ok || override {
		s.display[k] = strings.TrimRight(strings.TrimSpace(scope), "/")
	}
}

// New returns an empty snapshot with the built-in role table.
func New() *Snapshot {
	s := &Snapshot{roles: make(map[string]*azure.Role, 1024), parents: map[string]string{}, members: map[string][]string{},
		groupNames: map[string]string{}, principals: map[string]*principal{}, registries: map[string]*registry{}, identities: map[string]string{}}
	s.builtinErr = s.loadBuiltinRoles()
	s.addComputeRoles()
	s.defDups.Kind = "role definitions"
	return s
}

// builtinTables are the built-in role tables, parsed once per process:
// parsing them was most of the cost of New, which the remediation's
// re-analyses and the fuzz tests call many times. Each snapshot gets its
// own copies of the roles.
var builtinTables struct {
	once     sync.Once
	roles    []builtinRole
	rolesErr error
	names    []builtinRole // every built-in role, without permissions
	namesErr error
}

type builtinRole struct {
	ID          string             `yaml:"id"`
	Name        string             `yaml:"name"`
	Permissions []azure.Permission `yaml:"permissions"`
	key         string             // azure.RoleKey(ID)
}

func parseBuiltinTables() {
	t := &builtinTables
	b, err := fs.ReadFile(builtin.FS, BuiltinRolesFile)
	if err == nil {
		var doc struct {
			Roles []builtinRole `yaml:"roles"`
		}
		if err = yaml.Unmarshal(b, &doc); err == nil {
			t.roles = doc.Roles
			for i := range t.roles {
				t.roles[i].key = azure.RoleKey(t.roles[i].ID)
			}
		}
	}
	if err != nil {
		t.rolesErr = err
		return
	}
	nb, err := fs.ReadFile(builtin.FS, BuiltinRoleNamesFile)
	if err == nil {
		var names struct {
			Roles map[string]string `yaml:"roles"`
		}
		if err = yaml.Unmarshal(nb, &names); err == nil {
			for id, name := range names.Roles {
				t.names = append(t.names, builtinRole{ID: id, Name: name, key: azure.RoleKey(id)})
			}
		}
	}
	t.namesErr = err
}

func clonePermissions(ps []azure.Permission) []azure.Permission {
	if ps == nil {
		return nil
	}
	out := make([]azure.Permission, len(ps))
	for i, p := range ps {
		out[i] = azure.Permission{Actions: slices.Clone(p.Actions), NotActions: slices.Clone(p.NotActions),
			DataActions: slices.Clone(p.DataActions), NotDataActions: slices.Clone(p.NotDataActions), Condition: p.Condition}
	}
	return out
}

func (s *Snapshot) loadBuiltinRoles() error {
	builtinTables.once.Do(parseBuiltinTables)
	t := &builtinTables
	if t.rolesErr != nil {
		return t.rolesErr
	}
	s.builtin = map[string]bool{}
	for _, r := range t.roles {
		s.roles[r.key] = &azure.Role{ID: r.ID, Name: r.Name, Permissions: clonePermissions(r.Permissions)}
		s.builtin[r.key] = true
	}
	if t.namesErr != nil {
		return t.namesErr
	}
	// Every other built-in role is known to grant no image operation.
	for _, r := range t.names {
		s.builtin[r.key] = true
		if _, ok := s.roles[r.key]; !ok {
			s.roles[r.key] = &azure.Role{ID: r.ID, Name: r.Name}
		}
	}
	return nil
}

func (s *Snapshot) warn(file, where, msg string) {
	w := file
	if where != "" {
		w += ": " + where
	}
	s.warnings = append(s.warnings, model.Warning{Where: w, Message: msg})
}

func (s *Snapshot) principal(id, name, kind string) {
	key := strings.ToLower(id)
	if p, ok := s.principals[key]; ok {
		if p.name == "" {
			p.name = name
		}
		return
	}
	s.principals[key] = &principal{id: key, name: name, kind: kind}
}

// roleNames remembers the name of a role that only assignments mention.
func (s *Snapshot) roleNames(id, name string) {
	if r, ok := s.roles[azure.RoleKey(id)]; ok && r.Name == "" {
		r.Name = name
	}
}

// ancestors are the scopes whose assignments reach a scope: its path
// prefixes, the management groups above its subscription, and "/".
func (s *Snapshot) ancestors(scope string) []string {
	if a, ok := s.ancestorCache[scope]; ok {
		return a
	}
	if s.ancestorCache == nil {
		s.ancestorCache = map[string][]string{}
	}
	out := s.computeAncestors(scope)
	s.ancestorCache[scope] = out
	return out
}

func (s *Snapshot) computeAncestors(scope string) []string {
	out := azure.PathAncestors(scope)
	start := ""
	for _, a := range out {
		if strings.HasPrefix(a, "/subscriptions/") && strings.Count(a, "/") == 2 {
			start = a
		}
		if strings.HasPrefix(a, "/providers/microsoft.management/managementgroups/") && strings.Count(a, "/") == 4 {
			start = a
		}
	}
	for n, guard := s.parents[start], 0; n != "" && guard < 16; n, guard = s.parents[n], guard+1 {
		out = append(out, n)
	}
	return out
}

// identity builds the request identity of a principal: its groups,
// transitively.
func (s *Snapshot) identity(id string) *azure.Identity {
	return &azure.Identity{ID: id, Groups: s.groupsOf(id)}
}

// groupsOf lists the groups a principal is in, transitively: groups in
// groups are followed 33 levels deep at most, as the walk over members
// always was.
func (s *Snapshot) groupsOf(id string) map[string]bool {
	memberOf := s.membership()
	groups := map[string]bool{}
	level := []string{id}
	for depth := 0; depth <= 32 && len(level) > 0; depth++ {
		var next []string
		for _, m := range level {
			for _, g := range memberOf[m] {
				if !groups[g] {
					groups[g] = true
					next = append(next, g)
				}
			}
		}
		level = next
	}
	return groups
}

// membership returns, for every object id, the groups that list it as a
// member (made on first use; Load drops it).
func (s *Snapshot) membership() map[string][]string {
	if s.memberOf == nil {
		s.memberOf = map[string][]string{}
		gs := make([]string, 0, len(s.members))
		for g := range s.members {
			gs = append(gs, g)
		}
		sort.Strings(gs)
		for _, g := range gs {
			for _, m := range s.members[g] {
				if l := s.memberOf[m]; len(l) == 0 || l[len(l)-1] != g {
					s.memberOf[m] = append(l, g)
				}
			}
		}
	}
	return s.memberOf
}

// identities are the principals to decide for: every principal, except
// groups whose members are known (their members are decided instead).
func (s *Snapshot) principalsToDecide() []*principal {
	var out []*principal
	for id, p := range s.principals {
		if _, expanded := s.members[id]; expanded {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Snapshot) groupLabels(groups map[string]bool) []string {
	var out []string
	for g := range groups {
		if n := s.groupNames[g]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

// assignmentsOf lists the assignments to the identity or its groups.
func (s *Snapshot) assignmentsOf(id *azure.Identity) []azure.Assignment {
	if s.byPrincipal == nil {
		s.byPrincipal = map[string][]azure.Assignment{}
		for _, a := range s.assignments {
			s.byPrincipal[a.PrincipalID] = append(s.byPrincipal[a.PrincipalID], a)
		}
	}
	out := append([]azure.Assignment(nil), s.byPrincipal[id.ID]...)
	// Groups in a fixed order: the order of the assignments is the order of
	// the grants in a report, and of the notes edges keep when they merge.
	groups := make([]string, 0, len(id.Groups))
	for g := range id.Groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		out = append(out, s.byPrincipal[g]...)
	}
	return out
}

// isResource tells a resource scope (.../providers/NS/type/name) from a
// management group, subscription or resource group.
func isResource(scope string) bool {
	s := azure.NormalizeScope(scope)
	return strings.Contains(s, "/providers/") && !strings.HasPrefix(s, "/providers/microsoft.management/")
}
