package aws

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The name rules of IAM, ECR, Organizations and the regions, as AWS
// documents them (IAM API reference: UserName, RoleName, GroupName,
// PolicyName, Path; ECR CreateRepository: repositoryName; Organizations:
// root ids). A value the inputs give that breaks them cannot be the name
// of anything in a real account: the remediation refuses to put it in a
// command (analyzer/remediate: Change.Check). Each function returns nil
// or an error saying what the rule is; the error never quotes the value.

var (
	iamNameRE  = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`)
	iamPathRE  = regexp.MustCompile(`^(?:/|/[\x21-\x7e]+/)$`)
	accountRE  = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE   = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$`)
	partRE     = regexp.MustCompile(`^aws(?:-[a-z]+)*$`)
	ecrRepoRE  = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	orgRootRE  = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	errAccount = errors.New("an AWS account id is 12 digits")
)

func iamName(s, what string, max int) error {
	if len(s) < 1 || len(s) > max || !iamNameRE.MatchString(s) {
		return errors.New("an IAM " + what + " is 1 to " + strconv.Itoa(max) + " of A-Z a-z 0-9 _ + = , . @ -")
	}
	return nil
}

// ValidUserName: an IAM user name, [\w+=,.@-]{1,64}.
func ValidUserName(s string) error { return iamName(s, "user name", 64) }

// ValidRoleName: an IAM role name, [\w+=,.@-]{1,64}.
func ValidRoleName(s string) error { return iamName(s, "role name", 64) }

// ValidGroupName: an IAM group name, [\w+=,.@-]{1,128}.
func ValidGroupName(s string) error { return iamName(s, "group name", 128) }

// ValidPolicyName: a managed or inline policy name, [\w+=,.@-]{1,128}.
func ValidPolicyName(s string) error { return iamName(s, "policy name", 128) }

// ValidPrincipalName is the user, role or group name rule of kind ("user",
// "role", "group").
func ValidPrincipalName(kind, s string) error {
	switch kind {
	case "user":
		return ValidUserName(s)
	case "role":
		return ValidRoleName(s)
	case "group":
		return ValidGroupName(s)
	}
	return errors.New("not an IAM user, role or group")
}

// ValidPath: an IAM path, / or /printable ASCII/ (no spaces), at most 512
// characters.
func ValidPath(s string) error {
	if len(s) > 512 || !iamPathRE.MatchString(s) {
		return errors.New("an IAM path is / or begins and ends with / and holds printable ASCII without spaces, at most 512 characters")
	}
	return nil
}

// ValidAccountID: 12 digits.
func ValidAccountID(s string) error {
	if !accountRE.MatchString(s) {
		return errAccount
	}
	return nil
}

// ValidRegion: a region name such as us-east-1, eu-central-2,
// us-gov-west-1, cn-northwest-1.
func ValidRegion(s string) error {
	if !regionRE.MatchString(s) {
		return errors.New("a region is like us-east-1: lower-case words and a number, separated by hyphens")
	}
	return nil
}

// ValidRepositoryName: an ECR repository name, 2 to 256 characters of
// (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*.
func ValidRepositoryName(s string) error {
	if len(s) < 2 || len(s) > 256 || !ecrRepoRE.MatchString(s) {
		return errors.New("an ECR repository name is 2 to 256 lower-case letters and digits, in parts separated by . _ - or /")
	}
	return nil
}

// ValidRootID: an organization root id, r- and 4 to 32 lower-case letters
// or digits.
func ValidRootID(s string) error {
	if !orgRootRE.MatchString(s) {
		return errors.New("an organization root id is r- and 4 to 32 lower-case letters or digits")
	}
	return nil
}

// ValidIAMARN: the ARN of an IAM user, role, group or managed policy (one
// of kinds), arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME, every part by its
// rule. The account of an AWS managed policy is "aws".
func ValidIAMARN(s string, kinds ...string) error {
	bad := errors.New("not the ARN of an IAM " + strings.Join(kinds, " or ") + ": arn:aws:iam::ACCOUNT:" + strings.Join(kinds, "|") + "/PATH/NAME")
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !partRE.MatchString(parts[1]) || parts[2] != "iam" || parts[3] != "" {
		return bad
	}
	kind, rest, ok := strings.Cut(parts[5], "/")
	if !ok || !slices.Contains(kinds, kind) {
		return bad
	}
	if parts[4] != "aws" || kind != "policy" {
		if err := ValidAccountID(parts[4]); err != nil {
			return bad
		}
	}
	i := strings.LastIndexByte(rest, '/')
	path, name := "/"+rest[:i+1], rest[i+1:]
	if err := ValidPath(path); err != nil {
		return errors.New("the ARN's path: " + err.Error())
	}
	var err error
	switch kind {
	case "user":
		err = ValidUserName(name)
	case "role":
		err = ValidRoleName(name)
	case "group":
		err = ValidGroupName(name)
	default:
		err = ValidPolicyName(name)
	}
	if err != nil {
		return errors.New("the ARN's name: " + err.Error())
	}
	return nil
}
