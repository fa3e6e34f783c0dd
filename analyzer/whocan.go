package analyzer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// WhoCanResult answers "who can PERMISSION [on RESOURCE]" (analyzer/result).
type WhoCanResult = result.WhoCanResult

// WhoCan answers for an action ("ecr:PutImage") or a capability
// ("image.push", every catalog action of it).
func WhoCan(opts Options, permission, resource string) (*WhoCanResult, error) {
	// No context here yet: who-can is stopped by the CLI's signal
	// watchdog (cmd/imagewarden/signals.go), not by cancellation.
	providers, sources, cat, err := Load(context.TODO(), opts)
	if err != nil {
		return nil, err
	}
	if err := RequireUsable(opts.Paths, sources); err != nil {
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
	for _, p := range providers {
		if !(isCapability || p.Owns(permission)) || (resource != "" && cloudOfResource(resource) != p.Cloud()) {
			continue
		}
		var direct []model.Answer
		for _, a := range res.Principals {
			if a.Cloud == p.Cloud() {
				direct = append(direct, a)
			}
		}
		for _, a := range actionsFor(cat, p, permission, isCapability) {
			res.Principals = append(res.Principals, transitiveAnswers(p, direct, a, resource, opts.MaxDepth)...)
		}
	}
	res.Principals = dedupeAnswers(res.Principals)
	sort.SliceStable(res.Principals, func(i, j int) bool { return res.Principals[i].ID < res.Principals[j].ID })
	return res, nil
}

// transitiveAnswers are the principals that can act, through a chain, as
// one of the direct answers or as an admin node.
func transitiveAnswers(p Provider, direct []model.Answer, action, resource string, maxDepth int) []model.Answer {
	edges := p.Edges()
	holders := map[string]bool{}
	for _, a := range direct {
		holders[a.ID] = true
	}
	for _, e := range edges {
		if graph.IsAdmin(e.To) && p.AdminHolds(e.To, action, resource) != "" {
			holders[e.To] = true
		}
	}
	// The grants of another account that admit an admin node to the
	// resource: the account-crossing step of such a chain.
	via, _ := p.(interface {
		AdminVia(admin, action, resource string) []model.Grant
	})
	// The resource each direct answer holds the action on: where a chain
	// that ends on that principal ends.
	heldOn := map[string]string{}
	for _, a := range direct {
		heldOn[a.ID] = a.Resource
	}
	kinds, _ := p.(principalKinder)
	var out []model.Answer
	for from, steps := range graph.New(edges).ToHolders(holders, maxDepth) {
		if holders[from] || model.IsVirtual(from) {
			continue
		}
		end := steps[len(steps)-1].To
		a := model.Answer{ID: from, Cloud: steps[0].Cloud, Kind: principalKind(kinds, from), Access: model.Allowed, Resource: resource, Path: steps, Via: steps[0].Via, Transitive: true}
		if kinds != nil {
			if _, name, ok := kinds.PrincipalKind(from); ok && name != from {
				a.Name = name
			}
		}
		if resource != "" {
			if via != nil && graph.IsAdmin(end) {
				a.Via = append(append([]model.Grant{}, a.Via...), via.AdminVia(end, action, resource)...)
			}
		} else {
			a.Resource = chainResource(end, heldOn)
		}
		for _, s := range steps {
			if s.Conditional || s.Assumed {
				a.Access = model.Conditional
			}
		}
		out = append(out, a)
	}
	return out
}

// principalKinder is implemented by the providers that can tell the kind
// of one of their principals (user, role, serviceAccount, User,
// ServicePrincipal, ...), which a transitive answer reports like a direct one.
type principalKinder interface {
	PrincipalKind(id string) (kind, name string, ok bool)
}

// principalKind is the kind of a principal a chain starts from: the
// provider's word for it, "federated" for an identity provider, else
// "principal". Never the kind of the chain.
func principalKind(k principalKinder, id string) string {
	if k != nil {
		if kind, _, ok := k.PrincipalKind(id); ok && kind != "" {
			return kind
		}
	}
	if strings.HasPrefix(id, model.FederatedPrefix) {
		return "federated"
	}
	return "principal"
}

// chainResource is the resource a chain ending on node end gives access to,
// when no resource was asked about: the resource the principal it ends on
// holds the action on, or the scope an admin node administers (a GCP
// project, folder or organization by its full name, an AWS account as its
// root ARN, an Azure scope). Never a node of the graph.
func chainResource(end string, heldOn map[string]string) string {
	if r, ok := heldOn[end]; ok {
		return r
	}
	if cloud, scope, _, ok := model.ParseAdminNode(end); ok {
		switch {
		case cloud == "gcp" && !strings.HasPrefix(scope, "//"):
			return "//cloudresourcemanager.googleapis.com/" + scope
		case cloud == "aws" && isAccountID(scope):
			return "arn:aws:iam::" + scope + ":root"
		}
		return scope
	}
	if model.IsVirtual(end) {
		return "*"
	}
	return end
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// actionsFor lists the actions of a permission for a provider: its own
// action, or the capability's actions in that cloud.
func actionsFor(cat *catalog.Catalog, p Provider, permission string, isCapability bool) []string {
	if isCapability {
		return cat.ActionsOf(p.Cloud(), permission)
	}
	return []string{permission}
}

// cloudOfResource tells the cloud of a resource name by its form.
func cloudOfResource(r string) string {
	switch {
	case strings.HasPrefix(r, "arn:"):
		return "aws"
	case strings.HasPrefix(r, "//"):
		return "gcp"
	case strings.HasPrefix(strings.ToLower(r), "/subscriptions/"), strings.HasPrefix(strings.ToLower(r), "/providers/"):
		return "azure"
	}
	return ""
}

// dedupeAnswers keeps one answer per principal: a direct one over a
// transitive one, allowed over conditional, the shorter chain.
func dedupeAnswers(in []model.Answer) []model.Answer {
	idx := map[string]int{}
	var out []model.Answer
	better := func(a, b model.Answer) bool {
		if (len(a.Path) == 0) != (len(b.Path) == 0) {
			return len(a.Path) == 0
		}
		if a.Access != b.Access {
			return a.Access == model.Allowed
		}
		return len(a.Path) < len(b.Path)
	}
	for _, a := range in {
		if i, ok := idx[a.ID]; ok {
			if better(a, out[i]) {
				out[i] = a
			}
			continue
		}
		idx[a.ID] = len(out)
		out = append(out, a)
	}
	return out
}
