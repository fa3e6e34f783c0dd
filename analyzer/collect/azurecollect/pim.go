package azurecollect

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
)

// PIM and workload identity federation (docs/inputs.md A11, A12): per
// subscription, the eligible role assignments (roleEligibilityScheduleInstances
// at, above and below it), the role management policy assignments at the
// scopes of those in it (what activating them takes), and the federated
// identity credentials of the user-assigned identities it lists. The
// REST items are written as the API returns them (analyze reads their
// properties), so a field the analysis does not read yet is kept.

// pimAPI is the api-version of the PIM listings; federatedAPI that of the
// federated identity credentials.
const (
	pimAPI       = "2020-10-01"
	federatedAPI = "2023-01-31"
)

// restItem is one REST item, kept as the API returned it.
type restItem = map[string]json.RawMessage

// identitySet remembers, per subscription, the user-assigned identities
// the identities step listed, for the federated credentials step.
type identitySet struct {
	mu  sync.Mutex
	ids map[string][]string // subscription -> identity resource ids
}

// listedIdentities is the collector's identity set.
func (c *collector) listedIdentities() *identitySet { return &c.listed }

// noteIdentities records the identities listed in a subscription.
func (c *collector) noteIdentities(sub string, l []identity) {
	s := c.listedIdentities()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string][]string{}
	}
	for _, m := range l {
		s.ids[sub] = append(s.ids[sub], m.ID)
	}
}

// pimSteps are the subscription's PIM and federation steps, after its
// identities.
func (c *collector) pimSteps(ctx context.Context, sub string) {
	for _, step := range []struct {
		name    string
		collect func(context.Context, string) Scope
	}{{"role-eligibility", c.eligibility}, {"federated-credentials", c.federatedCredentials}} {
		if ctx.Err() != nil {
			c.rec.Record(Scope{Name: "subscriptions/" + sub + "/" + step.name, Error: notCollected(ctx)})
			continue
		}
		c.rec.Record(step.collect(ctx, sub))
	}
}

// eligibility writes the subscription's eligible role assignments and the
// role management policy assignments at the scopes of those in it.
func (c *collector) eligibility(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/role-eligibility"}
	scope := "/subscriptions/" + sub
	// No $filter: at, above and below the subscription (atScope() would
	// leave out those on its resource groups and resources).
	u := armURL(c.raw.Endpoint(), scope+"/providers/Microsoft.Authorization/roleEligibilityScheduleInstances", "api-version", pimAPI)
	out := []restItem{}
	err := getPages(ctx, c.raw.Pipeline(), u, func(items []restItem) { out = append(out, items...) })
	if err != nil {
		s.Error = failure("roleEligibilityScheduleInstances.listForScope", scope, err)
		return s
	}
	sortByID(out)
	// The roles eligible at each scope of the subscription.
	roles := map[string]map[string]bool{}
	spelled := map[string]string{} // the scope as the first item wrote it
	for _, it := range out {
		var p struct {
			Properties struct{ Scope, RoleDefinitionID string }
		}
		b, _ := json.Marshal(it)
		if json.Unmarshal(b, &p) != nil || p.Properties.Scope == "" || !within(p.Properties.Scope, sub) {
			continue
		}
		k := strings.ToLower(strings.TrimRight(p.Properties.Scope, "/"))
		if roles[k] == nil {
			roles[k] = map[string]bool{}
			spelled[k] = strings.TrimRight(p.Properties.Scope, "/")
		}
		roles[k][roleKey(p.Properties.RoleDefinitionID)] = true
	}
	policies := []restItem{}
	for _, at := range slices.Sorted(maps.Keys(roles)) {
		pu := armURL(c.raw.Endpoint(), spelled[at]+"/providers/Microsoft.Authorization/roleManagementPolicyAssignments", "api-version", pimAPI)
		err := getPages(ctx, c.raw.Pipeline(), pu, func(items []restItem) {
			for _, it := range items {
				var p struct {
					Properties struct{ RoleDefinitionID string }
				}
				b, _ := json.Marshal(it)
				if json.Unmarshal(b, &p) == nil && roles[at][roleKey(p.Properties.RoleDefinitionID)] {
					policies = append(policies, it)
				}
			}
		})
		if err != nil {
			s.Error = failure("roleManagementPolicyAssignments.listForScope", spelled[at], err)
			return s
		}
	}
	sortByID(policies)
	dir := "subscriptions/" + sub + "/"
	for name, v := range map[string]any{"role-eligibility.json": out, "role-management-policies.json": policies} {
		if err := c.write(dir+name, v); err != nil {
			s.Error = err.Error()
			return s
		}
	}
	s.Files = []string{dir + "role-eligibility.json", dir + "role-management-policies.json"}
	return s
}

// federatedCredential is one item of az identity federated-credential list.
type federatedCredential struct {
	Audiences                []string        `json:"audiences"`
	ClaimsMatchingExpression json.RawMessage `json:"claimsMatchingExpression,omitempty"`
	ID                       string          `json:"id"`
	Issuer                   string          `json:"issuer"`
	Name                     string          `json:"name"`
	ResourceGroup            string          `json:"resourceGroup"`
	Subject                  string          `json:"subject,omitempty"`
	Type                     string          `json:"type"`
}

type restFederatedCredential struct {
	ID, Name, Type string
	Properties     *struct {
		Issuer                   string          `json:"issuer"`
		Subject                  string          `json:"subject"`
		Audiences                []string        `json:"audiences"`
		ClaimsMatchingExpression json.RawMessage `json:"claimsMatchingExpression"`
	}
}

// federatedCredentials writes the federated identity credentials of the
// identities the subscription's identities step listed.
func (c *collector) federatedCredentials(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/federated-credentials"}
	set := c.listedIdentities()
	set.mu.Lock()
	ids := append([]string(nil), set.ids[sub]...)
	set.mu.Unlock()
	sort.Strings(ids)
	out := []federatedCredential{}
	for _, id := range ids {
		u := armURL(c.raw.Endpoint(), id+"/federatedIdentityCredentials", "api-version", federatedAPI)
		var bad error
		err := getPages(ctx, c.raw.Pipeline(), u, func(items []restFederatedCredential) {
			for _, it := range items {
				if it.ID == "" || it.Properties == nil {
					bad = fmt.Errorf("federated identity credential %q without id or properties", it.ID)
					continue
				}
				out = append(out, federatedCredential{Audiences: nonNil(it.Properties.Audiences), ClaimsMatchingExpression: it.Properties.ClaimsMatchingExpression,
					ID: it.ID, Issuer: it.Properties.Issuer, Name: it.Name, ResourceGroup: resourceGroup(it.ID), Subject: it.Properties.Subject,
					Type: or(it.Type, "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials")})
			}
		})
		if err == nil {
			err = bad
		}
		if err != nil {
			s.Error = failure("federatedIdentityCredentials.list", id, err)
			return s
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].ID) < strings.ToLower(out[j].ID) })
	return c.writeScope(s, "subscriptions/"+sub+"/federated-credentials.json", out)
}

// sortByID orders REST items by their id, case-insensitively.
func sortByID(l []restItem) {
	id := func(it restItem) string {
		var s string
		json.Unmarshal(it["id"], &s)
		return strings.ToLower(s)
	}
	sort.SliceStable(l, func(i, j int) bool { return id(l[i]) < id(l[j]) })
}
