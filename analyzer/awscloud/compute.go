package awscloud

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Formats of the compute inventory (docs/inputs.md): which compute exists
// and which role it runs as, so that the "runs-as" edges of the services
// it belongs to are exact instead of assumed.
const (
	FormatInstances        = "aws-ec2-instances"
	FormatFunctions        = "aws-lambda-functions"
	FormatInstanceProfiles = "aws-iam-instance-profiles"
)

// computeInventory is what the compute inputs add to a Snapshot.
type computeInventory struct {
	// listed: the (account, service) pairs whose compute an input lists;
	// for those, the runs-as edges are exact.
	listed map[[2]string]bool
	// runsAs: per (account, service), the compute that runs as each role
	// ARN, by name.
	runsAs map[[2]string]map[string][]string
	// instances wait for the instance profiles (authorization details or
	// list-instance-profiles) that map them to roles, which may be read
	// after them.
	instances []listedInstance
	// profiles: instance profile ARN -> role ARNs, from
	// list-instance-profiles (the authorization details' InstanceProfileList
	// is on the roles).
	profiles map[string][]string
	// regions: which regions the files cover and which are enabled
	// (compute_regions.go).
	regions coverage
	// infra: the Image Builder infrastructure configurations
	// (compute_imagebuilder.go).
	infra []listedInfra
	// partialWhy: (account, service) pairs whose inputs cannot be
	// complete whatever regions they cover, and why (compute_ecs.go).
	partialWhy map[[2]string]string
}

type listedInstance struct {
	id, account, profile string
}

func (s *Snapshot) comp() *computeInventory {
	if s.compute.listed == nil {
		s.compute = computeInventory{listed: map[[2]string]bool{}, runsAs: map[[2]string]map[string][]string{}, profiles: map[string][]string{}}
	}
	return &s.compute
}

func (c *computeInventory) add(account, service, role, name string) {
	k := [2]string{account, service}
	if c.runsAs[k] == nil {
		c.runsAs[k] = map[string][]string{}
	}
	c.runsAs[k][role] = append(c.runsAs[k][role], name)
}

// instancesFile is the output of aws ec2 describe-instances, with an
// optional Account naming the account an empty output is about.
type instancesFile struct {
	Account string `json:"Account"`
	regionFields
	Reservations []struct {
		OwnerID   string `json:"OwnerId"`
		Instances []struct {
			InstanceID         string `json:"InstanceId"`
			IamInstanceProfile *struct {
				Arn string `json:"Arn"`
			} `json:"IamInstanceProfile"`
			State *struct {
				Name string `json:"Name"`
			} `json:"State"`
		} `json:"Instances"`
	} `json:"Reservations"`
}

const (
	serviceEC2    = "ec2.amazonaws.com"
	serviceLambda = "lambda.amazonaws.com"
)

func (s *Snapshot) loadInstances(file string, doc *model.Document) error {
	var f instancesFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	c := s.comp()
	accounts, err := startInventory(f.Account)
	if err != nil {
		return err
	}
	for i, r := range f.Reservations {
		for j, in := range r.Instances {
			where := fmt.Sprintf("Reservations[%d].Instances[%d]", i, j)
			if in.State != nil && (in.State.Name == "terminated" || in.State.Name == "shutting-down") {
				continue // runs nothing any more
			}
			acct := r.OwnerID
			var profile string
			if in.IamInstanceProfile != nil && in.IamInstanceProfile.Arn != "" {
				profile = in.IamInstanceProfile.Arn
				p, err := arn.Parse(profile)
				if err != nil || !strings.HasPrefix(p.Resource, "instance-profile/") {
					s.warn(file, where+".IamInstanceProfile.Arn", fmt.Sprintf("%q is not an instance profile ARN: the account's EC2 edges stay assumed", profile))
					profile = "?"
				} else if acct == "" {
					acct = p.AccountID
				}
			}
			if acct == "" {
				acct = f.Account
			}
			if !accountID.MatchString(acct) {
				s.warn(file, where, "no account (OwnerId, the profile's ARN or Account): the instance is ignored")
				continue
			}
			accounts[acct] = true
			if profile != "" {
				c.instances = append(c.instances, listedInstance{id: in.InstanceID, account: acct, profile: profile})
			}
		}
	}
	s.finishInventory(file, "", serviceEC2, "no account is named (no OwnerId and no Account): the file settles no EC2 edge", accounts, f.regionFields)
	return nil
}

// functionsFile is the output of aws lambda list-functions, with an
// optional Account as for instances.
type functionsFile struct {
	Account string `json:"Account"`
	regionFields
	Functions []struct {
		FunctionName string `json:"FunctionName"`
		FunctionArn  string `json:"FunctionArn"`
		Role         string `json:"Role"`
	} `json:"Functions"`
}

func (s *Snapshot) loadFunctions(file string, doc *model.Document) error {
	var f functionsFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	accounts, err := startInventory(f.Account)
	if err != nil {
		return err
	}
	for i, fn := range f.Functions {
		where := fmt.Sprintf("Functions[%d]", i)
		acct := accountOf(fn.FunctionArn)
		if acct == "" {
			acct = f.Account
		}
		if !accountID.MatchString(acct) {
			s.warn(file, where, fmt.Sprintf("function %q: no account (FunctionArn or Account): the function is ignored", fn.FunctionName))
			continue
		}
		accounts[acct] = true
		s.addRunsAs(file, where+".Role", fmt.Sprintf("function %q", fn.FunctionName), "Lambda", acct, serviceLambda, fn.Role, "function "+fn.FunctionName)
	}
	s.finishInventory(file, "", serviceLambda, "no account is named (no FunctionArn and no Account): the file settles no Lambda edge", accounts, f.regionFields)
	return nil
}

// instanceProfilesFile is the output of aws iam list-instance-profiles.
type instanceProfilesFile struct {
	InstanceProfiles []struct {
		InstanceProfileName string `json:"InstanceProfileName"`
		Arn                 string `json:"Arn"`
		Roles               []struct {
			Arn string `json:"Arn"`
		} `json:"Roles"`
	} `json:"InstanceProfiles"`
}

func (s *Snapshot) loadInstanceProfiles(file string, doc *model.Document) error {
	var f instanceProfilesFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	c := s.comp()
	for i, ip := range f.InstanceProfiles {
		if ip.Arn == "" {
			s.warn(file, fmt.Sprintf("InstanceProfiles[%d]", i), "no Arn: the profile is ignored")
			continue
		}
		for _, r := range ip.Roles {
			if r.Arn != "" {
				c.profiles[ip.Arn] = append(c.profiles[ip.Arn], r.Arn)
			}
		}
		if _, ok := c.profiles[ip.Arn]; !ok {
			c.profiles[ip.Arn] = []string{} // known, with no role
		}
	}
	return nil
}

// computeRunsAs answers, for the compute of a service in an account,
// what the inputs list: the compute running as each role, and whether the
// listing covers every enabled region of the account (compute_regions.go).
// EC2 instances are mapped to roles through their instance profile; an
// instance whose profile maps to no known profile (or a function whose
// role is not a role ARN) leaves the account's edges of that service
// assumed, as without an inventory (no listing).
func (s *Snapshot) computeRunsAs() map[[2]string]*listing {
	c := &s.compute
	if c.listed == nil {
		return nil
	}
	profileRoles := map[string][]string{}
	for a, rs := range c.profiles {
		profileRoles[a] = append(profileRoles[a], rs...)
	}
	for _, p := range s.principals {
		for _, ip := range p.instanceProfiles {
			if p.kind == "role" && !slices.Contains(profileRoles[ip], p.arn) {
				profileRoles[ip] = append(profileRoles[ip], p.arn)
			}
		}
	}
	roles := map[[2]string]map[string][]string{}
	unsettled := map[[2]string]bool{}
	for k, m := range c.runsAs {
		roles[k] = map[string][]string{}
		for r, names := range m {
			if r == "?" {
				unsettled[k] = true
				continue
			}
			roles[k][r] = append(roles[k][r], names...)
		}
	}
	for _, in := range c.instances {
		k := [2]string{in.account, serviceEC2}
		rs, known := profileRoles[in.profile]
		if !known {
			unsettled[k] = true
			continue
		}
		if roles[k] == nil {
			roles[k] = map[string][]string{}
		}
		for _, r := range rs {
			roles[k][r] = append(roles[k][r], "instance "+in.id)
		}
	}
	s.addInfrastructure(roles, unsettled)
	out := map[[2]string]*listing{}
	for k := range c.listed {
		if unsettled[k] {
			continue
		}
		l := &listing{roles: roles[k]}
		if l.roles == nil {
			l.roles = map[string][]string{}
		}
		for r := range l.roles {
			sort.Strings(l.roles[r])
			l.roles[r] = slices.Compact(l.roles[r])
			l.names = append(l.names, l.roles[r]...)
		}
		sort.Strings(l.names)
		l.names = slices.Compact(l.names)
		l.complete, l.why = c.regions.completeness(k)
		if why := c.partialWhy[k]; why != "" && l.complete {
			l.complete, l.why = false, why
		}
		out[k] = l
	}
	return out
}

// computeNote names the compute that runs as a role, for the edge's note.
func computeNote(svc string, names []string) string {
	return svc + " compute listed in the inputs runs as this role: " + fewNames(names)
}

// fewNames lists the first names, saying how many more there are.
func fewNames(names []string) string {
	const most = 5
	shown := names
	more := ""
	if len(names) > most {
		shown = names[:most]
		more = fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(shown, ", ") + more
}

// inventoryAccounts gathers the accounts a compute inventory file names:
// the top-level Account (for an output that lists nothing) and the
// account of each listed item. Every inventory loader starts and ends the
// same way with it.
type inventoryAccounts map[string]bool

// startInventory checks the file's top-level Account and begins the set.
func startInventory(account string) (inventoryAccounts, error) {
	accounts := inventoryAccounts{}
	if account != "" {
		if !accountID.MatchString(account) {
			return nil, fmt.Errorf("Account %q: must be a 12-digit account id", account)
		}
		accounts[account] = true
	}
	return accounts, nil
}

// finishInventory marks the service's compute of every named account as
// listed, records the regions the file covers (compute_regions.go), and
// warns, with noAccount, when the file names no account at all.
func (s *Snapshot) finishInventory(file, where, service, noAccount string, accounts inventoryAccounts, rf regionFields) {
	if len(accounts) == 0 {
		s.warn(file, where, noAccount)
	}
	c := s.comp()
	for a := range accounts {
		c.listed[[2]string{a, service}] = true
	}
	s.noteRegions(file, service, accounts, rf)
}

// addRunsAs records that the named compute of a service in an account runs
// as role; a role that is not an IAM role ARN is warned about (what names
// the item) and leaves the account's edges of the service assumed.
func (s *Snapshot) addRunsAs(file, where, what, label, acct, service, role, name string) {
	c := s.comp()
	if p, err := arn.Parse(role); err != nil || p.Service != "iam" || !strings.HasPrefix(p.Resource, "role/") {
		s.warn(file, where, fmt.Sprintf("%s: %q is not a role ARN: the account's %s edges stay assumed", what, role, label))
		c.add(acct, service, "?", name)
		return
	}
	c.add(acct, service, role, name)
}
