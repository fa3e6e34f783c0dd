package azure

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The name rules of Azure RBAC and Resource Manager, as Microsoft documents
// them (object ids and role definition ids are GUIDs; scopes are /,
// management groups, subscriptions, resource groups and resources; the
// naming rules of resource groups and management groups; role assignment
// ids; principal types). A value the inputs give that breaks them cannot
// name anything real: the remediation refuses to put it in a command
// (analyzer/remediate: Change.Check). Each function returns nil or an
// error saying what the rule is; the error never quotes the value.

var (
	guidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	mgIDRE      = regexp.MustCompile(`^[A-Za-z0-9_().-]{1,90}$`)
	namespaceRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+$`)
	typeRE      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

// ValidGUID: an object id, tenant id, subscription id or role definition
// name: 8-4-4-4-12 hexadecimal digits.
func ValidGUID(s string) error {
	if !guidRE.MatchString(s) {
		return errors.New("an Azure id is a GUID: 8-4-4-4-12 hexadecimal digits")
	}
	return nil
}

// ValidPrincipalType: a principal type az role assignment create accepts:
// User, Group, ServicePrincipal, ForeignGroup or Device.
func ValidPrincipalType(s string) error {
	for _, t := range []string{"User", "Group", "ServicePrincipal", "ForeignGroup", "Device"} {
		if strings.EqualFold(s, t) {
			return nil
		}
	}
	return errors.New("a principal type is User, Group, ServicePrincipal, ForeignGroup or Device")
}

// ValidResourceGroupName: 1 to 90 letters, digits, _ - . ( ), not ending
// with a period.
func ValidResourceGroupName(s string) error {
	bad := errors.New("a resource group name is 1 to 90 letters, digits, _ - . ( ), not ending with a period")
	if s == "" || utf8.RuneCountInString(s) > 90 || strings.HasSuffix(s, ".") || !utf8.ValidString(s) {
		return bad
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-.()", r) {
			return bad
		}
	}
	return nil
}

// ValidManagementGroupID: 1 to 90 of A-Z a-z 0-9 _ - . ( ).
func ValidManagementGroupID(s string) error {
	if !mgIDRE.MatchString(s) {
		return errors.New("a management group id is 1 to 90 of A-Z a-z 0-9 _ - . ( )")
	}
	return nil
}

// validResourceName: a resource name, by the rule every resource type
// shares: 1 to 260 characters, none of < > % & \ ? / nor a control
// character, no surrounding space. Types have narrower rules; quoting
// makes the rest harmless.
func validResourceName(s string) bool {
	if s == "" || len(s) > 260 || !utf8.ValidString(s) || strings.TrimSpace(s) != s || strings.ContainsAny(s, `<>%&\?/`) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return false
		}
	}
	return true
}

// ValidScope: an Azure RBAC scope: /, /providers/Microsoft.Management/
// managementGroups/ID, /subscriptions/GUID, with /resourceGroups/NAME,
// and /providers/NAMESPACE/TYPE/NAME[/TYPE/NAME...] below a subscription,
// resource group or management group. Segment names compare
// case-insensitively.
func ValidScope(s string) error {
	bad := errors.New("a scope is /, /providers/Microsoft.Management/managementGroups/ID, or /subscriptions/GUID[/resourceGroups/NAME][/providers/NAMESPACE/TYPE/NAME...]")
	if s == "/" {
		return nil
	}
	if !strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") {
		return bad
	}
	parts := strings.Split(s[1:], "/")
	i := 0
	switch {
	case len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions"):
		if ValidGUID(parts[1]) != nil {
			return bad
		}
		i = 2
		if len(parts) >= 4 && strings.EqualFold(parts[2], "resourceGroups") {
			if ValidResourceGroupName(parts[3]) != nil {
				return bad
			}
			i = 4
		}
	case len(parts) >= 4 && strings.EqualFold(parts[0], "providers") && strings.EqualFold(parts[1], "Microsoft.Management") && strings.EqualFold(parts[2], "managementGroups"):
		if ValidManagementGroupID(parts[3]) != nil {
			return bad
		}
		i = 4
	default:
		return bad
	}
	if i == len(parts) {
		return nil
	}
	// Resources: providers/NAMESPACE, then TYPE/NAME pairs; a nested
	// provider (an extension resource) starts again.
	for i < len(parts) {
		if !strings.EqualFold(parts[i], "providers") || i+1 >= len(parts) || !namespaceRE.MatchString(parts[i+1]) {
			return bad
		}
		i += 2
		pairs := 0
		for i < len(parts) && !strings.EqualFold(parts[i], "providers") {
			if i+1 >= len(parts) || !typeRE.MatchString(parts[i]) || !validResourceName(parts[i+1]) {
				return bad // a type without a name, or a bad one
			}
			i += 2
			pairs++
		}
		if pairs == 0 {
			return bad
		}
	}
	return nil
}

// ValidRoleAssignmentID: SCOPE/providers/Microsoft.Authorization/
// roleAssignments/GUID.
func ValidRoleAssignmentID(s string) error {
	bad := errors.New("a role assignment id is SCOPE/providers/Microsoft.Authorization/roleAssignments/GUID")
	const mid = "/providers/microsoft.authorization/roleassignments/"
	k := strings.LastIndex(strings.ToLower(s), mid)
	if k < 0 || ValidGUID(s[k+len(mid):]) != nil {
		return bad
	}
	scope := s[:k]
	if scope == "" {
		scope = "/"
	}
	if ValidScope(scope) != nil {
		return bad
	}
	return nil
}

// ValidRoleDefinitionID: a role definition GUID, or
// [SCOPE]/providers/Microsoft.Authorization/roleDefinitions/GUID.
func ValidRoleDefinitionID(s string) error {
	if ValidGUID(s) == nil {
		return nil
	}
	bad := errors.New("a role definition id is a GUID or SCOPE/providers/Microsoft.Authorization/roleDefinitions/GUID")
	const mid = "/providers/microsoft.authorization/roledefinitions/"
	k := strings.LastIndex(strings.ToLower(s), mid)
	if k < 0 || ValidGUID(s[k+len(mid):]) != nil {
		return bad
	}
	if k > 0 && ValidScope(s[:k]) != nil {
		return bad
	}
	return nil
}

// ValidRoleName: a role's display name: 1 to 512 characters of one line,
// without control characters or surrounding space.
func ValidRoleName(s string) error {
	bad := errors.New("a role name is one line of 1 to 512 characters without control characters")
	if s == "" || utf8.RuneCountInString(s) > 512 || strings.TrimSpace(s) != s || !utf8.ValidString(s) {
		return bad
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return bad
		}
	}
	return nil
}

// ValidCondition: an ABAC condition of a role assignment: text without
// control characters (tabs and line breaks are fine), at most 8,192 bytes.
func ValidCondition(s string) error {
	bad := errors.New("a condition is text without control characters, at most 8,192 bytes")
	if s == "" || len(s) > 8192 || !utf8.ValidString(s) {
		return bad
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return bad
		}
	}
	return nil
}
