package gcpcollect

import (
	"context"
	"sort"
	"strings"

	crm "google.golang.org/api/cloudresourcemanager/v3"
)

// project is a project in scope, as Resource Manager names it.
type project struct {
	ID, Number, Parent, DisplayName, CreateTime, State string
}

// tree is the resource hierarchy of the scope and above it.
type tree struct {
	// org is the organization at the top, when known.
	org string
	// ancestors are the folders and organization above a folder or
	// project scope, nearest first.
	ancestors []string
	// folders maps every folder known (in scope and above) to its parent.
	folders  map[string]string
	projects map[string]project // by ID
	errs     []string
}

// walk reads the hierarchy from Resource Manager: the scope's ancestors,
// then every folder and project below it, breadth first. Failures are kept
// in errs and the walk goes on with what it can see.
func (r *run) walk(ctx context.Context) *tree {
	t := &tree{folders: map[string]string{}, projects: map[string]project{}}
	fail := func(method, name string, err error) { t.errs = append(t.errs, failed(method, name, err)) }
	switch {
	case strings.HasPrefix(r.root, "organizations/"):
		t.org = r.root
	case strings.HasPrefix(r.root, "folders/"):
		f, err := r.c.crm.Folders.Get(r.root).Context(ctx).Do()
		if err != nil {
			fail("cloudresourcemanager.folders.get", r.root, err)
		} else {
			t.folders[r.root] = f.Parent
			r.ancestry(ctx, t, f.Parent)
		}
	default:
		id := strings.TrimPrefix(r.root, "projects/")
		p, err := r.c.crm.Projects.Get(r.root).Context(ctx).Do()
		if err != nil {
			fail("cloudresourcemanager.projects.get", r.root, err)
			t.projects[id] = project{ID: id}
			return t
		}
		pr := projectOf(p)
		if pr.ID == "" {
			pr.ID = id
		}
		t.projects[pr.ID] = pr
		r.ancestry(ctx, t, pr.Parent)
		return t
	}
	queue := []string{r.root}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		if ctx.Err() != nil {
			t.errs = append(t.errs, "listing "+parent+": "+errText(ctx.Err()))
			return t
		}
		err := r.c.crm.Folders.List().Parent(parent).Context(ctx).Pages(ctx, func(resp *crm.ListFoldersResponse) error {
			for _, f := range resp.Folders {
				if f == nil || !strings.HasPrefix(f.Name, "folders/") {
					continue
				}
				t.folders[f.Name] = parent
				queue = append(queue, f.Name)
			}
			return nil
		})
		if err != nil {
			fail("cloudresourcemanager.folders.list", parent, err)
		}
		err = r.c.crm.Projects.List().Parent(parent).Context(ctx).Pages(ctx, func(resp *crm.ListProjectsResponse) error {
			for _, p := range resp.Projects {
				if pr := projectOf(p); pr.ID != "" {
					t.projects[pr.ID] = pr
				}
			}
			return nil
		})
		if err != nil {
			fail("cloudresourcemanager.projects.list", parent, err)
		}
	}
	return t
}

// ancestry follows parents up from name to the organization.
func (r *run) ancestry(ctx context.Context, t *tree, name string) {
	for seen := 0; name != "" && seen < 32; seen++ { // folders nest 10 deep at most
		t.ancestors = append(t.ancestors, name)
		if strings.HasPrefix(name, "organizations/") {
			t.org = name
			return
		}
		if !strings.HasPrefix(name, "folders/") {
			return
		}
		f, err := r.c.crm.Folders.Get(name).Context(ctx).Do()
		if err != nil {
			t.errs = append(t.errs, failed("cloudresourcemanager.folders.get", name, err))
			return
		}
		t.folders[name] = f.Parent
		name = f.Parent
	}
}

func projectOf(p *crm.Project) project {
	if p == nil {
		return project{}
	}
	return project{ID: p.ProjectId, Number: strings.TrimPrefix(p.Name, "projects/"), Parent: p.Parent,
		DisplayName: p.DisplayName, CreateTime: p.CreateTime, State: p.State}
}

func (t *tree) isAncestor(name string) bool {
	for _, a := range t.ancestors {
		if a == name {
			return true
		}
	}
	return false
}

func (t *tree) folderNames() []string {
	out := make([]string, 0, len(t.folders))
	for f := range t.folders {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func (t *tree) sortedProjects() []project {
	out := make([]project, 0, len(t.projects))
	for _, p := range t.projects {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// addFromSearch adds what the allow policies show that Resource Manager
// did not (a folder it could not list, say): projects with their numbers,
// so that no project in scope goes uncollected because one listing
// failed. A search result lists every folder above a resource but not in
// a documented order, so a parent is taken from it only when there is no
// doubt: no folder (the organization) or a single one.
func (t *tree) addFromSearch(results []searchResult) {
	for _, res := range results {
		name, ok := strings.CutPrefix(res.Resource, crmPrefix)
		if !ok {
			continue
		}
		var above []string
		for _, f := range res.Folders {
			if f != name {
				above = append(above, f)
			}
		}
		parent := ""
		switch len(above) {
		case 0:
			parent = res.Organization
		case 1:
			parent = above[0]
		}
		switch {
		case strings.HasPrefix(name, "folders/"):
			if _, ok := t.folders[name]; !ok {
				t.folders[name] = parent
			}
		case strings.HasPrefix(name, "projects/") && res.AssetType == projectType:
			id := strings.TrimPrefix(name, "projects/")
			p, known := t.projects[id]
			if !known {
				p = project{ID: id, Parent: parent, State: "ACTIVE"}
			}
			if p.Number == "" {
				p.Number = strings.TrimPrefix(res.Project, "projects/")
			}
			t.projects[id] = p
		}
		if t.org == "" && res.Organization != "" {
			t.org = res.Organization
		}
	}
}

// ancestorsFromSearch fills in the ancestors of a folder or project scope
// when Resource Manager would not give them (folders.get denied on a
// parent): the scope's own search result names every folder above it and
// its organization, which is all analyze needs to apply them.
func (t *tree) ancestorsFromSearch(root string, results []searchResult) {
	if len(t.ancestors) > 0 || strings.HasPrefix(root, "organizations/") {
		return
	}
	for _, res := range results {
		if res.Resource != crmPrefix+root {
			continue
		}
		for _, f := range sorted(res.Folders) {
			if f != root {
				t.ancestors = append(t.ancestors, f)
			}
		}
		if res.Organization != "" {
			t.ancestors = append(t.ancestors, res.Organization)
		}
		return
	}
}

// ancestorsOf lists the folders above name (nearest first) and the
// organization, from the parents known.
func (t *tree) ancestorsOf(name string) (folders []string, org string) {
	for seen := 0; name != "" && seen < 32; seen++ {
		switch {
		case strings.HasPrefix(name, "organizations/"):
			return folders, name
		case strings.HasPrefix(name, "folders/"):
			folders = append(folders, name)
			name = t.folders[name]
		default:
			return folders, ""
		}
	}
	return folders, ""
}
