package gcpcollect

import (
	"context"
	"sort"

	iam "google.golang.org/api/iam/v1"
)

// Workload identity federation (docs/inputs.md G12): each project's
// workload identity pools and their providers, as `gcloud iam
// workload-identity-pools list` and `... providers list` print them,
// deleted ones included (analyze reads their state). Collected with
// Options.Federation.

// wifPoolJSON is a pool as gcloud prints it.
type wifPoolJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
	State       string `json:"state,omitempty"`
	Disabled    bool   `json:"disabled"`
	Mode        string `json:"mode,omitempty"`
	ExpireTime  string `json:"expireTime,omitempty"`
}

// wifProviderJSON is a provider as gcloud prints it: the OIDC settings
// analyze reads, and the kind of the other providers.
type wifProviderJSON struct {
	Name               string            `json:"name"`
	DisplayName        string            `json:"displayName,omitempty"`
	Description        string            `json:"description,omitempty"`
	State              string            `json:"state,omitempty"`
	Disabled           bool              `json:"disabled"`
	AttributeMapping   map[string]string `json:"attributeMapping,omitempty"`
	AttributeCondition string            `json:"attributeCondition,omitempty"`
	OIDC               *wifOIDC          `json:"oidc,omitempty"`
	AWS                *wifAWS           `json:"aws,omitempty"`
	SAML               *struct{}         `json:"saml,omitempty"`
	X509               *struct{}         `json:"x509,omitempty"`
	ExpireTime         string            `json:"expireTime,omitempty"`
}

type wifOIDC struct {
	IssuerURI        string   `json:"issuerUri"`
	AllowedAudiences []string `json:"allowedAudiences,omitempty"`
}

type wifAWS struct {
	AccountID string `json:"accountId"`
}

// workloadIdentity writes projects/ID/wif-pools.json and
// projects/ID/wif-providers.json.
func (r *run) workloadIdentity(ctx context.Context, id string) Scope {
	s := Scope{Name: "projects/" + id + "/workload-identity-pools"}
	parent := "projects/" + id + "/locations/global"
	pools := []wifPoolJSON{}
	err := r.c.iam.Projects.Locations.WorkloadIdentityPools.List(parent).ShowDeleted(true).Context(ctx).Pages(ctx, func(resp *iam.ListWorkloadIdentityPoolsResponse) error {
		for _, p := range resp.WorkloadIdentityPools {
			if p == nil || p.Name == "" {
				continue
			}
			pools = append(pools, wifPoolJSON{Name: p.Name, DisplayName: p.DisplayName, Description: p.Description, State: p.State,
				Disabled: p.Disabled, Mode: p.Mode, ExpireTime: p.ExpireTime})
		}
		return nil
	})
	if err != nil {
		s.Error = failed("iam.projects.locations.workloadIdentityPools.list", parent, err)
		return s
	}
	sort.Slice(pools, func(i, j int) bool { return pools[i].Name < pools[j].Name })
	providers := []wifProviderJSON{}
	for _, pool := range pools {
		err := r.c.iam.Projects.Locations.WorkloadIdentityPools.Providers.List(pool.Name).ShowDeleted(true).Context(ctx).Pages(ctx, func(resp *iam.ListWorkloadIdentityPoolProvidersResponse) error {
			for _, p := range resp.WorkloadIdentityPoolProviders {
				if p == nil || p.Name == "" {
					continue
				}
				pj := wifProviderJSON{Name: p.Name, DisplayName: p.DisplayName, Description: p.Description, State: p.State, Disabled: p.Disabled,
					AttributeMapping: p.AttributeMapping, AttributeCondition: p.AttributeCondition, ExpireTime: p.ExpireTime}
				if p.Oidc != nil {
					pj.OIDC = &wifOIDC{IssuerURI: p.Oidc.IssuerUri, AllowedAudiences: sortedOrNil(p.Oidc.AllowedAudiences)}
				}
				if p.Aws != nil {
					pj.AWS = &wifAWS{AccountID: p.Aws.AccountId}
				}
				if p.Saml != nil {
					pj.SAML = &struct{}{}
				}
				if p.X509 != nil {
					pj.X509 = &struct{}{}
				}
				providers = append(providers, pj)
			}
			return nil
		})
		if err != nil {
			s.Error = failed("iam.projects.locations.workloadIdentityPools.providers.list", pool.Name, err)
			return s
		}
	}
	sort.Slice(providers, func(i, j int) bool { return providers[i].Name < providers[j].Name })
	if s = r.writeScope(s, "projects/"+id+"/wif-pools.json", pools); s.Error != "" {
		return s
	}
	return r.writeScope(s, "projects/"+id+"/wif-providers.json", providers)
}
