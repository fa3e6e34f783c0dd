package analyzer

import (
	"fmt"
	"sort"
	"strings"

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
	for _, p := range providers {
		p.UseCatalog(cat)
		var actions []string
		if _, ok := cat.Capability(permission); ok {
			actions = cat.ActionsOf(p.Cloud(), permission)
		} else if strings.Contains(permission, ":") {
			actions = []string{permission}
		} else {
			return nil, fmt.Errorf("%q is neither an action (service:Action) nor a capability of the catalog", permission)
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
