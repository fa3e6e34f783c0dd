package gcpcollect

import (
	"context"
	"sort"
	"strings"

	cloudasset "google.golang.org/api/cloudasset/v1"
	crm "google.golang.org/api/cloudresourcemanager/v3"
)

const (
	crmPrefix   = "//cloudresourcemanager.googleapis.com/"
	projectType = "cloudresourcemanager.googleapis.com/Project"
	folderType  = "cloudresourcemanager.googleapis.com/Folder"
	orgType     = "cloudresourcemanager.googleapis.com/Organization"
	// policyVersion 3 returns conditional bindings whole; an older version
	// would hide or refuse them.
	policyVersion = 3
)

// searchResult is one result of searchAllIamPolicies as analyze reads it
// (docs/inputs.md G1): the resource, where it sits (its project's number,
// every folder above it, its organization) and its allow policy.
type searchResult struct {
	Resource     string   `json:"resource"`
	AssetType    string   `json:"assetType,omitempty"`
	Project      string   `json:"project,omitempty"`
	Folders      []string `json:"folders,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Policy       policy   `json:"policy"`
}

type policy struct {
	Version  int64     `json:"version,omitempty"`
	Etag     string    `json:"etag,omitempty"`
	Bindings []binding `json:"bindings"`
}

type binding struct {
	Role      string     `json:"role"`
	Members   []string   `json:"members"`
	Condition *condition `json:"condition,omitempty"`
}

type condition struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Expression  string `json:"expression"`
}

// allowPolicies writes iam-policies.json: every allow policy in the scope,
// all pages, in a stable order. Cloud Asset gives each result its project,
// folders and organization, which is how analyze places every binding in
// the hierarchy.
func (r *run) allowPolicies(ctx context.Context) []searchResult {
	s := Scope{Name: "allow-policies"}
	if ctx.Err() != nil {
		s.Error = "not collected: " + ctx.Err().Error()
		r.rec.Record(s)
		return nil
	}
	results := []searchResult{}
	err := r.c.asset.V1.SearchAllIamPolicies(r.root).PageSize(500).Context(ctx).Pages(ctx, func(resp *cloudasset.SearchAllIamPoliciesResponse) error {
		for _, res := range resp.Results {
			if res == nil || res.Resource == "" {
				continue
			}
			sr := searchResult{Resource: res.Resource, AssetType: res.AssetType, Project: res.Project,
				Folders: res.Folders, Organization: res.Organization, Policy: assetPolicy(res.Policy)}
			r.noteBindingGroups(sr.Policy)
			results = append(results, sr)
		}
		return nil
	})
	if err != nil {
		// Half a search is worse than none: bindings missing without a
		// trace. Nothing is written; the manifest says why.
		s.Error = failed("cloudasset.searchAllIamPolicies", r.root, err)
		r.rec.Record(s)
		return nil
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Resource != results[j].Resource {
			return results[i].Resource < results[j].Resource
		}
		return results[i].AssetType < results[j].AssetType
	})
	r.rec.Record(r.writeScope(s, "iam-policies.json", results))
	return results
}

func assetPolicy(p *cloudasset.Policy) policy {
	out := policy{Bindings: []binding{}}
	if p == nil {
		return out
	}
	out.Version, out.Etag = p.Version, p.Etag
	for _, b := range p.Bindings {
		if b == nil {
			continue
		}
		nb := binding{Role: b.Role, Members: sorted(b.Members)}
		if b.Condition != nil {
			nb.Condition = &condition{Title: b.Condition.Title, Description: b.Condition.Description, Expression: b.Condition.Expression}
		}
		out.Bindings = append(out.Bindings, nb)
	}
	sortBindings(out.Bindings)
	return out
}

func crmPolicy(p *crm.Policy) policy {
	out := policy{Bindings: []binding{}}
	if p == nil {
		return out
	}
	out.Version, out.Etag = p.Version, p.Etag
	for _, b := range p.Bindings {
		if b == nil {
			continue
		}
		nb := binding{Role: b.Role, Members: sorted(b.Members)}
		if b.Condition != nil {
			nb.Condition = &condition{Title: b.Condition.Title, Description: b.Condition.Description, Expression: b.Condition.Expression}
		}
		out.Bindings = append(out.Bindings, nb)
	}
	sortBindings(out.Bindings)
	return out
}

func sortBindings(bs []binding) {
	key := func(b binding) string {
		if b.Condition == nil {
			return b.Role
		}
		return b.Role + "\x00" + b.Condition.Expression + "\x00" + b.Condition.Title
	}
	sort.SliceStable(bs, func(i, j int) bool { return key(bs[i]) < key(bs[j]) })
}

func sorted(l []string) []string {
	out := append([]string{}, l...)
	sort.Strings(out)
	return out
}

// wrappedPolicy is one allow policy with its resource and ancestors,
// nearest first (docs/inputs.md G3).
type wrappedPolicy struct {
	Resource  string   `json:"resource"`
	AssetType string   `json:"assetType"`
	Ancestors []string `json:"ancestors"`
	Policy    policy   `json:"policy"`
}

// ancestorPolicy writes the allow policy of a folder or organization above
// a folder or project scope: Cloud Asset searches only inside the scope,
// yet bindings above it are inherited. getIamPolicy is a read, sent as
// POST.
func (r *run) ancestorPolicy(ctx context.Context, t *tree, name string) Scope {
	s := Scope{Name: name + "/allow-policy"}
	req := &crm.GetIamPolicyRequest{Options: &crm.GetPolicyOptions{RequestedPolicyVersion: policyVersion}}
	var p *crm.Policy
	var err error
	method := "cloudresourcemanager.folders.getIamPolicy"
	assetType := folderType
	if strings.HasPrefix(name, "organizations/") {
		method, assetType = "cloudresourcemanager.organizations.getIamPolicy", orgType
		p, err = r.c.crm.Organizations.GetIamPolicy(name, req).Context(ctx).Do()
	} else {
		p, err = r.c.crm.Folders.GetIamPolicy(name, req).Context(ctx).Do()
	}
	if err != nil {
		s.Error = failed(method, name, err)
		return s
	}
	pol := crmPolicy(p)
	r.noteBindingGroups(pol)
	folders, org := t.ancestorsOf(t.folders[name])
	ancestors := append([]string{}, folders...)
	if org != "" && org != name {
		ancestors = append(ancestors, org)
	}
	return r.writeScope(s, name+"/allow-policy.json", wrappedPolicy{Resource: crmPrefix + name, AssetType: assetType,
		Ancestors: ancestors, Policy: pol})
}

// writeHierarchy writes projects.json (G8: project IDs, numbers and
// parents) and folder-hierarchy.json: the folders that no search result
// places (no allow policy of their own, or no search), in the search's
// own shape with an empty policy, so that analyze knows what is above a
// project under such a folder. Folders with a policy are placed by
// iam-policies.json already.
func (r *run) writeHierarchy(t *tree, results []searchResult) {
	s := Scope{Name: "hierarchy"}
	if len(t.errs) > 0 {
		s.Error = strings.Join(t.errs, "; ")
	}
	type parent struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	type projectJSON struct {
		ProjectID      string  `json:"projectId"`
		ProjectNumber  string  `json:"projectNumber"`
		Name           string  `json:"name,omitempty"`
		Parent         *parent `json:"parent,omitempty"`
		LifecycleState string  `json:"lifecycleState,omitempty"`
		CreateTime     string  `json:"createTime,omitempty"`
	}
	projects := []projectJSON{}
	for _, p := range t.sortedProjects() {
		pj := projectJSON{ProjectID: p.ID, ProjectNumber: p.Number, Name: p.DisplayName, LifecycleState: p.State, CreateTime: p.CreateTime}
		if kind, id, ok := strings.Cut(p.Parent, "s/"); ok {
			pj.Parent = &parent{Type: kind, ID: id}
		}
		projects = append(projects, pj)
	}
	s = r.writeScope(s, "projects.json", projects)

	placed := map[string]bool{}
	for _, res := range results {
		placed[strings.TrimPrefix(res.Resource, crmPrefix)] = true
	}
	folders := []searchResult{}
	for _, f := range t.folderNames() {
		if placed[f] || t.isAncestor(f) {
			continue
		}
		above, org := t.ancestorsOf(f)
		folders = append(folders, searchResult{Resource: crmPrefix + f, AssetType: folderType, Folders: above,
			Organization: org, Policy: policy{Bindings: []binding{}}})
	}
	r.rec.Record(r.writeScope(s, "folder-hierarchy.json", folders))
}
