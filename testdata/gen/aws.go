package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The IAM export of one account, as `aws iam get-account-authorization-details`
// prints it.
type authDetails struct {
	UserDetailList  []*iamUser        `json:"UserDetailList"`
	GroupDetailList []*iamGroup       `json:"GroupDetailList"`
	RoleDetailList  []*iamRole        `json:"RoleDetailList"`
	Policies        []json.RawMessage `json:"Policies"`
}

type inline struct {
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument *policyDocument `json:"PolicyDocument"`
}

type attached struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type boundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

type awsTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type iamUser struct {
	Path                    string     `json:"Path"`
	UserName                string     `json:"UserName"`
	UserID                  string     `json:"UserId"`
	Arn                     string     `json:"Arn"`
	CreateDate              string     `json:"CreateDate"`
	UserPolicyList          []inline   `json:"UserPolicyList"`
	GroupList               []string   `json:"GroupList"`
	AttachedManagedPolicies []attached `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *boundary  `json:"PermissionsBoundary,omitempty"`
	Tags                    []awsTag   `json:"Tags"`
}

type iamGroup struct {
	Path                    string     `json:"Path"`
	GroupName               string     `json:"GroupName"`
	GroupID                 string     `json:"GroupId"`
	Arn                     string     `json:"Arn"`
	CreateDate              string     `json:"CreateDate"`
	GroupPolicyList         []inline   `json:"GroupPolicyList"`
	AttachedManagedPolicies []attached `json:"AttachedManagedPolicies"`
}

type instanceProfile struct {
	Path                string `json:"Path"`
	InstanceProfileName string `json:"InstanceProfileName"`
	InstanceProfileID   string `json:"InstanceProfileId"`
	Arn                 string `json:"Arn"`
	CreateDate          string `json:"CreateDate"`
	Roles               []any  `json:"Roles"`
}

type iamRole struct {
	Path                     string            `json:"Path"`
	RoleName                 string            `json:"RoleName"`
	RoleID                   string            `json:"RoleId"`
	Arn                      string            `json:"Arn"`
	CreateDate               string            `json:"CreateDate"`
	AssumeRolePolicyDocument *policyDocument   `json:"AssumeRolePolicyDocument"`
	InstanceProfileList      []instanceProfile `json:"InstanceProfileList"`
	RolePolicyList           []inline          `json:"RolePolicyList"`
	AttachedManagedPolicies  []attached        `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *boundary         `json:"PermissionsBoundary,omitempty"`
	Tags                     []awsTag          `json:"Tags"`
	RoleLastUsed             map[string]string `json:"RoleLastUsed"`
}

type policyVersion struct {
	Document         *policyDocument `json:"Document"`
	VersionID        string          `json:"VersionId"`
	IsDefaultVersion bool            `json:"IsDefaultVersion"`
	CreateDate       string          `json:"CreateDate"`
}

type customerPolicy struct {
	PolicyName                    string          `json:"PolicyName"`
	PolicyID                      string          `json:"PolicyId"`
	Arn                           string          `json:"Arn"`
	Path                          string          `json:"Path"`
	DefaultVersionID              string          `json:"DefaultVersionId"`
	AttachmentCount               int             `json:"AttachmentCount"`
	PermissionsBoundaryUsageCount int             `json:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool            `json:"IsAttachable"`
	CreateDate                    string          `json:"CreateDate"`
	UpdateDate                    string          `json:"UpdateDate"`
	PolicyVersionList             []policyVersion `json:"PolicyVersionList"`
}

// awsID is an IAM unique id: a four-letter prefix and 17 characters.
func (g *gen) awsID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	b.WriteString(prefix)
	for range 17 {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

// account is one AWS account of the organization.
type account struct {
	id, name, parent string
	team             string
	region           string
}

// iamAccount builds one account's IAM export and counts it.
type iamAccount struct {
	g       *gen
	acct    *account
	out     authDetails
	managed map[string]bool // AWS managed policies already in out.Policies
	set     *managedSet
	custom  []attached // customer managed policies to attach
}

func newIAMAccount(g *gen, a *account, set *managedSet) *iamAccount {
	return &iamAccount{g: g, acct: a, set: set, managed: map[string]bool{},
		out: authDetails{UserDetailList: []*iamUser{}, GroupDetailList: []*iamGroup{}, RoleDetailList: []*iamRole{}, Policies: []json.RawMessage{}}}
}

func (ia *iamAccount) arn(kind, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:%s/%s", ia.acct.id, kind, name)
}

// useManaged adds an AWS managed policy to the export once and returns
// its attachment.
func (ia *iamAccount) useManaged(m *managedAWS) attached {
	if !ia.managed[m.Name] {
		ia.managed[m.Name] = true
		ia.out.Policies = append(ia.out.Policies, m.Raw)
		ia.g.count.Items += m.Statements
	}
	return attached{PolicyName: m.Name, PolicyArn: m.Arn}
}

// customerPolicy adds a customer managed policy, one time in five with an
// older, broader version that is not the default.
func (ia *iamAccount) customerPolicy(name string, d *policyDocument, attachable bool) attached {
	g := ia.g
	p := customerPolicy{PolicyName: name, PolicyID: g.awsID("ANPA"), Arn: ia.arn("policy", name), Path: "/", IsAttachable: true,
		CreateDate: g.timestamp(), UpdateDate: g.timestamp(), AttachmentCount: 1}
	versions := []policyVersion{{Document: d, VersionID: "v1", IsDefaultVersion: true, CreateDate: p.CreateDate}}
	g.count.Items += len(d.Statement)
	if g.chance(0.2) {
		old := doc(statement{Sid: "Everything", Effect: "Allow", Action: pick(g, []string{"ecr:*", "s3:*", "ec2:*", "*"}), Resource: "*"})
		versions = []policyVersion{{Document: d, VersionID: "v2", IsDefaultVersion: true, CreateDate: p.UpdateDate}, {Document: old, VersionID: "v1", CreateDate: p.CreateDate}}
		g.count.Items += len(old.Statement)
	}
	p.DefaultVersionID = versions[0].VersionID
	p.PolicyVersionList = versions
	raw, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	ia.out.Policies = append(ia.out.Policies, raw)
	a := attached{PolicyName: name, PolicyArn: p.Arn}
	if attachable {
		ia.custom = append(ia.custom, a)
	}
	return a
}

func (ia *iamAccount) inline(name string, d *policyDocument) inline {
	ia.g.count.Items += len(d.Statement)
	return inline{PolicyName: name, PolicyDocument: d}
}

func (ia *iamAccount) trust(d *policyDocument) *policyDocument {
	ia.g.count.Items += len(d.Statement)
	return d
}

func (ia *iamAccount) addUser(u *iamUser) {
	ia.g.count.Principals++
	ia.out.UserDetailList = append(ia.out.UserDetailList, u)
}

func (ia *iamAccount) addRole(r *iamRole) {
	ia.g.count.Principals++
	ia.out.RoleDetailList = append(ia.out.RoleDetailList, r)
}

func (ia *iamAccount) newUser(name string) *iamUser {
	return &iamUser{Path: "/", UserName: name, UserID: ia.g.awsID("AIDA"), Arn: ia.arn("user", name), CreateDate: ia.g.timestamp(),
		UserPolicyList: []inline{}, GroupList: []string{}, AttachedManagedPolicies: []attached{}, Tags: []awsTag{}}
}

func (ia *iamAccount) newRole(name string, trust *policyDocument) *iamRole {
	return &iamRole{Path: "/", RoleName: name, RoleID: ia.g.awsID("AROA"), Arn: ia.arn("role", name), CreateDate: ia.g.timestamp(),
		AssumeRolePolicyDocument: ia.trust(trust), InstanceProfileList: []instanceProfile{}, RolePolicyList: []inline{}, AttachedManagedPolicies: []attached{},
		Tags: []awsTag{}, RoleLastUsed: map[string]string{}}
}

var awsServices = []weighted[string]{{30, "ec2.amazonaws.com"}, {25, "ecs-tasks.amazonaws.com"}, {25, "lambda.amazonaws.com"}, {8, "codebuild.amazonaws.com"},
	{3, "imagebuilder.amazonaws.com"}, {5, "eks.amazonaws.com"}, {4, "states.amazonaws.com"}}

// genAWS writes the organization file and, for every account, its IAM
// export, ECR repositories and policies and (one account in three) AMIs.
func genAWS(g *gen, managed *managedSet) error {
	sc := g.sc
	org := newOrganization(g)
	var accounts []*account
	for i := 0; i < sc.Accounts; i++ {
		a := &account{id: fmt.Sprintf("%012d", 200000000000+uint64(i)*7654321+1234), team: teams[i%len(teams)], region: "us-east-1"}
		if i%3 == 2 {
			a.region = "eu-west-1"
		}
		a.parent = org.placeAccount(i)
		a.name = fmt.Sprintf("%s-%s-%02d", a.team, org.ouNames[a.parent], i)
		if i == 0 {
			a.name = "org-management"
		}
		accounts = append(accounts, a)
		org.addAccount(a)
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.id
	}
	for i, a := range accounts {
		others := append(append([]string{}, ids[:i]...), ids[i+1:]...)
		if len(others) == 0 {
			others = []string{a.id}
		}
		if err := genAWSAccount(g, a, managed, accounts[0].id, others, org.orgID); err != nil {
			return err
		}
	}
	if err := plantAWS(g, org); err != nil {
		return err
	}
	return g.write("organization.json", "    ", org.file())
}

func genAWSAccount(g *gen, a *account, managed *managedSet, management string, others []string, orgID string) error {
	sc := g.sc
	ia := newIAMAccount(g, a, managed)
	ctx := &awsContext{account: a.id, team: a.team, region: a.region, others: others, orgID: orgID}
	// Customer managed policies, two of them permission boundaries.
	devBoundary := ia.customerPolicy("boundary-developer", doc(
		statement{Sid: "AllowMostServices", Effect: "Allow", NotAction: []string{"iam:*", "organizations:*", "account:*"}, Resource: "*"},
		statement{Sid: "AllowSelfService", Effect: "Allow", Action: []string{"iam:GetUser", "iam:ChangePassword", "iam:ListMFADevices", "iam:PassRole"}, Resource: "*"},
		statement{Sid: "NoGoldenImages", Effect: "Deny", Action: []string{"ecr:PutImage", "ecr:SetRepositoryPolicy"}, Resource: fmt.Sprintf("arn:aws:ecr:*:%s:repository/golden/*", a.id)}), false)
	ciBoundary := ia.customerPolicy("boundary-ci", doc(
		statement{Sid: "CiServices", Effect: "Allow", Action: []string{"ecr:*", "s3:*", "logs:*", "cloudwatch:*", "lambda:*", "ecs:*", "sts:AssumeRole", "iam:PassRole"}, Resource: "*"}), false)
	for i := 0; i < sc.PoliciesPerAccount; i++ {
		team := pick(g, teams)
		c := *ctx
		c.team = team
		ia.customerPolicy(fmt.Sprintf("%s-%s-%03d", team, pick(g, words), i), doc(g.statements(&c, 2, 14)...), true)
	}
	attach := func() attached {
		if g.chance(0.45) {
			return ia.useManaged(managed.draw(g))
		}
		return pick(g, ia.custom)
	}
	// Groups.
	var groups []string
	for i := 0; i < sc.GroupsPerAccount; i++ {
		team := teams[(i+len(a.id))%len(teams)]
		name := fmt.Sprintf("%s-%s", team, pick(g, []string{"developers", "operators", "readers", "admins", "oncall"}))
		if i >= len(teams) {
			name = fmt.Sprintf("%s-%d", name, i)
		}
		grp := &iamGroup{Path: "/", GroupName: name, GroupID: g.awsID("AGPA"), Arn: ia.arn("group", name), CreateDate: g.timestamp(),
			GroupPolicyList: []inline{}, AttachedManagedPolicies: []attached{}}
		if g.chance(0.5) {
			c := *ctx
			c.team = team
			grp.GroupPolicyList = append(grp.GroupPolicyList, ia.inline(team+"-group-access", doc(g.statements(&c, 1, 5)...)))
		}
		for range g.between(1, 3) {
			grp.AttachedManagedPolicies = append(grp.AttachedManagedPolicies, attach())
		}
		groups = append(groups, name)
		ia.out.GroupDetailList = append(ia.out.GroupDetailList, grp)
	}
	// Users.
	for i := 0; i < sc.UsersPerAccount; i++ {
		team := pick(g, teams)
		u := ia.newUser(fmt.Sprintf("%s.%s%03d", pick(g, []string{"alex", "sam", "kim", "lee", "noa", "ravi", "ana", "jo", "mo", "eli"}), team, i))
		u.Tags = append(u.Tags, awsTag{"team", team})
		for _, k := range g.sample(len(groups), g.between(0, 3)) {
			u.GroupList = append(u.GroupList, groups[k])
		}
		c := *ctx
		c.team = team
		if g.chance(0.4) {
			for k := range g.between(1, 2) {
				u.UserPolicyList = append(u.UserPolicyList, ia.inline(fmt.Sprintf("%s-inline-%d", team, k), doc(g.statements(&c, 1, 6)...)))
			}
		}
		if g.chance(0.25) {
			for range g.between(1, 2) {
				u.AttachedManagedPolicies = append(u.AttachedManagedPolicies, attach())
			}
		}
		if g.chance(0.1) {
			u.PermissionsBoundary = &boundary{"Policy", devBoundary.PolicyArn}
		}
		ia.addUser(u)
	}
	// Roles every member account has.
	if a.id != management {
		r := ia.newRole("OrganizationAccountAccessRole", doc(statement{Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::" + management + ":root"}, Action: "sts:AssumeRole"}))
		r.AttachedManagedPolicies = append(r.AttachedManagedPolicies, ia.useManaged(managed.byName["AdministratorAccess"]))
		ia.addRole(r)
	}
	ci := ia.newRole("ci-deployer", doc(statement{Effect: "Allow", Principal: map[string]any{"AWS": fmt.Sprintf("arn:aws:iam::%s:role/ci-runner", management)}, Action: "sts:AssumeRole",
		Condition: cond("StringEquals", "sts:ExternalId", "ci-"+a.id[8:])}))
	ci.RolePolicyList = append(ci.RolePolicyList, ia.inline("deploy", doc(g.statements(ctx, 3, 8)...)))
	ci.PermissionsBoundary = &boundary{"Policy", ciBoundary.PolicyArn}
	ia.addRole(ci)
	if a.id == management {
		runner := ia.newRole("ci-runner", doc(statement{Effect: "Allow", Principal: map[string]any{"Service": "codebuild.amazonaws.com"}, Action: "sts:AssumeRole"}))
		runner.RolePolicyList = append(runner.RolePolicyList, ia.inline("assume-deployers", doc(statement{Sid: "AssumeDeployers", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::*:role/ci-deployer"})))
		ia.addRole(runner)
	}
	// Other roles.
	for i := 0; i < sc.RolesPerAccount; i++ {
		team := pick(g, teams)
		c := *ctx
		c.team = team
		word := pick(g, words)
		var r *iamRole
		switch kind := pickWeighted(g, []weighted[string]{{50, "service"}, {10, "github"}, {5, "eks"}, {15, "saml"}, {12, "cross"}, {8, "local"}}); kind {
		case "service":
			svc := pickWeighted(g, awsServices)
			t := statement{Effect: "Allow", Principal: map[string]any{"Service": svc}, Action: "sts:AssumeRole"}
			if g.chance(0.3) {
				t.Condition = cond("StringEquals", "aws:SourceAccount", a.id)
			}
			r = ia.newRole(fmt.Sprintf("svc-%s-%s-%03d", team, word, i), doc(t))
			if svc == "ec2.amazonaws.com" || svc == "imagebuilder.amazonaws.com" {
				r.InstanceProfileList = append(r.InstanceProfileList, instanceProfile{Path: "/", InstanceProfileName: r.RoleName, InstanceProfileID: g.awsID("AIPA"),
					Arn: ia.arn("instance-profile", r.RoleName), CreateDate: r.CreateDate, Roles: []any{}})
			}
		case "github":
			provider := "token.actions.githubusercontent.com"
			r = ia.newRole(fmt.Sprintf("gha-%s-%s-%03d", team, word, i), doc(statement{Effect: "Allow",
				Principal: map[string]any{"Federated": fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", a.id, provider)}, Action: "sts:AssumeRoleWithWebIdentity",
				Condition: map[string]map[string]any{"StringEquals": {provider + ":aud": "sts.amazonaws.com"},
					"StringLike": {provider + ":sub": fmt.Sprintf("repo:corp/%s-*:ref:refs/heads/main", team)}}}))
		case "eks":
			provider := fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%016X", a.region, g.r.Uint64())
			r = ia.newRole(fmt.Sprintf("irsa-%s-%s-%03d", team, word, i), doc(statement{Effect: "Allow",
				Principal: map[string]any{"Federated": fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", a.id, provider)}, Action: "sts:AssumeRoleWithWebIdentity",
				Condition: cond("StringEquals", provider+":sub", fmt.Sprintf("system:serviceaccount:%s:%s", team, word))}))
		case "saml":
			r = ia.newRole(fmt.Sprintf("sso-%s-%s-%03d", team, pick(g, []string{"Admin", "Developer", "ReadOnly", "Operator"}), i), doc(statement{Effect: "Allow",
				Principal: map[string]any{"Federated": fmt.Sprintf("arn:aws:iam::%s:saml-provider/CorpIdP", a.id)}, Action: []string{"sts:AssumeRoleWithSAML", "sts:TagSession"},
				Condition: cond("StringEquals", "SAML:aud", "https://signin.aws.amazon.com/saml")}))
		case "cross":
			o := pick(g, others)
			p := "arn:aws:iam::" + o + ":root"
			if g.chance(0.5) {
				p = "arn:aws:iam::" + o + ":role/ci-deployer"
			}
			t := statement{Effect: "Allow", Principal: map[string]any{"AWS": p}, Action: "sts:AssumeRole"}
			if g.chance(0.4) {
				t.Condition = cond("StringEquals", "sts:ExternalId", fmt.Sprintf("%s-%d", team, i))
			}
			r = ia.newRole(fmt.Sprintf("xacct-%s-%s-%03d", team, word, i), doc(t))
		default:
			r = ia.newRole(fmt.Sprintf("local-%s-%s-%03d", team, word, i), doc(statement{Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::" + a.id + ":root"}, Action: "sts:AssumeRole",
				Condition: cond("Bool", "aws:MultiFactorAuthPresent", "true")}))
		}
		r.Tags = append(r.Tags, awsTag{"team", team})
		for k := range g.between(1, 2) {
			r.RolePolicyList = append(r.RolePolicyList, ia.inline(fmt.Sprintf("%s-%s-%d", team, word, k), doc(g.statements(&c, 1, 6)...)))
		}
		for range g.between(0, 2) {
			r.AttachedManagedPolicies = append(r.AttachedManagedPolicies, attach())
		}
		if g.chance(0.1) {
			r.PermissionsBoundary = &boundary{"Policy", ciBoundary.PolicyArn}
		}
		ia.addRole(r)
	}
	dir := a.id + "/"
	if err := g.write(dir+"iam.json", "    ", ia.out); err != nil {
		return err
	}
	if err := genECR(g, a, others, orgID); err != nil {
		return err
	}
	if g.chance(1.0 / 3) {
		return genAMIs(g, a, others)
	}
	return nil
}

type repository struct {
	RepositoryArn              string            `json:"repositoryArn"`
	RegistryID                 string            `json:"registryId"`
	RepositoryName             string            `json:"repositoryName"`
	RepositoryURI              string            `json:"repositoryUri"`
	CreatedAt                  string            `json:"createdAt"`
	ImageTagMutability         string            `json:"imageTagMutability"`
	ImageScanningConfiguration map[string]bool   `json:"imageScanningConfiguration"`
	EncryptionConfiguration    map[string]string `json:"encryptionConfiguration"`
}

type repositoryPolicy struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
	PolicyText     string `json:"policyText"`
	RepositoryArn  string `json:"repositoryArn"`
}

func newRepository(g *gen, account, region, name string) repository {
	return repository{RepositoryArn: fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, account, name), RegistryID: account, RepositoryName: name,
		RepositoryURI: fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", account, region, name), CreatedAt: g.timestamp(),
		ImageTagMutability: pick(g, []string{"MUTABLE", "IMMUTABLE"}), ImageScanningConfiguration: map[string]bool{"scanOnPush": g.chance(0.6)},
		EncryptionConfiguration: map[string]string{"encryptionType": "AES256"}}
}

// genECR writes the account's repositories, one file per region, and the
// policies of one repository in four, one file each.
func genECR(g *gen, a *account, others []string, orgID string) error {
	byRegion := map[string][]repository{}
	var regions []string
	var policies []repositoryPolicy
	for i := 0; i < g.sc.ReposPerAccount; i++ {
		region := a.region
		if g.chance(0.2) {
			region = pick(g, []string{"us-east-1", "eu-west-1", "ap-southeast-2"})
		}
		prefix := pick(g, teams)
		if i%10 == 0 {
			prefix = "golden"
		}
		repo := newRepository(g, a.id, region, fmt.Sprintf("%s/%s-%02d", prefix, pick(g, words), i))
		if byRegion[region] == nil {
			regions = append(regions, region)
		}
		byRegion[region] = append(byRegion[region], repo)
		if !g.chance(0.25) {
			continue
		}
		var st []statement
		if g.chance(0.7) {
			st = append(st, statement{Sid: "OrgPull", Effect: "Allow", Principal: "*", Action: ecrPullActions, Condition: cond("StringEquals", "aws:PrincipalOrgID", orgID)})
		}
		if g.chance(0.4) {
			o := pick(g, others)
			p := "arn:aws:iam::" + o + ":root"
			if g.chance(0.5) {
				p = "arn:aws:iam::" + o + ":role/ci-deployer"
			}
			st = append(st, statement{Sid: "CrossAccountPush", Effect: "Allow", Principal: map[string]any{"AWS": []string{p}}, Action: ecrPushActions})
		}
		if g.chance(0.02) {
			st = append(st, statement{Sid: "LegacyAnyone", Effect: "Allow", Principal: "*", Action: append(append([]string{}, ecrPullActions...), ecrPushActions...)})
		}
		if g.chance(0.3) {
			st = append(st, statement{Sid: "NoDeletesOutsidePlatform", Effect: "Deny", Principal: "*", Action: []string{"ecr:BatchDeleteImage", "ecr:DeleteRepository"},
				Condition: cond("StringNotLike", "aws:PrincipalArn", fmt.Sprintf("arn:aws:iam::%s:role/sso-platform-*", a.id))})
		}
		if len(st) == 0 {
			continue
		}
		g.count.Items += len(st)
		policies = append(policies, repositoryPolicy{RegistryID: a.id, RepositoryName: repo.RepositoryName, PolicyText: doc(st...).text(), RepositoryArn: repo.RepositoryArn})
	}
	for _, region := range regions {
		if err := g.write(fmt.Sprintf("%s/ecr-repositories-%s.json", a.id, region), "    ", map[string]any{"repositories": byRegion[region]}); err != nil {
			return err
		}
	}
	for _, p := range policies {
		if err := g.write(fmt.Sprintf("%s/ecr-policy-%s.json", a.id, strings.ReplaceAll(p.RepositoryName, "/", "--")), "    ", p); err != nil {
			return err
		}
	}
	return nil
}

// genAMIs writes a few AMIs of the account, some shared with other
// accounts.
func genAMIs(g *gen, a *account, others []string) error {
	type launchPermission struct {
		UserID string `json:"UserId,omitempty"`
		Group  string `json:"Group,omitempty"`
	}
	type image struct {
		ImageID           string             `json:"ImageId"`
		OwnerID           string             `json:"OwnerId"`
		Name              string             `json:"Name"`
		CreationDate      string             `json:"CreationDate"`
		State             string             `json:"State"`
		Public            bool               `json:"Public"`
		Architecture      string             `json:"Architecture"`
		PlatformDetails   string             `json:"PlatformDetails"`
		Tags              []awsTag           `json:"Tags"`
		LaunchPermissions []launchPermission `json:"LaunchPermissions"`
	}
	var images []image
	for i := range g.between(2, 6) {
		im := image{ImageID: fmt.Sprintf("ami-%017x", g.r.Uint64()), OwnerID: a.id, Name: fmt.Sprintf("%s-base-%d", a.team, i), CreationDate: g.timestamp(),
			State: "available", Architecture: "x86_64", PlatformDetails: "Linux/UNIX", Tags: []awsTag{{"golden", fmt.Sprint(i == 0)}}, LaunchPermissions: []launchPermission{}}
		if g.chance(0.4) {
			im.LaunchPermissions = append(im.LaunchPermissions, launchPermission{UserID: pick(g, others)})
		}
		images = append(images, im)
	}
	return g.write(fmt.Sprintf("%s/images-%s.json", a.id, a.region), "    ", map[string]any{"Region": a.region, "Images": images})
}

// organization is the organization file being built.
type organization struct {
	g        *gen
	orgID    string
	mgmt     string
	rootID   string
	ous      []map[string]string
	ouNames  map[string]string
	accounts []map[string]string
	scps     []*scp
	slots    []string // OU ids accounts are placed in, in turn
}

type scp struct {
	name    string
	content *policyDocument
	targets []string
	managed bool
}

func newOrganization(g *gen) *organization {
	o := &organization{g: g, orgID: "o-synth0rg01", rootID: "r-synt", ouNames: map[string]string{}}
	o.ouNames[o.rootID] = "root"
	full := &scp{name: "FullAWSAccess", content: doc(statement{Effect: "Allow", Action: "*", Resource: "*"}), targets: []string{o.rootID}, managed: true}
	leave := &scp{name: "deny-leave-organization", content: doc(statement{Sid: "NoLeaving", Effect: "Deny", Action: []string{"organizations:LeaveOrganization", "account:CloseAccount"}, Resource: "*"}), targets: []string{o.rootID}}
	o.scps = append(o.scps, full, leave)
	add := func(name, parent string) string {
		id := fmt.Sprintf("ou-synt-%08d", len(o.ous)+1)
		o.ous = append(o.ous, map[string]string{"Id": id, "Name": name, "ParentId": parent})
		o.ouNames[id] = strings.ToLower(name)
		full.targets = append(full.targets, id)
		return id
	}
	security := add("Security", o.rootID)
	infra := add("Infrastructure", o.rootID)
	workloads := add("Workloads", o.rootID)
	prod := add("Prod", workloads)
	nonprod := add("NonProd", workloads)
	sandbox := add("Sandbox", o.rootID)
	o.scps = append(o.scps,
		&scp{name: "deny-public-ami-sharing", content: doc(statement{Sid: "NoPublicAmis", Effect: "Deny", Action: []string{"ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute", "ec2:DisableImageBlockPublicAccess"}, Resource: "*",
			Condition: cond("StringNotEquals", "aws:PrincipalOrgID", o.orgID)}), targets: []string{workloads}},
		&scp{name: "region-guardrail", content: doc(statement{Sid: "OnlyTwoRegions", Effect: "Deny", NotAction: []string{"iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"}, Resource: "*",
			Condition: cond("StringNotEquals", "aws:RequestedRegion", []string{"us-east-1", "eu-west-1"})}), targets: []string{prod}},
		&scp{name: "sandbox-no-image-publishing", content: doc(statement{Sid: "NoPush", Effect: "Deny", Action: ecrPushActions, Resource: "*"},
			statement{Sid: "NoAmiSharing", Effect: "Deny", Action: []string{"ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"}, Resource: "*"}), targets: []string{sandbox}},
		&scp{name: "security-tooling-protect", content: doc(statement{Sid: "ProtectAuditRole", Effect: "Deny", Action: []string{"iam:DeleteRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"}, Resource: "arn:aws:iam::*:role/security-*",
			Condition: cond("StringNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/sso-security-*")}), targets: []string{security}},
	)
	o.slots = []string{infra, prod, prod, prod, nonprod, nonprod, nonprod, security, sandbox, nonprod}
	return o
}

// placeAccount is the OU of the i-th account; the first is the management
// account, at the root.
func (o *organization) placeAccount(i int) string {
	if i == 0 {
		return o.rootID
	}
	return o.slots[(i-1)%len(o.slots)]
}

func (o *organization) addAccount(a *account) {
	if o.mgmt == "" {
		o.mgmt = a.id
	}
	o.accounts = append(o.accounts, map[string]string{"Id": a.id, "Arn": fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.mgmt, o.orgID, a.id),
		"Name": a.name, "Email": fmt.Sprintf("aws+%s@corp.example", a.name), "Status": "ACTIVE", "ParentId": a.parent})
	o.scps[0].targets = append(o.scps[0].targets, a.id)
}

func (o *organization) file() any {
	var policies []map[string]any
	for i, p := range o.scps {
		id := fmt.Sprintf("p-synt%04d", i)
		arn := fmt.Sprintf("arn:aws:organizations::%s:policy/%s/service_control_policy/%s", o.mgmt, o.orgID, id)
		if p.managed {
			id, arn = "p-FullAWSAccess", "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
		}
		o.g.count.Items += len(p.content.Statement)
		policies = append(policies, map[string]any{"Id": id, "Arn": arn, "Name": p.name, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": p.managed,
			"Content": p.content.text(), "Targets": p.targets})
	}
	var ous []map[string]string
	for _, ou := range o.ous {
		ous = append(ous, map[string]string{"Id": ou["Id"], "Arn": fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", o.mgmt, o.orgID, ou["Id"]), "Name": ou["Name"], "ParentId": ou["ParentId"]})
	}
	return map[string]any{
		"Organization": map[string]any{"Id": o.orgID, "Arn": fmt.Sprintf("arn:aws:organizations::%s:organization/%s", o.mgmt, o.orgID), "FeatureSet": "ALL",
			"MasterAccountArn": fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.mgmt, o.orgID, o.mgmt), "MasterAccountId": o.mgmt,
			"MasterAccountEmail": "aws+org-management@corp.example"},
		"Roots":               []map[string]string{{"Id": o.rootID, "Arn": fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", o.mgmt, o.orgID, o.rootID), "Name": "Root"}},
		"OrganizationalUnits": ous,
		"Accounts":            o.accounts,
		"Policies":            policies,
	}
}
