package azure

import (
	"fmt"
	"testing"
)

// BenchmarkDecide: one principal with 40 assignments across
// subscriptions, management groups and registries, and 10 deny
// assignments, deciding a push on one registry: the shape of a decision
// in the synthetic tenant of analyzer's BenchmarkAnalyzeAzureTenant.
func BenchmarkDecide(b *testing.B) {
	id := &Identity{ID: "p1", Groups: map[string]bool{"g1": true}}
	var as []Assignment
	for i := range 40 {
		scope := fmt.Sprintf("/subscriptions/%08d-0000-0000-0000-000000000000/resourcegroups/rg-%d/providers/microsoft.containerregistry/registries/acr%d", i, i, i)
		if i%4 == 0 {
			scope = fmt.Sprintf("/providers/microsoft.management/managementgroups/mg-%d", i)
		}
		as = append(as, Assignment{PrincipalID: "p1", RoleID: "acrpush", Scope: scope})
	}
	var ds []DenyAssignment
	for i := range 10 {
		ds = append(ds, DenyAssignment{Scope: fmt.Sprintf("/subscriptions/%08d-0000-0000-0000-000000000000", i), Principals: []string{Everyone},
			Permissions: []Permission{{Actions: []string{"Microsoft.ContainerRegistry/registries/delete"}}}, DoNotApplyToChildScopes: i%2 == 0})
	}
	roles := map[string]*Role{"acrpush": {Permissions: []Permission{{Actions: []string{"Microsoft.ContainerRegistry/registries/push/write"}}}}}
	scope := "/subscriptions/00000001-0000-0000-0000-000000000000/resourcegroups/rg-1/providers/microsoft.containerregistry/registries/acr1"
	req := &Request{Identity: id, Operation: "Microsoft.ContainerRegistry/registries/push/write", Scope: scope,
		Ancestors: append(PathAncestors(scope), "/providers/microsoft.management/managementgroups/mg-0")}
	b.ReportAllocs()
	for b.Loop() {
		if r := Decide(req, as, roles, ds); r.Allowed.String() == "" {
			b.Fatal("no decision")
		}
	}
}
