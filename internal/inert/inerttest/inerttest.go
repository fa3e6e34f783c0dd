// Package inerttest holds what the tests of every renderer share to check
// that hostile text from the inputs stays inert: the hostile names, inputs
// of the three clouds that carry them, and the checks of a terminal and a
// Markdown output. It is for tests only.
package inerttest

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The attacks one hostile name carries.
const (
	Title   = "\x1b]0;PWNED\x07"          // OSC 0: retitle the terminal (BEL-terminated)
	Clear   = "\x1b[2J"                   // CSI 2J: clear the screen
	Link    = "\x1b]8;;http://evil\x1b\\" // OSC 8: a hyperlink the terminal hides
	CR      = "\rcritical"                // overwrite the start of the line
	Bidi    = "\u202e\u2066"              // reorder what is shown (Trojan Source)
	Mention = "@org/team"                 // a GitHub team mention
	URL     = "https://evil.example/x"    // a GitHub autolink
	WWW     = "www.evil.example"          // an extended autolink
	Email   = "mallory@evil.example"      // an email autolink
	Markup  = "<script>alert(1)</script>" // HTML
	Formula = "=cmd|' /C calc'!A0"        // a spreadsheet formula (CSV injection)
	Angle   = "<https://evil.example/a>"  // a CommonMark autolink
	C1      = "\u009b2J"                  // 8-bit CSI
	Bell    = "\a"                        // BEL
	Issue   = "#1 GH-2"                   // GitHub issue references
	Forged  = "\nforged line"             // a line of its own
	attacks = Title + Clear + Link + CR + Bell + Bidi + Forged + " " + Mention + " " + URL + " " + WWW + " " + Email + " " + Markup + " " + Angle + " " + C1 + " " + Issue
)

// Name is a hostile name: base, to find it, then every attack, then the
// formula. A spreadsheet formula only works at the start of a cell:
// FormulaName puts it there.
func Name(base string) string { return base + attacks + " " + Formula }

// FormulaName starts with the spreadsheet formula.
func FormulaName(base string) string { return Formula + base + attacks }

// Segment is a hostile name without a slash, for a segment of a path (a
// GCP project ID, an Azure resource group): base, then every attack with
// backslashes for slashes.
func Segment(base string) string { return strings.ReplaceAll(Name(base), "/", `\`) }

// FileName is a hostile file name: every attack without a slash.
func FileName(base string) string {
	return base + Title + Clear + "\x1b]8;;evil\x1b\\" + CR + Bell + Bidi + Forged + " @org www.evil.example " + Email + " <script> " + strings.ReplaceAll(Formula, "/", `\`) + ".json"
}

// Fixture is a directory of inputs of the three clouds whose names carry
// the attacks, with the names used in it.
type Fixture struct {
	Dir string
	// AWS
	Account, User, UserARN, Role, RoleARN, Policy, Sid, RoleSid, ConditionKey, ConditionValue, Repo, RepoARN string
	// GCP
	Project, Member, Title string
	// Azure
	Subscription, ResourceGroup, PrincipalName, RoleName string
	// A file that is skipped, whose name and content are hostile.
	Skipped string
}

// Write writes the fixture into dir (a t.TempDir()).
func Write(t testing.TB, dir string) *Fixture {
	t.Helper()
	f := &Fixture{Dir: dir, Account: "111122223333"}
	f.User = Name("alice")
	f.UserARN = "arn:aws:iam::" + f.Account + ":user/" + f.User
	f.Role = Name("pusher")
	f.RoleARN = "arn:aws:iam::" + f.Account + ":role/" + f.Role
	f.Policy = Name("inline")
	f.Sid = Name("Sid")
	f.RoleSid = Name("RoleSid")
	f.ConditionKey = "aws:PrincipalTag/" + Name("key")
	f.ConditionValue = Name("value")
	f.Repo = Name("repo")
	f.RepoARN = "arn:aws:ecr:us-east-1:" + f.Account + ":repository/" + f.Repo

	stmt := func(sid, action, resource string, cond map[string]any) map[string]any {
		s := map[string]any{"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
		if cond != nil {
			s["Condition"] = cond
		}
		return s
	}
	doc := func(stmts ...map[string]any) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": stmts}
	}
	iam := map[string]any{
		"UserDetailList": []any{map[string]any{
			"Path": "/", "UserName": f.User, "UserId": "AIDAHOSTILE0000000001", "Arn": f.UserARN,
			"CreateDate": "2024-01-01T00:00:00Z", "GroupList": []any{}, "AttachedManagedPolicies": []any{},
			"UserPolicyList": []any{map[string]any{"PolicyName": f.Policy, "PolicyDocument": doc(
				stmt(f.Sid, "ecr:PutImage", f.RepoARN, map[string]any{"StringEquals": map[string]any{f.ConditionKey: f.ConditionValue}}),
				stmt(Name("Assume"), "sts:AssumeRole", f.RoleARN, nil),
			)}},
		}},
		"GroupDetailList": []any{},
		"RoleDetailList": []any{map[string]any{
			"Path": "/", "RoleName": f.Role, "RoleId": "AROAHOSTILE0000000001", "Arn": f.RoleARN,
			"CreateDate": "2024-01-01T00:00:00Z", "AttachedManagedPolicies": []any{}, "InstanceProfileList": []any{},
			"AssumeRolePolicyDocument": doc(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"AWS": f.UserARN}}),
			"RolePolicyList": []any{map[string]any{"PolicyName": Name("rolepolicy"), "PolicyDocument": doc(
				stmt(f.RoleSid, "ecr:*", "*", nil),
			)}},
		}},
		"Policies": []any{},
	}
	writeJSON(t, filepath.Join(dir, "aws", FileName("iam")), iam)
	writeJSON(t, filepath.Join(dir, "aws", "ecr-repositories.json"), map[string]any{"repositories": []any{map[string]any{
		"repositoryArn": f.RepoARN, "registryId": f.Account, "repositoryName": f.Repo,
		"repositoryUri": f.Account + ".dkr.ecr.us-east-1.amazonaws.com/" + f.Repo,
		"createdAt":     "2024-01-01T00:00:00Z", "imageTagMutability": "MUTABLE",
	}}})

	// Project IDs are checked when read (a hostile one is refused with a
	// warning, tested through the warnings); members and conditions are
	// free text.
	f.Project = "nw-hostile"
	f.Member = "user:" + Name("gina") + "@evil.example"
	f.Title = Name("condition")
	writeJSON(t, filepath.Join(dir, "gcp", "iam-policies.json"), []any{map[string]any{
		"assetType": "cloudresourcemanager.googleapis.com/Project",
		"resource":  "//cloudresourcemanager.googleapis.com/projects/" + f.Project,
		"project":   "projects/730000000099",
		"policy": map[string]any{"bindings": []any{
			map[string]any{"members": []any{f.Member}, "role": "roles/artifactregistry.writer"},
			map[string]any{"members": []any{"group:" + Name("team") + "@evil.example"}, "role": "roles/artifactregistry.writer",
				"condition": map[string]any{"title": f.Title, "expression": `request.time < timestamp("2030-01-01T00:00:00Z")` + " && \"" + Name("expr") + "\" != \"\""}},
		}},
	}})

	f.Subscription = "99999999-aaaa-4b5c-8d9e-0f1a2b3c4d5e"
	f.ResourceGroup = Segment("rg")
	f.PrincipalName = FormulaName("omar") + "@evil.example"
	f.RoleName = Name("Image Pusher")
	roleID := "/subscriptions/" + f.Subscription + "/providers/Microsoft.Authorization/roleDefinitions/0b5e8f0a-1111-4c4c-9d9d-000000000001"
	scope := "/subscriptions/" + f.Subscription + "/resourceGroups/" + f.ResourceGroup
	writeJSON(t, filepath.Join(dir, "azure", "role-definitions.json"), []any{map[string]any{
		"assignableScopes": []any{"/subscriptions/" + f.Subscription}, "description": Name("description"),
		"id": roleID, "name": "0b5e8f0a-1111-4c4c-9d9d-000000000001",
		"permissions": []any{map[string]any{"actions": []any{"Microsoft.ContainerRegistry/registries/*"}, "notActions": []any{},
			"dataActions": []any{"Microsoft.ContainerRegistry/registries/repositories/content/write"}, "notDataActions": []any{}}},
		"roleName": f.RoleName, "roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions",
	}})
	writeJSON(t, filepath.Join(dir, "azure", "role-assignments.json"), []any{map[string]any{
		"id":          scope + "/providers/Microsoft.Authorization/roleAssignments/7c1d4e2f-2222-4c4c-9d9d-000000000002",
		"name":        "7c1d4e2f-2222-4c4c-9d9d-000000000002",
		"principalId": "5a5a5a5a-3333-4c4c-9d9d-000000000003", "principalName": f.PrincipalName, "principalType": "User",
		"roleDefinitionId": roleID, "roleDefinitionName": f.RoleName, "scope": scope,
		"type": "Microsoft.Authorization/roleAssignments",
	}})

	f.Skipped = filepath.Join(dir, FileName("broken"))
	if err := os.WriteFile(f.Skipped, []byte("{\"not\": \""+Name("content")+"\"} trailing "+Title), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	if !strings.HasSuffix(path, ".json") {
		path += ".json"
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Terminal fails the test when out, printed to a terminal, could control
// it: a control character other than newline (and tab when tabs is
// true), a C1 control, a bidi control or line separator, or a byte that
// is not UTF-8; or when a newline of a name starts a line (in a table
// cell too).
func Terminal(t testing.TB, what, out string, tabs bool) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t│|"), Forged[1:]) {
			t.Errorf("%s: a name's newline starts a line: %q", what, l)
			break
		}
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s: not valid UTF-8 (a raw byte reaches the terminal):\n%q", what, firstBad(out))
		return
	}
	for i, c := range out {
		bad := c < 0x20 && c != '\n' && !(c == '\t' && tabs) || c == 0x7f || c >= 0x80 && c <= 0x9f ||
			c == 0x061c || c == 0x200e || c == 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 ||
			c == 0x2028 || c == 0x2029
		if bad {
			lo, hi := max(0, i-60), min(len(out), i+60)
			t.Errorf("%s: raw %U reaches the terminal at byte %d: %q", what, c, i, out[lo:hi])
			return
		}
	}
}

func firstBad(s string) string {
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && n == 1 {
			return s[max(0, i-60):min(len(s), i+60)]
		}
		i += n
	}
	return s
}

// What GitHub turns into a link, a mention or markup. Autolinks, mentions
// and references are found in the rendered text, after backslash escapes
// and entities are decoded: they are looked for there. Markup is looked
// for in the Markdown itself.
var (
	inText = []struct {
		what string
		re   *regexp.Regexp
	}{
		{"an @mention or email autolink", regexp.MustCompile(`@[\p{L}\p{N}_-]`)},
		{"a URL autolink", regexp.MustCompile(`(?i)(https?|ftp)://`)},
		{"a www autolink", regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])www\.`)},
		{"an issue reference", regexp.MustCompile(`(?i)(#|\bgh-)[0-9]`)},
	}
	inMarkdown = []struct {
		what string
		re   *regexp.Regexp
	}{
		{"an HTML tag or <autolink>", regexp.MustCompile(`<[A-Za-z/!?]`)},
		{"a link or image", regexp.MustCompile(`[^\\]\]\(`)},
	}
	backslashEscape = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
)

// Markdown fails the test when out, a GitHub comment, holds a live link,
// mention, reference or HTML (besides the renderer's own <sub> footer), or
// a terminal control.
func Markdown(t testing.TB, what, out string) {
	t.Helper()
	Terminal(t, what, out, false)
	md := strings.NewReplacer("<sub>", "", "</sub>", "").Replace(out)
	text := html.UnescapeString(backslashEscape.ReplaceAllString(md, "$1"))
	check := func(s string, res []struct {
		what string
		re   *regexp.Regexp
	}) {
		t.Helper()
		for _, l := range res {
			if loc := l.re.FindStringIndex(s); loc != nil {
				lo, hi := max(0, loc[0]-60), min(len(s), loc[1]+60)
				t.Errorf("%s: %s: %q", what, l.what, s[lo:hi])
			}
		}
	}
	check(md, inMarkdown)
	check(text, inText)
}
