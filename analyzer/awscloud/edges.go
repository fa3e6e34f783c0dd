package awscloud

import (
	"slices"
	"sort"
	"strings"

	par "github.com/imagewarden/imagewarden/internal/parallel"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// serviceRunners are, for each service a role can trust, the actions that
// make the service run code as a role passed to it.
var serviceRunners = map[string][]string{
	"ec2.amazonaws.com":                     {"ec2:RunInstances", "ec2:RequestSpotInstances"},
	"lambda.amazonaws.com":                  {"lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"},
	"codebuild.amazonaws.com":               {"codebuild:CreateProject", "codebuild:UpdateProject"},
	"cloudformation.amazonaws.com":          {"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:CreateStackSet", "cloudformation:UpdateStackSet"},
	"glue.amazonaws.com":                    {"glue:CreateDevEndpoint", "glue:CreateJob", "glue:UpdateJob", "glue:CreateSession"},
	"sagemaker.amazonaws.com":               {"sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"},
	"ecs-tasks.amazonaws.com":               {"ecs:RunTask", "ecs:RegisterTaskDefinition"},
	"datapipeline.amazonaws.com":            {"datapipeline:CreatePipeline"},
	"tasks.apprunner.amazonaws.com":         {"apprunner:CreateService", "apprunner:UpdateService"},
	"build.apprunner.amazonaws.com":         {"apprunner:CreateService"},
	"imagebuilder.amazonaws.com":            {"imagebuilder:CreateImage", "imagebuilder:CreateImagePipeline"},
	"states.amazonaws.com":                  {"states:CreateStateMachine", "states:UpdateStateMachine"},
	"ssm.amazonaws.com":                     {"ssm:CreateAssociation"},
	"elasticmapreduce.amazonaws.com":        {"elasticmapreduce:RunJobFlow"},
	"batch.amazonaws.com":                   {"batch:SubmitJob", "batch:RegisterJobDefinition"},
	"events.amazonaws.com":                  {"events:PutTargets"},
	"scheduler.amazonaws.com":               {"scheduler:CreateSchedule"},
	"codepipeline.amazonaws.com":            {"codepipeline:CreatePipeline", "codepipeline:UpdatePipeline"},
	"autoscaling.amazonaws.com":             {"autoscaling:CreateAutoScalingGroup"},
	"bedrock-agentcore.amazonaws.com":       {"bedrock-agentcore:CreateCodeInterpreter"},
	"elasticbeanstalk.amazonaws.com":        {"elasticbeanstalk:CreateEnvironment"},
	"eks.amazonaws.com":                     {"eks:CreateCluster"},
	"ec2.amazonaws.com.cn":                  {"ec2:RunInstances"},
	"cloudformation.amazonaws.com.cn":       {"cloudformation:CreateStack"},
	"airflow-env.amazonaws.com":             {"airflow:CreateEnvironment"},
	"transfer.amazonaws.com":                {"transfer:CreateServer"},
	"gamelift.amazonaws.com":                {"gamelift:CreateFleet"},
	"mediaconvert.amazonaws.com":            {"mediaconvert:CreateJob"},
	"redshift.amazonaws.com":                {"redshift:CreateCluster"},
	"kinesisanalytics.amazonaws.com":        {"kinesisanalytics:CreateApplication"},
	"databrew.amazonaws.com":                {"databrew:CreateJob"},
	"appflow.amazonaws.com":                 {"appflow:CreateFlow"},
	"emr-serverless.amazonaws.com":          {"emr-serverless:StartJobRun"},
	"iot.amazonaws.com":                     {"iot:CreateTopicRule"},
	"pipes.amazonaws.com":                   {"pipes:CreatePipe"},
	"codestar.amazonaws.com":                {"codestar:CreateProject"},
	"opsworks.amazonaws.com":                {"opsworks:CreateStack"},
	"servicecatalog.amazonaws.com":          {"servicecatalog:ProvisionProduct"},
	"greengrass.amazonaws.com":              {"greengrass:CreateDeployment"},
	"robomaker.amazonaws.com":               {"robomaker:CreateSimulationJob"},
	"dms.amazonaws.com":                     {"dms:CreateReplicationInstance"},
	"mwaa.amazonaws.com":                    {"airflow:CreateEnvironment"},
	"bedrock.amazonaws.com":                 {"bedrock:CreateAgent"},
	"ecs.amazonaws.com":                     {"ecs:CreateService"},
	"application-autoscaling.amazonaws.com": {"application-autoscaling:RegisterScalableTarget"},
}

// serviceTakeovers are the action sets that take over compute already
// running as a role of the service. Without the inventory of that compute,
// the edge is drawn to every role the service may assume, marked assumed.
var serviceTakeovers = map[string][][]string{
	"lambda.amazonaws.com":            {{"lambda:UpdateFunctionCode"}},
	"ec2.amazonaws.com":               {{"ssm:SendCommand"}, {"ssm:StartSession"}, {"ec2-instance-connect:SendSSHPublicKey"}, {"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"}, {"ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"}},
	"codebuild.amazonaws.com":         {{"codebuild:StartBuild"}, {"codebuild:StartBuildBatch"}, {"codebuild:UpdateProject"}},
	"cloudformation.amazonaws.com":    {{"cloudformation:UpdateStack"}, {"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"}},
	"glue.amazonaws.com":              {{"glue:UpdateDevEndpoint"}},
	"sagemaker.amazonaws.com":         {{"sagemaker:CreatePresignedNotebookInstanceUrl"}, {"sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"}},
	"tasks.apprunner.amazonaws.com":   {{"apprunner:UpdateService"}},
	"bedrock-agentcore.amazonaws.com": {{"bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"}},
	// Image Builder builds run as the instance profile of their
	// infrastructure configuration: roles that trust EC2
	// (compute_imagebuilder.go).
	"imagebuilder.amazonaws.com": {{"imagebuilder:StartImagePipelineExecution"}, {"imagebuilder:UpdateInfrastructureConfiguration"}},
	// A task of an existing definition with a command override, a service
	// switched to another existing definition, a shell in a running task
	// (compute_ecs.go).
	"ecs-tasks.amazonaws.com": {{"ecs:RunTask"}, {"ecs:UpdateService"}, {"ecs:ExecuteCommand"}},
}

// Edges are the "can act as" edges among AWS principals, decided with the
// same engine as every other request: assuming a role (its trust policy is
// the resource policy of the request), passing a role to a service that
// runs code as it, and changing IAM to grant oneself anything. Each stage
// runs in parallel over principals or roles, its edges kept in the order of
// a sequential run (MergeEdges merges edges with the same ends in order);
// requests without a resource policy go through a decider per principal
// (decider.go), which decides each class of alike resources once.
func (s *Snapshot) Edges() []model.Edge {
	s.resolve()
	ep := s.newEdgePlan()
	var out []model.Edge
	byAccount := map[string][]*principal{}
	for _, p := range s.principals {
		if !p.public {
			byAccount[p.account] = append(byAccount[p.account], p)
		}
	}
	var roles []*principal
	for _, p := range s.principals {
		if p.kind == "role" && !p.external && p.trust != nil {
			roles = append(roles, p)
		}
	}
	// Per principal, the rights that could start an edge at all, decided
	// on patterns once, so that most (principal, role) pairs need no
	// decision.
	type powers struct {
		passRole bool
		passAll  bool            // may pass every role of the account, with no deny on any
		runs     map[string]bool // service -> can start it
		takes    map[string]bool // takeover action sets it holds, anywhere
	}
	pw := make([]*powers, len(s.principals))
	launch := make([][]model.Edge, len(s.principals))
	par.For(len(s.principals), func(i int) {
		p := s.principals[i]
		d := ep.deciders[p]
		if d == nil {
			return
		}
		w := &powers{runs: map[string]bool{}, takes: map[string]bool{}}
		pw[i] = w
		w.passRole = d.allowedOn("iam:PassRole", "arn:aws:iam::"+p.account+":role/*", true)
		if w.passRole {
			whole := &iam.Request{Principal: p.arn, Caller: p.caller, Action: "iam:PassRole", Resource: "arn:aws:iam::" + p.account + ":role/*", ResourcePattern: true,
				AllowWhole: true, DenyPart: true, ResourceAccount: p.account, Context: p.ctx}
			if d := iam.DecisionOf(whole, p.policies(nil)); d == iam.Allowed || d == iam.Conditional {
				w.passAll = true
			}
			allowed := func(a string) bool {
				return d.allowedOn(a, "*", false) || d.allowedOn(a, "arn:aws:"+serviceOf(a)+":*:"+p.account+":*", true)
			}
			for svc, acts := range serviceRunners {
				for _, a := range acts {
					if allowed(a) {
						w.runs[svc] = true
						break
					}
				}
				if _, ok := runsBySet(svc, allowed); ok && !w.runs[svc] { // runner_sets.go
					w.runs[svc] = true
				}
			}
		}
		if w.passAll {
			res := iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: "iam:PassRole", Resource: "arn:aws:iam::" + p.account + ":role/*", ResourcePattern: true,
				AllowWhole: true, ResourceAccount: p.account, Context: p.ctx}, p.policies(nil))
			for svc := range w.runs {
				if e, ok := edgeFrom(res, p.arn, launchNode(p.account, svc), "pass-role", "iam:PassRole"); ok {
					e.Permissions = append(e.Permissions, serviceRunners[svc]...)
					e.Note = "can pass any role of the account to " + svc + ", which runs code as it"
					launch[i] = append(launch[i], e)
				}
			}
		}
		// Which takeover action sets it holds, anywhere.
		for _, sets := range serviceTakeovers {
			for _, set := range sets {
				all := true
				for _, a := range set {
					if !d.allowedOn(a, "*", false) && !d.allowedOn(a, "arn:aws:"+strings.SplitN(a, ":", 2)[0]+":*:"+p.account+":*", true) {
						all = false
						break
					}
				}
				if all {
					w.takes[strings.Join(set, "+")] = true
				}
			}
		}
	})
	// passers[account][svc]: the principals of the account, in byAccount
	// order, that may pass some of its roles (not all of them) and start
	// svc: the only ones a role trusting svc needs a PassRole decision for
	// (every principal of the account x every role otherwise).
	powersOf := map[string]*powers{}
	for i, p := range s.principals {
		out = append(out, launch[i]...)
		if pw[i] != nil {
			powersOf[p.arn] = pw[i]
		}
	}
	passers := map[string]map[string][]*principal{}
	for acct, ps := range byAccount {
		for _, p := range ps {
			w := powersOf[p.arn]
			if w == nil || !w.passRole || w.passAll {
				continue
			}
			if passers[acct] == nil {
				passers[acct] = map[string][]*principal{}
			}
			for svc := range w.runs {
				passers[acct][svc] = append(passers[acct][svc], p)
			}
		}
	}
	// Taking over a service's compute in one's account: exact when the
	// inputs list that compute (compute.go), assumed otherwise.
	runsAs := s.computeRunsAs()
	for i, p := range s.principals {
		if pw[i] == nil {
			continue
		}
		for svc, sets := range serviceTakeovers {
			for _, set := range sets {
				if pw[i].takes[strings.Join(set, "+")] {
					e := model.Edge{From: p.arn, To: computeNode(p.account, svc), Cloud: cloudName, Kind: "takeover", Permissions: set,
						Note: "can take over " + svc + " compute in the account"}
					if e, ok := takeoverEdge(runsAs, e, p.account, svc); ok {
						out = append(out, e)
					}
				}
			}
		}
	}
	// Federated identities (OIDC providers such as GitHub Actions, SAML
	// providers) that a trust policy lets in.
	for _, r := range roles {
		for _, st := range r.trust.Statements {
			if st.Principal == nil || st.Effect != iam.Allow || st.NotPrincipal {
				continue
			}
			for _, fed := range st.Principal.Values["Federated"] {
				for _, act := range []string{"sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"} {
					res := iam.Decide(&iam.Request{Principal: fed, Action: act, Resource: r.arn, ResourceAccount: r.account, Context: iam.NewContext(false)},
						&iam.Policies{Resource: &iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}})
					if e, ok := edgeFrom(res, model.FederatedPrefix+fed, r.arn, "assume-role", act); ok {
						e.Note = "identities of " + fed + " that meet the trust policy's conditions"
						out = append(out, e)
					}
				}
			}
		}
	}
	assume := iam.NewActionID("sts:AssumeRole")
	byRole := make([][]model.Edge, len(roles))
	par.For(len(roles), func(i int) {
		r := roles[i]
		var edges []model.Edge
		trust := &iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}
		for _, p := range s.trustCandidates(r, byAccount) {
			if p.arn == r.arn {
				continue
			}
			// Without an identity policy that may allow sts:AssumeRole, only
			// a trust statement that names p itself lets it in.
			d := ep.deciders[p]
			if d != nil && !d.may("sts:AssumeRole") && !r.trust.AllowsDirectly(assume, p.caller, p.bound != nil) {
				continue
			}
			var res iam.Result
			if d != nil {
				res = d.assume(r)
			} else {
				res = iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
					p.policies(trust))
			}
			if e, ok := edgeFrom(res, p.arn, r.arn, "assume-role", "sts:AssumeRole"); ok {
				edges = append(edges, e)
			}
		}
		// Compute of a service the role trusts may run as it (assumed,
		// until the inputs list that compute).
		// When the inputs list the service's compute in the account, the
		// roles some of it runs as get an edge, exact; the others none when
		// the listing covers every enabled region, assumed otherwise.
		for _, svc := range trustedServices(r.trust) {
			for _, node := range computeServices(svc) {
				if e, ok := runsAsEdge(runsAs, r.account, node, r.arn); ok {
					edges = append(edges, e)
				}
			}
		}
		// PassRole to a service the role trusts.
		for _, svc := range trustedServices(r.trust) {
			if _, known := serviceRunners[svc]; !known {
				continue
			}
			edges = append(edges, model.Edge{From: launchNode(r.account, svc), To: r.arn, Cloud: cloudName, Kind: "runs-as",
				Note: svc + " runs code as the role passed to it"})
			// passAll: one edge to the launch node stands for all roles.
			for _, p := range passers[r.account][svc] {
				if p.arn == r.arn {
					continue
				}
				res := ep.deciders[p].decide("iam:PassRole", r.arn)
				e, ok := edgeFrom(res, p.arn, r.arn, "pass-role", "iam:PassRole")
				if !ok {
					continue
				}
				e.Permissions = append(e.Permissions, serviceRunners[svc]...)
				e.Note = "passes the role to " + svc + ", which runs code as it"
				edges = append(edges, e)
			}
		}
		byRole[i] = edges
	})
	out = concat(out, byRole...)
	out = concat(out, s.escalationEdges(ep))
	out = concat(out, s.rewriteEdges(ep, out))
	out = concat(out, s.adminBridgeEdges(ep, out))
	return mergeEdges(out)
}

// policyWrites are the IAM actions that change what a user or role may do.
var policyWrites = map[string][]string{
	"user": {"iam:PutUserPolicy", "iam:AttachUserPolicy"},
	"role": {"iam:PutRolePolicy", "iam:AttachRolePolicy"},
}

// rewriteEdges: a principal that can already act as another one (assume
// it, mint its credentials, rewrite its trust) and can also change that
// one's policies reaches what the changed policies could grant: the other
// principal's admin node.
//
// Every edge from one principal to another gives the same rewrite edges,
// so each pair is decided once; the edges a pair gives once per edge
// between them are returned merged (MergeEdges would merge them, in the
// same order: the permissions and grants of one edge, repeated).
func (s *Snapshot) rewriteEdges(ep *edgePlan, edges []model.Edge) []model.Edge {
	type pair struct{ from, to string }
	count := map[pair]int{}
	var pairs []pair
	for _, e := range edges {
		k := pair{e.From, e.To}
		if count[k] == 0 {
			pairs = append(pairs, k)
		}
		count[k]++
	}
	merged := make([]model.Edge, len(pairs))
	found := make([]bool, len(pairs))
	const chunk = 256
	par.For((len(pairs)+chunk-1)/chunk, func(c int) {
		for i := c * chunk; i < min(len(pairs), (c+1)*chunk); i++ {
			from, to := s.byARN[pairs[i].from], s.byARN[pairs[i].to]
			if from == nil || to == nil || from.external || to.account != from.account {
				continue
			}
			d := ep.deciders[from]
			acts := append([]string(nil), policyWrites[to.kind]...)
			for _, np := range to.identity {
				if strings.HasPrefix(np.Name, "arn:aws:iam::"+to.account+":policy/") {
					acts = append(acts, "iam:CreatePolicyVersion|"+np.Name)
				}
			}
			var once []model.Edge
			for _, a := range acts {
				action, resource, _ := strings.Cut(a, "|")
				if resource == "" {
					resource = to.arn
				}
				var res iam.Result
				if d != nil {
					res = d.decide(action, resource)
				} else {
					res = iam.Decide(&iam.Request{Principal: from.arn, Caller: from.caller, Action: action, Resource: resource, Context: from.ctx}, from.policies(nil))
				}
				if r, ok := edgeFrom(res, from.arn, model.AdminNode(cloudName, to.account, to.arn), "policy-rewrite", action); ok {
					r.Note = "can change the policies of " + to.arn + ", which it can act as"
					once = append(once, r)
				}
			}
			if len(once) == 0 {
				continue
			}
			m := once[0]
			m.Permissions = append([]string(nil), m.Permissions...)
			m.Via = append([]model.Grant(nil), m.Via...)
			for n := 0; n < count[pairs[i]]; n++ {
				for j, e := range once {
					if n == 0 && j == 0 {
						continue
					}
					m.Permissions = append(m.Permissions, e.Permissions...)
					m.Via = append(m.Via, e.Via...)
					m.Conditional = m.Conditional && e.Conditional
					m.Assumed = m.Assumed && e.Assumed
				}
			}
			merged[i], found[i] = m, true
		}
	})
	var out []model.Edge
	for i := range merged {
		if found[i] {
			out = append(out, merged[i])
		}
	}
	return out
}

// allowedOn reports whether p may do action on a resource (or pattern).
func (s *Snapshot) allowedOn(p *principal, action, resource string, pattern bool) bool {
	d := iam.DecisionOf(&iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: resource, ResourcePattern: pattern, ResourceAccount: p.account, Context: p.ctx}, p.policies(nil))
	return d == iam.Allowed || d == iam.Conditional
}

// trustCandidates are the principals a trust policy may let in: those it
// names, everyone in the accounts it names, or everyone for "*".
func (s *Snapshot) trustCandidates(r *principal, byAccount map[string][]*principal) []*principal {
	seen := map[string]bool{}
	var out []*principal
	add := func(p *principal) {
		if !seen[p.arn] {
			seen[p.arn] = true
			out = append(out, p)
		}
	}
	for _, st := range r.trust.Statements {
		if st.Principal == nil || st.Effect != iam.Allow {
			continue
		}
		if st.Principal.HasWildcard() || st.NotPrincipal {
			for _, ps := range byAccount {
				for _, p := range ps {
					add(p)
				}
			}
			continue
		}
		for _, v := range st.Principal.Values["AWS"] {
			pi := iam.ParsePrincipal(v)
			switch {
			case len(v) == 12 || pi.Type == "root":
				acct := v
				if pi.Type == "root" {
					acct = pi.Account
				}
				for _, p := range byAccount[acct] {
					add(p)
				}
			default:
				if p, ok := s.byARN[v]; ok {
					add(p)
				}
			}
		}
	}
	return out
}

func trustedServices(trust *iam.Policy) []string {
	var out []string
	for _, st := range trust.Statements {
		if st.Principal == nil || st.Effect != iam.Allow || st.NotPrincipal {
			continue
		}
		out = append(out, st.Principal.Values["Service"]...)
	}
	sort.Strings(out)
	return out
}

func edgeFrom(res iam.Result, from, to, kind, perm string) (model.Edge, bool) {
	if res.Decision != iam.Allowed && res.Decision != iam.Conditional {
		return model.Edge{}, false
	}
	e := model.Edge{From: from, To: to, Cloud: cloudName, Kind: kind, Permissions: []string{perm}, Conditional: res.Decision == iam.Conditional}
	for _, r := range res.Reasons {
		e.Via = append(e.Via, model.Grant(r))
	}
	return e, true
}

// escalationEdges: a principal that can rewrite its own permissions
// reaches the account's admin node; one that can rewrite another role's
// trust policy, or mint another user's credentials, reaches that
// principal.
func (s *Snapshot) escalationEdges(ep *edgePlan) []model.Edge {
	inAccount := map[string][]*principal{}
	for _, p := range s.principals {
		inAccount[p.account] = append(inAccount[p.account], p)
	}
	groupsIn := s.groupsByAccount()
	parts := make([][]model.Edge, len(s.principals))
	par.For(len(s.principals), func(i int) {
		p := s.principals[i]
		d := ep.deciders[p]
		if d == nil {
			return
		}
		// Its own policies, its groups', its boundary.
		out := s.selfEscalations(p, p.arn, d.decide)
		// The groups of its account it may join, each decided on its ARN.
		if p.kind == "user" && d.may("iam:AddUserToGroup") {
			out = append(out, s.groupJoinEdges(p, groupsIn[p.account], len(out) > 0, d.decide)...)
		}
		// Other principals: rewrite a role's trust, mint a user's credentials.
		if d.allowedOn("iam:UpdateAssumeRolePolicy", "arn:aws:iam::"+p.account+":role/*", true) {
			for _, r := range inAccount[p.account] {
				if r.kind != "role" || r.external || r.arn == p.arn {
					continue
				}
				res := d.decide("iam:UpdateAssumeRolePolicy", r.arn)
				if e, ok := edgeFrom(res, p.arn, r.arn, "trust-rewrite", "iam:UpdateAssumeRolePolicy"); ok {
					e.Note = "can rewrite the role's trust policy to let itself in"
					out = append(out, e)
				}
			}
		}
		for _, a := range []string{"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"} {
			if !d.allowedOn(a, "arn:aws:iam::"+p.account+":user/*", true) {
				continue
			}
			for _, u := range inAccount[p.account] {
				if u.kind != "user" || u.arn == p.arn {
					continue
				}
				res := d.decide(a, u.arn)
				if e, ok := edgeFrom(res, p.arn, u.arn, "credentials", a); ok {
					e.Note = "can create credentials for the user and sign in as it"
					out = append(out, e)
				}
			}
		}
		parts[i] = out
	})
	return concat(nil, parts...)
}

// AdminHolds decides a permission for a principal that has granted itself
// everything in its account: its SCPs and permissions boundary still apply.
func (s *Snapshot) AdminHolds(admin, action, resource string) model.Access {
	if isMemberNode(admin) {
		return s.memberHolds(admin, action, resource)
	}
	_, account, arn, ok := model.ParseAdminNode(admin)
	p := s.byARN[arn]
	if !ok || p == nil {
		return ""
	}
	pattern, resourceAccount := true, account
	var resourcePolicy *iam.NamedPolicy
	if resource == "" {
		resource = "arn:aws:" + strings.SplitN(action, ":", 2)[0] + ":*:" + account + ":*"
		for _, f := range s.catalogFormats(action) {
			resource = instantiate(f, account)
			if f == "*" {
				resource, pattern = "*", false
			}
		}
	} else {
		pattern = strings.ContainsAny(resource, "*?")
		// A resource of another account is reached only if that account
		// consents: its resource policy must admit the principal, as for
		// any cross-account request. In its own account the administrator
		// can rewrite the resource policy, so it is not weighed.
		if owner, policy := s.resourceOwner(resource); owner != "" && owner != account {
			resourceAccount, resourcePolicy = owner, policy
		}
	}
	r := iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: resource, ResourcePattern: pattern, ResourceAccount: resourceAccount, Context: p.ctx},
		&iam.Policies{Identity: externalAdmin, Boundary: p.bound, SCPs: p.scps, Resource: resourcePolicy, Guards: adminGuards(p.guards, account)})
	switch r.Decision {
	case iam.Allowed:
		return model.Allowed
	case iam.Conditional:
		return model.Conditional
	}
	return ""
}

// ServiceRunners lists, for each service a role can trust, the actions that
// make it run code as a passed role (for tests and documentation).
func ServiceRunners() map[string][]string { return serviceRunners }

// ServiceTakeovers lists the takeover action sets per service (for tests
// and documentation).
func ServiceTakeovers() map[string][][]string { return serviceTakeovers }

func computeNode(account, service string) string {
	return model.ComputePrefix + "aws:" + account + ":" + service
}

func launchNode(account, service string) string {
	return model.LaunchPrefix + "aws:" + account + ":" + service
}

// concat appends the parts to out, growing it once.
func concat(out []model.Edge, parts ...[]model.Edge) []model.Edge {
	n := len(out)
	for _, p := range parts {
		n += len(p)
	}
	out = slices.Grow(out, n-len(out))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
