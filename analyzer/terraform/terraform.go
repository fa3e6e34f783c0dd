// Package terraform reads a Terraform plan (`terraform show -json plan.out`)
// and turns it into the two sides of a change-aware analysis (issue 13):
//
//   - base: the context snapshot (anything `imagewarden analyze` reads)
//     with the plan's prior state laid over it;
//   - head: the base with the plan's resource_changes applied.
//
// Both sides are lists of input paths in the native formats the cloud
// plug-ins already read (docs/inputs.md), so `imagewarden diff` analyses
// them like any snapshot. Context files that hold an object the plan
// defines (a role by name in its account, the IAM policy of one GCP
// resource, an Azure role assignment by id) are rewritten into WorkDir
// with the plan's version in place of theirs, never merged with it, because
// a merge would keep statements the plan removes; context files the plan
// does not touch are passed through as they are.
//
// What a resource defines replaces only what that resource type manages:
// aws_iam_role replaces a role's trust policy, inline policies and managed
// attachments (its state refreshes all three); aws_iam_user and
// aws_iam_group replace the principal's name, path, ARN and boundary and
// keep its policies and memberships, which other resources manage. Sub-
// objects (aws_iam_role_policy, attachments, memberships, IAM members) are
// added to their holder, and those the plan deletes are taken away from
// it after the holders are laid down, so a holder's refreshed but stale
// attribute cannot bring back what the plan removes.
//
// Values unknown until apply (after_unknown) that decide access are listed
// in Plan.Unknown; the head is built with what is known, so a caller must
// never read an empty diff with unknowns as a pass. Where an unknown value
// is a reference to another resource of the same module whose value can
// be derived (the ARN of a policy the plan creates, the name of a role),
// it is resolved through the configuration's references instead. Resource
// types the package does not model are listed in Plan.NotEvaluated.
//
// Accounts of new AWS principals, whose ARNs are unknown until apply, come
// from the context snapshot when it holds exactly one account, else from
// the ARNs the plan already knows, else from the provider configuration
// (allowed_account_ids, an assume_role ARN), else a placeholder account
// with a warning. Azure subscriptions are derived the same way.
//
// Addresses maps a finding back to the Terraform resources it rests on,
// and Location to the file:line (SourceDir joined with the file's path
// below it) of their resource blocks when the .tf source is given,
// following module blocks whose source is a local directory. Nothing read
// from a plan is ever run: names are data.
//
// Not modelled, and so listed in NotEvaluated when they change: every
// other resource type (compute that runs as a role, repositories
// themselves, service accounts...), organization policies other than
// SCPs, SCPs when the context has no organization file. Names given only
// as name_prefix are unknown until apply. azurerm_container_registry's
// permission mode is read from role_assignment_mode (LegacyRegistryPermissions
// or AbacRepositoryPermissions, as the registry's roleAssignmentMode).
package terraform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Options say where the sources are and where to write.
type Options struct {
	// SourceDir holds the .tf files (--source), for file:line of resource
	// blocks; "" for none.
	SourceDir string
	// WorkDir receives the generated input files; the caller creates and
	// removes it.
	WorkDir string
}

// Plan is what Read made of a plan.
type Plan struct {
	// Base and Head are the paths to analyse for each side: context files
	// the plan does not touch, as they are, and generated files in WorkDir.
	Base, Head []string
	// Changes lists every resource change of the plan, in plan order.
	Changes []Change
	// Unknown lists the values that decide access and are known only
	// after apply.
	Unknown []Unknown
	// NotEvaluated lists the changed resources whose effect on who can
	// write images this package does not evaluate.
	NotEvaluated []NotEvaluated
	// Warnings are what Read could not do fully (a derived account, a
	// holder missing from the context...).
	Warnings []string

	refs   map[string][]string // model key -> addresses (see Addresses)
	blocks map[string]string   // resource address without index -> file:line
	extras map[string][]string // address -> other addresses it rests on (data sources it reads)
}

// Change is one resource change of the plan.
type Change struct {
	Address string   `json:"address"`
	Type    string   `json:"type"`
	Mode    string   `json:"mode,omitempty"` // managed or data
	Actions []string `json:"actions"`        // create, update, delete, no-op, read, forget
	// Understood: the type is modelled, so its effect is in the head.
	Understood bool `json:"understood"`
}

// Unknown is a resource whose access-deciding attributes are unknown
// until apply.
type Unknown struct {
	Address    string   `json:"address"`
	Attributes []string `json:"attributes"` // attribute paths from after_unknown, e.g. policy, binding[0].members
}

// NotEvaluated is a changed resource this package does not model.
type NotEvaluated struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Reason  string `json:"reason"`
}

// Addresses lists, sorted, the Terraform addresses that define something
// the finding rests on: its principal, the policies, bindings and
// assignments in its targets' grants, and the principals and grants of the
// edges of its chain. It is empty when the finding rests on nothing the
// plan defines.
func (p *Plan) Addresses(f *model.Finding) []string {
	if p == nil || f == nil {
		return nil
	}
	set := map[string]bool{}
	add := func(key string) {
		for _, a := range p.refs[key] {
			set[a] = true
			for _, x := range p.extras[a] {
				set[x] = true
			}
		}
	}
	principals := []string{f.PrincipalID}
	for _, e := range f.Path {
		principals = append(principals, nodePrincipal(e.From), nodePrincipal(e.To))
	}
	for _, id := range principals {
		add(keyPrincipal(id))
	}
	if n := len(f.Path); n > 0 {
		add(keyHolds(nodePrincipal(f.Path[n-1].To)))
	}
	for _, t := range f.Targets {
		// Registry settings (admin user, permission mode) decide the access
		// to the registry itself.
		add("res|" + strings.ToLower(azure.NormalizeScope(t.Resource)))
		// A deny that narrows the access is something it rests on too:
		// "deny NAME at NODE".
		for _, x := range t.Except {
			if rest, ok := strings.CutPrefix(x, "deny "); ok {
				if i := strings.LastIndex(rest, " at "); i > 0 {
					add(strings.ToLower("gcp-deny|" + rest[:i]))
				}
			}
		}
		// Along a chain the grants are held by a principal of the chain,
		// not the finding's own.
		for _, g := range t.Via {
			for _, pr := range principals {
				for _, k := range grantKeys(pr, g) {
					add(k)
				}
			}
		}
	}
	for _, e := range f.Path {
		from := nodePrincipal(e.From)
		for _, g := range e.Via {
			for _, k := range grantKeys(from, g) {
				add(k)
			}
		}
		// A trust policy is the "resource policy" of the role assumed.
		for _, g := range e.Via {
			if strings.HasPrefix(g.Policy, "trust:") {
				add(keyPrincipal(nodePrincipal(e.To)))
			}
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Location is the file:line of an address's resource block when --source
// was given and the block was found, else "". Instance keys ([0],
// ["a"]) are ignored: every instance comes from one block.
func (p *Plan) Location(address string) string {
	if p == nil {
		return ""
	}
	return p.blocks[stripIndexes(address)]
}

// nodePrincipal is the principal an edge end stands for: admin nodes name
// theirs after '#'.
func nodePrincipal(id string) string {
	if _, _, pr, ok := model.ParseAdminNode(id); ok {
		return pr
	}
	return id
}

func (p *Plan) ref(key, address string) {
	if p.refs == nil {
		p.refs = map[string][]string{}
	}
	for _, a := range p.refs[key] {
		if a == address {
			return
		}
	}
	p.refs[key] = append(p.refs[key], address)
	if h := holderOfKey(key); h != "" {
		p.ref(keyHolds(h), address)
	}
}

// holderOfKey is the principal a grant key gives to, "" for keys that
// name no one principal.
func holderOfKey(key string) string {
	parts := strings.Split(key, "|")
	switch parts[0] {
	case "aws-inline", "aws-attach":
		return parts[1]
	case "gcp-binding":
		return parts[len(parts)-1]
	case "az-assign":
		return parts[2]
	}
	return ""
}

// keyHolds gathers the addresses that give a principal anything: a chain
// finding rests on what its last principal holds.
func keyHolds(principal string) string {
	return "holds|" + strings.TrimPrefix(keyPrincipal(principal), "p|")
}

func (p *Plan) warn(format string, args ...any) {
	p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
}
