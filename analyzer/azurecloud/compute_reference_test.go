package azurecloud

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// referenceTakeoverEdges are the takeover edges as azure.Decide gives
// them: every listed resource, every principal, every way.
func (s *Snapshot) referenceTakeoverEdges() []model.Edge {
	keys := make([]string, 0, len(s.compute.resources))
	for k := range s.compute.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []model.Edge
	for _, k := range keys {
		r := s.compute.resources[k]
		runs, _ := s.runsAs(r)
		for _, p := range s.principalsToDecide() {
			id := s.identity(p.id)
			mine := s.assignmentsOf(id)
			best, bw := tri.False, -1
			for wi, w := range r.kind.ways {
				d := tri.True
				for _, o := range w.ops {
					d = d.And(s.decide(id, mine, o.op, o.data, r.norm).Allowed)
				}
				if w.login {
					d = d.And(r.entraLogin)
				}
				if w.capped {
					d = d.And(tri.Unknown)
				}
				if d == tri.True {
					best, bw = d, wi
					break
				}
				if d == tri.Unknown && best == tri.False {
					best, bw = d, wi
				}
			}
			if best == tri.False {
				continue
			}
			w := &r.kind.ways[bw]
			t, _ := s.target(s.decide(id, mine, w.ops[0].op, w.ops[0].data, r.norm), s.name(r.norm), true, false)
			var perms []string
			for _, o := range w.ops {
				perms = append(perms, o.op)
			}
			for _, to := range runs {
				if to == p.id {
					continue
				}
				out = append(out, model.Edge{From: p.id, To: to, Cloud: cloudName, Kind: "takeover", Permissions: perms, Via: t.Via,
					Conditional: best == tri.Unknown, Note: takeoverNote(r.kind, w, r, s.name(r.norm))})
			}
		}
	}
	return out
}

// addCompute writes a compute inventory into a generated tenant: a VM
// named like the tenant's VM scope (system-assigned, sometimes a
// user-assigned identity, its extensions listed or not), a scale set, an
// automation account and a web app, some subscriptions listed with no
// compute. It returns the principal ids the compute runs as, and adds the
// takeover operations to those roles are made of.
func (g *tenantGen) addCompute(rgs, userAssigned []string) []string {
	for _, o := range takeoverOps() {
		g.ops = append(g.ops, o.op)
	}
	g.ops = append(g.ops, "Microsoft.Compute/virtualMachines/*", "Microsoft.Automation/automationAccounts/*", "Microsoft.Web/sites/*")
	var runs []string
	identity := func(n int) map[string]any {
		pid := fmt.Sprintf("compute-principal-%d", n)
		runs = append(runs, pid)
		id := map[string]any{"type": "SystemAssigned", "principalId": g.spell(pid)}
		if g.r.Intn(2) == 0 && len(userAssigned) > 0 {
			id["type"] = "SystemAssigned, UserAssigned"
			ua := map[string]any{}
			// Its principal given, or left to the managed identities.
			for _, u := range g.identityResources {
				if g.r.Intn(2) == 0 {
					ua[g.spell(u)] = map[string]any{"principalId": g.pick(userAssigned), "clientId": "c"}
				} else {
					ua[g.spell(u)] = map[string]any{}
				}
			}
			id["userAssignedIdentities"] = ua
		}
		return id
	}
	var items []map[string]any
	vm := map[string]any{"id": g.spell(g.pick(rgs) + "/providers/Microsoft.Compute/virtualMachines/vm"), "name": "vm", "type": "Microsoft.Compute/virtualMachines", "identity": identity(0)}
	switch g.r.Intn(3) {
	case 0:
		vm["resources"] = []map[string]any{{"id": "x/extensions/AADSSHLoginForLinux", "name": "AADSSHLoginForLinux"}}
	case 1:
		vm["resources"] = []map[string]any{}
	}
	items = append(items, vm)
	for i, typ := range []string{"Microsoft.Compute/virtualMachineScaleSets", "Microsoft.Automation/automationAccounts", "Microsoft.Web/sites", "Microsoft.Logic/workflows"} {
		if g.r.Intn(3) > 0 {
			items = append(items, map[string]any{"id": g.spell(fmt.Sprintf("%s/providers/%s/r%d", g.pick(rgs), typ, i)), "name": fmt.Sprintf("r%d", i), "type": typ, "identity": identity(i + 1)})
		}
	}
	for _, it := range items {
		g.add(FormatCompute, it)
	}
	return runs
}

// referenceAdminComputeEdges are adminComputeEdges with azure.Decide: the
// admin holds any role at its scope, the deny assignments still apply.
func (s *Snapshot) referenceAdminComputeEdges(edges []model.Edge) []model.Edge {
	keys := make([]string, 0, len(s.compute.resources))
	for k := range s.compute.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	anyRole := map[string]*azure.Role{"any": {Permissions: []azure.Permission{{Actions: []string{"*"}, DataActions: []string{"*"}}}}}
	var out []model.Edge
	for _, admin := range model.AdminTargets(edges) {
		_, scope, principal, _ := model.ParseAdminNode(admin)
		norm := azure.NormalizeScope(scope)
		id := s.identity(principal)
		grant := []azure.Assignment{{PrincipalID: id.ID, RoleID: "any", Scope: norm}}
		for _, k := range keys {
			r := s.compute.resources[k]
			if !s.referenceWithin(r.norm, norm) {
				continue
			}
			runs, _ := s.runsAs(r)
			best, bw := tri.False, -1
			for wi, w := range r.kind.ways {
				d := tri.True
				for _, o := range w.ops {
					d = d.And(azure.Decide(&azure.Request{Identity: id, Operation: o.op, Data: o.data, Scope: r.norm, Ancestors: s.ancestors(r.norm)}, grant, anyRole, s.denies).Allowed)
				}
				if w.login {
					d = d.And(r.entraLogin)
				}
				if w.capped {
					d = d.And(tri.Unknown)
				}
				if d == tri.True {
					best, bw = d, wi
					break
				}
				if d == tri.Unknown && best == tri.False {
					best, bw = d, wi
				}
			}
			if best == tri.False {
				continue
			}
			w := &r.kind.ways[bw]
			var perms []string
			for _, o := range w.ops {
				perms = append(perms, o.op)
			}
			for _, p := range runs {
				if p == strings.ToLower(principal) || !s.referenceAssignedOutside(p, norm) {
					continue
				}
				out = append(out, model.Edge{From: admin, To: p, Cloud: cloudName, Kind: "admin-takeover", Permissions: perms,
					Conditional: best == tri.Unknown, Note: adminTakeoverNote(r.kind, w, scope, s.name(r.norm))})
			}
		}
	}
	return out
}
