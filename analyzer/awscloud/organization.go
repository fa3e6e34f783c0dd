package awscloud

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// organizationFile is the organization input: the shapes of the AWS
// Organizations API (DescribeOrganization, ListRoots,
// ListOrganizationalUnitsForParent, ListAccountsForParent, DescribePolicy,
// ListTargetsForPolicy), each node with its ParentId, each policy with its
// Targets. See docs/inputs.md.
type organizationFile struct {
	Organization struct {
		ID              string `json:"Id"`
		MasterAccountID string `json:"MasterAccountId"`
	} `json:"Organization"`
	Roots []struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	} `json:"Roots"`
	OrganizationalUnits []struct {
		ID       string `json:"Id"`
		Name     string `json:"Name"`
		ParentID string `json:"ParentId"`
	} `json:"OrganizationalUnits"`
	Accounts []struct {
		ID       string `json:"Id"`
		Name     string `json:"Name"`
		ParentID string `json:"ParentId"`
		Status   string `json:"Status"`
	} `json:"Accounts"`
	Policies []struct {
		ID      string          `json:"Id"`
		Name    string          `json:"Name"`
		Type    string          `json:"Type"`
		Content json.RawMessage `json:"Content"`
		Targets []string        `json:"Targets"`
	} `json:"Policies"`
}

// organization is the OU tree with the SCPs and RCPs attached to each node.
type organization struct {
	id         string
	management string
	parent     map[string]string // node id -> parent id
	name       map[string]string
	scps       map[string][]iam.NamedPolicy // node id -> attached SCPs
	rcps       map[string][]iam.NamedPolicy // node id -> attached RCPs (resource control policies)
	hasRCPs    bool                         // the file lists RESOURCE_CONTROL_POLICY policies
	accounts   map[string]bool
	file       string
}

func (s *Snapshot) loadOrganization(file string, doc *model.Document) error {
	var f organizationFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	if s.org != nil {
		return fmt.Errorf("a second organization file (the first was %s): only one organization is analysed", s.org.file)
	}
	o := &organization{id: f.Organization.ID, management: f.Organization.MasterAccountID, parent: map[string]string{},
		name: map[string]string{}, scps: map[string][]iam.NamedPolicy{}, rcps: map[string][]iam.NamedPolicy{}, accounts: map[string]bool{}, file: file}
	for _, r := range f.Roots {
		o.name[r.ID] = r.Name
	}
	for i, ou := range f.OrganizationalUnits {
		if ou.ID == "" || ou.ParentID == "" {
			s.warn(file, fmt.Sprintf("OrganizationalUnits[%d]", i), "Id and ParentId are required")
			continue
		}
		o.parent[ou.ID], o.name[ou.ID] = ou.ParentID, ou.Name
	}
	for i, a := range f.Accounts {
		if a.ID == "" || a.ParentID == "" {
			s.warn(file, fmt.Sprintf("Accounts[%d]", i), "Id and ParentId are required")
			continue
		}
		o.parent[a.ID], o.name[a.ID] = a.ParentID, a.Name
		o.accounts[a.ID] = true
	}
	for i, p := range f.Policies {
		// Type "" is an SCP (files written before the field was read);
		// RESOURCE_CONTROL_POLICY an RCP; other types (tag, backup, AI
		// opt-out policies...) do not change who can write.
		kind, into, prefix := "SCP", o.scps, "scp:"
		switch p.Type {
		case "", "SERVICE_CONTROL_POLICY":
		case "RESOURCE_CONTROL_POLICY":
			kind, into, prefix = "RCP", o.rcps, "rcp:"
			o.hasRCPs = true
		default:
			continue
		}
		where := fmt.Sprintf("Policies[%d] (%s)", i, p.Name)
		pol, err := parseCached(p.Content)
		if err != nil {
			s.warn(file, where+".Content", err.Error()+": the "+kind+" is left out, so decisions under it may be too permissive")
			continue
		}
		name := p.Name
		if name == "" {
			name = p.ID
		}
		for _, t := range p.Targets {
			into[t] = append(into[t], iam.NamedPolicy{Name: prefix + name, Policy: pol})
		}
	}
	for _, m := range []map[string][]iam.NamedPolicy{o.scps, o.rcps} {
		for node, pols := range m {
			sort.SliceStable(pols, func(i, j int) bool { return pols[i].Name < pols[j].Name })
			m[node] = pols
		}
	}
	s.org = o
	return nil
}

// scpLevels returns the SCPs that apply to an account, root first. The
// management account is exempt, and an account outside the organization
// file has none (ok false).
func (o *organization) scpLevels(account string) (levels [][]iam.NamedPolicy, path []string, ok bool) {
	if o == nil || !o.accounts[account] {
		return nil, nil, false
	}
	if account == o.management {
		return nil, nil, true
	}
	for n, guard := account, 0; n != "" && guard < 64; n, guard = o.parent[n], guard+1 {
		path = append([]string{n}, path...)
	}
	for _, n := range path {
		levels = append(levels, o.scps[n])
	}
	return levels, path, true
}

// rcpFullAWSAccess is the AWS managed RCP that AWS attaches to every root,
// OU and account when RCPs are enabled and that cannot be detached (AWS
// Organizations user guide, "Resource control policies"): every level
// allows everything unless a Deny says otherwise.
var rcpFullAWSAccess = iam.RCPFullAWSAccess

// rcpLevels returns the RCPs on the resources of an account, root first,
// each level with RCPFullAWSAccess whether the file lists it or not (it
// cannot be detached). RCPs do not apply to the management account's
// resources nor to accounts outside the organization file, and none apply
// when the file lists no RCP (nil in those cases).
func (o *organization) rcpLevels(account string) [][]iam.NamedPolicy {
	if o == nil || !o.hasRCPs || !o.accounts[account] || account == o.management {
		return nil
	}
	var path []string
	for n, guard := account, 0; n != "" && guard < 64; n, guard = o.parent[n], guard+1 {
		path = append([]string{n}, path...)
	}
	levels := make([][]iam.NamedPolicy, 0, len(path))
	for _, n := range path {
		l := []iam.NamedPolicy{}
		full := false
		for _, p := range o.rcps[n] {
			full = full || p.Name == rcpFullAWSAccess.Name || p.Name == "rcp:p-RCPFullAWSAccess"
		}
		if !full {
			l = append(l, rcpFullAWSAccess)
		}
		levels = append(levels, append(l, o.rcps[n]...))
	}
	return levels
}
