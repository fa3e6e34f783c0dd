// Package guardrails renders the GCP guardrail imagewarden recommends
// (MITRE ATT&CK M1026): an IAM deny policy (v2) that denies image
// permissions to a set of principals, with exceptions, in the shape
// `gcloud iam policies create --kind=denypolicies --policy-file=FILE`
// reads. The template is deny-policy.json.tmpl; rules are split so that
// each stays within the deny policy limits, and policies so that each
// stays within the rule limit.
package guardrails

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"text/template"

	"github.com/imagewarden/imagewarden/policies/gcp"
)

// GCP deny policy limits (docs/remediation-gcp.md).
const (
	MaxPermissionsPerRule = 500 // denied permissions in one deny rule
	MaxRulesPerPolicy     = 500 // deny rules in one deny policy
	MaxDisplayName        = 63  // characters of displayName
)

//go:embed deny-policy.json.tmpl
var templateText string

var tmpl = template.Must(template.New("deny").Funcs(template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).Parse(templateText))

// Rule is one deny rule: permissions in allow-policy form
// (artifactregistry.repositories.uploadArtifacts), turned into the deny
// form (artifactregistry.googleapis.com/repositories.uploadArtifacts).
type Rule struct {
	Description         string
	DeniedPrincipals    []string
	ExceptionPrincipals []string
	Permissions         []string
}

type ruleDoc struct {
	Description         string
	DeniedPrincipals    []string
	ExceptionPrincipals []string
	DeniedPermissions   []string
}

// DenyPolicies renders the rules into one or more deny policy documents:
// a rule with more than MaxPermissionsPerRule permissions is split in
// several, and a policy with more than MaxRulesPerPolicy rules in several.
func DenyPolicies(displayName string, rules []Rule) ([]string, error) {
	if len(displayName) > MaxDisplayName {
		return nil, fmt.Errorf("display name %q is longer than %d characters", displayName, MaxDisplayName)
	}
	var docs []ruleDoc
	for _, r := range rules {
		if len(r.DeniedPrincipals) == 0 || len(r.Permissions) == 0 {
			continue
		}
		perms := DenyForms(r.Permissions)
		for i := 0; i < len(perms); i += MaxPermissionsPerRule {
			j := min(i+MaxPermissionsPerRule, len(perms))
			docs = append(docs, ruleDoc{Description: r.Description, DeniedPrincipals: r.DeniedPrincipals, ExceptionPrincipals: r.ExceptionPrincipals, DeniedPermissions: perms[i:j]})
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no rule denies anything")
	}
	var out []string
	for i := 0; i < len(docs); i += MaxRulesPerPolicy {
		j := min(i+MaxRulesPerPolicy, len(docs))
		var b bytes.Buffer
		if err := tmpl.Execute(&b, struct {
			DisplayName string
			Rules       []ruleDoc
		}{displayName, docs[i:j]}); err != nil {
			return nil, err
		}
		if !json.Valid(b.Bytes()) {
			return nil, fmt.Errorf("the template rendered invalid JSON")
		}
		out = append(out, b.String())
	}
	return out, nil
}

// DenyForms turns permissions into their deny-policy form, sorted and
// without duplicates.
func DenyForms(perms []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range perms {
		d := gcp.DenyForm(p)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// DeniedPrincipal turns an allow-policy member into the principal
// identifier deny policies use, or "" when there is none (domain:,
// deleted: and the legacy projectOwner/Editor/Viewer members).
func DeniedPrincipal(member string) string {
	switch gcp.Kind(member) {
	case "allUsers", "allAuthenticatedUsers":
		return "principalSet://goog/public:all"
	case "user":
		return "principal://goog/subject/" + email(member)
	case "group":
		return "principalSet://goog/group/" + email(member)
	case "serviceAccount":
		return "principal://iam.googleapis.com/projects/-/serviceAccounts/" + email(member)
	case "principal", "principalSet":
		return member
	}
	return ""
}

func email(member string) string {
	for i := 0; i < len(member); i++ {
		if member[i] == ':' {
			return member[i+1:]
		}
	}
	return member
}
