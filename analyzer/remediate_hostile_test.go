package analyzer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/shell"
)

// The hostile-input test: names from the inputs (users, groups,
// repositories, projects, folders, members, principal ids, assignment ids,
// conditions...) are renamed to values that run a command when they reach
// a shell unquoted, in every fix kind of every cloud; the demo is
// remediated, and commands.sh is run with aws, gcloud and az replaced by
// shell functions that record their arguments. The only command any
// payload runs is `touch PWNED` (or the redirection `:>PWNED`): a marker
// file, never anything else.

// allKinds are every fix kind of every cloud.
var allKinds = []string{
	awscloud.KindStatementSplit, awscloud.KindManagedSwap, awscloud.KindRepoPolicy, awscloud.KindBoundary, awscloud.KindSCP,
	gcpcloud.KindRoleNarrow, gcpcloud.KindBindingMove, gcpcloud.KindDenyPolicy,
	azurecloud.KindCustomRole, azurecloud.KindAssignmentNarrow,
}

// rename replaces a name everywhere in the JSON files of one demo
// directory (below the copy), JSON-escaped.
type rename struct {
	dir      string // "", "gcp" or "azure"
	old, new string
}

// refusal: a change of kind whose commands would carry value must have no
// command and a note naming it.
type refusal struct {
	kind, value string
}

type hostileCase struct {
	name     string
	renames  []rename
	approved map[string]string // imagewarden.approved_publishers entries by demo directory, before the renames
	kinds    []string
	refused  []refusal
	// emitted are hostile values that are valid names: they must reach a
	// stub intact, inside one argument.
	emitted []string
}

const (
	gcpBuilder   = "serviceAccount:image-builder@nw-image-factory.iam.gserviceaccount.com"
	gcpGolden    = "//artifactregistry.googleapis.com/projects/nw-image-factory/locations/europe-west1/repositories/golden-images"
	azureOmar    = "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173"
	azureGolden  = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.ContainerRegistry/registries/acrnwgolden"
	awsApproved  = "    - principal: \"arn:aws:iam::210987654321:role/image-pipeline\"\n      capabilities: [image.push, image.create, image.modify, image.share, pipeline.modify]\n    - principal: \"arn:aws:iam::210987654321:role/EC2ImageBuilderInstance\"\n      capabilities: [image.push]\n      resources: [\"arn:aws:ecr:*:210987654321:repository/golden/*\"]\n    - principal: \"arn:aws:iam::210987654321:role/ci-deployer\"\n      capabilities: [image.push]\n      resources: [\"arn:aws:ecr:*:210987654321:repository/apps/*\"]\n"
	gcpApproved  = "    - principal: \"" + gcpBuilder + "\"\n      capabilities: [image.push, image.modify]\n      resources: [\"" + gcpGolden + "\"]\n"
	azureApprove = "    - principal: \"" + azureOmar + "\"\n      resources: [\"" + azureGolden + "\"]\n"
	hostilePath  = "$(touch${IFS}PWNED)/`touch${IFS}PWNED`;touch${IFS}PWNED&&:>PWNED|'\"*~\\"
)

var hostileCases = []hostileCase{
	{
		// Values that cannot be real names: every one is refused, in
		// every fix kind.
		name: "invalid names are refused",
		renames: []rename{
			{"", "erin", "erin$(touch PWNED)"},
			{"", "developers", "developers\ntouch PWNED;touch PWNED"},
			{"", "legacy/jenkins-agent", "legacy/jenkins-agent\\`touch PWNED`"},
			{"", "OrganizationAccountAccessRole", "OrganizationAccountAccessRolé|touch PWNED"},
			{"", "r-ab12", "r-ab12 && touch PWNED"},
			// GCP resource names with white space are left out when the
			// inputs are read: these have none.
			{"gcp", "nw-shop-dev", "nw-shop-dev$(touch${IFS}PWNED)"},
			{"gcp", "user:contractor.sam@gmail.com", "user:contractor.sam@gmail.com\r'\"$(touch PWNED)\"'"},
			{"gcp", "golden-images", "golden-images&&:>PWNED"},
			{"gcp", "211400100002", "211400100002|touch${IFS}PWNED"},
			// Azure compares object ids in lower case.
			{"azure", azureOmar, azureOmar + ";touch pwned"},
			{"azure", "7727569e-48a8-41fe-a635-0555772804fd", "7727569e-48a8-41fe-a635-0555772804fd\u2028touch pwned"},
			{"azure", "fac3ef93-2401-49d2-b5e1-8ca8509104e1", "fac3ef93-2401-49d2-b5e1-8ca8509104e1' ; touch PWNED ; ' *~"},
		},
		approved: map[string]string{"": awsApproved, "gcp": gcpApproved, "azure": azureApprove},
		kinds:    allKinds,
		refused: []refusal{
			{awscloud.KindStatementSplit, "erin$(touch PWNED)"},
			{awscloud.KindManagedSwap, "developers\ntouch PWNED;touch PWNED"},
			{awscloud.KindRepoPolicy, "legacy/jenkins-agent\\`touch PWNED`"},
			{awscloud.KindBoundary, "OrganizationAccountAccessRolé|touch PWNED"},
			{awscloud.KindSCP, "r-ab12 && touch PWNED"},
			{gcpcloud.KindRoleNarrow, "nw-shop-dev$(touch${IFS}PWNED)"},
			{gcpcloud.KindRoleNarrow, "user:contractor.sam@gmail.com\r'\"$(touch PWNED)\"'"},
			{gcpcloud.KindBindingMove, "golden-images&&:>PWNED"},
			{gcpcloud.KindDenyPolicy, "folders/211400100002|touch${IFS}PWNED"},
			{azurecloud.KindAssignmentNarrow, azureOmar + ";touch pwned"},
			{azurecloud.KindCustomRole, "7727569e-48a8-41fe-a635-0555772804fd\u2028touch pwned"},
			{azurecloud.KindCustomRole, "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-golden-images/providers/Microsoft.Authorization/roleAssignments/fac3ef93-2401-49d2-b5e1-8ca8509104e1' ; touch PWNED ; ' *~"},
		},
	},
	{
		// Values that are valid names and still mean something to a
		// shell: every one reaches its program intact, as one argument.
		name: "valid names with shell characters are quoted",
		renames: []rename{
			{"", "arn:aws:iam::210987654321:policy/legacy-build", "arn:aws:iam::210987654321:policy/" + hostilePath + "/legacy-build"},
			{"", "erin", "-erin"},
			{"gcp", "user:vic@northwind.example", "user:o'vic@northwind.example"},
			{"gcp", "attribute.repository/northwind/shop", "attribute.repository/northwind/shop$(touch${IFS}PWNED)`touch${IFS}PWNED`;touch${IFS}PWNED|'\"\\"},
			{"gcp", "temporary access until 2027", "temporary, access'; touch PWNED; : '$(touch PWNED)|\"`"},
			{"gcp", "request.time < timestamp", "request.time <\n\ttimestamp"},
			{"azure", "Image Builder Operator", "Image Builder $(touch PWNED) `touch PWNED`; touch PWNED 'x' \"y\" | * ~ Operator"},
			{"azure", "rg-golden-images", "rg-gölden-(images)"},
		},
		approved: map[string]string{"": awsApproved, "gcp": gcpApproved},
		kinds:    allKinds[:len(allKinds)-1], // azure-assignment-narrow needs an approved Azure publisher
		emitted: []string{
			"arn:aws:iam::210987654321:policy/" + hostilePath + "/legacy-build",
			"--user-name=-erin",
			"--member=user:o'vic@northwind.example",
			"--member=principalSet://iam.googleapis.com/projects/730000000003/locations/global/workloadIdentityPools/github/attribute.repository/northwind/shop$(touch${IFS}PWNED)`touch${IFS}PWNED`;touch${IFS}PWNED|'\"\\",
			"--condition=^#^expression=request.time <\n\ttimestamp(\"2027-01-01T00:00:00Z\")#title=temporary, access'; touch PWNED; : '$(touch PWNED)|\"`",
			"Image Builder $(touch PWNED) `touch PWNED`; touch PWNED 'x' \"y\" | * ~ Operator without image writes",
			"/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-gölden-(images)",
		},
	},
}

// copyDemo copies the demo's JSON files (not its configuration) and
// applies the renames.
func copyDemo(t *testing.T, dst string, renames []rename) {
	t.Helper()
	src := filepath.Join(root(t), "testdata/demo")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dir := filepath.Dir(rel)
		if dir == "." {
			dir = ""
		}
		text := applyRenames(string(raw), dir, renames)
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(text), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// applyRenames renames, in text (JSON, or YAML with double-quoted
// strings) of the demo directory dir.
func applyRenames(text, dir string, renames []rename) string {
	for _, r := range renames {
		if r.dir == dir {
			text = strings.ReplaceAll(text, jsonEscape(r.old), jsonEscape(r.new))
		}
	}
	return text
}

// jsonEscape is s as the inside of a JSON (and YAML double-quoted) string,
// as the demo's files write it (<, > and & as they are).
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// stubs define aws, gcloud and az as functions that append their
// arguments to $IW_LOG as length-prefixed records (LEN:BYTES;), the
// argument count first; touch creates its files (so that a payload that
// escapes its quotes leaves its marker) without any program: PATH holds
// nothing.
const stubs = `IW_REC() { printf '%s:%s;' "${#1}" "$1" >>"$IW_LOG"; }
IW_STUB() { IW_REC "$#"; for IW_A; do IW_REC "$IW_A"; done; }
aws() {
	IW_STUB aws "$@"
	if [ "$1" = organizations ] && [ "$2" = create-policy ]; then echo ` + stubPolicyID + `; fi
}
gcloud() { IW_STUB gcloud "$@"; }
az() { IW_STUB az "$@"; }
touch() { for IW_F; do : >>"$IW_F"; done; }
`

// stubPolicyID is what the aws stub prints for create-policy: the value of
// POLICY_ID in the next command.
const stubPolicyID = "p-imagewardenstub"

// wrappers are the constant texts AddCommandLine may put around a
// command's quoted arguments, with the words they add to its arguments.
var wrappers = []struct {
	before, after string
	extra         []string
}{
	{"", "", nil},
	{"POLICY_ID=$(", ")", nil},
	{"", ` "$POLICY_ID"`, []string{stubPolicyID}},
	{"", "  # at most 5 versions: delete the oldest non-default one if needed", nil},
}

func parseCalls(t *testing.T, log []byte) [][]string {
	t.Helper()
	var recs []string
	for len(log) > 0 {
		i := bytes.IndexByte(log, ':')
		if i < 0 {
			t.Fatalf("malformed log: %q", log)
		}
		n, err := strconv.Atoi(string(log[:i]))
		if err != nil || len(log) < i+1+n+1 || log[i+1+n] != ';' {
			t.Fatalf("malformed log record: %q", log)
		}
		recs = append(recs, string(log[i+1:i+1+n]))
		log = log[i+1+n+1:]
	}
	var calls [][]string
	for len(recs) > 0 {
		n, err := strconv.Atoi(recs[0])
		if err != nil || len(recs) < n+1 {
			t.Fatalf("malformed call: %q", recs)
		}
		calls = append(calls, recs[1:n+1])
		recs = recs[n+1:]
	}
	return calls
}

func TestHostileNames(t *testing.T) {
	if testing.Short() {
		t.Skip("remediates the demo twice")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("no /bin/sh to run commands.sh with (%v)", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			in := filepath.Join(tmp, "inputs")
			copyDemo(t, in, tc.renames)
			approved := ""
			for _, dir := range []string{"", "gcp", "azure"} {
				approved += applyRenames(tc.approved[dir], dir, tc.renames)
			}
			data := filepath.Join(tmp, "approved.yaml")
			if err := os.WriteFile(data, []byte("imagewarden:\n  approved_publishers:\n"+approved), 0o644); err != nil {
				t.Fatal(err)
			}
			opts := analyzer.Options{Paths: []string{in}, DataFiles: []string{data}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			plan, _, err := analyzer.RemediateWith(context.Background(), opts, nil, analyzer.RemediateSettings{Together: true})
			if err != nil {
				t.Fatal(err)
			}

			// Every fix kind is there.
			byKind := map[string][]*remediate.Change{}
			for i := range plan.Changes {
				c := &plan.Changes[i]
				byKind[c.Kind] = append(byKind[c.Kind], c)
			}
			for _, k := range tc.kinds {
				if len(byKind[k]) == 0 {
					t.Errorf("no %s change: the hostile inputs must reach every fix kind", k)
				}
			}

			// Refused values: no command, and a note saying which.
			for _, r := range tc.refused {
				found := false
				for _, c := range byKind[r.kind] {
					for _, n := range c.Notes {
						if strings.Contains(n, remediate.QuoteValue(r.value)) && strings.Contains(n, "refused") {
							found = true
							if len(c.Commands) != 0 {
								t.Errorf("%s: %q was refused, yet the change has commands %q", c.ID, r.value, c.Commands)
							}
						}
					}
				}
				if !found {
					t.Errorf("no %s change notes that %q was refused", r.kind, r.value)
				}
			}

			// Every command is its quoted arguments, in constant text.
			var want [][]string
			for _, c := range plan.Changes {
				if len(c.Args) != len(c.Commands) {
					t.Fatalf("%s: %d commands, %d argument lists", c.ID, len(c.Commands), len(c.Args))
				}
				for i, cmd := range c.Commands {
					if c.Args[i] == nil {
						if !strings.HasPrefix(cmd, "# ") || strings.ContainsAny(cmd, "\n\r") {
							t.Errorf("%s: a command without arguments must be a one-line comment: %q", c.ID, cmd)
						}
						continue
					}
					joined := shell.Join(c.Args[i]...)
					ok := false
					for _, w := range wrappers {
						if cmd == w.before+joined+w.after {
							ok = true
							want = append(want, append(append([]string{}, c.Args[i]...), w.extra...))
							break
						}
					}
					if !ok {
						t.Errorf("%s: command %q is not its quoted arguments %q", c.ID, cmd, c.Args[i])
					}
				}
			}

			if len(want) < 20 {
				t.Fatalf("only %d commands to run: the hostile demo lost its changes", len(want))
			}

			// Run commands.sh past its guard, with the stubs.
			out := filepath.Join(tmp, "out")
			if err := remediate.Write(out, plan); err != nil {
				t.Fatal(err)
			}
			script, err := os.ReadFile(filepath.Join(out, remediate.CommandsFile))
			if err != nil {
				t.Fatal(err)
			}
			const guard = "echo 'review commands.sh and run the commands one by one' >&2\nexit 1\n"
			if !bytes.Contains(script, []byte(guard)) {
				t.Fatalf("commands.sh has no guard:\n%s", script)
			}
			checkComments(t, string(script))
			run := filepath.Join(tmp, "run.sh")
			if err := os.WriteFile(run, append([]byte(stubs), bytes.Replace(script, []byte(guard), nil, 1)...), 0o644); err != nil {
				t.Fatal(err)
			}
			home, bin := filepath.Join(tmp, "home"), filepath.Join(tmp, "empty-bin")
			os.MkdirAll(home, 0o755)
			os.MkdirAll(bin, 0o755)
			logFile := filepath.Join(tmp, "calls.log")
			cmd := exec.Command("/bin/sh", run)
			cmd.Dir = out
			cmd.Env = []string{"HOME=" + home, "PATH=" + bin, "LC_ALL=C", "IW_LOG=" + logFile}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			if err != nil {
				t.Errorf("commands.sh failed: %v\nstderr: %s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("commands.sh wrote to stderr (something other than a stub ran?):\n%s", stderr.String())
			}
			if len(bytes.TrimSpace(stdout)) > 0 {
				t.Errorf("commands.sh printed %q", stdout)
			}

			// Nothing but the stubs ran: no marker file anywhere.
			for _, dir := range []string{tmp, cwd} {
				filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err == nil && strings.Contains(strings.ToUpper(d.Name()), "PWNED") {
						t.Errorf("a payload ran: %s exists", p)
					}
					return nil
				})
			}

			// Every argument arrived intact.
			log, err := os.ReadFile(logFile)
			if err != nil && len(want) > 0 {
				t.Fatal(err)
			}
			got := parseCalls(t, log)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the stubs received other arguments than the changes' argument lists")
				for i := 0; i < max(len(got), len(want)); i++ {
					var g, w []string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("call %d:\n got  %q\n want %q", i, g, w)
						break
					}
				}
			}
			var all []string
			for _, call := range got {
				all = append(all, call...)
			}
			for _, v := range tc.emitted {
				found := false
				for _, a := range all {
					found = found || strings.Contains(a, v)
				}
				if !found {
					t.Errorf("no argument carried the valid name %q", v)
				}
			}
			if len(tc.emitted) == 0 {
				for _, a := range all {
					if strings.Contains(strings.ToUpper(a), "PWNED") {
						t.Errorf("an invalid name was emitted: %q", a)
					}
				}
			}
		})
	}
}

// checkComments: every line of commands.sh that is a comment stays one,
// whatever the notes, summaries and targets hold, and none holds a
// character a terminal or an editor could take for a line break or an
// escape sequence.
func checkComments(t *testing.T, script string) {
	t.Helper()
	n := 0
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, "#") {
			n++
			if strings.ContainsAny(l, "\r\v\f\x1b\u0085\u2028\u2029\u202e") {
				t.Errorf("comment line with a line-breaking or control character: %q", l)
			}
		}
	}
	if n == 0 {
		t.Error("commands.sh has no comment")
	}
}
