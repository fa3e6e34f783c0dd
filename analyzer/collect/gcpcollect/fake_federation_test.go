package gcpcollect

import (
	"net/http"
	"net/url"
	"strings"
)

// The fake's workload identity federation and principal access
// boundaries, in the shapes of IAM v1 (workloadIdentityPools.list and
// providers.list: workloadIdentityPools / workloadIdentityPoolProviders,
// nextPageToken) and IAM v3 (principalAccessBoundaryPolicies.list,
// policyBindings.list: principalAccessBoundaryPolicies / policyBindings,
// nextPageToken): nw-image-factory has a GitHub pool with an OIDC provider
// (a condition on the owner), an AWS provider and a deleted one; the
// organization has one boundary policy, bound to nw-shop-prod's principals,
// and a binding of another kind; nw-secret-lab refuses both reads, as it
// refuses every project-level read.
const fakePool = "projects/730000000001/locations/global/workloadIdentityPools/github-ci"

func serveFederation(w http.ResponseWriter, op, path string, q url.Values) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "/v1/"), "/v3/"), "/")
	node := parts[0] + "/" + parts[1]
	if node == "projects/"+deniedProj {
		perm := "iam.workloadIdentityPools.list"
		if strings.HasSuffix(path, "/policyBindings") {
			perm = "iam.policybindings.list"
		}
		denied(w, perm, node)
		return
	}
	switch op {
	case "iam.projects.locations.workloadIdentityPools.list":
		if q.Get("showDeleted") != "true" {
			apiError(w, 400, "INVALID_ARGUMENT", "", "the test expects showDeleted=true")
			return
		}
		var pools []any
		if node == "projects/nw-image-factory" {
			pools = append(pools,
				map[string]any{"name": fakePool, "displayName": "GitHub CI", "state": "ACTIVE", "mode": "FEDERATION_ONLY"},
				map[string]any{"name": "projects/730000000001/locations/global/workloadIdentityPools/old-pool", "state": "DELETED",
					"disabled": true, "expireTime": "2026-12-30T00:00:00Z"})
		}
		page(w, q, "workloadIdentityPools", pools, 1)
	case "iam.projects.locations.workloadIdentityPools.providers.list":
		pool := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/"), "/providers")
		var provs []any
		if pool == fakePool {
			provs = append(provs,
				map[string]any{"name": fakePool + "/providers/github", "displayName": "GitHub Actions", "state": "ACTIVE",
					"attributeMapping":   map[string]any{"google.subject": "assertion.sub", "attribute.repository": "assertion.repository", "attribute.repository_owner": "assertion.repository_owner"},
					"attributeCondition": "assertion.repository_owner == 'northwind'",
					"oidc":               map[string]any{"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": []any{"https://iam.googleapis.com/" + fakePool + "/providers/github"}}},
				map[string]any{"name": fakePool + "/providers/aws-legacy", "state": "ACTIVE", "disabled": true,
					"aws": map[string]any{"accountId": "111122223333"}})
		}
		page(w, q, "workloadIdentityPoolProviders", provs, 1)
	case "iam.organizations.locations.principalAccessBoundaryPolicies.list":
		page(w, q, "principalAccessBoundaryPolicies", []any{
			map[string]any{"name": "organizations/" + orgNum + "/locations/global/principalAccessBoundaryPolicies/images-only",
				"uid": "puid-1", "etag": "W/\"1\"", "displayName": "image projects only", "createTime": "2026-06-01T09:00:00Z",
				"details": map[string]any{"enforcementVersion": "3", "rules": []any{map[string]any{"description": "the image factory",
					"resources": []any{"//cloudresourcemanager.googleapis.com/projects/nw-image-factory"}, "effect": "ALLOW"}}}},
		}, 1)
	case "iam.organizations.locations.policyBindings.list":
		page(w, q, "policyBindings", []any{
			map[string]any{"name": "organizations/" + orgNum + "/locations/global/policyBindings/shop-bounded", "uid": "buid-1",
				"target":     map[string]any{"principalSet": "//cloudresourcemanager.googleapis.com/projects/nw-shop-prod"},
				"policyKind": "PRINCIPAL_ACCESS_BOUNDARY", "policy": "organizations/" + orgNum + "/locations/global/principalAccessBoundaryPolicies/images-only",
				"policyUid": "puid-1", "condition": map[string]any{"expression": "principal.type == 'iam.googleapis.com/ServiceAccount'"}},
			map[string]any{"name": "organizations/" + orgNum + "/locations/global/policyBindings/other-kind",
				"target": map[string]any{"resource": "//cloudresourcemanager.googleapis.com/organizations/" + orgNum}, "policyKind": "ACCESS",
				"policy": "organizations/" + orgNum + "/locations/global/accessPolicies/x"},
		}, 1)
	default:
		page(w, q, "policyBindings", nil, 1)
	}
}
