package azurecloud

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Workload identity federation (docs/inputs.md, A12): a federated identity
// credential of a user-assigned managed identity lets the tokens of an OIDC
// issuer (GitHub Actions, GitLab, Terraform Cloud, a Kubernetes cluster)
// whose subject matches become the identity. Microsoft Entra ID compares
// the subject exactly (no wildcard), except in a flexible federated
// identity credential, whose claimsMatchingExpression may match
// claims['sub'] with * wildcards. Each credential is a model.FederatedTrust
// (rule IW-011, oidc_open_trust) and an edge from the issuer's node to the
// identity's principal.

// FormatFederatedCredentials is the format of
// az identity federated-credential list output.
const FormatFederatedCredentials = "azure-federated-identity-credentials"

// edgeKindFederated is the kind of the edge from an issuer to an identity.
const edgeKindFederated = "federated-credential"

// federatedCredential is one credential as read, its identity resolved
// when the trusts are listed (the identities may be read later).
type federatedCredential struct {
	file, where     string
	id, name        string
	identity        string // the identity's resource id, normalised
	issuer, subject string
	audiences       []string
	expression      string // claimsMatchingExpression.value
	identityDisplay string // the identity's resource id as written
}

// recognizeFederated names the format of a federated credential list, or "".
func recognizeFederated(first map[string]json.RawMessage) string {
	var typ string
	json.Unmarshal(first["type"], &typ)
	_, issuer := first["issuer"]
	_, subject := first["subject"]
	_, flexible := first["claimsMatchingExpression"]
	_, audiences := first["audiences"]
	if strings.HasSuffix(strings.ToLower(typ), "/federatedidentitycredentials") || (issuer && (subject || flexible) && audiences) {
		return FormatFederatedCredentials
	}
	return ""
}

// loadFederated reads one federated identity credential.
func (s *Snapshot) loadFederated(file, where string, it map[string]json.RawMessage) {
	var c struct {
		ID, Name, Issuer, Subject string
		Audiences                 []string
		ClaimsMatchingExpression  *struct{ Value string }
	}
	if err := decode(it, &c); err != nil || c.Issuer == "" {
		s.warn(file, where, "a federated identity credential without issuer is ignored")
		return
	}
	expr := ""
	if c.ClaimsMatchingExpression != nil {
		expr = strings.TrimSpace(c.ClaimsMatchingExpression.Value)
	}
	if c.Subject == "" && expr == "" {
		s.warn(file, where, "a federated identity credential without subject or claimsMatchingExpression is ignored")
		return
	}
	// The identity is the parent of the credential:
	// .../userAssignedIdentities/NAME/federatedIdentityCredentials/CRED.
	lower := strings.ToLower(c.ID)
	i := strings.Index(lower, "/federatedidentitycredentials/")
	if i < 0 || !strings.Contains(lower[:i], "/microsoft.managedidentity/userassignedidentities/") {
		s.warn(file, where+".id", fmt.Sprintf("federated identity credential %q: id %q is not a credential of a user-assigned managed identity (an app registration's credentials name no application and are not read): ignored", c.Name, c.ID))
		return
	}
	if s.federated == nil {
		s.federated = &federationState{}
	}
	s.federated.creds = append(s.federated.creds, &federatedCredential{file: file, where: where, id: c.ID, name: c.Name,
		identity: azure.NormalizeScope(c.ID[:i]), identityDisplay: c.ID[:i], issuer: strings.TrimSpace(c.Issuer),
		subject: c.Subject, audiences: c.Audiences, expression: expr})
}

// federationState holds the federated credentials of the inputs.
type federationState struct {
	creds []*federatedCredential
}

// issuerHost is an issuer URL without its scheme and trailing slash.
func issuerHost(issuer string) string {
	i := strings.TrimSpace(issuer)
	if _, rest, ok := strings.Cut(i, "://"); ok {
		i = rest
	}
	return strings.TrimRight(i, "/")
}

// federatedPlatform is what an issuer (host and path) is.
func federatedPlatform(host string) string {
	h := strings.ToLower(host)
	switch {
	case h == "token.actions.githubusercontent.com" || strings.HasPrefix(h, "token.actions.githubusercontent.com/"):
		return "github-actions"
	case h == "gitlab.com" || strings.HasPrefix(h, "gitlab."):
		return "gitlab"
	case h == "app.terraform.io" || strings.HasPrefix(h, "app.terraform.io/"):
		return "terraform-cloud"
	case strings.Contains(h, ".oic.prod-aks.azure.com/"), strings.HasPrefix(h, "oidc.eks.") && strings.Contains(h, ".amazonaws.com/id/"),
		strings.HasPrefix(h, "container.googleapis.com/"):
		return "kubernetes"
	}
	return "other"
}

var federatedScopeRank = map[string]int{"any": 0, "organization": 1, "repository": 2, "pinned": 3}

// exactSubjectScope is how many subjects one exact subject lets in: one,
// except a GitHub pull_request subject, which every pull request of the
// repository carries, whatever branch it comes from: code nobody has
// reviewed yet runs with the identity (repository).
func exactSubjectScope(platform, subject string) (string, string) {
	if platform == "github-actions" && strings.HasPrefix(subject, "repo:") && strings.HasSuffix(subject, ":pull_request") {
		return "repository", "the subject is the one of every pull request of the repository, from any of its branches"
	}
	return "pinned", ""
}

// wildcardScope is how many subjects a claimsMatchingExpression pattern
// (matches, * wildcards) lets in: a wildcard in the owner (or before it)
// any subject, in the repository or project name a whole organization or
// group, after it one repository with any branch, environment or event.
func wildcardScope(platform, pattern string) string {
	w := strings.IndexAny(pattern, "*?")
	if w < 0 {
		sc, _ := exactSubjectScope(platform, pattern)
		return sc
	}
	prefix := ""
	switch platform {
	case "github-actions":
		prefix = "repo:"
	case "gitlab":
		prefix = "project_path:"
	}
	if prefix == "" || !strings.HasPrefix(pattern, prefix) {
		if w == 0 || strings.HasPrefix(prefix, pattern[:w]) {
			return "any"
		}
		return "organization" // a format imagewarden does not know: taken as wide
	}
	rest := pattern[len(prefix):]
	ownerEnd := len(prefix) + indexOrLen(rest, "/")
	nameEnd := len(prefix) + indexOrLen(rest, ":")
	switch {
	case w <= ownerEnd:
		return "any"
	case w <= nameEnd:
		return "organization"
	}
	return "repository"
}

func indexOrLen(s, sep string) int {
	if i := strings.Index(s, sep); i >= 0 {
		return i
	}
	return len(s)
}

// subClause finds the conditions of a claimsMatchingExpression on the
// subject: claims['sub'] matches 'PATTERN' or claims['sub'] eq 'VALUE'.
var subClause = regexp.MustCompile(`(?i)claims\[\s*['"]sub['"]\s*\]\s+(matches|eq)\s+'([^']*)'`)

var orClause = regexp.MustCompile(`(?i)\s(or|\|\|)\s`)

// expressionScope decides a flexible credential: the subject patterns its
// expression puts on claims['sub'] and their scope. Conditions joined by
// "and" all apply (the narrowest decides); with "or" any of them lets a
// token in (the widest decides); without a condition on claims['sub'] any
// subject is let in.
func expressionScope(platform, expr string) (subjects []string, scope, note string) {
	ms := subClause.FindAllStringSubmatch(expr, -1)
	if len(ms) == 0 {
		return nil, "any", "claimsMatchingExpression puts no condition on claims['sub'] that imagewarden reads: any subject is taken as let in"
	}
	or := orClause.MatchString(expr)
	scope = "any" // with "and", the narrowest of the conditions
	if or {
		scope = "pinned" // with "or", the widest
	}
	for _, m := range ms {
		sc := "pinned"
		if strings.EqualFold(m[1], "matches") {
			sc = wildcardScope(platform, m[2])
		} else {
			sc, _ = exactSubjectScope(platform, m[2])
		}
		subjects = append(subjects, m[2])
		if or && federatedScopeRank[sc] < federatedScopeRank[scope] || !or && federatedScopeRank[sc] > federatedScopeRank[scope] {
			scope = sc
		}
	}
	return subjects, scope, ""
}

// FederatedTrusts lists the federated identity credentials of the inputs
// as trusts, with a warning for each credential whose identity is not in
// the inputs (its principal is then not known).
func (s *Snapshot) federatedTrusts() ([]model.FederatedTrust, []model.Warning) {
	if s.federated == nil {
		return nil, nil
	}
	var out []model.FederatedTrust
	var warns []model.Warning
	for _, c := range s.federated.creds {
		principal, ok := s.identities[c.identity]
		if !ok {
			warns = append(warns, model.Warning{Where: c.file + ": " + c.where, Message: fmt.Sprintf(
				"federated identity credential %s: the managed identity %s is not in the inputs (az identity list, A7): who its tokens become is not known, the credential is not analysed", c.name, c.identityDisplay)})
			continue
		}
		out = append(out, s.trustOf(c, principal))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Principal != out[j].Principal {
			return out[i].Principal < out[j].Principal
		}
		return out[i].Provider < out[j].Provider
	})
	return out, warns
}

// federationEdges: the issuer's node can act as each identity one of its
// credentials names, for the tokens whose subject matches (conditional).
func (s *Snapshot) federationEdges() []model.Edge {
	trusts, _ := s.federatedTrusts()
	var out []model.Edge
	for _, t := range trusts {
		subj := "any subject"
		if len(t.Subjects) > 0 {
			subj = strings.Join(t.Subjects, " or ")
		}
		out = append(out, model.Edge{From: t.Provider, To: t.Principal, Cloud: cloudName, Kind: edgeKindFederated,
			Permissions: []string{"token exchange (federated identity credential)"}, Conditional: true,
			Via:  []model.Grant{{PolicyType: "federated_credential", Policy: t.Statement, Statement: subj, Effect: "Allow"}},
			Note: "tokens of " + t.Issuer + " with subject " + subj + " (federated identity credential " + t.Statement + ")"})
	}
	return out
}
