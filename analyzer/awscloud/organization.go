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

// organization is the OU tree with the SCPs attached to each node.
type organization struct {
	id         string
	management string
	parent     map[string]string // node id -> parent id
	name       map[string]string
	scps       map[string][]iam.NamedPolicy // node id -> attached SCPs
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
		name: map[string]string{}, scps: map[string][]iam.NamedPolicy{}, accounts: map[string]bool{}, file: file}
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
		if p.Type != "" && p.Type != "SERVICE_CONTROL_POLICY" {
			continue
		}
		where := fmt.Sprintf("Policies[%d] (%s)", i, p.Name)
		pol, err := parseCached(p.Content)
		if err != nil {
			s.warn(file, where+".Content", err.Error()+": the SCP is left out, so decisions under it may be too permissive")
			continue
		}
		name := p.Name
		if name == "" {
			name = p.ID
		}
		for _, t := range p.Targets {
			o.scps[t] = append(o.scps[t], iam.NamedPolicy{Name: "scp:" + name, Policy: pol})
		}
	}
	for node, pols := range o.scps {
		sort.SliceStable(pols, func(i, j int) bool { return pols[i].Name < pols[j].Name })
		o.scps[node] = pols
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
