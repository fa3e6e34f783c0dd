package azurecollect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// The tenant of the fake: the tenant root group holds mg-platform (with
// sub-platform and sub-shop) and sub-legacy, which the caller may not read.
const (
	tenantID    = "7c1f5e0a-4d2b-4e8a-9f36-2b8d1c5a7e90"
	subPlatform = "11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e"
	subShop     = "22222222-bbbb-4c6d-9e0f-1a2b3c4d5e6f"
	subLegacy   = "33333333-cccc-4d7e-8f90-a1b2c3d4e5f6"

	grpBuilders = "6de71433-511b-428c-8eeb-a3c2f600cc91"
	grpCI       = "aabd4658-e786-4cf6-98d1-65d99d02250f"
	grpGone     = "0e5e2c1a-9d3b-4f6a-8c7e-1b2a3c4d5e6f" // deleted from Entra ID, still assigned
	alice       = "e6c33bde-1f11-406b-a486-f91373a35ead"
	bob         = "2a412cb6-aa4a-445d-aecc-6df47d209946"
	pipelineSP  = "fe8fe175-51c9-4850-96bb-ecfbeb6c8a2c"
	builderMI   = "79d0d21d-1eb7-40ad-873d-15f7dea518f8"
	carol       = "851f17f1-97f5-4c09-b775-3499eb5ded0d"
	callerOID   = "9b0e8a4c-2f1d-4e3b-8a7c-6d5e4f3a2b1c"

	roleContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	roleAcrPush     = "8311e382-0749-4cb8-b61a-304f252e45ec"
	roleReader      = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	roleUAA         = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	roleStorage     = "95dd08a6-00bd-4661-84bf-f6726f83a4d0"
	rolePublisher   = "363c6fe1-ef10-4e46-b3b8-15290ae6e8ec" // custom, defined on mg-platform

	rgGolden   = "/subscriptions/" + subPlatform + "/resourceGroups/rg-golden-images"
	acrGolden  = rgGolden + "/providers/Microsoft.ContainerRegistry/registries/acrgolden"
	galGolden  = rgGolden + "/providers/Microsoft.Compute/galleries/galGolden"
	acrShop    = "/subscriptions/" + subShop + "/resourceGroups/rg-shop/providers/Microsoft.ContainerRegistry/registries/acrshop"
	idBuilder  = rgGolden + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-builder"
	mgPlatform = "/providers/Microsoft.Management/managementGroups/mg-platform"
	mgRoot     = "/providers/Microsoft.Management/managementGroups/" + tenantID
)

// readOnly is every request the collector may send: Resource Manager and
// Microsoft Graph reads, each named as the collector's table of calls
// names it (permissions.go). Anything else fails the test.
var readOnly = []struct {
	op     string
	method string
	path   *regexp.Regexp
}{
	{"subscriptions.list", "GET", regexp.MustCompile(`^/subscriptions$`)},
	{"managementGroups.list", "GET", regexp.MustCompile(`^/providers/Microsoft\.Management/managementGroups$`)},
	{"managementGroups.get", "GET", regexp.MustCompile(`^/providers/Microsoft\.Management/managementGroups/[^/]+$`)},
	{"managementGroups.getDescendants", "GET", regexp.MustCompile(`^/providers/Microsoft\.Management/managementGroups/[^/]+/descendants$`)},
	{"roleAssignments.listForScope", "GET", regexp.MustCompile(`^(/providers/Microsoft\.Management/managementGroups/[^/]+|/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleAssignments$`)},
	{"roleDefinitions.list", "GET", regexp.MustCompile(`^(/providers/Microsoft\.Management/managementGroups/[^/]+|/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions$`)},
	{"denyAssignments.listForScope", "GET", regexp.MustCompile(`^(/providers/Microsoft\.Management/managementGroups/[^/]+|/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/denyAssignments$`)},
	{"registries.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.ContainerRegistry/registries$`)},
	{"galleries.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Compute/galleries$`)},
	{"userAssignedIdentities.listBySubscription", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities$`)},
	{"roleEligibilityScheduleInstances.listForScope", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Authorization/roleEligibilityScheduleInstances$`)},
	{"roleManagementPolicyAssignments.listForScope", "GET", regexp.MustCompile(`^/subscriptions/[^/]+(/.+)?/providers/Microsoft\.Authorization/roleManagementPolicyAssignments$`)},
	{"federatedIdentityCredentials.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+/federatedIdentityCredentials$`)},
	{"virtualMachines.listAll", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Compute/virtualMachines$`)},
	{"virtualMachineScaleSets.listAll", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Compute/virtualMachineScaleSets$`)},
	{"automationAccounts.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Automation/automationAccounts$`)},
	{"webApps.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Web/sites$`)},
	{"containerApps.listBySubscription", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.App/containerApps$`)},
	{"containerGroups.list", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.ContainerInstance/containerGroups$`)},
	{"workflows.listBySubscription", "GET", regexp.MustCompile(`^/subscriptions/[^/]+/providers/Microsoft\.Logic/workflows$`)},
	{"graph.groups.get", "GET", regexp.MustCompile(`^/v1\.0/groups/[^/]+$`)},
	{"graph.groups.listMembers", "GET", regexp.MustCompile(`^/v1\.0/groups/[^/]+/members$`)},
}

// operation names a request as readOnly does; "" when it is not a read
// of the allowlist.
func operation(r *http.Request) string {
	for _, a := range readOnly {
		if r.Method == a.method && a.path.MatchString(r.URL.Path) {
			return a.op
		}
	}
	return ""
}

func allowed(r *http.Request) bool { return operation(r) != "" }

// fakeToken is an unsigned JWT with the claims Azure puts in a user's
// Resource Manager token.
var fakeToken = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"https://management.azure.com","oid":"`+callerOID+`","tid":"`+tenantID+`","upn":"auditor@northwind.example"}`)) +
	".c2lnbmF0dXJl"

type fakeCredential struct{}

func (fakeCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: fakeToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// call is one request the fake served.
type call struct {
	method, path, query string
	status              int
	at                  time.Time
}

// fakeAzure answers Resource Manager and Microsoft Graph with their real
// JSON shapes, pages (nextLink, @odata.nextLink), a 429 with Retry-After,
// a 500 and a 503 on first calls, and 403 AuthorizationFailed for the
// subscription the caller may not read.
type fakeAzure struct {
	mu     sync.Mutex
	calls  []call
	failed map[string]bool
	// onRequest, if set, runs before each request is answered (the
	// cancellation test cancels from it).
	onRequest func(*http.Request)
	// deniedMG is a management group the caller is granted nothing on.
	deniedMG string
	// rootAccess grants the caller a role at the root scope "/", above
	// the tenant root group: few callers have one (an elevated Global
	// Administrator), and a role assigned at the tenant root group does
	// not reach it. Without it, listings at "/" are refused.
	rootAccess bool
	// reliable turns off the first-call failures of failOnce, for tests
	// that are not about retries (a Retry-After costs a second).
	reliable bool
}

func newFake() *fakeAzure { return &fakeAzure{failed: map[string]bool{}} }

// failOnce makes the first request to a path fail with status.
var failOnce = map[string]int{
	"/subscriptions/" + subPlatform + "/providers/Microsoft.Authorization/roleAssignments":          http.StatusTooManyRequests,
	"/providers/Microsoft.Management/managementGroups/" + tenantID + "/descendants":                 http.StatusInternalServerError,
	"/subscriptions/" + subShop + "/providers/Microsoft.ContainerRegistry/registries":               http.StatusServiceUnavailable,
	"/v1.0/groups/" + grpBuilders + "/members":                                                      http.StatusServiceUnavailable,
	"/subscriptions/" + subPlatform + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities": http.StatusTooManyRequests,
}

func (f *fakeAzure) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.onRequest != nil {
		f.onRequest(r)
	}
	status := f.serve(w, r)
	f.mu.Lock()
	f.calls = append(f.calls, call{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, status: status, at: time.Now()})
	f.mu.Unlock()
}

func (f *fakeAzure) serve(w http.ResponseWriter, r *http.Request) int {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !allowed(r) {
		return apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" "+r.URL.Path+" is not a read")
	}
	if r.Header.Get("Authorization") != "Bearer "+fakeToken {
		return apiError(w, http.StatusUnauthorized, "AuthenticationFailed", "no bearer token")
	}
	f.mu.Lock()
	code, fail := failOnce[r.URL.Path]
	first := fail && !f.failed[r.URL.Path] && !f.reliable
	f.failed[r.URL.Path] = true
	f.mu.Unlock()
	if first {
		switch code {
		case http.StatusTooManyRequests:
			// Resource Manager says how long to wait, in seconds.
			w.Header().Set("Retry-After", "1")
			return apiError(w, code, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.")
		case http.StatusInternalServerError:
			return apiError(w, code, "InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '20261128T120000Z'.")
		default:
			return apiError(w, code, "ServiceUnavailable", "The server is currently unable to handle the request.")
		}
	}
	q := r.URL.Query()
	base := "https://" + r.Host + r.URL.Path
	p := r.URL.Path
	if f.deniedMG != "" && (p == mgID(f.deniedMG) || strings.HasPrefix(p, mgID(f.deniedMG)+"/")) {
		return apiError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client '%s' with object id '%s' does not have authorization to perform action 'Microsoft.Management/managementGroups/read' over scope '%s' or the scope is invalid.", "auditor@northwind.example", callerOID, mgID(f.deniedMG)))
	}
	switch {
	case p == "/providers/Microsoft.Management/managementGroups":
		var visible []any
		for _, id := range []string{mgRoot, mgPlatform} {
			name := id[strings.LastIndexByte(id, '/')+1:]
			if name != f.deniedMG {
				visible = append(visible, map[string]any{"id": id, "type": "Microsoft.Management/managementGroups", "name": name,
					"properties": map[string]any{"tenantId": tenantID, "displayName": displayNames[id]}})
			}
		}
		return list(w, r, base, visible, 2)
	case strings.HasPrefix(p, "/v1.0/groups/"):
		return f.graph(w, r, base)
	case p == "/subscriptions":
		return list(w, r, base, subscriptions(), 2)
	case strings.HasSuffix(p, "/descendants"):
		return list(w, r, base, descendants(strings.TrimSuffix(strings.TrimPrefix(p, "/providers/Microsoft.Management/managementGroups/"), "/descendants")), 2)
	case strings.HasPrefix(p, "/providers/Microsoft.Management/managementGroups/") && strings.Count(p, "/") == 4:
		return managementGroup(w, strings.TrimPrefix(p, "/providers/Microsoft.Management/managementGroups/"), q.Get("$expand"))
	}
	i := strings.LastIndex(p, "/providers/Microsoft.")
	if i < 0 {
		return apiError(w, http.StatusNotFound, "NotFound", "no route for "+p)
	}
	scope, resource := p[:i], p[i+len("/providers/Microsoft."):]
	if scope == "" && !f.rootAccess {
		return apiError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client 'auditor@northwind.example' with object id '%s' does not have authorization to perform action 'Microsoft.%s/read' over scope '/' or the scope is invalid. If access was recently granted, please refresh your credentials.", callerOID, resource))
	}
	if strings.HasPrefix(scope, "/subscriptions/") {
		if _, known := parents[strings.Join(strings.SplitN(scope, "/", 4)[:3], "/")]; !known {
			sub := strings.SplitN(scope, "/", 4)[2]
			return apiError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+sub+"' could not be found.")
		}
	}
	if strings.HasPrefix(scope, "/subscriptions/"+subLegacy) {
		return apiError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client 'auditor@northwind.example' with object id '%s' does not have authorization to perform action 'Microsoft.%s/read' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", callerOID, resource, scope))
	}
	switch resource {
	case "Authorization/roleAssignments":
		return list(w, r, base, assignmentsAt(scope, q.Get("$filter") == "atScope()"), 2)
	case "Authorization/denyAssignments":
		return list(w, r, base, deniesAt(scope, q.Get("$filter") == "atScope()"), 2)
	case "Authorization/roleDefinitions":
		if q.Get("api-version") != roleDefinitionsAPI {
			return apiError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "this fake serves role definitions with their conditions only")
		}
		return list(w, r, base, definitionsAt(scope, q.Get("$filter")), 2)
	case "ContainerRegistry/registries":
		v := q.Get("api-version")
		if _, known := registryAPIVersions[v]; !known {
			return apiError(w, http.StatusBadRequest, "NoRegisteredProviderFound", "No registered resource provider found for location 'westeurope' and API version '"+v+"' for type 'registries'.")
		}
		return list(w, r, base, registriesIn(scope, v), 1)
	case "Compute/galleries":
		return list(w, r, base, galleriesIn(scope), 1)
	case "ManagedIdentity/userAssignedIdentities":
		return list(w, r, base, identitiesIn(scope), 1)
	case "Authorization/roleEligibilityScheduleInstances", "Authorization/roleManagementPolicyAssignments":
		return pimList(w, r, base, scope, resource)
	}
	if n := computeList(w, r, base, scope, resource); n != 0 {
		return n
	}
	if strings.HasSuffix(resource, "/federatedIdentityCredentials") {
		return federatedList(w, r, base, scope+"/providers/Microsoft."+strings.TrimSuffix(resource, "/federatedIdentityCredentials"))
	}
	return apiError(w, http.StatusNotFound, "InvalidResourceType", "no such resource type "+resource)
}

func apiError(w http.ResponseWriter, status int, code, msg string) int {
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	w.Write(b)
	return status
}

// list answers one page of items, with a nextLink (ARM) or
// @odata.nextLink (Graph) to the next one while there is one.
func list(w http.ResponseWriter, r *http.Request, base string, items []any, size int) int {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("$skiptoken"))
	end := min(start+size, len(items))
	if start > len(items) {
		start = len(items)
	}
	out := map[string]any{"value": append([]any{}, items[start:end]...)}
	if end < len(items) {
		q.Set("$skiptoken", strconv.Itoa(end))
		next := base + "?" + q.Encode()
		if strings.HasPrefix(r.URL.Path, "/v1.0/") {
			out["@odata.nextLink"] = next
			out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#directoryObjects"
		} else {
			out["nextLink"] = next
		}
	}
	b, _ := json.Marshal(out)
	w.Write(b)
	return http.StatusOK
}

func subscriptions() []any {
	sub := func(id, name string) any {
		return map[string]any{"id": "/subscriptions/" + id, "authorizationSource": "RoleBased", "managedByTenants": []any{}, "subscriptionId": id,
			"tenantId": tenantID, "displayName": name, "state": "Enabled",
			"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}
	}
	return []any{sub(subPlatform, "sub-platform"), sub(subShop, "sub-shop"), sub(subLegacy, "sub-legacy")}
}

// parents is the tenant's hierarchy.
var parents = map[string]string{
	mgPlatform:                      mgRoot,
	"/subscriptions/" + subPlatform: mgPlatform,
	"/subscriptions/" + subShop:     mgPlatform,
	"/subscriptions/" + subLegacy:   mgRoot,
}

var displayNames = map[string]string{mgRoot: "Tenant Root Group", mgPlatform: "Platform", "/subscriptions/" + subPlatform: "sub-platform",
	"/subscriptions/" + subShop: "sub-shop", "/subscriptions/" + subLegacy: "sub-legacy"}

func descendants(mg string) []any {
	root := "/providers/Microsoft.Management/managementGroups/" + mg
	var out []any
	for _, id := range []string{mgPlatform, "/subscriptions/" + subPlatform, "/subscriptions/" + subShop, "/subscriptions/" + subLegacy} {
		below := false
		for p := parents[id]; p != ""; p = parents[p] {
			below = below || p == root
		}
		if !below {
			continue
		}
		typ, name := "Microsoft.Management/managementGroups", id[strings.LastIndexByte(id, '/')+1:]
		if strings.HasPrefix(id, "/subscriptions/") {
			typ = "/subscriptions"
		}
		out = append(out, map[string]any{"id": id, "type": typ, "name": name, "properties": map[string]any{"displayName": displayNames[id], "parent": map[string]any{"id": parents[id]}}})
	}
	return out
}

func managementGroup(w http.ResponseWriter, name, expand string) int {
	id := "/providers/Microsoft.Management/managementGroups/" + name
	if _, ok := displayNames[id]; !ok {
		return apiError(w, http.StatusNotFound, "NotFound", "management group "+name+" not found")
	}
	details := map[string]any{"version": 3, "updatedTime": "2025-06-01T10:00:00.0000000Z", "updatedBy": callerOID, "parent": nil}
	if p := parents[id]; p != "" {
		pn := p[strings.LastIndexByte(p, '/')+1:]
		details["parent"] = map[string]any{"id": p, "name": pn, "displayName": displayNames[p]}
	}
	if expand == "ancestors" {
		names, chain := []any{}, []any{}
		for p := parents[id]; p != ""; p = parents[p] {
			pn := p[strings.LastIndexByte(p, '/')+1:]
			names = append(names, pn)
			chain = append(chain, map[string]any{"name": pn, "displayName": displayNames[p]})
		}
		details["managementGroupAncestors"], details["managementGroupAncestorsChain"] = names, chain
	}
	b, _ := json.Marshal(map[string]any{"id": id, "type": "Microsoft.Management/managementGroups", "name": name,
		"properties": map[string]any{"tenantId": tenantID, "displayName": displayNames[id], "details": details}})
	w.Write(b)
	return http.StatusOK
}

// above lists the scopes whose assignments reach scope: "/", the
// management groups above it, and its path prefixes.
func above(scope string) []string {
	out := []string{"/", scope}
	parts := strings.Split(strings.TrimPrefix(scope, "/"), "/")
	for i := 2; i < len(parts); i += 2 {
		out = append(out, "/"+strings.Join(parts[:i], "/"))
	}
	top := scope
	if strings.HasPrefix(scope, "/subscriptions/") {
		top = "/" + strings.Join(parts[:2], "/")
	}
	for p := parents[top]; p != ""; p = parents[p] {
		out = append(out, p)
	}
	return out
}

// reaches tells whether what is assigned at at is listed at scope: at or
// above it, or below it unless atScope.
func reaches(at, scope string, atScope bool) bool {
	for _, a := range above(scope) {
		if strings.EqualFold(a, at) {
			return true
		}
	}
	return !atScope && strings.HasPrefix(strings.ToLower(at), strings.ToLower(scope)+"/")
}

type assignment struct{ id, scope, role, principal, kind string }

var assignments = []assignment{
	{"0a1b2c3d-0000-4000-8000-000000000001", mgPlatform, roleContributor, grpBuilders, "Group"},
	{"0a1b2c3d-0000-4000-8000-000000000002", "/", roleUAA, carol, "User"},
	{"0a1b2c3d-0000-4000-8000-000000000003", acrGolden, roleAcrPush, pipelineSP, "ServicePrincipal"},
	{"0a1b2c3d-0000-4000-8000-000000000004", rgGolden, rolePublisher, builderMI, "ServicePrincipal"},
	{"0a1b2c3d-0000-4000-8000-000000000005", "/subscriptions/" + subShop, roleReader, grpGone, "Group"},
	{"0a1b2c3d-0000-4000-8000-000000000006", "/subscriptions/" + subLegacy, roleContributor, alice, "User"},
	{"0a1b2c3d-0000-4000-8000-000000000007", "/subscriptions/" + subShop, roleStorage, bob, "User"},
}

func assignmentsAt(scope string, atScope bool) []any {
	var out []any
	for _, a := range assignments {
		if !reaches(a.scope, scope, atScope) {
			continue
		}
		// Resource Manager prefixes the role definition id with the
		// subscription it was listed in: the same assignment comes back
		// with different ids from different subscriptions.
		roleID := "/providers/Microsoft.Authorization/roleDefinitions/" + a.role
		if strings.HasPrefix(scope, "/subscriptions/") {
			roleID = strings.Join(strings.SplitN(scope, "/", 4)[:3], "/") + roleID
		}
		props := map[string]any{"roleDefinitionId": roleID, "principalId": a.principal, "principalType": a.kind, "scope": a.scope,
			"condition": nil, "conditionVersion": nil, "createdOn": "2025-03-01T09:00:00.0000000Z", "updatedOn": "2025-03-01T09:00:00.0000000Z",
			"createdBy": callerOID, "updatedBy": callerOID, "delegatedManagedIdentityResourceId": nil, "description": nil}
		if a.role == roleAcrPush {
			props["description"] = "image pipeline"
		}
		out = append(out, map[string]any{"id": strings.TrimRight(a.scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + a.id,
			"type": "Microsoft.Authorization/roleAssignments", "name": a.id, "properties": props})
	}
	return out
}

func deniesAt(scope string, atScope bool) []any {
	if !reaches(rgGolden, scope, atScope) {
		return []any{}
	}
	return []any{map[string]any{
		"id":   rgGolden + "/providers/Microsoft.Authorization/denyAssignments/d72b277a-60a3-4a2e-812a-4589a70ae169",
		"name": "d72b277a-60a3-4a2e-812a-4589a70ae169", "type": "Microsoft.Authorization/denyAssignments",
		"properties": map[string]any{
			"denyAssignmentName": "Golden image versions: pipeline only", "description": "Only the image pipeline may change gallery image versions.",
			"doNotApplyToChildScopes": false, "isSystemProtected": true, "scope": rgGolden, "condition": nil, "conditionVersion": nil,
			"createdOn": "2025-04-02T09:41:27.3364418Z", "updatedOn": "2025-04-02T09:41:27.3364418Z", "createdBy": nil, "updatedBy": nil,
			"excludePrincipals": []any{map[string]any{"id": pipelineSP, "type": "ServicePrincipal"}},
			"principals":        []any{map[string]any{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}},
			"permissions": []any{map[string]any{"actions": []string{"Microsoft.Compute/galleries/images/versions/write", "Microsoft.Compute/galleries/images/versions/delete"},
				"notActions": []string{}, "dataActions": []string{}, "notDataActions": []string{}, "condition": nil, "conditionVersion": nil}},
		}}}
}

type definition struct {
	id, name, kind string
	scopes         []string
	perms          []any
}

func perm(actions, notActions []string, condition string) any {
	p := map[string]any{"actions": actions, "notActions": notActions, "dataActions": []string{}, "notDataActions": []string{}}
	if condition != "" {
		p["condition"], p["conditionVersion"] = condition, "2.0"
	}
	return p
}

var definitions = []definition{
	{roleContributor, "Contributor", "BuiltInRole", []string{"/"}, []any{perm([]string{"*"}, []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
		"Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete",
		"Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
		"Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action"}, "")}},
	{roleAcrPush, "AcrPush", "BuiltInRole", []string{"/"}, []any{perm([]string{"Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"}, []string{}, "")}},
	{roleReader, "Reader", "BuiltInRole", []string{"/"}, []any{perm([]string{"*/read"}, []string{}, "")}},
	{roleUAA, "User Access Administrator", "BuiltInRole", []string{"/"}, []any{perm([]string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}, []string{}, "")}},
	{roleStorage, "Azure Container Storage Contributor", "BuiltInRole", []string{"/"}, []any{
		perm([]string{"Microsoft.KubernetesConfiguration/extensions/write", "Microsoft.KubernetesConfiguration/extensions/read", "Microsoft.Authorization/*/read"}, []string{}, ""),
		perm([]string{"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"}, []string{},
			"((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{08d4c71acc634ce4a9c85dd251b4d619}))")}},
	{rolePublisher, "Image Publisher", "CustomRole", []string{mgPlatform}, []any{perm([]string{"Microsoft.Compute/galleries/images/versions/write", "Microsoft.Compute/galleries/images/versions/read"}, []string{}, "")}},
}

// definitionsAt answers a role-definition listing: the built-in roles
// anywhere, a custom role at the scopes where it may be assigned.
func definitionsAt(scope, filter string) []any {
	var out []any
	for _, d := range definitions {
		if filter != "type eq '"+d.kind+"'" {
			continue
		}
		if d.kind == "CustomRole" {
			ok := false
			for _, s := range d.scopes {
				ok = ok || reaches(s, scope, true)
			}
			if !ok {
				continue
			}
		}
		out = append(out, map[string]any{"id": scope + "/providers/Microsoft.Authorization/roleDefinitions/" + d.id, "name": d.id,
			"type": "Microsoft.Authorization/roleDefinitions",
			"properties": map[string]any{"roleName": d.name, "type": d.kind, "description": d.name + " role", "assignableScopes": d.scopes,
				"permissions": d.perms, "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2025-01-01T00:00:00.0000000Z", "createdBy": nil, "updatedBy": nil}})
	}
	return out
}

func registriesIn(scope, apiVersion string) []any {
	reg := func(id, rg, mode string, admin bool) any {
		name := id[strings.LastIndexByte(id, '/')+1:]
		props := map[string]any{"loginServer": name + ".azurecr.io", "creationDate": "2024-03-02T11:58:40.129847Z", "provisioningState": "Succeeded",
			"adminUserEnabled": admin, "anonymousPullEnabled": false, "publicNetworkAccess": "Enabled", "networkRuleBypassOptions": "AzureServices",
			"zoneRedundancy": "Disabled", "dataEndpointEnabled": false, "dataEndpointHostNames": []any{}, "privateEndpointConnections": []any{},
			"policies": map[string]any{"quarantinePolicy": map[string]any{"status": "disabled"}}, "encryption": map[string]any{"status": "disabled"}}
		// Older api-versions do not return the permission mode.
		if registryAPIVersions[apiVersion] {
			props["roleAssignmentMode"] = mode
		}
		return map[string]any{"sku": map[string]any{"name": "Premium", "tier": "Premium"}, "type": "Microsoft.ContainerRegistry/registries", "id": id,
			"name": name, "location": "westeurope", "tags": map[string]any{"team": rg}, "properties": props,
			"systemData": map[string]any{"createdBy": "alice@northwind.example", "createdByType": "User", "createdAt": "2024-03-02T11:58:40.129847Z"}}
	}
	switch scope {
	case "/subscriptions/" + subPlatform:
		return []any{reg(acrGolden, "rg-golden-images", "LegacyRegistryPermissions", false)}
	case "/subscriptions/" + subShop:
		return []any{reg(acrShop, "rg-shop", "AbacRepositoryPermissions", true)}
	}
	return []any{}
}

// registryAPIVersions are api-versions of Microsoft.ContainerRegistry
// (not all of them), and whether their registries carry
// roleAssignmentMode: the previews since 2024-11-01-preview and the GA
// 2025-11-01 do; the GA versions before it do not.
var registryAPIVersions = map[string]bool{
	"2023-07-01": false, "2025-04-01": false,
	"2024-11-01-preview": true, "2025-03-01-preview": true, "2025-05-01-preview": true, "2025-11-01": true,
}

func galleriesIn(scope string) []any {
	if scope != "/subscriptions/"+subPlatform {
		return []any{}
	}
	return []any{map[string]any{"id": galGolden, "name": "galGolden", "type": "Microsoft.Compute/galleries", "location": "westeurope",
		"tags": map[string]any{"team": "platform"},
		"properties": map[string]any{"description": "Golden images", "identifier": map[string]any{"uniqueName": tenantID + "-GALGOLDEN"},
			"provisioningState": "Succeeded", "sharingProfile": map[string]any{"permissions": "Private"}}}}
}

func identitiesIn(scope string) []any {
	if scope != "/subscriptions/"+subPlatform {
		return []any{}
	}
	return []any{map[string]any{"id": idBuilder, "name": "id-builder", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope",
		"tags": map[string]any{}, "properties": map[string]any{"tenantId": tenantID, "principalId": builderMI, "clientId": "c0ffee00-1234-4abc-8def-0123456789ab", "isolationScope": "None"}}}
}

// graph answers /v1.0/groups/{id} and its members.
func (f *fakeAzure) graph(w http.ResponseWriter, r *http.Request, base string) int {
	rest := strings.TrimPrefix(r.URL.Path, "/v1.0/groups/")
	id, sub, _ := strings.Cut(rest, "/")
	user := func(id, name, upn string) any {
		return map[string]any{"@odata.type": "#microsoft.graph.user", "id": id, "displayName": name, "userPrincipalName": upn, "mail": upn}
	}
	groups := map[string]struct {
		name    string
		members []any
	}{
		grpBuilders: {"grp-builders", []any{user(alice, "Alice Berg", "alice@northwind.example"),
			map[string]any{"@odata.type": "#microsoft.graph.group", "id": grpCI, "displayName": "grp-ci", "mail": nil},
			map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "id": pipelineSP, "displayName": "sp-image-pipeline", "appId": "5f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"}}},
		grpCI: {"grp-ci", []any{user(bob, "Bob Lund", "bob@northwind.example")}},
	}
	g, ok := groups[id]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"code":"Request_ResourceNotFound","message":"Resource '%s' does not exist or one of its queried reference-property objects are not present.","innerError":{"date":"2026-11-28T12:00:00","request-id":"r","client-request-id":"c"}}}`, id)
		return http.StatusNotFound
	}
	if sub == "members" {
		// Graph returns the selected properties, and the type of each
		// member of this polymorphic list.
		keep := map[string]bool{"@odata.type": true}
		for _, k := range strings.Split(r.URL.Query().Get("$select"), ",") {
			keep[k] = true
		}
		var members []any
		for _, m := range g.members {
			sel := map[string]any{}
			for k, v := range m.(map[string]any) {
				if keep[k] {
					sel[k] = v
				}
			}
			members = append(members, sel)
		}
		return list(w, r, base, members, 2)
	}
	b, _ := json.Marshal(map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName)/$entity", "id": id, "displayName": g.name})
	w.Write(b)
	return http.StatusOK
}
