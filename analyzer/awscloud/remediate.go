package awscloud

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/shell"
	iam "github.com/imagewarden/imagewarden/policies/aws"
	"github.com/imagewarden/imagewarden/policies/aws/guardrails"
)

// Remediation kinds of the AWS plug-in (docs/remediation.md).
const (
	KindStatementSplit = "aws-statement-split"
	KindManagedSwap    = "aws-managed-policy-swap"
	KindRepoPolicy     = "aws-repository-policy"
	KindSCP            = "aws-scp-guardrail"
	KindBoundary       = "aws-permission-boundary"
)

// GuardrailCapabilities are the capabilities the SCP and boundary
// templates deny. iam.escalate is left out: its actions (sts:AssumeRole,
// iam:PassRole...) are how everything else in an account works, so they
// are taken away only where a finding names them.
var GuardrailCapabilities = []string{"image.create", "image.modify", "image.push", "image.share", "registry.configure", "pipeline.modify"}

//go:embed managed_replacements.json
var replacementsJSON []byte

type replacementTable struct {
	Swaps []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"swaps"`
	Policies []struct {
		PolicyName       string          `json:"PolicyName"`
		Arn              string          `json:"Arn"`
		DefaultVersionId string          `json:"DefaultVersionId"`
		Document         json.RawMessage `json:"Document"`
	} `json:"policies"`
}

// replacements maps an AWS managed policy that grants image writes to a
// narrower AWS managed policy, whose document is embedded (from the public
// iam-dataset, default versions).
var replacements, replacementDocs = func() (map[string]string, map[string]*managed) {
	var t replacementTable
	if err := json.Unmarshal(replacementsJSON, &t); err != nil {
		panic("managed_replacements.json: " + err.Error())
	}
	swaps := map[string]string{}
	for _, s := range t.Swaps {
		swaps[s.From] = s.To
	}
	docs := map[string]*managed{}
	for _, p := range t.Policies {
		pol, err := iam.ParsePolicy(p.Document)
		if err != nil {
			panic("managed_replacements.json: " + p.Arn + ": " + err.Error())
		}
		docs[p.Arn] = &managed{name: p.PolicyName, arn: p.Arn, version: p.DefaultVersionId, policy: pol}
	}
	return swaps, docs
}()

// uses of one finding: a grant, the actions it gives, the resource.
type grantUse struct {
	g        model.Grant
	actions  []string
	resource string
}

func findingUses(f *model.Finding) []grantUse {
	var out []grantUse
	for _, t := range f.Targets {
		for _, g := range t.Via {
			if g.Effect != string(iam.Allow) || (g.PolicyType != "identity" && g.PolicyType != "resource_policy") {
				continue
			}
			out = append(out, grantUse{g: g, actions: t.Actions, resource: t.Resource})
		}
	}
	if len(f.Targets) == 0 && len(f.Path) > 0 {
		e := f.Path[0]
		for _, g := range e.Via {
			if g.Effect == string(iam.Allow) && g.PolicyType == "identity" {
				out = append(out, grantUse{g: g, actions: e.Permissions})
			}
		}
	}
	return out
}

// stmtEdit is what to take out of one statement.
type stmtEdit struct {
	actions map[string]bool // catalog actions, as the catalog spells them
	caps    map[string]bool
	// principals to take out, for resource policies
	principals map[string]bool
}

// policyEdit gathers the statement edits of one policy.
type policyEdit struct {
	kind       string
	holderKind string // user, role, group, managed, repository, principal (boundary)
	holder     string // ARN
	holderName string
	account    string
	policyName string // inline name, managed ARN, repository name
	policy     *iam.Policy
	principal  *principal // the principal, for own inline policies and boundaries
	stmts      map[int]*stmtEdit
	findings   map[string]bool
	caps       map[string]bool
	// for swaps
	from, to string
}

func (e *policyEdit) EditKind() string              { return e.kind }
func (e *policyEdit) EditFindings() map[string]bool { return e.findings }

func (e *policyEdit) stmt(i int) *stmtEdit {
	se, ok := e.stmts[i]
	if !ok {
		se = &stmtEdit{actions: map[string]bool{}, caps: map[string]bool{}, principals: map[string]bool{}}
		e.stmts[i] = se
	}
	return se
}

func statementIndex(p *iam.Policy, label string) int {
	for _, st := range p.Statements {
		if st.Label() == label {
			return st.Index
		}
	}
	return -1
}

// Plan returns the changes that remove the findings' access: statement
// splits of inline and customer managed policies, swaps of AWS managed
// policies for narrower ones, permission boundaries where an AWS managed
// policy cannot be swapped, repository policy rewrites for public and
// outside principals, and the organisation's SCP guardrail.
func (s *Snapshot) Plan(findings []*model.Finding, env *remediate.Env) []remediate.Change {
	s.resolve()
	edits := map[string]*policyEdit{}
	get := func(key string, mk func() *policyEdit) *policyEdit {
		e, ok := edits[key]
		if !ok {
			e = mk()
			e.stmts, e.findings, e.caps = map[int]*stmtEdit{}, map[string]bool{}, map[string]bool{}
			edits[key] = e
		}
		return e
	}
	for _, f := range findings {
		p := s.byARN[f.PrincipalID]
		if p == nil || (f.Capability == "iam.escalate" && approvedPublisher(env, p.arn)) {
			// An approved publisher's escalation (passing its build role) is
			// by design: narrowing it is a person's call.
			continue
		}
		for _, u := range findingUses(f) {
			if p.external || p.public {
				if u.g.PolicyType != "resource_policy" {
					continue
				}
				r := s.repos[u.resource]
				if r == nil || r.policy == nil || r.policy.Name != u.g.Policy {
					continue
				}
				i := statementIndex(r.policy.Policy, u.g.Statement)
				if i < 0 {
					continue
				}
				e := get("repo|"+r.arn, func() *policyEdit {
					return &policyEdit{kind: KindRepoPolicy, holderKind: "repository", holder: r.arn, holderName: r.name, account: r.account, policyName: r.name, policy: r.policy.Policy}
				})
				se := e.stmt(i)
				for _, a := range u.actions {
					se.actions[a] = true
				}
				se.caps[f.Capability] = true
				se.principals[p.arn] = true
				e.findings[f.ID] = true
				e.caps[f.Capability] = true
				continue
			}
			if u.g.PolicyType != "identity" {
				continue // the identity side is fixed; public grants are the public finding's
			}
			s.planIdentity(p, f, u, get, env)
		}
	}
	out := remediate.Changes(cloudName, edits, func(e *policyEdit) *remediate.Change {
		switch e.kind {
		case KindStatementSplit:
			return s.splitChange(e, env)
		case KindRepoPolicy:
			return s.repoChange(e)
		case KindManagedSwap:
			return s.swapChange(e)
		case KindBoundary:
			return s.boundaryChange(e, env)
		}
		return nil
	}, nil)
	out = append(out, s.scpChanges(findings, env)...)
	out = append(out, s.oidcPinChanges(findings)...) // oidc_remediate.go
	return out
}

// approvedPublisher reports whether principal is an approved publisher of
// some capability.
func approvedPublisher(env *remediate.Env, principal string) bool {
	if env == nil {
		return false
	}
	for _, a := range env.Approved {
		for _, c := range append(append([]string{}, GuardrailCapabilities...), "iam.escalate") {
			if a.Covers(principal, c) {
				return true
			}
		}
	}
	return false
}

// swapTakesApproved reports whether replacing from by to takes away an
// action of a capability p is an approved publisher of.
func (s *Snapshot) swapTakesApproved(env *remediate.Env, p *principal, from *managed, to string) bool {
	if env == nil || env.Catalog == nil {
		return false
	}
	toDoc := replacementDocs[to]
	if m := s.managed[to]; m != nil {
		toDoc = m
	}
	if toDoc == nil {
		return true
	}
	for _, e := range env.Catalog.ForCloud(cloudName) {
		if all, res := env.ApprovedResources(p.arn, e.Capability); !all && res == nil {
			continue
		}
		if grantsAction(from.policy, e.Action) && !grantsAction(toDoc.policy, e.Action) {
			return true
		}
	}
	return false
}

func grantsAction(p *iam.Policy, action string) bool {
	for _, st := range p.Statements {
		if st.Effect == iam.Allow && matchesAny(st.Actions, action) != st.NotActions {
			return true
		}
	}
	return false
}

func (s *Snapshot) planIdentity(p *principal, f *model.Finding, u grantUse, get func(string, func() *policyEdit) *policyEdit, env *remediate.Env) {
	name := u.g.Policy
	add := func(e *policyEdit, pol *iam.Policy) {
		if pol != nil {
			i := statementIndex(pol, u.g.Statement)
			if i < 0 {
				return
			}
			se := e.stmt(i)
			for _, a := range u.actions {
				se.actions[a] = true
			}
			se.caps[f.Capability] = true
		}
		e.findings[f.ID] = true
		e.caps[f.Capability] = true
	}
	switch {
	case strings.HasPrefix(name, "inline:"):
		pol := findInline(p.inline, name)
		if pol == nil {
			return
		}
		e := get("inline|"+p.arn+"|"+name, func() *policyEdit {
			return &policyEdit{kind: KindStatementSplit, holderKind: p.kind, holder: p.arn, holderName: p.name, account: p.account,
				policyName: strings.TrimPrefix(name, "inline:"), policy: pol, principal: p}
		})
		add(e, pol)
	case strings.HasPrefix(name, "group:"):
		gname, inl, ok := strings.Cut(strings.TrimPrefix(name, "group:"), "/")
		gr := s.groups[p.account+"/"+gname]
		if !ok || gr == nil {
			return
		}
		pol := findInline(gr.inline, inl)
		if pol == nil {
			return
		}
		e := get("inline|"+gr.arn+"|"+inl, func() *policyEdit {
			return &policyEdit{kind: KindStatementSplit, holderKind: "group", holder: gr.arn, holderName: gr.name, account: gr.account,
				policyName: strings.TrimPrefix(inl, "inline:"), policy: pol}
		})
		add(e, pol)
	default:
		m := s.managed[name]
		if m == nil {
			return
		}
		if !isAWSManaged(m.arn) {
			e := get("managed|"+m.arn, func() *policyEdit {
				return &policyEdit{kind: KindStatementSplit, holderKind: "managed", holder: m.arn, holderName: m.name, account: accountOf(m.arn),
					policyName: m.arn, policy: m.policy}
			})
			add(e, m.policy)
			return
		}
		if to := replacements[m.arn]; to != "" && !s.swapTakesApproved(env, p, m, to) {
			for _, h := range s.attachmentHolders(p, m.arn) {
				e := get("swap|"+h.arn+"|"+m.arn, func() *policyEdit {
					return &policyEdit{kind: KindManagedSwap, holderKind: h.kind, holder: h.arn, holderName: h.name, account: h.account,
						policyName: m.arn, policy: m.policy, from: m.arn, to: to}
				})
				add(e, nil)
			}
			return
		}
		if p.boundary != nil && p.boundary.PermissionsBoundaryArn != "" {
			return // a boundary exists: tightening it is for a person to decide
		}
		e := get("boundary|"+p.arn, func() *policyEdit {
			return &policyEdit{kind: KindBoundary, holderKind: p.kind, holder: p.arn, holderName: p.name, account: p.account, principal: p}
		})
		add(e, nil)
		se := e.stmt(0)
		for _, a := range u.actions {
			se.actions[a] = true
		}
		se.caps[f.Capability] = true
	}
}

// wholeServiceWildcards: every wildcard of the statement's Action is "*"
// or a whole ECR service ("ecr:*", "ecr-public:*").
func wholeServiceWildcards(st *iam.Statement) bool {
	for _, a := range st.Actions {
		if !strings.ContainsAny(a.Raw, "*?") {
			continue
		}
		switch strings.ToLower(a.Raw) {
		case "*", "ecr:*", "ecr-public:*":
		default:
			return false
		}
	}
	return true
}

func matchesAny(acts []iam.Action, a string) bool {
	for _, x := range acts {
		if x.Matches(a) {
			return true
		}
	}
	return false
}

func isAWSManaged(a string) bool { return strings.HasPrefix(a, "arn:aws:iam::aws:policy/") }

func findInline(list []iam.NamedPolicy, name string) *iam.Policy {
	for _, np := range list {
		if np.Name == name {
			return np.Policy
		}
	}
	return nil
}

type holderRef struct{ kind, arn, name, account string }

// attachmentHolders are where a managed policy reaches p: p itself, or its
// groups.
func (s *Snapshot) attachmentHolders(p *principal, policyArn string) []holderRef {
	var out []holderRef
	for _, a := range p.attached {
		if a.PolicyArn == policyArn {
			out = append(out, holderRef{p.kind, p.arn, p.name, p.account})
		}
	}
	for _, g := range p.groups {
		gr := s.groups[p.account+"/"+g]
		if gr == nil {
			continue
		}
		for _, a := range gr.attached {
			if a.PolicyArn == policyArn {
				out = append(out, holderRef{"group", gr.arn, gr.name, gr.account})
			}
		}
	}
	return out
}

// approvedResources are the resource patterns where p is an approved
// publisher of some capability of caps (nil when none).
func approvedResources(env *remediate.Env, p *principal, caps map[string]bool) []string {
	if env == nil || p == nil {
		return nil
	}
	seen := map[string]bool{}
	for c := range caps {
		_, res := env.ApprovedResources(p.arn, c)
		for _, r := range res {
			seen[r] = true
		}
	}
	return sortedKeys(seen)
}

// splitChange rewrites statements so that the image actions leave and
// everything else stays: listed actions are dropped; a NotAction statement
// gets them added to its NotAction; a wildcard (ecr:*, *) is kept and a
// Deny of exactly the image actions it covers is added to the same policy.
// Where the principal is an approved publisher on some resources, the
// image actions stay allowed there (a new Allow limited to them, or a Deny
// with NotResource).
func (s *Snapshot) splitChange(e *policyEdit, env *remediate.Env) *remediate.Change {
	var stmts []stmtDoc
	var changed []string
	removedAll := map[string]bool{}
	for _, st := range e.policy.Statements {
		doc := stmtFromRaw(st.Raw())
		se, ok := e.stmts[st.Index]
		if !ok || st.Effect != iam.Allow || len(se.actions) == 0 {
			stmts = append(stmts, doc)
			continue
		}
		label := sidBase(st)
		var keep []string
		var dropped, denied []string
		if st.NotActions {
			for _, a := range st.Actions {
				keep = append(keep, a.Raw)
			}
			for _, a := range sortedKeys(se.actions) {
				if matchesAny(st.Actions, a) {
					continue // already excluded
				}
				keep = append(keep, a)
				dropped = append(dropped, a)
			}
			doc.NotAction = strList(keep)
		} else {
			need := map[string]bool{}
			for a := range se.actions {
				need[a] = true
			}
			for _, a := range st.Actions {
				if !strings.ContainsAny(a.Raw, "*?") && need[canonicalAction(se.actions, a.Raw)] {
					dropped = append(dropped, a.Raw)
					delete(need, canonicalAction(se.actions, a.Raw))
					continue
				}
				keep = append(keep, a.Raw)
			}
			for _, a := range sortedKeys(need) {
				for _, w := range st.Actions {
					if strings.ContainsAny(w.Raw, "*?") && w.Matches(a) {
						denied = append(denied, a)
						break
					}
				}
			}
			if len(keep) > 0 {
				doc.Action = strList(keep)
			}
		}
		for _, a := range append(append([]string{}, dropped...), denied...) {
			removedAll[a] = true
		}
		what := fmt.Sprintf("%s: %d image actions", label, len(dropped)+len(denied))
		if len(keep) > 0 {
			stmts = append(stmts, doc)
		} else {
			what += " (statement removed: it granted only image actions)"
		}
		// Where the principal is an approved publisher, by the resources
		// approved for the actions' capabilities ("" key: nowhere).
		dropGroups := groupByApproval(env, e.principal, dropped)
		for _, k := range sortedKeys(boolKeys(dropGroups)) {
			if k == "" {
				continue
			}
			stmts = append(stmts, stmtDoc{Sid: label + "ApprovedResources", Effect: "Allow", Action: strList(dropGroups[k]),
				Resource: strList(strings.Split(k, "\x00")), Condition: doc.Condition})
		}
		denyGroups := groupByApproval(env, e.principal, denied)
		for _, k := range sortedKeys(boolKeys(denyGroups)) {
			d := stmtDoc{Sid: label + "DenyImageActions", Effect: "Deny", Action: strList(denyGroups[k])}
			switch {
			case k != "":
				d.Sid += "OutsideApproved"
				d.NotResource = strList(strings.Split(k, "\x00"))
			case st.NotResources:
				d.NotResource = doc.NotResource
			default:
				d.Resource = doc.Resource
				if d.Resource == nil {
					d.Resource = "*"
				}
			}
			stmts = append(stmts, d)
		}
		if len(denied) > 0 {
			what += fmt.Sprintf(", %d denied because a wildcard grants them", len(denied))
		}
		changed = append(changed, what)
	}
	if len(changed) == 0 {
		return nil
	}
	c := &remediate.Change{Target: e.holder + " " + e.policyTitle(), Before: canonical(e.policy)}
	c.Params = map[string]string{"holder_kind": e.holderKind, "holder": e.holder, "holder_name": e.holderName, "policy": e.policyName, "account": e.account}
	if len(stmts) > 0 {
		c.After = renderPolicy(e.policy.Version, e.policy.ID, stmts)
	}
	c.Summary = fmt.Sprintf("%s %s: remove the image actions (%s)", shortName(e.holder), e.policyTitle(), strings.Join(changed, "; "))
	limit, what := e.limit()
	if n := minified(c.After); c.After != "" && n > limit {
		if e.holderKind == "managed" {
			c.Notes = append(c.Notes, fmt.Sprintf("the rewritten policy is %d characters, over the %d limit of %s", n, limit, what))
		} else {
			return e.denyPolicyChange(env, removedAll, n, limit, what)
		}
	}
	e.addCommands(c, c.After == "")
	if e.holderKind == "managed" {
		c.Notes = append(c.Notes, "a customer managed policy: the change applies to every principal it is attached to")
	}
	return c
}

// denyPolicyChange is the split for a policy that would grow past its
// size limit: the policy stays as it is, and a new customer managed policy
// attached to the same user, role or group denies exactly the image
// actions (outside the resources the principal is approved for).
func (e *policyEdit) denyPolicyChange(env *remediate.Env, actions map[string]bool, n, limit int, what string) *remediate.Change {
	name := "imagewarden-deny-image-actions-" + e.holderName
	arn := "arn:aws:iam::" + e.account + ":policy/" + name
	var deny []stmtDoc
	groups := groupByApproval(env, e.principal, sortedKeys(actions))
	for _, k := range sortedKeys(boolKeys(groups)) {
		d := stmtDoc{Sid: "DenyImageActions", Effect: "Deny", Action: strList(groups[k]), Resource: "*"}
		if k != "" {
			d.Sid += "OutsideApproved"
			d.Resource, d.NotResource = nil, strList(strings.Split(k, "\x00"))
		}
		deny = append(deny, d)
	}
	c := &remediate.Change{Target: e.holder + " " + e.policyTitle()}
	c.After = renderPolicy("2012-10-17", "", deny)
	c.Params = map[string]string{"mode": "deny-policy", "holder_kind": e.holderKind, "holder": e.holder, "holder_name": e.holderName,
		"policy": e.policyName, "account": e.account, "policy_name": name, "policy_arn": arn}
	c.Summary = fmt.Sprintf("%s %s: deny the %d image actions its %s grants, in a new managed policy %s (rewriting the inline policy would make it %d characters, over the %d limit of %s)",
		e.holderKind, e.holderName, len(actions), e.policyTitle(), name, n, limit, what)
	e.checkHolder(c)
	c.Check("AWS account id", e.account, iam.ValidAccountID(e.account))
	c.Check("new policy name", name, iam.ValidPolicyName(name))
	c.AddCommand(remediate.Command([]string{"aws", "iam", "create-policy"}, "--policy-name", name, "--policy-document", "file://"+remediate.ArtifactPlaceholder)...)
	c.AddCommand(remediate.Command([]string{"aws", "iam", "attach-" + e.holderKind + "-policy"}, "--"+e.holderKind+"-name", e.holderName, "--policy-arn", arn)...)
	if m := minified(c.After); m > LimitManaged {
		c.Notes = append(c.Notes, fmt.Sprintf("the deny policy is %d characters, over the %d limit of a managed policy: split its Action list into two policies", m, LimitManaged))
	}
	return c
}

// groupByApproval groups actions by the resources p is approved for in
// the actions' capabilities (joined by NUL; "" for none).
func groupByApproval(env *remediate.Env, p *principal, actions []string) map[string][]string {
	out := map[string][]string{}
	for _, a := range actions {
		key := ""
		if env != nil && env.Catalog != nil && p != nil {
			caps := map[string]bool{}
			for _, e := range env.Catalog.Lookup(cloudName, a) {
				caps[e.Capability] = true
			}
			key = strings.Join(approvedResources(env, p, caps), "\x00")
		}
		out[key] = append(out[key], a)
	}
	return out
}

func boolKeys(m map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// canonicalAction finds the spelling of action a in set (case-insensitive).
func canonicalAction(set map[string]bool, a string) string {
	for k := range set {
		if strings.EqualFold(k, a) {
			return k
		}
	}
	return a
}

func sidBase(st *iam.Statement) string {
	if st.Sid != "" {
		return st.Sid
	}
	return fmt.Sprintf("Statement%d", st.Index)
}

func shortName(a string) string {
	if i := strings.LastIndex(a, ":"); i >= 0 {
		return a[i+1:]
	}
	return a
}

func (e *policyEdit) policyTitle() string {
	if e.holderKind == "managed" {
		return "managed policy " + e.holderName
	}
	return "inline policy " + e.policyName
}

func (e *policyEdit) limit() (int, string) {
	switch e.holderKind {
	case "user":
		return LimitUserInline, "a user's inline policies"
	case "role":
		return LimitRoleInline, "a role's inline policies"
	case "group":
		return LimitGroupInline, "a group's inline policies"
	}
	return LimitManaged, "a managed policy"
}

// checkHolder refuses, in c, a name of the edited user, role, group or
// managed policy that IAM would not allow (its commands carry it).
func (e *policyEdit) checkHolder(c *remediate.Change) {
	switch e.holderKind {
	case "user", "role", "group":
		c.Check("IAM "+e.holderKind+" name", e.holderName, iam.ValidPrincipalName(e.holderKind, e.holderName))
	case "managed":
		c.Check("managed policy ARN", e.holder, iam.ValidIAMARN(e.holder, "policy"))
	default:
		c.Refuse("holder kind", e.holderKind, errors.New("not a user, role, group or managed policy"))
	}
}

// addCommands adds the commands that put the policy of e as After (or
// delete it, remove), every name checked and every argument quoted.
func (e *policyEdit) addCommands(c *remediate.Change, remove bool) {
	e.checkHolder(c)
	if e.holderKind == "managed" {
		if remove {
			c.AddCommand("aws", "iam", "list-entities-for-policy", "--policy-arn", e.holder)
			c.AddComment("detach it from each entity listed, then: " + shell.Join("aws", "iam", "delete-policy", "--policy-arn", e.holder))
			return
		}
		c.AddCommandLine("", []string{"aws", "iam", "list-policy-versions", "--policy-arn", e.holder}, "  # at most 5 versions: delete the oldest non-default one if needed")
		c.AddCommand("aws", "iam", "create-policy-version", "--policy-arn", e.holder, "--policy-document", "file://"+remediate.ArtifactPlaceholder, "--set-as-default")
		return
	}
	c.Check("inline policy name", e.policyName, iam.ValidPolicyName(e.policyName))
	who := []string{"--" + e.holderKind + "-name", e.holderName, "--policy-name", e.policyName}
	if remove {
		c.AddCommand(remediate.Command([]string{"aws", "iam", "delete-" + e.holderKind + "-policy"}, who...)...)
		return
	}
	c.AddCommand(remediate.Command([]string{"aws", "iam", "put-" + e.holderKind + "-policy"}, append(who, "--policy-document", "file://"+remediate.ArtifactPlaceholder)...)...)
}

// swapChange replaces an attached AWS managed policy by its narrower
// replacement.
func (s *Snapshot) swapChange(e *policyEdit) *remediate.Change {
	to := s.managed[e.to]
	if to == nil {
		to = replacementDocs[e.to]
	}
	if to == nil {
		return nil
	}
	c := &remediate.Change{Target: e.holder + " attachment " + e.from, Before: canonical(e.policy), After: canonical(to.policy)}
	c.Params = map[string]string{"holder_kind": e.holderKind, "holder": e.holder, "holder_name": e.holderName, "from": e.from, "to": e.to}
	c.Summary = fmt.Sprintf("%s %s: replace AWS managed %s with %s", e.holderKind, e.holderName, shortName(e.from), shortName(e.to))
	e.checkHolder(c)
	c.Check("AWS managed policy ARN", e.to, iam.ValidIAMARN(e.to, "policy"))
	c.Check("AWS managed policy ARN", e.from, iam.ValidIAMARN(e.from, "policy"))
	c.AddCommand(remediate.Command([]string{"aws", "iam", "attach-" + e.holderKind + "-policy"}, "--"+e.holderKind+"-name", e.holderName, "--policy-arn", e.to)...)
	c.AddCommand(remediate.Command([]string{"aws", "iam", "detach-" + e.holderKind + "-policy"}, "--"+e.holderKind+"-name", e.holderName, "--policy-arn", e.from)...)
	c.Notes = append(c.Notes, "the artifact is the AWS managed replacement's document, for review: nothing is created")
	if e.holderKind == "group" {
		c.Notes = append(c.Notes, "the change applies to every member of group "+e.holderName)
	}
	return c
}

// boundaryCaps are the capabilities of the guardrail template: each with
// its catalog actions and approved publishers.
func guardrailCaps(env *remediate.Env, extra map[string][]string) []guardrails.Capability {
	var out []guardrails.Capability
	for _, id := range GuardrailCapabilities {
		c := guardrails.Capability{ID: id}
		if env != nil && env.Catalog != nil {
			c.Actions = env.Catalog.ActionsOf(cloudName, id)
		}
		if env != nil {
			for _, a := range env.ApprovedFor(id) {
				if !strings.HasPrefix(a.Principal, "arn:aws:") {
					continue
				}
				if len(a.Resources) == 0 {
					c.Exempt = append(c.Exempt, a.Principal)
				} else {
					c.Scoped = append(c.Scoped, guardrails.Scoped{Principal: a.Principal, Resources: a.Resources})
				}
			}
		}
		out = append(out, c)
	}
	for _, id := range sortedKeys(boolSet(extra)) {
		out = append(out, guardrails.Capability{ID: id, Actions: extra[id]})
	}
	return out
}

func boolSet(m map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// boundaryChange attaches the guardrail boundary to a principal whose
// image access comes from an AWS managed policy with no narrower
// replacement (AdministratorAccess, say). Escalation actions the findings
// name are denied too.
func (s *Snapshot) boundaryChange(e *policyEdit, env *remediate.Env) *remediate.Change {
	if env == nil || env.Catalog == nil {
		return nil // the template needs the catalog's actions
	}
	extra := map[string][]string{}
	if se := e.stmts[0]; se != nil && se.caps["iam.escalate"] {
		for _, a := range sortedKeys(se.actions) {
			for _, en := range env.Catalog.Lookup(cloudName, a) {
				if en.Capability == "iam.escalate" {
					extra["iam.escalate"] = append(extra["iam.escalate"], a)
					break
				}
			}
		}
	}
	// The boundary is this principal's: a capability it is approved for
	// everywhere is left out, one it is approved for on some resources is
	// denied outside them.
	var caps []guardrails.Capability
	for _, c := range guardrailCaps(env, extra) {
		all, res := env.ApprovedResources(e.holder, c.ID)
		if all {
			continue
		}
		caps = append(caps, guardrails.Capability{ID: c.ID, Actions: c.Actions, NotResources: res})
	}
	doc, err := guardrails.Boundary(caps)
	if err != nil {
		return nil
	}
	name := "imagewarden-image-boundary-" + e.holderName
	arn := "arn:aws:iam::" + e.account + ":policy/" + name
	c := &remediate.Change{Target: e.holder + " permissions boundary", After: doc}
	c.Params = map[string]string{"principal": e.holder, "policy_arn": arn, "policy_name": name}
	c.Summary = fmt.Sprintf("%s %s: attach permissions boundary %s denying the image actions (its AWS managed policies cannot be narrowed)", e.holderKind, e.holderName, name)
	if e.holderKind != "user" && e.holderKind != "role" {
		c.Refuse("principal kind", e.holderKind, errors.New("a permissions boundary is for a user or a role"))
	}
	e.checkHolder(c)
	c.Check("AWS account id", e.account, iam.ValidAccountID(e.account))
	c.Check("new policy name", name, iam.ValidPolicyName(name))
	c.AddCommand(remediate.Command([]string{"aws", "iam", "create-policy"}, "--policy-name", name, "--policy-document", "file://"+remediate.ArtifactPlaceholder)...)
	c.AddCommand(remediate.Command([]string{"aws", "iam", "put-" + e.holderKind + "-permissions-boundary"}, "--"+e.holderKind+"-name", e.holderName, "--permissions-boundary", arn)...)
	return c
}

// repoChange rewrites a repository policy so that public and outside
// principals lose the image actions and keep the rest (pulls).
func (s *Snapshot) repoChange(e *policyEdit) *remediate.Change {
	r := s.repos[e.holder]
	var stmts []stmtDoc
	var what, repoNotes []string
	for _, st := range e.policy.Statements {
		doc := stmtFromRaw(st.Raw())
		se, ok := e.stmts[st.Index]
		if !ok || st.Effect != iam.Allow || st.NotPrincipal || st.Principal == nil {
			stmts = append(stmts, doc)
			continue
		}
		label := sidBase(st)
		// Reduced actions for the principals of the findings.
		var keep, wild []string
		if st.NotActions {
			for _, a := range st.Actions {
				keep = append(keep, a.Raw)
			}
			keep = append(keep, sortedKeys(se.actions)...)
		} else {
			for _, a := range st.Actions {
				if strings.ContainsAny(a.Raw, "*?") {
					for _, x := range sortedKeys(se.actions) {
						if a.Matches(x) {
							wild = append(wild, x)
						}
					}
				}
				if !strings.ContainsAny(a.Raw, "*?") && se.actions[canonicalAction(se.actions, a.Raw)] {
					continue
				}
				keep = append(keep, a.Raw)
			}
		}
		reduced := doc
		if st.NotActions {
			reduced.NotAction = strList(keep)
		} else if len(keep) > 0 {
			reduced.Action = strList(keep)
		}
		// A whole-service wildcard (ecr:*, *) on a repository means every
		// repository action: "every action but the image ones" is then
		// exactly NotAction of them, with no condition to settle.
		var notes []string
		if len(wild) > 0 && wholeServiceWildcards(st) {
			reduced.Action, reduced.NotAction = nil, strList(sortedKeys(se.actions))
			wild = nil
		} else if len(wild) > 0 && st.Principal.HasWildcard() {
			notes = append(notes, "the Deny for callers outside the account depends on aws:PrincipalAccount, which anonymous callers do not send: replace the wildcard by the actions anyone really needs")
		}
		repoNotes = append(repoNotes, notes...)
		// Which principal values are the findings'.
		var theirs, others []string
		if st.Principal.HasWildcard() {
			theirs = []string{"*"}
		} else {
			for _, v := range st.Principal.Values["AWS"] {
				if se.principals[v] || se.principals["arn:aws:iam::"+v+":root"] {
					theirs = append(theirs, v)
				} else {
					others = append(others, v)
				}
			}
		}
		keepReduced := len(keep) > 0
		if len(others) > 0 || len(st.Principal.Values) > 1 {
			// Others keep the statement as it was; the findings' principals
			// move to a reduced copy.
			o := doc
			pv := map[string]any{}
			for k, v := range st.Principal.Values {
				if k == "AWS" {
					if len(others) > 0 {
						pv[k] = strList(others)
					}
					continue
				}
				pv[k] = strList(v)
			}
			o.Principal = pv
			stmts = append(stmts, o)
			reduced.Sid = label + "Reduced"
			reduced.Principal = map[string]any{"AWS": strList(theirs)}
		}
		if keepReduced {
			stmts = append(stmts, reduced)
		}
		if len(wild) > 0 {
			d := stmtDoc{Sid: label + "DenyImageActions", Effect: "Deny", Principal: reduced.Principal, Action: strList(wild)}
			if st.Principal.HasWildcard() {
				d.Condition = map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalAccount": r.account}}
			}
			stmts = append(stmts, d)
		}
		w := fmt.Sprintf("%s: %s lose %s", label, strings.Join(theirs, ", "), strings.Join(sortedKeys(se.actions), ", "))
		if !keepReduced {
			w += " (nothing else was granted to them there)"
		}
		what = append(what, w)
	}
	c := &remediate.Change{Target: r.arn + " repository policy", Before: canonical(e.policy), Notes: repoNotes}
	c.Params = map[string]string{"repository": r.arn}
	if len(stmts) > 0 {
		c.After = renderPolicy(e.policy.Version, e.policy.ID, stmts)
	}
	c.Summary = fmt.Sprintf("repository %s: %s", r.name, strings.Join(what, "; "))
	c.Check("AWS account id", r.account, iam.ValidAccountID(r.account))
	c.Check("region", r.region, iam.ValidRegion(r.region))
	c.Check("ECR repository name", r.name, iam.ValidRepositoryName(r.name))
	repo := []string{"--registry-id", r.account, "--region", r.region, "--repository-name", r.name}
	if c.After == "" {
		c.AddCommand(remediate.Command([]string{"aws", "ecr", "delete-repository-policy"}, repo...)...)
	} else {
		c.AddCommand(remediate.Command([]string{"aws", "ecr", "set-repository-policy"}, append(repo, "--policy-text", "file://"+remediate.ArtifactPlaceholder)...)...)
		if n := minified(c.After); n > LimitRepoPolicy {
			c.Notes = append(c.Notes, fmt.Sprintf("the policy is %d characters, over the %d limit", n, LimitRepoPolicy))
		}
	}
	return c
}

// scpChanges render the SCP guardrail for the organisation root. It
// resolves the findings of principals in member accounts; the management
// account is not subject to SCPs.
func (s *Snapshot) scpChanges(findings []*model.Finding, env *remediate.Env) []remediate.Change {
	o := s.org
	if o == nil || env == nil || env.Catalog == nil {
		return nil
	}
	var roots []string
	for id := range o.name {
		if strings.HasPrefix(id, "r-") {
			roots = append(roots, id)
		}
	}
	sort.Strings(roots)
	if len(roots) == 0 {
		return nil
	}
	guard := map[string]bool{}
	for _, c := range GuardrailCapabilities {
		guard[c] = true
	}
	docs, err := guardrails.SCPs(guardrailCaps(env, nil))
	if err != nil {
		return nil
	}
	var out []remediate.Change
	for i, d := range docs {
		var ids []string
		for _, f := range findings {
			p := s.byARN[f.PrincipalID]
			if p == nil || p.external || !guard[f.Capability] || !o.accounts[p.account] || p.account == o.management || !d.Capabilities[f.Capability] {
				continue
			}
			ids = append(ids, f.ID)
		}
		name := fmt.Sprintf("imagewarden-image-guardrail-%d", i+1)
		c := remediate.Change{Cloud: cloudName, Kind: KindSCP, Target: "organization root " + roots[0] + " " + name, After: compact(d.Text), FindingIDs: ids}
		c.Params = map[string]string{"target": roots[0], "policy_name": name}
		c.Summary = fmt.Sprintf("SCP %s (%d of %d) on the organization root: deny the image actions except to the approved publishers", name, i+1, len(docs))
		c.Notes = []string{"the management account " + o.management + " is not subject to SCPs: its principals need the identity fixes",
			"an account or OU has at most 5 SCPs attached directly"}
		c.Check("organization root id", roots[0], iam.ValidRootID(roots[0]))
		c.Check("SCP name", name, iam.ValidPolicyName(name))
		// The policy id that create-policy prints is kept in POLICY_ID for
		// attach-policy: constant shell text around the quoted arguments.
		c.AddCommandLine("POLICY_ID=$(", remediate.Command([]string{"aws", "organizations", "create-policy"}, "--type", "SERVICE_CONTROL_POLICY", "--name", name,
			"--description", "imagewarden: image actions only for approved publishers", "--content", "file://"+remediate.ArtifactPlaceholder,
			"--query", "Policy.PolicySummary.Id", "--output", "text"), ")")
		c.AddCommandLine("", append(remediate.Command([]string{"aws", "organizations", "attach-policy"}, "--target-id", roots[0]), "--policy-id"), ` "$POLICY_ID"`)
		out = append(out, c)
	}
	return out
}
