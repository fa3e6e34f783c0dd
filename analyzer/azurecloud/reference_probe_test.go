package azurecloud

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// The remediation probes as they were before the index answered them
// (probe.go): azure.Decide per question over the principal's assignments
// and every deny assignment. Holds, Universe and Plan's assignments must
// give the same answers (TestProbesMatchReference).

// assignmentsFor finds the assignments behind a grant: at its scope, of
// the role it names, to the identity or one of its groups.
func (s *Snapshot) referenceAssignmentsFor(g model.Grant, id *azure.Identity) []azure.Assignment {
	scope := azure.NormalizeScope(g.Policy)
	var out []azure.Assignment
	for _, a := range s.assignmentsOf(id) {
		if azure.NormalizeScope(a.Scope) != scope {
			continue
		}
		r := s.roles[azure.RoleKey(a.RoleID)]
		if r == nil || r.Name != g.Statement {
			continue
		}
		out = append(out, a)
	}
	return out
}

func (s *Snapshot) referenceUniverse() map[string][]remediate.Permission {
	out := map[string][]remediate.Permission{}
	var catalogOps []string
	if s.cat != nil {
		for _, e := range s.cat.ForCloud(cloudName) {
			catalogOps = append(catalogOps, e.Action)
		}
	}
	for _, pr := range s.principalsToDecide() {
		id := s.identity(pr.id)
		set := map[remediate.Permission]bool{}
		for _, a := range s.assignmentsOf(id) {
			r := s.roles[azure.RoleKey(a.RoleID)]
			if r == nil {
				continue
			}
			scope := s.name(azure.NormalizeScope(a.Scope))
			for _, blk := range r.Permissions {
				for _, pat := range append(append([]string{}, blk.Actions...), blk.DataActions...) {
					if !strings.ContainsAny(pat, "*?") {
						set[remediate.Permission{Action: pat, Resource: scope}] = true
						continue
					}
					for _, op := range catalogOps {
						if azure.MatchOperation(pat, op) {
							set[remediate.Permission{Action: op, Resource: scope}] = true
						}
					}
					set[remediate.Permission{Action: strings.NewReplacer("*", otherOperation, "?", "X").Replace(pat), Resource: scope}] = true
				}
			}
		}
		if len(set) == 0 {
			continue
		}
		l := make([]remediate.Permission, 0, len(set))
		for p := range set {
			l = append(l, p)
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Resource != l[j].Resource {
				return l[i].Resource < l[j].Resource
			}
			return l[i].Action < l[j].Action
		})
		out[pr.id] = l
	}
	return out
}

// referenceHolds is the former Holds.
func (s *Snapshot) referenceHolds(principal string, perm remediate.Permission) bool {
	id := s.identity(strings.ToLower(principal))
	mine := s.assignmentsOf(id)
	scope := perm.Resource
	if scope == "" {
		scope = "/"
	}
	for _, data := range []bool{false, true} {
		if s.decide(id, mine, perm.Action, data, scope).Allowed != tri.False {
			return true
		}
	}
	return false
}

// TestProbesMatchReference compares Holds, Universe and the assignments
// Plan works from (assignmentsFor) with the former per-request code on the
// generated tenants, on fresh unevaluated snapshots as the remediation
// asks them, before and after each of a few planned changes is applied.
// The questions are the universe's, plus operations and scopes the index
// was not built for (scopes spelled otherwise, resources no input names).
func TestProbesMatchReference(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seed := int64(0); seed < 300; seed++ {
		g := newTenant(seed, cat)
		fresh := func() *Snapshot {
			s := g.snapshot(t)
			s.UseCatalog(cat)
			return s
		}
		compareProbes(t, seed, "no change", g, fresh(), fresh(), seen)
		// Findings from the facts, one per fact, and the changes Plan makes.
		var findings []*model.Finding
		for i, f := range fresh().Evaluate(cat).Facts {
			findings = append(findings, &model.Finding{ID: fmt.Sprintf("f%d", i), PrincipalID: f.Principal, Capability: f.Capability, Targets: f.Targets})
		}
		env := &remediate.Env{Catalog: cat}
		if len(findings) > 0 {
			env.Approved = []remediate.Approved{{Principal: findings[g.r.Intn(len(findings))].PrincipalID, Resources: []string{"*acr*", "*ACR1"}}}
		}
		changes := fresh().Plan(findings, env)
		for i, c := range changes {
			if i >= 3 {
				break
			}
			ref, got := fresh(), fresh()
			c.ID = fmt.Sprintf("c%d", i)
			errRef, errGot := ref.Apply(c), got.Apply(c)
			if (errRef == nil) != (errGot == nil) {
				t.Fatalf("seed %d: Apply %s: %v / %v", seed, c.Kind, errRef, errGot)
			}
			if errGot != nil {
				continue
			}
			seen["change "+c.Kind]++
			compareProbes(t, seed, "after "+c.Kind+" "+fmt.Sprint(c.Params), g, ref, got, seen)
		}
	}
	for _, k := range []string{"held", "not held", "held at an unnumbered scope", "assignments found", "change " + KindCustomRole, "change " + KindAssignmentNarrow} {
		if seen[k] == 0 {
			t.Errorf("no generated tenant has a case of %q: the comparison does not cover it", k)
		}
	}
	t.Logf("covered: %v", seen)
}

func compareProbes(t *testing.T, seed int64, when string, g *tenantGen, ref, got *Snapshot, seen map[string]int) {
	t.Helper()
	want, have := ref.referenceUniverse(), got.Universe()
	if !reflect.DeepEqual(want, have) {
		t.Fatalf("seed %d, %s: Universe differs from the reference:\n%s", seed, when, firstDifference(want, have))
	}
	var principals []string
	for _, p := range ref.principalsToDecide() {
		principals = append(principals, p.id)
	}
	for grp := range ref.members {
		principals = append(principals, grp)
	}
	sort.Strings(principals)
	principals = append(principals, "00000000-not-a-principal")
	var roleNames []string
	for _, a := range ref.assignments {
		if r := ref.roles[azure.RoleKey(a.RoleID)]; r != nil {
			roleNames = append(roleNames, r.Name)
		}
	}
	for _, p := range principals {
		perms := append([]remediate.Permission{}, want[p]...)
		for i := 0; i < 30; i++ {
			scope := g.spell(g.pick(g.scopes))
			switch g.r.Intn(4) {
			case 0:
				scope += "/providers/Microsoft.ContainerRegistry/registries/unnamed" // a resource no input names
			case 1:
				scope = ""
			}
			perms = append(perms, remediate.Permission{Action: g.pick(g.ops), Resource: scope})
		}
		asked := p
		if g.r.Intn(2) == 0 {
			asked = strings.ToUpper(p)
		}
		for _, perm := range perms {
			w, h := ref.referenceHolds(asked, perm), got.Holds(asked, perm)
			if w != h {
				t.Fatalf("seed %d, %s: Holds(%s, %v) = %v, the reference gives %v", seed, when, asked, perm, h, w)
			}
			if w {
				seen["held"]++
				if _, ok := got.compiled(nil).scopeID[azure.NormalizeScope(perm.Resource)]; !ok && perm.Resource != "" {
					seen["held at an unnumbered scope"]++
				}
			} else {
				seen["not held"]++
			}
		}
		// Plan's grants: those of the tenant's assignments, spelled
		// otherwise, and others of its roles and scopes.
		var grants []model.Grant
		for _, a := range ref.assignments {
			if r := ref.roles[azure.RoleKey(a.RoleID)]; r != nil {
				grants = append(grants, model.Grant{PolicyType: "role_assignment", Policy: g.spell(ref.name(a.Scope)), Statement: r.Name})
			}
		}
		for i := 0; i < 10 && len(roleNames) > 0; i++ {
			grants = append(grants, model.Grant{PolicyType: "role_assignment", Policy: g.spell(g.pick(g.scopes)), Statement: g.pick(roleNames)})
		}
		for _, gr := range grants {
			w, h := ref.referenceAssignmentsFor(gr, ref.identity(p)), got.assignmentsFor(gr, p)
			if !reflect.DeepEqual(w, h) {
				t.Fatalf("seed %d, %s: assignmentsFor(%v, %s) = %v, the reference gives %v", seed, when, gr, p, h, w)
			}
			if len(w) > 0 {
				seen["assignments found"]++
			}
		}
	}
}
