// Package awscloud is the AWS plug-in of the analysis: it recognises and
// reads AWS exports (IAM authorization details, ECR and ECR Public
// repositories and policies, ECR registries, AMIs with their launch
// permissions, the image inventory of Image Builder, launch templates and
// AMI parameters, the organization with its SCPs), then decides every
// catalog action for every principal with policies/aws.
package awscloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Formats this plug-in reads.
const (
	FormatAuthDetails    = "aws-iam-authorization-details"
	FormatRepoPolicy     = "aws-ecr-repository-policy"
	FormatRepositories   = "aws-ecr-repositories"
	FormatImages         = "aws-ec2-images"
	FormatOrganization   = "aws-organization"
	cloudName            = "aws"
	externalIdentityNote = "identity policies of this account are not in the inputs: its administrators can grant this"
)

// Recognize names the format of a decoded document, or "". Every AWS
// format is a single JSON object.
func (s *Snapshot) Recognize(doc *model.Document) string {
	if doc.Object == nil {
		return ""
	}
	has := doc.Has
	switch {
	case has("UserDetailList") || has("RoleDetailList") || has("GroupDetailList") || (has("Policies") && !has("Organization") && !has("Accounts")):
		return FormatAuthDetails
	case has("policyText") && (has("repositoryName") || has("repositoryArn")):
		return FormatRepoPolicy
	case has("registryId") && (has("policyText") || has("replicationConfiguration") || has("scanningConfiguration") || has("registryPolicyScope")):
		return FormatRegistry
	case has("ImageInventory"):
		return FormatImageInventory
	case has("repositories"):
		return FormatRepositories
	case has("Images"):
		return FormatImages
	case has("Organization") && (has("Accounts") || has("Roots")):
		return FormatOrganization
	}
	return ""
}

// Cloud names the plug-in.
func (s *Snapshot) Cloud() string { return cloudName }

// Load reads one recognised document. Problems inside it (one policy of
// the wrong type, one role without an ARN) skip that element with a warning
// naming the file and the place; the rest of the file is still read.
func (s *Snapshot) Load(file, format string, doc *model.Document) error {
	top := doc.Object
	switch format {
	case FormatAuthDetails:
		return s.loadAuthDetails(file, top)
	case FormatRepoPolicy:
		return s.loadRepoPolicy(file, top)
	case FormatRepositories:
		return s.loadRepositories(file, top)
	case FormatImages:
		return s.loadImages(file, top)
	case FormatOrganization:
		return s.loadOrganization(file, top)
	case FormatRegistry:
		return s.loadRegistry(file, top)
	case FormatImageInventory:
		return s.loadImageInventory(file, top)
	}
	return fmt.Errorf("unknown format %q", format)
}

// decodeStrict decodes raw into v, reporting the JSON field and line of a
// type error.
func decodeStrict(raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		line := 1 + bytes.Count(raw[:min(int(te.Offset), len(raw))], []byte("\n"))
		return fmt.Errorf("%s: must be %s, got JSON %s (line %d of the element)", te.Field, te.Type, te.Value, line)
	}
	return err
}

// decodeObject decodes a whole top-level object into v.
func decodeObject(top map[string]json.RawMessage, v any) error {
	raw, err := json.Marshal(top)
	if err != nil {
		return err
	}
	return decodeStrict(raw, v)
}

func list(top map[string]json.RawMessage, key string) ([]json.RawMessage, error) {
	raw, ok := top[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: must be a list", key)
	}
	return out, nil
}

type policyDoc = json.RawMessage

type inlinePolicy struct {
	PolicyName     string    `json:"PolicyName"`
	PolicyDocument policyDoc `json:"PolicyDocument"`
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type boundaryRef struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type userDetail struct {
	UserName                string           `json:"UserName"`
	Arn                     string           `json:"Arn"`
	UserPolicyList          []inlinePolicy   `json:"UserPolicyList"`
	GroupList               []string         `json:"GroupList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *boundaryRef     `json:"PermissionsBoundary"`
	Tags                    []tag            `json:"Tags"`
}

type groupDetail struct {
	GroupName               string           `json:"GroupName"`
	Arn                     string           `json:"Arn"`
	GroupPolicyList         []inlinePolicy   `json:"GroupPolicyList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
}

type instanceProfile struct {
	InstanceProfileName string `json:"InstanceProfileName"`
	Arn                 string `json:"Arn"`
}

type roleDetail struct {
	RoleName                 string            `json:"RoleName"`
	Arn                      string            `json:"Arn"`
	AssumeRolePolicyDocument policyDoc         `json:"AssumeRolePolicyDocument"`
	InstanceProfileList      []instanceProfile `json:"InstanceProfileList"`
	RolePolicyList           []inlinePolicy    `json:"RolePolicyList"`
	AttachedManagedPolicies  []attachedPolicy  `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *boundaryRef      `json:"PermissionsBoundary"`
	Tags                     []tag             `json:"Tags"`
}

type policyVersion struct {
	Document         policyDoc `json:"Document"`
	VersionId        string    `json:"VersionId"`
	IsDefaultVersion bool      `json:"IsDefaultVersion"`
}

type managedPolicy struct {
	PolicyName        string          `json:"PolicyName"`
	Arn               string          `json:"Arn"`
	DefaultVersionId  string          `json:"DefaultVersionId"`
	PolicyVersionList []policyVersion `json:"PolicyVersionList"`
}

func accountOf(a string) string {
	p, err := arn.Parse(a)
	if err != nil {
		return ""
	}
	return p.AccountID
}

// parseDoc parses a policy document and names its place on error.
func parseDoc(doc policyDoc, where string) (*iam.Policy, error) {
	if len(bytes.TrimSpace(doc)) == 0 || bytes.Equal(bytes.TrimSpace(doc), []byte("null")) {
		return nil, fmt.Errorf("%s: missing policy document", where)
	}
	p, err := iam.ParsePolicy(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	return p, nil
}

func (s *Snapshot) loadAuthDetails(file string, top map[string]json.RawMessage) error {
	// Managed policies first: principals refer to them by ARN.
	pols, err := list(top, "Policies")
	if err != nil {
		return err
	}
	for i, raw := range pols {
		var mp managedPolicy
		where := fmt.Sprintf("Policies[%d]", i)
		s.counts.Read(itemPolicies)
		if err := decodeStrict(raw, &mp); err != nil {
			s.counts.Skip(itemPolicies)
			s.warn(file, where, err.Error())
			continue
		}
		if mp.Arn == "" {
			s.counts.Skip(itemPolicies)
			s.warn(file, where, "managed policy without Arn")
			continue
		}
		where += " (" + mp.Arn + ")"
		var def *policyVersion
		for j := range mp.PolicyVersionList {
			v := &mp.PolicyVersionList[j]
			if v.IsDefaultVersion || (mp.DefaultVersionId != "" && v.VersionId == mp.DefaultVersionId) {
				def = v
			}
		}
		if def == nil {
			s.counts.Skip(itemPolicies)
			s.warn(file, where, "no default policy version: the policy is ignored")
			continue
		}
		p, err := parseDoc(def.Document, fmt.Sprintf("%s.PolicyVersionList(%s).Document", where, def.VersionId))
		if err != nil {
			s.counts.Skip(itemPolicies)
			s.badManaged[mp.Arn] = err.Error()
			s.warn(file, "", err.Error())
			continue
		}
		if _, dup := s.managed[mp.Arn]; dup {
			s.counts.Duplicate(itemPolicies)
		}
		s.managed[mp.Arn] = &managed{name: mp.PolicyName, arn: mp.Arn, version: def.VersionId, policy: p, fromInput: true}
	}
	groups, err := list(top, "GroupDetailList")
	if err != nil {
		return err
	}
	for i, raw := range groups {
		var g groupDetail
		where := fmt.Sprintf("GroupDetailList[%d]", i)
		s.counts.Read(itemGroups)
		if err := decodeStrict(raw, &g); err != nil {
			s.counts.Skip(itemGroups)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(g.Arn)
		if acct == "" {
			s.counts.Skip(itemGroups)
			s.warn(file, where, fmt.Sprintf("group %q has no valid Arn", g.GroupName))
			continue
		}
		where += " (" + g.Arn + ")"
		gr := &group{name: g.GroupName, arn: g.Arn, account: acct, attached: g.AttachedManagedPolicies, file: file}
		gr.inline, gr.problems = s.parseInline(file, where+".GroupPolicyList", g.GroupPolicyList)
		if old, dup := s.groups[acct+"/"+g.GroupName]; dup {
			s.counts.Duplicate(itemGroups) // the later one replaces it, with its inline policies
			for range old.inline {
				s.counts.Duplicate(itemPolicies)
			}
		}
		s.groups[acct+"/"+g.GroupName] = gr
	}
	users, err := list(top, "UserDetailList")
	if err != nil {
		return err
	}
	for i, raw := range users {
		var u userDetail
		where := fmt.Sprintf("UserDetailList[%d]", i)
		s.counts.Read(itemPrincipals)
		if err := decodeStrict(raw, &u); err != nil {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(u.Arn)
		if acct == "" {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, fmt.Sprintf("user %q has no valid Arn", u.UserName))
			continue
		}
		where += " (" + u.Arn + ")"
		p := &principal{kind: "user", name: u.UserName, arn: u.Arn, account: acct, groups: u.GroupList,
			attached: u.AttachedManagedPolicies, boundary: u.PermissionsBoundary, tags: tagMap(u.Tags), file: file}
		p.inline, p.problems = s.parseInline(file, where+".UserPolicyList", u.UserPolicyList)
		s.addPrincipal(p)
	}
	roles, err := list(top, "RoleDetailList")
	if err != nil {
		return err
	}
	for i, raw := range roles {
		var r roleDetail
		where := fmt.Sprintf("RoleDetailList[%d]", i)
		s.counts.Read(itemPrincipals)
		if err := decodeStrict(raw, &r); err != nil {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(r.Arn)
		if acct == "" {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, fmt.Sprintf("role %q has no valid Arn", r.RoleName))
			continue
		}
		where += " (" + r.Arn + ")"
		p := &principal{kind: "role", name: r.RoleName, arn: r.Arn, account: acct,
			attached: r.AttachedManagedPolicies, boundary: r.PermissionsBoundary, tags: tagMap(r.Tags), file: file}
		p.inline, p.problems = s.parseInline(file, where+".RolePolicyList", r.RolePolicyList)
		if len(bytes.TrimSpace(r.AssumeRolePolicyDocument)) > 0 {
			tp, err := parseDoc(r.AssumeRolePolicyDocument, where+".AssumeRolePolicyDocument")
			if err != nil {
				s.warn(file, "", err.Error())
			} else {
				p.trust = tp
			}
		}
		for _, ip := range r.InstanceProfileList {
			p.instanceProfiles = append(p.instanceProfiles, ip.Arn)
		}
		s.addPrincipal(p)
	}
	return nil
}

func (s *Snapshot) parseInline(file, where string, list []inlinePolicy) ([]iam.NamedPolicy, []string) {
	var out []iam.NamedPolicy
	var problems []string
	for j, ip := range list {
		w := fmt.Sprintf("%s[%d] (%s).PolicyDocument", where, j, ip.PolicyName)
		s.counts.Read(itemPolicies)
		p, err := parseDoc(ip.PolicyDocument, w)
		if err != nil {
			s.counts.Skip(itemPolicies)
			s.warn(file, "", err.Error())
			problems = append(problems, err.Error())
			continue
		}
		out = append(out, iam.NamedPolicy{Name: "inline:" + ip.PolicyName, Policy: p})
	}
	return out, problems
}

func tagMap(ts []tag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}

type repoPolicyFile struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
	PolicyText     string `json:"policyText"`
	RepositoryArn  string `json:"repositoryArn"`
	Region         string `json:"region"`
}

func (s *Snapshot) loadRepoPolicy(file string, top map[string]json.RawMessage) error {
	var rp repoPolicyFile
	if err := decodeObject(top, &rp); err != nil {
		return err
	}
	repoArn := rp.RepositoryArn
	if repoArn == "" {
		if rp.Region == "" || rp.RegistryID == "" || rp.RepositoryName == "" {
			return fmt.Errorf("repositoryArn is missing (or region, registryId and repositoryName to build it): the policy cannot be tied to a repository")
		}
		repoArn = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", rp.Region, rp.RegistryID, rp.RepositoryName)
	}
	if _, err := arn.Parse(repoArn); err != nil {
		return fmt.Errorf("repositoryArn %q: %v", repoArn, err)
	}
	p, err := iam.ParsePolicyString(rp.PolicyText)
	if err != nil {
		return fmt.Errorf("policyText: %v", err)
	}
	r := s.repo(repoArn)
	r.policy = &iam.NamedPolicy{Name: "repository-policy:" + r.name, Policy: p}
	r.policyFile = file
	return nil
}

type repositoriesFile struct {
	Repositories []struct {
		RepositoryArn      string `json:"repositoryArn"`
		RepositoryName     string `json:"repositoryName"`
		RegistryID         string `json:"registryId"`
		ImageTagMutability string `json:"imageTagMutability"`
	} `json:"repositories"`
}

func (s *Snapshot) loadRepositories(file string, top map[string]json.RawMessage) error {
	var rf repositoriesFile
	if err := decodeObject(top, &rf); err != nil {
		return err
	}
	for i, r := range rf.Repositories {
		p, err := arn.Parse(r.RepositoryArn)
		if err != nil {
			s.warn(file, fmt.Sprintf("repositories[%d]", i), fmt.Sprintf("repositoryArn %q: %v", r.RepositoryArn, err))
			continue
		}
		// ECR Public repositories come in the same shape, with
		// arn:aws:ecr-public::ACCOUNT:repository/NAME ARNs.
		if (p.Service != "ecr" && p.Service != "ecr-public") || !strings.HasPrefix(p.Resource, "repository/") {
			s.warn(file, fmt.Sprintf("repositories[%d]", i), fmt.Sprintf("repositoryArn %q is not an ECR or ECR Public repository ARN: the entry is ignored", r.RepositoryArn))
			continue
		}
		rp := s.repo(r.RepositoryArn)
		rp.tagMutability = r.ImageTagMutability
	}
	return nil
}

type imagesFile struct {
	Region string `json:"Region"`
	Images []struct {
		ImageId string `json:"ImageId"`
		OwnerId string `json:"OwnerId"`
		Name    string `json:"Name"`
		Public  bool   `json:"Public"`
		// LaunchPermissions (describe-image-attribute, added per image):
		// absent when not collected, which is not the same as empty.
		LaunchPermissions *[]launchPermission `json:"LaunchPermissions"`
	} `json:"Images"`
}

func (s *Snapshot) loadImages(file string, top map[string]json.RawMessage) error {
	var f imagesFile
	if err := decodeObject(top, &f); err != nil {
		return err
	}
	region := f.Region
	if region == "" {
		region = "*"
	}
	for i, im := range f.Images {
		if !strings.HasPrefix(im.ImageId, "ami-") {
			s.warn(file, fmt.Sprintf("Images[%d]", i), fmt.Sprintf("ImageId %q is not an AMI id", im.ImageId))
			continue
		}
		id := fmt.Sprintf("arn:aws:ec2:%s::image/%s", region, im.ImageId)
		public := im.Public
		if im.LaunchPermissions != nil && s.readLaunchPermissions(id, *im.LaunchPermissions) {
			public = true
		}
		s.images[id] = &image{arn: id, id: im.ImageId, name: im.Name, owner: im.OwnerId, public: public}
		s.imageOrder = append(s.imageOrder, id)
	}
	return nil
}
