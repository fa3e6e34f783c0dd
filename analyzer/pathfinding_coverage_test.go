package analyzer

// escalationCoverage is the source of truth of the coverage table in
// docs/escalation.md: one row per path of pathfinding.cloud's dataset
// (../shared/datasets/pathfinding-paths). TestPathfindingCoverage
// (pathfinding_test.go) checks it against the dataset (one row per path, no
// other row) and against the code (a fixture per path: the status and the
// edge kind each row claims must be what the analysis finds), then renders
// the table into docs/escalation.md; `go test ./analyzer -run
// TestPathfindingCoverage -update` rewrites the table from this list and
// from what the analysis found.
//
// Status: statusExact (found through edges none of which is marked
// assumed), statusAssumed (found, through an edge marked assumed),
// statusNotCovered (not found: How says why).
//
// Edge: the kind of edge the path is found through; the chain found must
// contain one.
//
// Lateral: the path acts on another principal, not on the attacker
// itself (iam-014 to iam-021): the fixture grants each permission only on
// the target (the role "target", the user "victim", the managed policy
// attached to the target), and the target cannot push by itself, so only
// rewriting the target's policies leads to image.push.
//
// Tests: other tests, as "package directory.TestName", that exercise the
// path's edge with resource-specific policies; they must exist (and run
// with the rest of the suite).
var escalationCoverage = []coverageRow{
	{ID: "apprunner-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "apprunner-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "bedrock-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "bedrock-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "cloudformation-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "cloudformation-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "cloudformation-003", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "cloudformation-004", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "cloudformation-005", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "codebuild-001", Status: statusExact, Edge: "pass-role", How: passRoleHow, Tests: []string{"analyzer.TestAWSChains"}},
	{ID: "codebuild-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "codebuild-003", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "codebuild-004", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "datapipeline-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ec2-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ec2-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "ec2-003", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ec2-004", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "ec2instanceconnect-003", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "ecs-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ecs-002", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ecs-003", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ecs-004", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "ecs-005", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "glue-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "glue-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "glue-003", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "glue-004", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "glue-005", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "glue-006", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "iam-001", Status: statusExact, Edge: "self-escalation", How: "self-escalation: iam:CreatePolicyVersion decided on each customer managed policy the principal holds"},
	{ID: "iam-002", Status: statusExact, Edge: "credentials", How: credentialsHow + "; the user's number of access keys (at most two) is not read", Tests: []string{"analyzer.TestAWSChains"}},
	{ID: "iam-003", Status: statusExact, Edge: "credentials", How: credentialsHow + "; iam:DeleteAccessKey is not needed by the edge, which does not read whether the user already has two keys"},
	{ID: "iam-004", Status: statusExact, Edge: "credentials", How: credentialsHow + "; whether the user already has a console password (which makes CreateLoginProfile fail) is not read"},
	{ID: "iam-005", Status: statusExact, Edge: "self-escalation", How: "self-escalation: iam:PutRolePolicy decided on the role itself"},
	{ID: "iam-006", Status: statusExact, Edge: "credentials", How: credentialsHow + "; whether the user has a console password (which UpdateLoginProfile needs) is not read"},
	{ID: "iam-007", Status: statusExact, Edge: "self-escalation", How: "self-escalation: iam:PutUserPolicy decided on the user itself", Tests: []string{"analyzer.TestAWSChains"}},
	{ID: "iam-008", Status: statusExact, Edge: "self-escalation", How: "self-escalation: iam:AttachUserPolicy decided on the user itself"},
	{ID: "iam-009", Status: statusExact, Edge: "self-escalation", How: "self-escalation: iam:AttachRolePolicy decided on the role itself"},
	{ID: "iam-010", Status: statusExact, Edge: "self-escalation", How: "self-escalation, on a group the user is in (by its ARN); on a group it may join, after group-join", Tests: []string{"analyzer/awscloud.TestGroupEscalationEdges"}},
	{ID: "iam-011", Status: statusExact, Edge: "self-escalation", How: "self-escalation, on a group the user is in (by its ARN); on a group it may join, after group-join", Tests: []string{"analyzer/awscloud.TestGroupEscalationEdges"}},
	{ID: "iam-012", Status: statusExact, Edge: "trust-rewrite", How: "trust-rewrite: iam:UpdateAssumeRolePolicy decided on each role of the account"},
	{ID: "iam-013", Status: statusExact, Edge: "group-join", How: "group-join, decided per group ARN (exact); to the admin node when the group grants administrative access", Tests: []string{"analyzer/awscloud.TestGroupEscalationEdges", "analyzer/awscloud.TestMemberNodeHolds"}},
	{ID: "iam-014", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the role, after assume-role"},
	{ID: "iam-015", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the user, after credentials"},
	{ID: "iam-016", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite (iam:CreatePolicyVersion on a customer managed policy the role holds), after assume-role"},
	{ID: "iam-017", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the role, after assume-role"},
	{ID: "iam-018", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the user, after credentials"},
	{ID: "iam-019", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the role, after trust-rewrite"},
	{ID: "iam-020", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite (iam:CreatePolicyVersion on a customer managed policy the role holds), after trust-rewrite"},
	{ID: "iam-021", Status: statusExact, Edge: "policy-rewrite", Lateral: true, How: "policy-rewrite of the role, after trust-rewrite"},
	{ID: "lambda-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "lambda-002", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "lambda-003", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "lambda-004", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "lambda-005", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "lambda-006", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "sagemaker-001", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "sagemaker-002", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "sagemaker-003", Status: statusExact, Edge: "pass-role", How: passRoleHow},
	{ID: "sagemaker-004", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "sagemaker-005", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "ssm-001", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "ssm-002", Status: statusAssumed, Edge: "takeover", How: takeoverHow},
	{ID: "sts-001", Status: statusExact, Edge: "assume-role", How: "assume-role: sts:AssumeRole with the role's trust policy as the resource policy", Tests: []string{"analyzer.TestAWSChains", "analyzer.TestAWSTrustBridge"}},
}

const (
	statusExact      = "covered exactly"
	statusAssumed    = "covered as assumed"
	statusNotCovered = "not covered"

	passRoleHow    = "pass-role: iam:PassRole decided on the roles that trust the service, with any one of its launch actions (`serviceRunners`)"
	takeoverHow    = "takeover, assumed: drawn to every role the service may assume, since the inputs list no compute yet (`serviceTakeovers`)"
	credentialsHow = "credentials: decided on each other user of the account"
)

type coverageRow struct {
	ID, Status, Edge, How string
	Lateral               bool
	Tests                 []string
}
