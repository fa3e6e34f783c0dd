package terraform

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/awscloud"
)

// awsKinds are the principals and groups of an authorization-details
// export: the list that holds them and the key of their name.
var awsKinds = map[string][2]string{
	"role":  {"RoleDetailList", "RoleName"},
	"user":  {"UserDetailList", "UserName"},
	"group": {"GroupDetailList", "GroupName"},
}

// awsHeld are the lists of a holder's inline policies, by kind.
var awsInlineList = map[string]string{"role": "RolePolicyList", "user": "UserPolicyList", "group": "GroupPolicyList"}

// awsWorld is one side's AWS inputs: the context's exports, edited, and
// what the plan adds.
type awsWorld struct {
	r        *reader
	side     map[string]*instance
	auth     []*doc                    // context authorization details
	gen      map[string]map[string]any // account -> generated authorization details
	repoPol  []*doc                    // context repository policies
	genRepo  []map[string]any
	registry []*doc // context registry files
	genReg   []map[string]any
	repos    []*doc // context repository lists (for regions)
	orgs     []*doc
	// For Addresses: attachments and inline policies held by groups reach
	// the group's members; recorded here, registered once the members are
	// known (finish).
	groupGrants []groupGrant
	memberships []membership
}

type groupGrant struct{ acct, group, key, addr string }
type membership struct{ acct, user, group, addr string }

// holder is an element of an export with the document it came from (nil
// for a generated one).
type holder struct {
	el map[string]any
	d  *doc
}

func (h holder) touch() {
	if h.d != nil {
		h.d.dirty = true
	}
}

func newAWSWorld(r *reader, side map[string]*instance, docs []*doc) *awsWorld {
	w := &awsWorld{r: r, side: side, gen: map[string]map[string]any{}}
	for _, d := range docs {
		if d == nil {
			continue
		}
		switch d.file.format {
		case awscloud.FormatAuthDetails:
			w.auth = append(w.auth, d)
		case awscloud.FormatRepoPolicy:
			w.repoPol = append(w.repoPol, d)
		case awscloud.FormatRegistry:
			w.registry = append(w.registry, d)
		case awscloud.FormatRepositories:
			w.repos = append(w.repos, d)
		case awscloud.FormatOrganization:
			w.orgs = append(w.orgs, d)
		}
	}
	return w
}

// find lists the copies of a role, user or group (every copy is edited:
// exports may overlap).
func (w *awsWorld) find(kind, acct, name string) []holder {
	k := awsKinds[kind]
	var out []holder
	scan := func(top map[string]any, d *doc) {
		for _, el := range asObjs(top[k[0]]) {
			if asString(el[k[1]]) == name && accountOfARN(asString(el["Arn"])) == acct {
				out = append(out, holder{el, d})
			}
		}
	}
	for _, d := range w.auth {
		scan(d.obj, d)
	}
	if g := w.gen[acct]; g != nil {
		scan(g, nil)
	}
	return out
}

// accountOf is the account of a holder named without an ARN: the one
// account whose export holds it, else the derived account.
func (w *awsWorld) accountOf(kind, name, addr string) string {
	k := awsKinds[kind]
	found := map[string]bool{}
	for _, d := range w.auth {
		for _, el := range asObjs(d.obj[k[0]]) {
			if asString(el[k[1]]) == name {
				found[accountOfARN(asString(el["Arn"]))] = true
			}
		}
	}
	for acct, g := range w.gen {
		for _, el := range asObjs(g[k[0]]) {
			if asString(el[k[1]]) == name {
				found[acct] = true
			}
		}
	}
	if len(found) == 1 {
		return slices.Sorted(maps.Keys(found))[0]
	}
	w.r.needScope("the account", w.r.account, placeholderAccount, addr)
	return w.r.account
}

// genDoc is the generated export of an account.
func (w *awsWorld) genDoc(acct string) map[string]any {
	g := w.gen[acct]
	if g == nil {
		g = map[string]any{"UserDetailList": []any{}, "GroupDetailList": []any{}, "RoleDetailList": []any{}, "Policies": []any{}}
		w.gen[acct] = g
	}
	return g
}

// holderOf finds a role, user or group, or makes one in the generated
// export when neither the context nor the plan has it (with a warning:
// it is analysed with only what the plan gives it).
func (w *awsWorld) holderOf(kind, name, addr string) []holder {
	if strings.HasPrefix(name, "arn:") {
		// Holders are named by name; a few attributes take ARNs.
		name = lastSegment(name)
	}
	acct := w.accountOf(kind, name, addr)
	if hs := w.find(kind, acct, name); len(hs) > 0 {
		return hs
	}
	w.r.plan.warn("%s: %s %q is in neither the context snapshot nor the plan: it is analysed with only what the plan gives it", addr, kind, name)
	el := map[string]any{awsKinds[kind][1]: name, "Path": "/", "Arn": fmt.Sprintf("arn:aws:iam::%s:%s/%s", acct, kind, name),
		awsInlineList[kind]: []any{}, "AttachedManagedPolicies": []any{}}
	if kind == "user" {
		el["GroupList"] = []any{}
	}
	g := w.genDoc(acct)
	g[awsKinds[kind][0]] = append(g[awsKinds[kind][0]].([]any), el)
	return []holder{{el, nil}}
}

// awsARN is the ARN an IAM object will have: from the plan when known,
// else built from the derived account, its path and its name.
func (r *reader) awsARN(side map[string]*instance, in *instance) string {
	if a := in.str("arn"); a != "" {
		return a
	}
	name := in.str("name")
	if name == "" {
		return ""
	}
	kind := strings.TrimPrefix(in.typ, "aws_iam_")
	p := in.str("path")
	if p == "" {
		p = "/"
	}
	r.needScope("the account", r.account, placeholderAccount, in.addr)
	return fmt.Sprintf("arn:aws:iam::%s:%s%s%s", r.account, kind, p, name)
}

func (w *awsWorld) apply(phase int, in *instance) {
	if in.values == nil {
		return
	}
	typ := in.typ
	if in.mode == "data" {
		return
	}
	switch phase {
	case phaseHolders:
		switch typ {
		case "aws_iam_role", "aws_iam_user", "aws_iam_group":
			w.upsertPrincipal(in)
		case "aws_iam_policy":
			w.upsertPolicy(in)
		case "aws_organizations_policy":
			w.upsertSCP(in)
		}
	case phaseRemove:
		w.remove(in)
	case phaseParts:
		w.addPart(in)
	}
}

func (w *awsWorld) upsertPrincipal(in *instance) {
	kind := strings.TrimPrefix(in.typ, "aws_iam_")
	name := in.str("name")
	if name == "" {
		return // unknown until apply: listed in Unknown
	}
	arn := w.r.awsARN(w.side, in)
	acct := accountOfARN(arn)
	p := in.str("path")
	if p == "" {
		p = "/"
	}
	w.r.plan.ref(keyPrincipal(arn), in.addr)
	hs := w.find(kind, acct, name)
	if len(hs) == 0 {
		el := map[string]any{awsKinds[kind][1]: name, awsInlineList[kind]: []any{}, "AttachedManagedPolicies": []any{}}
		if kind == "user" {
			el["GroupList"] = []any{}
		}
		g := w.genDoc(acct)
		g[awsKinds[kind][0]] = append(g[awsKinds[kind][0]].([]any), el)
		hs = []holder{{el, nil}}
	}
	for _, h := range hs {
		h.touch()
		h.el["Path"], h.el["Arn"] = p, arn
		if kind != "group" {
			if b := in.str("permissions_boundary"); b != "" {
				h.el["PermissionsBoundary"] = map[string]any{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b}
			} else {
				delete(h.el, "PermissionsBoundary")
			}
			if tags, ok := in.values["tags"].(map[string]any); ok && len(tags) > 0 {
				var l []any
				for _, k := range slices.Sorted(maps.Keys(tags)) {
					l = append(l, map[string]any{"Key": k, "Value": asString(tags[k])})
				}
				h.el["Tags"] = l
			}
		}
		if kind != "role" {
			continue
		}
		// aws_iam_role manages the trust policy, and its state refreshes the
		// inline policies and managed attachments: the plan's version
		// replaces the context's.
		if t := in.str("assume_role_policy"); t != "" {
			h.el["AssumeRolePolicyDocument"] = policyValue(t)
		} else {
			delete(h.el, "AssumeRolePolicyDocument")
		}
		w.r.plan.ref("aws-trust|"+name, in.addr)
		if v, ok := in.values["inline_policy"].([]any); ok {
			var l []any
			for _, ip := range asObjs(v) {
				n, doc := asString(ip["name"]), asString(ip["policy"])
				if n == "" || doc == "" {
					continue // the provider's empty placeholder block
				}
				l = append(l, map[string]any{"PolicyName": n, "PolicyDocument": policyValue(doc)})
				w.r.plan.ref(keyInline(arn, n), in.addr)
			}
			h.el["RolePolicyList"] = orEmpty(l)
		}
		if v, ok := in.values["managed_policy_arns"].([]any); ok {
			var l []any
			for _, a := range asStrings(v) {
				l = append(l, map[string]any{"PolicyName": lastSegment(a), "PolicyArn": a})
				w.r.plan.ref(keyAttach(arn, a), in.addr)
			}
			h.el["AttachedManagedPolicies"] = orEmpty(l)
		}
	}
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// findPolicy lists the copies of a managed policy.
func (w *awsWorld) findPolicy(arn string) []holder {
	var out []holder
	for _, d := range w.auth {
		for _, el := range asObjs(d.obj["Policies"]) {
			if asString(el["Arn"]) == arn {
				out = append(out, holder{el, d})
			}
		}
	}
	if g := w.gen[accountOfARN(arn)]; g != nil {
		for _, el := range asObjs(g["Policies"]) {
			if asString(el["Arn"]) == arn {
				out = append(out, holder{el, nil})
			}
		}
	}
	return out
}

func (w *awsWorld) upsertPolicy(in *instance) {
	arn := w.r.awsARN(w.side, in)
	if arn == "" {
		return
	}
	w.r.plan.ref("aws-managed|"+arn, in.addr)
	text := in.str("policy")
	p := in.str("path")
	if p == "" {
		p = "/"
	}
	var versions []any
	if text != "" {
		versions = []any{map[string]any{"Document": policyValue(text), "VersionId": "v1", "IsDefaultVersion": true}}
	}
	el := map[string]any{"PolicyName": in.str("name"), "Arn": arn, "Path": p, "DefaultVersionId": "v1",
		"IsAttachable": true, "PolicyVersionList": orEmpty(versions)}
	if text == "" {
		// Unknown until apply: the policy is there, its document is not
		// known; the plug-in must not read a document that is not.
		delete(el, "DefaultVersionId")
	}
	hs := w.findPolicy(arn)
	if len(hs) == 0 {
		if text == "" {
			return // nothing known to add; listed in Unknown
		}
		g := w.genDoc(accountOfARN(arn))
		g["Policies"] = append(g["Policies"].([]any), el)
		return
	}
	for _, h := range hs {
		h.touch()
		for k := range h.el {
			delete(h.el, k)
		}
		for k, v := range el {
			h.el[k] = v
		}
	}
	if text == "" {
		w.dropPolicies(arn)
	}
}

// dropPolicies removes a managed policy and its attachments.
func (w *awsWorld) dropPolicies(arn string) {
	drop := func(top map[string]any, d *doc) {
		if l, ok := top["Policies"].([]any); ok {
			var kept []any
			for _, e := range l {
				if m, ok := e.(map[string]any); ok && asString(m["Arn"]) == arn {
					if d != nil {
						d.dirty = true
					}
					continue
				}
				kept = append(kept, e)
			}
			top["Policies"] = orEmpty(kept)
		}
		for kind := range awsKinds {
			for _, el := range asObjs(top[awsKinds[kind][0]]) {
				if removeWhere(el, "AttachedManagedPolicies", func(m map[string]any) bool { return asString(m["PolicyArn"]) == arn }) && d != nil {
					d.dirty = true
				}
			}
		}
	}
	for _, d := range w.auth {
		drop(d.obj, d)
	}
	for _, g := range w.gen {
		drop(g, nil)
	}
}

// removeWhere drops the objects of el[key] that match; it reports whether
// any did.
func removeWhere(el map[string]any, key string, match func(map[string]any) bool) bool {
	l, ok := el[key].([]any)
	if !ok {
		return false
	}
	var kept []any
	removed := false
	for _, e := range l {
		if m, ok := e.(map[string]any); ok && match(m) {
			removed = true
			continue
		}
		kept = append(kept, e)
	}
	if removed {
		el[key] = orEmpty(kept)
	}
	return removed
}

// removePrincipal removes every copy of a role, user or group.
func (w *awsWorld) removePrincipal(kind, acct, name string) {
	k := awsKinds[kind]
	drop := func(top map[string]any, d *doc) {
		l, ok := top[k[0]].([]any)
		if !ok {
			return
		}
		var kept []any
		for _, e := range l {
			if m, ok := e.(map[string]any); ok && asString(m[k[1]]) == name && accountOfARN(asString(m["Arn"])) == acct {
				if d != nil {
					d.dirty = true
				}
				continue
			}
			kept = append(kept, e)
		}
		top[k[0]] = orEmpty(kept)
	}
	for _, d := range w.auth {
		drop(d.obj, d)
	}
	if g := w.gen[acct]; g != nil {
		drop(g, nil)
	}
}

// remove takes away what a deleted instance defined.
func (w *awsWorld) remove(in *instance) {
	switch in.typ {
	case "aws_iam_role", "aws_iam_user", "aws_iam_group":
		arn := w.r.awsARN(w.side, in)
		w.r.plan.ref(keyPrincipal(arn), in.addr)
		w.removePrincipal(strings.TrimPrefix(in.typ, "aws_iam_"), accountOfARN(arn), in.str("name"))
	case "aws_iam_policy":
		arn := w.r.awsARN(w.side, in)
		w.r.plan.ref("aws-managed|"+arn, in.addr)
		w.dropPolicies(arn)
	case "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy":
		kind := strings.TrimSuffix(strings.TrimPrefix(in.typ, "aws_iam_"), "_policy")
		name := in.str("name")
		for _, h := range w.existing(kind, in.str(kind), in.addr) {
			w.refInline(kind, h, name, in.addr)
			if removeWhere(h.el, awsInlineList[kind], func(m map[string]any) bool { return asString(m["PolicyName"]) == name }) {
				h.touch()
			}
		}
	case "aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment":
		kind := strings.TrimSuffix(strings.TrimPrefix(in.typ, "aws_iam_"), "_policy_attachment")
		w.detach(kind, in.str(kind), in.str("policy_arn"), in.addr)
	case "aws_iam_policy_attachment":
		for _, kind := range []string{"role", "user", "group"} {
			for _, name := range in.strs(kind + "s") {
				w.detach(kind, name, in.str("policy_arn"), in.addr)
			}
		}
	case "aws_iam_group_membership":
		for _, u := range in.strs("users") {
			w.ungroup(u, in.str("group"), in.addr)
		}
	case "aws_iam_user_group_membership":
		for _, g := range in.strs("groups") {
			w.ungroup(in.str("user"), g, in.addr)
		}
	case "aws_ecr_repository_policy", "aws_ecrpublic_repository_policy":
		arn, name := w.repoARN(in)
		w.r.plan.ref("aws-repo-policy|"+name, in.addr)
		w.dropRepoPolicy(arn)
	case "aws_ecr_registry_policy":
		acct := w.registryAccount(in)
		w.r.plan.ref("aws-registry-policy|"+acct+"/"+w.region(), in.addr)
		for _, d := range w.registry {
			if asString(d.obj["registryId"]) == acct && (w.region() == "" || asString(d.obj["region"]) == w.region()) {
				if _, ok := d.obj["policyText"]; ok {
					delete(d.obj, "policyText")
					d.dirty = true
				}
			}
		}
	case "aws_organizations_policy":
		id := w.r.orgPolicyID(in)
		w.r.plan.ref("aws-scp|"+in.str("name"), in.addr)
		for _, d := range w.orgs {
			if removeWhere(d.obj, "Policies", func(m map[string]any) bool { return asString(m["Id"]) == id }) {
				d.dirty = true
			}
		}
	case "aws_organizations_policy_attachment":
		id, target := w.r.value(w.side, in, "policy_id"), in.str("target_id")
		for _, d := range w.orgs {
			for _, p := range asObjs(d.obj["Policies"]) {
				if asString(p["Id"]) == id {
					w.r.plan.ref("aws-scp|"+asString(p["Name"]), in.addr)
					if l, ok := p["Targets"].([]any); ok {
						var kept []any
						for _, t := range l {
							if asString(t) != target {
								kept = append(kept, t)
							}
						}
						p["Targets"] = orEmpty(kept)
						d.dirty = true
					}
				}
			}
		}
	}
}

// existing finds a holder without making one (for removals).
func (w *awsWorld) existing(kind, name, addr string) []holder {
	if name == "" {
		return nil
	}
	if strings.HasPrefix(name, "arn:") {
		name = lastSegment(name)
	}
	return w.find(kind, w.accountOf(kind, name, addr), name)
}

func (w *awsWorld) detach(kind, name, policyARN, addr string) {
	for _, h := range w.existing(kind, name, addr) {
		w.refAttach(kind, h, policyARN, addr)
		if removeWhere(h.el, "AttachedManagedPolicies", func(m map[string]any) bool { return asString(m["PolicyArn"]) == policyARN }) {
			h.touch()
		}
	}
}

func (w *awsWorld) ungroup(user, group, addr string) {
	for _, h := range w.existing("user", user, addr) {
		w.memberships = append(w.memberships, membership{accountOfARN(asString(h.el["Arn"])), user, group, addr})
		l, _ := h.el["GroupList"].([]any)
		var kept []any
		for _, g := range l {
			if asString(g) != group {
				kept = append(kept, g)
			}
		}
		if len(kept) != len(l) {
			h.el["GroupList"] = orEmpty(kept)
			h.touch()
		}
	}
}

func (w *awsWorld) refInline(kind string, h holder, name, addr string) {
	arn := asString(h.el["Arn"])
	if kind == "group" {
		k := "aws-group-inline|" + accountOfARN(arn) + "|" + asString(h.el["GroupName"]) + "|" + name
		w.r.plan.ref(k, addr)
		w.groupGrants = append(w.groupGrants, groupGrant{accountOfARN(arn), asString(h.el["GroupName"]), "", addr})
		return
	}
	w.r.plan.ref(keyInline(arn, name), addr)
}

func (w *awsWorld) refAttach(kind string, h holder, policyARN, addr string) {
	arn := asString(h.el["Arn"])
	if kind == "group" {
		w.groupGrants = append(w.groupGrants, groupGrant{accountOfARN(arn), asString(h.el["GroupName"]), policyARN, addr})
		return
	}
	w.r.plan.ref(keyAttach(arn, policyARN), addr)
}

func (w *awsWorld) attach(kind, name, policyARN, addr string) {
	if name == "" || policyARN == "" {
		return
	}
	for _, h := range w.holderOf(kind, name, addr) {
		w.refAttach(kind, h, policyARN, addr)
		l, _ := h.el["AttachedManagedPolicies"].([]any)
		dup := false
		for _, m := range asObjs(l) {
			if asString(m["PolicyArn"]) == policyARN {
				dup = true
			}
		}
		if !dup {
			h.el["AttachedManagedPolicies"] = append(l, map[string]any{"PolicyName": lastSegment(policyARN), "PolicyArn": policyARN})
			h.touch()
		}
	}
}

func (w *awsWorld) group(user, group, addr string) {
	if user == "" || group == "" {
		return
	}
	for _, h := range w.holderOf("user", user, addr) {
		w.memberships = append(w.memberships, membership{accountOfARN(asString(h.el["Arn"])), user, group, addr})
		l, _ := h.el["GroupList"].([]any)
		for _, g := range l {
			if asString(g) == group {
				return
			}
		}
		h.el["GroupList"] = append(l, group)
		h.touch()
	}
}

func (w *awsWorld) addPart(in *instance) {
	switch in.typ {
	case "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy":
		kind := strings.TrimSuffix(strings.TrimPrefix(in.typ, "aws_iam_"), "_policy")
		holderName, name, text := w.r.value(w.side, in, kind), in.str("name"), in.str("policy")
		if holderName == "" || name == "" {
			return
		}
		for _, h := range w.holderOf(kind, holderName, in.addr) {
			w.refInline(kind, h, name, in.addr)
			removeWhere(h.el, awsInlineList[kind], func(m map[string]any) bool { return asString(m["PolicyName"]) == name })
			h.touch()
			if text == "" {
				continue // unknown until apply: listed in Unknown
			}
			l, _ := h.el[awsInlineList[kind]].([]any)
			h.el[awsInlineList[kind]] = append(l, map[string]any{"PolicyName": name, "PolicyDocument": policyValue(text)})
		}
	case "aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment":
		kind := strings.TrimSuffix(strings.TrimPrefix(in.typ, "aws_iam_"), "_policy_attachment")
		w.attach(kind, w.r.value(w.side, in, kind), w.r.value(w.side, in, "policy_arn"), in.addr)
	case "aws_iam_policy_attachment":
		// Exclusive: the policy is attached to the entities listed and to
		// no other in the account.
		policyARN := w.r.value(w.side, in, "policy_arn")
		if policyARN == "" {
			return
		}
		listed := map[string]bool{}
		for _, kind := range []string{"role", "user", "group"} {
			for _, name := range in.strs(kind + "s") {
				listed[kind+"|"+name] = true
			}
		}
		acct := accountOfARN(policyARN)
		if acct == "" || acct == "aws" {
			acct = w.r.account
		}
		for kind, k := range awsKinds {
			each := func(top map[string]any, d *doc) {
				for _, el := range asObjs(top[k[0]]) {
					if accountOfARN(asString(el["Arn"])) == acct && !listed[kind+"|"+asString(el[k[1]])] &&
						removeWhere(el, "AttachedManagedPolicies", func(m map[string]any) bool { return asString(m["PolicyArn"]) == policyARN }) {
						w.refAttach(kind, holder{el, d}, policyARN, in.addr)
						if d != nil {
							d.dirty = true
						}
					}
				}
			}
			for _, d := range w.auth {
				each(d.obj, d)
			}
			for _, g := range w.gen {
				each(g, nil)
			}
		}
		for _, kind := range []string{"role", "user", "group"} {
			for _, name := range in.strs(kind + "s") {
				w.attach(kind, name, policyARN, in.addr)
			}
		}
	case "aws_iam_group_membership":
		// Exclusive: the group's members are the users listed.
		group := in.str("group")
		if group == "" {
			return
		}
		listed := map[string]bool{}
		for _, u := range in.strs("users") {
			listed[u] = true
		}
		for _, d := range w.auth {
			for _, el := range asObjs(d.obj["UserDetailList"]) {
				if !listed[asString(el["UserName"])] {
					w.ungroup(asString(el["UserName"]), group, in.addr)
				}
			}
		}
		for _, u := range in.strs("users") {
			w.group(u, group, in.addr)
		}
	case "aws_iam_user_group_membership":
		for _, g := range in.strs("groups") {
			w.group(w.r.value(w.side, in, "user"), g, in.addr)
		}
	case "aws_ecr_repository_policy", "aws_ecrpublic_repository_policy":
		arn, name := w.repoARN(in)
		if arn == "" {
			return
		}
		w.r.plan.ref("aws-repo-policy|"+name, in.addr)
		w.dropRepoPolicy(arn)
		if text := in.str("policy"); text != "" {
			w.genRepo = append(w.genRepo, map[string]any{"registryId": accountOfARN(arn), "repositoryName": name,
				"repositoryArn": arn, "policyText": text})
		}
	case "aws_ecr_registry_policy":
		acct, region := w.registryAccount(in), w.region()
		text := in.str("policy")
		w.r.plan.ref("aws-registry-policy|"+acct+"/"+region, in.addr)
		if region == "" {
			w.r.plan.warn("%s: the region of the registry is not in the provider configuration: the policy is applied to the account's registries in every region", in.addr)
		}
		done := false
		for _, d := range w.registry {
			if asString(d.obj["registryId"]) == acct && (region == "" || asString(d.obj["region"]) == region || asString(d.obj["region"]) == "") {
				delete(d.obj, "policyText")
				if text != "" {
					d.obj["policyText"] = text
				}
				d.dirty, done = true, true
			}
		}
		if !done && text != "" {
			reg := map[string]any{"registryId": acct, "policyText": text}
			if region != "" {
				reg["region"] = region
			}
			w.genReg = append(w.genReg, reg)
		}
	case "aws_organizations_policy_attachment":
		id, target := w.r.value(w.side, in, "policy_id"), w.r.value(w.side, in, "target_id")
		if id == "" || target == "" {
			return
		}
		for _, d := range w.orgs {
			for _, p := range asObjs(d.obj["Policies"]) {
				if asString(p["Id"]) != id {
					continue
				}
				w.r.plan.ref("aws-scp|"+asString(p["Name"]), in.addr)
				l, _ := p["Targets"].([]any)
				dup := false
				for _, t := range l {
					dup = dup || asString(t) == target
				}
				if !dup {
					p["Targets"] = append(l, target)
					d.dirty = true
				}
			}
		}
	}
}

// region is the AWS region of the provider configuration, else the one
// region of the context's repositories.
func (w *awsWorld) region() string {
	if w.r.region != "" {
		return w.r.region
	}
	regions := map[string]bool{}
	for _, d := range w.repos {
		for _, rp := range asObjs(d.obj["repositories"]) {
			if parts := strings.SplitN(asString(rp["repositoryArn"]), ":", 6); len(parts) == 6 && parts[2] == "ecr" {
				regions[parts[3]] = true
			}
		}
	}
	for _, d := range w.registry {
		if r := asString(d.obj["region"]); r != "" {
			regions[r] = true
		}
	}
	if len(regions) == 1 {
		return slices.Sorted(maps.Keys(regions))[0]
	}
	return ""
}

func (w *awsWorld) registryAccount(in *instance) string {
	if id := in.str("registry_id"); accountRE.MatchString(id) {
		return id
	}
	w.r.needScope("the registry account", w.r.account, placeholderAccount, in.addr)
	return w.r.account
}

// repoARN is the ARN and name of the repository a repository policy is
// on: the context's repository of that name when there is one, else built
// from the registry account and the region.
func (w *awsWorld) repoARN(in *instance) (string, string) {
	if in.typ == "aws_ecrpublic_repository_policy" {
		name := w.r.value(w.side, in, "repository_name")
		if name == "" {
			return "", ""
		}
		return fmt.Sprintf("arn:aws:ecr-public::%s:repository/%s", w.registryAccount(in), name), name
	}
	name := w.r.value(w.side, in, "repository")
	if name == "" {
		return "", ""
	}
	acct := w.registryAccount(in)
	for _, d := range w.repos {
		for _, rp := range asObjs(d.obj["repositories"]) {
			a := asString(rp["repositoryArn"])
			if asString(rp["repositoryName"]) == name && accountOfARN(a) == acct && strings.HasPrefix(a, "arn:aws:ecr:") {
				return a, name
			}
		}
	}
	region := w.region()
	if region == "" {
		region = "us-east-1"
		w.r.plan.warn("%s: the region of repository %s is neither in the provider configuration nor in the context: %s is assumed", in.addr, name, region)
	}
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, acct, name), name
}

// dropRepoPolicy leaves out the context's policy files of a repository:
// the plan's policy replaces them.
func (w *awsWorld) dropRepoPolicy(arn string) {
	for _, d := range w.repoPol {
		a := asString(d.obj["repositoryArn"])
		if a == "" {
			a = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", asString(d.obj["region"]), asString(d.obj["registryId"]), asString(d.obj["repositoryName"]))
		}
		if a == arn {
			d.drop = true
		}
	}
	kept := w.genRepo[:0]
	for _, g := range w.genRepo {
		if asString(g["repositoryArn"]) != arn {
			kept = append(kept, g)
		}
	}
	w.genRepo = kept
}

// orgPolicyID is an SCP's id: from the plan, else a stand-in made from its
// address (SCP ids are assigned at creation).
func (r *reader) orgPolicyID(in *instance) string {
	if id := in.str("id"); id != "" {
		return id
	}
	return "p-tf" + synthetic(in.addr)[:8]
}

func (w *awsWorld) upsertSCP(in *instance) {
	name, typ := in.str("name"), in.str("type")
	if typ == "" {
		typ = "SERVICE_CONTROL_POLICY"
	}
	if typ != "SERVICE_CONTROL_POLICY" {
		w.r.notEvaluated(in, "organization policy type "+typ+" is not evaluated: only service control policies are")
		return
	}
	w.r.plan.ref("aws-scp|"+name, in.addr)
	if len(w.orgs) == 0 {
		w.r.notEvaluated(in, "the context snapshot has no organization file: the SCP's accounts and its place in the tree are unknown")
		return
	}
	id := w.r.orgPolicyID(in)
	d := w.orgs[0]
	d.dirty = true
	for _, p := range asObjs(d.obj["Policies"]) {
		if asString(p["Id"]) == id {
			p["Name"], p["Type"], p["Content"] = name, typ, in.str("content")
			return
		}
	}
	l, _ := d.obj["Policies"].([]any)
	d.obj["Policies"] = append(l, map[string]any{"Id": id, "Name": name, "Type": typ, "Content": in.str("content"), "Targets": []any{}})
}

// finish registers, for Addresses, the grants groups hold under each of
// their members, and the memberships that give them.
func (w *awsWorld) finish() {
	members := map[string][]string{} // acct|group -> user ARNs
	each := func(top map[string]any) {
		for _, el := range asObjs(top["UserDetailList"]) {
			arn := asString(el["Arn"])
			for _, g := range asStrings(el["GroupList"]) {
				k := accountOfARN(arn) + "|" + g
				members[k] = append(members[k], arn)
			}
		}
	}
	for _, d := range w.auth {
		each(d.obj)
	}
	for _, g := range w.gen {
		each(g)
	}
	joined := map[string][]string{} // user ARN|group -> membership addresses
	for _, m := range w.memberships {
		arn := ""
		for _, h := range w.find("user", m.acct, m.user) {
			arn = asString(h.el["Arn"])
		}
		if arn == "" {
			continue
		}
		w.r.plan.ref("aws-membership|"+arn+"|"+m.group, m.addr)
		joined[arn+"|"+m.group] = append(joined[arn+"|"+m.group], m.addr)
	}
	// A managed policy's grant does not say it came through a group: the
	// group's attachment and the membership are both registered under the
	// member's attachment key.
	for _, gg := range w.groupGrants {
		for _, u := range members[gg.acct+"|"+gg.group] {
			if gg.key == "" {
				continue
			}
			w.r.plan.ref(keyAttach(u, gg.key), gg.addr)
			for _, a := range joined[u+"|"+gg.group] {
				w.r.plan.ref(keyAttach(u, gg.key), a)
			}
		}
	}
	// And a group's own attachments, which the plan does not touch, rest
	// on the memberships the plan makes.
	for _, d := range w.auth {
		for _, g := range asObjs(d.obj["GroupDetailList"]) {
			acctG := accountOfARN(asString(g["Arn"]))
			for _, ap := range asObjs(g["AttachedManagedPolicies"]) {
				for _, u := range members[acctG+"|"+asString(g["GroupName"])] {
					for _, a := range joined[u+"|"+asString(g["GroupName"])] {
						w.r.plan.ref(keyAttach(u, asString(ap["PolicyArn"])), a)
					}
				}
			}
		}
	}
}

func (w *awsWorld) write(out *output) error {
	for _, acct := range slices.Sorted(maps.Keys(w.gen)) {
		if err := out.writeJSON("aws-iam-"+acct, w.gen[acct]); err != nil {
			return err
		}
	}
	sort.SliceStable(w.genRepo, func(i, j int) bool {
		return asString(w.genRepo[i]["repositoryArn"]) < asString(w.genRepo[j]["repositoryArn"])
	})
	for _, rp := range w.genRepo {
		if err := out.writeJSON("aws-ecr-policy-"+asString(rp["repositoryName"]), rp); err != nil {
			return err
		}
	}
	for _, reg := range w.genReg {
		if err := out.writeJSON("aws-ecr-registry-"+asString(reg["registryId"]), reg); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) notEvaluated(in *instance, reason string) {
	for _, n := range r.plan.NotEvaluated {
		if n.Address == in.addr && n.Reason == reason {
			return
		}
	}
	r.plan.NotEvaluated = append(r.plan.NotEvaluated, NotEvaluated{Address: in.addr, Type: in.typ, Reason: reason})
}
