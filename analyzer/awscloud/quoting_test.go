package awscloud

import (
	"reflect"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

func TestAddCommandsQuotesAndRefuses(t *testing.T) {
	e := &policyEdit{holderKind: "user", holderName: "-erin", policyName: "release-manager"}
	var c remediate.Change
	e.addCommands(&c, false)
	want := [][]string{{"aws", "iam", "put-user-policy", "--user-name=-erin", "--policy-name", "release-manager", "--policy-document", "file://{artifact}"}}
	if !reflect.DeepEqual(c.Args, want) || c.Commands[0] != "aws iam put-user-policy --user-name=-erin --policy-name release-manager --policy-document 'file://{artifact}'" {
		t.Errorf("args %q, commands %q", c.Args, c.Commands)
	}

	// A managed policy whose path is odd but valid: quoted, also in the
	// comment of the manual step.
	arn := "arn:aws:iam::210987654321:policy/$(touch${IFS}PWNED)/p"
	m := &policyEdit{holderKind: "managed", holder: arn}
	var d remediate.Change
	m.addCommands(&d, true)
	if len(d.Commands) != 2 || d.Args[0][4] != arn || !strings.HasPrefix(d.Commands[1], "# ") || !strings.Contains(d.Commands[1], "'"+arn+"'") {
		t.Errorf("commands %q", d.Commands)
	}

	for _, bad := range []*policyEdit{
		{holderKind: "user", holderName: "erin$(touch PWNED)", policyName: "p"},
		{holderKind: "role", holderName: "r", policyName: "p;touch PWNED"},
		{holderKind: "group", holderName: strings.Repeat("g", 129), policyName: "p"},
		{holderKind: "managed", holder: "arn:aws:iam::210987654321:policy/a b"},
		{holderKind: "user;x", holderName: "u", policyName: "p"},
	} {
		var c remediate.Change
		bad.addCommands(&c, false)
		if len(c.Commands) != 0 || !c.Refused() {
			t.Errorf("%+v: commands %q", bad, c.Commands)
		}
	}
}

// The deny policy of a group with a long (valid) name would have a name
// over IAM's 128 characters: refused, not emitted.
func TestDenyPolicyNameLength(t *testing.T) {
	e := &policyEdit{holderKind: "group", holderName: strings.Repeat("g", 120), holder: "arn:aws:iam::210987654321:group/" + strings.Repeat("g", 120),
		account: "210987654321", policyName: "p"}
	c := e.denyPolicyChange(nil, map[string]bool{"ecr:PutImage": true}, 6000, 5120, "a group's inline policies")
	if len(c.Commands) != 0 || !c.Refused() {
		t.Errorf("commands %q", c.Commands)
	}
	e.holderName = "developers"
	c = e.denyPolicyChange(nil, map[string]bool{"ecr:PutImage": true}, 6000, 5120, "a group's inline policies")
	if len(c.Commands) != 2 || c.Args[1][4] != "developers" {
		t.Errorf("commands %q", c.Commands)
	}
}
