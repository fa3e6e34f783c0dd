package terraform

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/internal/golden"
)

// The fixture plans under testdata/plans are generated from the
// descriptions below in the structure `terraform show -json plan.out`
// prints (format_version, terraform_version, planned_values,
// resource_changes with before/after/after_unknown/actions, prior_state,
// configuration with provider_config and nested module_calls), so that
// each is a consistent plan: what a resource change's before holds is in
// the prior state, what its after holds is in the planned values, and the
// configuration sets what the after holds unless it is computed.
// provider_name and the providers' full_name are left out: they would
// name a registry host. TestFixturePlans checks the files are these
// descriptions; `go test ./analyzer/terraform -run TestFixturePlans
// -update` rewrites them.

// fres is one resource instance of a fixture plan.
type fres struct {
	addr    string
	actions []string // nil: a data source read while planning (state only, no change)
	before  map[string]any
	after   map[string]any
	unknown map[string]any      // after_unknown
	refs    map[string][]string // attributes the configuration sets by reference
	noCfg   []string            // attributes of after the configuration does not set (computed)
}

type fixturePlan struct {
	name      string
	resources []fres
	modules   map[string]string         // module path -> source of its call
	providers map[string]map[string]any // provider -> constant arguments
}

// computedAttrs are attributes providers compute; the configuration never
// sets them.
var computedAttrs = map[string]bool{"arn": true, "id": true, "unique_id": true, "create_date": true, "policy_id": true,
	"tags_all": true, "attachment_count": true, "etag": true, "json": true, "minified_json": true,
	"role_definition_resource_id": true, "login_server": true, "name_prefix": true, "registry_id": true}

func policy(stmts ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func allow(actions any, resource any) map[string]any {
	return map[string]any{"Effect": "Allow", "Action": actions, "Resource": resource}
}

var pushActions = []string{"ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"}

func trust(service string) string {
	return policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole"})
}

const acct = "111122223333"

// build writes a fixture as `terraform show -json` would.
func (f fixturePlan) build() ([]byte, error) {
	type mod struct {
		prior, planned []any
		cfg            []any
	}
	mods := map[string]*mod{"": {}}
	var changes []any
	getMod := func(p string) *mod {
		for m := p; ; {
			if mods[m] == nil {
				mods[m] = &mod{}
			}
			if m == "" {
				break
			}
			m = parentModule(m)
		}
		return mods[p]
	}
	for _, r := range f.resources {
		module := moduleOf(r.addr)
		parts := splitAddress(r.addr)
		local := parts[len(parts)-2:]
		mode := "managed"
		if len(parts) >= 3 && parts[len(parts)-3] == "data" {
			mode = "data"
			local = parts[len(parts)-3:]
		}
		typ, name := local[len(local)-2], local[len(local)-1]
		m := getMod(module)
		state := func(values map[string]any) map[string]any {
			s := map[string]any{"address": r.addr, "mode": mode, "type": typ, "name": name,
				"schema_version": 0, "values": values, "sensitive_values": map[string]any{}}
			return s
		}
		if r.before != nil {
			m.prior = append(m.prior, state(r.before))
		}
		if r.actions == nil {
			m.prior = append(m.prior, state(r.after))
			m.planned = append(m.planned, state(r.after))
		} else if r.after != nil {
			m.planned = append(m.planned, state(r.after))
		}
		if r.actions != nil {
			rc := map[string]any{"address": r.addr, "mode": mode, "type": typ, "name": name,
				"change": map[string]any{"actions": r.actions, "before": r.before, "after": r.after,
					"after_unknown": orObject(r.unknown), "before_sensitive": sensitive(r.before), "after_sensitive": sensitive(r.after)}}
			if module != "" {
				rc["module_address"] = module
			}
			if len(r.actions) == 1 && r.actions[0] == "read" {
				rc["action_reason"] = "read_because_config_unknown"
			}
			changes = append(changes, rc)
		}
		// The configuration: constants for what the resource sets, references
		// where the fixture says so.
		values := r.after
		if values == nil {
			values = r.before
		}
		expr := map[string]any{}
		noCfg := map[string]bool{}
		for _, a := range r.noCfg {
			noCfg[a] = true
		}
		for k, v := range values {
			if computedAttrs[k] || noCfg[k] || v == nil {
				continue
			}
			expr[k] = map[string]any{"constant_value": v}
		}
		for k, refs := range r.refs {
			expr[k] = map[string]any{"references": refs}
		}
		addr := strings.Join(local, ".")
		cfg := map[string]any{"address": addr, "mode": mode, "type": typ, "name": name,
			"provider_config_key": strings.SplitN(typ, "_", 2)[0], "expressions": expr, "schema_version": 0}
		dup := false
		for _, c := range m.cfg {
			dup = dup || c.(map[string]any)["address"] == addr
		}
		if !dup {
			m.cfg = append(m.cfg, cfg)
		}
	}
	var tree func(p string, pick func(*mod) []any) map[string]any
	tree = func(p string, pick func(*mod) []any) map[string]any {
		out := map[string]any{}
		if l := pick(mods[p]); len(l) > 0 {
			out["resources"] = l
		}
		if p != "" {
			out["address"] = p
		}
		var kids []any
		for _, c := range childModules(mods, p) {
			kids = append(kids, tree(c, pick))
		}
		if len(kids) > 0 {
			out["child_modules"] = kids
		}
		return out
	}
	var config func(p string) map[string]any
	config = func(p string) map[string]any {
		out := map[string]any{}
		if len(mods[p].cfg) > 0 {
			out["resources"] = mods[p].cfg
		}
		calls := map[string]any{}
		for _, c := range childModules(mods, p) {
			parts := splitAddress(c)
			calls[parts[len(parts)-1]] = map[string]any{"source": f.modules[c], "module": config(c)}
		}
		if len(calls) > 0 {
			out["module_calls"] = calls
		}
		return out
	}
	providers := map[string]any{}
	for name, args := range f.providers {
		expr := map[string]any{}
		for k, v := range args {
			expr[k] = map[string]any{"constant_value": v}
		}
		providers[name] = map[string]any{"name": name, "expressions": expr}
	}
	plan := map[string]any{
		"format_version":    "1.2",
		"terraform_version": "1.9.8",
		"planned_values":    map[string]any{"root_module": tree("", func(m *mod) []any { return m.planned })},
		"resource_changes":  orList(changes),
		"prior_state": map[string]any{"format_version": "1.0", "terraform_version": "1.9.8",
			"values": map[string]any{"root_module": tree("", func(m *mod) []any { return m.prior })}},
		"configuration": map[string]any{"provider_config": providers, "root_module": config("")},
		"timestamp":     "2026-11-20T09:30:00Z",
		"applyable":     true,
		"complete":      true,
		"errored":       false,
	}
	b, err := json.MarshalIndent(plan, "", "  ")
	return append(b, '\n'), err
}

func parentModule(m string) string {
	parts := splitAddress(m)
	if len(parts) <= 2 {
		return ""
	}
	return strings.Join(parts[:len(parts)-2], ".")
}

func childModules[V any](mods map[string]V, p string) []string {
	var out []string
	for m := range mods {
		if m != "" && parentModule(m) == p {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

func orObject(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func sensitive(v map[string]any) any {
	if v == nil {
		return false
	}
	return map[string]any{}
}

func TestFixturePlans(t *testing.T) {
	for _, f := range fixturePlans() {
		b, err := f.build()
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("..", "..", "testdata", "plans", f.name+".json"), b)
	}
}
