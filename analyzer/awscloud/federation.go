package awscloud

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// OIDC federation: which subjects of an OIDC provider's tokens each role's
// trust policy lets become the role (sts:AssumeRoleWithWebIdentity). The
// edge from the provider's node to the role (edges.go) says that some of
// its identities can; this says which, so that a trust open to every
// repository of a CI/CD provider can be reported on its own (rule
// oidc_open_trust).

// oidcProviderMarker separates the account from the issuer in an OIDC
// provider's ARN: arn:aws:iam::ACCOUNT:oidc-provider/ISSUER.
const oidcProviderMarker = ":oidc-provider/"

// oidcIssuer is the issuer (host and path) of an OIDC provider's ARN; ""
// when arn is not one (a SAML provider, cognito-identity.amazonaws.com).
func oidcIssuer(arn string) string {
	_, issuer, ok := strings.Cut(arn, oidcProviderMarker)
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	return issuer
}

// oidcPlatform is what an issuer is.
func oidcPlatform(issuer string) string {
	switch {
	case issuer == "token.actions.githubusercontent.com" || strings.HasPrefix(issuer, "token.actions.githubusercontent.com/"):
		return "github-actions"
	case issuer == "gitlab.com" || strings.HasPrefix(issuer, "gitlab."):
		return "gitlab"
	case issuer == "app.terraform.io" || strings.HasPrefix(issuer, "app.terraform.io/"):
		return "terraform-cloud"
	case strings.HasPrefix(issuer, "oidc.eks.") && strings.Contains(issuer, ".amazonaws.com/id/"):
		return "kubernetes"
	}
	return "other"
}

// FederatedTrusts lists, for every role of the inputs and every OIDC
// provider an Allow statement of its trust policy names for
// sts:AssumeRoleWithWebIdentity, the subjects the statement lets in.
func (s *Snapshot) FederatedTrusts() []model.FederatedTrust {
	s.resolve()
	var out []model.FederatedTrust
	for _, p := range s.principals {
		if p.kind != "role" || p.external || p.trust == nil {
			continue
		}
		out = append(out, federatedTrusts(p.arn, p.trust)...)
	}
	return out
}

// federatedTrusts is FederatedTrusts for one role's trust policy.
func federatedTrusts(role string, trust *iam.Policy) []model.FederatedTrust {
	var out []model.FederatedTrust
	for _, st := range trust.Statements {
		if st.Effect != iam.Allow || st.Principal == nil || st.NotPrincipal || !allowsWebIdentity(st) {
			continue
		}
		for _, fed := range st.Principal.Values["Federated"] {
			issuer := oidcIssuer(fed)
			if issuer == "" {
				continue
			}
			if t, ok := trustFor(issuer, st); ok {
				t.Cloud, t.Provider, t.Principal = cloudName, model.FederatedPrefix+fed, role
				t.Statement = st.Label()
				out = append(out, t)
			}
		}
	}
	return out
}

// allowsWebIdentity tells whether the statement's actions take in
// sts:AssumeRoleWithWebIdentity.
func allowsWebIdentity(st *iam.Statement) bool {
	m := false
	for _, a := range st.Actions {
		if a.Matches("sts:AssumeRoleWithWebIdentity") {
			m = true
			break
		}
	}
	return m != st.NotActions
}

// conditionOp is a condition operator taken apart: the base operator in
// lower case, whether it ends in IfExists, and its set qualifier.
type conditionOp struct {
	base     string
	ifExists bool
}

func parseOp(op string) conditionOp {
	o := strings.ToLower(op)
	if _, rest, ok := strings.Cut(o, ":"); ok { // ForAnyValue:, ForAllValues:
		o = rest
	}
	c := conditionOp{}
	if b, ok := strings.CutSuffix(o, "ifexists"); ok {
		o, c.ifExists = b, true
	}
	c.base = o
	return c
}

// trustFor decides one statement for one issuer: the subject, audience and
// job workflow patterns its conditions put on the issuer's keys, and the
// scope of the subjects. ok is false when the statement can never let a
// token of the issuer in: a condition, without IfExists, on a key of
// another issuer (keys of one issuer are absent from another's tokens, and
// a string operator on an absent key does not match).
func trustFor(issuer string, st *iam.Statement) (t model.FederatedTrust, ok bool) {
	t.Issuer, t.Platform = issuer, oidcPlatform(issuer)
	prefix := strings.ToLower(issuer) + ":"
	// Each condition on the subject narrows the subjects (the conditions of
	// a statement must all match): the narrowest one decides.
	constrained := false
	scope := "any"
	var notes []string
	for _, c := range st.Conditions {
		key := strings.ToLower(c.Key)
		op := parseOp(c.Operator)
		claim, own := strings.CutPrefix(key, prefix)
		if !own {
			if i := strings.LastIndex(key, ":"); i > 0 && strings.Contains(key[:i], ".") && !strings.HasPrefix(key, "aws:") &&
				!op.ifExists && op.base != "null" && strings.HasPrefix(op.base, "string") {
				return t, false
			}
			continue
		}
		wild := op.base == "stringlike"
		switch claim {
		case "sub":
			switch op.base {
			case "stringequals", "stringequalsignorecase", "stringlike":
				constrained = true
				sc := widestScope(t.Platform, c.Values, wild)
				if scopeRank[sc] > scopeRank[scope] { // narrower
					scope = sc
					t.Subjects = append([]string(nil), c.Values...)
				} else if len(t.Subjects) == 0 {
					t.Subjects = append([]string(nil), c.Values...)
				}
			case "stringnotequals", "stringnotlike", "stringnotequalsignorecase":
				notes = append(notes, "the subject is only excluded ("+c.Operator+" "+strings.Join(c.Values, ", ")+"): every other subject is let in")
			}
		case "aud":
			t.Audiences = append(t.Audiences, c.Values...)
		case "job_workflow_ref":
			if !strings.HasPrefix(op.base, "stringnot") {
				t.Workflows = append(t.Workflows, c.Values...)
			}
		}
	}
	if !constrained {
		t.Subjects, scope = nil, "any"
	}
	t.Scope = scope
	t.Note = strings.Join(notes, "; ")
	return t, true
}

// scopeRank orders the scopes from the widest.
var scopeRank = map[string]int{"any": 0, "organization": 1, "repository": 2, "pinned": 3}

// widestScope is the widest scope of the patterns (the values of one
// condition: any of them lets a subject in).
func widestScope(platform string, patterns []string, wild bool) string {
	best := "pinned"
	for _, p := range patterns {
		if sc := subjectScope(platform, p, wild); scopeRank[sc] < scopeRank[best] {
			best = sc
		}
	}
	return best
}

// subjectScope is how many subjects one pattern lets in. wild tells
// whether the operator matches * and ? (StringLike); StringEquals compares
// them as characters, so its patterns are one subject each.
//
// The subjects' formats: GitHub Actions repo:OWNER/REPO:QUALIFIER (ref:...,
// environment:..., pull_request); GitLab project_path:GROUP[/SUB...]/PROJECT:
// ref_type:...:ref:...; Terraform Cloud organization:ORG:project:PROJECT:
// workspace:WORKSPACE:run_phase:PHASE; Kubernetes system:serviceaccount:
// NAMESPACE:NAME. A wildcard in the owner (or before it) is any subject, in
// the repository, project, workspace or service account name a whole
// organization, group or namespace, after it one repository with any branch,
// environment or run.
func subjectScope(platform, pattern string, wild bool) string {
	if !wild || !strings.ContainsAny(pattern, "*?") {
		return "pinned"
	}
	// The index of the first wildcard, and where the owner and the name end.
	w := strings.IndexAny(pattern, "*?")
	var ownerEnd, nameEnd int // ownerEnd: the owner ends before it; nameEnd: the name ends before it
	switch platform {
	case "github-actions":
		ownerEnd, nameEnd = segmentEnds(pattern, "repo:", "/", ":")
	case "gitlab":
		rest, ok := strings.CutPrefix(pattern, "project_path:")
		if !ok {
			return scopeUnknownFormat(w)
		}
		start := len("project_path:")
		path := rest
		if i := strings.Index(rest, ":"); i >= 0 {
			path = rest[:i]
		}
		first := strings.Index(path, "/")
		if first < 0 { // the group runs to the end ("project_path:*")
			first = len(path)
		}
		ownerEnd, nameEnd = start+first, start+len(path)
	case "terraform-cloud":
		// organization:ORG:project:P:workspace:W:run_phase:PH; the
		// organization is the owner, the workspace the name.
		if !strings.HasPrefix(pattern, "organization:") {
			return scopeUnknownFormat(w)
		}
		ownerEnd = len("organization:") + indexOr(pattern[len("organization:"):], ":")
		if i := strings.Index(pattern, ":workspace:"); i >= 0 {
			j := i + len(":workspace:")
			nameEnd = j + indexOr(pattern[j:], ":")
		} else {
			nameEnd = len(pattern)
		}
	case "kubernetes":
		ownerEnd, nameEnd = segmentEnds(pattern, "system:serviceaccount:", ":", ":")
	default:
		return scopeUnknownFormat(w)
	}
	switch {
	case ownerEnd < 0:
		return scopeUnknownFormat(w)
	case w <= ownerEnd:
		return "any"
	case w <= nameEnd:
		return "organization"
	}
	return "repository"
}

// segmentEnds finds, in a subject PREFIX OWNER SEP NAME END ..., where the
// owner and the name end; -1, -1 when the subject does not start with
// prefix or has no separator after the owner (the owner itself then runs
// into a wildcard, handled by the caller as unknown).
func segmentEnds(pattern, prefix, sep, end string) (ownerEnd, nameEnd int) {
	if !strings.HasPrefix(pattern, prefix) {
		if strings.HasPrefix(prefix, strings.TrimRight(pattern, "*?")) {
			return len(pattern), len(pattern) // "*", "rep*": the wildcard comes before the owner
		}
		return -1, -1
	}
	rest := pattern[len(prefix):]
	i := strings.Index(rest, sep)
	if i < 0 {
		// No separator: the owner runs to the end, wildcard included
		// ("repo:*", "repo:acme*").
		return len(pattern), len(pattern)
	}
	ownerEnd = len(prefix) + i
	after := ownerEnd + len(sep)
	return ownerEnd, after + indexOr(pattern[after:], end)
}

// indexOr is strings.Index, or len(s) when sep is absent.
func indexOr(s, sep string) int {
	if i := strings.Index(s, sep); i >= 0 {
		return i
	}
	return len(s)
}

// scopeUnknownFormat is the scope of a wildcard pattern whose format is not
// the platform's: a wildcard at the start lets any subject in; elsewhere
// the pattern cannot be told apart, and is taken as a whole organization
// (reported, as high).
func scopeUnknownFormat(w int) string {
	if w == 0 {
		return "any"
	}
	return "organization"
}
