package gcpcollect

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The fake organization (a small Northwind):
//
//	organizations/480113921003            org admins, domain viewers; deny: no SA keys
//	├── folders/211400100001 platform     publishers (custom org role), pat (conditional writer)
//	│   └── nw-image-factory              builder SA; repository golden-images with an outside writer
//	├── folders/211400100002 products     product-devs editor; deny: no image writes but lead.dev
//	│   ├── nw-shop-prod                  shop-deployer repoAdmin
//	│   └── folders/211400100003 sandbox  no policy of its own
//	│       └── nw-sandbox-dev            no policy of its own; repository sandbox-images
//	├── nw-secret-lab                     every project-level read denied
//	└── nw-legacy                         Artifact Registry API disabled
const (
	orgNum      = "480113921003"
	platformF   = "folders/211400100001"
	productsF   = "folders/211400100002"
	sandboxF    = "folders/211400100003"
	deniedProj  = "nw-secret-lab"
	disabledArt = "nw-legacy"
)

type fakeProject struct{ id, number, parent string }

var fakeProjects = []fakeProject{
	{id: "nw-image-factory", number: "730000000001", parent: platformF},
	{id: "nw-shop-prod", number: "730000000003", parent: productsF},
	{id: "nw-sandbox-dev", number: "730000000004", parent: sandboxF},
	{id: deniedProj, number: "730000000005", parent: "organizations/" + orgNum},
	{id: disabledArt, number: "730000000006", parent: "organizations/" + orgNum},
}

var fakeFolders = []struct{ name, parent, display string }{
	{platformF, "organizations/" + orgNum, "platform"},
	{productsF, "organizations/" + orgNum, "products"},
	{sandboxF, productsF, "sandbox"},
}

// fakeGCP answers the REST APIs the collector calls, with the JSON field
// names of the real APIs, nextPageToken pages, one 429 with Retry-After,
// one 503, PERMISSION_DENIED for one project and SERVICE_DISABLED for
// another. Every request is checked against the read-only allowlist.
type fakeGCP struct {
	mu        sync.Mutex
	calls     []string // operation names, in order
	forbidden []string // requests outside the allowlist
	seen      map[string]int
	// onCall, if set, runs before each answer (tests cancel from it).
	onCall func(op string)
	// extra adds this many projects under the sandbox folder, each with
	// a repository (the benchmark's large organization).
	extra int
	all   []fakeProject
	// broken answers these operations with this body and 200 OK.
	broken map[string]string
}

func newFake() *fakeGCP { return &fakeGCP{seen: map[string]int{}} }

// projects are the fixed projects and the extra ones.
func (f *fakeGCP) projects() []fakeProject {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.all) != len(fakeProjects)+f.extra {
		f.all = append([]fakeProject{}, fakeProjects...)
		for i := 0; i < f.extra; i++ {
			f.all = append(f.all, fakeProject{id: fmt.Sprintf("nw-team-%04d", i), number: fmt.Sprintf("74%010d", i), parent: sandboxF})
		}
	}
	return f.all
}

// readOnly is every operation the collector may call: method and path.
// Anything else (a setIamPolicy, a create, a delete) fails the test.
var readOnly = []struct {
	op     string
	method string
	path   *regexp.Regexp
}{
	{"cloudasset.searchAllIamPolicies", "GET", regexp.MustCompile(`^/v1/(organizations|folders|projects)/[^/]+:searchAllIamPolicies$`)},
	{"cloudresourcemanager.folders.list", "GET", regexp.MustCompile(`^/v3/folders$`)},
	{"cloudresourcemanager.projects.list", "GET", regexp.MustCompile(`^/v3/projects$`)},
	{"cloudresourcemanager.folders.get", "GET", regexp.MustCompile(`^/v3/folders/[0-9]+$`)},
	{"cloudresourcemanager.projects.get", "GET", regexp.MustCompile(`^/v3/projects/[^/:]+$`)},
	{"cloudresourcemanager.folders.getIamPolicy", "POST", regexp.MustCompile(`^/v3/folders/[0-9]+:getIamPolicy$`)},
	{"cloudresourcemanager.organizations.getIamPolicy", "POST", regexp.MustCompile(`^/v3/organizations/[0-9]+:getIamPolicy$`)},
	{"iam.roles.list", "GET", regexp.MustCompile(`^/v1/roles$`)},
	{"iam.organizations.roles.list", "GET", regexp.MustCompile(`^/v1/organizations/[0-9]+/roles$`)},
	{"iam.projects.roles.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/roles$`)},
	{"iam.policies.listPolicies", "GET", regexp.MustCompile(`^/v2/policies/[^/]+/denypolicies$`)},
	{"iam.policies.get", "GET", regexp.MustCompile(`^/v2/policies/[^/]+/denypolicies/[^/]+$`)},
	{"artifactregistry.projects.locations.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/locations$`)},
	{"artifactregistry.projects.locations.repositories.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/locations/[^/]+/repositories$`)},
	{"iam.projects.locations.workloadIdentityPools.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/locations/global/workloadIdentityPools$`)},
	{"iam.projects.locations.workloadIdentityPools.providers.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/locations/global/workloadIdentityPools/[^/]+/providers$`)},
	{"iam.organizations.locations.principalAccessBoundaryPolicies.list", "GET", regexp.MustCompile(`^/v3/organizations/[0-9]+/locations/global/principalAccessBoundaryPolicies$`)},
	{"iam.organizations.locations.policyBindings.list", "GET", regexp.MustCompile(`^/v3/organizations/[0-9]+/locations/global/policyBindings$`)},
	{"iam.folders.locations.policyBindings.list", "GET", regexp.MustCompile(`^/v3/folders/[0-9]+/locations/global/policyBindings$`)},
	{"iam.projects.locations.policyBindings.list", "GET", regexp.MustCompile(`^/v3/projects/[^/]+/locations/global/policyBindings$`)},
	{"compute.instances.aggregatedList", "GET", regexp.MustCompile(`^/compute/v1/projects/[^/]+/aggregated/instances$`)},
	{"cloudbuild.projects.triggers.list", "GET", regexp.MustCompile(`^/v1/projects/[^/]+/triggers$`)},
	{"orgpolicy.organizations.policies.list", "GET", regexp.MustCompile(`^/v2/organizations/[0-9]+/policies$`)},
	{"orgpolicy.folders.policies.list", "GET", regexp.MustCompile(`^/v2/folders/[0-9]+/policies$`)},
	{"orgpolicy.projects.policies.list", "GET", regexp.MustCompile(`^/v2/projects/[^/]+/policies$`)},
	{"cloudidentity.groups.lookup", "GET", regexp.MustCompile(`^/v1/groups:lookup$`)},
	{"cloudidentity.groups.memberships.list", "GET", regexp.MustCompile(`^/v1/groups/[^/]+/memberships$`)},
}

func (f *fakeGCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := ""
	for _, a := range readOnly {
		if r.Method == a.method && a.path.MatchString(r.URL.Path) {
			op = a.op
			break
		}
	}
	if op == "" && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v2/policies/") {
		// A read, but no route matches: IAM v2 names a policy
		// policies/ATTACHMENT_POINT/denypolicies[/ID], the attachment
		// point one segment with its slashes encoded. A path whose
		// attachment point has literal slashes is not found, as Google's
		// front end answers any path outside the API's routes.
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!DOCTYPE html>\n<title>Error 404 (Not Found)!!1</title>\n<p><b>404.</b> <ins>That’s an error.</ins>\n<p>The requested URL <code>"+
			r.URL.Path+"</code> was not found on this server.  <ins>That’s all we know.</ins>")
		return
	}
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	if op == "" {
		f.forbidden = append(f.forbidden, r.Method+" "+r.URL.Path)
	}
	f.calls = append(f.calls, op)
	key := op + " " + r.URL.Path
	f.seen[key]++
	n := f.seen[key]
	onCall := f.onCall
	f.mu.Unlock()
	if onCall != nil {
		onCall(op)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if op == "" {
		apiError(w, 404, "NOT_FOUND", "", "not a read-only operation of the allowlist: "+r.Method+" "+r.URL.Path)
		return
	}
	if body, ok := f.broken[op]; ok {
		io.WriteString(w, body)
		return
	}
	q := r.URL.Query()
	path := r.URL.Path
	switch op {
	case "cloudasset.searchAllIamPolicies":
		if n == 1 && q.Get("pageToken") == "" {
			// Throttled once: the quota is per minute, the server says when.
			w.Header().Set("Retry-After", "1")
			apiError(w, 429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", "Quota exceeded for quota metric 'Search requests' and limit 'Search requests per minute'.")
			return
		}
		scope := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/"), ":searchAllIamPolicies")
		page(w, q, "results", inScope(scope, searchResults()), 3)
	case "cloudresourcemanager.folders.list":
		var out []any
		for _, fo := range fakeFolders {
			if fo.parent == q.Get("parent") {
				out = append(out, map[string]any{"name": fo.name, "parent": fo.parent, "displayName": fo.display, "state": "ACTIVE",
					"createTime": "2023-01-10T09:00:00.000Z", "updateTime": "2023-01-10T09:00:00.000Z", "etag": "W/\"f1\""})
			}
		}
		page(w, q, "folders", out, 10)
	case "cloudresourcemanager.projects.list":
		var out []any
		for _, p := range f.projects() {
			if p.parent == q.Get("parent") {
				out = append(out, projectJSONFor(p))
			}
		}
		size := 1 // one a page: pages are followed
		if f.extra > 0 {
			size = 500 // the benchmark measures the collector, not the fake's paging
		}
		page(w, q, "projects", out, size)
	case "cloudresourcemanager.folders.get":
		for _, fo := range fakeFolders {
			if "/v3/"+fo.name == path {
				writeJSON(w, map[string]any{"name": fo.name, "parent": fo.parent, "displayName": fo.display, "state": "ACTIVE"})
				return
			}
		}
		apiError(w, 403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED", "Permission 'resourcemanager.folders.get' denied on resource '"+path+"' (or it may not exist).")
	case "cloudresourcemanager.projects.get":
		for _, p := range f.projects() {
			if "/v3/projects/"+p.id == path {
				writeJSON(w, projectJSONFor(p))
				return
			}
		}
		apiError(w, 403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED", "Permission 'resourcemanager.projects.get' denied on resource '"+path+"' (or it may not exist).")
	case "cloudresourcemanager.folders.getIamPolicy", "cloudresourcemanager.organizations.getIamPolicy":
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"requestedPolicyVersion":3`) {
			apiError(w, 400, "INVALID_ARGUMENT", "", "conditional bindings need requestedPolicyVersion 3: "+string(body))
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/v3/"), ":getIamPolicy")
		for _, res := range searchResults() {
			if res.(map[string]any)["resource"] == "//cloudresourcemanager.googleapis.com/"+name {
				writeJSON(w, res.(map[string]any)["policy"])
				return
			}
		}
		writeJSON(w, map[string]any{"version": 1, "etag": "ACAB"})
	case "iam.roles.list":
		if q.Get("view") != "FULL" {
			apiError(w, 400, "INVALID_ARGUMENT", "", "the test expects view=FULL")
			return
		}
		page(w, q, "roles", predefinedRoles(), 2)
	case "iam.organizations.roles.list", "iam.projects.roles.list":
		parent := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/"), "/roles")
		if parent == "projects/"+deniedProj {
			denied(w, "iam.roles.list", parent)
			return
		}
		page(w, q, "roles", customRoles(parent), 10)
	case "iam.policies.listPolicies", "iam.policies.get":
		f.serveDeny(w, op, path)
	case "iam.projects.locations.workloadIdentityPools.list", "iam.projects.locations.workloadIdentityPools.providers.list",
		"iam.organizations.locations.principalAccessBoundaryPolicies.list", "iam.organizations.locations.policyBindings.list",
		"iam.folders.locations.policyBindings.list", "iam.projects.locations.policyBindings.list":
		serveFederation(w, op, path, q) // fake_federation_test.go
	case "compute.instances.aggregatedList", "cloudbuild.projects.triggers.list",
		"orgpolicy.organizations.policies.list", "orgpolicy.folders.policies.list", "orgpolicy.projects.policies.list":
		serveCompute(w, op, path, q) // fake_compute_test.go
	case "artifactregistry.projects.locations.list":
		id := strings.Split(path, "/")[3]
		if id == deniedProj {
			denied(w, "artifactregistry.locations.list", "projects/"+id)
			return
		}
		if id == disabledArt {
			serviceDisabled(w, id)
			return
		}
		var locs []any
		for _, l := range []string{"europe-west1", "us", "us-central1"} {
			locs = append(locs, map[string]any{"name": "projects/" + id + "/locations/" + l, "locationId": l})
		}
		page(w, q, "locations", locs, 2)
	case "artifactregistry.projects.locations.repositories.list":
		parts := strings.Split(path, "/")
		id, loc := parts[3], parts[5]
		if id == "nw-image-factory" && n == 1 {
			apiError(w, 503, "UNAVAILABLE", "", "The service is currently unavailable.")
			return
		}
		repos := repositories(id, loc)
		if strings.HasPrefix(id, "nw-team-") && loc == "us-central1" {
			repos = []any{map[string]any{"name": "projects/" + id + "/locations/us-central1/repositories/images", "format": "DOCKER", "mode": "STANDARD_REPOSITORY"}}
		}
		page(w, q, "repositories", repos, 1)
	case "cloudidentity.groups.lookup":
		email := q.Get("groupKey.id")
		if _, ok := groups()[email]; !ok {
			apiError(w, 403, "PERMISSION_DENIED", "", "Error(2028): Permission denied for resource "+email+" (or it may not exist).")
			return
		}
		writeJSON(w, map[string]any{"name": "groups/" + groupID(email)})
	case "cloudidentity.groups.memberships.list":
		if q.Get("view") != "FULL" {
			apiError(w, 400, "INVALID_ARGUMENT", "", "the test expects view=FULL (member types)")
			return
		}
		gid := strings.Split(path, "/")[3]
		for email, members := range groups() {
			if groupID(email) == gid {
				var out []any
				for i, m := range members {
					typ, id, _ := strings.Cut(m, ":")
					out = append(out, map[string]any{
						"name":               fmt.Sprintf("groups/%s/memberships/%d", gid, 100000+i),
						"preferredMemberKey": map[string]any{"id": id},
						"roles":              []any{map[string]any{"name": "MEMBER"}},
						"type":               typ,
						"createTime":         "2024-02-12T10:31:07.448218Z",
						"updateTime":         "2024-02-12T10:31:07.448218Z",
						"deliverySetting":    "ALL_MAIL",
					})
				}
				page(w, q, "memberships", out, 2)
				return
			}
		}
		apiError(w, 404, "NOT_FOUND", "", "group not found")
	}
}

func (f *fakeGCP) serveDeny(w http.ResponseWriter, op, path string) {
	// The attachment point arrives as one segment: its slashes %2F-encoded
	// (the path is decoded once here).
	rest := strings.TrimPrefix(path, "/v2/policies/")
	enc, id, _ := strings.Cut(rest, "/denypolicies")
	id = strings.TrimPrefix(id, "/")
	ap, err := url.PathUnescape(enc)
	if err != nil || !strings.HasPrefix(ap, "cloudresourcemanager.googleapis.com/") {
		apiError(w, 400, "INVALID_ARGUMENT", "", "bad attachment point "+enc)
		return
	}
	node := strings.TrimPrefix(ap, "cloudresourcemanager.googleapis.com/")
	if node == "projects/"+deniedProj {
		denied(w, "iam.denypolicies.list", node)
		return
	}
	policies := denyPolicies()[node]
	if op == "iam.policies.listPolicies" {
		var out []any
		for _, p := range policies {
			// list gives no rules: they come with get.
			out = append(out, map[string]any{"name": p["name"], "uid": p["uid"], "kind": "DenyPolicy", "displayName": p["displayName"],
				"etag": p["etag"], "createTime": p["createTime"], "updateTime": p["updateTime"]})
		}
		writeJSON(w, map[string]any{"policies": out})
		return
	}
	for _, p := range policies {
		if strings.HasSuffix(p["name"].(string), "/denypolicies/"+id) {
			writeJSON(w, p)
			return
		}
	}
	apiError(w, 404, "NOT_FOUND", "", "no deny policy "+id)
}

// inScope keeps the search results under scope, as Cloud Asset does.
func inScope(scope string, results []any) []any {
	var out []any
	for _, r := range results {
		res := r.(map[string]any)
		in := strings.HasPrefix(scope, "organizations/")
		if f, ok := res["folders"].([]string); ok {
			for _, x := range f {
				in = in || x == scope
			}
		}
		resource := res["resource"].(string)
		in = in || strings.Contains(resource, "/"+scope+"/") || strings.HasSuffix(resource, "/"+scope)
		if in {
			out = append(out, r)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Write(b)
}

// page answers one page of items under key, with a nextPageToken when
// more remain; the token is the offset.
func page(w http.ResponseWriter, q url.Values, key string, items []any, size int) {
	if size <= 0 {
		size = 1
	}
	start, _ := strconv.Atoi(q.Get("pageToken"))
	if start > len(items) {
		start = len(items)
	}
	end := min(start+size, len(items))
	out := map[string]any{}
	if end > start {
		out[key] = items[start:end]
	}
	if end < len(items) {
		out["nextPageToken"] = strconv.Itoa(end)
	}
	writeJSON(w, out)
}

// apiError writes Google's JSON error shape.
func apiError(w http.ResponseWriter, code int, status, reason, msg string) {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if reason != "" {
		e["details"] = []any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}}
	}
	w.WriteHeader(code)
	writeJSON(w, map[string]any{"error": e})
}

func denied(w http.ResponseWriter, permission, resource string) {
	apiError(w, 403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED",
		fmt.Sprintf("Permission '%s' denied on resource '//cloudresourcemanager.googleapis.com/%s' (or it may not exist).", permission, resource))
}

func serviceDisabled(w http.ResponseWriter, id string) {
	var num string
	for _, p := range fakeProjects {
		if p.id == id {
			num = p.number
		}
	}
	apiError(w, 403, "PERMISSION_DENIED", "SERVICE_DISABLED",
		"Artifact Registry API has not been used in project "+num+" before or it is disabled. Enable it by visiting the API library, then retry.")
}

func projectJSONFor(p fakeProject) map[string]any {
	return map[string]any{"name": "projects/" + p.number, "projectId": p.id, "parent": p.parent, "state": "ACTIVE",
		"displayName": p.id, "createTime": "2024-02-26T16:02:11.481Z", "updateTime": "2024-02-26T16:02:11.481Z", "etag": "W/\"p\""}
}

func groupID(email string) string {
	id, _, _ := strings.Cut(email, "@")
	return "0" + strings.ReplaceAll(id, "-", "") + "x"
}

// groups are the Cloud Identity groups: members as TYPE:email.
func groups() map[string][]string {
	return map[string][]string{
		"product-devs@northwind.example":   {"USER:yara@northwind.example", "USER:lead.dev@northwind.example", "GROUP:frontend@northwind.example"},
		"frontend@northwind.example":       {"USER:zoe@northwind.example"},
		"publishers@northwind.example":     {"USER:cleo@northwind.example", "SERVICE_ACCOUNT:ci-publisher@nw-image-factory.iam.gserviceaccount.com"},
		"gcp-org-admins@northwind.example": {"USER:admin@northwind.example"},
	}
}

func bindingOf(role string, members ...string) map[string]any {
	return map[string]any{"role": role, "members": members}
}

func searchResults() []any {
	org := "organizations/" + orgNum
	crm := "//cloudresourcemanager.googleapis.com/"
	return []any{
		map[string]any{"resource": crm + org, "assetType": "cloudresourcemanager.googleapis.com/Organization", "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xk=", "bindings": []any{
				bindingOf("roles/resourcemanager.organizationAdmin", "group:gcp-org-admins@northwind.example"),
				bindingOf("roles/viewer", "domain:northwind.example")}}},
		map[string]any{"resource": crm + platformF, "assetType": "cloudresourcemanager.googleapis.com/Folder", "folders": []string{platformF}, "organization": org,
			"policy": map[string]any{"version": 3, "etag": "BwYh0fLm9Xl=", "bindings": []any{
				bindingOf("organizations/"+orgNum+"/roles/imagePublisher", "group:publishers@northwind.example"),
				map[string]any{"role": "roles/artifactregistry.writer", "members": []string{"user:pat@northwind.example"},
					"condition": map[string]any{"title": "golden only", "description": "Push only to the golden-* repositories.",
						"expression": `resource.name.startsWith("projects/nw-image-factory/locations/europe-west1/repositories/golden-")`}}}}},
		map[string]any{"resource": crm + productsF, "assetType": "cloudresourcemanager.googleapis.com/Folder", "folders": []string{productsF}, "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xm=", "bindings": []any{
				bindingOf("roles/editor", "group:product-devs@northwind.example")}}},
		map[string]any{"resource": crm + "projects/nw-image-factory", "assetType": "cloudresourcemanager.googleapis.com/Project",
			"project": "projects/730000000001", "folders": []string{platformF}, "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xn=", "bindings": []any{
				bindingOf("projects/nw-image-factory/roles/tagMover", "serviceAccount:tagger@nw-image-factory.iam.gserviceaccount.com"),
				bindingOf("roles/artifactregistry.writer", "serviceAccount:builder@nw-image-factory.iam.gserviceaccount.com")}}},
		map[string]any{"resource": "//artifactregistry.googleapis.com/projects/nw-image-factory/locations/europe-west1/repositories/golden-images",
			"assetType": "artifactregistry.googleapis.com/Repository", "project": "projects/730000000001", "folders": []string{platformF}, "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYkq3xQ0aE=", "bindings": []any{
				bindingOf("roles/artifactregistry.writer", "user:contractor.sam@gmail.com")}}},
		map[string]any{"resource": crm + "projects/nw-shop-prod", "assetType": "cloudresourcemanager.googleapis.com/Project",
			"project": "projects/730000000003", "folders": []string{productsF}, "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xo=", "bindings": []any{
				bindingOf("roles/artifactregistry.repoAdmin", "serviceAccount:shop-deployer@nw-shop-prod.iam.gserviceaccount.com")}}},
		map[string]any{"resource": crm + "projects/" + deniedProj, "assetType": "cloudresourcemanager.googleapis.com/Project",
			"project": "projects/730000000005", "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xp=", "bindings": []any{
				bindingOf("roles/owner", "user:mallory@northwind.example")}}},
		map[string]any{"resource": crm + "projects/" + disabledArt, "assetType": "cloudresourcemanager.googleapis.com/Project",
			"project": "projects/730000000006", "organization": org,
			"policy": map[string]any{"version": 1, "etag": "BwYh0fLm9Xq=", "bindings": []any{
				bindingOf("roles/viewer", "user:auditor@northwind.example")}}},
	}
}

func roleOf(name, title string, perms ...string) map[string]any {
	return map[string]any{"name": name, "title": title, "description": title + ".", "includedPermissions": perms, "stage": "GA", "etag": "AA=="}
}

// predefinedRoles are a few predefined roles with the image permissions
// of the shipped table and some others, as roles.list view=FULL gives them.
func predefinedRoles() []any {
	return []any{
		roleOf("roles/artifactregistry.writer", "Artifact Registry Writer", "artifactregistry.attachments.create", "artifactregistry.attachments.delete",
			"artifactregistry.files.upload", "artifactregistry.repositories.get", "artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.create", "artifactregistry.tags.update"),
		roleOf("roles/artifactregistry.repoAdmin", "Artifact Registry Repository Administrator", "artifactregistry.attachments.create", "artifactregistry.attachments.delete",
			"artifactregistry.files.delete", "artifactregistry.files.upload", "artifactregistry.packages.delete", "artifactregistry.repositories.deleteArtifacts",
			"artifactregistry.repositories.uploadArtifacts", "artifactregistry.rules.create", "artifactregistry.rules.delete", "artifactregistry.rules.update",
			"artifactregistry.tags.create", "artifactregistry.tags.delete", "artifactregistry.tags.update", "artifactregistry.versions.delete"),
		roleOf("roles/editor", "Editor", "artifactregistry.repositories.create", "artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.create",
			"artifactregistry.tags.update", "compute.images.create", "compute.images.delete", "compute.instances.setMetadata", "iam.serviceAccounts.actAs", "resourcemanager.projects.get"),
		roleOf("roles/owner", "Owner", "artifactregistry.repositories.uploadArtifacts", "compute.images.create", "resourcemanager.projects.setIamPolicy"),
		roleOf("roles/resourcemanager.organizationAdmin", "Organization Administrator", "resourcemanager.folders.setIamPolicy",
			"resourcemanager.organizations.setIamPolicy", "resourcemanager.projects.setIamPolicy"),
		roleOf("roles/viewer", "Viewer", "resourcemanager.projects.get"),
		// A deleted role is not written: it grants nothing.
		map[string]any{"name": "roles/old.deprecated", "title": "Old", "includedPermissions": []string{"compute.images.create"}, "deleted": true},
	}
}

func customRoles(parent string) []any {
	switch parent {
	case "organizations/" + orgNum:
		return []any{roleOf("organizations/"+orgNum+"/roles/imagePublisher", "Image Publisher",
			"artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.create", "compute.images.create")}
	case "projects/nw-image-factory":
		return []any{roleOf("projects/nw-image-factory/roles/tagMover", "Tag Mover", "artifactregistry.tags.update", "artifactregistry.tags.delete")}
	}
	return nil
}

func denyPolicies() map[string][]map[string]any {
	ap := func(node string) string {
		return "policies/" + url.PathEscape("cloudresourcemanager.googleapis.com/"+node) + "/denypolicies/"
	}
	return map[string][]map[string]any{
		"organizations/" + orgNum: {{
			"name": ap("organizations/"+orgNum) + "no-sa-keys", "uid": "0b9e4d27-8a61-4c3f-b5d2-7e4f1a9c6d80", "kind": "DenyPolicy",
			"displayName": "No service account keys", "etag": "MTczMDgyNDgwMjIwNzczMTAwMA==",
			"createTime": "2024-11-05T16:40:02.207731Z", "updateTime": "2025-06-02T08:15:37.914052Z",
			"rules": []any{map[string]any{"description": "Nobody but the organization admins creates service account keys.",
				"denyRule": map[string]any{"deniedPrincipals": []string{"principalSet://goog/public:all"},
					"exceptionPrincipals": []string{"principalSet://goog/group/gcp-org-admins@northwind.example"},
					"deniedPermissions":   []string{"iam.googleapis.com/serviceAccountKeys.create"}}}},
		}},
		productsF: {{
			"name": ap(productsF) + "no-image-writes-in-products", "uid": "6f1d2c8a-3b4e-4f7a-9c21-0d5e8b7a4f13", "kind": "DenyPolicy",
			"displayName": "No Compute Engine image writes in products", "etag": "MTc0MTk0MzU2NDUxODE2Mzk5Nw==",
			"createTime": "2025-03-14T09:12:44.518163Z", "updateTime": "2025-03-14T09:12:44.518163Z",
			"rules": []any{map[string]any{"description": "Machine images are built in the platform folder.",
				"denyRule": map[string]any{"deniedPrincipals": []string{"principalSet://goog/group/product-devs@northwind.example"},
					"exceptionPrincipals": []string{"principal://goog/subject/lead.dev@northwind.example"},
					"deniedPermissions":   []string{"compute.googleapis.com/images.create", "compute.googleapis.com/images.delete"}}}},
		}},
	}
}

func repositories(id, loc string) []any {
	repo := func(name, format, mode string, extra map[string]any) any {
		r := map[string]any{"name": "projects/" + id + "/locations/" + loc + "/repositories/" + name, "format": format, "mode": mode,
			"description": name, "createTime": "2023-04-18T12:06:51.208719Z", "updateTime": "2026-11-01T04:12:33.551902Z",
			"registryUri": loc + "-docker.pkg.dev/" + id + "/" + name, "sizeBytes": "48210733412", "satisfiesPzi": false}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	switch id + "/" + loc {
	case "nw-image-factory/europe-west1":
		return []any{
			repo("golden-images", "DOCKER", "STANDARD_REPOSITORY", map[string]any{"dockerConfig": map[string]any{"immutableTags": true}, "labels": map[string]string{"tier": "golden"}}),
			repo("base-images", "DOCKER", "STANDARD_REPOSITORY", nil),
		}
	case "nw-image-factory/us":
		return []any{repo("dockerhub-mirror", "DOCKER", "REMOTE_REPOSITORY", map[string]any{"remoteRepositoryConfig": map[string]any{"description": "Docker Hub"}})}
	case "nw-shop-prod/europe-west1":
		return []any{repo("shop-images", "DOCKER", "STANDARD_REPOSITORY", nil)}
	case "nw-sandbox-dev/us-central1":
		return []any{repo("sandbox-images", "DOCKER", "STANDARD_REPOSITORY", nil)}
	}
	return nil
}
