package azurecloud

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	roleVMContributor    = "/providers/Microsoft.Authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
	roleReader           = "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
	roleVMAdminLogin     = "/providers/Microsoft.Authorization/roleDefinitions/1c0163c0-47e6-4577-8991-ea5c82e286e4"
	roleAutomationContr  = "/providers/Microsoft.Authorization/roleDefinitions/f353d9bd-d4a6-484e-a77a-8050b599b867"
	roleAutomationOper   = "/providers/Microsoft.Authorization/roleDefinitions/d3881f73-407a-4167-8283-e981cbba0404"
	roleWebsiteContr     = "/providers/Microsoft.Authorization/roleDefinitions/de139f84-1756-47ae-9be6-808fbbe84772"
	computeSub           = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001"
	computeRG            = computeSub + "/resourceGroups/rg-app"
	computeOtherRG       = computeSub + "/resourceGroups/rg-other"
	computeVM            = computeRG + "/providers/Microsoft.Compute/virtualMachines/vm1"
	computeUAI           = computeRG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai1"
	computeOtherSub      = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002"
	computeAutomation    = computeRG + "/providers/Microsoft.Automation/automationAccounts/aa1"
	computeSite          = computeRG + "/providers/Microsoft.Web/sites/app1"
	computeScaleSet      = computeRG + "/providers/Microsoft.Compute/virtualMachineScaleSets/ss1"
	computeEntraLoginExt = `[{"id": "` + computeVM + `/extensions/AADSSHLoginForLinux", "name": "AADSSHLoginForLinux", "type": "Microsoft.Compute/virtualMachines/extensions"}]`
)

// loadDoc loads one file the way the analyzer does: recognised, then
// loaded.
func loadDoc(t *testing.T, s *Snapshot, file, body string) {
	t.Helper()
	doc := &model.Document{}
	if strings.HasPrefix(strings.TrimSpace(body), "[") {
		if err := json.Unmarshal([]byte(body), &doc.Items); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	} else if err := json.Unmarshal([]byte(body), &doc.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	f := s.Recognize(doc)
	if f == "" {
		t.Fatalf("%s: not recognised", file)
	}
	if err := s.Load(file, f, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func assignment(principal, role, scope, condition string) string {
	c := ""
	if condition != "" {
		c = fmt.Sprintf(`, "condition": %q`, condition)
	}
	return fmt.Sprintf(`{"principalId": %q, "principalName": %q, "principalType": "User", "roleDefinitionId": %q, "scope": %q%s}`, principal, principal, role, scope, c)
}

func vmItem(id, identity, resources string) string {
	r := ""
	if resources != "" {
		r = `, "resources": ` + resources
	}
	return fmt.Sprintf(`{"id": %q, "name": "x", "type": "Microsoft.Compute/virtualMachines", "identity": %s%s}`, id, identity, r)
}

func resourceItem(id, typ, identity string) string {
	return fmt.Sprintf(`{"id": %q, "name": "x", "type": %q, "identity": %s}`, id, typ, identity)
}

const systemIdentity = `{"type": "SystemAssigned", "principalId": "MI-SYSTEM"}`

// takeovers returns the takeover edges as "from -> to" (plus
// " (conditional)").
func takeovers(s *Snapshot) []string {
	var out []string
	for _, e := range s.Edges() {
		if e.Kind != "takeover" {
			continue
		}
		l := e.From + " -> " + e.To
		if e.Conditional {
			l += " (conditional)"
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// TestComputeTakeover: each rule of the compute takeover has a case that
// fails when the rule is removed.
func TestComputeTakeover(t *testing.T) {
	cases := []struct {
		name        string
		assignments []string
		extra       map[string]string // file -> body, besides the assignments
		want        []string
	}{
		{"run command through Virtual Machine Contributor on the resource group",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			[]string{"alice -> mi-system"}},
		{"Reader takes nothing over",
			[]string{assignment("bob", roleReader, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			nil},
		{"an assignment on another resource group does not reach the VM",
			[]string{assignment("alice", roleVMContributor, computeOtherRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			nil},
		{"an assignment on the subscription reaches it",
			[]string{assignment("alice", roleVMContributor, computeSub, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			[]string{"alice -> mi-system"}},
		{"no inventory: no edge",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			nil,
			nil},
		{"a conditional assignment: a conditional edge",
			[]string{assignment("alice", roleVMContributor, computeRG, "@Resource[Microsoft.Compute/virtualMachines:name] StringEquals 'vm1'")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			[]string{"alice -> mi-system (conditional)"}},
		{"a deny assignment on the compute operations takes it away",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]",
				"deny.json": `[{"id": "d1", "denyAssignmentName": "no compute", "scope": "` + computeRG + `", "permissions": [{"actions": ["Microsoft.Compute/*"], "notActions": [], "dataActions": [], "notDataActions": []}], "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}], "excludePrincipals": []}]`},
			nil},
		{"a deny assignment on run command only leaves the extensions",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]",
				"deny.json": `[{"id": "d1", "denyAssignmentName": "no run command", "scope": "` + computeRG + `", "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/runCommand/action", "Microsoft.Compute/virtualMachines/runCommands/write"], "notActions": [], "dataActions": [], "notDataActions": []}], "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}], "excludePrincipals": []}]`},
			[]string{"alice -> mi-system"}},
		{"a custom role with VM write only takes nothing over",
			[]string{assignment("alice", computeSub+"/providers/Microsoft.Authorization/roleDefinitions/vm-writer", computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]",
				"roles.json": `[{"id": "` + computeSub + `/providers/Microsoft.Authorization/roleDefinitions/vm-writer", "roleName": "VM writer", "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/read"], "notActions": [], "dataActions": [], "notDataActions": []}]}]`},
			nil},
		{"Entra login as administrator on a VM with the login extension",
			[]string{assignment("carol", roleVMAdminLogin, computeVM, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, computeEntraLoginExt) + "]"},
			[]string{"carol -> mi-system"}},
		{"Entra login on a VM whose extensions are not listed: conditional",
			[]string{assignment("carol", roleVMAdminLogin, computeVM, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			[]string{"carol -> mi-system (conditional)"}},
		{"Entra login on a VM without the login extension: nothing",
			[]string{assignment("carol", roleVMAdminLogin, computeVM, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "[]") + "]"},
			nil},
		{"user-assigned identity: its principal from the resource",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, `{"type": "SystemAssigned, UserAssigned", "principalId": "mi-system", "userAssignedIdentities": {"`+computeUAI+`": {"principalId": "MI-USER", "clientId": "c"}}}`, "") + "]"},
			[]string{"alice -> mi-system", "alice -> mi-user"}},
		{"user-assigned identity: its principal from the managed identities (A7)",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, `{"type": "UserAssigned", "userAssignedIdentities": {"`+strings.ToUpper(computeUAI)+`": {}}}`, "") + "]",
				"identities.json": `[{"id": "` + computeUAI + `", "name": "uai1", "principalId": "mi-a7", "clientId": "c", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}]`},
			[]string{"alice -> mi-a7"}},
		{"identity type None runs as nothing",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, `{"type": "None", "principalId": "stale"}`, "") + "]"},
			nil},
		{"scale set: run command through Virtual Machine Contributor",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"vmss.json": "[" + resourceItem(computeScaleSet, "Microsoft.Compute/virtualMachineScaleSets", systemIdentity) + "]"},
			[]string{"alice -> mi-system"}},
		{"automation account: Automation Contributor writes and starts a runbook",
			[]string{assignment("dan", roleAutomationContr, computeRG, "")},
			map[string]string{"aa.json": "[" + resourceItem(computeAutomation, "Microsoft.Automation/automationAccounts", systemIdentity) + "]"},
			[]string{"dan -> mi-system"}},
		{"automation account: Automation Operator only starts existing runbooks",
			[]string{assignment("dan", roleAutomationOper, computeRG, "")},
			map[string]string{"aa.json": "[" + resourceItem(computeAutomation, "Microsoft.Automation/automationAccounts", systemIdentity) + "]"},
			nil},
		{"web app: Website Contributor changes its configuration",
			[]string{assignment("erin", roleWebsiteContr, computeRG, "")},
			map[string]string{"sites.json": "[" + resourceItem(computeSite, "Microsoft.Web/sites", systemIdentity) + "]"},
			[]string{"erin -> mi-system"}},
		{"web app: publishing profile only, conditional",
			[]string{assignment("erin", computeSub+"/providers/Microsoft.Authorization/roleDefinitions/publisher", computeRG, "")},
			map[string]string{"sites.json": "[" + resourceItem(computeSite, "Microsoft.Web/sites", systemIdentity) + "]",
				"roles.json": `[{"id": "` + computeSub + `/providers/Microsoft.Authorization/roleDefinitions/publisher", "roleName": "publisher", "permissions": [{"actions": ["Microsoft.Web/sites/publishxml/action"], "notActions": [], "dataActions": [], "notDataActions": []}]}]`},
			[]string{"erin -> mi-system (conditional)"}},
		{"Virtual Machine Contributor does not take over a web app",
			[]string{assignment("alice", roleVMContributor, computeRG, "")},
			map[string]string{"sites.json": "[" + resourceItem(computeSite, "Microsoft.Web/sites", systemIdentity) + "]"},
			nil},
		{"the identity itself draws no edge to itself",
			[]string{assignment("mi-system", roleVMContributor, computeRG, "")},
			map[string]string{"vms.json": "[" + vmItem(computeVM, systemIdentity, "") + "]"},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New()
			loadDoc(t, s, "assignments.json", "["+strings.Join(c.assignments, ",")+"]")
			names := make([]string, 0, len(c.extra))
			for f := range c.extra {
				names = append(names, f)
			}
			sort.Strings(names)
			for _, f := range names {
				loadDoc(t, s, f, c.extra[f])
			}
			if got := takeovers(s); !slices.Equal(got, c.want) {
				t.Errorf("takeover edges %q, want %q", got, c.want)
			}
		})
	}
}

// TestComputeTakeoverEdge: the edge names the resource, the way and the
// grants.
func TestComputeTakeoverEdge(t *testing.T) {
	s := New()
	loadDoc(t, s, "a.json", "["+assignment("alice", roleVMContributor, computeRG, "")+"]")
	loadDoc(t, s, "vms.json", "["+vmItem(computeVM, systemIdentity, "")+"]")
	var got *model.Edge
	for _, e := range s.Edges() {
		if e.Kind == "takeover" {
			got = &e
		}
	}
	if got == nil {
		t.Fatal("no takeover edge")
	}
	if !strings.Contains(got.Note, computeVM) || !strings.Contains(got.Note, "Run Command") || got.Assumed || got.Conditional {
		t.Errorf("edge %+v: want an exact edge whose note names the VM and Run Command", got)
	}
	if !slices.Equal(got.Permissions, []string{"Microsoft.Compute/virtualMachines/runCommand/action"}) || len(got.Via) != 1 || got.Via[0].Statement != "Virtual Machine Contributor" {
		t.Errorf("edge %+v: want runCommand/action through Virtual Machine Contributor", got)
	}
}

// TestComputeInventoryWarnings: subscriptions with no compute inventory
// are named as not assessed; an object-form inventory (even empty) settles
// its subscription; bad entries are warnings naming the file and place.
func TestComputeInventoryWarnings(t *testing.T) {
	warnings := func(s *Snapshot) []model.Warning {
		cat, err := catalog.Load()
		if err != nil {
			t.Fatal(err)
		}
		return s.Evaluate(cat).Warnings
	}
	find := func(ws []model.Warning, sub string) []string {
		var out []string
		for _, w := range ws {
			if strings.Contains(w.Message, sub) {
				out = append(out, w.Where+": "+w.Message)
			}
		}
		return out
	}
	base := "[" + assignment("alice", roleVMContributor, computeRG, "") + "," + assignment("bob", roleReader, computeOtherSub, "") + "]"
	t.Run("no inventory: both subscriptions not assessed", func(t *testing.T) {
		s := New()
		loadDoc(t, s, "a.json", base)
		ws := find(warnings(s), "not assessed for 2 subscription(s)")
		if len(ws) != 1 || !strings.Contains(ws[0], "aaaaaaaa-0000-0000-0000-000000000001") || !strings.Contains(ws[0], "bbbbbbbb-0000-0000-0000-000000000002") || !strings.Contains(ws[0], "A9") {
			t.Errorf("warnings %q: want one naming both subscriptions and the input", ws)
		}
	})
	t.Run("an az list settles the subscriptions of its resources, for their types", func(t *testing.T) {
		s := New()
		loadDoc(t, s, "a.json", base)
		loadDoc(t, s, "vms.json", "["+vmItem(computeVM, systemIdentity, "")+"]")
		ws := warnings(s)
		if got := find(ws, "not assessed for 1 subscription(s)"); len(got) != 1 || strings.Contains(got[0], "aaaaaaaa") || !strings.Contains(got[0], "bbbbbbbb") {
			t.Errorf("warnings %q: want bbbbbbbb only", got)
		}
		if got := find(ws, "does not list"); len(got) != 1 || !strings.Contains(got[0], "aaaaaaaa") || !strings.Contains(got[0], "Microsoft.Web/sites") || strings.Contains(got[0], "virtualMachines,") {
			t.Errorf("warnings %q: want aaaaaaaa's types other than virtual machines", got)
		}
	})
	t.Run("an empty object-form inventory settles its subscription", func(t *testing.T) {
		s := New()
		loadDoc(t, s, "a.json", base)
		loadDoc(t, s, "compute-a.json", `{"subscriptionId": "aaaaaaaa-0000-0000-0000-000000000001", "value": []}`)
		loadDoc(t, s, "compute-b.json", `{"subscriptionId": "BBBBBBBB-0000-0000-0000-000000000002", "resourceTypes": ["Microsoft.Compute/virtualMachines"], "value": []}`)
		ws := warnings(s)
		if got := find(ws, "with no compute inventory"); len(got) != 0 {
			t.Errorf("warnings %q: want none", got)
		}
		if got := find(ws, "does not list"); len(got) != 1 || !strings.Contains(got[0], "bbbbbbbb") || strings.Contains(got[0], "aaaaaaaa") {
			t.Errorf("warnings %q: want bbbbbbbb's other types", got)
		}
	})
	t.Run("bad entries", func(t *testing.T) {
		s := New()
		loadDoc(t, s, "a.json", base)
		loadDoc(t, s, "vms.json", "["+vmItem(computeVM, systemIdentity, "")+`, {"name": "no-id", "type": "Microsoft.Compute/virtualMachines"}, `+
			vmItem(computeSub+"/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm2", `"SystemAssigned"`, "")+", "+
			vmItem(computeSub+"/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm3", `{"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/x/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/unknown": null}}`, "")+", "+
			vmItem(computeSub+"/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm4", `{"type": "SystemAssigned"}`, "")+", "+
			`{"id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st", "type": "Microsoft.Storage/storageAccounts", "identity": {"type": "SystemAssigned", "principalId": "st"}}]`)
		ws := warnings(s)
		for _, want := range []string{"vms.json: [1]: a resource without id", "vms.json: [2].identity: not an identity block", "vms.json: [3]: ", "userAssignedIdentities/unknown", "vms.json: [4].identity.principalId: a system-assigned identity without principalId",
			"vms.json: resources of types whose takeover imagewarden does not decide are ignored: Microsoft.Storage/storageAccounts (1)"} {
			found := false
			for _, w := range ws {
				if strings.Contains(w.Where+": "+w.Message, want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning with %q in %v", want, ws)
			}
		}
		// The good VM is still read.
		if got := takeovers(s); !slices.Equal(got, []string{"alice -> mi-system"}) {
			t.Errorf("takeover edges %q", got)
		}
	})
}

// TestAdminComputeTakeover: a principal that can only assign roles (User
// Access Administrator) on a resource group becomes its admin node, which
// can run code on the VM there and so act as its identity, when that
// identity holds a role outside the resource group; not when all its
// roles are inside, and not when a deny assignment takes the compute
// operations from the admin.
func TestAdminComputeTakeover(t *testing.T) {
	const uaa = "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	const acrPush = "/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
	admin := model.AdminNode(cloudName, computeRG, "ursula")
	deny := `[{"id": "d1", "denyAssignmentName": "no compute", "scope": "` + computeRG + `", "permissions": [{"actions": ["Microsoft.Compute/*"], "notActions": [], "dataActions": ["Microsoft.Compute/*"], "notDataActions": []}], "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}], "excludePrincipals": []}]`
	for _, c := range []struct {
		name     string
		identity string // scope of the identity's AcrPush
		deny     bool
		want     bool
	}{
		{"identity holds a role outside the resource group", computeOtherRG, false, true},
		{"identity's roles are all inside", computeRG, false, false},
		{"a deny assignment takes the compute operations", computeOtherRG, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New()
			loadDoc(t, s, "a.json", "["+assignment("ursula", uaa, computeRG, "")+","+assignment("mi-system", acrPush, c.identity, "")+"]")
			loadDoc(t, s, "vms.json", "["+vmItem(computeVM, systemIdentity, "")+"]")
			if c.deny {
				loadDoc(t, s, "deny.json", deny)
			}
			got := false
			for _, e := range s.Edges() {
				if e.From == admin && e.To == "mi-system" && e.Kind == "admin-takeover" && strings.Contains(e.Note, "virtual machine") {
					got = true
				}
			}
			if got != c.want {
				t.Errorf("admin-takeover %s -> mi-system: %v, want %v (edges %+v)", admin, got, c.want, s.Edges())
			}
		})
	}
}

// TestComputeWarningCapped: the subscriptions not assessed are named up to
// 20, then counted.
func TestComputeWarningCapped(t *testing.T) {
	var as []string
	for i := 0; i < 25; i++ {
		as = append(as, assignment("alice", roleReader, fmt.Sprintf("/subscriptions/%08d-0000-0000-0000-000000000000", i), ""))
	}
	s := New()
	loadDoc(t, s, "a.json", "["+strings.Join(as, ",")+"]")
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range s.Evaluate(cat).Warnings {
		if strings.Contains(w.Message, "not assessed for 25 subscription(s)") {
			if !strings.Contains(w.Message, "00000019-") || strings.Contains(w.Message, "00000020-") || !strings.HasSuffix(w.Message, "and 5 more") {
				t.Errorf("warning %q: want the first 20 named and 5 more counted", w.Message)
			}
			return
		}
	}
	t.Error("no warning for the 25 subscriptions")
}
