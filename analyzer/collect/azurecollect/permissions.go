package azurecollect

import "fmt"

// calls is every request the collector sends, named by its operation,
// with the permission it needs: an Azure RBAC action on the scope it
// names, or, for Microsoft Graph, a Graph permission. It is the one list
// of what the collector may do: the manifest names the permission a failed
// call needed, the test fake answers these operations and no other, and
// the docs test checks that the role in docs/collect-azure.md grants
// exactly these actions.
var calls = []struct {
	op         string
	permission string
	graph      bool // a Microsoft Graph permission, not an RBAC action
}{
	{"subscriptions.list", "Microsoft.Resources/subscriptions/read", false},
	{"managementGroups.get", "Microsoft.Management/managementGroups/read", false},
	{"managementGroups.list", "Microsoft.Management/managementGroups/read", false},
	{"managementGroups.getDescendants", "Microsoft.Management/managementGroups/descendants/read", false},
	{"roleAssignments.listForScope", "Microsoft.Authorization/roleAssignments/read", false},
	{"roleDefinitions.list", "Microsoft.Authorization/roleDefinitions/read", false},
	{"denyAssignments.listForScope", "Microsoft.Authorization/denyAssignments/read", false},
	{"registries.list", "Microsoft.ContainerRegistry/registries/read", false},
	{"galleries.list", "Microsoft.Compute/galleries/read", false},
	{"userAssignedIdentities.listBySubscription", "Microsoft.ManagedIdentity/userAssignedIdentities/read", false},
	{"roleEligibilityScheduleInstances.listForScope", "Microsoft.Authorization/roleEligibilityScheduleInstances/read", false},
	{"roleManagementPolicyAssignments.listForScope", "Microsoft.Authorization/roleManagementPolicyAssignments/read", false},
	{"federatedIdentityCredentials.list", "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read", false},
	{"virtualMachines.listAll", "Microsoft.Compute/virtualMachines/read", false},
	{"virtualMachineScaleSets.listAll", "Microsoft.Compute/virtualMachineScaleSets/read", false},
	{"automationAccounts.list", "Microsoft.Automation/automationAccounts/read", false},
	{"webApps.list", "Microsoft.Web/sites/read", false},
	{"containerApps.listBySubscription", "Microsoft.App/containerApps/read", false},
	{"containerGroups.list", "Microsoft.ContainerInstance/containerGroups/read", false},
	{"workflows.listBySubscription", "Microsoft.Logic/workflows/read", false},
	{"graph.groups.get", "GroupMember.Read.All", true},
	{"graph.groups.listMembers", "GroupMember.Read.All", true},
}

// permissionOf is the permission an operation needs (TestCallsInTable
// checks that every operation the collector names is in calls).
func permissionOf(op string) string {
	for _, c := range calls {
		if c.op == op {
			return c.permission
		}
	}
	return op
}

// roleActions are the RBAC actions of the collector's role, once each.
func roleActions() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range calls {
		if !c.graph && !seen[c.permission] {
			seen[c.permission] = true
			out = append(out, c.permission)
		}
	}
	return out
}

// failure names the permission a failed call needed and the scope, so
// the manifest says what to grant where.
func failure(op, scope string, err error) string {
	return fmt.Sprintf("%s at %s: %s", permissionOf(op), scope, errText(err))
}
