package aws

import (
	"fmt"
	"strings"
	"sync"
)

// NamedPolicy is a policy with the name it is reported by.
type NamedPolicy struct {
	Name   string
	Policy *Policy
}

// Request is one authorization request.
type Request struct {
	Principal string // ARN of the caller, or a service principal
	Action    string // "service:Action"
	Resource  string // ARN, or "*" for actions without resource types
	// ResourceAccount overrides the account the resource belongs to; by
	// default it is the ARN's account, or the principal's when the ARN has
	// none (AMI ARNs).
	ResourceAccount string
	// ResourcePattern makes Resource stand for every resource its wildcards
	// match: an Allow counts if it reaches part of the set, a Deny only if it
	// covers all of it.
	ResourcePattern bool
	// AllowWhole makes an Allow count for a set request only if it covers
	// the whole set; DenyPart makes a Deny count if it reaches part of it.
	// Together they answer "allowed on all of it" and "denied anywhere in it".
	AllowWhole bool
	DenyPart   bool
	Context    *Context
	// Caller is ParsePrincipal(Principal) when the caller has it already
	// (nil: Decide parses Principal).
	Caller *PrincipalInfo
}

// Policies are the policies that apply to a request.
type Policies struct {
	Identity []NamedPolicy
	Boundary *NamedPolicy    // nil: no permissions boundary
	SCPs     [][]NamedPolicy // one list per level from the root to the account; empty: no SCPs apply
	Resource *NamedPolicy    // nil: the resource has no policy
	// Registry is the ECR private registry policy of the repository's
	// registry, when it governs the action (scope V2: every ECR action; V1:
	// ecr:ReplicateImage, ecr:BatchImportUpstreamImage, ecr:CreateRepository;
	// the caller leaves it nil otherwise). It is decided as a second
	// resource policy of the request: its Deny statements deny and its
	// Allow statements grant as the repository policy's do ("with V2, ECR
	// allows all ECR actions in the policy and enforces the registry policy
	// in all ECR requests", ECR user guide, Private registry permissions).
	Registry *NamedPolicy
	// RCPs are the resource control policies on the resource's account, one
	// list per level from the root to the account; empty: none apply (the
	// caller leaves them out for the management account and for accounts
	// outside the organization). Like SCPs every level must allow and a
	// Deny wins, whoever the caller is, but only for the services RCPs
	// support (rcpServices) and not for service-linked roles.
	RCPs [][]NamedPolicy
	// Guards, when set and RCPs and Registry are not, gives them for the
	// request: the action, the resource's account (as Decide settles it) and
	// the resource (a pattern when pattern is true). The analysis sets it so
	// that every request it makes sees the guardrails of its resource.
	Guards func(action, account, resource string, pattern bool) (rcps [][]NamedPolicy, registry *NamedPolicy)
	// Grants are the grants on the KMS key of the request (service.go);
	// they matter only to KMS requests for one key.
	Grants []KMSGrant
}

// Decision is the outcome of a request.
type Decision string

const (
	Allowed          Decision = "allowed"
	Conditional      Decision = "conditional" // allowed only if conditions the context does not settle hold
	ImplicitlyDenied Decision = "implicitly_denied"
	ExplicitlyDenied Decision = "explicitly_denied"
)

// Reason is a statement (or a missing one) that decided a request.
type Reason struct {
	PolicyType  string   `json:"policy_type"` // identity, permissions_boundary, scp, resource_policy, kms_grant, service
	Policy      string   `json:"policy"`
	Statement   string   `json:"statement,omitempty"` // Sid, or #index
	Effect      string   `json:"effect,omitempty"`
	Conditional bool     `json:"conditional,omitempty"`
	Conditions  []string `json:"conditions,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// Result is the decision with the statements behind it.
type Result struct {
	Decision Decision
	Reasons  []Reason
	// Grants are the Allow statements of identity and resource policies that
	// matched, for callers that look at their Resource patterns.
	Grants []Grant
}

// Grant is a matched Allow statement and the kind of policy it is in.
type Grant struct {
	Kind      PolicyKind
	Statement *Statement
}

type stmtHit struct {
	kind   PolicyKind
	policy string
	st     *Statement
	match  Tri
	pm     principalMatch
}

func (h stmtHit) reason() Reason {
	r := Reason{PolicyType: h.kind.String(), Policy: h.policy, Statement: h.st.Label(), Effect: string(h.st.Effect)}
	if h.match == Unknown {
		r.Conditional = true
		for _, c := range h.st.Conditions {
			r.Conditions = append(r.Conditions, c.String())
		}
	}
	return r
}

type evaluation struct {
	allow, deny Tri
	allows      []stmtHit
	denies      []stmtHit
}

func (e *evaluation) add(h stmtHit) {
	if h.match == False {
		return
	}
	if h.st.Effect == Allow {
		e.allow = e.allow.Or(h.match)
		e.allows = append(e.allows, h)
	} else {
		e.deny = e.deny.Or(h.match)
		e.denies = append(e.denies, h)
	}
}

// statementMatch is action, resource and condition of one statement.
func statementMatch(st *Statement, svc, name string, r *resource, kind PolicyKind, req *Request, ctx *Context) Tri {
	if !st.actionMatches(svc, name) {
		return False
	}
	return statementResourceMatch(st, r, kind, req, ctx)
}

// statementResourceMatch is resource and condition of a statement whose
// action matches.
func statementResourceMatch(st *Statement, r *resource, kind PolicyKind, req *Request, ctx *Context) Tri {
	whole := (st.Effect == Deny && !req.DenyPart) || (st.Effect == Allow && req.AllowWhole)
	m := st.resourceMatches(r, kind, ctx, whole)
	if m == False {
		return False
	}
	return m.And(evalConditions(st.Conditions, ctx))
}

// evalPolicies adds the statements of the policies that match to e.
func evalPolicies(e *evaluation, ps []NamedPolicy, kind PolicyKind, svc, name string, r *resource, req *Request, ctx *Context) {
	for i := range ps {
		evalPolicy(e, &ps[i], kind, svc, name, r, req, ctx)
	}
}

func evalPolicy(e *evaluation, np *NamedPolicy, kind PolicyKind, svc, name string, r *resource, req *Request, ctx *Context) {
	if np.Policy == nil {
		return
	}
	sts, filtered := np.Policy.candidates(svc, name)
	for _, st := range sts {
		if !filtered && !st.actionMatches(svc, name) {
			continue
		}
		e.add(stmtHit{kind: kind, policy: np.Name, st: st, match: statementResourceMatch(st, r, kind, req, ctx)})
	}
}

// scratch holds the lists of matched statements a decision gathers, kept
// between decisions (the Result copies what it keeps).
type scratch struct {
	lists [9][]stmtHit
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func (sc *scratch) list(i int) []stmtHit { return sc.lists[i][:0] }

func (sc *scratch) keep(i int, l []stmtHit) {
	clear(l)
	sc.lists[i] = l[:0]
}

// Decide evaluates a request the way AWS does for a request within an
// organization: an explicit Deny in any policy wins; every SCP level from
// the root to the account must allow; within the account, an identity policy
// (limited by the permissions boundary) or the resource policy may allow;
// across accounts, both the identity side and the resource policy must allow.
func Decide(req *Request, pol *Policies) Result { return decide(req, pol, true) }

// DecisionOf is Decide's decision alone, without its reasons and grants
// (cheaper when only whether the request is allowed matters).
func DecisionOf(req *Request, pol *Policies) Decision { return decide(req, pol, false).Decision }

func decide(req *Request, pol *Policies, full bool) Result {
	ctx := req.Context
	if ctx == nil {
		ctx = NewContext(true)
	}
	svc, name, _ := strings.Cut(req.Action, ":")
	svc, name = strings.ToLower(svc), strings.ToLower(name)
	res := newResource(req.Resource, req.ResourcePattern)
	var pi PrincipalInfo
	if req.Caller != nil {
		pi = *req.Caller
	} else {
		pi = ParsePrincipal(req.Principal)
	}

	resourceAccount := req.ResourceAccount
	// AWS managed policies (account "aws") belong to no account: reading
	// them needs only an identity policy.
	if resourceAccount == "" && res.arn && res.parts[4] != "aws" {
		resourceAccount = res.parts[4]
	}
	if resourceAccount == "" {
		resourceAccount = pi.Account
	}
	rcps, registry := pol.RCPs, pol.Registry
	if pol.Guards != nil && rcps == nil && registry == nil {
		rcps, registry = pol.Guards(req.Action, resourceAccount, req.Resource, req.ResourcePattern)
	}
	if registry == pol.Resource {
		registry = nil // the request is on the registry itself
	}

	sc := scratches.Get().(*scratch)
	identity := evaluation{allows: sc.list(0), denies: sc.list(1)}
	evalPolicies(&identity, pol.Identity, IdentityPolicy, svc, name, &res, req, ctx)

	boundaryAllow, boundaryDeny := True, False
	boundary := evaluation{allows: sc.list(2), denies: sc.list(3)}
	if pol.Boundary != nil {
		evalPolicy(&boundary, pol.Boundary, BoundaryPolicy, svc, name, &res, req, ctx)
		boundaryAllow, boundaryDeny = boundary.allow, boundary.deny
	}

	scpAllow, scpDeny := True, False
	scpDenies := sc.list(4)
	var scpGap []Reason
	level := evaluation{allows: sc.list(5), denies: sc.list(6)}
	for i, ps := range pol.SCPs {
		ev := evaluation{allows: level.allows[:0], denies: level.denies[:0]}
		evalPolicies(&ev, ps, SCPPolicy, svc, name, &res, req, ctx)
		level = ev
		scpAllow = scpAllow.And(ev.allow)
		scpDeny = scpDeny.Or(ev.deny)
		scpDenies = append(scpDenies, ev.denies...)
		if ev.allow != True && full {
			names := make([]string, len(ps))
			for j, p := range ps {
				names[j] = p.Name
			}
			scpGap = append(scpGap, Reason{PolicyType: "scp", Policy: strings.Join(names, ","),
				Note: fmt.Sprintf("no SCP statement at level %d (0 = root) allows the action", i)})
		}
	}

	// Resource control policies, on the resource's account.
	rcpAllow, rcpDeny := True, False
	var rcpDenies []stmtHit
	var rcpGap []Reason
	if len(rcps) > 0 && rcpApplies(svc, &pi) {
		for i, ps := range rcps {
			ev := evaluation{}
			evalPolicies(&ev, ps, RCPPolicy, svc, name, &res, req, ctx)
			rcpAllow = rcpAllow.And(ev.allow)
			rcpDeny = rcpDeny.Or(ev.deny)
			rcpDenies = append(rcpDenies, ev.denies...)
			if ev.allow != True && full {
				names := make([]string, len(ps))
				for j, p := range ps {
					names[j] = p.Name
				}
				rcpGap = append(rcpGap, Reason{PolicyType: "rcp", Policy: strings.Join(names, ","),
					Note: fmt.Sprintf("no RCP statement at level %d (0 = root) of the resource's account allows the action", i)})
			}
		}
	}

	// Resource policy: allows that name the principal (or "*") directly,
	// allows that name only its account, and the allows that a permissions
	// boundary does not limit.
	raDirect, raAccount, raBypass, rd := False, False, False, False
	resAllows, resDenies := sc.list(7), sc.list(8)
	defer func() {
		for i, l := range [][]stmtHit{identity.allows, identity.denies, boundary.allows, boundary.denies, scpDenies, level.allows, level.denies, resAllows, resDenies} {
			sc.keep(i, l)
		}
		scratches.Put(sc)
	}()
	for _, rp := range [2]*NamedPolicy{pol.Resource, registry} {
		if rp == nil || rp.Policy == nil {
			continue
		}
		sts, filtered := rp.Policy.candidates(svc, name)
		for _, st := range sts {
			if !filtered && !st.actionMatches(svc, name) {
				continue
			}
			pm := st.principalMatches(&pi, pol.Boundary != nil)
			if pm == noPrincipalMatch {
				continue
			}
			m := statementResourceMatch(st, &res, ResourcePolicy, req, ctx)
			if m == False {
				continue
			}
			h := stmtHit{kind: ResourcePolicy, policy: rp.Name, st: st, match: m, pm: pm}
			if st.Effect == Deny {
				rd = rd.Or(m)
				resDenies = append(resDenies, h)
				continue
			}
			resAllows = append(resAllows, h)
			switch pm {
			case accountPrincipalMatch:
				raAccount = raAccount.Or(m)
			case directPrincipalMatch, sessionPrincipalMatch:
				raDirect = raDirect.Or(m)
				if pm == directPrincipalMatch && boundaryBypass(&pi, st) {
					raBypass = raBypass.Or(m)
				}
			}
		}
	}

	// Grants on the KMS key: those naming the caller (or the role behind
	// its session), and those naming its account.
	need := needOf(svc, name, &res)
	if need == trustNeed && (pol.Resource == nil || pol.Resource.Policy == nil) {
		// No trust policy given: the identity side only (MissingTrust).
		need = noNeed
	}
	gDirect, gAccount := False, False
	var grantHits []Reason
	if need == keyNeed {
		for i := range pol.Grants {
			g := &pol.Grants[i]
			pm, m := g.covers(name, &res, &pi, ctx)
			if m == False {
				continue
			}
			if pm == accountPrincipalMatch {
				gAccount = gAccount.Or(m)
			} else {
				gDirect = gDirect.Or(m)
			}
			if full {
				grantHits = append(grantHits, Reason{PolicyType: "kms_grant", Policy: g.label(), Effect: "Allow", Conditional: m == Unknown,
					Note: "grant to " + g.GranteePrincipal + " for " + strings.Join(g.Operations, ",")})
			}
		}
	}

	sameAccount := pi.Account != "" && pi.Account == resourceAccount

	var core Tri
	switch {
	case pi.Type == "service":
		core = raDirect.Or(gDirect)
	case sameAccount && need != noNeed:
		// The trust or key policy must allow: naming the caller, or its
		// account with an identity policy that allows.
		core = raBypass.Or(gDirect).Or(boundaryAllow.And(raDirect.Or(raAccount.Or(gAccount).And(identity.allow))))
	case sameAccount:
		core = raBypass.Or(boundaryAllow.And(raDirect.Or(identity.allow)))
	default:
		core = gDirect.Or(raDirect.Or(raAccount).Or(gAccount).And(identity.allow).And(boundaryAllow))
	}
	protected := iamProtected(svc+":"+name, &res) || kmsProtected(svc, name, &res)
	if protected {
		core = False
	}
	deny := identity.deny.Or(boundaryDeny).Or(scpDeny).Or(rcpDeny).Or(rd)
	allowed := deny.Not().And(scpAllow).And(rcpAllow).And(core)

	out := Result{}
	switch allowed {
	case True:
		out.Decision = Allowed
	case Unknown:
		out.Decision = Conditional
	default:
		if deny == True {
			out.Decision = ExplicitlyDenied
		} else {
			out.Decision = ImplicitlyDenied
		}
	}
	if !full {
		return out
	}

	switch out.Decision {
	case ExplicitlyDenied:
		for _, group := range [][]stmtHit{identity.denies, boundary.denies, scpDenies, rcpDenies, resDenies} {
			for _, h := range group {
				if h.match == True {
					out.Reasons = append(out.Reasons, h.reason())
				}
			}
		}
	case Allowed, Conditional:
		// The grants, then the conditional denies the access depends on.
		// Within the account, identity grants count only if the boundary
		// lets them through.
		identityCounts := identity.allow != False && boundaryAllow != False
		if need != noNeed && sameAccount {
			identityCounts = identityCounts && raAccount.Or(gAccount) != False
		}
		if !(sameAccount || pi.Type == "service") || identityCounts {
			for _, h := range identity.allows {
				out.Reasons = append(out.Reasons, h.reason())
				out.Grants = append(out.Grants, Grant{IdentityPolicy, h.st})
			}
		}
		for _, h := range resAllows {
			if h.pm == accountPrincipalMatch && need != noNeed && sameAccount && !identityCounts {
				continue // delegates to identity policies that do not allow
			}
			out.Reasons = append(out.Reasons, h.reason())
			out.Grants = append(out.Grants, Grant{ResourcePolicy, h.st})
		}
		out.Reasons = append(out.Reasons, grantHits...)
		for _, group := range [][]stmtHit{identity.denies, boundary.denies, scpDenies, rcpDenies, resDenies} {
			for _, h := range group {
				out.Reasons = append(out.Reasons, h.reason())
			}
		}
		if boundaryAllow == Unknown {
			for _, h := range boundary.allows {
				out.Reasons = append(out.Reasons, h.reason())
			}
		}
	default:
		switch {
		case core == False && iamProtected(svc+":"+name, &res):
			out.Reasons = append(out.Reasons, Reason{PolicyType: "service", Note: "AWS managed policies and roles under /aws-reserved/ cannot be changed"})
		case core == False && protected:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "service", Note: "the aliases of AWS managed keys (alias/aws/...) cannot be created, changed or deleted"})
		case scpAllow == False:
			out.Reasons = append(out.Reasons, scpGap...)
		case rcpAllow == False:
			out.Reasons = append(out.Reasons, rcpGap...)
		case need != noNeed && (pol.Resource == nil || pol.Resource.Policy == nil) && gDirect == False && gAccount == False:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "resource_policy", Note: needNote(need, "no "+need.String()+" was given")})
		case need != noNeed && raDirect == False && raAccount == False && gDirect == False && gAccount == False:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "resource_policy", Policy: pol.Resource.Name, Note: needNote(need, "the "+need.String()+" allows neither this principal nor its account")})
		case need != noNeed && sameAccount && identity.allow == False && raDirect == False && gDirect == False:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "identity", Note: "the " + need.String() + " allows only the principal's account: an identity policy must allow the action too"})
		case pol.Boundary != nil && boundaryAllow == False && identity.allow != False:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "permissions_boundary", Policy: pol.Boundary.Name, Note: "the permissions boundary does not allow the action"})
		case !sameAccount && identity.allow != False:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "resource_policy", Note: "cross-account request: the resource policy does not allow this principal"})
		case !sameAccount:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "identity", Note: "cross-account request: no identity policy allows the action"})
		default:
			out.Reasons = append(out.Reasons, Reason{PolicyType: "identity", Note: "no statement allows the action"})
		}
	}
	return out
}

// boundaryBypass reports whether a resource policy allow reaches the
// principal regardless of its permissions boundary: AWS lets an allow that
// names an IAM user, or a role session, through; one that names a role ARN
// is limited by the role's boundary unless it allows everyone.
func boundaryBypass(p *PrincipalInfo, st *Statement) bool {
	switch p.Type {
	case "user", "assumed-role", "federated-user":
		return true
	case "role":
		return !st.NotPrincipal && st.Principal.HasWildcard()
	}
	return false
}

// iamProtected reports requests that IAM refuses whatever the policies say:
// changing AWS managed policies, and roles under /aws-reserved/.
func iamProtected(action string, r *resource) bool {
	if !strings.HasPrefix(action, "iam:") || !r.arn {
		return false
	}
	res := strings.ToLower(r.parts[5])
	switch action {
	case "iam:createpolicy", "iam:createpolicyversion", "iam:deletepolicy", "iam:deletepolicyversion",
		"iam:setdefaultpolicyversion", "iam:tagpolicy", "iam:untagpolicy":
		return r.parts[4] == "aws" && strings.HasPrefix(res, "policy/")
	case "iam:attachrolepolicy", "iam:createrole", "iam:createservicelinkedrole", "iam:deleterole",
		"iam:deleterolepermissionsboundary", "iam:deleterolepolicy", "iam:deleteservicelinkedrole",
		"iam:detachrolepolicy", "iam:passrole", "iam:putrolepermissionsboundary", "iam:putrolepolicy",
		"iam:tagrole", "iam:untagrole", "iam:updateassumerolepolicy", "iam:updaterole", "iam:updateroledescription":
		return strings.HasPrefix(res, "role/aws-reserved/")
	}
	return false
}

func needNote(n resourcePolicyNeed, what string) string {
	if n == trustNeed {
		return what + ": assuming a role needs its trust policy to allow the principal, or its account with an identity policy that allows; an identity policy alone never does"
	}
	return what + ": a KMS key needs its key policy (or a grant) to allow the principal, or to delegate to its account with an identity policy that allows; an identity policy alone never does"
}

// RCPFullAWSAccess is the AWS managed RCP that AWS attaches to every root,
// OU and account when RCPs are enabled and that cannot be detached.
var RCPFullAWSAccess = NamedPolicy{Name: "rcp:RCPFullAWSAccess", Policy: func() *Policy {
	p, err := ParsePolicyString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
	if err != nil {
		panic(err)
	}
	return p
}()}

// rcpServices are the services whose actions resource control policies
// apply to (AWS Organizations user guide, "List of AWS services that
// support RCPs": Amazon S3, AWS STS, AWS KMS, Amazon SQS, AWS Secrets
// Manager, Amazon ECR); an RCP statement on any other service has no effect.
var rcpServices = map[string]bool{"s3": true, "sts": true, "kms": true, "sqs": true, "secretsmanager": true, "ecr": true}

// rcpApplies reports whether RCPs limit a request on svc by the caller:
// not for unsupported services, and not for service-linked roles (AWS
// Organizations user guide, "Tasks and entities not restricted by RCPs").
// A service-linked role is a role under /aws-service-role/; its sessions
// carry only the role name, which AWS gives the AWSServiceRoleFor prefix.
func rcpApplies(svc string, pi *PrincipalInfo) bool {
	if !rcpServices[svc] {
		return false
	}
	switch pi.Type {
	case "role":
		return !strings.Contains(pi.ARN, ":role/aws-service-role/")
	case "assumed-role":
		return !strings.HasPrefix(pi.Name, "AWSServiceRoleFor")
	}
	return true
}
