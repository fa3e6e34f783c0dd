package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// A policy document in the order AWS prints it.
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect"`
	Principal    any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Action       any                       `json:"Action,omitempty"`
	NotAction    any                       `json:"NotAction,omitempty"`
	Resource     any                       `json:"Resource,omitempty"`
	NotResource  any                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

func doc(st ...statement) *policyDocument {
	return &policyDocument{Version: "2012-10-17", Statement: st}
}

// text is the document as a JSON string, as ECR and Organizations return
// policies.
func (d *policyDocument) text() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func cond(op, key string, v any) map[string]map[string]any {
	return map[string]map[string]any{op: {key: v}}
}

var (
	ecrPushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"}
	ecrPullActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}
)

// managedAWS is one AWS managed policy as get-account-authorization-details
// prints it, kept as raw JSON.
type managedAWS struct {
	Name, Arn  string
	Raw        json.RawMessage
	Statements int
}

// commonManaged are the AWS managed policies real accounts attach most,
// by name, with a weight; the others of the dataset are drawn rarely.
var commonManaged = []weighted[string]{
	{30, "ReadOnlyAccess"}, {2, "PowerUserAccess"}, {1, "AdministratorAccess"},
	{25, "AmazonEC2ContainerRegistryReadOnly"}, {8, "AmazonEC2ContainerRegistryPowerUser"}, {2, "AmazonEC2ContainerRegistryFullAccess"},
	{15, "AmazonS3ReadOnlyAccess"}, {4, "AmazonS3FullAccess"}, {15, "CloudWatchLogsFullAccess"}, {10, "AmazonEC2ReadOnlyAccess"},
	{2, "AmazonEC2FullAccess"}, {20, "AmazonSSMManagedInstanceCore"}, {25, "AWSLambdaBasicExecutionRole"}, {25, "AmazonECSTaskExecutionRolePolicy"},
	{8, "AmazonDynamoDBReadOnlyAccess"}, {6, "SecurityAudit"}, {8, "ViewOnlyAccess"}, {4, "AWSCodeBuildDeveloperAccess"},
	{3, "EC2InstanceProfileForImageBuilder"}, {3, "EC2InstanceProfileForImageBuilderECRContainerBuilds"}, {4, "AmazonSQSFullAccess"},
	{5, "IAMReadOnlyAccess"}, {3, "AmazonEKSClusterPolicy"}, {8, "AmazonEKSWorkerNodePolicy"}, {8, "AmazonEC2ContainerRegistryPullOnly"},
	{1, "AWSImageBuilderFullAccess"}, {2, "AmazonECS_FullAccess"}, {1, "AWSCodePipeline_FullAccess"}, {6, "AmazonSSMReadOnlyAccess"},
	{8, "CloudWatchAgentServerPolicy"}, {4, "AWSSupportAccess"}, {5, "AmazonRDSReadOnlyAccess"}, {5, "AmazonVPCReadOnlyAccess"},
	{4, "AWSCloudFormationReadOnlyAccess"}, {8, "AmazonEKS_CNI_Policy"}, {1, "AmazonElasticContainerRegistryPublicPowerUser"},
	{3, "AWSLambda_FullAccess"}, {3, "AmazonSNSFullAccess"}, {1, "AWSCodeBuildAdminAccess"}, {2, "AmazonSSMFullAccess"},
}

// managedSet is the AWS managed policies available to the generator.
type managedSet struct {
	byName map[string]*managedAWS
	all    []*managedAWS // sorted by name
	common []weighted[string]
}

// loadManagedPolicies reads the dataset, or returns the built-in handful
// when path is "" or absent. The second result says which.
func loadManagedPolicies(path string) (*managedSet, string, error) {
	if path == "" {
		return builtinManaged(), "a built-in handful of 6 shortened AWS managed policies (no dataset given: ../shared/datasets/aws-managed-policies.authorization-details.json was not found)", nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return builtinManaged(), fmt.Sprintf("a built-in handful of 6 shortened AWS managed policies (%s not found)", path), nil
	}
	if err != nil {
		return nil, "", err
	}
	var in struct {
		Policies []json.RawMessage `json:"Policies"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	set := &managedSet{byName: map[string]*managedAWS{}}
	for i, raw := range in.Policies {
		var p struct {
			PolicyName, Arn   string
			PolicyVersionList []struct {
				Document struct {
					Statement json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, "", fmt.Errorf("%s: Policies[%d]: %w", path, i, err)
		}
		n := 0
		for _, v := range p.PolicyVersionList {
			var list []json.RawMessage
			if json.Unmarshal(v.Document.Statement, &list) == nil {
				n += len(list)
			} else {
				n++
			}
		}
		m := &managedAWS{Name: p.PolicyName, Arn: p.Arn, Raw: raw, Statements: n}
		set.byName[m.Name] = m
		set.all = append(set.all, m)
	}
	sort.Slice(set.all, func(i, j int) bool { return set.all[i].Name < set.all[j].Name })
	for _, c := range commonManaged {
		if set.byName[c.v] != nil {
			set.common = append(set.common, c)
		}
	}
	if len(set.common) == 0 {
		return nil, "", fmt.Errorf("%s: none of the common AWS managed policies is in it", path)
	}
	return set, fmt.Sprintf("%d real AWS managed policies from %s (%d of them drawn often)", len(set.all), filepath.Base(path), len(set.common)), nil
}

// builtinManaged are shortened versions of six AWS managed policies, for
// machines without the dataset.
func builtinManaged() *managedSet {
	set := &managedSet{byName: map[string]*managedAWS{}}
	add := func(name, arn string, d *policyDocument) {
		v := map[string]any{"Document": d, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2019-01-01T00:00:00Z"}
		p := map[string]any{"PolicyName": name, "PolicyId": "ANPA" + fmt.Sprintf("%017X", len(set.all)+1), "Arn": arn, "Path": "/",
			"DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
			"CreateDate": "2019-01-01T00:00:00Z", "UpdateDate": "2019-01-01T00:00:00Z", "PolicyVersionList": []any{v}}
		raw, err := json.Marshal(p)
		if err != nil {
			panic(err)
		}
		m := &managedAWS{Name: name, Arn: arn, Raw: raw, Statements: len(d.Statement)}
		set.byName[name] = m
		set.all = append(set.all, m)
	}
	add("AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", doc(statement{Effect: "Allow", Action: "*", Resource: "*"}))
	add("PowerUserAccess", "arn:aws:iam::aws:policy/PowerUserAccess", doc(
		statement{Effect: "Allow", NotAction: []string{"iam:*", "organizations:*", "account:*"}, Resource: "*"},
		statement{Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization", "account:ListRegions"}, Resource: "*"}))
	add("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", doc(statement{Effect: "Allow", Action: []string{"ec2:Describe*", "ecr:BatchGetImage", "ecr:Describe*", "ecr:Get*", "ecr:List*", "iam:Get*", "iam:List*", "s3:Get*", "s3:List*", "logs:Describe*", "logs:Get*"}, Resource: "*"}))
	add("AmazonEC2ContainerRegistryReadOnly", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", doc(statement{Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage"}, Resource: "*"}))
	add("AmazonEC2ContainerRegistryPowerUser", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser", doc(statement{Effect: "Allow", Action: append([]string{"ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage"}, ecrPushActions...), Resource: "*"}))
	add("AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", doc(statement{Effect: "Allow", Action: []string{"s3:Get*", "s3:List*", "s3:Describe*"}, Resource: "*"}))
	sort.Slice(set.all, func(i, j int) bool { return set.all[i].Name < set.all[j].Name })
	set.common = []weighted[string]{{30, "ReadOnlyAccess"}, {2, "PowerUserAccess"}, {1, "AdministratorAccess"}, {25, "AmazonEC2ContainerRegistryReadOnly"}, {8, "AmazonEC2ContainerRegistryPowerUser"}, {15, "AmazonS3ReadOnlyAccess"}}
	return set
}

// draw picks an AWS managed policy: mostly a common one, one time in ten
// any policy of the set.
func (m *managedSet) draw(g *gen) *managedAWS {
	if g.chance(0.1) {
		return pick(g, m.all)
	}
	return m.byName[pickWeighted(g, m.common)]
}

// awsContext is what the statement templates of one account may name.
type awsContext struct {
	account string
	team    string
	region  string
	others  []string // other accounts of the organization
	orgID   string
}

// statementTemplates write realistic statements: most of them about other
// services than images, some with wildcards, NotAction, NotResource and
// conditions.
var statementTemplates = []weighted[func(g *gen, c *awsContext) []statement]{
	{10, func(g *gen, c *awsContext) []statement { // push the team's repositories
		return []statement{
			{Sid: "PushTeamImages", Effect: "Allow", Action: ecrPushActions, Resource: fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", c.region, c.account, c.team)},
			{Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*"}}
	}},
	{14, func(g *gen, c *awsContext) []statement { // pull
		return []statement{{Sid: "PullImages", Effect: "Allow", Action: ecrPullActions, Resource: fmt.Sprintf("arn:aws:ecr:*:%s:repository/*", c.account)}}
	}},
	{3, func(g *gen, c *awsContext) []statement { // ecr wildcard on a prefix
		return []statement{{Sid: "TeamEcrAdmin", Effect: "Allow", Action: "ecr:*", Resource: fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s-*", c.region, c.account, c.team)}}
	}},
	{2, func(g *gen, c *awsContext) []statement { // ecr everywhere but golden
		return []statement{
			{Sid: "EcrAll", Effect: "Allow", Action: "ecr:*", Resource: "*"},
			{Sid: "NoGoldenWrites", Effect: "Deny", Action: []string{"ecr:PutImage", "ecr:SetRepositoryPolicy", "ecr:DeleteRepository"}, Resource: fmt.Sprintf("arn:aws:ecr:*:%s:repository/golden/*", c.account)}}
	}},
	{16, func(g *gen, c *awsContext) []statement { // S3 read-write on the team's bucket
		b := fmt.Sprintf("%s-%s-%s", c.team, pick(g, words), c.account[8:])
		return []statement{
			{Sid: "ObjectRW", Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: "arn:aws:s3:::" + b + "/*"},
			{Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::" + b, Condition: cond("StringLike", "s3:prefix", []string{c.team + "/*", "shared/*"})}}
	}},
	{12, func(g *gen, c *awsContext) []statement { // EC2 operations by tag
		return []statement{
			{Sid: "Describe", Effect: "Allow", Action: "ec2:Describe*", Resource: "*"},
			{Sid: "StartStopOwn", Effect: "Allow", Action: []string{"ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"}, Resource: fmt.Sprintf("arn:aws:ec2:%s:%s:instance/*", c.region, c.account),
				Condition: cond("StringEquals", "aws:ResourceTag/team", c.team)}}
	}},
	{3, func(g *gen, c *awsContext) []statement { // bake AMIs in one region
		return []statement{{Sid: "BakeAmis", Effect: "Allow", Action: []string{"ec2:CreateImage", "ec2:RegisterImage", "ec2:CopyImage", "ec2:CreateTags", "ec2:CreateSnapshot"}, Resource: "*",
			Condition: cond("StringEquals", "aws:RequestedRegion", []string{c.region})}}
	}},
	{1, func(g *gen, c *awsContext) []statement { // share tagged AMIs
		return []statement{{Sid: "ShareTaggedAmis", Effect: "Allow", Action: []string{"ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"}, Resource: []string{"arn:aws:ec2:*::image/*", "arn:aws:ec2:*::snapshot/*"},
			Condition: cond("StringEquals", "ec2:ResourceTag/shareable", "true")}}
	}},
	{8, func(g *gen, c *awsContext) []statement { // pass service roles
		return []statement{{Sid: "PassServiceRoles", Effect: "Allow", Action: "iam:PassRole", Resource: fmt.Sprintf("arn:aws:iam::%s:role/svc-%s-*", c.account, c.team),
			Condition: cond("StringEquals", "iam:PassedToService", pick(g, []string{"ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com"}))}}
	}},
	{4, func(g *gen, c *awsContext) []statement { // assume a deployer in another account
		o := pick(g, c.others)
		return []statement{{Sid: "AssumeDeployer", Effect: "Allow", Action: "sts:AssumeRole", Resource: fmt.Sprintf("arn:aws:iam::%s:role/ci-deployer", o)}}
	}},
	{14, func(g *gen, c *awsContext) []statement { // logs
		return []statement{{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, Resource: fmt.Sprintf("arn:aws:logs:*:%s:log-group:/%s/*", c.account, c.team)}}
	}},
	{10, func(g *gen, c *awsContext) []statement { // DynamoDB tables of the team
		return []statement{{Sid: "Tables", Effect: "Allow", Action: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}, Resource: []string{
			fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s-*", c.region, c.account, c.team), fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s-*/index/*", c.region, c.account, c.team)}}}
	}},
	{8, func(g *gen, c *awsContext) []statement { // queues and topics
		return []statement{
			{Sid: "Queues", Effect: "Allow", Action: []string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, Resource: fmt.Sprintf("arn:aws:sqs:%s:%s:%s-*", c.region, c.account, c.team)},
			{Sid: "Topics", Effect: "Allow", Action: "sns:Publish", Resource: fmt.Sprintf("arn:aws:sns:%s:%s:%s-*", c.region, c.account, c.team)}}
	}},
	{8, func(g *gen, c *awsContext) []statement { // secrets through one service
		return []statement{{Sid: "Secrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, Resource: fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s/*", c.region, c.account, c.team),
			Condition: cond("StringEquals", "aws:ResourceTag/team", c.team)},
			{Sid: "Decrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: fmt.Sprintf("arn:aws:kms:%s:%s:key/*", c.region, c.account), Condition: cond("StringEquals", "kms:ViaService", "secretsmanager."+c.region+".amazonaws.com")}}
	}},
	{1, func(g *gen, c *awsContext) []statement { // power user through NotAction
		return []statement{{Sid: "PowerUser", Effect: "Allow", NotAction: []string{"iam:*", "organizations:*", "account:*"}, Resource: "*"}}
	}},
	{6, func(g *gen, c *awsContext) []statement { // force MFA
		return []statement{{Sid: "DenyWithoutMFA", Effect: "Deny", NotAction: []string{"iam:ChangePassword", "iam:GetUser", "iam:ListMFADevices", "iam:EnableMFADevice", "sts:GetSessionToken"}, Resource: "*",
			Condition: cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false")}}
	}},
	{2, func(g *gen, c *awsContext) []statement { // golden AMI parameters
		return []statement{{Sid: "GoldenParameters", Effect: "Allow", Action: []string{"ssm:PutParameter", "ssm:GetParameter"}, Resource: fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/golden/*", c.region, c.account)}}
	}},
	{1, func(g *gen, c *awsContext) []statement { // image pipelines
		return []statement{{Sid: "ImageBuilder", Effect: "Allow", Action: "imagebuilder:*", Resource: "*"}}
	}},
	{1, func(g *gen, c *awsContext) []statement { // policy admin: an escalation path
		return []statement{{Sid: "PolicyAdmin", Effect: "Allow", Action: []string{"iam:CreatePolicyVersion", "iam:AttachRolePolicy", "iam:PutRolePolicy"}, Resource: "*"}}
	}},
	{8, func(g *gen, c *awsContext) []statement { // deploy functions
		return []statement{{Sid: "DeployFunctions", Effect: "Allow", Action: []string{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:GetFunction"}, Resource: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s-*", c.region, c.account, c.team)}}
	}},
	{4, func(g *gen, c *awsContext) []statement { // everything S3 outside the team's buckets denied
		return []statement{{Sid: "OnlyTeamBuckets", Effect: "Deny", Action: "s3:*", NotResource: []string{fmt.Sprintf("arn:aws:s3:::%s-*", c.team), fmt.Sprintf("arn:aws:s3:::%s-*/*", c.team)}}}
	}},
	{8, func(g *gen, c *awsContext) []statement { // metrics and traces
		return []statement{{Sid: "Telemetry", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: "*"}}
	}},
	{3, func(g *gen, c *awsContext) []statement { // org-wide read with a source condition
		return []statement{{Sid: "ReadFromCorpNetwork", Effect: "Allow", Action: []string{"ec2:Describe*", "ecr:Describe*", "ecr:List*", "s3:ListAllMyBuckets"}, Resource: "*",
			Condition: cond("IpAddress", "aws:SourceIp", []string{"10.0.0.0/8", "192.0.2.0/24"})}}
	}},
}

// statements draws between lo and hi statements from the templates.
func (g *gen) statements(c *awsContext, lo, hi int) []statement {
	n := g.between(lo, hi)
	var out []statement
	for len(out) < n {
		out = append(out, pickWeighted(g, statementTemplates)(g, c)...)
	}
	// Sids are unique within a document.
	seen := map[string]int{}
	for i := range out {
		if out[i].Sid == "" {
			continue
		}
		seen[out[i].Sid]++
		if k := seen[out[i].Sid]; k > 1 {
			out[i].Sid = fmt.Sprintf("%s%d", out[i].Sid, k)
		}
	}
	return out
}
