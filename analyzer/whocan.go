package analyzer

import (
	"fmt"
	"sort"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// WhoCanResult answers "who can PERMISSION [on RESOURCE]".
type WhoCanResult struct {
	Permission string          `json:"permission"`
	Resource   string          `json:"resource"`
	Principals []model.Answer  `json:"principals"`
	Inputs     []model.Source  `json:"inputs"`
	Warnings   []model.Warning `json:"warnings,omitempty"`
}

// WhoCan answers for an action ("ecr:PutImage") or a capability
// ("image.push", every catalog action of it).
func WhoCan(opts Options, permission, resource string) (*WhoCanResult, error) {
	providers, sources, cat, err := Load(opts)
	if err != nil {
		return nil, err
	}
	res := &WhoCanResult{Permission: permission, Resource: resource, Inputs: sources, Principals: []model.Answer{}}
	_, isCapability := cat.Capability(permission)
	owned := isCapability
	for _, p := range providers {
		owned = owned || p.Owns(permission)
	}
	if !owned {
		return nil, fmt.Errorf("%q is neither a capability of the catalog nor a permission of a supported cloud (ecr:PutImage, artifactregistry.repositories.uploadArtifacts, ...)", permission)
	}
	for _, p := range providers {
		p.UseCatalog(cat)
		var actions []string
		switch {
		case isCapability:
			actions = cat.ActionsOf(p.Cloud(), permission)
		case p.Owns(permission):
			actions = []string{permission}
		}
		seen := map[string]int{}
		for _, a := range actions {
			for _, ans := range p.WhoCan(a, resource) {
				if i, ok := seen[ans.ID]; ok {
					cur := &res.Principals[i]
					if cur.Access == model.Conditional && ans.Access == model.Allowed {
						*cur = ans
					}
					continue
				}
				seen[ans.ID] = len(res.Principals)
				res.Principals = append(res.Principals, ans)
			}
		}
	}
	sort.SliceStable(res.Principals, func(i, j int) bool { return res.Principals[i].ID < res.Principals[j].ID })
	return res, nil
}
