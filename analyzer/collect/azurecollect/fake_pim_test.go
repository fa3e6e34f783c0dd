package azurecollect

import (
	"net/http"
	"strings"
)

// The fake's PIM and federation data (docs/inputs.md A11, A12), in the
// REST shapes: dave is eligible for AcrPush on acrshop (its policy
// requires approval; the Reader policy beside it is not one of an eligible
// role and is left out) and for Reader on mg-platform, which both
// subscriptions list; id-builder has a flexible credential open to every
// repository of one GitHub organization and an exact one.
const (
	dave   = "3c4d5e6f-7777-4888-8999-aaabbbcccddd"
	acrEli = acrGolden + "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/5b6c7d8e-0000-4000-8000-000000000001"
	mgEli  = mgPlatform + "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/5b6c7d8e-0000-4000-8000-000000000002"
)

func eligibleInstance(id, scope, role string) any {
	roleID := "/subscriptions/" + subPlatform + "/providers/Microsoft.Authorization/roleDefinitions/" + role
	return map[string]any{"id": id, "name": id[strings.LastIndexByte(id, '/')+1:], "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
		"properties": map[string]any{"scope": scope, "roleDefinitionId": roleID, "principalId": dave, "principalType": "User",
			"roleEligibilityScheduleId": scope + "/providers/Microsoft.Authorization/roleEligibilitySchedules/s-" + role[:8],
			"status":                    "Provisioned", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": nil, "memberType": "Direct",
			"createdOn": "2026-01-01T00:00:00Z", "condition": nil, "conditionVersion": nil,
			"expandedProperties": map[string]any{
				"principal":      map[string]any{"id": dave, "displayName": "Dave Holm", "email": "dave@northwind.example", "type": "User"},
				"roleDefinition": map[string]any{"id": roleID, "displayName": map[string]string{roleAcrPush: "AcrPush", roleReader: "Reader"}[role], "type": "BuiltInRole"},
				"scope":          map[string]any{"id": scope, "displayName": scope[strings.LastIndexByte(scope, '/')+1:], "type": "resource"},
			}}}
}

func policyAssignment(scope, role string, approval bool) any {
	return map[string]any{"id": scope + "/providers/Microsoft.Authorization/roleManagementPolicyAssignments/p_" + role,
		"name": "p_" + role, "type": "Microsoft.Authorization/roleManagementPolicyAssignment",
		"properties": map[string]any{"scope": scope, "roleDefinitionId": scope + "/providers/Microsoft.Authorization/roleDefinitions/" + role,
			"policyId": scope + "/providers/Microsoft.Authorization/roleManagementPolicies/p-" + role[:8],
			"effectiveRules": []any{
				map[string]any{"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
					"setting": map[string]any{"isApprovalRequired": approval, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true, "approvalMode": "SingleStage", "approvalStages": []any{}},
					"target":  map[string]any{"caller": "EndUser", "operations": []string{"All"}, "level": "Assignment"}},
				map[string]any{"id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule",
					"enabledRules": []string{"MultiFactorAuthentication", "Justification"},
					"target":       map[string]any{"caller": "EndUser", "operations": []string{"All"}, "level": "Assignment"}},
			}}}
}

// pimList answers the PIM listings of a scope.
func pimList(w http.ResponseWriter, r *http.Request, base, scope, resource string) int {
	if v := r.URL.Query().Get("api-version"); v != pimAPI {
		return apiError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '"+v+"' is invalid.")
	}
	items := []any{}
	switch {
	case strings.HasSuffix(resource, "roleEligibilityScheduleInstances"):
		// At, above and below the subscription.
		items = append(items, eligibleInstance(mgEli, mgPlatform, roleReader))
		if scope == "/subscriptions/"+subPlatform {
			items = append(items, eligibleInstance(acrEli, acrGolden, roleAcrPush))
		}
	case scope == acrGolden:
		items = append(items, policyAssignment(acrGolden, roleAcrPush, true), policyAssignment(acrGolden, roleReader, false))
	}
	return list(w, r, base, items, 1)
}

// federatedList answers the federated identity credentials of an identity.
func federatedList(w http.ResponseWriter, r *http.Request, base, identity string) int {
	if v := r.URL.Query().Get("api-version"); v != federatedAPI {
		return apiError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '"+v+"' is invalid.")
	}
	if identity != idBuilder {
		return apiError(w, http.StatusNotFound, "ResourceNotFound", "The Resource '"+identity+"' was not found.")
	}
	cred := func(name string, props map[string]any) any {
		props["issuer"] = "https://token.actions.githubusercontent.com"
		props["audiences"] = []string{"api://AzureADTokenExchange"}
		return map[string]any{"id": idBuilder + "/federatedIdentityCredentials/" + name, "name": name,
			"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials", "properties": props}
	}
	return list(w, r, base, []any{
		cred("github-main", map[string]any{"subject": "repo:northwind/images:ref:refs/heads/main"}),
		cred("github-org", map[string]any{"claimsMatchingExpression": map[string]any{"value": "claims['sub'] matches 'repo:northwind/*'", "languageVersion": 1}}),
	}, 1)
}
