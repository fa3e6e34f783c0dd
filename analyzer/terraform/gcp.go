package terraform

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
)

const crmPrefix = "//cloudresourcemanager.googleapis.com/"

// gcpWorld is one side's GCP inputs: the context's allow policies, custom
// roles and deny policies, edited, and what the plan adds.
type gcpWorld struct {
	r        *reader
	side     map[string]*instance
	policies []gcpEntry // context allow policies, one per resource entry
	roles    []*doc
	denies   []*doc
	alias    map[string]string // project number -> project id
	gen      []map[string]any  // generated allow policies (search format), by node
	genIdx   map[string]map[string]any
	genRoles []any
	genDeny  []any
}

// gcpEntry is one context entry holding the allow policy of a resource.
type gcpEntry struct {
	it     map[string]any
	d      *doc
	node   string // canonical full resource name
	policy string // the key of its policy in it
}

func newGCPWorld(r *reader, side map[string]*instance, docs []*doc) *gcpWorld {
	w := &gcpWorld{r: r, side: side, alias: map[string]string{}, genIdx: map[string]map[string]any{}}
	for _, d := range docs {
		if d == nil || d.file.format != gcpcloud.FormatProjects {
			continue
		}
		for _, it := range d.list() {
			if n, id := asString(it["projectNumber"]), asString(it["projectId"]); n != "" && id != "" {
				w.alias[n] = id
			}
		}
	}
	for _, d := range docs {
		if d == nil {
			continue
		}
		switch d.file.format {
		case gcpcloud.FormatPolicySearch:
			for _, it := range d.list() {
				res := asString(it["resource"])
				// A search result names a project by id and gives its number.
				if strings.HasPrefix(res, crmPrefix+"projects/") {
					if n := strings.TrimPrefix(asString(it["project"]), "projects/"); n != "" {
						w.alias[n] = strings.TrimPrefix(res, crmPrefix+"projects/")
					}
				}
				w.policies = append(w.policies, gcpEntry{it: it, d: d, node: res, policy: "policy"})
			}
		case gcpcloud.FormatAssetExport:
			for _, it := range d.list() {
				key := "iam_policy"
				if _, ok := it["iamPolicy"]; ok {
					key = "iamPolicy"
				}
				w.policies = append(w.policies, gcpEntry{it: it, d: d, node: asString(it["name"]), policy: key})
			}
		case gcpcloud.FormatPolicy:
			w.policies = append(w.policies, gcpEntry{it: d.obj, d: d, node: asString(d.obj["resource"]), policy: "policy"})
		case gcpcloud.FormatRoles:
			w.roles = append(w.roles, d)
		case gcpcloud.FormatDenyPolicies:
			w.denies = append(w.denies, d)
		}
	}
	for i := range w.policies {
		w.policies[i].node = w.canonical(w.policies[i].node)
	}
	return w
}

// canonical names a project by id where its number is known.
func (w *gcpWorld) canonical(full string) string {
	for _, svc := range []string{crmPrefix, "//artifactregistry.googleapis.com/", "//compute.googleapis.com/", "//iam.googleapis.com/"} {
		rest, ok := strings.CutPrefix(full, svc+"projects/")
		if !ok {
			continue
		}
		p, tail, _ := strings.Cut(rest, "/")
		if id := w.alias[p]; id != "" {
			p = id
		}
		if tail != "" {
			return svc + "projects/" + p + "/" + tail
		}
		return svc + "projects/" + p
	}
	return full
}

// gcpTarget is the full resource name and asset type an IAM resource's
// policy sits on.
func (w *gcpWorld) target(in *instance) (string, string) {
	v := func(a string) string { return w.r.value(w.side, in, a) }
	kind := strings.TrimPrefix(in.typ, "google_")
	kind = kind[:strings.Index(kind, "_iam_")]
	switch kind {
	case "organization":
		if id := strings.TrimPrefix(v("org_id"), "organizations/"); id != "" {
			return crmPrefix + "organizations/" + id, "cloudresourcemanager.googleapis.com/Organization"
		}
	case "folder":
		if id := strings.TrimPrefix(v("folder"), "folders/"); id != "" {
			return crmPrefix + "folders/" + id, "cloudresourcemanager.googleapis.com/Folder"
		}
	case "project":
		if id := strings.TrimPrefix(v("project"), "projects/"); id != "" {
			return w.canonical(crmPrefix + "projects/" + id), "cloudresourcemanager.googleapis.com/Project"
		}
	case "artifact_registry_repository":
		repo := v("repository")
		if !strings.HasPrefix(repo, "projects/") {
			p, l := strings.TrimPrefix(v("project"), "projects/"), v("location")
			if repo == "" || p == "" || l == "" {
				return "", ""
			}
			repo = "projects/" + p + "/locations/" + l + "/repositories/" + repo
		}
		return w.canonical("//artifactregistry.googleapis.com/" + repo), "artifactregistry.googleapis.com/Repository"
	case "storage_bucket":
		if b := strings.TrimPrefix(v("bucket"), "b/"); b != "" {
			return "//storage.googleapis.com/" + b, "storage.googleapis.com/Bucket"
		}
	case "service_account":
		if sa := v("service_account_id"); strings.HasPrefix(sa, "projects/") {
			return w.canonical("//iam.googleapis.com/" + sa), "iam.googleapis.com/ServiceAccount"
		}
	case "compute_image":
		img := v("image")
		if !strings.HasPrefix(img, "projects/") {
			p := strings.TrimPrefix(v("project"), "projects/")
			if img == "" || p == "" {
				return "", ""
			}
			img = "projects/" + p + "/global/images/" + img
		}
		return w.canonical("//compute.googleapis.com/" + img), "compute.googleapis.com/Image"
	}
	return "", ""
}

// shortNode is how the plug-in names a node in its grants: the
// organization, folders and projects without the service.
func shortNode(full string) string {
	return strings.TrimPrefix(full, crmPrefix)
}

// entries lists the policies of a node: the context's, or a generated one.
func (w *gcpWorld) entries(node, assetType string, create bool) []map[string]any {
	var out []map[string]any
	for _, e := range w.policies {
		if e.node == node {
			p, _ := e.it[e.policy].(map[string]any)
			if p == nil {
				p = map[string]any{}
				e.it[e.policy] = p
			}
			e.d.dirty = true
			out = append(out, p)
		}
	}
	if g := w.genIdx[node]; g != nil {
		out = append(out, g["policy"].(map[string]any))
	}
	if len(out) == 0 && create {
		g := map[string]any{"resource": node, "assetType": assetType, "policy": map[string]any{"bindings": []any{}}}
		if rest, ok := strings.CutPrefix(node, "//"); ok {
			if _, rel, _ := strings.Cut(rest, "/"); strings.HasPrefix(rel, "projects/") && !strings.HasPrefix(node, crmPrefix) {
				parts := strings.SplitN(rel, "/", 3)
				g["project"] = "projects/" + parts[1]
			}
		}
		w.gen = append(w.gen, g)
		w.genIdx[node] = g
		out = append(out, g["policy"].(map[string]any))
	}
	return out
}

// binding is an allow-policy binding as the plan gives it.
type binding struct {
	role      string
	members   []string
	condition map[string]any // nil without condition
}

func condExpr(c map[string]any) string {
	if c == nil {
		return ""
	}
	return asString(c["expression"])
}

func tfCondition(v any) map[string]any {
	for _, c := range asObjs(v) {
		if e := asString(c["expression"]); e != "" {
			out := map[string]any{"expression": e}
			if t := asString(c["title"]); t != "" {
				out["title"] = t
			}
			if d := asString(c["description"]); d != "" {
				out["description"] = d
			}
			return out
		}
	}
	return nil
}

func (b binding) json() map[string]any {
	m := map[string]any{"role": b.role, "members": anyList(b.members)}
	if b.condition != nil {
		m["condition"] = b.condition
	}
	return m
}

// policyBindings reads the bindings of an IAM policy's JSON text
// (policy_data).
func policyBindings(text string) ([]binding, bool) {
	var p struct {
		Bindings []struct {
			Role      string         `json:"role"`
			Members   []string       `json:"members"`
			Condition map[string]any `json:"condition"`
		} `json:"bindings"`
	}
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return nil, false
	}
	var out []binding
	for _, b := range p.Bindings {
		out = append(out, binding{role: b.Role, members: b.Members, condition: b.Condition})
	}
	return out, true
}

func (w *gcpWorld) apply(phase int, in *instance) {
	if in.values == nil || in.mode == "data" || !strings.HasPrefix(in.typ, "google_") {
		return
	}
	switch {
	case strings.HasSuffix(in.typ, "_iam_custom_role"):
		w.customRole(phase, in)
	case in.typ == "google_iam_deny_policy":
		w.denyPolicy(phase, in)
	case strings.HasSuffix(in.typ, "_iam_policy"), strings.HasSuffix(in.typ, "_iam_binding"), strings.HasSuffix(in.typ, "_iam_member"):
		if phase == phaseHolders && strings.HasSuffix(in.typ, "_iam_policy") || phase == phaseParts && !strings.HasSuffix(in.typ, "_iam_policy") {
			w.allow(in, false)
		}
		if phase == phaseRemove {
			w.allow(in, true)
		}
	}
}

// allow lays an IAM policy, binding or member on its resource's policy, or
// (remove) takes it away. A policy replaces every binding, a binding
// every member of its role (and condition), a member adds one member.
func (w *gcpWorld) allow(in *instance, remove bool) {
	node, assetType := w.target(in)
	if node == "" {
		return // unknown until apply: listed in Unknown
	}
	var bs []binding
	switch {
	case strings.HasSuffix(in.typ, "_iam_policy"):
		text := in.str("policy_data")
		if text != "" {
			var ok bool
			if bs, ok = policyBindings(text); !ok {
				w.r.plan.warn("%s: policy_data is not an IAM policy in JSON: the policy is left out", in.addr)
			}
		}
	case strings.HasSuffix(in.typ, "_iam_binding"):
		bs = []binding{{role: w.r.value(w.side, in, "role"), members: in.strs("members"), condition: tfCondition(in.values["condition"])}}
	default:
		if m := w.r.value(w.side, in, "member"); m != "" {
			bs = []binding{{role: w.r.value(w.side, in, "role"), members: []string{m}, condition: tfCondition(in.values["condition"])}}
		}
	}
	for _, b := range bs {
		for _, m := range b.members {
			w.r.plan.ref(keyGCPBinding(shortNode(node), b.role, m), in.addr)
			if strings.HasPrefix(node, crmPrefix+"projects/") {
				for n, id := range w.alias {
					if crmPrefix+"projects/"+id == node {
						w.r.plan.ref(keyGCPBinding("projects/"+n, b.role, m), in.addr)
					}
				}
			}
		}
	}
	for _, p := range w.entries(node, assetType, !remove) {
		cur := asObjs(p["bindings"])
		var kept []any
		switch {
		case strings.HasSuffix(in.typ, "_iam_policy"):
			if !remove {
				for _, b := range bs {
					kept = append(kept, b.json())
				}
			}
		case strings.HasSuffix(in.typ, "_iam_binding"):
			b := bs[0]
			for _, c := range cur {
				if asString(c["role"]) == b.role && condExpr(asMap(c["condition"])) == condExpr(b.condition) {
					continue
				}
				kept = append(kept, c)
			}
			if !remove && b.role != "" && len(b.members) > 0 {
				kept = append(kept, b.json())
			}
		default:
			if len(bs) == 0 || bs[0].role == "" {
				kept = anyList(cur)
				break
			}
			b, done := bs[0], false
			for _, c := range cur {
				if asString(c["role"]) == b.role && condExpr(asMap(c["condition"])) == condExpr(b.condition) {
					members := asStrings(c["members"])
					var out []string
					for _, m := range members {
						if m != b.members[0] {
							out = append(out, m)
						}
					}
					if !remove {
						out = append(out, b.members[0])
						done = true
					}
					if len(out) == 0 {
						continue
					}
					c["members"] = anyList(out)
				}
				kept = append(kept, c)
			}
			if !remove && !done {
				kept = append(kept, b.json())
			}
		}
		p["bindings"] = orEmpty(kept)
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// gcpCustomRoleName is the full name of a custom role.
func gcpCustomRoleName(in *instance) string {
	id := in.str("role_id")
	if id == "" {
		return ""
	}
	if in.typ == "google_organization_iam_custom_role" {
		org := strings.TrimPrefix(in.str("org_id"), "organizations/")
		if org == "" {
			return ""
		}
		return "organizations/" + org + "/roles/" + id
	}
	p := strings.TrimPrefix(in.str("project"), "projects/")
	if p == "" {
		return ""
	}
	return "projects/" + p + "/roles/" + id
}

func (w *gcpWorld) customRole(phase int, in *instance) {
	if phase == phaseParts {
		return
	}
	name := gcpCustomRoleName(in)
	if name == "" {
		return
	}
	w.r.plan.ref(strings.ToLower("gcp-role|"+name), in.addr)
	for _, d := range w.roles {
		d.removeItems(func(it map[string]any) bool { return asString(it["name"]) == name })
	}
	if phase == phaseRemove || in.boolean("deleted") {
		return
	}
	w.genRoles = append(w.genRoles, map[string]any{"name": name, "title": in.str("title"), "stage": in.str("stage"),
		"includedPermissions": anyList(in.strs("permissions"))})
}

func (w *gcpWorld) denyPolicy(phase int, in *instance) {
	if phase == phaseParts {
		return
	}
	parent, id := in.str("parent"), in.str("name")
	if parent == "" || id == "" {
		return
	}
	if !strings.Contains(parent, "%2F") {
		parent = url.PathEscape(parent)
	}
	name := "policies/" + parent + "/denypolicies/" + id
	w.r.plan.ref(strings.ToLower("gcp-deny|"+name), in.addr)
	for _, d := range w.denies {
		d.removeItems(func(it map[string]any) bool { return asString(it["name"]) == name })
	}
	if phase == phaseRemove {
		return
	}
	var rules []any
	for _, rule := range in.objs("rules") {
		for _, dr := range asObjs(rule["deny_rule"]) {
			r := map[string]any{
				"deniedPrincipals":     anyList(asStrings(dr["denied_principals"])),
				"exceptionPrincipals":  anyList(asStrings(dr["exception_principals"])),
				"deniedPermissions":    anyList(asStrings(dr["denied_permissions"])),
				"exceptionPermissions": anyList(asStrings(dr["exception_permissions"])),
			}
			if c := tfCondition(dr["denial_condition"]); c != nil {
				r["denialCondition"] = c
			}
			rules = append(rules, map[string]any{"description": asString(rule["description"]), "denyRule": r})
		}
	}
	w.genDeny = append(w.genDeny, map[string]any{"kind": "DenyPolicy", "name": name, "displayName": in.str("display_name"), "rules": orEmpty(rules)})
}

func (w *gcpWorld) write(out *output) error {
	if len(w.gen) > 0 {
		if err := out.writeJSON("gcp-iam-policies", w.gen); err != nil {
			return err
		}
	}
	if len(w.genRoles) > 0 {
		if err := out.writeJSON("gcp-roles", map[string]any{"roles": w.genRoles}); err != nil {
			return err
		}
	}
	if len(w.genDeny) > 0 {
		if err := out.writeJSON("gcp-deny-policies", w.genDeny); err != nil {
			return err
		}
	}
	return nil
}
