package gcpcollect

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"google.golang.org/api/googleapi"
)

// calls is every API method the collector calls, by the ID its reference
// gives it, with the IAM permissions the caller needs for it on the
// resource it names. It is the one list of what the collector may do:
// errors name the permission a refused call lacked, the test fake answers
// these methods and no other, and the docs test checks that the role in
// docs/collect-gcp.md grants exactly these permissions.
var calls = []struct {
	method      string
	permissions []string
}{
	// Every allow policy in the scope.
	{"cloudasset.searchAllIamPolicies", []string{"cloudasset.assets.searchAllIamPolicies"}},
	// The hierarchy below the scope, and above a folder or project scope.
	{"cloudresourcemanager.folders.list", []string{"resourcemanager.folders.list"}},
	{"cloudresourcemanager.folders.get", []string{"resourcemanager.folders.get"}},
	{"cloudresourcemanager.projects.list", []string{"resourcemanager.projects.list"}},
	{"cloudresourcemanager.projects.get", []string{"resourcemanager.projects.get"}},
	// The allow policies of the ancestors of a folder or project scope.
	{"cloudresourcemanager.folders.getIamPolicy", []string{"resourcemanager.folders.getIamPolicy"}},
	{"cloudresourcemanager.organizations.getIamPolicy", []string{"resourcemanager.organizations.getIamPolicy"}},
	// The predefined roles are open to every caller; custom roles are not.
	{"iam.roles.list", nil},
	{"iam.organizations.roles.list", []string{"iam.roles.list"}},
	{"iam.projects.roles.list", []string{"iam.roles.list"}},
	// Deny policies: their names, then each with its rules.
	{"iam.policies.listPolicies", []string{"iam.denypolicies.list"}},
	{"iam.policies.get", []string{"iam.denypolicies.get"}},
	// Artifact Registry: the locations of a project, then the
	// repositories of each.
	{"artifactregistry.projects.locations.list", []string{"artifactregistry.locations.list"}},
	{"artifactregistry.projects.locations.repositories.list", []string{"artifactregistry.repositories.list"}},
	// Workload identity federation: each project's pools, then the
	// providers of each (federation.go).
	{"iam.projects.locations.workloadIdentityPools.list", []string{"iam.workloadIdentityPools.list"}},
	{"iam.projects.locations.workloadIdentityPools.providers.list", []string{"iam.workloadIdentityPoolProviders.list"}},
	// Principal access boundary policies of the organization, and the
	// policy bindings of the organization, folders and projects (IAM v3,
	// boundaries.go).
	{"iam.organizations.locations.principalAccessBoundaryPolicies.list", []string{"iam.principalaccessboundarypolicies.list"}},
	{"iam.organizations.locations.policyBindings.list", []string{"iam.policybindings.list"}},
	{"iam.folders.locations.policyBindings.list", []string{"iam.policybindings.list"}},
	{"iam.projects.locations.policyBindings.list", []string{"iam.policybindings.list"}},
	// The compute inventory of each project, and the organization
	// policies of every node (compute.go).
	{"compute.instances.aggregatedList", []string{"compute.instances.list"}},
	{"cloudbuild.projects.triggers.list", []string{"cloudbuild.builds.list"}},
	{"orgpolicy.organizations.policies.list", []string{"orgpolicy.policies.list"}},
	{"orgpolicy.folders.policies.list", []string{"orgpolicy.policies.list"}},
	{"orgpolicy.projects.policies.list", []string{"orgpolicy.policies.list"}},
	// Cloud Identity is governed by Workspace or Cloud Identity admin
	// roles and group settings, not by Cloud IAM.
	{"cloudidentity.groups.lookup", nil},
	{"cloudidentity.groups.memberships.list", nil},
}

// quotaPermission is what user credentials need on their quota project,
// which every call is counted against: the APIs below must be enabled
// there. A service account's calls count against its own project.
const quotaPermission = "serviceusage.services.use"

// apis are the services the collector calls (Cloud Identity with
// --groups only).
var apis = []string{"cloudasset.googleapis.com", "cloudresourcemanager.googleapis.com", "iam.googleapis.com",
	"artifactregistry.googleapis.com", "cloudidentity.googleapis.com", "compute.googleapis.com", "cloudbuild.googleapis.com", "orgpolicy.googleapis.com"}

// permissionsOf are the permissions a method needs (TestCallsInTable
// checks that every method the collector names is in calls).
func permissionsOf(method string) []string {
	for _, c := range calls {
		if c.method == method {
			return c.permissions
		}
	}
	return nil
}

// rolePermissions is every permission of the collector's role, sorted.
func rolePermissions() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range calls {
		for _, p := range c.permissions {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// failed is the manifest's line for a call that failed: the method, what
// it was asked about, Google's error, and, when IAM refused it, the
// permission the call needs, so that the reader knows what to grant.
func failed(method, target string, err error) string {
	s := method
	if target != "" {
		s += " " + target
	}
	s += ": " + errText(err)
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusForbidden && !strings.Contains(s, "SERVICE_DISABLED") {
		if perms := permissionsOf(method); len(perms) > 0 {
			s += " (the call needs " + strings.Join(perms, " and ") + ")"
		}
	}
	return s
}
