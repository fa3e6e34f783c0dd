package azurecollect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
)

// registriesAPI is the api-version of the registry listing.
// armcontainerregistry v1.2.0's model (api 2023-07-01) has no
// roleAssignmentMode, and the analysis needs it: in ABAC mode AcrPush and
// AcrPull grant nothing and the repository data actions decide pushes.
// 2025-11-01 is the first GA version that returns it (the previews since
// 2024-11-01-preview did; GA 2025-04-01 does not), so registries are read
// through the ARM pipeline rather than the SDK's client.
const registriesAPI = "2025-11-01"

// subscription collects one subscription: its RBAC, then its registries,
// galleries and user-assigned identities, each recorded as its own scope.
func (c *collector) subscription(ctx context.Context, sub string) {
	s, stop := c.subscriptionRBAC(ctx, sub)
	c.rec.Record(s)
	if stop {
		return // the caller cannot read the subscription: the rest would fail the same way
	}
	for _, step := range []struct {
		name    string
		collect func(context.Context, string) Scope
	}{{"registries", c.registries}, {"galleries", c.galleries}, {"managed-identities", c.identities}, {"compute", c.compute}} {
		if ctx.Err() != nil {
			c.rec.Record(Scope{Name: "subscriptions/" + sub + "/" + step.name, Error: notCollected(ctx)})
			continue
		}
		c.rec.Record(step.collect(ctx, sub))
	}
	c.pimSteps(ctx, sub)
}

// registry is one item of `az acr list` (A6).
type registry struct {
	AdminUserEnabled     bool              `json:"adminUserEnabled"`
	AnonymousPullEnabled bool              `json:"anonymousPullEnabled"`
	ID                   string            `json:"id"`
	Location             string            `json:"location"`
	LoginServer          string            `json:"loginServer"`
	Name                 string            `json:"name"`
	PublicNetworkAccess  string            `json:"publicNetworkAccess,omitempty"`
	ResourceGroup        string            `json:"resourceGroup"`
	RoleAssignmentMode   string            `json:"roleAssignmentMode,omitempty"`
	SKU                  *sku              `json:"sku,omitempty"`
	Tags                 map[string]string `json:"tags"`
	Type                 string            `json:"type"`
}

type sku struct {
	Name string `json:"name"`
	Tier string `json:"tier,omitempty"`
}

type restRegistry struct {
	ID, Name, Location, Type string
	Tags                     map[string]string
	SKU                      *sku `json:"sku"`
	Properties               *struct {
		AdminUserEnabled     bool   `json:"adminUserEnabled"`
		AnonymousPullEnabled bool   `json:"anonymousPullEnabled"`
		LoginServer          string `json:"loginServer"`
		PublicNetworkAccess  string `json:"publicNetworkAccess"`
		RoleAssignmentMode   string `json:"roleAssignmentMode"`
	}
}

func (c *collector) registries(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/registries"}
	scope := "/subscriptions/" + sub
	u := armURL(c.raw.Endpoint(), scope+"/providers/Microsoft.ContainerRegistry/registries", "api-version", registriesAPI)
	out := []registry{}
	var bad error
	err := getPages(ctx, c.raw.Pipeline(), u, func(items []restRegistry) {
		for _, r := range items {
			if r.ID == "" || r.Properties == nil {
				bad = fmt.Errorf("registry %q without id or properties", r.ID)
				continue
			}
			out = append(out, registry{AdminUserEnabled: r.Properties.AdminUserEnabled, AnonymousPullEnabled: r.Properties.AnonymousPullEnabled,
				ID: r.ID, Location: r.Location, LoginServer: r.Properties.LoginServer, Name: r.Name, PublicNetworkAccess: r.Properties.PublicNetworkAccess,
				ResourceGroup: resourceGroup(r.ID), RoleAssignmentMode: r.Properties.RoleAssignmentMode, SKU: r.SKU, Tags: nonNilMap(r.Tags),
				Type: or(r.Type, "Microsoft.ContainerRegistry/registries")})
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		s.Error = failure("registries.list", scope, err)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].ID) < strings.ToLower(out[j].ID) })
	return c.writeScope(s, "subscriptions/"+sub+"/registries.json", out)
}

// gallery is one item of `az sig list`. analyze has no gallery format
// yet; the file is written so that the snapshot holds the galleries (and
// their sharing: a community gallery is public) for when it has.
type gallery struct {
	Description       *string           `json:"description"`
	ID                string            `json:"id"`
	Identifier        *galleryID        `json:"identifier"`
	Location          string            `json:"location"`
	Name              string            `json:"name"`
	ProvisioningState string            `json:"provisioningState,omitempty"`
	ResourceGroup     string            `json:"resourceGroup"`
	SharingProfile    *sharingProfile   `json:"sharingProfile"`
	Tags              map[string]string `json:"tags"`
	Type              string            `json:"type"`
}

type galleryID struct {
	UniqueName string `json:"uniqueName"`
}

type sharingProfile struct {
	Groups      []sharingGroup `json:"groups"`
	Permissions string         `json:"permissions,omitempty"`
}

type sharingGroup struct {
	IDs  []string `json:"ids"`
	Type string   `json:"type"`
}

func (c *collector) galleries(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/galleries"}
	scope := "/subscriptions/" + sub
	client, err := armcompute.NewGalleriesClient(sub, c.o.Credential, c.armOpts)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	out := []gallery{}
	pager := client.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			s.Error = failure("galleries.list", scope, err)
			return s
		}
		for _, g := range page.Value {
			if g == nil || str(g.ID) == "" {
				s.Error = fmt.Sprintf("%s at %s: a gallery without id", permissionOf("galleries.list"), scope)
				return s
			}
			out = append(out, galleryJSON(g))
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].ID) < strings.ToLower(out[j].ID) })
	return c.writeScope(s, "subscriptions/"+sub+"/galleries.json", out)
}

func galleryJSON(g *armcompute.Gallery) gallery {
	out := gallery{ID: str(g.ID), Location: str(g.Location), Name: str(g.Name), ResourceGroup: resourceGroup(str(g.ID)), Tags: tagMap(g.Tags), Type: str(g.Type)}
	p := g.Properties
	if p == nil {
		return out
	}
	out.Description = p.Description
	if p.Identifier != nil {
		out.Identifier = &galleryID{UniqueName: str(p.Identifier.UniqueName)}
	}
	if p.ProvisioningState != nil {
		out.ProvisioningState = string(*p.ProvisioningState)
	}
	if sp := p.SharingProfile; sp != nil {
		out.SharingProfile = &sharingProfile{Groups: []sharingGroup{}}
		if sp.Permissions != nil {
			out.SharingProfile.Permissions = string(*sp.Permissions)
		}
		for _, gr := range sp.Groups {
			if gr == nil {
				continue
			}
			sg := sharingGroup{IDs: strs(gr.IDs)}
			if gr.Type != nil {
				sg.Type = string(*gr.Type)
			}
			out.SharingProfile.Groups = append(out.SharingProfile.Groups, sg)
		}
	}
	return out
}

// identity is one item of `az identity list` (A7).
type identity struct {
	ClientID      string            `json:"clientId"`
	ID            string            `json:"id"`
	Location      string            `json:"location"`
	Name          string            `json:"name"`
	PrincipalID   string            `json:"principalId"`
	ResourceGroup string            `json:"resourceGroup"`
	Tags          map[string]string `json:"tags"`
	TenantID      string            `json:"tenantId"`
	Type          string            `json:"type"`
}

func (c *collector) identities(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/managed-identities"}
	scope := "/subscriptions/" + sub
	client, err := armmsi.NewUserAssignedIdentitiesClient(sub, c.o.Credential, c.armOpts)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	out := []identity{}
	pager := client.NewListBySubscriptionPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			s.Error = failure("userAssignedIdentities.listBySubscription", scope, err)
			return s
		}
		for _, m := range page.Value {
			if m == nil || str(m.ID) == "" || m.Properties == nil {
				s.Error = fmt.Sprintf("%s at %s: an identity without id or properties", permissionOf("userAssignedIdentities.listBySubscription"), scope)
				return s
			}
			out = append(out, identity{ClientID: str(m.Properties.ClientID), ID: str(m.ID), Location: str(m.Location), Name: str(m.Name),
				PrincipalID: str(m.Properties.PrincipalID), ResourceGroup: resourceGroup(str(m.ID)), Tags: tagMap(m.Tags),
				TenantID: str(m.Properties.TenantID), Type: or(str(m.Type), "Microsoft.ManagedIdentity/userAssignedIdentities")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].ID) < strings.ToLower(out[j].ID) })
	c.noteIdentities(sub, out)
	return c.writeScope(s, "subscriptions/"+sub+"/managed-identities.json", out)
}

// writeScope writes a scope's one file and records it.
func (c *collector) writeScope(s Scope, rel string, v any) Scope {
	if err := c.write(rel, v); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{rel}
	return s
}

// resourceGroup is the resource group named in a resource id, as `az`
// prints it beside the id.
func resourceGroup(id string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}

func tagMap(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
