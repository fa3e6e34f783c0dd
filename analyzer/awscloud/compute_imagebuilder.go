package awscloud

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// EC2 Image Builder part of the compute inventory (docs/inputs.md, section
// 8): a build runs on an EC2 instance under the instance profile of its
// infrastructure configuration, so Image Builder compute runs as roles
// that trust ec2.amazonaws.com, not imagebuilder.amazonaws.com (the
// service's own execution role). The infrastructure configurations come
// from the image inventory (section 7): its InfrastructureConfigurations
// (get-infrastructure-configuration, with instanceProfileName) and the
// pipelines that use them.

const serviceImageBuilder = "imagebuilder.amazonaws.com"

// computeRoleTrust: for the compute nodes whose roles trust another
// service than the node's own, that service.
var computeRoleTrust = map[string]string{serviceImageBuilder: serviceEC2}

// computeByTrust: trusted service -> the compute nodes (services of
// serviceTakeovers) whose compute runs as roles that trust it, sorted.
var computeByTrust = func() map[string][]string {
	out := map[string][]string{}
	for svc := range serviceTakeovers {
		t := svc
		if o, ok := computeRoleTrust[svc]; ok {
			t = o
		}
		out[t] = append(out[t], svc)
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}()

// computeServices are the compute nodes whose compute may run as a role
// that trusts svc.
func computeServices(svc string) []string { return computeByTrust[svc] }

// listedInfra is an Image Builder infrastructure configuration of the
// inputs.
type listedInfra struct {
	account, name, profile string
	pipelines              []string
}

// imageBuilderFile is the part of image-inventory-REGION.json that tells
// which roles Image Builder builds run as.
type imageBuilderFile struct {
	ImageInventory *struct {
		Account string `json:"Account"`
		regionFields
		ImagePipelines []struct {
			Name                           string `json:"name"`
			InfrastructureConfigurationArn string `json:"infrastructureConfigurationArn"`
		} `json:"ImagePipelines"`
		// Absent: not collected, which settles nothing.
		InfrastructureConfigurations *[]struct {
			Arn                 string `json:"arn"`
			Name                string `json:"name"`
			InstanceProfileName string `json:"instanceProfileName"`
		} `json:"InfrastructureConfigurations"`
	} `json:"ImageInventory"`
}

// loadImageBuilderCompute reads the infrastructure configurations of an
// image inventory already loaded as such (loadImageInventory).
func (s *Snapshot) loadImageBuilderCompute(file string, doc *model.Document) error {
	// Decoded apart from loadImageInventory's type (decodeObject
	// remembers one type per document).
	var f imageBuilderFile
	raw, ok := doc.Object["ImageInventory"]
	if !ok {
		return nil
	}
	if err := decodeStrict(raw, &f.ImageInventory); err != nil {
		return fmt.Errorf("ImageInventory: %v", err)
	}
	ii := f.ImageInventory
	if ii == nil || ii.InfrastructureConfigurations == nil {
		return nil
	}
	c := s.comp()
	accounts := map[string]bool{}
	if accountID.MatchString(ii.Account) {
		accounts[ii.Account] = true
	}
	pipelines := map[string][]string{}
	for _, p := range ii.ImagePipelines {
		if p.InfrastructureConfigurationArn != "" {
			pipelines[p.InfrastructureConfigurationArn] = append(pipelines[p.InfrastructureConfigurationArn], p.Name)
		}
	}
	for i, ic := range *ii.InfrastructureConfigurations {
		where := fmt.Sprintf("ImageInventory.InfrastructureConfigurations[%d]", i)
		acct := ""
		if a, err := arn.Parse(ic.Arn); err == nil && strings.HasPrefix(a.Resource, "infrastructure-configuration/") {
			acct = a.AccountID
		}
		if acct == "" {
			acct = ii.Account
		}
		if !accountID.MatchString(acct) {
			s.warn(file, where, fmt.Sprintf("infrastructure configuration %q: no account (arn or ImageInventory.Account): it is ignored", ic.Name))
			continue
		}
		accounts[acct] = true
		profile := ic.InstanceProfileName
		if profile == "" {
			s.warn(file, where+".instanceProfileName", fmt.Sprintf("infrastructure configuration %q has no instanceProfileName (read with get-infrastructure-configuration?): the account's Image Builder edges stay assumed", ic.Name))
			profile = "?"
		}
		ps := append([]string(nil), pipelines[ic.Arn]...)
		sort.Strings(ps)
		c.infra = append(c.infra, listedInfra{account: acct, name: ic.Name, profile: profile, pipelines: ps})
	}
	s.finishInventory(file, "ImageInventory", serviceImageBuilder, "no account is named (no infrastructure configuration ARN and no Account): the file settles no Image Builder edge", accounts, ii.regionFields)
	return nil
}

// addInfrastructure adds, to roles, the roles Image Builder builds run as:
// those of the instance profile (by account and name) of each
// infrastructure configuration; one whose profile is not known leaves the
// account's Image Builder edges assumed (unsettled).
func (s *Snapshot) addInfrastructure(roles map[[2]string]map[string][]string, unsettled map[[2]string]bool) {
	c := &s.compute
	if len(c.infra) == 0 {
		return
	}
	byName := map[string][]string{} // account/profile name -> role ARNs
	known := map[string]bool{}
	note := func(profileARN string, rs ...string) {
		a, err := arn.Parse(profileARN)
		if err != nil {
			return
		}
		name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		k := a.AccountID + "/" + name
		known[k] = true
		for _, r := range rs {
			if !slices.Contains(byName[k], r) {
				byName[k] = append(byName[k], r)
			}
		}
	}
	for p, rs := range c.profiles {
		note(p, rs...)
	}
	for _, p := range s.principals {
		if p.kind == "role" {
			for _, ip := range p.instanceProfiles {
				note(ip, p.arn)
			}
		}
	}
	for _, in := range c.infra {
		k := [2]string{in.account, serviceImageBuilder}
		if in.profile == "?" || !known[in.account+"/"+in.profile] {
			unsettled[k] = true
			continue
		}
		if roles[k] == nil {
			roles[k] = map[string][]string{}
		}
		name := "infrastructure configuration " + in.name
		if len(in.pipelines) > 0 {
			name += " (pipeline " + strings.Join(in.pipelines, ", ") + ")"
		}
		for _, r := range byName[in.account+"/"+in.profile] {
			roles[k][r] = append(roles[k][r], name)
		}
	}
}
