package gcpcloud

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/gcp/guardrails"
	"github.com/imagewarden/imagewarden/policies/glob"
)

// Remediation kinds of the GCP plug-in (docs/remediation-gcp.md).
const (
	KindRoleNarrow  = "gcp-role-narrow"
	KindBindingMove = "gcp-binding-move"
	KindDenyPolicy  = "gcp-deny-policy"
)

// GuardrailCapabilities are the capabilities the organization deny policy
// denies (iam.escalate is left out: setIamPolicy and actAs are how the rest
// of the organization works).
var GuardrailCapabilities = []string{"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}

// notInGuardrail are catalog permissions the organization-wide deny policy
// leaves out, because a deny policy cannot be narrowed to image resources
// (its conditions see only resource tags) and these reach far beyond
// images: every bucket's objects, every project's IAM policy, every KMS
// signing key, every organization policy.
var notInGuardrail = map[string]string{
	"storage.objects.create":                "every Cloud Storage bucket, not only the Container Registry ones",
	"storage.objects.delete":                "every Cloud Storage bucket, not only the Container Registry ones",
	"storage.buckets.setIamPolicy":          "every Cloud Storage bucket, not only the Container Registry ones",
	"resourcemanager.projects.setIamPolicy": "the IAM policy of every project",
	"cloudkms.cryptoKeyVersions.useToSign":  "every KMS signing key",
	"orgpolicy.policy.set":                  "every organization policy",
}

//go:embed narrow_roles.json
var narrowJSON []byte

// narrowTable: which predefined role replaces a broad one, and the full
// permissions of both (from the public iam-dataset; checked against
// ../shared/datasets by the tests).
var narrowTo, fullPerms = func() (map[string]string, map[string][]string) {
	var t struct {
		Narrow []struct{ From, To string } `json:"narrow"`
		Roles  map[string][]string         `json:"roles"`
	}
	if err := json.Unmarshal(narrowJSON, &t); err != nil {
		panic("narrow_roles.json: " + err.Error())
	}
	to := map[string]string{}
	for _, n := range t.Narrow {
		if t.Roles[n.From] == nil || t.Roles[n.To] == nil {
			panic("narrow_roles.json: no permissions for " + n.From + " or " + n.To)
		}
		to[n.From] = n.To
	}
	return to, t.Roles
}()

// NarrowerRole names the predefined role that replaces a broad one, or "".
func NarrowerRole(role string) string { return narrowTo[role] }

// basicRoles are not narrowed: roles/viewer would take thousands of other
// permissions (docs/remediation-gcp.md); their holders get a deny policy.
var basicRoles = map[string]bool{"roles/owner": true, "roles/editor": true}

// bindingRef names one member of one binding.
type bindingRef struct {
	node, role, member string
	cond               *gcp.Condition
}

func (b bindingRef) key() string {
	c := ""
	if b.cond != nil {
		c = b.cond.Expression
	}
	return b.node + "\x00" + b.role + "\x00" + strings.ToLower(b.member) + "\x00" + c
}

// edit gathers the findings one change fixes.
type edit struct {
	kind     string
	ref      bindingRef
	findings map[string]bool
	caps     map[string]bool
	repos    map[string]bool // binding moves: the repositories to bind on
}

func (e *edit) EditKind() string              { return e.kind }
func (e *edit) EditFindings() map[string]bool { return e.findings }

// identityOf is the request identity of a principal id (a member).
func (s *Snapshot) identityOf(member string) *gcp.Identity {
	return &gcp.Identity{Member: member, Groups: s.groupsOf(member)}
}

// bindingsFor lists the bindings of role at node that cover the identity,
// each with the member that covers it.
func (s *Snapshot) bindingsFor(node, role string, id *gcp.Identity) []bindingRef {
	var out []bindingRef
	for _, b := range s.bindings[node] {
		if b.Role != role {
			continue
		}
		for _, m := range b.Members {
			if gcp.MemberMatches(m, id) {
				out = append(out, bindingRef{node: node, role: role, member: m, cond: b.Condition})
				break
			}
		}
	}
	return out
}

// Plan returns the changes that remove the findings' access:
//
//   - gcp-binding-move: a principal that is an approved publisher on some
//     repositories only, with a writing role on an organization, folder or
//     project, gets the same role on those repositories instead;
//   - gcp-role-narrow: a binding of a broad predefined role that has a
//     narrower predefined replacement without image permissions is
//     switched to it (roles/artifactregistry.writer to reader...);
//   - gcp-deny-policy: holders of the basic roles owner and editor get a
//     deny policy of the image permissions at the binding's node, and the
//     organization gets a deny policy of the image permissions for
//     everyone but the approved publishers.
func (s *Snapshot) Plan(findings []*model.Finding, env *remediate.Env) []remediate.Change {
	s.resolveAncestors()
	s.completeRoles()
	edits := map[string]*edit{}
	get := func(kind string, ref bindingRef) *edit {
		k := kind + "\x00" + ref.key()
		e, ok := edits[k]
		if !ok {
			e = &edit{kind: kind, ref: ref, findings: map[string]bool{}, caps: map[string]bool{}, repos: map[string]bool{}}
			edits[k] = e
		}
		return e
	}
	// A finding is claimed by the changes of its grants only when every
	// grant behind it gets a change.
	uncovered := map[string]bool{}
	for _, f := range findings {
		if f.PrincipalID == "" {
			continue
		}
		id := s.identityOf(f.PrincipalID)
		seen := map[string]bool{}
		for _, g := range remediate.Grants(f, "allow_policy") {
			node, role := g.Policy, g.Statement
			if seen[node+"\x00"+role] {
				continue
			}
			seen[node+"\x00"+role] = true
			refs := s.bindingsFor(node, role, id)
			if len(refs) == 0 {
				uncovered[f.ID] = true
			}
			for _, ref := range refs {
				n := s.nodes[node]
				if n == nil {
					continue
				}
				var e *edit
				if repos := s.approvedRepos(env, f, n); len(repos) > 0 && s.writesRepositories(role) {
					e = get(KindBindingMove, ref)
					for _, r := range repos {
						e.repos[r] = true
					}
				} else if narrowTo[role] != "" {
					e = get(KindRoleNarrow, ref)
				} else if basicRoles[role] {
					if DeniedPrincipalOf(ref.member) == "" {
						uncovered[f.ID] = true // a domain: member has no deny-policy form
						continue
					}
					e = get(KindDenyPolicy, ref)
				} else {
					uncovered[f.ID] = true
					continue
				}
				e.findings[f.ID] = true
				e.caps[f.Capability] = true
			}
		}
	}
	// One change per binding member: a move wins over a narrowing of the
	// same binding (the findings of both go with it).
	for _, e := range edits {
		if e.kind != KindBindingMove {
			continue
		}
		for _, other := range []string{KindRoleNarrow, KindDenyPolicy} {
			k := other + "\x00" + e.ref.key()
			if o, ok := edits[k]; ok {
				for id := range o.findings {
					e.findings[id] = true
				}
				delete(edits, k)
			}
		}
	}
	out := remediate.Changes(cloudName, edits, func(e *edit) *remediate.Change {
		switch e.kind {
		case KindRoleNarrow:
			return s.narrowChange(e)
		case KindBindingMove:
			return s.moveChange(e)
		case KindDenyPolicy:
			return s.memberDenyChange(e, env)
		}
		return nil
	}, func(id string) bool { return !uncovered[id] })
	out = append(out, s.wifPinChanges(findings)...) // wif_remediate.go
	return append(out, s.orgGuardrails(findings, env)...)
}

// DeniedPrincipalOf is guardrails.DeniedPrincipal (a member in deny-policy
// form), "" when deny policies cannot name it.
func DeniedPrincipalOf(member string) string { return guardrails.DeniedPrincipal(member) }

// approvedRepos are the repositories (full names) below a hierarchy node
// where the finding's principal is an approved publisher of its
// capability, when it is approved on some repositories only.
func (s *Snapshot) approvedRepos(env *remediate.Env, f *model.Finding, n *node) []string {
	if env == nil || n.kind == "resource" {
		return nil
	}
	all, globs := env.ApprovedResources(f.PrincipalID, f.Capability)
	if all || len(globs) == 0 {
		return nil
	}
	var out []string
	for _, r := range s.sortedNodes() {
		if r.kind != "resource" || r.attrs.Type != "artifactregistry.googleapis.com/Repository" || !r.ancestors[n.name] {
			continue
		}
		full := "//" + r.attrs.Service + "/" + r.attrs.Name
		for _, g := range globs {
			if glob.Match(g, full) || glob.Match(g, r.attrs.Name) {
				out = append(out, full)
				break
			}
		}
	}
	return out
}

// writesRepositories reports whether a role holds an Artifact Registry
// permission of the catalog: only those are moved to repositories.
func (s *Snapshot) writesRepositories(role string) bool {
	for _, p := range s.permsOf(role) {
		if strings.HasPrefix(p, "artifactregistry.") && s.cat != nil && len(s.cat.Lookup(cloudName, p)) > 0 {
			return true
		}
	}
	return false
}

// policyDoc is an allow policy fragment: the bindings an artifact adds.
type policyDoc struct {
	Bindings []bindingDoc `json:"bindings"`
}

type bindingDoc struct {
	Role      string         `json:"role"`
	Members   []string       `json:"members"`
	Condition *gcp.Condition `json:"condition,omitempty"`
}

// wrappedPolicy is an allow policy with its resource, as the plug-in reads
// it (format gcp-iam-policy).
type wrappedPolicy struct {
	Resource string    `json:"resource"`
	Policy   policyDoc `json:"policy"`
}

func indent(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // plain structs: cannot fail
	}
	return string(b)
}

// fullName is a node's full resource name.
func fullName(node string) string {
	if strings.HasPrefix(node, "//") {
		return node
	}
	return crm + node
}

func (s *Snapshot) narrowChange(e *edit) *remediate.Change {
	to := narrowTo[e.ref.role]
	before := wrappedPolicy{Resource: fullName(e.ref.node), Policy: policyDoc{Bindings: []bindingDoc{{Role: e.ref.role, Members: []string{e.ref.member}, Condition: e.ref.cond}}}}
	after := before
	after.Policy = policyDoc{Bindings: []bindingDoc{{Role: to, Members: []string{e.ref.member}, Condition: e.ref.cond}}}
	c := &remediate.Change{Target: e.ref.node + " binding " + e.ref.role + " for " + e.ref.member, Before: indent(before), After: indent(after)}
	c.Params = map[string]string{"node": e.ref.node, "member": e.ref.member, "from": e.ref.role, "to": to}
	if e.ref.cond != nil {
		c.Params["condition"] = e.ref.cond.Expression
	}
	c.Summary = fmt.Sprintf("%s on %s: replace %s with %s", e.ref.member, e.ref.node, e.ref.role, to)
	s.addBindingCommand(c, "add", e.ref.node, e.ref.member, to, e.ref.cond)
	s.addBindingCommand(c, "remove", e.ref.node, e.ref.member, e.ref.role, e.ref.cond)
	c.Notes = append(c.Notes, fmt.Sprintf("%s holds %d permissions, %s %d; the permissions it loses besides the image ones are under verification.removes", e.ref.role, len(fullPerms[e.ref.role]), to, len(fullPerms[to])))
	c.Notes = append(c.Notes, s.sharedNotes(e.ref)...)
	return c
}

func (s *Snapshot) sharedNotes(ref bindingRef) []string {
	var out []string
	switch gcp.Kind(ref.member) {
	case "group":
		out = append(out, "a group binding: the change applies to every member of "+strings.TrimPrefix(ref.member, "group:"))
	case "domain":
		out = append(out, "a domain binding: the change applies to every account of "+strings.TrimPrefix(ref.member, "domain:"))
	case "allUsers", "allAuthenticatedUsers", "principalSet":
		out = append(out, "the member is a set of identities: the change applies to all of them")
	}
	if ref.cond != nil {
		out = append(out, "the binding has the condition "+ref.cond.Expression+"; the new binding keeps it")
	}
	return out
}

func (s *Snapshot) moveChange(e *edit) *remediate.Change {
	repos := slices.Sorted(maps.Keys(e.repos))
	var after []wrappedPolicy
	for _, r := range repos {
		after = append(after, wrappedPolicy{Resource: r, Policy: policyDoc{Bindings: []bindingDoc{{Role: e.ref.role, Members: []string{e.ref.member}, Condition: e.ref.cond}}}})
	}
	before := wrappedPolicy{Resource: fullName(e.ref.node), Policy: policyDoc{Bindings: []bindingDoc{{Role: e.ref.role, Members: []string{e.ref.member}, Condition: e.ref.cond}}}}
	c := &remediate.Change{Target: e.ref.node + " binding " + e.ref.role + " for " + e.ref.member, Before: indent(before), After: indent(after)}
	c.Params = map[string]string{"node": e.ref.node, "member": e.ref.member, "role": e.ref.role, "repositories": strings.Join(repos, " ")}
	if e.ref.cond != nil {
		c.Params["condition"] = e.ref.cond.Expression
	}
	var short []string
	for _, r := range repos {
		short = append(short, strings.TrimPrefix(r, "//artifactregistry.googleapis.com/"))
	}
	c.Summary = fmt.Sprintf("%s: move %s from %s to the approved repositories %s", e.ref.member, e.ref.role, e.ref.node, strings.Join(short, ", "))
	for _, r := range repos {
		s.addBindingCommand(c, "add", r, e.ref.member, e.ref.role, e.ref.cond)
	}
	s.addBindingCommand(c, "remove", e.ref.node, e.ref.member, e.ref.role, e.ref.cond)
	c.Notes = append(c.Notes, "the member keeps the role's other permissions on the repositories only: project-wide ones (listing repositories, creating new ones) are under verification.removes")
	c.Notes = append(c.Notes, s.sharedNotes(e.ref)...)
	return c
}

// memberDenyChange denies the image permissions of a basic role to the
// binding's member, at the binding's node.
func (s *Snapshot) memberDenyChange(e *edit, env *remediate.Env) *remediate.Change {
	if env == nil || env.Catalog == nil {
		return nil
	}
	var perms []string
	for _, c := range slices.Sorted(maps.Keys(e.caps)) {
		for _, a := range env.Catalog.ActionsOf(cloudName, c) {
			if _, wide := notInGuardrail[a]; wide {
				continue
			}
			if has, _ := s.roles.Has(e.ref.role, a); has {
				perms = append(perms, a)
			}
		}
	}
	if len(perms) == 0 {
		return nil
	}
	principal := DeniedPrincipalOf(e.ref.member)
	docs, err := guardrails.DenyPolicies("imagewarden: no image writes", []guardrails.Rule{{
		Description:      fmt.Sprintf("%s keeps %s on %s without its image permissions", e.ref.member, e.ref.role, e.ref.node),
		DeniedPrincipals: []string{principal}, Permissions: perms}})
	if err != nil || len(docs) != 1 {
		return nil
	}
	id := "imagewarden-" + policyID(e.ref.member)
	c := &remediate.Change{Target: e.ref.node + " deny policy " + id, After: docs[0]}
	c.Params = map[string]string{"attachment_point": e.ref.node, "policy_id": id}
	c.Summary = fmt.Sprintf("%s keeps %s on %s: deny policy %s takes its %d image permissions away", e.ref.member, e.ref.role, e.ref.node, id, len(perms))
	c.Notes = append(c.Notes, "basic roles are not narrowed: roles/viewer would take thousands of other permissions; better, replace "+e.ref.role+" with the predefined roles of the services the member uses (IAM recommender)")
	c.Notes = append(c.Notes, s.sharedNotes(e.ref)...)
	addDenyCommand(c, id, e.ref.node)
	return c
}

// policyID makes a deny policy ID (lower-case letters, digits, hyphens,
// at most 63 characters) from a member.
func policyID(member string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(member) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	id := strings.Trim(b.String(), "-")
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	if len(id) > 50 {
		id = strings.TrimRight(id[:50], "-")
	}
	return id
}

// addDenyCommand adds the command that creates deny policy id (the
// artifact) at a node of the hierarchy.
func addDenyCommand(c *remediate.Change, id, node string) {
	c.Check("deny policy id", id, gcp.ValidDenyPolicyID(id))
	c.Check("attachment point", node, gcp.ValidHierarchyNode(node))
	c.AddCommand("gcloud", "iam", "policies", "create", id, "--attachment-point=cloudresourcemanager.googleapis.com/"+node,
		"--kind=denypolicies", "--policy-file="+remediate.ArtifactPlaceholder)
}

// orgGuardrails render the deny policy of the image permissions, for
// everyone but the approved publishers, at each organization.
func (s *Snapshot) orgGuardrails(findings []*model.Finding, env *remediate.Env) []remediate.Change {
	if env == nil || env.Catalog == nil {
		return nil
	}
	var orgs []string
	for _, n := range s.sortedNodes() {
		if n.kind == "organization" {
			orgs = append(orgs, n.name)
		}
	}
	if len(orgs) == 0 {
		return nil
	}
	var rules []guardrails.Rule
	exempt := map[string]map[string]bool{} // capability -> deny-form principals excepted
	var left []string
	for _, c := range GuardrailCapabilities {
		var perms []string
		for _, a := range env.Catalog.ActionsOf(cloudName, c) {
			if why, ok := notInGuardrail[a]; ok {
				left = append(left, a+" ("+why+")")
				continue
			}
			perms = append(perms, a)
		}
		exempt[c] = map[string]bool{}
		var except []string
		for _, a := range env.ApprovedFor(c) {
			if strings.ContainsAny(a.Principal, "*?") {
				continue
			}
			if p := DeniedPrincipalOf(a.Principal); p != "" && p != "principalSet://goog/public:all" {
				if !exempt[c][p] {
					exempt[c][p] = true
					except = append(except, p)
				}
			}
		}
		sort.Strings(except)
		rules = append(rules, guardrails.Rule{Description: "imagewarden " + c + ": approved publishers only", DeniedPrincipals: []string{"principalSet://goog/public:all"},
			ExceptionPrincipals: except, Permissions: perms})
	}
	docs, err := guardrails.DenyPolicies("imagewarden image guardrail", rules)
	if err != nil {
		return []remediate.Change{{Cloud: cloudName, Kind: KindDenyPolicy, Target: orgs[0] + " deny policy", Summary: "no deny policy guardrail: " + err.Error()}}
	}
	guard := map[string]bool{}
	for _, c := range GuardrailCapabilities {
		guard[c] = true
	}
	denied := map[string]bool{}
	for _, r := range rules {
		for _, p := range r.Permissions {
			denied[p] = true
		}
	}
	// The guardrail claims the findings whose every action it denies.
	var ids []string
	for _, f := range findings {
		if !guard[f.Capability] || exempt[f.Capability][DeniedPrincipalOf(f.PrincipalID)] || len(f.Targets) == 0 {
			continue
		}
		all := true
		for _, t := range f.Targets {
			for _, a := range t.Actions {
				all = all && denied[a]
			}
		}
		if all {
			ids = append(ids, f.ID)
		}
	}
	sort.Strings(left)
	var out []remediate.Change
	for _, org := range orgs {
		for i, d := range docs {
			id := "imagewarden-image-guardrail"
			if len(docs) > 1 {
				id = fmt.Sprintf("%s-%d", id, i+1)
			}
			c := remediate.Change{Cloud: cloudName, Kind: KindDenyPolicy, Target: org + " deny policy " + id, After: d, FindingIDs: ids}
			c.Params = map[string]string{"attachment_point": org, "policy_id": id}
			c.Summary = fmt.Sprintf("deny policy %s on %s: deny the image permissions to everyone except the approved publishers", id, org)
			c.Notes = []string{
				"left out, because a deny policy cannot be limited to image resources: " + strings.Join(left, "; "),
				"approved publishers limited to some resources are excepted everywhere: their allow bindings are what limits them",
				"gcloud rejects a permission that deny policies do not support; remove it from the file and keep the rest",
			}
			addDenyCommand(&c, id, org)
			out = append(out, c)
		}
	}
	return out
}

// addBindingCommand adds the gcloud command that adds or removes a
// member's role on a node, every value checked against GCP's name rules
// and every argument quoted.
func (s *Snapshot) addBindingCommand(c *remediate.Change, verb, node, member, role string, cond *gcp.Condition) {
	c.Check("member", member, gcp.ValidMember(member))
	c.Check("role", role, gcp.ValidRole(role))
	condition, err := conditionArg(cond)
	if err != nil {
		c.Refuse("condition", conditionText(cond), err)
		return
	}
	flags := []string{"--member=" + member, "--role=" + role, "--condition=" + condition}
	cmd := verb + "-iam-policy-binding"
	n := s.nodes[node]
	switch {
	case strings.HasPrefix(node, "organizations/"):
		id := strings.TrimPrefix(node, "organizations/")
		c.Check("organization id", id, gcp.ValidNumericID(id))
		c.AddCommand(append([]string{"gcloud", "organizations", cmd, id}, flags...)...)
		return
	case strings.HasPrefix(node, "folders/"):
		id := strings.TrimPrefix(node, "folders/")
		c.Check("folder id", id, gcp.ValidNumericID(id))
		c.AddCommand(append([]string{"gcloud", "resource-manager", "folders", cmd, id}, flags...)...)
		return
	case strings.HasPrefix(node, "projects/") && !strings.Contains(strings.TrimPrefix(node, "projects/"), "/"):
		id := strings.TrimPrefix(node, "projects/")
		c.Check("project", id, gcp.ValidProject(id))
		c.AddCommand(append([]string{"gcloud", "projects", cmd, id}, flags...)...)
		return
	}
	rel := strings.TrimPrefix(node, "//")
	svc, name, _ := strings.Cut(rel, "/")
	if n != nil && n.attrs.Name != "" {
		svc, name = n.attrs.Service, n.attrs.Name
	}
	parts := strings.Split(name, "/")
	switch {
	case svc == "artifactregistry.googleapis.com" && len(parts) == 6 && parts[0] == "projects" && parts[2] == "locations" && parts[4] == "repositories":
		c.Check("Artifact Registry repository id", parts[5], gcp.ValidRepositoryID(parts[5]))
		c.Check("project", parts[1], gcp.ValidProject(parts[1]))
		c.Check("location", parts[3], gcp.ValidLocation(parts[3]))
		c.AddCommand(append([]string{"gcloud", "artifacts", "repositories", cmd, parts[5], "--project=" + parts[1], "--location=" + parts[3]}, flags...)...)
	case svc == "storage.googleapis.com" && len(parts) == 1:
		c.Check("bucket name", parts[0], gcp.ValidBucketName(parts[0]))
		c.AddCommand(append([]string{"gcloud", "storage", "buckets", cmd, "gs://" + parts[0]}, flags...)...)
	case svc == "compute.googleapis.com" && len(parts) == 5 && parts[0] == "projects" && parts[3] == "images":
		c.Check("image name", parts[4], gcp.ValidImageName(parts[4]))
		c.Check("project", parts[1], gcp.ValidProject(parts[1]))
		c.AddCommand(append([]string{"gcloud", "compute", "images", cmd, parts[4], "--project=" + parts[1]}, flags...)...)
	case svc == "iam.googleapis.com" && len(parts) == 4 && parts[0] == "projects" && parts[2] == "serviceAccounts":
		c.Check("service account", parts[3], gcp.ValidServiceAccount(parts[3]))
		c.Check("project", parts[1], gcp.ValidProject(parts[1]))
		c.AddCommand(append([]string{"gcloud", "iam", "service-accounts", cmd, parts[3], "--project=" + parts[1]}, flags...)...)
	default:
		c.AddComment(fmt.Sprintf("%s %s on %s: use the %s command of the resource's service", verb, role, node, cmd))
	}
}

// conditionArg is the value of gcloud's --condition flag: None, or the
// dictionary expression=EXPR,title=TITLE. gcloud splits that dictionary at
// commas; when the expression or the title has one, another delimiter is
// named first (^D^..., gcloud topic escaping), so that no part of a
// condition can be read as another key (a title ending in
// ",expression=true" would otherwise replace the expression).
func conditionArg(cond *gcp.Condition) (string, error) {
	if cond == nil || cond.Expression == "" {
		return "None", nil
	}
	if err := gcp.ValidConditionExpression(cond.Expression); err != nil {
		return "", err
	}
	if err := gcp.ValidConditionTitle(cond.Title); err != nil {
		return "", err
	}
	parts := []string{"expression=" + cond.Expression}
	if cond.Title != "" {
		parts = append(parts, "title="+cond.Title)
	}
	all := strings.Join(parts, "")
	if !strings.Contains(all, ",") {
		return strings.Join(parts, ","), nil
	}
	for _, d := range []string{"|", ";", "#", "~", "!", "@", "%", ":", "+"} {
		if !strings.Contains(all, d) {
			return "^" + d + "^" + strings.Join(parts, d), nil
		}
	}
	return "", errors.New("it holds a comma and every other delimiter gcloud could split it at")
}

func conditionText(cond *gcp.Condition) string {
	if cond == nil {
		return ""
	}
	return cond.Title + ": " + cond.Expression
}

// NarrowTable lists the narrowing table: broad role -> replacement.
func NarrowTable() map[string]string {
	out := make(map[string]string, len(narrowTo))
	for k, v := range narrowTo {
		out[k] = v
	}
	return out
}

// RolePermissions are the permissions of a role of the narrowing table
// (nil for other roles).
func RolePermissions(role string) []string { return append([]string(nil), fullPerms[role]...) }
