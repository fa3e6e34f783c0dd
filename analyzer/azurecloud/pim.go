package azurecloud

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Privileged Identity Management (docs/inputs.md, A11): an eligible role
// assignment is one the principal can activate, at will or after an
// approver agrees, and then hold. Its principal is one who can push: the
// eligible assignment is decided like an active one, and every grant it
// gives is marked (policy type role_eligibility, "eligible (PIM):
// activation required" in its note, "(eligible)" after the role's name).
// When the role management policy of the role at the assignment's scope
// requires approval to activate, the assignment holds under a condition
// the inputs cannot settle (an approver's decision): it is conditional,
// which the rules report one severity level lower. Without the policy in
// the inputs, approval is not assumed.

// Formats of PIM inputs.
const (
	FormatEligibility  = "azure-role-eligibility-schedules"
	FormatRolePolicies = "azure-role-management-policy-assignments"
	// PolicyTypeEligibility is the model.Grant policy type of a grant
	// through an eligible (PIM) role assignment.
	PolicyTypeEligibility = "role_eligibility"
	// approvalCondition is the condition of an eligible assignment whose
	// activation requires approval.
	approvalCondition = "PIM activation approved by an approver"
	itemEligible      = "eligible role assignments"
)

// pimNow is the time expired eligibility is judged against.
var pimNow = time.Now

// pimState is what the PIM inputs hold.
type pimState struct {
	eligible map[string]*eligibility // lower-case id of the assignment (instance or schedule) -> it
	policies map[string]*rolePolicy  // normalised scope \x00 role key -> the role's policy there
}

type eligibility struct {
	id         string // the instance's (or schedule's) resource id, as read
	scheduleID string // roleEligibilityScheduleId, or id for a schedule
	abac       string // the assignment's own ABAC condition
	start, end string
}

type rolePolicy struct {
	approval, mfa, justification, ticket bool
}

func (s *Snapshot) pimState() *pimState {
	if s.pim == nil {
		s.pim = &pimState{eligible: map[string]*eligibility{}, policies: map[string]*rolePolicy{}}
	}
	return s.pim
}

// recognizePIM names the format of a PIM document, or "".
func recognizePIM(first map[string]json.RawMessage) string {
	var typ string
	json.Unmarshal(first["type"], &typ)
	typ = strings.ToLower(typ)
	_, instance := first["roleEligibilityScheduleId"]
	_, schedule := first["roleEligibilityScheduleRequestId"]
	_, rules := first["effectiveRules"]
	switch {
	case strings.HasPrefix(typ, "microsoft.authorization/roleeligibilityschedule"), instance, schedule:
		return FormatEligibility
	case strings.HasPrefix(typ, "microsoft.authorization/rolemanagementpolicyassignment"), rules && first["policyId"] != nil:
		return FormatRolePolicies
	}
	return ""
}

// loadPIM reads one item of a PIM document.
func (s *Snapshot) loadPIM(file, where, format string, it map[string]json.RawMessage) {
	st := s.pimState()
	switch format {
	case FormatEligibility:
		var e struct {
			ID, Name, PrincipalID, PrincipalType, RoleDefinitionID, Scope, MemberType, Status string
			StartDateTime, EndDateTime, Condition, RoleEligibilityScheduleID                  string
			ExpandedProperties                                                                *struct {
				Principal      *struct{ DisplayName, Email string }
				RoleDefinition *struct{ DisplayName string }
			}
		}
		s.counts.Read(itemEligible)
		if err := decode(it, &e); err != nil || e.PrincipalID == "" || e.RoleDefinitionID == "" || e.Scope == "" {
			s.counts.Skip(itemEligible)
			s.warn(file, where, "an eligible role assignment without principalId, roleDefinitionId or scope is ignored")
			return
		}
		if end := strings.TrimSpace(e.EndDateTime); end != "" {
			t, err := time.Parse(time.RFC3339Nano, end)
			switch {
			case err != nil:
				s.warn(file, where+".endDateTime", fmt.Sprintf("eligible role assignment: endDateTime %q is not a date: the eligibility is taken as current", end))
			case t.Before(pimNow()):
				s.counts.Skip(itemEligible)
				s.warn(file, where, fmt.Sprintf("eligible role assignment of %s to %s at %s expired at %s: ignored", e.RoleDefinitionID, e.PrincipalID, e.Scope, end))
				return
			}
		}
		id := e.ID
		if id == "" {
			h := sha256.Sum256([]byte(strings.ToLower(e.PrincipalID) + "\x00" + azure.RoleKey(e.RoleDefinitionID) + "\x00" + azure.NormalizeScope(e.Scope)))
			id = strings.TrimRight(e.Scope, "/") + "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/imagewarden-" + hex.EncodeToString(h[:8])
		}
		key := strings.ToLower(id)
		if _, dup := st.eligible[key]; dup {
			// An eligibility at a management group or subscription is
			// listed again at every scope below it (atScope()).
			s.counts.Duplicate(itemEligible)
			return
		}
		sched := e.RoleEligibilityScheduleID
		if sched == "" && strings.Contains(strings.ToLower(id), "/roleeligibilityschedules/") {
			sched = id
		}
		st.eligible[key] = &eligibility{id: id, scheduleID: sched, abac: e.Condition, start: e.StartDateTime, end: e.EndDateTime}
		name := ""
		if x := e.ExpandedProperties; x != nil && x.Principal != nil {
			name = x.Principal.DisplayName
			if x.Principal.Email != "" {
				name = x.Principal.Email
			}
		}
		s.remember(e.Scope, false)
		s.assignments = append(s.assignments, azure.Assignment{ID: id, PrincipalID: strings.ToLower(e.PrincipalID), Principal: name,
			Type: e.PrincipalType, RoleID: e.RoleDefinitionID, Scope: azure.NormalizeScope(e.Scope), Condition: e.Condition})
		s.byPrincipal = nil
		s.principal(e.PrincipalID, name, e.PrincipalType)
		if x := e.ExpandedProperties; x != nil && x.RoleDefinition != nil && x.RoleDefinition.DisplayName != "" {
			s.roleNames(e.RoleDefinitionID, x.RoleDefinition.DisplayName)
		}
	case FormatRolePolicies:
		var p struct {
			Scope, RoleDefinitionID string
			EffectiveRules          []struct {
				ID, RuleType string
				Setting      *struct{ IsApprovalRequired bool }
				EnabledRules []string
				Target       *struct{ Caller, Level string }
			}
		}
		if err := decode(it, &p); err != nil || p.Scope == "" || p.RoleDefinitionID == "" {
			s.warn(file, where, "a role management policy assignment without scope or roleDefinitionId is ignored")
			return
		}
		rp := &rolePolicy{}
		for _, r := range p.EffectiveRules {
			// Activation is the end user's assignment request: the rules
			// targeted at caller EndUser, level Assignment.
			if r.Target == nil || !strings.EqualFold(r.Target.Caller, "EndUser") || !strings.EqualFold(r.Target.Level, "Assignment") {
				continue
			}
			switch strings.ToLower(r.RuleType) {
			case "rolemanagementpolicyapprovalrule":
				rp.approval = r.Setting != nil && r.Setting.IsApprovalRequired
			case "rolemanagementpolicyenablementrule":
				for _, en := range r.EnabledRules {
					switch strings.ToLower(en) {
					case "multifactorauthentication":
						rp.mfa = true
					case "justification":
						rp.justification = true
					case "ticketing":
						rp.ticket = true
					}
				}
			}
		}
		st.policies[azure.NormalizeScope(p.Scope)+"\x00"+azure.RoleKey(p.RoleDefinitionID)] = rp
	}
}

// eligibilityOf returns the eligibility an assignment comes from, or nil
// for an active assignment.
func (s *Snapshot) eligibilityOf(a *azure.Assignment) *eligibility {
	if s.pim == nil || len(s.pim.eligible) == 0 {
		return nil
	}
	return s.pim.eligible[strings.ToLower(a.ID)]
}

// policyOf is the role management policy of an eligible assignment's role
// at its scope, or nil when the inputs do not hold it.
func (s *Snapshot) policyOf(a *azure.Assignment) *rolePolicy {
	if s.pim == nil {
		return nil
	}
	return s.pim.policies[azure.NormalizeScope(a.Scope)+"\x00"+azure.RoleKey(a.RoleID)]
}

// resolvePIM sets the condition of every eligible assignment from its own
// ABAC condition and its role management policy (read in any order): an
// approval to activate is a condition. Called before the assignments are
// decided; it returns how many eligible assignments there are.
func (s *Snapshot) resolvePIM() int {
	if s.pim == nil || len(s.pim.eligible) == 0 {
		return 0
	}
	n := 0
	for i := range s.assignments {
		a := &s.assignments[i]
		e := s.eligibilityOf(a)
		if e == nil {
			continue
		}
		n++
		cond := strings.TrimSpace(e.abac)
		if p := s.policyOf(a); p != nil && p.approval {
			if cond != "" {
				cond = "(" + cond + ") AND " + approvalCondition
			} else {
				cond = approvalCondition
			}
		}
		a.Condition = cond
	}
	s.counts.Evaluated(itemEligible, n)
	return n
}

// grantOf is the grant an assignment of role gives, as reports show it.
func (s *Snapshot) grantOf(a *azure.Assignment, role *azure.Role) model.Grant {
	e := s.eligibilityOf(a)
	if e == nil {
		return model.Grant{PolicyType: "role_assignment", Policy: s.name(a.Scope), Statement: role.Name, Effect: "Allow",
			Note: "assigned to " + a.PrincipalID + " (" + a.Principal + ")"}
	}
	return model.Grant{PolicyType: PolicyTypeEligibility, Policy: s.name(a.Scope), Statement: role.Name + " (eligible)", Effect: "Allow",
		Note: s.eligibleNote(a, e)}
}

// eligibleNote says what holding an eligible assignment takes.
func (s *Snapshot) eligibleNote(a *azure.Assignment, e *eligibility) string {
	note := "eligible (PIM): activation required"
	switch p := s.policyOf(a); {
	case p == nil:
		note += ", approval not known (no role management policy for the role at this scope in the inputs)"
	default:
		var needs []string
		if p.approval {
			needs = append(needs, "approval required")
		}
		if p.mfa {
			needs = append(needs, "MFA")
		}
		if p.justification {
			needs = append(needs, "justification")
		}
		if p.ticket {
			needs = append(needs, "ticket")
		}
		if len(needs) > 0 {
			note += ", " + strings.Join(needs, ", ")
		}
	}
	if e.end != "" {
		note += ", until " + e.end
	}
	return note + "; eligible: " + a.PrincipalID + " (" + a.Principal + ")"
}
