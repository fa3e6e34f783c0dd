// Package gcp is Google Cloud IAM as pure code: members and principal
// identifiers, roles and their permissions, allow bindings inherited down
// the resource hierarchy, IAM conditions (CEL), and deny policies with
// their exceptions. It does no I/O.
package gcp

import (
	"strings"

	"github.com/imagewarden/imagewarden/policies/tri"
)

// Identity is who makes a request.
type Identity struct {
	// Member is the principal in allow-policy form: user:EMAIL,
	// serviceAccount:EMAIL, group:EMAIL (a group whose members are not
	// known), domain:DOMAIN, allUsers, allAuthenticatedUsers,
	// principal://..., principalSet://..., deleted:...
	Member string
	// Groups are the groups the identity belongs to, directly or through
	// nested groups (emails, lower case).
	Groups map[string]bool
}

// Kind is the member type: user, serviceAccount, group, domain, allUsers,
// allAuthenticatedUsers, principal, principalSet, deleted, or unknown.
func Kind(member string) string {
	switch member {
	case "allUsers", "allAuthenticatedUsers":
		return member
	}
	if strings.HasPrefix(member, "principal://") {
		return "principal"
	}
	if strings.HasPrefix(member, "principalSet://") {
		return "principalSet"
	}
	k, _, ok := strings.Cut(member, ":")
	if !ok {
		return "unknown"
	}
	switch k {
	case "user", "serviceAccount", "group", "domain", "deleted", "projectOwner", "projectEditor", "projectViewer":
		return k
	}
	return "unknown"
}

// KnownMemberKind reports whether a member string has a type IAM accepts.
func KnownMemberKind(member string) bool { return Kind(member) != "unknown" }

func email(member string) string {
	_, e, _ := strings.Cut(member, ":")
	return strings.ToLower(e)
}

// MemberMatches reports whether a binding member covers the identity.
// Emails compare case-insensitively. A deleted member matches nobody: the
// identity it named is gone (IAM keeps the binding until it is removed).
func MemberMatches(member string, id *Identity) bool {
	switch Kind(member) {
	case "allUsers":
		return true
	case "allAuthenticatedUsers":
		return id.Member != "allUsers"
	case "deleted", "unknown":
		return false
	case "group":
		g := email(member)
		return id.Groups[g] || strings.EqualFold(id.Member, member)
	case "domain":
		d := email(member)
		switch Kind(id.Member) {
		case "user", "group":
			e := email(id.Member)
			return strings.HasSuffix(e, "@"+d)
		case "domain":
			return strings.EqualFold(id.Member, member)
		}
		return false
	case "user", "serviceAccount":
		return Kind(id.Member) == Kind(member) && email(id.Member) == email(member)
	case "principalSet":
		if ps, ok := PoolSet(id.Member); ok && member == ps {
			return true
		}
	}
	return member == id.Member
}

// PoolSet is the principal set of every identity of the pool a
// federated subject principal belongs to:
//
//	principal://iam.googleapis.com/projects/N/locations/L/workloadIdentityPools/POOL/subject/S
//	  -> principalSet://iam.googleapis.com/projects/N/locations/L/workloadIdentityPools/POOL/*
//	principal://iam.googleapis.com/locations/L/workforcePools/POOL/subject/S
//	  -> principalSet://iam.googleapis.com/locations/L/workforcePools/POOL/*
//
// ok is false for any other member. Only the pool's /* set is derived:
// attribute sets (.../POOL/attribute.NAME/VALUE), group sets
// (.../POOL/group/G) and the like depend on the attributes of the
// identity's token, which the inputs do not hold, so MemberMatches does
// not take them as covering the subject (it compares them exactly, as any
// other principal set). Like the other principal identifiers, the set is
// compared as spelled: pool ids and project numbers are lower case and
// digits in IAM, and the subject S is case-sensitive.
func PoolSet(member string) (string, bool) {
	const pre = "principal://iam.googleapis.com/"
	rest, ok := strings.CutPrefix(member, pre)
	if !ok {
		return "", false
	}
	var n int
	switch {
	case strings.HasPrefix(rest, "projects/"):
		// projects/N/locations/L/workloadIdentityPools/POOL/subject/S
		n = 8
	case strings.HasPrefix(rest, "locations/"):
		// locations/L/workforcePools/POOL/subject/S
		n = 6
	default:
		return "", false
	}
	parts := strings.SplitN(rest, "/", n)
	if len(parts) != n || parts[n-2] != "subject" || parts[n-1] == "" {
		return "", false
	}
	for _, x := range parts[:n-2] {
		if x == "" {
			return "", false
		}
	}
	if n == 8 && (parts[2] != "locations" || parts[4] != "workloadIdentityPools") ||
		n == 6 && parts[2] != "workforcePools" {
		return "", false
	}
	return "principalSet://iam.googleapis.com/" + strings.Join(parts[:n-2], "/") + "/*", true
}

// DeniedPrincipalMatches reports whether a principal identifier of a deny
// policy (principal://goog/subject/EMAIL, principalSet://goog/group/EMAIL,
// principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL,
// principalSet://goog/public:all, ...) covers the identity. Identifiers the
// inputs cannot settle (a Cloud Identity customer, a workforce pool) give
// Unknown.
func DeniedPrincipalMatches(p string, id *Identity) tri.Tri {
	switch {
	case p == "principalSet://goog/public:all":
		return tri.True
	case strings.HasPrefix(p, "principal://goog/subject/"):
		e := strings.ToLower(strings.TrimPrefix(p, "principal://goog/subject/"))
		return tri.Of(Kind(id.Member) == "user" && email(id.Member) == e)
	case strings.HasPrefix(p, "principalSet://goog/group/"):
		g := strings.ToLower(strings.TrimPrefix(p, "principalSet://goog/group/"))
		return tri.Of(id.Groups[g] || (Kind(id.Member) == "group" && email(id.Member) == g))
	case strings.HasPrefix(p, "principal://iam.googleapis.com/projects/-/serviceAccounts/"):
		e := strings.ToLower(strings.TrimPrefix(p, "principal://iam.googleapis.com/projects/-/serviceAccounts/"))
		return tri.Of(Kind(id.Member) == "serviceAccount" && email(id.Member) == e)
	case strings.HasPrefix(p, "principal://") || strings.HasPrefix(p, "principalSet://"):
		if p == id.Member {
			return tri.True
		}
		if Kind(id.Member) == "principal" || Kind(id.Member) == "principalSet" {
			return tri.Unknown
		}
		if strings.HasPrefix(p, "principalSet://goog/cloudIdentityCustomerId/") && (Kind(id.Member) == "user" || Kind(id.Member) == "group") {
			return tri.Unknown
		}
		return tri.False
	}
	return tri.False
}
