// Package awsorg writes a synthetic AWS organization in the native input
// formats, for the benchmarks and the equivalence tests of the AWS
// analysis: accounts with users, groups and roles, real AWS managed
// policies attached (from ../shared/datasets when given, else a small
// built-in set), customer managed policies with wildcards, NotAction and
// conditions, permissions boundaries, trust policies (services, accounts,
// roles of other accounts, an OIDC provider), SCPs, ECR repositories with
// and without policies, and AMIs. The output is deterministic for a seed.
package awsorg

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
)

// Options size the organization.
type Options struct {
	Accounts        int
	Roles, Users    int // per account
	Repos           int // ECR repositories per account
	Images          int // AMIs per account
	Seed            int64
	ManagedPolicies string // authorization-details file with the AWS managed policies; "" for a built-in set
}

// Default is the shape of issue 12's "1 account, 1,000 roles + 1,000 users,
// ~5,700 managed-policy attachments", with 40 repositories per account.
func Default(accounts int) Options {
	return Options{Accounts: accounts, Roles: 1000, Users: 1000, Repos: 40, Images: 10, Seed: 1}
}

type doc = map[string]any

func stmt(effect string, actions any, resources any) doc {
	return doc{"Effect": effect, "Action": actions, "Resource": resources}
}

func policyDoc(stmts ...doc) doc {
	l := make([]any, len(stmts))
	for i, s := range stmts {
		l[i] = s
	}
	return doc{"Version": "2012-10-17", "Statement": l}
}

// builtinManaged stands for the AWS managed policies when the dataset is
// not there: a few of the common shapes.
func builtinManaged() []json.RawMessage {
	mk := func(name string, d doc) json.RawMessage {
		b, _ := json.Marshal(doc{"PolicyName": name, "Arn": "arn:aws:iam::aws:policy/" + name, "DefaultVersionId": "v1",
			"PolicyVersionList": []any{doc{"Document": d, "VersionId": "v1", "IsDefaultVersion": true}}})
		return b
	}
	return []json.RawMessage{
		mk("AdministratorAccess", policyDoc(stmt("Allow", "*", "*"))),
		mk("PowerUserAccess", policyDoc(doc{"Effect": "Allow", "NotAction": []any{"iam:*", "organizations:*", "account:*"}, "Resource": "*"},
			stmt("Allow", []any{"iam:CreateServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"}, "*"))),
		mk("ReadOnlyAccess", policyDoc(stmt("Allow", []any{"ec2:Describe*", "ecr:Get*", "ecr:List*", "ecr:Describe*", "s3:Get*", "s3:List*", "iam:Get*", "iam:List*"}, "*"))),
		mk("AmazonEC2ContainerRegistryPowerUser", policyDoc(stmt("Allow", []any{"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
			"ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:InitiateLayerUpload",
			"ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"}, "*"))),
		mk("AmazonEC2ContainerRegistryReadOnly", policyDoc(stmt("Allow", []any{"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}, "*"))),
		mk("AmazonEC2FullAccess", policyDoc(stmt("Allow", "ec2:*", "*"), stmt("Allow", "elasticloadbalancing:*", "*"),
			doc{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*", "Condition": doc{"StringEquals": doc{"iam:AWSServiceName": []any{"autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com"}}}})),
		mk("AmazonS3FullAccess", policyDoc(stmt("Allow", []any{"s3:*", "s3-object-lambda:*"}, "*"))),
		mk("AWSLambda_FullAccess", policyDoc(stmt("Allow", []any{"lambda:*", "logs:*", "cloudformation:DescribeStacks"}, "*"),
			doc{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": doc{"StringEquals": doc{"iam:PassedToService": "lambda.amazonaws.com"}}})),
		mk("IAMFullAccess", policyDoc(stmt("Allow", []any{"iam:*", "organizations:DescribeAccount", "organizations:ListRoots"}, "*"))),
		mk("AmazonSSMFullAccess", policyDoc(stmt("Allow", []any{"ssm:*", "ec2messages:*", "ds:CreateComputer"}, "*"))),
		mk("AWSImageBuilderFullAccess", policyDoc(stmt("Allow", "imagebuilder:*", "*"), stmt("Allow", []any{"iam:GetRole", "iam:ListRoles"}, "*"),
			doc{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*imagebuilder*"})),
		mk("CloudWatchReadOnlyAccess", policyDoc(stmt("Allow", []any{"cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Get*"}, "*"))),
	}
}

// Generate returns the files of the organization, by name.
func Generate(o Options) (map[string][]byte, error) {
	var managed []json.RawMessage
	if o.ManagedPolicies != "" {
		b, err := os.ReadFile(o.ManagedPolicies)
		if err != nil {
			return nil, err
		}
		var in struct{ Policies []json.RawMessage }
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, fmt.Errorf("%s: %v", o.ManagedPolicies, err)
		}
		managed = in.Policies
	} else {
		managed = builtinManaged()
	}
	type mref struct{ name, arn string }
	refs := make([]mref, len(managed))
	index := map[string]int{}
	for i, raw := range managed {
		var p struct{ PolicyName, Arn string }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		refs[i] = mref{p.PolicyName, p.Arn}
		index[p.PolicyName] = i
	}
	rng := rand.New(rand.NewSource(o.Seed))
	// Popular policies are attached far more often than the long tail.
	popular := []string{"ReadOnlyAccess", "AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPowerUser", "AmazonS3FullAccess",
		"AmazonSSMFullAccess", "CloudWatchReadOnlyAccess", "AWSLambda_FullAccess", "AmazonEC2FullAccess", "PowerUserAccess", "AdministratorAccess",
		"AWSImageBuilderFullAccess", "IAMFullAccess"}
	var pop []int
	for _, n := range popular {
		if i, ok := index[n]; ok {
			pop = append(pop, i)
		}
	}
	pickManaged := func() int {
		if rng.Intn(100) < 55 && len(pop) > 0 {
			// Administrator and IAM access are rare.
			i := pop[rng.Intn(len(pop))]
			if (refs[i].name == "AdministratorAccess" || refs[i].name == "IAMFullAccess") && rng.Intn(8) != 0 {
				i = pop[0]
			}
			return i
		}
		return rng.Intn(len(refs))
	}
	accounts := make([]string, o.Accounts)
	for a := range accounts {
		accounts[a] = fmt.Sprintf("%012d", 100000000000+a*1111111)
	}
	const orgID = "o-synthetic1"
	partner := "999988887777"
	files := map[string][]byte{}
	put := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			return err
		}
		files[name] = b
		return nil
	}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	teams := []string{"platform", "payments", "checkout", "data", "ml", "web", "mobile", "search", "security", "ops"}
	for ai, acct := range accounts {
		used := map[int]bool{}
		attach := func(n int) []any {
			var out []any
			seen := map[int]bool{}
			for len(out) < n {
				i := pickManaged()
				if seen[i] {
					continue
				}
				seen[i] = true
				used[i] = true
				out = append(out, doc{"PolicyName": refs[i].name, "PolicyArn": refs[i].arn})
			}
			return out
		}
		// Customer managed policies of the account.
		var customer []any
		var customerRefs []doc
		addCustomer := func(name string, d doc) doc {
			a := "arn:aws:iam::" + acct + ":policy/" + name
			customer = append(customer, doc{"PolicyName": name, "Arn": a, "DefaultVersionId": "v2", "AttachmentCount": 1,
				"PolicyVersionList": []any{doc{"Document": d, "VersionId": "v2", "IsDefaultVersion": true},
					doc{"Document": policyDoc(stmt("Allow", "s3:ListAllMyBuckets", "*")), "VersionId": "v1", "IsDefaultVersion": false}}})
			r := doc{"PolicyName": name, "PolicyArn": a}
			return r
		}
		for t, team := range teams {
			region := regions[t%len(regions)]
			repoPat := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", region, acct, team)
			var d doc
			switch t % 5 {
			case 0:
				d = policyDoc(doc{"Sid": "PushTeamImages", "Effect": "Allow", "Action": []any{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"}, "Resource": repoPat},
					doc{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
			case 1:
				d = policyDoc(doc{"Sid": "TeamEc2", "Effect": "Allow", "Action": []any{"ec2:*Image*", "ec2:CreateSnapshot", "ec2:Describe*"}, "Resource": "*",
					"Condition": doc{"StringEquals": doc{"aws:RequestedRegion": region}}},
					doc{"Sid": "NoPublic", "Effect": "Deny", "Action": "ec2:ModifyImageAttribute", "Resource": "*"})
			case 2:
				d = policyDoc(doc{"Sid": "AllButIam", "Effect": "Allow", "NotAction": []any{"iam:*", "organizations:*"}, "Resource": "*",
					"Condition": doc{"StringEquals": doc{"aws:PrincipalTag/team": team}}})
			case 3:
				d = policyDoc(doc{"Sid": "PassBuildRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::" + acct + ":role/build-*"},
					doc{"Sid": "Builds", "Effect": "Allow", "Action": []any{"codebuild:*", "imagebuilder:Get*", "imagebuilder:List*", "imagebuilder:StartImagePipelineExecution"}, "Resource": "*"})
			default:
				d = policyDoc(doc{"Sid": "OwnRepos", "Effect": "Allow", "Action": "ecr:*", "Resource": []any{repoPat, fmt.Sprintf("arn:aws:ecr:*:%s:repository/shared/%s-*", acct, team)}},
					doc{"Sid": "NoDelete", "Effect": "Deny", "Action": []any{"ecr:DeleteRepository", "ecr:DeleteRepositoryPolicy"}, "NotResource": fmt.Sprintf("arn:aws:ecr:*:%s:repository/sandbox/*", acct)})
			}
			customerRefs = append(customerRefs, addCustomer(team+"-access", d))
		}
		boundaryArn := "arn:aws:iam::" + acct + ":policy/developer-boundary"
		addCustomer("developer-boundary", policyDoc(doc{"Effect": "Allow", "NotAction": []any{"iam:*", "organizations:*"}, "Resource": "*"},
			doc{"Effect": "Allow", "Action": []any{"iam:Get*", "iam:List*", "iam:PassRole"}, "Resource": "*"},
			doc{"Effect": "Deny", "Action": []any{"ecr:DeleteRepository", "ec2:DeregisterImage"}, "Resource": "*"}))

		// Groups.
		var groups []any
		var groupNames []string
		for g := 0; g < 20; g++ {
			name := fmt.Sprintf("%s-%d", teams[g%len(teams)], g/len(teams))
			groupNames = append(groupNames, name)
			att := attach(1 + rng.Intn(2))
			if g%3 == 0 {
				att = append(att, customerRefs[g%len(customerRefs)])
			}
			groups = append(groups, doc{"GroupName": name, "Arn": "arn:aws:iam::" + acct + ":group/" + name, "AttachedManagedPolicies": att,
				"GroupPolicyList": []any{doc{"PolicyName": "group-inline", "PolicyDocument": policyDoc(stmt("Allow", []any{"sts:GetCallerIdentity", "ecr:DescribeRepositories"}, "*"))}}})
		}
		// Users.
		var users []any
		for u := 0; u < o.Users; u++ {
			name := fmt.Sprintf("user%05d", u)
			team := teams[rng.Intn(len(teams))]
			var gl []any
			for i := rng.Intn(3); i > 0; i-- {
				gl = append(gl, groupNames[rng.Intn(len(groupNames))])
			}
			att := attach(1 + rng.Intn(2))
			if rng.Intn(4) == 0 {
				att = append(att, customerRefs[rng.Intn(len(customerRefs))])
			}
			ud := doc{"UserName": name, "Arn": "arn:aws:iam::" + acct + ":user/people/" + name, "GroupList": gl, "AttachedManagedPolicies": att,
				"Tags": []any{doc{"Key": "team", "Value": team}}}
			if rng.Intn(5) == 0 {
				ud["UserPolicyList"] = []any{doc{"PolicyName": "self-service", "PolicyDocument": policyDoc(
					doc{"Effect": "Allow", "Action": []any{"iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ChangePassword"}, "Resource": "arn:aws:iam::" + acct + ":user/people/${aws:username}"},
					doc{"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*", "Condition": doc{"Bool": doc{"aws:MultiFactorAuthPresent": "true"}}})}}
			}
			if rng.Intn(10) == 0 {
				ud["PermissionsBoundary"] = doc{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundaryArn}
			}
			users = append(users, ud)
		}
		// Roles.
		var roles []any
		services := []string{"ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "codebuild.amazonaws.com", "imagebuilder.amazonaws.com"}
		for r := 0; r < o.Roles; r++ {
			prefix := "app"
			if r%7 == 0 {
				prefix = "build"
			}
			name := fmt.Sprintf("%s-%05d", prefix, r)
			var trust doc
			switch k := rng.Intn(50); {
			case k < 30:
				trust = policyDoc(doc{"Effect": "Allow", "Principal": doc{"Service": services[rng.Intn(len(services))]}, "Action": "sts:AssumeRole"})
			case k < 31:
				trust = policyDoc(doc{"Effect": "Allow", "Principal": doc{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "sts:AssumeRole",
					"Condition": doc{"Bool": doc{"aws:MultiFactorAuthPresent": "true"}}})
			case k < 44:
				other := accounts[(ai+1+rng.Intn(len(accounts)))%len(accounts)]
				trust = policyDoc(doc{"Effect": "Allow", "Principal": doc{"AWS": fmt.Sprintf("arn:aws:iam::%s:role/app-%05d", other, rng.Intn(o.Roles+1))}, "Action": "sts:AssumeRole"})
			case k < 48:
				trust = policyDoc(doc{"Effect": "Allow", "Principal": doc{"Federated": "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com"},
					"Action": "sts:AssumeRoleWithWebIdentity", "Condition": doc{"StringLike": doc{"token.actions.githubusercontent.com:sub": "repo:example/" + teams[r%len(teams)] + ":*"}}})
			default:
				trust = policyDoc(doc{"Effect": "Allow", "Principal": doc{"AWS": partner}, "Action": "sts:AssumeRole",
					"Condition": doc{"StringEquals": doc{"sts:ExternalId": "partner-" + acct}}})
			}
			att := attach(2 + rng.Intn(3))
			if rng.Intn(3) == 0 {
				att = append(att, customerRefs[rng.Intn(len(customerRefs))])
			}
			rd := doc{"RoleName": name, "Arn": "arn:aws:iam::" + acct + ":role/" + name, "AssumeRolePolicyDocument": trust, "AttachedManagedPolicies": att,
				"Tags": []any{doc{"Key": "team", "Value": teams[r%len(teams)]}}}
			if rng.Intn(3) == 0 {
				rd["RolePolicyList"] = []any{doc{"PolicyName": "inline", "PolicyDocument": policyDoc(
					doc{"Effect": "Allow", "Action": []any{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage"}, "Resource": fmt.Sprintf("arn:aws:ecr:us-east-1:%s:repository/%s/*", acct, teams[r%len(teams)])},
					doc{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:*:" + acct + ":parameter/" + name + "/*"})}}
			}
			if rng.Intn(12) == 0 {
				rd["PermissionsBoundary"] = doc{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundaryArn}
			}
			roles = append(roles, rd)
		}
		// The managed policies the account uses, as the export lists them.
		ids := make([]int, 0, len(used))
		for i := range used {
			ids = append(ids, i)
		}
		sort.Ints(ids)
		pols := append([]any{}, customer...)
		for _, i := range ids {
			pols = append(pols, managed[i])
		}
		if err := put(fmt.Sprintf("iam-%s.json", acct), doc{"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": pols}); err != nil {
			return nil, err
		}
		// Repositories and their policies.
		var repos []any
		for r := 0; r < o.Repos; r++ {
			region := regions[r%len(regions)]
			name := fmt.Sprintf("%s/service-%03d", teams[r%len(teams)], r)
			if r%9 == 8 {
				name = fmt.Sprintf("shared/%s-base-%d", teams[r%len(teams)], r)
			}
			a := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, acct, name)
			repos = append(repos, doc{"repositoryArn": a, "registryId": acct, "repositoryName": name, "imageTagMutability": "MUTABLE"})
			if r%3 != 0 {
				continue
			}
			other := accounts[(ai+1)%len(accounts)]
			var st []any
			switch r % 4 {
			case 0:
				st = []any{doc{"Sid": "OrgPull", "Effect": "Allow", "Principal": "*", "Action": []any{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
					"Condition": doc{"StringEquals": doc{"aws:PrincipalOrgID": orgID}}}}
			case 1:
				st = []any{doc{"Sid": "OtherAccountPush", "Effect": "Allow", "Principal": doc{"AWS": "arn:aws:iam::" + other + ":root"},
					"Action": []any{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"}}}
			case 2:
				st = []any{doc{"Sid": "PartnerPull", "Effect": "Allow", "Principal": doc{"AWS": partner}, "Action": "ecr:BatchGetImage"},
					doc{"Sid": "DenyDelete", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchDeleteImage"}}
			default:
				st = []any{doc{"Sid": "BuildRolePush", "Effect": "Allow", "Principal": doc{"AWS": fmt.Sprintf("arn:aws:iam::%s:role/build-%05d", acct, 7*rng.Intn(o.Roles/7+1))},
					"Action": "ecr:*"}}
			}
			text, _ := json.Marshal(doc{"Version": "2012-10-17", "Statement": st})
			if err := put(fmt.Sprintf("ecr-policy-%s-%03d.json", acct, r), doc{"registryId": acct, "repositoryName": name, "repositoryArn": a, "policyText": string(text)}); err != nil {
				return nil, err
			}
		}
		if err := put(fmt.Sprintf("ecr-repositories-%s.json", acct), doc{"repositories": repos}); err != nil {
			return nil, err
		}
		var images []any
		for i := 0; i < o.Images; i++ {
			im := doc{"ImageId": fmt.Sprintf("ami-%017x", ai*1000+i), "OwnerId": acct, "Name": fmt.Sprintf("golden-%d", i), "Public": i == 0 && ai == 0}
			if i%3 == 1 {
				im["LaunchPermissions"] = []any{doc{"UserId": accounts[(ai+1)%len(accounts)]}}
			}
			images = append(images, im)
		}
		if err := put(fmt.Sprintf("images-%s.json", acct), doc{"Region": regions[ai%len(regions)], "Images": images}); err != nil {
			return nil, err
		}
	}
	// The organization: the first account is the management account, the
	// others under two OUs, with a deny SCP on the workloads OU.
	var accts []any
	for i, a := range accounts {
		parent := "r-root"
		if i > 0 {
			parent = []string{"ou-root-workloads", "ou-root-sandbox"}[i%2]
		}
		accts = append(accts, doc{"Id": a, "Name": fmt.Sprintf("account-%d", i), "ParentId": parent, "Status": "ACTIVE"})
	}
	full, _ := json.Marshal(policyDoc(stmt("Allow", "*", "*")))
	deny, _ := json.Marshal(policyDoc(doc{"Sid": "NoPublicImages", "Effect": "Deny", "Action": []any{"ec2:ModifyImageAttribute", "ecr-public:*"}, "Resource": "*"},
		doc{"Sid": "Regions", "Effect": "Deny", "NotAction": []any{"iam:*", "sts:*", "organizations:*"}, "Resource": "*",
			"Condition": doc{"StringNotEquals": doc{"aws:RequestedRegion": []any{"us-east-1", "eu-west-1", "ap-southeast-2"}}}}))
	sandbox, _ := json.Marshal(policyDoc(doc{"Sid": "NoIamUsers", "Effect": "Deny", "Action": []any{"iam:CreateUser", "iam:CreateAccessKey"}, "Resource": "*"}))
	allTargets := []any{"r-root", "ou-root-workloads", "ou-root-sandbox"}
	for _, a := range accounts {
		allTargets = append(allTargets, a)
	}
	org := doc{
		"Organization":        doc{"Id": orgID, "MasterAccountId": accounts[0]},
		"Roots":               []any{doc{"Id": "r-root", "Name": "Root"}},
		"OrganizationalUnits": []any{doc{"Id": "ou-root-workloads", "Name": "Workloads", "ParentId": "r-root"}, doc{"Id": "ou-root-sandbox", "Name": "Sandbox", "ParentId": "r-root"}},
		"Accounts":            accts,
		"Policies": []any{
			doc{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "Content": string(full), "Targets": allTargets},
			doc{"Id": "p-guardrails", "Name": "guardrails", "Type": "SERVICE_CONTROL_POLICY", "Content": string(deny), "Targets": []any{"ou-root-workloads", "ou-root-sandbox"}},
			doc{"Id": "p-sandbox", "Name": "sandbox", "Type": "SERVICE_CONTROL_POLICY", "Content": string(sandbox), "Targets": []any{"ou-root-sandbox"}},
		},
	}
	if err := put("organization.json", org); err != nil {
		return nil, err
	}
	return files, nil
}

// Write generates the organization into dir.
func Write(dir string, o Options) error {
	files, err := Generate(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
