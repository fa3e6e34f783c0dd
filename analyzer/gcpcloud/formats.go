// Package gcpcloud is the Google Cloud plug-in of the analysis: it reads
// Cloud Asset IAM policy exports, role definitions, deny policies, group
// memberships and resource lists, builds the resource hierarchy, and decides
// every catalog permission for every member with policies/gcp.
package gcpcloud

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// Formats this plug-in reads.
const (
	FormatPolicySearch = "gcp-iam-policy-search"  // gcloud asset search-all-iam-policies
	FormatAssetExport  = "gcp-asset-iam-policy"   // gcloud asset export --content-type=iam-policy (JSON lines)
	FormatPolicy       = "gcp-iam-policy"         // get-iam-policy, wrapped with its resource
	FormatBarePolicy   = "gcp-iam-policy-unnamed" // get-iam-policy without the resource: refused
	FormatRoles        = "gcp-roles"              // roles.list view=FULL, roles describe
	FormatDenyPolicies = "gcp-deny-policies"      // gcloud iam policies get --kind=denypolicies
	FormatGroups       = "gcp-group-memberships"  // gcloud identity groups memberships list, wrapped with the group
	FormatRepositories = "gcp-artifact-repositories"
	FormatProjects     = "gcp-projects" // gcloud projects list
	cloudName          = "gcp"
	crm                = "//cloudresourcemanager.googleapis.com/"
)

// Cloud names the plug-in.
func (s *Snapshot) Cloud() string { return cloudName }

// Recognize names the format of a document, or "".
func (s *Snapshot) Recognize(doc *model.Document) string {
	has := doc.Has
	str := func(k string) string {
		var v string
		if doc.Object != nil {
			json.Unmarshal(doc.Object[k], &v)
		} else if len(doc.Items) > 0 {
			json.Unmarshal(doc.Items[0][k], &v)
		}
		return v
	}
	switch {
	case has("resource") && has("policy") && doc.Object == nil:
		return FormatPolicySearch
	case doc.Object != nil && has("results") && strings.Contains(string(doc.Object["results"]), `"policy"`):
		return FormatPolicySearch
	case doc.Object == nil && (has("iamPolicy") || has("iam_policy")) && has("name"):
		return FormatAssetExport
	case doc.Object != nil && has("resource") && has("policy"):
		return FormatPolicy
	case doc.Object != nil && has("bindings") && has("etag"):
		return FormatBarePolicy
	case has("rules") && (str("kind") == "DenyPolicy" || strings.Contains(str("name"), "/denypolicies/")):
		return FormatDenyPolicies
	case has("includedPermissions") || (doc.Object != nil && has("roles") && strings.Contains(string(doc.Object["roles"]), "includedPermissions")):
		return FormatRoles
	case has("group") && has("memberships"):
		return FormatGroups
	case doc.Object == nil && has("name") && has("format") && strings.Contains(str("name"), "/repositories/"):
		return FormatRepositories
	case doc.Object == nil && has("projectId") && has("projectNumber"):
		return FormatProjects
	case recognizeCompute(doc) != "":
		return recognizeCompute(doc)
	case recognizeOrgPolicies(doc) != "":
		return FormatOrgPolicies
	}
	if f := recognizePAB(doc); f != "" {
		return f
	}
	return recognizeFederation(doc)
}

// Load reads a recognised document.
func (s *Snapshot) Load(file, format string, doc *model.Document) error {
	items := doc.Items
	if doc.Object != nil {
		items = []map[string]json.RawMessage{doc.Object}
	}
	switch format {
	case FormatInstances:
		return s.loadInstances(file, doc)
	case FormatTriggers:
		return s.loadTriggers(file, doc)
	case FormatOrgPolicies:
		return s.loadOrgPolicies(file, doc)
	case FormatPolicySearch:
		if doc.Object != nil {
			var results []map[string]json.RawMessage
			if err := json.Unmarshal(doc.Object["results"], &results); err != nil {
				return fmt.Errorf("results: %v", err)
			}
			items = results
		}
		for i, it := range items {
			s.loadSearchResult(file, fmt.Sprintf("[%d]", i), it)
		}
	case FormatAssetExport:
		for i, it := range items {
			s.loadAssetExport(file, fmt.Sprintf("line %d", i+1), it)
		}
	case FormatPolicy:
		return s.loadWrappedPolicy(file, doc.Object)
	case FormatBarePolicy:
		return fmt.Errorf("a get-iam-policy output without its resource: wrap it as {\"resource\": \"//cloudresourcemanager.googleapis.com/projects/P\", \"ancestors\": [...], \"policy\": ...} (docs/inputs.md)")
	case FormatRoles:
		if doc.Object != nil && doc.Object["roles"] != nil {
			var roles []map[string]json.RawMessage
			if err := json.Unmarshal(doc.Object["roles"], &roles); err != nil {
				return fmt.Errorf("roles: %v", err)
			}
			items = roles
		}
		for i, it := range items {
			s.loadRole(file, fmt.Sprintf("roles[%d]", i), it)
		}
	case FormatDenyPolicies:
		for i, it := range items {
			s.loadDenyPolicy(file, fmt.Sprintf("[%d]", i), it)
		}
	case FormatGroups:
		for i, it := range items {
			s.loadGroup(file, fmt.Sprintf("[%d]", i), it)
		}
	case FormatRepositories:
		for i, it := range items {
			var r struct{ Name, Format string }
			if err := decode(it, &r); err != nil || !strings.HasPrefix(r.Name, "projects/") {
				s.warn(file, fmt.Sprintf("[%d]", i), "not a repository with a name projects/P/locations/L/repositories/R")
				continue
			}
			full := "//artifactregistry.googleapis.com/" + r.Name
			s.resource(full, "artifactregistry.googleapis.com/Repository", "")
		}
	case FormatProjects:
		for i, it := range items {
			var p struct {
				ProjectID     string `json:"projectId"`
				ProjectNumber string `json:"projectNumber"`
				Parent        struct{ Type, ID string }
			}
			if err := decode(it, &p); err != nil || p.ProjectID == "" {
				s.warn(file, fmt.Sprintf("[%d]", i), "a project without projectId")
				continue
			}
			s.aliasProject(p.ProjectNumber, p.ProjectID)
			n := s.node("projects/" + p.ProjectID)
			if p.Parent.ID != "" {
				n.parent = p.Parent.Type + "s/" + p.Parent.ID
				s.resolved = false
			}
		}
	case FormatWIFProviders, FormatWIFPools:
		s.loadFederation(file, format, items)
	case FormatPABPolicies, FormatPolicyBindings:
		s.loadPAB(file, format, items)
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	return nil
}

func decode(obj map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

type policyJSON struct {
	Bindings []struct {
		Role      string         `json:"role"`
		Members   []string       `json:"members"`
		Condition *gcp.Condition `json:"condition"`
	} `json:"bindings"`
}

// addPolicy checks and stores the bindings of an allow policy on a node.
func (s *Snapshot) addPolicy(file, where, node string, raw json.RawMessage) {
	var p policyJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		s.warn(file, where, "policy: "+err.Error())
		return
	}
	for j, b := range p.Bindings {
		w := fmt.Sprintf("%s.policy.bindings[%d]", where, j)
		s.counts.Read(itemBindings)
		for range b.Members {
			s.counts.Read(itemMembers)
		}
		if b.Role == "" {
			s.counts.Skip(itemBindings)
			for range b.Members {
				s.counts.Skip(itemMembers)
			}
			s.warn(file, w, "a binding without role is ignored")
			continue
		}
		if len(b.Members) == 0 {
			s.counts.Skip(itemBindings)
			s.warn(file, w, "a binding without members is ignored ("+b.Role+")")
			continue
		}
		var members []string
		for _, m := range b.Members {
			if !gcp.KnownMemberKind(m) {
				s.counts.Skip(itemMembers)
				s.warn(file, w, fmt.Sprintf("unknown member type %q: this member is ignored", m))
				continue
			}
			members = append(members, m)
		}
		if b.Condition != nil && b.Condition.Expression != "" {
			if err := s.conds.Compile(b.Condition.Expression); err != nil {
				s.warn(file, w, fmt.Sprintf("condition %q cannot be evaluated offline (%v): the grant is reported as conditional", b.Condition.Expression, firstLine(err.Error())))
			}
		}
		s.bindings[node] = append(s.bindings[node], gcp.Binding{Role: b.Role, Members: members, Condition: b.Condition})
		s.bindingCount++
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func (s *Snapshot) loadSearchResult(file, where string, it map[string]json.RawMessage) {
	var r struct {
		Resource     string   `json:"resource"`
		AssetType    string   `json:"assetType"`
		Project      string   `json:"project"`
		Folders      []string `json:"folders"`
		Organization string   `json:"organization"`
	}
	if err := decode(it, &r); err != nil || r.Resource == "" {
		s.warn(file, where, "an IAM policy search result without resource")
		return
	}
	full, ok := s.resourceName(file, where+".resource", r.Resource)
	if !ok {
		return
	}
	r.Resource = full
	node := s.nodeForResource(r.Resource, r.AssetType, r.Project)
	var ancestors []string
	if r.Project != "" {
		ancestors = append(ancestors, r.Project)
	}
	ancestors = append(ancestors, r.Folders...)
	if r.Organization != "" {
		ancestors = append(ancestors, r.Organization)
	}
	s.addAncestors(node, ancestors)
	s.addPolicy(file, where+" ("+r.Resource+")", node, it["policy"])
}

func (s *Snapshot) loadAssetExport(file, where string, it map[string]json.RawMessage) {
	var r struct {
		Name       string   `json:"name"`
		AssetType  string   `json:"assetType"`
		AssetType2 string   `json:"asset_type"` // the export to Cloud Storage writes snake_case
		Ancestors  []string `json:"ancestors"`
	}
	if err := decode(it, &r); err != nil || r.Name == "" {
		s.warn(file, where, "an asset without name")
		return
	}
	full, ok := s.resourceName(file, where+".name", r.Name)
	if !ok {
		return
	}
	r.Name = full
	if r.AssetType == "" {
		r.AssetType = r.AssetType2
	}
	policy := it["iamPolicy"]
	if policy == nil {
		policy = it["iam_policy"]
	}
	project := ""
	for _, a := range r.Ancestors {
		if strings.HasPrefix(a, "projects/") {
			project = a
			break
		}
	}
	node := s.nodeForResource(r.Name, r.AssetType, project)
	var anc []string
	for _, a := range r.Ancestors {
		if s.canonical(a) != node {
			anc = append(anc, a)
		}
	}
	s.addAncestors(node, anc)
	s.addPolicy(file, where+" ("+r.Name+")", node, policy)
}

func (s *Snapshot) loadWrappedPolicy(file string, obj map[string]json.RawMessage) error {
	var r struct {
		Resource  string   `json:"resource"`
		AssetType string   `json:"assetType"`
		Ancestors []string `json:"ancestors"`
	}
	if err := decode(obj, &r); err != nil || r.Resource == "" {
		return fmt.Errorf("resource: a full resource name is required")
	}
	full, ok := s.resourceName(file, "resource", r.Resource)
	if !ok {
		return nil
	}
	node := s.nodeForResource(full, r.AssetType, "")
	s.addAncestors(node, r.Ancestors)
	s.addPolicy(file, "", node, obj["policy"])
	return nil
}

func (s *Snapshot) loadRole(file, where string, it map[string]json.RawMessage) {
	var r struct {
		Name                string   `json:"name"`
		IncludedPermissions []string `json:"includedPermissions"`
		Deleted             bool     `json:"deleted"`
	}
	s.counts.Read(itemRoles)
	if err := decode(it, &r); err != nil || r.Name == "" {
		s.counts.Skip(itemRoles)
		s.warn(file, where, "a role without name")
		return
	}
	if r.Deleted {
		s.counts.Skip(itemRoles)
		s.warn(file, where, fmt.Sprintf("role %s is deleted: its bindings grant nothing", r.Name))
		return
	}
	if s.definedRoles[r.Name] {
		s.counts.Duplicate(itemRoles)
	}
	if !s.noteRole(file, where, r.Name, r.IncludedPermissions) {
		return
	}
	s.roles.Add(r.Name, r.IncludedPermissions)
	s.definedRoles[r.Name] = true
}

// noteRole records a role definition read from the inputs and reports
// whether it is to be used. A role defined twice (two exports of the same
// organization, a roles describe beside a roles list) is never resolved
// silently: identical definitions share one note; differing ones are a
// warning naming both places and the permissions that differ, and the one
// read last is used (inputs are read in the order given, a directory's
// files sorted by name).
func (s *Snapshot) noteRole(file, where, name string, perms []string) bool {
	set := map[string]bool{}
	for _, p := range perms {
		set[p] = true
	}
	sorted := make([]string, 0, len(set))
	for p := range set {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	here := model.Place{File: file, Where: where, Fingerprint: strings.Join(sorted, "\n")}
	prev, dup := s.roleDups.Seen(name, here)
	if !dup {
		return true
	}
	if prev.Fingerprint == here.Fingerprint {
		s.roleDups.Identical(&s.warnings, name, prev, here)
		return false
	}
	s.warn(file, where, fmt.Sprintf("custom role %s is defined twice and the definitions differ: at %s and at %s (+ only in the second, - only in the first: %s): the one at %s is used, the one read last",
		name, prev, here, model.Differences(strings.FieldsFunc(prev.Fingerprint, func(r rune) bool { return r == '\n' }), sorted, 8), here))
	s.roleDups.Use(name, here)
	return true
}

// resourceName canonicalises the resource name of an IAM policy before it
// is matched against the hierarchy and the resources of the inputs. A
// rewritten name is a warning, so that the export's oddity shows; a name
// that cannot be understood is a warning and its policy is left out (it
// could not be tied to anything the inputs hold).
func (s *Snapshot) resourceName(file, where, name string) (string, bool) {
	full, changes, err := gcp.CanonicalResourceName(name)
	if err != nil {
		s.warn(file, where, fmt.Sprintf("resource name %q cannot be understood (%v): the policy's bindings are left out of the analysis", name, err))
		return "", false
	}
	if len(changes) > 0 {
		s.warn(file, where, fmt.Sprintf("resource name %q is not in canonical form (%s): it is read as %s", name, strings.Join(changes, ", "), full))
	}
	return full, true
}

func (s *Snapshot) loadDenyPolicy(file, where string, it map[string]json.RawMessage) {
	var p struct {
		Name  string `json:"name"`
		Rules []struct {
			DenyRule *struct {
				DeniedPrincipals     []string       `json:"deniedPrincipals"`
				ExceptionPrincipals  []string       `json:"exceptionPrincipals"`
				DeniedPermissions    []string       `json:"deniedPermissions"`
				ExceptionPermissions []string       `json:"exceptionPermissions"`
				DenialCondition      *gcp.Condition `json:"denialCondition"`
			} `json:"denyRule"`
		} `json:"rules"`
	}
	if err := decode(it, &p); err != nil {
		s.warn(file, where, "deny policy: "+err.Error())
		return
	}
	// policies/ATTACHMENT_POINT(URL-encoded)/denypolicies/ID
	att := ""
	if rest, ok := strings.CutPrefix(p.Name, "policies/"); ok {
		enc, _, _ := strings.Cut(rest, "/denypolicies/")
		if dec, err := url.PathUnescape(enc); err == nil {
			att = dec
		}
	}
	if att == "" {
		s.warn(file, where, fmt.Sprintf("deny policy %q: the attachment point cannot be read from its name (policies/ATTACHMENT_POINT/denypolicies/ID): the policy is ignored", p.Name))
		return
	}
	node := s.canonical(strings.TrimPrefix(att, "cloudresourcemanager.googleapis.com/"))
	s.node(node)
	for j, r := range p.Rules {
		if r.DenyRule == nil {
			continue
		}
		d := r.DenyRule
		s.counts.Read(itemDenyRules)
		if len(d.DeniedPrincipals) == 0 || len(d.DeniedPermissions) == 0 {
			s.counts.Skip(itemDenyRules)
			s.warn(file, fmt.Sprintf("%s.rules[%d]", where, j), "a deny rule without principals or permissions is ignored")
			continue
		}
		s.denies[node] = append(s.denies[node], gcp.DenyRule{Policy: p.Name, DeniedPrincipals: d.DeniedPrincipals,
			ExceptionPrincipals: d.ExceptionPrincipals, DeniedPermissions: d.DeniedPermissions,
			ExceptionPermissions: d.ExceptionPermissions, Condition: d.DenialCondition})
	}
}

func (s *Snapshot) loadGroup(file, where string, it map[string]json.RawMessage) {
	var g struct {
		Group       string `json:"group"`
		Memberships []struct {
			PreferredMemberKey struct {
				ID string `json:"id"`
			} `json:"preferredMemberKey"`
			Type string `json:"type"`
		} `json:"memberships"`
	}
	if err := decode(it, &g); err != nil || g.Group == "" {
		s.warn(file, where, "group memberships without the group's email")
		return
	}
	key := strings.ToLower(g.Group)
	s.groupMembers[key] = append(s.groupMembers[key], nil...)
	s.groupsMemo, s.memberOf, s.looseOf = nil, nil, nil
	for _, m := range g.Memberships {
		id := strings.ToLower(m.PreferredMemberKey.ID)
		if id == "" {
			continue
		}
		var member string
		switch strings.ToUpper(m.Type) {
		case "GROUP":
			member = "group:" + id
		case "SERVICE_ACCOUNT":
			member = "serviceAccount:" + id
		default:
			if strings.HasSuffix(id, ".gserviceaccount.com") {
				member = "serviceAccount:" + id
			} else {
				member = "user:" + id
			}
		}
		s.groupMembers[key] = append(s.groupMembers[key], member)
	}
}
