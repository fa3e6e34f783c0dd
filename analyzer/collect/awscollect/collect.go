// Package awscollect collects an AWS account read-only with the official
// SDK and writes exactly the files that `imagewarden analyze` reads: the
// IAM authorization details; per region the ECR repositories with their
// policies, the ECR registry (policy, scanning, replication), the AMIs the
// account owns with their launch permissions, and the image inventory
// (Image Builder pipelines, recipes and infrastructure configurations,
// launch templates, SSM parameters holding AMI ids); the ECR Public
// repositories; and a collection.json manifest that records what was
// collected and what was not. Credentials never leave the SDK.
package awscollect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// Options say what to collect and where to write it.
type Options struct {
	Out string
	// Regions to collect. Empty: every region enabled in each collected
	// account (ec2:DescribeRegions, asked in the home region), since
	// opt-in regions differ from one account to the next.
	Regions     []string
	Concurrency int
	// Config is the SDK configuration (credentials, retryer, endpoint).
	// Its Region is the home region, where the account-wide calls are
	// made; without one, the main region of the partition of the first of
	// Regions, else us-east-1 (see homeRegion).
	Config aws.Config
	// Now stamps the manifest; tests fix it.
	Now func() time.Time
	// AssumeRole, when set, collects every account of the organization
	// (or those of Accounts) by assuming this role name in each; the
	// caller's own account is collected with the caller's credentials.
	AssumeRole string
	Accounts   []string
	// Progress, if set, is called after each account.
	Progress collect.Progress

	// partition is the caller's (aws, aws-us-gov, aws-cn...).
	partition string
}

// Scope and Manifest are the shared collection.json types.
type (
	Scope    = collect.Scope
	Manifest = collect.Manifest
)

// Collect runs the collection; scopes that fail are recorded in the
// manifest and the rest goes on. It returns an error only when nothing can
// be collected (no identity, no output directory).
func Collect(ctx context.Context, o Options) (*Manifest, error) {
	now := o.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	rec := collect.NewRecorder("aws", now())
	m := rec.Manifest()
	home, note := homeRegion(o.Config, o.Regions)
	if o.Config.Region == "" {
		o.Config = o.Config.Copy()
		o.Config.Region = home
		m.Notes = append(m.Notes, note)
	}
	m.Region = home
	id, err := sts.NewFromConfig(o.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if note != "" {
			return nil, fmt.Errorf("sts:GetCallerIdentity in %s: %w (no region is configured, so %s was asked: for credentials of another partition than %s, such as AWS GovCloud (US) or China, set AWS_REGION or the profile's region to one of its regions, or pass --region)",
				home, err, home, partitionOf(home))
		}
		return nil, fmt.Errorf("sts:GetCallerIdentity in %s: %w", home, err)
	}
	m.Caller, m.Account = aws.ToString(id.Arn), aws.ToString(id.Account)
	m.Partition = arnPartition(m.Caller)
	if m.Partition == "" {
		m.Partition = partitionOf(home)
	}
	o.partition = m.Partition
	record := rec.Record
	conc := o.Concurrency
	if conc <= 0 {
		conc = 4
	}
	if o.AssumeRole == "" {
		collectAccount(ctx, o, o.Config, m.Account, "", conc, record)
	} else {
		if len(o.Accounts) == 0 {
			record(collectOrganization(ctx, o))
		}
		accounts, err := memberAccounts(ctx, o)
		if err != nil {
			record(Scope{Name: "organizations", Error: "organizations:ListAccounts: " + errText(err)})
			accounts = []string{m.Account}
		}
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		progress := collect.NewCounter(o.Progress, len(accounts))
		for _, acct := range accounts {
			wg.Add(1)
			go func(acct string) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				defer progress.Step()
				if ctx.Err() != nil {
					// Interrupted: say so for every account not started.
					record(Scope{Name: acct + "/iam", Error: "not collected: " + ctx.Err().Error()})
					return
				}
				cfg := o.Config
				if acct != m.Account {
					cfg = assumed(o.Config, "arn:aws:iam::"+acct+":role/"+o.AssumeRole)
				}
				collectAccount(ctx, o, cfg, acct, acct, 1, record)
			}(acct)
		}
		wg.Wait()
	}
	return rec.Finish(ctx, o.Out, now())
}

// collectAccount collects one account into Out (or Out/dir) with the
// given credentials: IAM, then in every region ECR, the ECR registry, the
// AMIs it owns and the image inventory, then ECR Public.
func collectAccount(ctx context.Context, o Options, cfg aws.Config, account, dir string, conc int, record func(Scope)) {
	ao := o
	ao.Config = cfg
	prefix := ""
	if dir != "" {
		ao.Out = filepath.Join(o.Out, dir)
		prefix = dir + "/"
		if err := os.MkdirAll(ao.Out, 0o755); err != nil {
			record(Scope{Name: prefix + "iam", Error: err.Error()})
			return
		}
	}
	withPrefix := func(s Scope) Scope {
		s.Name = prefix + s.Name
		for i, f := range s.Files {
			s.Files[i] = prefix + f
		}
		return s
	}
	iamScope := collectIAM(ctx, ao, account)
	record(withPrefix(iamScope))
	if iamScope.Error != "" && strings.Contains(iamScope.Error, "AccessDenied") && dir != "" {
		return // the role cannot be assumed or read: ECR would fail the same way
	}
	regions := o.Regions
	var enabled []string // known only from DescribeRegions, not from --region
	if len(regions) == 0 {
		var sc Scope
		regions, sc = enabledRegions(ctx, ao)
		record(withPrefix(sc))
		if sc.Error == "" {
			enabled = regions
		}
	}
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for _, region := range regions {
		wg.Add(1)
		go func(region string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			record(withPrefix(collectECR(ctx, ao, account, region)))
			record(withPrefix(collectRegistry(ctx, ao, region)))
			for _, sc := range collectImages(ctx, ao, region) {
				record(withPrefix(sc))
			}
			for _, sc := range collectInventory(ctx, ao, account, region) {
				record(withPrefix(sc))
			}
			record(withPrefix(collectInstances(ctx, ao, account, region, enabled)))
			record(withPrefix(collectFunctions(ctx, ao, account, region, enabled)))
			record(withPrefix(collectProjects(ctx, ao, account, region, enabled)))
			record(withPrefix(collectECS(ctx, ao, account, region, enabled)))
		}(region)
	}
	wg.Wait()
	if o.partition != "" && o.partition != "aws" {
		// Its endpoints (us-east-1, us-west-2) serve the aws partition
		// only: asking would fail, and the snapshot would say it is
		// incomplete when nothing is missing.
		record(withPrefix(Scope{Name: "ecr-public", Note: "not applicable: ECR Public exists only in the aws partition, not in " + o.partition}))
		return
	}
	record(withPrefix(collectECRPublic(ctx, ao)))
}

// memberAccounts lists the accounts to collect: Accounts when given, else
// every active account of the organization.
func memberAccounts(ctx context.Context, o Options) ([]string, error) {
	if len(o.Accounts) > 0 {
		return o.Accounts, nil
	}
	var out []string
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(o.Config), &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			if a.Status == orgtypes.AccountStatusActive || a.Status == "" {
				out = append(out, aws.ToString(a.Id))
			}
		}
	}
	return out, nil
}

// assumed returns a configuration whose credentials come from assuming
// the role with the base configuration's credentials, cached and refreshed
// by the SDK.
func assumed(base aws.Config, roleARN string) aws.Config {
	cfg := base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "imagewarden-collect"
	}))
	return cfg
}

func errText(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

// collectIAM writes iam-ACCOUNT.json in the shape of
// `aws iam get-account-authorization-details`.
func collectIAM(ctx context.Context, o Options, account string) Scope {
	s := Scope{Name: "iam"}
	client := iam.NewFromConfig(o.Config)
	out := authDetails{UserDetailList: []any{}, GroupDetailList: []any{}, RoleDetailList: []any{}, Policies: []any{}}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(client, &iam.GetAccountAuthorizationDetailsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "iam:GetAccountAuthorizationDetails: " + errText(err)
			return s
		}
		for _, u := range page.UserDetailList {
			out.UserDetailList = append(out.UserDetailList, userJSON(u))
		}
		for _, g := range page.GroupDetailList {
			out.GroupDetailList = append(out.GroupDetailList, groupJSON(g))
		}
		for _, r := range page.RoleDetailList {
			out.RoleDetailList = append(out.RoleDetailList, roleJSON(r))
		}
		for _, pol := range page.Policies {
			out.Policies = append(out.Policies, policyJSON(pol))
		}
	}
	name := "iam-" + account + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), out); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}

type authDetails struct {
	UserDetailList  []any `json:"UserDetailList"`
	GroupDetailList []any `json:"GroupDetailList"`
	RoleDetailList  []any `json:"RoleDetailList"`
	Policies        []any `json:"Policies"`
}

// doc turns the URL-encoded document the API returns into the decoded JSON
// object the CLI prints. IAM encodes documents as RFC 3986 says, where a
// "+" stands for itself: they are percent-decoded only, as the AWS CLI
// does (decode_quoted_jsondoc), not as a form, which would read "+" as a
// space.
func doc(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	d, err := url.PathUnescape(*s)
	if err != nil || !json.Valid([]byte(d)) {
		b, _ := json.Marshal(*s) // kept as a string; analyze reads both
		return b
	}
	return json.RawMessage(d)
}

func inline(l []iamtypes.PolicyDetail) []any {
	out := []any{}
	for _, p := range l {
		out = append(out, map[string]any{"PolicyName": aws.ToString(p.PolicyName), "PolicyDocument": doc(p.PolicyDocument)})
	}
	return out
}

func attached(l []iamtypes.AttachedPolicy) []any {
	out := []any{}
	for _, p := range l {
		out = append(out, map[string]any{"PolicyName": aws.ToString(p.PolicyName), "PolicyArn": aws.ToString(p.PolicyArn)})
	}
	return out
}

func boundary(b *iamtypes.AttachedPermissionsBoundary) any {
	if b == nil {
		return nil
	}
	return map[string]any{"PermissionsBoundaryType": string(b.PermissionsBoundaryType), "PermissionsBoundaryArn": aws.ToString(b.PermissionsBoundaryArn)}
}

func tags(l []iamtypes.Tag) []any {
	out := []any{}
	for _, t := range l {
		out = append(out, map[string]any{"Key": aws.ToString(t.Key), "Value": aws.ToString(t.Value)})
	}
	return out
}

func userJSON(u iamtypes.UserDetail) map[string]any {
	m := map[string]any{"Path": aws.ToString(u.Path), "UserName": aws.ToString(u.UserName), "UserId": aws.ToString(u.UserId), "Arn": aws.ToString(u.Arn),
		"UserPolicyList": inline(u.UserPolicyList), "GroupList": append([]string{}, u.GroupList...), "AttachedManagedPolicies": attached(u.AttachedManagedPolicies),
		"Tags": tags(u.Tags)}
	if b := boundary(u.PermissionsBoundary); b != nil {
		m["PermissionsBoundary"] = b
	}
	return m
}

func groupJSON(g iamtypes.GroupDetail) map[string]any {
	return map[string]any{"Path": aws.ToString(g.Path), "GroupName": aws.ToString(g.GroupName), "GroupId": aws.ToString(g.GroupId), "Arn": aws.ToString(g.Arn),
		"GroupPolicyList": inline(g.GroupPolicyList), "AttachedManagedPolicies": attached(g.AttachedManagedPolicies)}
}

func roleJSON(r iamtypes.RoleDetail) map[string]any {
	profiles := []any{}
	for _, ip := range r.InstanceProfileList {
		profiles = append(profiles, map[string]any{"InstanceProfileName": aws.ToString(ip.InstanceProfileName), "Arn": aws.ToString(ip.Arn)})
	}
	m := map[string]any{"Path": aws.ToString(r.Path), "RoleName": aws.ToString(r.RoleName), "RoleId": aws.ToString(r.RoleId), "Arn": aws.ToString(r.Arn),
		"AssumeRolePolicyDocument": doc(r.AssumeRolePolicyDocument), "InstanceProfileList": profiles, "RolePolicyList": inline(r.RolePolicyList),
		"AttachedManagedPolicies": attached(r.AttachedManagedPolicies), "Tags": tags(r.Tags)}
	if b := boundary(r.PermissionsBoundary); b != nil {
		m["PermissionsBoundary"] = b
	}
	return m
}

func policyJSON(p iamtypes.ManagedPolicyDetail) map[string]any {
	versions := []any{}
	for _, v := range p.PolicyVersionList {
		versions = append(versions, map[string]any{"Document": doc(v.Document), "VersionId": aws.ToString(v.VersionId), "IsDefaultVersion": v.IsDefaultVersion})
	}
	return map[string]any{"PolicyName": aws.ToString(p.PolicyName), "PolicyId": aws.ToString(p.PolicyId), "Arn": aws.ToString(p.Arn), "Path": aws.ToString(p.Path),
		"DefaultVersionId": aws.ToString(p.DefaultVersionId), "PolicyVersionList": versions}
}

// collectECR writes ecr-repositories-REGION.json (describe-repositories) and
// one ecr-policy-*.json per repository with a policy (get-repository-policy
// plus the repository ARN).
func collectECR(ctx context.Context, o Options, account, region string) Scope {
	s := Scope{Name: "ecr:" + region}
	client := ecr.NewFromConfig(o.Config, func(opt *ecr.Options) { opt.Region = region })
	var repos []ecrtypes.Repository
	p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "ecr:DescribeRepositories: " + errText(err)
			return s
		}
		repos = append(repos, page.Repositories...)
	}
	sort.Slice(repos, func(i, j int) bool {
		return aws.ToString(repos[i].RepositoryName) < aws.ToString(repos[j].RepositoryName)
	})
	list := []any{}
	for _, r := range repos {
		repo := map[string]any{"repositoryArn": aws.ToString(r.RepositoryArn), "registryId": aws.ToString(r.RegistryId),
			"repositoryName": aws.ToString(r.RepositoryName), "repositoryUri": aws.ToString(r.RepositoryUri), "imageTagMutability": string(r.ImageTagMutability)}
		if r.ImageScanningConfiguration != nil {
			repo["imageScanningConfiguration"] = map[string]any{"scanOnPush": r.ImageScanningConfiguration.ScanOnPush}
		}
		list = append(list, repo)
	}
	name := "ecr-repositories-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), map[string]any{"repositories": list}); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = append(s.Files, name)
	for _, r := range repos {
		pol, err := client.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: r.RepositoryName, RegistryId: r.RegistryId})
		var nf *ecrtypes.RepositoryPolicyNotFoundException
		if errors.As(err, &nf) {
			continue // no policy: nothing to write
		}
		if err != nil {
			s.Error = fmt.Sprintf("ecr:GetRepositoryPolicy %s: %s", aws.ToString(r.RepositoryName), errText(err))
			return s
		}
		f := "ecr-policy-" + region + "-" + fileSafe(aws.ToString(r.RepositoryName)) + ".json"
		if err := collect.WriteJSON(filepath.Join(o.Out, f), map[string]any{"registryId": aws.ToString(pol.RegistryId), "repositoryName": aws.ToString(pol.RepositoryName),
			"policyText": aws.ToString(pol.PolicyText), "repositoryArn": aws.ToString(r.RepositoryArn)}); err != nil {
			s.Error = err.Error()
			return s
		}
		s.Files = append(s.Files, f)
	}
	return s
}

// fileSafe turns a repository name into part of a file name. Repository
// names never hold two separators in a row, so "/" becomes "--" and
// different repositories never share a file ("a/b", "a-b" and "a_b" used to
// collide on "a-b", one policy overwriting the other).
func fileSafe(name string) string { return strings.ReplaceAll(name, "/", "--") }
