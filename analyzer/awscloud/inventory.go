package awscloud

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Formats of the ECR registry and of the image inventory (docs/inputs.md).
const (
	FormatRegistry       = "aws-ecr-registry"
	FormatImageInventory = "aws-image-inventory"
)

// inventory is what the registry, inventory and AMI-sharing inputs add to
// a Snapshot: kept apart so that the core types stay as they are.
type inventory struct {
	registries    map[string]*registry // by ID
	registryOrder []string
	items         map[string]*inventoryItem // by ARN
	itemOrder     []string
	// sharing is, per AMI ARN, the accounts, organizations and OUs its
	// launch permissions name; absent when they were not collected.
	sharing map[string][]string
}

// registry is a private ECR registry of one account in one region. Its
// policy is a resource policy over every repository of the registry, those
// that exist and those that replication or a pull-through cache would
// create, so it is decided on the pattern of the registry's repositories.
type registry struct {
	id, account, region string
	policy              *iam.NamedPolicy
	// denies is the policy's Deny statements alone, under the same name:
	// what the registry policy adds to the decisions on its repositories
	// (guards.go).
	denies *iam.NamedPolicy
	scope  string // V1, V2 or "" (not known)
	file   string
}

// registryV1Actions are the only actions a V1-scope registry policy
// governs (ECR user guide, private registry permissions); with the V2 scope,
// the default, it governs every ECR action.
var registryV1Actions = map[string]bool{"ecr:ReplicateImage": true, "ecr:BatchImportUpstreamImage": true, "ecr:CreateRepository": true}

// inventoryItem is a resource that builds images or decides which image is
// deployed: a pipeline, a recipe, an infrastructure configuration, a launch
// template or an SSM parameter holding an AMI id.
type inventoryItem struct {
	arn, typ, name, account string
}

func (s *Snapshot) inv() *inventory {
	if s.more.registries == nil {
		s.more = inventory{registries: map[string]*registry{}, items: map[string]*inventoryItem{}, sharing: map[string][]string{}}
	}
	return &s.more
}

// resourcePolicies are the repository and registry policies, in load
// order: the outside principals they name are added to the analysis.
func (s *Snapshot) resourcePolicies() []*iam.NamedPolicy {
	var out []*iam.NamedPolicy
	for _, a := range s.repoOrder {
		if p := s.repos[a].policy; p != nil {
			out = append(out, p)
		}
	}
	for _, id := range s.more.registryOrder {
		if p := s.more.registries[id].policy; p != nil {
			out = append(out, p)
		}
	}
	return out
}

// registryFile is the merged output of get-registry-policy,
// get-account-setting (as registryPolicyScope), get-registry-scanning-
// configuration and describe-registry, with the region added. The scanning
// and replication settings are kept in the file for the reader; only the
// policy changes who can write.
type registryFile struct {
	RegistryID          string  `json:"registryId"`
	Region              string  `json:"region"`
	PolicyText          *string `json:"policyText"`
	RegistryPolicyScope string  `json:"registryPolicyScope"`
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func (s *Snapshot) loadRegistry(file string, doc *model.Document) error {
	var rf registryFile
	if err := decodeObject(doc, &rf); err != nil {
		return err
	}
	if !accountID.MatchString(rf.RegistryID) {
		return fmt.Errorf("registryId %q: must be the registry's 12-digit account id", rf.RegistryID)
	}
	region := rf.Region
	if region == "" {
		// get-registry-policy does not print the region: without it the
		// policy is taken to cover the account's registries everywhere.
		region = "*"
		s.warn(file, "region", "missing: the registry policy is applied to the account's registries in every region")
	}
	scope := strings.ToUpper(rf.RegistryPolicyScope)
	if scope != "" && scope != "V1" && scope != "V2" {
		s.warn(file, "registryPolicyScope", fmt.Sprintf("%q is neither V1 nor V2: the policy is taken to govern every ECR action (V2)", rf.RegistryPolicyScope))
		scope = "V2"
	}
	inv := s.inv()
	id := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/*", region, rf.RegistryID)
	r, ok := inv.registries[id]
	if !ok {
		r = &registry{id: id, account: rf.RegistryID, region: region, file: file}
		inv.registries[id] = r
		inv.registryOrder = append(inv.registryOrder, id)
	}
	if scope != "" {
		r.scope = scope
	}
	if rf.PolicyText != nil {
		p, err := parseCachedString(*rf.PolicyText)
		if err != nil {
			return fmt.Errorf("policyText: %v", err)
		}
		if r.policy != nil {
			s.warn(file, "policyText", "registry "+id+" already has a policy from "+r.file+": the later one is used")
		}
		r.policy = &iam.NamedPolicy{Name: "registry-policy:" + rf.RegistryID + "/" + region, Policy: p}
		r.denies = nil
		var denies []*iam.Statement
		for _, st := range p.Statements {
			if st.Effect == iam.Deny {
				denies = append(denies, st)
			}
		}
		if len(denies) > 0 {
			r.denies = &iam.NamedPolicy{Name: r.policy.Name, Policy: &iam.Policy{Version: p.Version, ID: p.ID, Statements: denies}}
		}
		r.file = file
	}
	return nil
}

// imageInventoryFile is image-inventory-REGION.json: the Image Builder
// lists in the API's camelCase, launch templates and parameters in the EC2
// and SSM CLI's PascalCase.
type imageInventoryFile struct {
	ImageInventory *struct {
		Region         string `json:"Region"`
		Account        string `json:"Account"`
		ImagePipelines []struct {
			Arn  string `json:"arn"`
			Name string `json:"name"`
		} `json:"ImagePipelines"`
		ImageRecipes []struct {
			Arn  string `json:"arn"`
			Name string `json:"name"`
		} `json:"ImageRecipes"`
		InfrastructureConfigurations []struct {
			Arn  string `json:"arn"`
			Name string `json:"name"`
		} `json:"InfrastructureConfigurations"`
		LaunchTemplates []struct {
			LaunchTemplateID   string `json:"LaunchTemplateId"`
			LaunchTemplateName string `json:"LaunchTemplateName"`
			CreatedBy          string `json:"CreatedBy"`
		} `json:"LaunchTemplates"`
		ImageParameters []struct {
			Name string `json:"Name"`
			ARN  string `json:"ARN"`
		} `json:"ImageParameters"`
	} `json:"ImageInventory"`
}

func (s *Snapshot) loadImageInventory(file string, doc *model.Document) error {
	var f imageInventoryFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	ii := f.ImageInventory
	if ii == nil {
		return fmt.Errorf("ImageInventory: must be an object")
	}
	inv := s.inv()
	add := func(where, a, typ, resourcePrefix, name string) {
		p, err := arn.Parse(a)
		if err != nil || !strings.HasPrefix(p.Resource, resourcePrefix) {
			s.warn(file, where, fmt.Sprintf("ARN %q is not a %s ARN: the entry is ignored", a, typ))
			return
		}
		if _, ok := inv.items[a]; ok {
			return // the same resource from another file
		}
		inv.items[a] = &inventoryItem{arn: a, typ: typ, name: name, account: p.AccountID}
		inv.itemOrder = append(inv.itemOrder, a)
	}
	for i, p := range ii.ImagePipelines {
		add(fmt.Sprintf("ImageInventory.ImagePipelines[%d]", i), p.Arn, "imagebuilder-pipeline", "image-pipeline/", p.Name)
	}
	for i, r := range ii.ImageRecipes {
		add(fmt.Sprintf("ImageInventory.ImageRecipes[%d]", i), r.Arn, "imagebuilder-image-recipe", "image-recipe/", r.Name)
	}
	for i, c := range ii.InfrastructureConfigurations {
		add(fmt.Sprintf("ImageInventory.InfrastructureConfigurations[%d]", i), c.Arn, "imagebuilder-infrastructure-configuration", "infrastructure-configuration/", c.Name)
	}
	for i, lt := range ii.LaunchTemplates {
		where := fmt.Sprintf("ImageInventory.LaunchTemplates[%d]", i)
		// Launch template ARNs are not in the EC2 output: they are built
		// from the region, the account and the id.
		acct := ii.Account
		if acct == "" {
			acct = accountOf(lt.CreatedBy)
		}
		if ii.Region == "" || acct == "" || !strings.HasPrefix(lt.LaunchTemplateID, "lt-") {
			s.warn(file, where, fmt.Sprintf("launch template %q: its ARN needs ImageInventory.Region, ImageInventory.Account and an lt- LaunchTemplateId: the entry is ignored", lt.LaunchTemplateName))
			continue
		}
		a := fmt.Sprintf("arn:aws:ec2:%s:%s:launch-template/%s", ii.Region, acct, lt.LaunchTemplateID)
		add(where, a, "launch-template", "launch-template/", lt.LaunchTemplateName+" ("+lt.LaunchTemplateID+")")
	}
	for i, p := range ii.ImageParameters {
		where := fmt.Sprintf("ImageInventory.ImageParameters[%d]", i)
		a := p.ARN
		if a == "" && ii.Region != "" && ii.Account != "" && p.Name != "" {
			a = fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", ii.Region, ii.Account, strings.TrimPrefix(p.Name, "/"))
		}
		add(where, a, "ssm-parameter", "parameter/", p.Name)
	}
	return nil
}

// launchPermission is one entry of an AMI's launchPermission attribute.
type launchPermission struct {
	UserID                string `json:"UserId"`
	Group                 string `json:"Group"`
	OrganizationArn       string `json:"OrganizationArn"`
	OrganizationalUnitArn string `json:"OrganizationalUnitArn"`
}

// readLaunchPermissions records whom an AMI is shared with, and tells
// whether it is public (group "all").
func (s *Snapshot) readLaunchPermissions(imageARN string, perms []launchPermission) (public bool) {
	var with []string
	for _, p := range perms {
		switch {
		case p.Group == "all":
			public = true
		case p.UserID != "":
			with = append(with, p.UserID)
		case p.OrganizationArn != "":
			with = append(with, p.OrganizationArn)
		case p.OrganizationalUnitArn != "":
			with = append(with, p.OrganizationalUnitArn)
		}
	}
	sort.Strings(with)
	s.inv().sharing[imageARN] = with
	return public
}

// imageLabel names an AMI in reports with whom it is shared: the resource
// model has no sharing field, so the name carries it.
func (s *Snapshot) imageLabel(im *image) string {
	var notes []string
	if im.public {
		notes = append(notes, "public")
	}
	if with := s.more.sharing[im.arn]; len(with) > 0 {
		notes = append(notes, "shared with "+strings.Join(with, ", "))
	}
	label := im.name + " (" + im.id
	if len(notes) > 0 {
		label += ", " + strings.Join(notes, "; ")
	}
	return label + ")"
}

// inventoryResources are the registries and the inventory as known
// resources: each inventory item decided exactly for the catalog actions
// of its type, each registry with a policy for the actions its policy
// governs.
func (s *Snapshot) inventoryResources() []knownResource {
	var out []knownResource
	for _, id := range s.more.registryOrder {
		r := s.more.registries[id]
		mr := model.Resource{ID: r.id, Cloud: cloudName, Type: "ecr-registry", Name: "ECR registry " + r.account + " (" + r.region + ")", Account: r.account}
		k := knownResource{model: mr, account: r.account, pattern: true, viaPolicy: true}
		if r.policy != nil {
			k.model.Policy = r.policy.Name
			k.policy = r.policy
		}
		if r.scope == "V1" {
			k.only = registryV1Actions
		}
		out = append(out, k)
	}
	for _, a := range s.more.itemOrder {
		it := s.more.items[a]
		out = append(out, knownResource{model: model.Resource{ID: it.arn, Cloud: cloudName, Type: it.typ, Name: it.name, Account: it.account}, account: it.account})
	}
	return out
}

// resourceGranted tells whether a resource policy statement is among the
// grants of a decision.
func resourceGranted(r iam.Result) bool {
	for _, g := range r.Grants {
		if g.Kind == iam.ResourcePolicy {
			return true
		}
	}
	return false
}
