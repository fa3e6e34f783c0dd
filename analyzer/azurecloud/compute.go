package azurecloud

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// FormatCompute is the compute inventory (docs/inputs.md A9, A10): ARM
// resources that run code (virtual machines, scale sets, automation
// accounts, App Service apps, ...) with their "identity" block, so that a
// principal that can take one over is shown as able to act as the managed
// identities it runs as.
const FormatCompute = "azure-compute"

// takeoverOp is one operation a way of taking compute over needs.
type takeoverOp struct {
	op   string
	data bool
}

// takeoverWay is a set of operations that, all granted at the resource,
// run code of the caller's choosing on it. login ways also need Microsoft
// Entra ID sign-in on the machine (an Entra login extension); capped ways
// are never more than conditional (what else they need is not in the
// inputs).
type takeoverWay struct {
	ops    []takeoverOp
	how    string
	login  bool
	capped bool
}

// computeKind is a resource type the inventory is read for.
type computeKind struct {
	typ   string // as ARM spells it
	label string
	ways  []takeoverWay
}

func ways(how string, ops ...string) takeoverWay {
	w := takeoverWay{how: how}
	for _, op := range ops {
		w.ops = append(w.ops, takeoverOp{op: op})
	}
	return w
}

// computeKinds are the resource types whose takeover is decided, and how.
// Microsoft.Compute/virtualMachines/write alone is not a way: a VM's
// customData is read only when it is created and its userData only when
// the guest chooses to, and its extensions are child resources
// (extensions/write). A scale set's extensionProfile is part of its model,
// so its write runs code once the instances take the new model
// (conditional: that depends on the upgrade policy).
var computeKinds = []computeKind{
	{typ: "Microsoft.Compute/virtualMachines", label: "virtual machine", ways: []takeoverWay{
		ways("Run Command", "Microsoft.Compute/virtualMachines/runCommand/action"),
		ways("a managed Run Command", "Microsoft.Compute/virtualMachines/runCommands/write"),
		ways("an extension (Custom Script)", "Microsoft.Compute/virtualMachines/extensions/write"),
		{ops: []takeoverOp{{"Microsoft.Compute/virtualMachines/loginAsAdmin/action", true}}, how: "Microsoft Entra ID sign-in as administrator", login: true},
		{ops: []takeoverOp{{"Microsoft.Compute/virtualMachines/login/action", true}}, how: "Microsoft Entra ID sign-in (the instance metadata service gives any local user the identity's token)", login: true},
	}},
	{typ: "Microsoft.Compute/virtualMachineScaleSets", label: "scale set", ways: []takeoverWay{
		ways("Run Command on an instance", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action"),
		ways("a managed Run Command on an instance", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommands/write"),
		ways("an extension (Custom Script)", "Microsoft.Compute/virtualMachineScaleSets/extensions/write"),
		{ops: []takeoverOp{{"Microsoft.Compute/virtualMachineScaleSets/write", false}}, how: "an extension in the scale set model, once the instances are upgraded to it", capped: true},
	}},
	{typ: "Microsoft.Automation/automationAccounts", label: "automation account", ways: []takeoverWay{
		ways("a runbook it writes and starts", "Microsoft.Automation/automationAccounts/runbooks/write", "Microsoft.Automation/automationAccounts/jobs/write"),
		ways("a runbook draft it publishes and starts", "Microsoft.Automation/automationAccounts/runbooks/draft/write",
			"Microsoft.Automation/automationAccounts/runbooks/publish/action", "Microsoft.Automation/automationAccounts/jobs/write"),
		ways("a test job of a runbook draft", "Microsoft.Automation/automationAccounts/runbooks/draft/write", "Microsoft.Automation/automationAccounts/runbooks/draft/testJob/write"),
	}},
	{typ: "Microsoft.Web/sites", label: "App Service app", ways: []takeoverWay{
		ways("its configuration (startup command, container image)", "Microsoft.Web/sites/write"),
		ways("its app settings (run from package)", "Microsoft.Web/sites/config/write"),
		ways("a site extension", "Microsoft.Web/sites/extensions/write"),
		{ops: []takeoverOp{{"Microsoft.Web/sites/publishxml/action", false}}, how: "a deployment with the publishing profile's credentials, if basic-auth publishing is enabled", capped: true},
	}},
	{typ: "Microsoft.App/containerApps", label: "container app", ways: []takeoverWay{
		ways("a new revision (image, command)", "Microsoft.App/containerApps/write"),
		ways("a shell in a container (exec)", "Microsoft.App/containerApps/exec/action"),
	}},
	{typ: "Microsoft.ContainerInstance/containerGroups", label: "container group", ways: []takeoverWay{
		ways("a new definition of the group", "Microsoft.ContainerInstance/containerGroups/write"),
		ways("a shell in a container (exec)", "Microsoft.ContainerInstance/containerGroups/containers/exec/action"),
	}},
	{typ: "Microsoft.Logic/workflows", label: "Logic App", ways: []takeoverWay{
		ways("a workflow definition calling with the identity", "Microsoft.Logic/workflows/write"),
	}},
}

// computeKindOf returns the kind of a resource type (any case), or nil.
func computeKindOf(typ string) *computeKind {
	for i := range computeKinds {
		if strings.EqualFold(computeKinds[i].typ, strings.TrimSpace(typ)) {
			return &computeKinds[i]
		}
	}
	return nil
}

// takeoverOps are every operation some way needs.
func takeoverOps() []takeoverOp {
	var out []takeoverOp
	for _, k := range computeKinds {
		for _, w := range k.ways {
			for _, o := range w.ops {
				if !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// computeResource is one listed resource and what it runs as.
type computeResource struct {
	id, norm, name string
	kind           *computeKind
	system         string      // principal id of the system-assigned identity, lower case
	user           []string    // normalised resource ids of the user-assigned identities
	userPrincipal  []string    // their principal ids as the resource lists them ("" when not)
	entraLogin     tri.Tri     // an Entra login extension: True, False, Unknown when the inputs do not say
	place          model.Place // where it was read
}

// computeInventory is what the compute inputs add to a Snapshot.
type computeInventory struct {
	resources map[string]*computeResource // normalised id -> resource
	// listed: subscription (lower case) -> the types (lower case) whose
	// every resource in it the inputs list.
	listed map[string]map[string]bool
}

func (c *computeInventory) list(sub, typ string) {
	if c.listed == nil {
		c.listed = map[string]map[string]bool{}
	}
	if c.listed[sub] == nil {
		c.listed[sub] = map[string]bool{}
	}
	c.listed[sub][strings.ToLower(typ)] = true
}

// subscriptionOf returns the subscription id (lower case) of a scope, or "".
func subscriptionOf(scope string) string {
	n := azure.NormalizeScope(scope)
	if !strings.HasPrefix(n, "/subscriptions/") {
		return ""
	}
	rest := n[len("/subscriptions/"):]
	if i := strings.Index(rest, "/"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ToLower(rest)
}

// isComputeObject recognises the inventory written as one object: a REST
// list answer with the subscription it covers, {"subscriptionId": ...,
// "value": [...]}, possibly empty, optionally with "resourceTypes".
func isComputeObject(doc *model.Document) bool {
	if doc.Object == nil || doc.Object["subscriptionId"] == nil || doc.Object["value"] == nil {
		return false
	}
	var list []struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(doc.Object["value"], &list) != nil {
		return false
	}
	return len(list) == 0 || computeKindOf(list[0].Type) != nil
}

type computeFile struct {
	SubscriptionID string          `json:"subscriptionId"`
	ResourceTypes  []string        `json:"resourceTypes"`
	Value          json.RawMessage `json:"value"`
}

type identityBlock struct {
	Type                   string `json:"type"`
	PrincipalID            string `json:"principalId"`
	UserAssignedIdentities map[string]*struct {
		PrincipalID string `json:"principalId"`
	} `json:"userAssignedIdentities"`
}

// loadCompute reads a compute inventory: an az list (array) or the object
// form. Each resource's subscription and type are marked listed; the
// object form also lists its subscription for resourceTypes (every type
// read when absent), so that an empty answer says "none there".
func (s *Snapshot) loadCompute(file string, doc *model.Document) error {
	c := &s.compute
	var raw []map[string]json.RawMessage
	prefix := ""
	if doc.Object != nil && doc.Object["subscriptionId"] != nil {
		var f computeFile
		b, _ := json.Marshal(doc.Object)
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("compute inventory: %v", err)
		}
		if err := json.Unmarshal(f.Value, &raw); err != nil {
			return fmt.Errorf("compute inventory: value: %v", err)
		}
		sub := subscriptionOf("/subscriptions/" + strings.TrimSpace(f.SubscriptionID))
		if sub == "" || strings.ContainsAny(sub, " /") {
			s.warn(file, "subscriptionId", fmt.Sprintf("%q is not a subscription id: the file settles no subscription", f.SubscriptionID))
		} else {
			types := f.ResourceTypes
			if len(types) == 0 {
				for _, k := range computeKinds {
					types = append(types, k.typ)
				}
			}
			for i, t := range types {
				if computeKindOf(t) == nil {
					s.warn(file, fmt.Sprintf("resourceTypes[%d]", i), fmt.Sprintf("%q is not a compute type imagewarden reads: ignored", t))
					continue
				}
				c.list(sub, t)
			}
		}
		prefix = "value"
	} else {
		raw = items(doc)
	}
	if c.resources == nil {
		c.resources = map[string]*computeResource{}
	}
	other := map[string]int{}
	for i, it := range raw {
		where := fmt.Sprintf("%s[%d]", prefix, i)
		var r struct {
			ID, Name, Type string
			Identity       json.RawMessage
			Resources      json.RawMessage
		}
		if err := decode(it, &r); err != nil || strings.TrimSpace(r.ID) == "" {
			s.warn(file, where, "a resource without id is ignored")
			continue
		}
		kind := computeKindOf(r.Type)
		if kind == nil {
			other[strings.TrimSpace(r.Type)]++
			continue
		}
		sub := subscriptionOf(r.ID)
		if sub == "" {
			s.warn(file, where+".id", fmt.Sprintf("%q is not a resource id under a subscription: ignored", r.ID))
			continue
		}
		c.list(sub, kind.typ)
		res := &computeResource{id: strings.TrimRight(strings.TrimSpace(r.ID), "/"), norm: azure.NormalizeScope(r.ID), name: r.Name, kind: kind,
			entraLogin: entraLogin(r.Resources), place: model.Place{File: file, Where: where}}
		var id identityBlock
		if len(r.Identity) > 0 && string(r.Identity) != "null" {
			if err := json.Unmarshal(r.Identity, &id); err != nil {
				s.warn(file, where+".identity", "not an identity block: the resource is taken to run as no identity")
			}
		}
		t := strings.ToLower(id.Type)
		if t != "none" {
			if id.PrincipalID != "" {
				res.system = strings.ToLower(strings.TrimSpace(id.PrincipalID))
				s.principal(res.system, r.Name+" (system-assigned identity)", "ManagedIdentity")
			} else if strings.Contains(t, "systemassigned") {
				s.warn(file, where+".identity.principalId", "a system-assigned identity without principalId: takeover of it is not assessed")
			}
			keys := make([]string, 0, len(id.UserAssignedIdentities))
			for k := range id.UserAssignedIdentities {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := ""
				if v := id.UserAssignedIdentities[k]; v != nil {
					p = strings.ToLower(strings.TrimSpace(v.PrincipalID))
				}
				s.remember(k, false)
				res.user = append(res.user, azure.NormalizeScope(k))
				res.userPrincipal = append(res.userPrincipal, p)
			}
		}
		if prev, dup := c.resources[res.norm]; dup {
			s.warn(file, where, fmt.Sprintf("resource %s is listed twice (first at %s): the one read last is used", res.id, prev.place))
		}
		c.resources[res.norm] = res
		s.remember(r.ID, true)
	}
	if len(other) > 0 {
		types := make([]string, 0, len(other))
		for t, n := range other {
			types = append(types, fmt.Sprintf("%s (%d)", t, n))
		}
		sort.Strings(types)
		s.warn(file, "", "resources of types whose takeover imagewarden does not decide are ignored: "+strings.Join(types, ", "))
	}
	return nil
}

// entraLogin reads a VM's "resources" (its extensions, as az vm list
// prints them): True when one is a Microsoft Entra ID login extension,
// False when none is, Unknown when the list is absent.
func entraLogin(raw json.RawMessage) tri.Tri {
	if len(raw) == 0 || string(raw) == "null" {
		return tri.Unknown
	}
	var exts []map[string]any
	if json.Unmarshal(raw, &exts) != nil {
		return tri.Unknown
	}
	for _, e := range exts {
		for _, k := range []string{"id", "name", "typePropertiesType", "virtualMachineExtensionType"} {
			v, _ := e[k].(string)
			v = strings.ToLower(v)
			if strings.HasSuffix(v, "aadsshloginforlinux") || strings.HasSuffix(v, "aadloginforwindows") {
				return tri.True
			}
		}
	}
	return tri.False
}

// runsAs lists the principals a resource runs as: its system-assigned
// identity, then its user-assigned ones (their principal as the resource
// lists it, else as the managed identities of A7 do), and the identities
// whose principal is not known.
func (s *Snapshot) runsAs(r *computeResource) (principals, unresolved []string) {
	if r.system != "" {
		principals = append(principals, r.system)
	}
	for i, u := range r.user {
		p := r.userPrincipal[i]
		if p == "" {
			p = s.identities[u]
		}
		if p == "" {
			unresolved = append(unresolved, s.name(u))
			continue
		}
		if !slices.Contains(principals, p) {
			principals = append(principals, p)
		}
	}
	return principals, unresolved
}

// computeWarnings say what the compute inventory leaves unassessed: the
// subscriptions the inputs name with no compute inventory (their compute
// takeover is not assessed: no edge is drawn), those listed for some
// compute types only, and user-assigned identities whose principal is not
// known.
func (s *Snapshot) computeWarnings() []model.Warning {
	var out []model.Warning
	subs := map[string]bool{}
	note := func(scope string) {
		if sub := subscriptionOf(scope); sub != "" {
			subs[sub] = true
		}
	}
	for _, a := range s.assignments {
		note(a.Scope)
	}
	for _, d := range s.denies {
		note(d.Scope)
	}
	for k, p := range s.parents {
		note(k)
		note(p)
	}
	for k := range s.registries {
		note(k)
	}
	for k := range s.identities {
		note(k)
	}
	var none, partial []string
	for sub := range subs {
		l := s.compute.listed[sub]
		if len(l) == 0 {
			none = append(none, sub)
			continue
		}
		var missing []string
		for _, k := range computeKinds {
			if !l[strings.ToLower(k.typ)] {
				missing = append(missing, k.typ)
			}
		}
		if len(missing) > 0 {
			partial = append(partial, sub+" ("+strings.Join(missing, ", ")+")")
		}
	}
	sort.Strings(none)
	sort.Strings(partial)
	if len(none) > 0 {
		out = append(out, model.Warning{Message: fmt.Sprintf("compute takeover (run command on a VM, a runbook, an App Service deployment, ...) was not assessed for %d subscription(s) with no compute inventory (docs/inputs.md A9: az vm list, az vmss list, az automation account list, az webapp list ...): no edge to the managed identities their compute runs as: %s",
			len(none), capped(none, ", "))})
	}
	if len(partial) > 0 {
		out = append(out, model.Warning{Message: "compute takeover was not assessed for the resource types the compute inventory (docs/inputs.md A9) does not list in these subscriptions: " + capped(partial, "; ")})
	}
	keys := make([]string, 0, len(s.compute.resources))
	for k := range s.compute.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := s.compute.resources[k]
		if _, un := s.runsAs(r); len(un) > 0 {
			out = append(out, model.Warning{Where: r.place.File + ": " + r.place.Where, Message: fmt.Sprintf("%s %s: the principal of user-assigned identity %s is not known (no principalId, and not in the managed identities, docs/inputs.md A7): takeover of it is not assessed",
				r.kind.label, r.id, strings.Join(un, ", "))})
		}
	}
	return out
}

// capped joins at most 20 items, saying how many more there are: an
// organization may have thousands of subscriptions without an inventory.
func capped(items []string, sep string) string {
	const most = 20
	if len(items) <= most {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:most], sep) + fmt.Sprintf("%s and %d more", sep, len(items)-most)
}

// computeInfo is a listed resource as the index decides it.
type computeInfo struct {
	r     *computeResource
	scope int32
	runs  []string // principal ids it runs as
}

// indexCompute numbers the listed resources and files them under every
// scope above them, so that a principal visits only the resources under
// the scopes it holds.
func (ix *index) indexCompute() {
	s := ix.s
	keys := make([]string, 0, len(s.compute.resources))
	for k := range s.compute.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ix.computeUnder = map[int32][]int32{}
	for _, k := range keys {
		r := s.compute.resources[k]
		runs, _ := s.runsAs(r)
		if len(runs) == 0 {
			continue
		}
		i := int32(len(ix.compute))
		info := computeInfo{r: r, scope: ix.scope(r.norm), runs: runs}
		ix.compute = append(ix.compute, info)
		for _, a := range ix.anc[info.scope] {
			ix.computeUnder[a] = append(ix.computeUnder[a], i)
		}
	}
}

// registerTakeoverOps numbers the operations of the takeover ways.
func (ix *index) registerTakeoverOps() {
	for _, o := range takeoverOps() {
		ix.op(o.op, o.data)
	}
}

// decideWay decides one way at a view: every operation, the Entra login
// extension and the cap.
func (ix *index) decideWay(sub *subject, v *view, w *takeoverWay, r *computeResource) tri.Tri {
	res := tri.True
	for _, o := range w.ops {
		res = res.And(ix.allowed(sub, v, ix.opID[opKey{o.op, o.data}]))
		if res == tri.False {
			return res
		}
	}
	if w.login {
		res = res.And(r.entraLogin)
	}
	if w.capped {
		res = res.And(tri.Unknown)
	}
	return res
}

// wayGranted reports whether the subject's roles grant every operation of
// some way of a kind anywhere: resources of kinds it cannot take over are
// not visited.
func (ix *index) wayGranted(sub *subject, k *computeKind) bool {
	for _, w := range k.ways {
		all := true
		for _, o := range w.ops {
			if !sub.grants[ix.opID[opKey{o.op, o.data}]] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// takeoverEdges: a principal that can run code on a listed resource (run
// command, an extension, a runbook, a deployment, ...) acts as every
// managed identity the resource runs as. The resources visited are those
// under the scopes the principal holds an assignment at.
func (ix *index) takeoverEdges(sub *subject) []model.Edge {
	if len(ix.compute) == 0 || !sub.grantsAny {
		return nil
	}
	var reached []int32
	for _, h := range sub.held {
		reached = append(reached, ix.computeUnder[h]...)
	}
	slices.Sort(reached)
	reached = slices.Compact(reached)
	var out []model.Edge
	for _, i := range reached {
		ci := &ix.compute[i]
		k := ci.r.kind
		if !ix.wayGranted(sub, k) {
			continue
		}
		v := ix.view(sub, ci.scope)
		best, bw := tri.False, -1
		for wi := range k.ways {
			d := ix.decideWay(sub, v, &k.ways[wi], ci.r)
			if d == tri.True || (d == tri.Unknown && best == tri.False) {
				best, bw = d, wi
			}
			if best == tri.True {
				break
			}
		}
		if best == tri.False {
			continue
		}
		w := &k.ways[bw]
		first := w.ops[0]
		tg, _ := ix.target(sub, v, ix.opID[opKey{first.op, first.data}], ix.scopes[ci.scope].name, true, false)
		var perms []string
		for _, o := range w.ops {
			perms = append(perms, o.op)
		}
		for _, p := range ci.runs {
			if p == sub.id {
				continue
			}
			out = append(out, model.Edge{From: sub.id, To: p, Cloud: cloudName, Kind: "takeover", Permissions: perms, Via: tg.Via,
				Conditional: best == tri.Unknown, Note: takeoverNote(k, w, ci.r, ix.scopes[ci.scope].name)})
		}
	}
	return out
}

// takeoverNote says which compute is taken over, and how.
func takeoverNote(k *computeKind, w *takeoverWay, r *computeResource, resource string) string {
	n := "can run code on the " + k.label + " " + resource + " through " + w.how + ", and so act as the managed identity it runs as"
	switch {
	case w.login && r.entraLogin == tri.Unknown:
		n += " (if it has a Microsoft Entra ID login extension: the inventory does not list its extensions)"
	case w.capped:
		n += " (conditional: the inputs do not say whether that is possible)"
	}
	return n
}

// adminComputeEdges: an admin node (a principal that can assign itself
// any role at a scope) can also run code on the listed compute under the
// scope, and so act as the managed identities it runs as; as for
// adminBridgeEdges, only identities that hold a role assignment outside
// the scope are a way out, and the deny assignments that still apply to
// the admin decide.
func (ix *index) adminComputeEdges(edges []model.Edge) []model.Edge {
	if len(ix.compute) == 0 {
		return nil
	}
	var out []model.Edge
	for _, admin := range model.AdminTargets(edges) {
		_, scope, principal, _ := model.ParseAdminNode(admin)
		norm, ok := ix.scopeID[azure.NormalizeScope(scope)]
		if !ok {
			continue
		}
		sub := ix.subjectFor(principal)
		for _, i := range ix.computeUnder[norm] {
			ci := &ix.compute[i]
			k := ci.r.kind
			best, bw := tri.False, -1
			for wi := range k.ways {
				w := &k.ways[wi]
				d := tri.True
				for _, o := range w.ops {
					d = d.And(ix.adminAllowed(sub, norm, ci.scope, ix.opID[opKey{o.op, o.data}], true))
				}
				if w.login {
					d = d.And(ci.r.entraLogin)
				}
				if w.capped {
					d = d.And(tri.Unknown)
				}
				if d == tri.True {
					best, bw = d, wi
					break
				}
				if d == tri.Unknown && best == tri.False {
					best, bw = d, wi
				}
			}
			if best == tri.False {
				continue
			}
			w := &k.ways[bw]
			var perms []string
			for _, o := range w.ops {
				perms = append(perms, o.op)
			}
			for _, p := range ci.runs {
				if p == strings.ToLower(principal) || !ix.assignedOutside(p, norm) {
					continue
				}
				out = append(out, model.Edge{From: admin, To: p, Cloud: cloudName, Kind: "admin-takeover", Permissions: perms,
					Conditional: best == tri.Unknown, Note: adminTakeoverNote(k, w, scope, ix.scopes[ci.scope].name)})
			}
		}
	}
	return out
}

func adminTakeoverNote(k *computeKind, w *takeoverWay, scope, resource string) string {
	return "as an administrator of " + scope + ", can run code on the " + k.label + " " + resource + " through " + w.how +
		"; the managed identity it runs as holds roles outside " + scope
}
