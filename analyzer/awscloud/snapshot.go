package awscloud

import (
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Snapshot is the AWS state read from the inputs.
type Snapshot struct {
	principals []*principal
	byARN      map[string]*principal
	groups     map[string]*group // account/name
	// groupByARN: the groups by ARN, for member nodes (built by resolve).
	groupByARN map[string]*group
	managed    map[string]*managed
	badManaged map[string]string // ARN -> parse error
	repos      map[string]*repository
	repoOrder  []string
	images     map[string]*image
	imageOrder []string
	more       inventory        // registries, image inventory, AMI sharing (inventory.go)
	compute    computeInventory // EC2 instances, Lambda functions, instance profiles (compute.go)
	org        *organization
	warnings   []model.Warning
	counts     model.Counter // what the inputs held, read and skipped
	// Definitions read twice (formats.go: useManagedCopy, noteCopy).
	policyDups, principalDups, groupDups model.Duplicates
	// fingerprints make the fingerprint of the copy of each definition in
	// use, by "kind|key" (formats.go: noteCopy, useManagedCopy).
	fingerprints map[string]func() string
	resolved     bool
	cat          *catalog.Catalog // for who-can without a resource
	// resourceIndex: the known resources by ARN, for AdminHolds (built on
	// first use, after loading).
	resourceIndex map[string]knownResource
	// universe remembers the actions of each statement's universe
	// (apply.go: statementActions) for the catalog it was made with.
	wild     *wildCache // evaluate.go: patternTargets
	universe struct {
		cat     *catalog.Catalog
		catalog []string
	}
	// held: Holds' answers on the permissions of Universe, decided there.
	held map[*principal]map[remediate.Permission]bool
}

// UseCatalog lets WhoCan find the resource type of an action.
func (s *Snapshot) UseCatalog(c *catalog.Catalog) { s.cat = c }

// New returns an empty snapshot.
func New() *Snapshot {
	return &Snapshot{byARN: map[string]*principal{}, groups: map[string]*group{}, managed: map[string]*managed{},
		badManaged: map[string]string{}, repos: map[string]*repository{}, images: map[string]*image{},
		policyDups: model.Duplicates{Kind: "managed policies"}, principalDups: model.Duplicates{Kind: "users and roles"},
		groupDups: model.Duplicates{Kind: "groups"}, fingerprints: map[string]func() string{}, wild: &wildCache{}}
}

type principal struct {
	kind, name, arn, account string
	groups                   []string
	inline                   []iam.NamedPolicy
	attached                 []attachedPolicy
	boundary                 *boundaryRef
	tags                     map[string]string
	trust                    *iam.Policy
	instanceProfiles         []string
	problems                 []string
	file                     string

	external bool // named by a resource policy, identity not in the inputs
	public   bool

	// resolved by resolve()
	identity []iam.NamedPolicy
	bound    *iam.NamedPolicy
	scps     [][]iam.NamedPolicy
	ctx      *iam.Context
	caller   *iam.PrincipalInfo                                                                           // iam.ParsePrincipal(arn)
	guards   func(action, account, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy) // RCPs and registry policies (guards.go)
}

type group struct {
	name, arn, account string
	inline             []iam.NamedPolicy
	attached           []attachedPolicy
	problems           []string
	file               string
}

type managed struct {
	name, arn, version string
	policy             *iam.Policy
	fromInput          bool // read from an export, not made by a remediation change
}

type repository struct {
	arn, name, account, region string
	policy                     *iam.NamedPolicy
	policyFile                 string
	tagMutability              string
}

type image struct {
	arn, id, name, owner string
	public               bool
}

// The kinds of item counted in Snapshot.counts (model.Count.Item).
const (
	itemPrincipals = "principals"
	itemGroups     = "groups"
	itemPolicies   = "policies" // managed and inline identity policies
)

func (s *Snapshot) warn(file, where, msg string) {
	w := file
	if where != "" {
		w += ": " + where
	}
	s.warnings = append(s.warnings, model.Warning{Where: w, Message: msg})
}

func (s *Snapshot) addPrincipal(p *principal) {
	if old, ok := s.byARN[p.arn]; ok {
		s.counts.Duplicate(itemPrincipals) // the earlier one is replaced, with its inline policies
		for range old.inline {
			s.counts.Duplicate(itemPolicies)
		}
		*old = *p // the one read last; noteCopy has said so
		return
	}
	s.byARN[p.arn] = p
	s.principals = append(s.principals, p)
}

func (s *Snapshot) repo(a string) *repository {
	if r, ok := s.repos[a]; ok {
		return r
	}
	parts := strings.SplitN(a, ":", 6)
	r := &repository{arn: a, region: parts[3], account: parts[4], name: strings.TrimPrefix(parts[5], "repository/")}
	s.repos[a] = r
	s.repoOrder = append(s.repoOrder, a)
	return r
}

// resolve gathers each principal's policies: inline and attached managed
// policies of the principal and, for users, of its groups; its permissions
// boundary; the SCPs above its account; and the context the analysis knows
// about it. It also adds the outside principals that resource policies name.
func (s *Snapshot) resolve() {
	if s.resolved {
		return
	}
	s.resolved = true
	s.groupByARN = make(map[string]*group, len(s.groups))
	for _, g := range s.groups {
		s.groupByARN[g.arn] = g
	}
	sort.SliceStable(s.principals, func(i, j int) bool { return s.principals[i].arn < s.principals[j].arn })
	loadedAccounts := map[string]bool{}
	for _, p := range s.principals {
		if !p.external {
			loadedAccounts[p.account] = true
		}
	}
	for _, p := range s.principals {
		if p.external || p.identity != nil {
			continue
		}
		p.identity = append(p.identity, p.inline...)
		p.identity = append(p.identity, s.attachedPolicies(p, p.attached)...)
		for _, g := range p.groups {
			gr, ok := s.groups[p.account+"/"+g]
			if !ok {
				s.warn(p.file, p.arn, "group "+g+" is not in the inputs: its policies are not counted")
				continue
			}
			for _, np := range gr.inline {
				p.identity = append(p.identity, iam.NamedPolicy{Name: "group:" + g + "/" + np.Name, Policy: np.Policy})
			}
			p.identity = append(p.identity, s.attachedPolicies(p, gr.attached)...)
		}
		if p.boundary != nil && p.boundary.PermissionsBoundaryArn != "" {
			if m, ok := s.managed[p.boundary.PermissionsBoundaryArn]; ok {
				p.bound = &iam.NamedPolicy{Name: "boundary:" + m.name, Policy: m.policy}
			} else {
				// A boundary we cannot read: deciding without it could report
				// access the boundary blocks; deciding with an empty one would
				// hide real access. Keep the principal, say so.
				s.warn(p.file, p.arn, "permissions boundary "+p.boundary.PermissionsBoundaryArn+" is not in the inputs: decisions ignore it and may overstate access")
			}
		}
		if levels, _, ok := s.org.scpLevels(p.account); ok {
			p.scps = levels
		}
		p.ctx = principalContext(p, s.org)
	}
	s.addExternalPrincipals(loadedAccounts)
	s.checkComputeRegions()
	guards := s.guardsFunc()
	for _, p := range s.principals {
		info := iam.ParsePrincipal(p.arn)
		p.caller = &info
		p.guards = guards
	}
}

func (s *Snapshot) attachedPolicies(p *principal, att []attachedPolicy) []iam.NamedPolicy {
	var out []iam.NamedPolicy
	for _, a := range att {
		m, ok := s.managed[a.PolicyArn]
		if !ok {
			if msg, bad := s.badManaged[a.PolicyArn]; bad {
				p.problems = append(p.problems, msg)
			} else {
				s.warn(p.file, p.arn, "attached managed policy "+a.PolicyArn+" is not in the inputs: its permissions are not counted")
				p.problems = append(p.problems, "managed policy "+a.PolicyArn+" missing")
			}
			continue
		}
		out = append(out, iam.NamedPolicy{Name: m.arn, Policy: m.policy})
	}
	return out
}

// principalContext is what the analysis knows of a request by p; every
// other key is unknown, so conditions on it make access conditional.
func principalContext(p *principal, org *organization) *iam.Context {
	ctx := iam.NewContext(false)
	if p.public {
		return ctx
	}
	ctx.Set("aws:PrincipalArn", p.arn)
	if p.account != "" {
		ctx.Set("aws:PrincipalAccount", p.account)
	}
	switch p.kind {
	case "user":
		ctx.Set("aws:username", p.name)
		ctx.Set("aws:PrincipalType", "User")
	case "role":
		ctx.Set("aws:PrincipalType", "AssumedRole")
	case "account":
		ctx.Set("aws:PrincipalType", "Account")
	}
	if org != nil && org.accounts[p.account] && org.id != "" {
		ctx.Set("aws:PrincipalOrgID", org.id)
	}
	for k, v := range p.tags {
		ctx.Set("aws:PrincipalTag/"+k, v)
	}
	if !p.external {
		ctx.Set("aws:PrincipalIsAWSService", "false")
	}
	return ctx
}

// externalAdmin stands for the identity side of an account whose policies
// are not in the inputs.
var externalAdmin = func() []iam.NamedPolicy {
	p, _ := iam.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	return []iam.NamedPolicy{{Name: "(assumed) identity policies of the other account", Policy: p}}
}()

// addExternalPrincipals adds a principal for every account, role or user
// that a resource policy (of a repository or a registry) names outside the
// loaded accounts, and one for "everyone" when a policy allows "*".
func (s *Snapshot) addExternalPrincipals(loaded map[string]bool) {
	add := func(p *principal) {
		if _, ok := s.byARN[p.arn]; ok {
			return
		}
		p.external = true
		p.identity = externalAdmin
		p.ctx = principalContext(p, s.org)
		s.byARN[p.arn] = p
		s.principals = append(s.principals, p)
	}
	for _, pol := range s.resourcePolicies() {
		for _, st := range pol.Policy.Statements {
			if st.Principal == nil || st.Effect != iam.Allow || st.NotPrincipal {
				continue
			}
			if st.Principal.HasWildcard() {
				add(&principal{kind: "public", name: "any AWS principal", arn: "*", public: true})
			}
			for _, v := range st.Principal.Values["AWS"] {
				if v == "*" {
					continue
				}
				pi := iam.ParsePrincipal(v)
				acct := pi.Account
				if acct == "" && len(v) == 12 {
					acct, v = v, "arn:aws:iam::"+v+":root"
					pi = iam.ParsePrincipal(v)
				}
				if acct == "" || loaded[acct] {
					continue
				}
				kind := pi.Type
				if kind == "root" {
					kind = "account"
				}
				add(&principal{kind: kind, name: v, arn: v, account: acct})
			}
		}
	}
}
