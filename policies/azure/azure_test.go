package azure

import (
	"testing"

	"github.com/imagewarden/imagewarden/policies/tri"
)

func TestMatchOperation(t *testing.T) {
	for _, tc := range []struct {
		p, op string
		want  bool
	}{
		{"*", "Microsoft.ContainerRegistry/registries/push/write", true},
		{"*/read", "Microsoft.Compute/images/read", true},
		{"*/read", "Microsoft.Compute/images/write", false},
		{"Microsoft.ContainerRegistry/*", "microsoft.containerregistry/registries/push/write", true},
		{"Microsoft.Compute/*/write", "Microsoft.Compute/galleries/images/versions/write", true},
		{"Microsoft.Compute/images/*", "Microsoft.Compute/galleries/images/write", false},
		{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/x/assign/action", true},
	} {
		if got := MatchOperation(tc.p, tc.op); got != tc.want {
			t.Errorf("MatchOperation(%q, %q) = %v, want %v", tc.p, tc.op, got, tc.want)
		}
	}
}

func TestRoleGrants(t *testing.T) {
	contributor := &Role{Permissions: []Permission{{Actions: []string{"*"}, NotActions: []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"}}}}
	if !contributor.Grants("Microsoft.ContainerRegistry/registries/push/write", false) {
		t.Error("Contributor grants push/write")
	}
	if contributor.Grants("Microsoft.Authorization/roleAssignments/write", false) {
		t.Error("notActions take roleAssignments/write from Contributor")
	}
	if contributor.Grants("Microsoft.ContainerRegistry/registries/repositories/content/write", true) {
		t.Error("actions do not grant data actions")
	}
	twoBlocks := &Role{Permissions: []Permission{{Actions: []string{"*"}, NotActions: []string{"Microsoft.Compute/*"}}, {Actions: []string{"Microsoft.Compute/images/write"}}}}
	if !twoBlocks.Grants("Microsoft.Compute/images/write", false) {
		t.Error("notActions of one block do not remove what another block grants")
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		scope, anc string
		want       bool
	}{
		{"/subscriptions/S1/resourceGroups/RG", "/subscriptions/s1", true},
		{"/subscriptions/S1/resourceGroups/RG", "/", true},
		{"/subscriptions/S10", "/subscriptions/S1", false},
		{"/subscriptions/s1/", "/SUBSCRIPTIONS/S1", true},
	} {
		if got := Within(tc.scope, tc.anc); got != tc.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tc.scope, tc.anc, got, tc.want)
		}
	}
}

func TestDecide(t *testing.T) {
	roles := map[string]*Role{
		"r-push": {Name: "AcrPush", Permissions: []Permission{{Actions: []string{"Microsoft.ContainerRegistry/registries/push/write", "Microsoft.ContainerRegistry/registries/pull/read"}}}},
	}
	reg := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r1"
	op := "Microsoft.ContainerRegistry/registries/push/write"
	alice := &Identity{ID: "alice", Groups: map[string]bool{"devs": true}}
	lead := &Identity{ID: "lead", Groups: map[string]bool{"devs": true}}
	deny := DenyAssignment{Scope: "/subscriptions/s1", Principals: []string{Everyone}, ExcludePrincipals: []string{"lead"},
		Permissions: []Permission{{Actions: []string{"Microsoft.ContainerRegistry/registries/push/write"}}}}
	for _, tc := range []struct {
		name   string
		id     *Identity
		as     []Assignment
		denies []DenyAssignment
		want   tri.Tri
	}{
		{"inherited from the subscription through a group", alice, []Assignment{{PrincipalID: "devs", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/R-PUSH", Scope: "/subscriptions/S1"}}, nil, tri.True},
		{"assignment on another registry", alice, []Assignment{{PrincipalID: "alice", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/R-PUSH", Scope: reg + "2"}}, nil, tri.False},
		{"conditional assignment", alice, []Assignment{{PrincipalID: "alice", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/R-PUSH", Scope: reg, Condition: "@Resource[x] StringEquals 'y'"}}, nil, tri.Unknown},
		{"deny assignment to everyone", alice, []Assignment{{PrincipalID: "devs", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/R-PUSH", Scope: "/"}}, []DenyAssignment{deny}, tri.False},
		{"deny assignment exclusion", lead, []Assignment{{PrincipalID: "devs", RoleID: "/providers/Microsoft.Authorization/roleDefinitions/R-PUSH", Scope: "/"}}, []DenyAssignment{deny}, tri.True},
		{"unknown role grants nothing", alice, []Assignment{{PrincipalID: "alice", RoleID: "r-unknown", Scope: "/"}}, nil, tri.False},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Decide(&Request{Identity: tc.id, Operation: op, Scope: reg}, tc.as, roles, tc.denies)
			if r.Allowed != tc.want {
				t.Errorf("got %v, want %v", r.Allowed, tc.want)
			}
		})
	}
}

func TestManagementGroupInheritance(t *testing.T) {
	roles := map[string]*Role{"push": {Permissions: []Permission{{Actions: []string{"Microsoft.ContainerRegistry/registries/push/write"}}}}}
	reg := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r1"
	as := []Assignment{{PrincipalID: "alice", RoleID: "push", Scope: "/providers/Microsoft.Management/managementGroups/mg-platform"}}
	req := &Request{Identity: &Identity{ID: "alice"}, Operation: "Microsoft.ContainerRegistry/registries/push/write", Scope: reg}
	if r := Decide(req, as, roles, nil); r.Allowed != tri.False {
		t.Error("without the hierarchy a management group does not reach the subscription")
	}
	req.Ancestors = append(PathAncestors(reg), "/providers/Microsoft.Management/managementGroups/MG-PLATFORM")
	if r := Decide(req, as, roles, nil); r.Allowed != tri.True {
		t.Error("an assignment on a management group above the subscription reaches the registry")
	}
	if got := PathAncestors("/subscriptions/S1/resourceGroups/RG"); len(got) != 3 || got[1] != "/subscriptions/s1" || got[2] != "/subscriptions/s1/resourcegroups/rg" {
		t.Errorf("PathAncestors: %q", got)
	}
}
