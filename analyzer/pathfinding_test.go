package analyzer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	goldenfile "github.com/imagewarden/imagewarden/internal/golden"
)

const (
	pathfindingDir = "../../shared/datasets/pathfinding-paths"
	escalationDoc  = "../docs/escalation.md"

	// The coverage table of docs/escalation.md lies between these lines.
	coverageBegin = "<!-- BEGIN pathfinding coverage: generated from analyzer/pathfinding_coverage_test.go by `go test ./analyzer -run TestPathfindingCoverage -update`; do not edit -->"
	coverageEnd   = "<!-- END pathfinding coverage -->"
)

type pathfindingPath struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Category    string `yaml:"category"`
	Permissions struct {
		Required []struct {
			Permission string `yaml:"permission"`
		} `yaml:"required"`
	} `yaml:"permissions"`
}

func (p pathfindingPath) required() []string {
	var out []string
	for _, r := range p.Permissions.Required {
		out = append(out, r.Permission)
	}
	return out
}

// readPathfinding reads every path of the dataset, by id. It skips the
// test only when the dataset's directory does not exist; a directory that
// exists but holds no path, or a path without an id or permissions, fails.
func readPathfinding(t *testing.T, dir string) map[string]pathfindingPath {
	t.Helper()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s does not exist (../shared is beside the repository in the workplace and in CI)", dir)
	} else if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no path (<service>/<id>.yaml)", dir)
	}
	out := map[string]pathfindingPath{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p pathfindingPath
		if err := yaml.Unmarshal(neededSections(b), &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.ID == "" || len(p.Permissions.Required) == 0 {
			t.Fatalf("%s: no id or required permissions", f)
		}
		if _, dup := out[p.ID]; dup {
			t.Fatalf("%s: id %s appears twice in the dataset", f, p.ID)
		}
		out[p.ID] = p
	}
	return out
}

// checkCoverageRows checks escalationCoverage against the dataset: exactly
// one row per path of the dataset, no row for another id, a valid status,
// the edge a covered row claims, a reason for every row, no '|' or line
// break that would break the table.
func checkCoverageRows(rows []coverageRow, paths map[string]pathfindingPath) []string {
	var errs []string
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.ID] {
			errs = append(errs, r.ID+": more than one row")
		}
		seen[r.ID] = true
		if _, ok := paths[r.ID]; !ok {
			errs = append(errs, r.ID+": a row for a path that is not in the dataset")
		}
		switch r.Status {
		case statusExact, statusAssumed:
			if r.Edge == "" {
				errs = append(errs, r.ID+": a covered row names no edge kind")
			}
		case statusNotCovered:
		default:
			errs = append(errs, fmt.Sprintf("%s: status %q is not one of %q, %q, %q", r.ID, r.Status, statusExact, statusAssumed, statusNotCovered))
		}
		if strings.TrimSpace(r.How) == "" {
			errs = append(errs, r.ID+": no explanation (How)")
		}
		if strings.ContainsAny(r.How+r.Edge, "|\n") {
			errs = append(errs, r.ID+": '|' or a line break in the row")
		}
	}
	ids := make([]string, 0, len(paths))
	for id := range paths {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !seen[id] {
			errs = append(errs, fmt.Sprintf("%s (%s) is in the dataset but has no row in escalationCoverage", id, paths[id].Name))
		}
	}
	return errs
}

// TestPathfindingCoverage: every documented AWS escalation path has one
// row in escalationCoverage, and what the row claims is what the analysis
// finds on a fixture where an attacker holds exactly the path's required
// permissions (subtest per path id); the table of docs/escalation.md is
// rendered from the rows and from those findings (-update rewrites it).
func TestPathfindingCoverage(t *testing.T) {
	paths := readPathfinding(t, pathfindingDir)
	for _, e := range checkCoverageRows(escalationCoverage, paths) {
		t.Error(e)
	}
	for _, r := range escalationCoverage {
		for _, name := range r.Tests {
			if err := testExists(name); err != nil {
				t.Errorf("%s names %s: %v", r.ID, name, err)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	found := map[string]coverageFound{}
	for _, r := range escalationCoverage {
		p := paths[r.ID]
		t.Run(r.ID, func(t *testing.T) {
			f := findPath(t, p.required(), r.Lateral)
			found[r.ID] = f
			switch {
			case r.Status == statusNotCovered && f.found:
				t.Errorf("%s (%s) is marked %q but the analysis finds it: %s", r.ID, p.Name, r.Status, f.chain)
			case r.Status != statusNotCovered && !f.found:
				t.Errorf("%s (%s) is marked %q but the analysis finds no path from the attacker to image.push", r.ID, p.Name, r.Status)
			case r.Status == statusExact && f.assumed:
				t.Errorf("%s (%s) is marked %q but the chain found has an assumed edge: %s", r.ID, p.Name, r.Status, f.chain)
			case r.Status == statusAssumed && !f.assumed:
				t.Errorf("%s (%s) is marked %q but the chain found has no assumed edge (mark it %q): %s", r.ID, p.Name, r.Status, statusExact, f.chain)
			case f.found && !slices.Contains(f.kinds, r.Edge):
				t.Errorf("%s (%s) claims an edge of kind %s, but the chain found is %s", r.ID, p.Name, r.Edge, f.chain)
			}
			if !f.found {
				return
			}
			// The path's permissions the analysis does not need: with one of
			// them removed, is the attacker still found through the same kind
			// of edge, as surely? (Found otherwise, it is another path: without
			// iam:PassRole, codebuild-001's codebuild:StartBuild is
			// codebuild-002's takeover.)
			perms := p.required()
			if len(perms) < 2 {
				return
			}
			for i, perm := range perms {
				rest := append(append([]string(nil), perms[:i]...), perms[i+1:]...)
				if g := findPath(t, rest, r.Lateral); g.found && g.assumed == f.assumed && slices.Contains(g.kinds, r.Edge) {
					f.without = append(f.without, perm)
				}
			}
			found[r.ID] = f
		})
	}
	if t.Failed() {
		return
	}
	doc, err := os.ReadFile(escalationDoc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := spliceCoverage(doc, renderCoverage(escalationCoverage, paths, found))
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.Check(t, escalationDoc, got)
}

// TestCoverageTableRows: without the dataset too, the table of
// docs/escalation.md has exactly the rows of escalationCoverage, each once,
// with its status (the rest of the table needs the dataset and the
// analysis: TestPathfindingCoverage).
func TestCoverageTableRows(t *testing.T) {
	doc, err := os.ReadFile(escalationDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range compareCoverageTable(doc, escalationCoverage) {
		t.Error(e)
	}
}

// compareCoverageTable compares the table between the markers of doc
// with rows: the same ids, once each, with the same status.
func compareCoverageTable(doc []byte, rows []coverageRow) []string {
	begin := bytes.Index(doc, []byte(coverageBegin+"\n"))
	end := bytes.Index(doc, []byte(coverageEnd))
	if begin < 0 || end < begin {
		return []string{escalationDoc + ": the coverage table's markers are missing"}
	}
	want := map[string]string{}
	for _, r := range rows {
		want[r.ID] = r.Status
	}
	var errs []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(doc[begin+len(coverageBegin)+1:end]), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		id, status := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[3])
		if id == "path" || strings.HasPrefix(id, "---") {
			continue
		}
		switch st, ok := want[id]; {
		case seen[id]:
			errs = append(errs, id+": more than one row in "+escalationDoc)
		case !ok:
			errs = append(errs, id+": a row in "+escalationDoc+" that escalationCoverage does not have")
		case st != status:
			errs = append(errs, fmt.Sprintf("%s: %q in %s, %q in escalationCoverage", id, status, escalationDoc, st))
		}
		seen[id] = true
	}
	for _, r := range rows {
		if !seen[r.ID] {
			errs = append(errs, r.ID+": no row in "+escalationDoc)
		}
	}
	return errs
}

// TestCoverageRowsChecked: the row checks fail on a row missing, a row
// too many, a row twice and an invalid status (so that the coverage test
// can fail), on a small dataset made up here.
func TestCoverageRowsChecked(t *testing.T) {
	paths := map[string]pathfindingPath{"a-001": {ID: "a-001"}, "a-002": {ID: "a-002"}}
	ok := []coverageRow{{ID: "a-001", Status: statusExact, Edge: "pass-role", How: "x"}, {ID: "a-002", Status: statusNotCovered, How: "y"}}
	if errs := checkCoverageRows(ok, paths); len(errs) != 0 {
		t.Fatalf("valid rows refused: %v", errs)
	}
	for name, rows := range map[string][]coverageRow{
		"a path without a row": ok[:1],
		"a row without a path": append(slices.Clone(ok), coverageRow{ID: "a-003", Status: statusNotCovered, How: "z"}),
		"a row twice":          append(slices.Clone(ok), ok[1]),
		"an invalid status":    {ok[0], {ID: "a-002", Status: "modelled", How: "y"}},
		"no reason":            {ok[0], {ID: "a-002", Status: statusNotCovered}},
		"no edge":              {{ID: "a-001", Status: statusAssumed, How: "x"}, ok[1]},
		"a cell break":         {ok[0], {ID: "a-002", Status: statusNotCovered, How: "y | z"}},
	} {
		if errs := checkCoverageRows(rows, paths); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	table := func(lines ...string) []byte {
		return []byte("x\n" + coverageBegin + "\n| path | permissions | status |\n| --- | --- | --- |\n" + strings.Join(lines, "\n") + "\n" + coverageEnd + "\n")
	}
	if errs := compareCoverageTable(table("| a-001 | p | "+statusExact+" |", "| a-002 | p | "+statusNotCovered+" |"), ok); len(errs) != 0 {
		t.Errorf("a matching table refused: %v", errs)
	}
	for name, doc := range map[string][]byte{
		"a row missing from the table": table("| a-001 | p | " + statusExact + " |"),
		"a row too many in the table":  table("| a-001 | p | "+statusExact+" |", "| a-002 | p | "+statusNotCovered+" |", "| a-003 | p | "+statusNotCovered+" |"),
		"a row twice in the table":     table("| a-001 | p | "+statusExact+" |", "| a-002 | p | "+statusNotCovered+" |", "| a-002 | p | "+statusNotCovered+" |"),
		"another status in the table":  table("| a-001 | p | "+statusAssumed+" |", "| a-002 | p | "+statusNotCovered+" |"),
		"no markers":                   []byte("| a-001 | p | " + statusExact + " |\n"),
	} {
		if errs := compareCoverageTable(doc, ok); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := spliceCoverage([]byte("no markers\n"), []byte("| t |\n")); err == nil {
		t.Error("a document without the markers: accepted")
	}
	if err := testExists("analyzer.TestNoSuchTest"); err == nil {
		t.Error("a test that does not exist: accepted")
	}
	if err := testExists("analyzer.TestPathfindingCoverage"); err != nil {
		t.Error(err)
	}
}

// coverageFound is what the analysis found for one path.
type coverageFound struct {
	found, assumed bool
	kinds          []string // of the chain's steps, in order
	chain          string
	without        []string // required permissions the path is found without
}

// findPath analyses the fixture for perms and returns the attacker's path
// to image.push.
func findPath(t *testing.T, perms []string, lateral bool) coverageFound {
	t.Helper()
	dir := writeFiles(t, map[string]string{"iam.json": pathFixture(t, perms, lateral)})
	attacker := "arn:aws:iam::111122223333:user/attacker"
	if selfRole(perms) {
		attacker = "arn:aws:iam::111122223333:role/attacker"
	}
	p, ok := pathsOf(t, dir)[attacker+"|image.push"]
	if !ok {
		return coverageFound{}
	}
	f := coverageFound{found: true, assumed: p.Assumed}
	for _, s := range p.Steps {
		f.kinds = append(f.kinds, s.Kind)
	}
	f.chain = strings.Join(f.kinds, " → ")
	if t.Failed() || testing.Verbose() {
		b, _ := json.Marshal(p.Steps)
		t.Logf("%v: %s", perms, b)
	}
	return f
}

// renderCoverage is the Markdown table, one row per path by id.
func renderCoverage(rows []coverageRow, paths map[string]pathfindingPath, found map[string]coverageFound) []byte {
	sorted := slices.Clone(rows)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var b bytes.Buffer
	b.WriteString("| path | permissions | status | chain found | found without | how, or why not | other tests |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range sorted {
		f := found[r.ID]
		chain, without := "—", "—"
		if f.found {
			chain = f.chain
		}
		if len(f.without) > 0 {
			without = strings.Join(f.without, ", ")
		}
		tests := "—"
		if len(r.Tests) > 0 {
			tests = "`" + strings.Join(r.Tests, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.ID, strings.Join(paths[r.ID].required(), " + "), r.Status, chain, without, r.How, tests)
	}
	return b.Bytes()
}

// spliceCoverage replaces the lines between the markers of doc with table.
func spliceCoverage(doc, table []byte) ([]byte, error) {
	begin := bytes.Index(doc, []byte(coverageBegin+"\n"))
	end := bytes.Index(doc, []byte(coverageEnd))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("%s: the coverage table's markers are missing (%q ... %q)", escalationDoc, coverageBegin, coverageEnd)
	}
	begin += len(coverageBegin) + 1
	out := append([]byte(nil), doc[:begin]...)
	out = append(out, table...)
	return append(out, doc[end:]...), nil
}

// testExists checks that "dir.TestName" (dir relative to the repository's
// root) is a test function of a _test.go file there.
func testExists(name string) error {
	dir, fn, ok := strings.Cut(name, ".")
	if !ok || !strings.HasPrefix(fn, "Test") {
		return fmt.Errorf("%q is not DIR.TestName", name)
	}
	files, _ := filepath.Glob(filepath.Join("..", filepath.FromSlash(dir), "*_test.go"))
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == fn {
				return nil
			}
		}
	}
	return fmt.Errorf("no func %s in %s/*_test.go", fn, dir)
}

// selfRole: paths that change a role's own policies start from a role.
func selfRole(perms []string) bool {
	return len(perms) == 1 && (perms[0] == "iam:PutRolePolicy" || perms[0] == "iam:AttachRolePolicy")
}

// lateralResource is where a lateral path's permission is granted: on the
// target principal (or the policy it holds), not on the attacker.
func lateralResource(acct, perm string) string {
	switch perm {
	case "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile":
		return "arn:aws:iam::" + acct + ":user/victim"
	case "iam:CreatePolicyVersion":
		return "arn:aws:iam::" + acct + ":policy/target-policy"
	}
	return "arn:aws:iam::" + acct + ":role/target"
}

// pathFixture builds an account where an attacker holds exactly perms
// (on every resource, or with lateral on the target only), beside the
// principals a path needs: a role "target" that trusts the account and
// every service the permissions run or take over, a user "victim", a
// group with administrative access, and the attacker's own group and
// managed policy. The target and the victim can push images, except with
// lateral: then only rewriting their policies leads to image.push.
func pathFixture(t *testing.T, perms []string, lateral bool) string {
	t.Helper()
	const acct = "111122223333"
	services := map[string]bool{}
	for svc, acts := range awscloud.ServiceRunners() {
		for _, a := range acts {
			if slices.ContainsFunc(perms, func(p string) bool { return strings.EqualFold(a, p) }) {
				services[svc] = true
			}
		}
	}
	for svc, sets := range awscloud.ServiceTakeovers() {
		for _, set := range sets {
			for _, a := range set {
				if slices.ContainsFunc(perms, func(p string) bool { return strings.EqualFold(a, p) }) {
					services[svc] = true
				}
			}
		}
	}
	if len(services) == 0 {
		services["ec2.amazonaws.com"] = true
	}
	var trusted []string
	for svc := range services {
		trusted = append(trusted, svc)
	}
	sort.Strings(trusted)
	doc := func(effect string, actions []string) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": effect, "Action": actions, "Resource": "*"}}}
	}
	attackerDoc := doc("Allow", perms)
	if lateral {
		var sts []any
		for _, p := range perms {
			sts = append(sts, map[string]any{"Effect": "Allow", "Action": p, "Resource": lateralResource(acct, p)})
		}
		attackerDoc = map[string]any{"Version": "2012-10-17", "Statement": sts}
	}
	push := []any{map[string]any{"PolicyName": "push", "PolicyDocument": doc("Allow", []string{"ecr:PutImage"})}}
	if lateral {
		push = []any{map[string]any{"PolicyName": "read", "PolicyDocument": doc("Allow", []string{"s3:GetObject"})}}
	}
	managed := func(name string, d map[string]any) map[string]any {
		return map[string]any{"PolicyName": name, "Arn": "arn:aws:iam::" + acct + ":policy/" + name, "DefaultVersionId": "v1",
			"PolicyVersionList": []any{map[string]any{"VersionId": "v1", "IsDefaultVersion": true, "Document": d}}}
	}
	attached := func(name string) []any {
		return []any{map[string]any{"PolicyName": name, "PolicyArn": "arn:aws:iam::" + acct + ":policy/" + name}}
	}
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "sts:AssumeRole"},
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": trusted}, "Action": "sts:AssumeRole"},
	}}
	users := []any{
		map[string]any{"UserName": "victim", "Arn": "arn:aws:iam::" + acct + ":user/victim", "UserPolicyList": push},
	}
	target := map[string]any{"RoleName": "target", "Arn": "arn:aws:iam::" + acct + ":role/target", "AssumeRolePolicyDocument": trust, "RolePolicyList": push}
	policies := []any{managed("attacker-policy", attackerDoc)}
	if lateral {
		target["AttachedManagedPolicies"] = attached("target-policy")
		policies = append(policies, managed("target-policy", doc("Allow", []string{"s3:ListBucket"})))
	}
	roles := []any{target}
	if selfRole(perms) {
		roles = append(roles, map[string]any{"RoleName": "attacker", "Arn": "arn:aws:iam::" + acct + ":role/attacker",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
			"AttachedManagedPolicies":  attached("attacker-policy")})
	} else {
		users = append(users, map[string]any{"UserName": "attacker", "Arn": "arn:aws:iam::" + acct + ":user/attacker", "GroupList": []string{"attackers"}, "AttachedManagedPolicies": attached("attacker-policy")})
	}
	groups := []any{
		map[string]any{"GroupName": "attackers", "Arn": "arn:aws:iam::" + acct + ":group/attackers"},
		map[string]any{"GroupName": "admins", "Arn": "arn:aws:iam::" + acct + ":group/admins", "GroupPolicyList": []any{map[string]any{"PolicyName": "admin", "PolicyDocument": doc("Allow", []string{"*"})}}},
	}
	b, err := json.Marshal(map[string]any{"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// neededSections keeps the top-level sections the test reads (id, name,
// category, permissions): some files of the dataset repeat an unrelated
// key (learningEnvironments), which a strict YAML decoder refuses.
func neededSections(b []byte) []byte {
	var out []string
	keep := false
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && line[0] != ' ' && line[0] != '-' && line[0] != '#' {
			key, _, _ := strings.Cut(line, ":")
			keep = key == "id" || key == "name" || key == "category" || key == "permissions"
		}
		if keep {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
