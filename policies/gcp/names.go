package gcp

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The name rules of Google Cloud, as its documentation gives them
// (Resource Manager project ids, folder and organization ids, Artifact
// Registry repository ids and locations, Cloud Storage bucket names,
// Compute Engine image names, IAM member strings, role names, deny policy
// ids). A value the inputs give that breaks them cannot name anything
// real: the remediation refuses to put it in a command
// (analyzer/remediate: Change.Check). Each function returns nil or an
// error saying what the rule is; the error never quotes the value.

var (
	projectIDRE   = regexp.MustCompile(`^(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	numericIDRE   = regexp.MustCompile(`^[1-9][0-9]{0,19}$`)
	uniqueIDRE    = regexp.MustCompile(`^[1-9][0-9]{0,29}$`)
	lowerIDRE     = regexp.MustCompile(`^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	bucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	emailRE       = regexp.MustCompile(`^[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	domainRE      = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	wiSARE        = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]\.svc\.id\.goog\[[a-z0-9.-]{1,253}/[a-z0-9.-]{1,253}\]$`)
	deletedUIDRE  = regexp.MustCompile(`^\?uid=[0-9]{1,30}$`)
	principalRE   = regexp.MustCompile(`^principal(?:Set)?://[a-z0-9.-]+/[^\s]+$`)
	predefRoleRE  = regexp.MustCompile(`^roles/[A-Za-z0-9_.]{1,128}$`)
	customRoleIDs = regexp.MustCompile(`^[A-Za-z0-9_.]{3,64}$`)
)

// ValidProjectID: a project id, 6 to 30 lower-case letters, digits and
// hyphens, starting with a letter and not ending with a hyphen; a legacy
// domain-scoped id (example.com:my-project) too.
func ValidProjectID(s string) error {
	if !projectIDRE.MatchString(s) {
		return errors.New("a project id is 6 to 30 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen")
	}
	return nil
}

// ValidProject: a project id or a project number.
func ValidProject(s string) error {
	if numericIDRE.MatchString(s) {
		return nil
	}
	return ValidProjectID(s)
}

// ValidNumericID: a folder, organization or project number: digits.
func ValidNumericID(s string) error {
	if !numericIDRE.MatchString(s) {
		return errors.New("a folder or organization id is a number of at most 20 digits")
	}
	return nil
}

// ValidLocation: a location (europe-west1, us, global...): lower-case
// letters, digits and hyphens, starting with a letter, at most 63.
func ValidLocation(s string) error {
	if !lowerIDRE.MatchString(s) {
		return errors.New("a location is lower-case letters, digits and hyphens, starting with a letter, at most 63")
	}
	return nil
}

// ValidRepositoryID: an Artifact Registry repository id: lower-case
// letters, digits and hyphens, starting with a letter, ending with a
// letter or digit, at most 63.
func ValidRepositoryID(s string) error {
	if !lowerIDRE.MatchString(s) {
		return errors.New("an Artifact Registry repository id is lower-case letters, digits and hyphens, starting with a letter, at most 63")
	}
	return nil
}

// ValidImageName: a Compute Engine image name, [a-z]([-a-z0-9]{0,61}[a-z0-9])?.
func ValidImageName(s string) error {
	if !lowerIDRE.MatchString(s) {
		return errors.New("an image name is lower-case letters, digits and hyphens, starting with a letter, at most 63")
	}
	return nil
}

// ValidBucketName: a Cloud Storage bucket name: 3 to 63 lower-case
// letters, digits, hyphens and underscores (222 with dots, 63 between
// dots), starting and ending with a letter or digit.
func ValidBucketName(s string) error {
	bad := errors.New("a bucket name is 3 to 63 lower-case letters, digits, - and _ (up to 222 with dots), starting and ending with a letter or digit")
	if !bucketRE.MatchString(s) {
		return bad
	}
	if !strings.Contains(s, ".") && len(s) > 63 {
		return bad
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || len(part) > 63 {
			return bad
		}
	}
	return nil
}

// ValidEmail: the email of a user, group or service account: a local part
// of letters, digits and . _ % + ' - (at most 64), @, and a domain name.
func ValidEmail(s string) error {
	if len(s) > 254 || !emailRE.MatchString(s) {
		return errors.New("an email is a local part of A-Z a-z 0-9 . _ % + ' - , @ and a domain name")
	}
	return nil
}

// ValidDomain: a domain name.
func ValidDomain(s string) error {
	if len(s) > 253 || !domainRE.MatchString(s) {
		return errors.New("a domain is dot-separated labels of letters, digits and hyphens")
	}
	return nil
}

// ValidServiceAccount: a service account's email, or its unique id.
func ValidServiceAccount(s string) error {
	if uniqueIDRE.MatchString(s) {
		return nil
	}
	if ValidEmail(s) != nil {
		return errors.New("a service account is an email or a unique numeric id")
	}
	return nil
}

// ValidMember: an IAM member string: user:EMAIL, group:EMAIL,
// serviceAccount:EMAIL (or PROJECT.svc.id.goog[NAMESPACE/NAME]),
// domain:DOMAIN, allUsers, allAuthenticatedUsers, principal://...,
// principalSet://..., deleted:KIND:EMAIL?uid=N, projectOwner: (Editor,
// Viewer) and a project id.
func ValidMember(s string) error {
	bad := errors.New("a member is user:, group:, serviceAccount: or deleted: and an email, domain: and a domain, allUsers, allAuthenticatedUsers, or a principal:// or principalSet:// identifier")
	switch s {
	case "allUsers", "allAuthenticatedUsers":
		return nil
	}
	if strings.HasPrefix(s, "principal://") || strings.HasPrefix(s, "principalSet://") {
		if len(s) > 1024 || !principalRE.MatchString(s) || !printable(s) {
			return errors.New("a principal:// or principalSet:// identifier is a host and a path of printable characters without spaces")
		}
		return nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return bad
	}
	switch kind {
	case "user", "group":
		if ValidEmail(rest) == nil {
			return nil
		}
	case "serviceAccount":
		if ValidEmail(rest) == nil || wiSARE.MatchString(rest) {
			return nil
		}
	case "domain":
		if ValidDomain(rest) == nil {
			return nil
		}
	case "projectOwner", "projectEditor", "projectViewer":
		if ValidProject(rest) == nil {
			return nil
		}
	case "deleted":
		k, e, _ := strings.Cut(rest, ":")
		addr, uid, _ := strings.Cut(e, "?")
		if (k == "user" || k == "group" || k == "serviceAccount") && ValidEmail(addr) == nil && deletedUIDRE.MatchString("?"+uid) {
			return nil
		}
	}
	return bad
}

// ValidRole: a role name: roles/NAME (predefined), or a custom role,
// projects/PROJECT/roles/ID or organizations/NUMBER/roles/ID (ID: 3 to 64
// of A-Z a-z 0-9 _ .).
func ValidRole(s string) error {
	bad := errors.New("a role is roles/NAME, projects/PROJECT/roles/ID or organizations/NUMBER/roles/ID")
	if predefRoleRE.MatchString(s) {
		return nil
	}
	parts := strings.Split(s, "/")
	if len(parts) != 4 || parts[2] != "roles" || !customRoleIDs.MatchString(parts[3]) {
		return bad
	}
	switch parts[0] {
	case "projects":
		if ValidProject(parts[1]) == nil {
			return nil
		}
	case "organizations":
		if ValidNumericID(parts[1]) == nil {
			return nil
		}
	}
	return bad
}

// ValidDenyPolicyID: a deny policy id: lower-case letters, digits and
// hyphens, starting with a letter, at most 63.
func ValidDenyPolicyID(s string) error {
	if !lowerIDRE.MatchString(s) {
		return errors.New("a deny policy id is lower-case letters, digits and hyphens, starting with a letter, at most 63")
	}
	return nil
}

// ValidHierarchyNode: organizations/NUMBER, folders/NUMBER or
// projects/PROJECT.
func ValidHierarchyNode(s string) error {
	kind, id, ok := strings.Cut(s, "/")
	if ok {
		switch kind {
		case "organizations", "folders":
			if ValidNumericID(id) == nil {
				return nil
			}
		case "projects":
			if ValidProject(id) == nil {
				return nil
			}
		}
	}
	return errors.New("a node of the resource hierarchy is organizations/NUMBER, folders/NUMBER or projects/PROJECT")
}

// ValidConditionExpression: an IAM condition's CEL expression: any text
// but control characters (tabs and line breaks are fine), at most 12,800
// bytes.
func ValidConditionExpression(s string) error {
	if s == "" || len(s) > 12800 || !text(s, true) {
		return errors.New("a condition expression is text without control characters, at most 12,800 bytes")
	}
	return nil
}

// ValidConditionTitle: an IAM condition's title: one line of text without
// control characters, at most 100 characters.
func ValidConditionTitle(s string) error {
	if utf8.RuneCountInString(s) > 100 || !text(s, false) {
		return errors.New("a condition title is one line of text without control characters, at most 100 characters")
	}
	return nil
}

// text: valid UTF-8 without control or formatting characters (nor line or
// paragraph separators), except tab, newline and carriage return when
// lines is set.
func text(s string, lines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if lines && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// printable: valid UTF-8, every rune printable and none a space.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}
