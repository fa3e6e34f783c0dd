package model

// FederatedTrust is one trust statement that lets the identities of an
// OIDC provider (GitHub Actions, GitLab, Terraform Cloud, a Kubernetes
// cluster, ...) become a principal: which subjects of the provider's tokens
// the statement lets in. The rules join it with what the principal can do
// (its facts, its paths) to report trusts open to a whole provider or
// organization of a principal that can write images.
type FederatedTrust struct {
	Cloud string `json:"cloud"`
	// Provider is the graph node of the identity provider
	// (FederatedPrefix + the provider's ARN or name).
	Provider string `json:"provider"`
	// Issuer is the token issuer's host and path, e.g.
	// token.actions.githubusercontent.com.
	Issuer string `json:"issuer"`
	// Platform is what the issuer is: github-actions, gitlab,
	// terraform-cloud, kubernetes, or other.
	Platform string `json:"platform"`
	// Principal is the principal the statement lets the subjects become
	// (an AWS role ARN).
	Principal string `json:"principal"`
	// Statement labels the trust statement (its Sid or its position).
	Statement string `json:"statement,omitempty"`
	// Subjects are the subject patterns the statement allows, exactly as
	// the policy writes them (wildcards only where the operator matches
	// them); empty when any subject is allowed.
	Subjects []string `json:"subjects"`
	// Audiences and Workflows are the audience and (GitHub) job workflow
	// patterns the statement checks; empty when it checks none.
	Audiences []string `json:"audiences,omitempty"`
	Workflows []string `json:"workflows,omitempty"`
	// Scope is how many subjects the statement lets in, the widest of its
	// subject patterns: "any" (every subject of the provider), "organization"
	// (every repository, project or workspace of one owner, or every service
	// account of one namespace), "repository" (one repository, project or
	// workspace, any branch, environment or run), "pinned" (one repository
	// with its branch, tag or environment, or one exact subject).
	Scope string `json:"scope"`
	// Note says how the scope was decided when it is not plain (a negated
	// operator, a subject the platform's format does not explain).
	Note string `json:"note,omitempty"`
}
