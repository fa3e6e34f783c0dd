package azurecloud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	pimSub       = "/subscriptions/33333333-cccc-4d5e-8f90-1a2b3c4d5e6f"
	pimRegistry  = pimSub + "/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/acrpim"
	pimPrincipal = "7a8b9c0d-2222-4333-8444-a55566667777"
	acrPushRole  = pimSub + "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
)

// eligibilityDoc is a roleEligibilityScheduleInstances list response
// (az rest), with one instance of AcrPush on the registry.
func eligibilityDoc(end string) string {
	props := map[string]any{
		"scope": pimRegistry, "roleDefinitionId": acrPushRole, "principalId": pimPrincipal, "principalType": "User",
		"status": "Provisioned", "startDateTime": "2026-01-01T00:00:00Z", "memberType": "Direct",
		"roleEligibilityScheduleId": pimRegistry + "/providers/Microsoft.Authorization/roleEligibilitySchedules/b1c2",
		"condition":                 nil, "conditionVersion": nil,
		"expandedProperties": map[string]any{
			"principal":      map[string]any{"id": pimPrincipal, "displayName": "Pia", "email": "pia@corp.example", "type": "User"},
			"roleDefinition": map[string]any{"id": acrPushRole, "displayName": "AcrPush", "type": "BuiltInRole"},
		},
	}
	if end != "" {
		props["endDateTime"] = end
	}
	b, _ := json.Marshal(map[string]any{"value": []map[string]any{{
		"properties": props, "name": "a1b2", "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
		"id": pimRegistry + "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/a1b2",
	}}})
	return string(b)
}

// policyDoc is a roleManagementPolicyAssignments list response for
// AcrPush on the registry.
func policyDoc(approval bool) string {
	b, _ := json.Marshal(map[string]any{"value": []map[string]any{{
		"properties": map[string]any{
			"scope": pimRegistry, "roleDefinitionId": acrPushRole,
			"policyId": pimRegistry + "/providers/Microsoft.Authorization/roleManagementPolicies/p1",
			"effectiveRules": []map[string]any{
				{"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
					"setting": map[string]any{"isApprovalRequired": approval, "approvalMode": "SingleStage"},
					"target":  map[string]any{"caller": "EndUser", "operations": []string{"All"}, "level": "Assignment"}},
				// An admin's rule: not what activation needs.
				{"id": "Approval_Admin_Eligibility", "ruleType": "RoleManagementPolicyApprovalRule",
					"setting": map[string]any{"isApprovalRequired": true},
					"target":  map[string]any{"caller": "Admin", "operations": []string{"All"}, "level": "Eligibility"}},
				{"id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule",
					"enabledRules": []string{"MultiFactorAuthentication", "Justification"},
					"target":       map[string]any{"caller": "EndUser", "operations": []string{"All"}, "level": "Assignment"}},
			},
		},
		"name": "p1_acrpush", "type": "Microsoft.Authorization/roleManagementPolicyAssignment",
		"id": pimRegistry + "/providers/Microsoft.Authorization/roleManagementPolicyAssignments/p1_acrpush",
	}}})
	return string(b)
}

const pimRegistryDoc = `[{"id": "` + pimRegistry + `", "name": "acrpim", "loginServer": "acrpim.azurecr.io", "type": "Microsoft.ContainerRegistry/registries"}]`

func loadObject(t *testing.T, s *Snapshot, file, body, want string) {
	t.Helper()
	doc := &model.Document{}
	if err := json.Unmarshal([]byte(body), &doc.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if got := s.Recognize(doc); got != want {
		t.Fatalf("%s: recognised as %q, want %q", file, got, want)
	}
	if err := s.Load(file, want, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// pushTarget is the principal's image.push target on the registry.
func pushTarget(snap *model.Snapshot) *model.Target {
	for _, f := range snap.Facts {
		if f.Principal != pimPrincipal || f.Capability != "image.push" {
			continue
		}
		for i, t := range f.Targets {
			if strings.EqualFold(t.Resource, pimRegistry) {
				return &f.Targets[i]
			}
		}
	}
	return nil
}

// TestEligibleAssignments: an eligible AcrPush on a registry makes its
// principal one who can push, marked eligible, decided like an active
// assignment (allowed) unless the role management policy requires approval
// to activate (conditional, "approval required"); without the input the
// principal cannot push; an expired eligibility does not count.
func TestEligibleAssignments(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func() time.Time) { pimNow = f }(pimNow)
	pimNow = func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name        string
		eligibility bool
		end         string
		policy      string // "", "approval", "no-approval"
		want        model.Access
		wantNote    []string
		wantWarn    string
	}{
		{name: "no eligibility input"},
		{name: "eligible, no policy in the inputs", eligibility: true, want: model.Allowed,
			wantNote: []string{"eligible (PIM): activation required", "approval not known", pimPrincipal}},
		{name: "eligible, no approval", eligibility: true, policy: "no-approval", want: model.Allowed,
			wantNote: []string{"eligible (PIM): activation required, MFA, justification"}},
		{name: "eligible, approval required", eligibility: true, policy: "approval", want: model.Conditional,
			wantNote: []string{"eligible (PIM): activation required, approval required, MFA, justification"}},
		{name: "eligible until later", eligibility: true, end: "2026-12-31T00:00:00Z", want: model.Allowed,
			wantNote: []string{"until 2026-12-31T00:00:00Z"}},
		{name: "expired", eligibility: true, end: "2026-03-01T00:00:00Z", wantWarn: "expired at 2026-03-01T00:00:00Z: ignored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			loadItems(t, s, "registries.json", pimRegistryDoc)
			if tc.policy != "" {
				loadObject(t, s, "policies.json", policyDoc(tc.policy == "approval"), FormatRolePolicies)
			}
			if tc.eligibility {
				loadObject(t, s, "eligible.json", eligibilityDoc(tc.end), FormatEligibility)
			}
			snap := s.Evaluate(cat)
			tg := pushTarget(snap)
			if tc.want == "" {
				if tg != nil {
					t.Fatalf("the principal can push: %+v", *tg)
				}
			} else {
				if tg == nil {
					t.Fatalf("the principal cannot push; facts %+v", snap.Facts)
				}
				if tg.Access != tc.want {
					t.Errorf("access %s, want %s", tg.Access, tc.want)
				}
				if len(tg.Via) != 1 || tg.Via[0].PolicyType != PolicyTypeEligibility || tg.Via[0].Statement != "AcrPush (eligible)" {
					t.Fatalf("via %+v, want one eligible AcrPush grant", tg.Via)
				}
				for _, w := range tc.wantNote {
					if !strings.Contains(tg.Via[0].Note, w) {
						t.Errorf("note %q does not say %q", tg.Via[0].Note, w)
					}
				}
				if (tc.want == model.Conditional) != (len(tg.Via[0].Conditions) == 1 && tg.Via[0].Conditions[0] == approvalCondition) {
					t.Errorf("conditions %v", tg.Via[0].Conditions)
				}
				// who-can lists the principal, marked eligible.
				ans := s.WhoCan("Microsoft.ContainerRegistry/registries/push/write", pimRegistry)
				found := false
				for _, a := range ans {
					if a.ID == pimPrincipal {
						found = true
						if a.Access != tc.want || len(a.Via) != 1 || !strings.HasSuffix(a.Via[0].Statement, "(eligible)") || !strings.Contains(a.Via[0].Note, "eligible (PIM)") {
							t.Errorf("who-can answer %+v", a)
						}
					}
				}
				if !found {
					t.Errorf("who-can does not list the eligible principal: %+v", ans)
				}
			}
			if tc.wantWarn != "" && len(warningsWith(snap.Warnings, "eligible.json: [0]", tc.wantWarn)) != 1 {
				t.Errorf("no warning %q in %+v", tc.wantWarn, snap.Warnings)
			}
			for _, c := range snap.Counts {
				if !c.Balanced() {
					t.Errorf("counts %+v do not balance", c)
				}
			}
		})
	}
}

// TestEligibleInputErrors: an eligibility without its principal, role or
// scope and a policy without scope are warnings naming the file and item;
// the other items still load, and the same instance listed twice (at a
// scope and below it) counts once.
func TestEligibleInputErrors(t *testing.T) {
	s := New()
	loadItems(t, s, "bad.json", `[{"roleEligibilityScheduleId": "x", "scope": "/subscriptions/1"}, {"roleEligibilityScheduleId": "y", "principalId": "p", "roleDefinitionId": "r", "scope": "/subscriptions/1", "endDateTime": "soon"}]`)
	loadItems(t, s, "badpolicy.json", `[{"policyId": "p", "effectiveRules": []}]`)
	loadObject(t, s, "eligible.json", eligibilityDoc(""), FormatEligibility)
	loadObject(t, s, "eligible-again.json", eligibilityDoc(""), FormatEligibility)
	for _, w := range [][]string{
		{"bad.json: [0]", "without principalId, roleDefinitionId or scope"},
		{"bad.json: [1].endDateTime", `"soon" is not a date`},
		{"badpolicy.json: [0]", "without scope or roleDefinitionId"},
	} {
		if len(warningsWith(s.warnings, w...)) != 1 {
			t.Errorf("no warning %v in %+v", w, s.warnings)
		}
	}
	if n := s.resolvePIM(); n != 2 {
		t.Errorf("%d eligible assignments, want 2 (the bad date kept, the duplicate once)", n)
	}
}

// TestEligibleRemoveQuoting: the removal of an eligibility whose scope is
// not a real scope has no command, and says which value was refused; a
// real one gets one az rest command whose arguments are the values as
// they are.
func TestEligibleRemoveQuoting(t *testing.T) {
	for _, tc := range []struct {
		scope    string
		commands int
	}{
		{pimRegistry, 1},
		{pimSub + "/resourceGroups/rg$(touch pwned)/providers/Microsoft.ContainerRegistry/registries/acr", 0},
	} {
		s := New()
		doc := strings.ReplaceAll(eligibilityDoc(""), pimRegistry, tc.scope)
		loadObject(t, s, "eligible.json", doc, FormatEligibility)
		s.resolvePIM()
		c := s.eligibleRemoveChange(&s.assignments[0], []string{"iw-1"})
		if len(c.Commands) != tc.commands {
			t.Errorf("%s: commands %q, want %d", tc.scope, c.Commands, tc.commands)
		}
		if tc.commands == 0 && !strings.Contains(strings.Join(c.Notes, "\n"), "scope") {
			t.Errorf("%s: notes %q do not name the refused scope", tc.scope, c.Notes)
		}
		if tc.commands == 1 && (len(c.Args[0]) != 8 || !strings.HasPrefix(c.Args[0][5], "https://management.azure.com"+tc.scope+"/providers/")) {
			t.Errorf("%s: args %q", tc.scope, c.Args)
		}
	}
}
