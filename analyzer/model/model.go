// Package model is the cloud-neutral picture that every cloud plug-in
// produces and every later stage reads: principals, the resources the
// inputs name, and capability facts ("this principal can push images to
// that resource, through this grant").
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// Access says how sure a fact is.
type Access string

const (
	// Allowed: the policies allow it whatever the request context.
	Allowed Access = "allowed"
	// Conditional: allowed only when conditions hold that the inputs cannot
	// settle (MFA, source IP, tags...); the conditions are shown.
	Conditional Access = "conditional"
)

// Principal is an identity that can act: a user, a role, a service
// account, or an outside party named by a resource policy.
type Principal struct {
	ID      string `json:"id"`    // ARN for AWS
	Cloud   string `json:"cloud"` // aws, gcp, azure
	Kind    string `json:"kind"`  // user, role, account, public, ...
	Name    string `json:"name"`
	Account string `json:"account,omitempty"` // AWS account, GCP project, Azure subscription
	// External marks a principal outside the analysed accounts (another
	// account named by a resource policy, or anyone at all).
	External bool              `json:"external,omitempty"`
	Public   bool              `json:"public,omitempty"` // anyone, authenticated or not
	Groups   []string          `json:"groups,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// Resource is an image-bearing resource the inputs name.
type Resource struct {
	ID      string `json:"id"` // ARN for AWS
	Cloud   string `json:"cloud"`
	Type    string `json:"type"` // ecr-repository, ami, ...
	Name    string `json:"name"`
	Account string `json:"account,omitempty"`
	// Policy names the resource policy the decisions used, if any.
	Policy string `json:"policy,omitempty"`
}

// Grant is a statement that gives (or, for a conditional deny, may take
// away) the access.
type Grant struct {
	PolicyType  string   `json:"policy_type"`
	Policy      string   `json:"policy"`
	Statement   string   `json:"statement,omitempty"`
	Effect      string   `json:"effect,omitempty"`
	Conditional bool     `json:"conditional,omitempty"`
	Conditions  []string `json:"conditions,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// Target is one place where a principal holds a capability: a known
// resource decided exactly, or a resource pattern left granted after
// denies, for resources the inputs do not list.
type Target struct {
	Resource string   `json:"resource"`
	Known    bool     `json:"known"`         // a resource from the inputs
	All      bool     `json:"all,omitempty"` // the pattern is every resource of the type in the account
	Access   Access   `json:"access"`
	Actions  []string `json:"actions"`
	Via      []Grant  `json:"via"`
	// Except lists denies that take part of a pattern away.
	Except []string `json:"except,omitempty"`
	// PublicOnly: the access comes only from a resource policy that allows
	// everyone, so it is the public-access finding, not this principal's.
	PublicOnly bool `json:"public_only,omitempty"`
	// Unusable says why the images or snapshots written here cannot reach
	// running compute (organization policies: no project may use them).
	Unusable string `json:"unusable,omitempty"`
}

// Fact is what one principal can do for one capability.
type Fact struct {
	Principal  string   `json:"principal"` // Principal.ID
	Cloud      string   `json:"cloud"`
	Capability string   `json:"capability"`
	Access     Access   `json:"access"` // allowed if any target is allowed
	Actions    []string `json:"actions"`
	Targets    []Target `json:"targets"`
}

// Source is one input file and what became of it.
type Source struct {
	Path   string `json:"path"`
	Kind   string `json:"kind,omitempty"`  // recognised format
	Error  string `json:"error,omitempty"` // why it was skipped
	Detail string `json:"detail,omitempty"`
	// SHA256 of the file's bytes, so a report can be tied to its evidence.
	SHA256 string `json:"sha256,omitempty"`
	// Collection is set when the file is an `imagewarden collect` manifest.
	Collection *Collection `json:"collection,omitempty"`
}

// Collection is what a collection.json manifest says about its snapshot:
// who collected what and when, and which scopes are missing.
type Collection struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	Cloud   string `json:"cloud"`
	Caller  string `json:"caller"`
	Account string `json:"account"`
	// Partition and Region are, for AWS, the partition of the caller and
	// the region the account-wide calls were made in (STS, IAM,
	// Organizations, the listing of the enabled regions).
	Partition   string    `json:"partition,omitempty"`
	Region      string    `json:"region,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Complete    bool      `json:"complete"`
	Interrupted bool      `json:"interrupted,omitempty"`
	// Notes say what the collector chose for the caller (a default
	// region, say), for the reader of the evidence.
	Notes     []string         `json:"notes,omitempty"`
	Collected []CollectedScope `json:"collected"`
	Skipped   []CollectedScope `json:"skipped"`
}

// CollectedScope is one scope of a collection and, when skipped, why.
type CollectedScope struct {
	Name  string   `json:"name"`
	Error string   `json:"error,omitempty"`
	Files []string `json:"files,omitempty"`
	// Note qualifies a scope that was collected: not applicable where
	// the service does not exist, or collected another way than asked.
	Note string `json:"note,omitempty"`
}

// Warning is something the analysis could not do fully.
type Warning struct {
	Where   string `json:"where,omitempty"`
	Message string `json:"message"`
}

// Snapshot is everything a cloud plug-in produces.
type Snapshot struct {
	Principals []Principal `json:"principals"`
	Resources  []Resource  `json:"resources"`
	Facts      []Fact      `json:"facts"`
	Warnings   []Warning   `json:"warnings"`
	// Federation lists the OIDC trusts of the principals (federation.go).
	Federation []FederatedTrust `json:"federation,omitempty"`
	// Counts are what the plug-in read, evaluated and skipped.
	Counts []Count `json:"counts"`
}

// Rule describes a Rego rule from its METADATA.
type Rule struct {
	ID          string `json:"id"`
	Package     string `json:"package"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Severity    string `json:"severity"`
	Remediation string `json:"remediation,omitempty"`
}

// Finding is a rule's verdict on one principal and capability.
type Finding struct {
	// ID is a stable fingerprint (see FindingID): the same access found
	// again in a later run has the same ID, so suppressions and tickets
	// can refer to it.
	ID          string     `json:"id"`
	RuleID      string     `json:"rule_id"`
	Rule        string     `json:"rule"` // package path
	Title       string     `json:"title"`
	Severity    string     `json:"severity"`
	Description string     `json:"description,omitempty"`
	Remediation string     `json:"remediation,omitempty"`
	PrincipalID string     `json:"principal"`
	Principal   *Principal `json:"principal_detail,omitempty"`
	Capability  string     `json:"capability,omitempty"`
	Access      Access     `json:"access,omitempty"`
	Message     string     `json:"message"`
	Targets     []Target   `json:"targets,omitempty"`
	Path        []Edge     `json:"path,omitempty"` // for transitive access: the chain
	// Suppression is set when a suppression in the configuration covers
	// the finding: it is kept in reports, marked, and does not fail --fail-on.
	Suppression *Suppression `json:"suppression,omitempty"`
	// Fixes are the least-privilege changes that remove this access.
	Fixes []Fix `json:"fixes,omitempty"`
}

// Suppression is an accepted risk: who accepted it, why, until when.
type Suppression struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD; empty: never
	Source  string `json:"source,omitempty"`  // file:line of the suppression
}

// Fix is one concrete remediation of a finding: the change, the artifact
// that makes it, and what re-analysis with the change applied showed.
type Fix struct {
	Kind     string   `json:"kind"`    // e.g. aws-statement-split, gcp-deny-policy, azure-custom-role
	Summary  string   `json:"summary"` // one line for tables and CSV
	Target   string   `json:"target"`  // the policy, binding or assignment changed
	Before   string   `json:"before,omitempty"`
	After    string   `json:"after,omitempty"`
	Artifact string   `json:"artifact,omitempty"` // file written by `remediate --out`
	Commands []string `json:"commands,omitempty"` // CLI commands that apply it
	// Removes lists other permissions the change takes away, found by
	// re-analysis; empty means it removes only the image access.
	Removes []string `json:"removes,omitempty"`
}

// FindingID is the stable fingerprint of a finding: a hash of its rule,
// principal, capability and the resources it names (and the chain's first
// step for transitive access), independent of order, time and wording.
func FindingID(f *Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", f.RuleID, f.PrincipalID, f.Capability)
	res := make([]string, 0, len(f.Targets))
	for _, t := range f.Targets {
		res = append(res, t.Resource)
	}
	sort.Strings(res)
	for _, r := range res {
		fmt.Fprintf(h, "%s\x00", r)
	}
	for _, e := range f.Path {
		fmt.Fprintf(h, "%s>%s:%s\x00", e.From, e.To, e.Kind)
	}
	return "iw-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// ValidFindingID reports whether s has the form of a FindingID: "iw-"
// and 16 lower-case hexadecimal digits.
func ValidFindingID(s string) bool {
	if len(s) != 19 || !strings.HasPrefix(s, "iw-") {
		return false
	}
	for i := 3; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// SeverityRank orders severities, most severe highest.
var SeverityRank = map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// SortFindings orders findings by severity (most severe first), rule,
// principal and capability, so output is stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if SeverityRank[a.Severity] != SeverityRank[b.Severity] {
			return SeverityRank[a.Severity] > SeverityRank[b.Severity]
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		if a.PrincipalID != b.PrincipalID {
			return a.PrincipalID < b.PrincipalID
		}
		return a.Capability < b.Capability
	})
}

// Answer is one principal's access to the permission of a who-can query.
type Answer struct {
	ID       string   `json:"id"`
	Cloud    string   `json:"cloud"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name,omitempty"`
	Access   Access   `json:"access"`
	Resource string   `json:"resource"`
	Via      []Grant  `json:"via"`
	Except   []string `json:"except,omitempty"`
	// Path is set for an answer reached through other principals: the
	// chain of "can act as" edges to one that can.
	Path []Edge `json:"path,omitempty"`
	// Transitive marks an answer reached through such a chain. Kind is
	// still the principal's own kind, and Resource a real resource (never
	// a node of the graph).
	Transitive bool `json:"transitive,omitempty"`
}

// Document is a decoded input file: one JSON object, or a list of objects
// (a JSON array, or JSON lines as Cloud Asset exports write them).
type Document struct {
	Object map[string]json.RawMessage   // set for a single object
	Items  []map[string]json.RawMessage // set for an array or JSON lines
}

// Keys of the object, or of the first item: what format recognition looks at.
func (d *Document) Has(key string) bool {
	if d.Object != nil {
		_, ok := d.Object[key]
		return ok
	}
	if len(d.Items) > 0 {
		_, ok := d.Items[0][key]
		return ok
	}
	return false
}

// Merge folds another action's decision on the same resource into t: its
// actions, the stronger access, and the grants and exceptions not yet there.
func (t *Target) Merge(o Target) {
	t.Actions = append(t.Actions, o.Actions...)
	if o.Access == Allowed {
		t.Access = Allowed
	}
	for _, g := range o.Via {
		dup := false
		for _, h := range t.Via {
			if h.PolicyType == g.PolicyType && h.Policy == g.Policy && h.Statement == g.Statement && h.Effect == g.Effect && h.Note == g.Note {
				dup = true
				break
			}
		}
		if !dup {
			t.Via = append(t.Via, g)
		}
	}
	for _, e := range o.Except {
		dup := false
		for _, x := range t.Except {
			if x == e {
				dup = true
				break
			}
		}
		if !dup {
			t.Except = append(t.Except, e)
		}
	}
	t.PublicOnly = t.PublicOnly && o.PublicOnly
	if t.Unusable != o.Unusable {
		t.Unusable = ""
	}
}

// FactBuilder gathers one principal's targets by capability, merging the
// decisions of several actions on the same resource, and turns them into
// facts: the step every cloud plug-in ends with.
type FactBuilder struct {
	principal, cloud string
	caps             []string
	byCap            map[string]*capTargets
}

type capTargets struct {
	order   []string
	targets map[string]*Target
}

// NewFactBuilder starts the facts of a principal.
func NewFactBuilder(principal, cloud string) *FactBuilder {
	return &FactBuilder{principal: principal, cloud: cloud, byCap: map[string]*capTargets{}}
}

// Add records that action, of capability, is allowed (or conditional) on
// the target.
func (b *FactBuilder) Add(capability, action string, t Target) {
	ct, ok := b.byCap[capability]
	if !ok {
		ct = &capTargets{targets: map[string]*Target{}}
		b.byCap[capability] = ct
		b.caps = append(b.caps, capability)
	}
	t.Actions = []string{action}
	if cur, ok := ct.targets[t.Resource]; ok {
		cur.Merge(t)
		return
	}
	ct.targets[t.Resource] = &t
	ct.order = append(ct.order, t.Resource)
}

// Facts returns one fact per capability, in the order first seen, targets in
// the order first seen and actions sorted.
func (b *FactBuilder) Facts() []Fact {
	facts := make([]Fact, 0, len(b.caps))
	for _, c := range b.caps {
		ct := b.byCap[c]
		f := Fact{Principal: b.principal, Cloud: b.cloud, Capability: c, Access: Conditional}
		acts := map[string]bool{}
		for _, r := range ct.order {
			t := ct.targets[r]
			sort.Strings(t.Actions)
			if t.Access == Allowed {
				f.Access = Allowed
			}
			for _, a := range t.Actions {
				acts[a] = true
			}
			f.Targets = append(f.Targets, *t)
		}
		for a := range acts {
			f.Actions = append(f.Actions, a)
		}
		sort.Strings(f.Actions)
		facts = append(facts, f)
	}
	return facts
}

// Edge says that From can act as To: assume it, impersonate it, run code
// as it, or change what it may do. To may be an admin node (AdminPrefix +
// scope) for a principal that can grant itself anything at a scope.
type Edge struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Cloud       string   `json:"cloud"`
	Kind        string   `json:"kind"` // assume-role, pass-role, self-escalation, impersonate, role-assignment, ...
	Permissions []string `json:"permissions"`
	Via         []Grant  `json:"via,omitempty"`
	Conditional bool     `json:"conditional,omitempty"`
	// Assumed marks an edge drawn without the inventory that would settle
	// it (a PassRole edge when no compute that runs as the role is known).
	Assumed bool   `json:"assumed,omitempty"`
	Note    string `json:"note,omitempty"`
}

// AdminPrefix names the admin node of a principal at a scope: the principal
// once it has granted itself every permission it can grant there (AWS
// account, GCP organization, folder or project, Azure scope). Guardrails it
// cannot remove (SCPs, permission boundaries, deny policies and deny
// assignments) still apply to it.
const AdminPrefix = "admin:"

// ComputePrefix names a service's compute in an account (compute:aws:
// ACCOUNT:SERVICE): a node between the principals that can take it over and
// the roles it may run as, so that n principals and m roles make n+m edges,
// not n*m.
const ComputePrefix = "compute:"

// FederatedPrefix names an identity provider (OIDC, SAML) whose users a
// trust policy lets in: federated:PROVIDER. It is a principal of the graph,
// outside the analysed accounts.
const FederatedPrefix = "federated:"

// LaunchPrefix names the compute a principal can start with any role of an
// account passed to it (launch:aws:ACCOUNT:SERVICE).
const LaunchPrefix = "launch:"

// IsVirtual reports nodes that stand for something other than a principal.
func IsVirtual(id string) bool {
	return strings.HasPrefix(id, AdminPrefix) || strings.HasPrefix(id, ComputePrefix) || strings.HasPrefix(id, LaunchPrefix)
}

// AdminNode names the admin node of principal at scope in cloud.
func AdminNode(cloud, scope, principal string) string {
	return AdminPrefix + cloud + ":" + scope + "#" + principal
}

// ParseAdminNode splits an admin node name.
func ParseAdminNode(id string) (cloud, scope, principal string, ok bool) {
	rest, ok := strings.CutPrefix(id, AdminPrefix)
	if !ok {
		return "", "", "", false
	}
	cloud, rest, _ = strings.Cut(rest, ":")
	i := strings.LastIndexByte(rest, '#')
	if i < 0 {
		return "", "", "", false
	}
	return cloud, rest[:i], rest[i+1:], true
}

// MergeEdges folds edges with the same ends and kind into one (their
// permissions and grants together; conditional only if every one is), and
// sorts them.
func MergeEdges(edges []Edge) []Edge {
	idx := map[[3]string]int{}
	var out []Edge
	for _, e := range edges {
		k := [3]string{e.From, e.To, e.Kind}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, e)
			continue
		}
		cur := &out[i]
		cur.Permissions = append(cur.Permissions, e.Permissions...)
		cur.Via = append(cur.Via, e.Via...)
		cur.Conditional = cur.Conditional && e.Conditional
		cur.Assumed = cur.Assumed && e.Assumed
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		if out[i].To != out[j].To {
			return out[i].To < out[j].To
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// AccessOf turns a three-valued decision into access: allowed, conditional,
// or none (ok false).
func AccessOf(t tri.Tri) (Access, bool) {
	switch t {
	case tri.True:
		return Allowed, true
	case tri.Unknown:
		return Conditional, true
	}
	return "", false
}

// AdminTargets lists, sorted and once each, the admin nodes that edges
// lead to: the nodes a plug-in draws its admin nodes' own edges from.
func AdminTargets(edges []Edge) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range edges {
		if _, _, _, ok := ParseAdminNode(e.To); ok && !seen[e.To] {
			seen[e.To] = true
			out = append(out, e.To)
		}
	}
	sort.Strings(out)
	return out
}
