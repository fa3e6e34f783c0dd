package gcp

import (
	"testing"

	"github.com/imagewarden/imagewarden/policies/tri"
)

const push = "artifactregistry.repositories.uploadArtifacts"

func roles() *Roles {
	r := NewRoles()
	r.Add("roles/artifactregistry.writer", []string{push, "artifactregistry.tags.create"})
	r.Add("roles/artifactregistry.reader", nil)
	r.Add("roles/compute.storageAdmin", []string{"compute.images.create"})
	return r
}

var repo = &ResourceAttrs{Name: "projects/p/locations/eu/repositories/golden-images", Type: "artifactregistry.googleapis.com/Repository", Service: "artifactregistry.googleapis.com"}

func TestMemberMatches(t *testing.T) {
	alice := &Identity{Member: "user:alice@example.com", Groups: map[string]bool{"devs@example.com": true}}
	sa := &Identity{Member: "serviceAccount:ci@p.iam.gserviceaccount.com"}
	for _, tc := range []struct {
		member string
		id     *Identity
		want   bool
	}{
		{"user:alice@example.com", alice, true},
		{"user:ALICE@example.com", alice, true},
		{"user:bob@example.com", alice, false},
		{"group:devs@example.com", alice, true},
		{"group:ops@example.com", alice, false},
		{"domain:example.com", alice, true},
		{"domain:example.org", alice, false},
		{"domain:example.com", sa, false},
		{"allUsers", alice, true},
		{"allAuthenticatedUsers", sa, true},
		{"deleted:user:alice@example.com?uid=1", alice, false},
		{"serviceAccount:ci@p.iam.gserviceaccount.com", sa, true},
		{"user:ci@p.iam.gserviceaccount.com", sa, false},
		{"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*", &Identity{Member: "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*"}, true},
	} {
		if got := MemberMatches(tc.member, tc.id); got != tc.want {
			t.Errorf("MemberMatches(%q, %s) = %v, want %v", tc.member, tc.id.Member, got, tc.want)
		}
	}
	for m, want := range map[string]string{"user:a@b": "user", "allUsers": "allUsers", "principal://x": "principal", "bogus:x": "unknown", "nocolon": "unknown"} {
		if got := Kind(m); got != want {
			t.Errorf("Kind(%q) = %q, want %q", m, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	conds := NewConditions()
	alice := &Identity{Member: "user:alice@example.com", Groups: map[string]bool{"devs@example.com": true}}
	lead := &Identity{Member: "user:lead@example.com", Groups: map[string]bool{"devs@example.com": true}}
	folderWriter := []NodeBindings{{Node: "folders/1", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"group:devs@example.com"}}}}}
	denyDevs := []NodeDenies{{Node: "folders/1", Rules: []DenyRule{{Policy: "no-push", DeniedPrincipals: []string{"principalSet://goog/group/devs@example.com"},
		ExceptionPrincipals: []string{"principal://goog/subject/lead@example.com"}, DeniedPermissions: []string{"artifactregistry.googleapis.com/repositories.uploadArtifacts"}}}}}
	for _, tc := range []struct {
		name   string
		id     *Identity
		chain  []NodeBindings
		denies []NodeDenies
		res    *ResourceAttrs
		want   tri.Tri
		unk    int
	}{
		{"inherited from the folder through a group", alice, folderWriter, nil, repo, tri.True, 0},
		{"a role without the permission", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.reader", Members: []string{"user:alice@example.com"}}}}}, nil, repo, tri.False, 0},
		{"deny takes the group's grant away", alice, folderWriter, denyDevs, repo, tri.False, 0},
		{"deny exception keeps the lead's grant", lead, folderWriter, denyDevs, repo, tri.True, 0},
		{"deny on another permission", alice, folderWriter, []NodeDenies{{Node: "organizations/9", Rules: []DenyRule{{DeniedPrincipals: []string{"principalSet://goog/public:all"}, DeniedPermissions: []string{"iam.googleapis.com/serviceAccountKeys.create"}}}}}, repo, tri.True, 0},
		{"deny with a wildcard permission", alice, folderWriter, []NodeDenies{{Node: "organizations/9", Rules: []DenyRule{{DeniedPrincipals: []string{"principalSet://goog/public:all"}, DeniedPermissions: []string{"artifactregistry.googleapis.com/repositories.*"}}}}}, repo, tri.False, 0},
		{"condition true for the resource", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"user:alice@example.com"},
			Condition: &Condition{Expression: `resource.name.startsWith("projects/p/locations/eu/repositories/golden-")`}}}}}, nil, repo, tri.True, 0},
		{"condition false for the resource", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"user:alice@example.com"},
			Condition: &Condition{Expression: `resource.name.startsWith("projects/p/locations/eu/repositories/base-")`}}}}}, nil, repo, tri.False, 0},
		{"condition unknown at project scope", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"user:alice@example.com"},
			Condition: &Condition{Expression: `resource.name.startsWith("projects/p/locations/eu/repositories/golden-")`}}}}}, nil, &ResourceAttrs{Type: repo.Type, Service: repo.Service}, tri.Unknown, 0},
		{"type condition settles at project scope", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"user:alice@example.com"},
			Condition: &Condition{Expression: `resource.type == "compute.googleapis.com/Image" && resource.name.startsWith("x")`}}}}}, nil, &ResourceAttrs{Type: repo.Type, Service: repo.Service}, tri.False, 0},
		{"time condition is unknown offline", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"user:alice@example.com"},
			Condition: &Condition{Expression: `request.time < timestamp("2027-01-01T00:00:00Z")`}}}}}, nil, repo, tri.Unknown, 0},
		{"unknown role is reported, grants nothing", alice, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "projects/p/roles/custom", Members: []string{"user:alice@example.com"}}}}}, nil, repo, tri.False, 1},
		{"public writer", &Identity{Member: "allUsers"}, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"allUsers"}}}}}, nil, repo, tri.True, 0},
		{"deleted member grants nothing", &Identity{Member: "user:old@example.com"}, []NodeBindings{{Node: "projects/p", Bindings: []Binding{{Role: "roles/artifactregistry.writer", Members: []string{"deleted:user:old@example.com?uid=1"}}}}}, nil, repo, tri.False, 0},
		{"deny with an unknown condition makes it conditional", alice, folderWriter, []NodeDenies{{Node: "folders/1", Rules: []DenyRule{{DeniedPrincipals: []string{"principalSet://goog/public:all"},
			DeniedPermissions: []string{"artifactregistry.googleapis.com/repositories.uploadArtifacts"}, Condition: &Condition{Expression: `request.time > timestamp("2020-01-01T00:00:00Z")`}}}}}, repo, tri.Unknown, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Decide(&Request{Identity: tc.id, Permission: push, Resource: tc.res}, tc.chain, tc.denies, roles(), conds)
			if r.Allowed != tc.want {
				t.Errorf("got %v, want %v (grants %+v, denies %+v)", r.Allowed, tc.want, r.Grants, r.Denies)
			}
			if len(r.UnknownRoles) != tc.unk {
				t.Errorf("unknown roles %v, want %d", r.UnknownRoles, tc.unk)
			}
			if r.Allowed != tri.False && len(r.Grants) == 0 {
				t.Errorf("access without a grant as evidence")
			}
		})
	}
}

func TestDenyForm(t *testing.T) {
	for in, want := range map[string]string{
		"artifactregistry.repositories.uploadArtifacts": "artifactregistry.googleapis.com/repositories.uploadArtifacts",
		"resourcemanager.projects.setIamPolicy":         "cloudresourcemanager.googleapis.com/projects.setIamPolicy",
		"iam.serviceAccountKeys.create":                 "iam.googleapis.com/serviceAccountKeys.create",
	} {
		if got := DenyForm(in); got != want {
			t.Errorf("DenyForm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConditionsCompile(t *testing.T) {
	c := NewConditions()
	if err := c.Compile(`resource.name.startsWith("x")`); err != nil {
		t.Error(err)
	}
	if err := c.Compile(`resource.name.startsWith(`); err == nil {
		t.Error("a syntax error should not compile")
	}
	if got := c.Eval(`resource.name.startsWith(`, repo); got != tri.Unknown {
		t.Errorf("an expression that does not compile is unknown, got %v", got)
	}
}
