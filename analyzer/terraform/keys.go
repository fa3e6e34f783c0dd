package terraform

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Keys tie what a finding names (a principal, a grant) to the addresses
// that define it. Renderers register addresses under them as they lay
// objects down; Addresses looks them up from the finding's principal,
// grants and chain. GCP and Azure names compare case-insensitively, as
// the plug-ins compare them.

func keyPrincipal(id string) string {
	if strings.HasPrefix(id, "arn:") {
		return "p|" + id
	}
	return "p|" + strings.ToLower(id)
}

func keyInline(holderARN, name string) string { return "aws-inline|" + holderARN + "|" + name }

func keyAttach(holderARN, policyARN string) string {
	return "aws-attach|" + holderARN + "|" + policyARN
}

func keyGCPBinding(node, role, member string) string {
	return strings.ToLower("gcp-binding|" + node + "|" + role + "|" + member)
}

func keyAzureAssignment(scope, principal string) string {
	return strings.ToLower("az-assign|" + azure.NormalizeScope(scope) + "|" + principal)
}

// grantKeys are the keys of a grant held by principal.
func grantKeys(principal string, g model.Grant) []string {
	p := g.Policy
	switch g.PolicyType {
	case "identity", "permissions_boundary":
		acct := accountOfARN(principal)
		switch {
		case strings.HasPrefix(p, "inline:"):
			return []string{keyInline(principal, strings.TrimPrefix(p, "inline:"))}
		case strings.HasPrefix(p, "group:"):
			group, name, _ := strings.Cut(strings.TrimPrefix(p, "group:"), "/inline:")
			return []string{"aws-group-inline|" + acct + "|" + group + "|" + name, "aws-membership|" + principal + "|" + group}
		case strings.HasPrefix(p, "arn:"):
			return []string{"aws-managed|" + p, keyAttach(principal, p)}
		}
	case "resource_policy":
		switch {
		case strings.HasPrefix(p, "repository-policy:"):
			return []string{"aws-repo-policy|" + strings.TrimPrefix(p, "repository-policy:")}
		case strings.HasPrefix(p, "registry-policy:"):
			return []string{"aws-registry-policy|" + strings.TrimPrefix(p, "registry-policy:")}
		case strings.HasPrefix(p, "trust:"):
			return []string{"aws-trust|" + strings.TrimPrefix(p, "trust:")}
		}
	case "scp":
		return []string{"aws-scp|" + strings.TrimPrefix(p, "scp:")}
	case "allow_policy":
		// The note names the member the binding grants to (the principal,
		// or a group it is in): "granted to MEMBER at NODE".
		member := principal
		if m, ok := strings.CutPrefix(g.Note, "granted to "); ok {
			if i := strings.LastIndex(m, " at "); i > 0 {
				member = m[:i]
			}
		}
		return []string{keyGCPBinding(p, g.Statement, member), strings.ToLower("gcp-role|" + g.Statement)}
	case "deny_policy":
		return []string{strings.ToLower("gcp-deny|" + p)}
	case "role_assignment":
		// "assigned to PRINCIPAL (name)": the principal, or its group.
		who := principal
		if m, ok := strings.CutPrefix(g.Note, "assigned to "); ok {
			who, _, _ = strings.Cut(m, " ")
		}
		return []string{keyAzureAssignment(p, who), strings.ToLower("az-role|" + g.Statement)}
	}
	if strings.HasPrefix(p, "scp:") {
		return []string{"aws-scp|" + strings.TrimPrefix(p, "scp:")}
	}
	return nil
}
