package gcpcollect

import (
	"context"
	"sort"
	"strings"

	iam "google.golang.org/api/iam/v1"
)

// roleJSON is a role as analyze reads it (docs/inputs.md G4). The
// permissions are always written, even when empty: analyze recognises a
// roles file by them.
type roleJSON struct {
	Name                string   `json:"name"`
	Title               string   `json:"title,omitempty"`
	Description         string   `json:"description,omitempty"`
	IncludedPermissions []string `json:"includedPermissions"`
	Stage               string   `json:"stage,omitempty"`
	Etag                string   `json:"etag,omitempty"`
}

// fullView asks roles.list for the permissions; the default view omits
// them, and a role without permissions grants nothing in the analysis.
const fullView = "FULL"

func rolesOf(resp *iam.ListRolesResponse, out *[]roleJSON) {
	for _, role := range resp.Roles {
		if role == nil || role.Name == "" || role.Deleted {
			continue
		}
		*out = append(*out, roleJSON{Name: role.Name, Title: role.Title, Description: role.Description,
			IncludedPermissions: sorted(role.IncludedPermissions), Stage: role.Stage, Etag: role.Etag})
	}
}

func sortRoles(roles []roleJSON) {
	sort.Slice(roles, func(i, j int) bool { return roles[i].Name < roles[j].Name })
}

// predefinedRoles writes roles-predefined.json: every predefined role with
// its permissions. analyze ships the image permissions of each, but the
// live list also covers roles newer than the release.
func (r *run) predefinedRoles(ctx context.Context) {
	s := Scope{Name: "roles/predefined"}
	roles := []roleJSON{}
	err := r.c.iam.Roles.List().View(fullView).PageSize(1000).Context(ctx).Pages(ctx, func(resp *iam.ListRolesResponse) error {
		rolesOf(resp, &roles)
		return nil
	})
	if err != nil {
		s.Error = failed("iam.roles.list", "", err)
		r.rec.Record(s)
		return
	}
	sortRoles(roles)
	r.rec.Record(r.writeScope(s, "roles-predefined.json", roles))
}

// customRoles writes PARENT/roles.json: the custom roles of an
// organization or project (organizations/N or projects/ID).
func (r *run) customRoles(ctx context.Context, parent string) Scope {
	s := Scope{Name: parent + "/roles"}
	roles := []roleJSON{}
	collect := func(resp *iam.ListRolesResponse) error {
		rolesOf(resp, &roles)
		return nil
	}
	var err error
	method := "iam.projects.roles.list"
	if strings.HasPrefix(parent, "organizations/") {
		method = "iam.organizations.roles.list"
		err = r.c.iam.Organizations.Roles.List(parent).View(fullView).PageSize(1000).Context(ctx).Pages(ctx, collect)
	} else {
		err = r.c.iam.Projects.Roles.List(parent).View(fullView).PageSize(1000).Context(ctx).Pages(ctx, collect)
	}
	if err != nil {
		s.Error = failed(method, parent, err)
		return s
	}
	sortRoles(roles)
	return r.writeScope(s, parent+"/roles.json", roles)
}
