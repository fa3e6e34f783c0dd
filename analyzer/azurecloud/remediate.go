package azurecloud

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/glob"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Remediation kinds of the Azure plug-in (docs/remediation-azure.md).
const (
	KindCustomRole       = "azure-custom-role"
	KindAssignmentNarrow = "azure-assignment-narrow"
)

// edit gathers the findings one change of one assignment fixes.
type edit struct {
	kind      string
	a         azure.Assignment
	findings  map[string]bool
	caps      map[string]bool
	resources map[string]bool // assignment narrowing: the resources to assign on
}

func (e *edit) EditKind() string              { return e.kind }
func (e *edit) EditFindings() map[string]bool { return e.findings }

// assignmentsFor finds the assignments behind a grant: at its scope, of
// the role it names, to the principal (lower case) or one of its groups,
// in the order of the principal's assignments.
func (s *Snapshot) assignmentsFor(g model.Grant, principal string) []azure.Assignment {
	ix := s.compiled(s.cat)
	t, ok := ix.scopeID[azure.NormalizeScope(g.Policy)]
	if !ok {
		return nil
	}
	sub := ix.subjectFor(principal)
	var out []azure.Assignment
	for _, pos := range sub.at[t] {
		a := sub.mine[pos]
		if r := ix.assign[a].role; r < 0 || ix.roleOf[r].Name != g.Statement {
			continue
		}
		out = append(out, s.assignments[a])
	}
	return out
}

func assignmentKey(a azure.Assignment) string {
	return strings.ToLower(a.PrincipalID) + "\x00" + azure.RoleKey(a.RoleID) + "\x00" + azure.NormalizeScope(a.Scope) + "\x00" + a.Condition
}

// Plan returns the changes that remove the findings' access:
//
//   - azure-assignment-narrow: a principal that is an approved publisher on
//     some registries or galleries only, with an assignment at a management
//     group, subscription or resource group, gets the same role on those
//     resources instead;
//   - azure-custom-role: any other assignment behind a finding is switched
//     to a custom role with the original's permissions and the image
//     operations of the findings in notActions / notDataActions.
func (s *Snapshot) Plan(findings []*model.Finding, env *remediate.Env) []remediate.Change {
	edits := map[string]*edit{}
	get := func(kind string, a azure.Assignment) *edit {
		k := kind + "\x00" + assignmentKey(a)
		e, ok := edits[k]
		if !ok {
			e = &edit{kind: kind, a: a, findings: map[string]bool{}, caps: map[string]bool{}, resources: map[string]bool{}}
			edits[k] = e
		}
		return e
	}
	uncovered := map[string]bool{}
	for _, f := range findings {
		if f.PrincipalID == "" {
			continue
		}
		principal := strings.ToLower(f.PrincipalID)
		grants := remediate.Grants(f, "role_assignment")
		if len(grants) == 0 {
			uncovered[f.ID] = true
		}
		for _, g := range grants {
			as := s.assignmentsFor(g, principal)
			if len(as) == 0 {
				uncovered[f.ID] = true
			}
			for _, a := range as {
				var e *edit
				if res := s.approvedResources(env, f, a); len(res) > 0 {
					e = get(KindAssignmentNarrow, a)
					for _, r := range res {
						e.resources[r] = true
					}
				} else if s.customizable(a) {
					e = get(KindCustomRole, a)
				} else {
					uncovered[f.ID] = true
					continue
				}
				e.findings[f.ID] = true
				e.caps[f.Capability] = true
			}
		}
	}
	// One change per assignment: narrowing wins over a custom role.
	for _, e := range edits {
		if e.kind != KindAssignmentNarrow {
			continue
		}
		k := KindCustomRole + "\x00" + assignmentKey(e.a)
		if o, ok := edits[k]; ok {
			for id := range o.findings {
				e.findings[id] = true
			}
			delete(edits, k)
		}
	}
	out := remediate.Changes(cloudName, edits, func(e *edit) *remediate.Change {
		switch e.kind {
		case KindCustomRole:
			return s.customRoleChange(e, env)
		case KindAssignmentNarrow:
			return s.narrowChange(e)
		}
		return nil
	}, func(id string) bool { return !uncovered[id] })
	out = append(out, s.eligibleChanges(findings)...)
	return append(out, s.federatedPinChanges(findings)...)
}

// customizable: a role with one permission block without a condition can
// be copied into a custom role (az role definition create takes one block).
func (s *Snapshot) customizable(a azure.Assignment) bool {
	r := s.roles[azure.RoleKey(a.RoleID)]
	return r != nil && len(r.Permissions) == 1 && strings.TrimSpace(r.Permissions[0].Condition) == ""
}

// approvedResources are the registries and galleries (resource ids) below
// an assignment's scope where the finding's principal is an approved
// publisher of its capability, when it is approved on some resources only
// and the assignment is at a management group, subscription or resource
// group.
func (s *Snapshot) approvedResources(env *remediate.Env, f *model.Finding, a azure.Assignment) []string {
	if env == nil || isResource(a.Scope) {
		return nil
	}
	all, globs := env.ApprovedResources(f.PrincipalID, f.Capability)
	if all || len(globs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if k := azure.NormalizeScope(id); !seen[k] && s.below(id, a.Scope) {
			seen[k] = true
			out = append(out, id)
		}
	}
	// Candidates: the registries of the inputs, and the resources that
	// assignments or deny assignments are scoped to (galleries...).
	var regs []string
	for _, r := range s.registries {
		regs = append(regs, r.id)
	}
	for k, d := range s.display {
		if isResource(k) {
			if _, isReg := s.registries[k]; !isReg {
				regs = append(regs, d)
			}
		}
	}
	sort.Strings(regs)
	for _, g := range globs {
		if !strings.ContainsAny(g, "*?") {
			if isResource(g) {
				add(g)
			}
			continue
		}
		for _, r := range regs {
			if glob.Match(strings.ToLower(g), azure.NormalizeScope(r)) {
				add(r)
			}
		}
	}
	return out
}

// below reports whether a resource is at or below a scope (management
// groups included, through the tree of the inputs).
func (s *Snapshot) below(resource, scope string) bool {
	sc := azure.NormalizeScope(scope)
	for _, a := range s.computeAncestors(resource) {
		if azure.NormalizeScope(a) == sc {
			return true
		}
	}
	return false
}

// customRole is the role definition az role definition create reads.
type customRole struct {
	Name             string   `json:"Name"`
	IsCustom         bool     `json:"IsCustom"`
	Description      string   `json:"Description"`
	Actions          []string `json:"Actions"`
	NotActions       []string `json:"NotActions"`
	DataActions      []string `json:"DataActions"`
	NotDataActions   []string `json:"NotDataActions"`
	AssignableScopes []string `json:"AssignableScopes"`
}

// assignmentDoc is a role assignment as az role assignment list prints it
// (the fields the plug-in reads).
type assignmentDoc struct {
	PrincipalID      string  `json:"principalId"`
	PrincipalType    string  `json:"principalType,omitempty"`
	RoleDefinitionID string  `json:"roleDefinitionId"`
	Scope            string  `json:"scope"`
	Condition        *string `json:"condition,omitempty"`
	ConditionVersion *string `json:"conditionVersion,omitempty"`
}

func (s *Snapshot) assignmentDoc(a azure.Assignment, roleID, scope string) assignmentDoc {
	d := assignmentDoc{PrincipalID: a.PrincipalID, PrincipalType: a.Type, RoleDefinitionID: roleID, Scope: scope}
	if a.Condition != "" {
		c, v := a.Condition, "2.0"
		d.Condition, d.ConditionVersion = &c, &v
	}
	return d
}

func indent(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // plain structs: cannot fail
	}
	return string(b)
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (s *Snapshot) principalLabel(a azure.Assignment) string {
	name := a.Principal
	if p := s.principals[strings.ToLower(a.PrincipalID)]; p != nil && p.name != "" {
		name = p.name
	}
	if name == "" || strings.EqualFold(name, a.PrincipalID) {
		return a.PrincipalID
	}
	return name + " (" + a.PrincipalID + ")"
}

// customRoleChange copies the assignment's role into a custom role whose
// notActions / notDataActions hold the image operations of the findings,
// and switches the assignment to it.
func (s *Snapshot) customRoleChange(e *edit, env *remediate.Env) *remediate.Change {
	if env == nil || env.Catalog == nil {
		return nil
	}
	r := s.roles[azure.RoleKey(e.a.RoleID)]
	p := r.Permissions[0]
	var notActions, notData []string
	seen := map[string]bool{}
	for _, c := range slices.Sorted(maps.Keys(e.caps)) {
		for _, op := range env.Catalog.ActionsOf(cloudName, c) {
			if seen[op] {
				continue
			}
			seen[op] = true
			data := isData(op)
			if r.Access(op, data) == tri.False {
				continue
			}
			if data {
				notData = append(notData, op)
			} else {
				notActions = append(notActions, op)
			}
		}
	}
	if len(notActions)+len(notData) == 0 {
		return nil
	}
	sort.Strings(notActions)
	sort.Strings(notData)
	scope := s.name(azure.NormalizeScope(e.a.Scope))
	role := customRole{IsCustom: true, Actions: orEmpty(p.Actions), NotActions: append(append([]string{}, p.NotActions...), notActions...),
		DataActions: orEmpty(p.DataActions), NotDataActions: append(append([]string{}, p.NotDataActions...), notData...), AssignableScopes: []string{scope}}
	h := sha256.Sum256([]byte(azure.RoleKey(e.a.RoleID) + "\x00" + azure.NormalizeScope(scope) + "\x00" + strings.Join(notActions, ",") + "\x00" + strings.Join(notData, ",")))
	tag := hex.EncodeToString(h[:])[:8]
	role.Name = fmt.Sprintf("%s without image writes %s", r.Name, tag)
	role.Description = fmt.Sprintf("imagewarden: %s with its image operations (%s) in notActions/notDataActions", r.Name, strings.Join(slices.Sorted(maps.Keys(e.caps)), ", "))
	roleID := "imagewarden-" + tag
	before := s.assignmentDoc(e.a, e.a.RoleID, scope)
	c := &remediate.Change{Target: scope + " assignment of " + r.Name + " to " + e.a.PrincipalID, Before: indent(before), After: indent(role)}
	c.Params = map[string]string{"principal": e.a.PrincipalID, "role": e.a.RoleID, "scope": scope, "custom_role_id": roleID}
	if e.a.Condition != "" {
		c.Params["condition"] = e.a.Condition
	}
	c.Summary = fmt.Sprintf("%s on %s: replace %s with custom role %q (the same permissions without %d image operations)", s.principalLabel(e.a), scope, r.Name, role.Name, len(notActions)+len(notData))
	c.Check("custom role name", role.Name, validRoleArg(role.Name))
	create := assignmentCreate(c, e.a, role.Name, scope)
	c.AddCommand("az", "role", "definition", "create", "--role-definition", "@"+remediate.ArtifactPlaceholder)
	c.AddCommand(create...)
	s.addDeleteCommand(c, e.a, scope)
	c.Notes = append(c.Notes, "notActions are not denies: another role of the principal at this scope or above can still grant the operations")
	if strings.HasPrefix(azure.NormalizeScope(scope), "/providers/microsoft.management/managementgroups/") && len(role.DataActions) > 0 {
		c.Notes = append(c.Notes, "Azure does not allow a custom role with dataActions to be assigned at a management group: assign it on each subscription instead")
	}
	if p.Condition != "" || len(r.Permissions) != 1 {
		c.Notes = append(c.Notes, "the role's permission blocks were merged")
	}
	if t := e.a.Type; strings.EqualFold(t, "Group") || strings.EqualFold(t, "ForeignGroup") {
		c.Notes = append(c.Notes, "a group assignment: the change applies to every member of the group")
	}
	if s.builtin[azure.RoleKey(e.a.RoleID)] {
		c.Notes = append(c.Notes, "the custom role is a copy of the built-in role as of the offline table: Microsoft's later changes to "+r.Name+" do not reach it")
	}
	return c
}

func principalType(a azure.Assignment) string {
	if a.Type == "" {
		return "User"
	}
	return a.Type
}

// validRoleArg: a role name az can take as --role: a role name by Azure's
// rules, not starting with @ (az would read the rest as a file name and
// send the file's content).
func validRoleArg(name string) error {
	if err := azure.ValidRoleName(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, "@") {
		return errors.New("az reads a value that starts with @ as the name of a file to send")
	}
	return nil
}

// assignmentCreate checks the values of an assignment of role (a name or
// a GUID) to a's principal at scope, with a's condition, and returns the
// arguments of az role assignment create.
func assignmentCreate(c *remediate.Change, a azure.Assignment, role, scope string) []string {
	c.Check("principal id", a.PrincipalID, azure.ValidGUID(a.PrincipalID))
	c.Check("principal type", principalType(a), azure.ValidPrincipalType(principalType(a)))
	c.Check("scope", scope, azure.ValidScope(scope))
	args := remediate.Command([]string{"az", "role", "assignment", "create"}, "--assignee-object-id", a.PrincipalID,
		"--assignee-principal-type", principalType(a), "--role", role, "--scope", scope)
	if a.Condition != "" {
		c.Check("condition", a.Condition, azure.ValidCondition(a.Condition))
		cond := a.Condition
		if strings.HasPrefix(cond, "@") {
			// az would read the rest as a file name: the same condition in
			// parentheses is not.
			cond = "(" + cond + ")"
			if note := "the condition is given to az in parentheses: az reads a value that starts with @ as a file name"; !slices.Contains(c.Notes, note) {
				c.Notes = append(c.Notes, note)
			}
		}
		args = append(args, remediate.Options("--condition", cond, "--condition-version", "2.0")...)
	}
	return args
}

// addDeleteCommand adds the command that deletes assignment a (at scope).
func (s *Snapshot) addDeleteCommand(c *remediate.Change, a azure.Assignment, scope string) {
	if a.ID != "" {
		c.Check("role assignment id", a.ID, azure.ValidRoleAssignmentID(a.ID))
		c.AddCommand("az", "role", "assignment", "delete", "--ids", a.ID)
		return
	}
	role := azure.RoleKey(a.RoleID)
	c.Check("principal id", a.PrincipalID, azure.ValidGUID(a.PrincipalID))
	c.Check("role definition id", role, azure.ValidGUID(role))
	c.Check("scope", scope, azure.ValidScope(scope))
	c.AddCommand("az", "role", "assignment", "delete", "--assignee", a.PrincipalID, "--role", role, "--scope", scope)
}

// narrowChange moves an assignment from a management group, subscription
// or resource group to the registries and galleries the principal is
// approved for.
func (s *Snapshot) narrowChange(e *edit) *remediate.Change {
	r := s.roles[azure.RoleKey(e.a.RoleID)]
	roleName := e.a.RoleID
	if r != nil && r.Name != "" {
		roleName = r.Name
	}
	scope := s.name(azure.NormalizeScope(e.a.Scope))
	var after []assignmentDoc
	res := slices.Sorted(maps.Keys(e.resources))
	for _, id := range res {
		after = append(after, s.assignmentDoc(e.a, e.a.RoleID, s.name(azure.NormalizeScope(id))))
	}
	c := &remediate.Change{Target: scope + " assignment of " + roleName + " to " + e.a.PrincipalID, Before: indent(s.assignmentDoc(e.a, e.a.RoleID, scope)), After: indent(after)}
	c.Params = map[string]string{"principal": e.a.PrincipalID, "role": e.a.RoleID, "scope": scope, "resources": strings.Join(res, " ")}
	if e.a.Condition != "" {
		c.Params["condition"] = e.a.Condition
	}
	var short []string
	for _, id := range res {
		short = append(short, id[strings.LastIndex(id, "/")+1:])
	}
	c.Summary = fmt.Sprintf("%s: move %s from %s to the approved %s", s.principalLabel(e.a), roleName, scope, strings.Join(short, ", "))
	role := azure.RoleKey(e.a.RoleID)
	c.Check("role definition id", role, azure.ValidGUID(role))
	for _, id := range res {
		c.AddCommand(assignmentCreate(c, e.a, role, s.name(azure.NormalizeScope(id)))...)
	}
	s.addDeleteCommand(c, e.a, scope)
	c.Notes = append(c.Notes, "the principal keeps the role on the approved resources only: what it held elsewhere in the scope is under verification.removes")
	if t := e.a.Type; strings.EqualFold(t, "Group") || strings.EqualFold(t, "ForeignGroup") {
		c.Notes = append(c.Notes, "a group assignment: the change applies to every member of the group")
	}
	return c
}
