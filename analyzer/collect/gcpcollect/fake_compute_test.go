package gcpcollect

import (
	"net/http"
	"net/url"
	"strings"
)

// The fake's compute inventory and organization policies, in the shapes of
// compute v1 instances.aggregatedList (items keyed by zone, each with
// instances or a NO_RESULTS_ON_PAGE warning; nextPageToken), cloudbuild v1
// projects.triggers.list (triggers, nextPageToken) and orgpolicy v2
// policies.list (policies with name and spec, nextPageToken):
// nw-image-factory has two instances on two pages and two triggers (one
// running as builder, one as the default account); nw-shop-prod has one
// instance running as shop-deployer, whose metadata holds a startup script
// that the collector must not copy; the organization trusts images of
// nw-image-factory only and disables cross-project service account usage,
// the sandbox folder adds nw-sandbox-dev; nw-secret-lab refuses all three
// reads; nw-legacy has the Compute Engine API disabled.

// fakeScript stands for a startup script holding a secret (s3cr3t) that
// the collector must not write; its command is the harmless marker.
const fakeScript = "#!/bin/sh\ntouch PWNED # token s3cr3t"

func fakeInstance(project, zone, name, sa string, meta ...map[string]any) map[string]any {
	base := "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + zone
	in := map[string]any{"kind": "compute#instance", "id": "4711" + name, "name": name, "zone": base, "selfLink": base + "/instances/" + name,
		"machineType": base + "/machineTypes/e2-small", "status": "RUNNING", "creationTimestamp": "2026-05-01T10:00:00.000-07:00",
		"serviceAccounts":   []any{map[string]any{"email": sa, "scopes": []any{"https://www.googleapis.com/auth/cloud-platform"}}},
		"networkInterfaces": []any{map[string]any{"network": "https://www.googleapis.com/compute/v1/projects/" + project + "/global/networks/default", "networkIP": "10.0.0.2"}}}
	if len(meta) > 0 {
		items := []any{}
		for _, m := range meta {
			items = append(items, m)
		}
		in["metadata"] = map[string]any{"kind": "compute#metadata", "fingerprint": "abc=", "items": items}
	}
	return in
}

func serveCompute(w http.ResponseWriter, op, path string, q url.Values) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "/compute/v1/"), "/v1/"), "/")
	if strings.HasPrefix(op, "orgpolicy.") {
		parts = strings.Split(strings.TrimPrefix(path, "/v2/"), "/")
	}
	node := parts[0] + "/" + parts[1]
	if node == "projects/"+deniedProj {
		perm := map[string]string{"compute.instances.aggregatedList": "compute.instances.list", "cloudbuild.projects.triggers.list": "cloudbuild.builds.list"}[op]
		if perm == "" {
			perm = "orgpolicy.policies.list"
		}
		denied(w, perm, node)
		return
	}
	switch op {
	case "compute.instances.aggregatedList":
		if q.Get("returnPartialSuccess") != "true" {
			apiError(w, 400, "INVALID_ARGUMENT", "", "the test expects returnPartialSuccess=true")
			return
		}
		if node == "projects/"+disabledArt {
			apiError(w, 403, "PERMISSION_DENIED", "SERVICE_DISABLED", "Compute Engine API has not been used in project 730000000006 before or it is disabled.")
			return
		}
		id := parts[1]
		empty := func(zone string) map[string]any {
			return map[string]any{"warning": map[string]any{"code": "NO_RESULTS_ON_PAGE", "message": "There are no results for scope 'zones/" + zone + "' on this page.",
				"data": []any{map[string]any{"key": "scope", "value": "zones/" + zone}}}}
		}
		out := map[string]any{"kind": "compute#instanceAggregatedList", "id": "projects/" + id + "/aggregated/instances",
			"selfLink": "https://www.googleapis.com/compute/v1/projects/" + id + "/aggregated/instances"}
		items := map[string]any{"zones/us-east1-b": empty("us-east1-b")}
		switch {
		case id == "nw-image-factory" && q.Get("pageToken") == "":
			items["zones/europe-west1-b"] = map[string]any{"instances": []any{fakeInstance(id, "europe-west1-b", "packer-1", "builder@nw-image-factory.iam.gserviceaccount.com")}}
			out["nextPageToken"] = "p2"
		case id == "nw-image-factory":
			items["zones/europe-west1-c"] = map[string]any{"instances": []any{fakeInstance(id, "europe-west1-c", "packer-2", "builder@nw-image-factory.iam.gserviceaccount.com",
				map[string]any{"key": "enable-oslogin", "value": "FALSE"})}}
		case id == "nw-shop-prod":
			items["zones/europe-west1-b"] = map[string]any{"instances": []any{fakeInstance(id, "europe-west1-b", "shop-web-1", "shop-deployer@nw-shop-prod.iam.gserviceaccount.com",
				map[string]any{"key": "startup-script", "value": fakeScript}, map[string]any{"key": "enable-oslogin", "value": "TRUE"})}}
		}
		out["items"] = items
		writeJSON(w, out)
	case "cloudbuild.projects.triggers.list":
		var ts []any
		if node == "projects/nw-image-factory" {
			ts = []any{
				map[string]any{"id": "0a1b2c3d-0000-4000-8000-000000000001", "name": "golden-release", "createTime": "2026-03-01T09:00:00Z",
					"resourceName":   "projects/nw-image-factory/locations/global/triggers/0a1b2c3d-0000-4000-8000-000000000001",
					"serviceAccount": "projects/nw-image-factory/serviceAccounts/builder@nw-image-factory.iam.gserviceaccount.com",
					"filename":       "cloudbuild.yaml", "github": map[string]any{"owner": "northwind", "name": "images", "push": map[string]any{"branch": "^main$"}}},
				map[string]any{"id": "0a1b2c3d-0000-4000-8000-000000000002", "name": "nightly", "createTime": "2026-03-02T09:00:00Z",
					"resourceName": "projects/nw-image-factory/locations/global/triggers/0a1b2c3d-0000-4000-8000-000000000002",
					"build":        map[string]any{"steps": []any{map[string]any{"name": "gcr.io/cloud-builders/docker", "args": []any{"build", "."}, "secretEnv": []any{"TOKEN"}}}}},
			}
		}
		page(w, q, "triggers", ts, 1)
	default: // orgpolicy.*.policies.list
		var ps []any
		switch node {
		case "organizations/" + orgNum:
			ps = []any{
				map[string]any{"name": node + "/policies/compute.trustedImageProjects", "spec": map[string]any{"etag": "CLm=", "updateTime": "2026-01-05T10:00:00Z",
					"rules": []any{map[string]any{"values": map[string]any{"allowedValues": []any{"projects/nw-image-factory"}}}}}},
				map[string]any{"name": node + "/policies/iam.disableCrossProjectServiceAccountUsage", "spec": map[string]any{"etag": "CLn=", "updateTime": "2026-01-05T10:00:00Z",
					"rules": []any{map[string]any{"enforce": true}}}},
			}
		case sandboxF:
			ps = []any{map[string]any{"name": node + "/policies/compute.trustedImageProjects", "spec": map[string]any{"inheritFromParent": true,
				"rules": []any{map[string]any{"values": map[string]any{"allowedValues": []any{"projects/nw-sandbox-dev"}}}}}}}
		}
		page(w, q, "policies", ps, 1)
	}
}
