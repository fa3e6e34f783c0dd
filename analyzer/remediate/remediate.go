// Package remediate is the cloud-neutral half of remediation (MITRE ATT&CK
// M1026, privileged account management): it turns findings into concrete,
// least-privilege changes, writes them as artifacts an engineer can review
// and apply, reads them back, and proves each one by re-analysis.
//
// The division of work:
//
//   - A cloud plug-in that can fix its findings implements Remediator. Plan
//     sees every (non-suppressed) finding of its cloud at once, so that two
//     findings fixed by one edit of the same policy get one Change, and
//     returns Changes. A Change is a serialisable edit of the plug-in's
//     *input model*: which object (Target, in the cloud's own terms), the
//     document Before and After, the CLI Commands that make the change for
//     real (never run by imagewarden), and Params the plug-in needs to
//     apply it again later. Apply replays a Change on freshly loaded inputs,
//     before evaluation. Universe and Holds describe a principal's
//     permissions, so that the framework can tell what else a change takes
//     away.
//   - This package gives every Change its ID and artifact file name
//     (Finalize), writes remediation.json, one artifact per change and
//     commands.sh (Write), reads a directory back (Read), and verifies
//     (Verify): it re-runs the whole analysis with each change alone and with
//     all changes together, through a Runner, and records in each Change the
//     findings that are gone and the other permissions that are lost.
//   - Attach copies the verified changes into Finding.Fixes for the
//     renderers.
//
// A finding counts as resolved when no finding with the same rule,
// principal, capability and chain remains (its Key): a fix that removes
// some of a finding's resources but not all leaves it unresolved, even
// though its fingerprint ID changes.
//
// "Other permissions" (Fix.Removes) are defined per principal: the plug-in
// lists, for every principal, the permissions worth probing (its Universe,
// before and after the change; the union is probed), and the framework
// reports every permission held before and not after, except those that
// belong to a capability of a finding of that principal the change
// resolves. Which permissions a universe holds is the plug-in's choice and
// is documented with it (for AWS: every action named in the principal's
// policies, the catalog actions their wildcards cover, and one made-up
// action per wildcard standing for the actions nobody listed).
//
// The package does no cloud-specific work and imports no plug-in: the
// RemediateRunner (analyzer/remediate_run.go) ties it to the analysis.
package remediate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/safefile"
	"github.com/imagewarden/imagewarden/internal/shell"
	"github.com/imagewarden/imagewarden/policies/glob"
)

// Change is one edit of the inputs that removes access. It is what
// remediation.json lists, and what `analyze --apply-remediation` replays.
type Change struct {
	// ID is stable: derived from the cloud, kind, target and the document
	// after the change (Finalize sets it).
	ID    string `json:"id"`
	Cloud string `json:"cloud"`
	// Kind: aws-statement-split, aws-managed-policy-swap,
	// aws-repository-policy, aws-scp-guardrail, aws-permission-boundary,
	// gcp-..., azure-...
	Kind string `json:"kind"`
	// Target names the edited object in the cloud's terms: a policy, an
	// attachment, a binding, a role assignment, an SCP.
	Target string `json:"target"`
	// Summary is one line for tables and CSV.
	Summary string `json:"summary"`
	// FindingIDs are the findings the plug-in means to resolve.
	FindingIDs []string `json:"finding_ids"`
	// Before and After are the documents (JSON or YAML text) as they are
	// and as they should be; Before is empty for a new object, After for a
	// removed one.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Artifact is the file, in the remediation directory, holding After
	// exactly as it should be applied (Finalize names it).
	Artifact string `json:"artifact,omitempty"`
	// Commands apply the change for real; imagewarden never runs them. A
	// plug-in adds them with AddCommand (never by formatting values into a
	// command line), writing {artifact} where the artifact's file name goes.
	Commands []string `json:"commands,omitempty"`
	// Args are the argument lists Commands were built from, unquoted, one
	// per command (nil for a comment line): what each program receives.
	// Set while planning, for tests and callers that run programs
	// themselves; remediation.json does not hold them.
	Args [][]string `json:"-"`
	// Params carry what Apply needs besides Target and After.
	Params map[string]string `json:"params,omitempty"`
	// Notes are caveats for the reviewer (size limits, shared policies).
	Notes []string `json:"notes,omitempty"`
	// Verification is what re-analysis with this change alone showed.
	Verification *Verification `json:"verification,omitempty"`

	// refused: a value the commands need cannot be a real name, so the
	// change has no commands (Refuse).
	refused bool
}

// ArtifactPlaceholder is written in a command's arguments where the
// artifact's file name goes; Finalize replaces it.
const ArtifactPlaceholder = "{artifact}"

// AddCommand appends the command that runs args[0] with the arguments
// args[1:], each quoted for sh (shell.Join): whatever a value read from
// the inputs holds, the program gets it as one argument, byte for byte,
// and nothing else runs. Values a plug-in reads from the inputs are
// checked first (Check); once a value is refused, the change gets no
// command.
func (c *Change) AddCommand(args ...string) { c.AddCommandLine("", args, "") }

// AddCommandLine is AddCommand with constant shell text around the
// command: before + shell.Join(args...) + after, e.g. "POLICY_ID=$(" and
// ")" to keep the command's output for the next one, or a trailing
// comment. before and after are written as they are: they must be
// constants of the plug-in, never a value of the inputs.
func (c *Change) AddCommandLine(before string, args []string, after string) {
	if c.refused || len(args) == 0 {
		return
	}
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			c.Refuse("argument", a, errors.New("it holds a NUL byte, which no command argument can"))
			return
		}
	}
	c.Commands = append(c.Commands, before+shell.Join(args...)+after)
	c.Args = append(c.Args, append([]string(nil), args...))
}

// Options turns option names and values, in pairs, into arguments:
// "--name", "value"; or "--name=value" when the value starts with "-",
// which the clouds' CLIs would otherwise take for an option of their own.
func Options(pairs ...string) []string {
	if len(pairs)%2 != 0 {
		panic("remediate.Options: an option without a value")
	}
	out := make([]string, 0, len(pairs))
	for i := 0; i < len(pairs); i += 2 {
		if strings.HasPrefix(pairs[i+1], "-") {
			out = append(out, pairs[i]+"="+pairs[i+1])
		} else {
			out = append(out, pairs[i], pairs[i+1])
		}
	}
	return out
}

// Command is the argument list of words followed by the options (pairs,
// as Options takes them).
func Command(words []string, options ...string) []string {
	return append(append([]string(nil), words...), Options(options...)...)
}

// AddComment appends a comment line for a step done by hand (text is
// folded onto one line: it cannot end the comment).
func (c *Change) AddComment(text string) {
	if c.refused {
		return
	}
	c.Commands = append(c.Commands, shell.Comment(text))
	c.Args = append(c.Args, nil)
}

// Check refuses value (see Refuse) when err, the verdict of the cloud's
// name rules on it, is not nil; it reports whether the value is accepted.
func (c *Change) Check(what, value string, err error) bool {
	if err != nil {
		c.Refuse(what, value, err)
		return false
	}
	return true
}

// Refuse records that a value the change's commands would carry cannot be
// a real name (what says which value: "IAM user name", "project id"...,
// why says why): the change loses every command (half of a change can be
// worse than none) and gets a note naming the value, escaped, and why.
// The change itself stays, for review and for `analyze
// --apply-remediation`.
func (c *Change) Refuse(what, value string, why error) {
	c.refused = true
	c.Commands, c.Args = nil, nil
	if n := RefusalNote(what, value, why); !slices.Contains(c.Notes, n) {
		c.Notes = append(c.Notes, n)
	}
}

// Refused reports whether a value of the change was refused (Refuse).
func (c *Change) Refused() bool { return c.refused }

// RefusalNote is the note of a refused value, one harmless line: the value
// as QuoteValue writes it, and why.
func RefusalNote(what, value string, why error) string {
	reason := "it is not valid"
	if why != nil {
		reason = why.Error()
	}
	return shell.OneLine(fmt.Sprintf("no commands: the %s %s was refused: %s; check the input, and make this change by hand", what, QuoteValue(value), reason))
}

// QuoteValue writes a value of the inputs for a note: as a Go string
// literal in ASCII (every control, line-separating or non-ASCII character
// escaped); a value over 120 bytes as its first and last 60, quoted each,
// around "...".
func QuoteValue(v string) string {
	if len(v) > 120 {
		return strconv.QuoteToASCII(v[:60]) + "..." + strconv.QuoteToASCII(v[len(v)-60:])
	}
	return strconv.QuoteToASCII(v)
}

// Verification is the outcome of re-analysis.
type Verification struct {
	// Resolved are the findings gone (by Key) after the change, sorted.
	Resolved []string `json:"resolved"`
	// Unresolved are FindingIDs still present.
	Unresolved []string `json:"unresolved,omitempty"`
	// Introduced are findings present only after the change (should be
	// none).
	Introduced []string `json:"introduced,omitempty"`
	// Removes are the other permissions lost: "PERMISSION for PRINCIPAL".
	Removes []string `json:"removes,omitempty"`
}

// Plan is remediation.json.
type Plan struct {
	Tool          string        `json:"tool"`
	FormatVersion int           `json:"format_version"`
	Changes       []Change      `json:"changes"`
	All           *Verification `json:"all_changes,omitempty"`
}

// PlanFile is the name of the plan in a remediation directory.
const PlanFile = "remediation.json"

// CommandsFile is the shell script of every change's commands.
const CommandsFile = "commands.sh"

// Permission is one thing a principal may do, for Removes: an action
// (permission, operation) anywhere (Resource empty) or on one resource.
type Permission struct {
	Action   string `json:"action"`
	Resource string `json:"resource,omitempty"`
}

func (p Permission) String() string {
	if p.Resource == "" {
		return p.Action
	}
	return p.Action + " on " + p.Resource
}

// Grants lists the Allow grants of one policy type (a plug-in's own:
// "allow_policy", "role_assignment", ...) behind a finding: its targets'
// and, for transitive access, those of the chain's first step, the one the
// finding's principal takes itself.
func Grants(f *model.Finding, policyType string) []model.Grant {
	var out []model.Grant
	add := func(gs []model.Grant) {
		for _, g := range gs {
			if g.PolicyType == policyType && g.Effect == "Allow" {
				out = append(out, g)
			}
		}
	}
	for _, t := range f.Targets {
		add(t.Via)
	}
	if len(f.Path) > 0 && f.Path[0].From == f.PrincipalID {
		add(f.Path[0].Via)
	}
	return out
}

// Remediator is what a cloud plug-in implements to fix its findings.
type Remediator interface {
	Cloud() string
	// Plan returns the changes that remove the access of the findings (all
	// of this plug-in's cloud, none suppressed), after evaluation.
	Plan(findings []*model.Finding, env *Env) []Change
	// Apply replays a change of this cloud on freshly loaded inputs,
	// before evaluation.
	Apply(c Change) error
	// Universe lists, by principal ID, the permissions to probe for
	// Removes (after Apply, if any).
	Universe() map[string][]Permission
	// Holds decides one permission of a principal (allowed or
	// conditional).
	Holds(principal string, p Permission) bool
}

// Env is what planning needs besides the findings.
type Env struct {
	Catalog  *catalog.Catalog
	Approved []Approved
}

// Approved is an approved publisher entry of the rules' data
// (imagewarden.approved_publishers): principal glob, capabilities (all when
// empty) and resource globs (all when empty).
type Approved struct {
	Principal    string   `json:"principal" yaml:"principal"`
	Capabilities []string `json:"capabilities,omitempty" yaml:"capabilities"`
	Resources    []string `json:"resources,omitempty" yaml:"resources"`
}

// Covers reports whether the entry approves principal for capability (on
// some resources at least).
func (a Approved) Covers(principal, capability string) bool {
	if !glob.Match(a.Principal, principal) {
		return false
	}
	if len(a.Capabilities) == 0 {
		return true
	}
	for _, c := range a.Capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

// ApprovedResources says where principal is an approved publisher for
// capability: everywhere (all), on these resource globs, or nowhere (nil).
func (e *Env) ApprovedResources(principal, capability string) (all bool, resources []string) {
	seen := map[string]bool{}
	for _, a := range e.Approved {
		if !a.Covers(principal, capability) {
			continue
		}
		if len(a.Resources) == 0 {
			return true, nil
		}
		for _, r := range a.Resources {
			if !seen[r] {
				seen[r] = true
				resources = append(resources, r)
			}
		}
	}
	return false, resources
}

// ApprovedFor lists the approved principal globs for a capability, sorted,
// with the resources each is limited to ("" key: everywhere).
func (e *Env) ApprovedFor(capability string) []Approved {
	var out []Approved
	for _, a := range e.Approved {
		if len(a.Capabilities) == 0 {
			out = append(out, a)
			continue
		}
		for _, c := range a.Capabilities {
			if c == capability {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// ApprovedFrom reads the approved publishers from the rules' data
// (rules.LoadData, with the configuration's added): the same list the
// rules use, so that a fix never takes away what the rules approve.
func ApprovedFrom(data map[string]any) ([]Approved, error) {
	iw, _ := data["imagewarden"].(map[string]any)
	raw, err := json.Marshal(iw["approved_publishers"])
	if err != nil {
		return nil, err
	}
	var out []Approved
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("imagewarden.approved_publishers: %v", err)
	}
	return out, nil
}

// Key identifies a finding across analyses: rule, principal, capability and
// the chain, but not the resources.
func Key(f *model.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s", f.RuleID, f.PrincipalID, f.Capability)
	for _, e := range f.Path {
		fmt.Fprintf(&b, "\x00%s>%s:%s", e.From, e.To, e.Kind)
	}
	return b.String()
}

// Finalize gives every change its ID and artifact name, sorts the changes
// (cloud, kind, target) and their finding IDs, and drops exact duplicates.
func Finalize(changes []Change) []Change {
	seen := map[string]int{}
	out := []Change{}
	for _, c := range changes {
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", c.Cloud, c.Kind, c.Target, c.After)
		c.ID = c.Kind + "-" + hex.EncodeToString(h.Sum(nil))[:10]
		if i, ok := seen[c.ID]; ok {
			// The same edit planned twice: one change, for both sets of findings.
			out[i].FindingIDs = sortedUnique(append(out[i].FindingIDs, c.FindingIDs...))
			continue
		}
		seen[c.ID] = len(out)
		if c.After != "" && c.Artifact == "" {
			c.Artifact = c.ID + ".json"
		}
		// The artifact's name goes into command lines unquoted: it must be
		// one of the plain names Finalize makes (KIND-HEX.json).
		if c.Artifact != "" && !SafeFileName(c.Artifact) {
			c.Refuse("artifact file name", c.Artifact, errors.New("not a plain file name of A-Z a-z 0-9 . _ -"))
			c.Artifact = ""
		}
		c.substituteArtifact()
		c.FindingIDs = sortedUnique(c.FindingIDs)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Cloud != b.Cloud {
			return a.Cloud < b.Cloud
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.ID < b.ID
	})
	return out
}

// SafeFileName reports whether name is a plain file name that needs no
// quoting in a command line: A-Z a-z 0-9 . _ -, not starting with . or -,
// at most 255 bytes.
func SafeFileName(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return shell.Quote(name) == name
}

// substituteArtifact puts the artifact's (safe) name where the commands
// say {artifact}. A command built by AddCommand is built again from its
// arguments, so that an argument like file://{artifact} stays one bare
// word (file://KIND-HEX.json); other commands get the name in place,
// which is safe since the name needs no quoting.
func (c *Change) substituteArtifact() {
	if len(c.Commands) == 0 {
		return
	}
	cmds := append([]string(nil), c.Commands...)
	var args [][]string
	if len(c.Args) == len(c.Commands) {
		args = make([][]string, len(c.Args))
		copy(args, c.Args)
	}
	for i, cmd := range cmds {
		if !strings.Contains(cmd, ArtifactPlaceholder) {
			continue
		}
		if args != nil && args[i] != nil {
			joined := shell.Join(args[i]...)
			if k := strings.Index(cmd, joined); k >= 0 {
				sub := make([]string, len(args[i]))
				for j, a := range args[i] {
					sub[j] = strings.ReplaceAll(a, ArtifactPlaceholder, c.Artifact)
				}
				args[i] = sub
				cmds[i] = cmd[:k] + shell.Join(sub...) + cmd[k+len(joined):]
				continue
			}
		}
		cmds[i] = strings.ReplaceAll(cmd, ArtifactPlaceholder, c.Artifact)
	}
	c.Commands = cmds
	if args != nil {
		c.Args = args
	}
}

func sortedUnique(in []string) []string {
	m := map[string]bool{}
	var out []string
	for _, s := range in {
		if !m[s] {
			m[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Write writes the plan into dir: remediation.json, one artifact per change
// (After, byte for byte) and commands.sh.
func Write(dir string, plan *Plan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	plan.Tool = "imagewarden"
	plan.FormatVersion = 1
	for _, c := range plan.Changes {
		if c.Artifact == "" {
			continue
		}
		if c.Artifact != filepath.Base(c.Artifact) || strings.HasPrefix(c.Artifact, ".") {
			return fmt.Errorf("change %s: artifact name %q must be a plain file name", c.ID, c.Artifact)
		}
		if err := safefile.WriteFile(filepath.Join(dir, c.Artifact), []byte(ensureNewline(c.After)), 0o644); err != nil {
			return err
		}
	}
	raw, err := MarshalPlan(plan)
	if err != nil {
		return err
	}
	if err := safefile.WriteFile(filepath.Join(dir, PlanFile), raw, 0o644); err != nil {
		return err
	}
	return safefile.WriteFile(filepath.Join(dir, CommandsFile), []byte(Script(plan)), 0o644)
}

// MarshalPlan is the text of remediation.json.
func MarshalPlan(plan *Plan) ([]byte, error) {
	raw, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(raw, '\n'), nil
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// Script is commands.sh: every change's commands, commented, to be read and
// run by a person. It exits at once if run as is.
//
// Every comment line goes through oneLine, so that no text of the inputs
// (a summary, a target, a note) can end its comment; the commands are the
// plug-ins' (AddCommand quotes every argument), and a command that is a
// comment is folded the same way.
func Script(plan *Plan) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("# Remediation commands written by imagewarden. Review every change (remediation.json,\n")
	b.WriteString("# and the artifact files next to this script) before running anything: imagewarden\n")
	b.WriteString("# never runs these. Run them from this directory; artifact paths are relative to it.\n")
	b.WriteString("echo 'review commands.sh and run the commands one by one' >&2\nexit 1\n")
	for _, c := range plan.Changes {
		fmt.Fprintf(&b, "\n# %s (%s)\n# %s\n# target: %s\n", oneLine(c.ID), oneLine(c.Kind), oneLine(c.Summary), oneLine(c.Target))
		if len(c.FindingIDs) > 0 {
			fmt.Fprintf(&b, "# resolves: %s\n", oneLine(strings.Join(c.FindingIDs, " ")))
		}
		if v := c.Verification; v != nil && len(v.Removes) > 0 {
			fmt.Fprintf(&b, "# also removes: %s\n", oneLine(strings.Join(v.Removes, "; ")))
		}
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "# note: %s\n", oneLine(n))
		}
		for _, cmd := range c.Commands {
			if t := strings.TrimLeft(cmd, " \t"); strings.HasPrefix(t, "#") {
				cmd = shell.Comment(strings.TrimPrefix(t, "#"))
			}
			b.WriteString(cmd + "\n")
		}
	}
	return b.String()
}

// oneLine folds text for a comment line of commands.sh: white space of any
// kind (newline, CR, vertical tab, form feed, NEL, U+2028, U+2029...)
// becomes one space, other control and formatting characters U+FFFD
// (shell.OneLine).
func oneLine(s string) string { return shell.OneLine(s) }

// Read reads a remediation directory written by Write (or a plan file), and
// checks that every artifact still matches its change's After, so that an
// edited artifact is applied as edited.
func Read(path string) (*Plan, error) {
	dir, file := path, filepath.Join(path, PlanFile)
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir, file = filepath.Dir(path), path
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var plan Plan
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plan); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if plan.Tool != "imagewarden" {
		return nil, fmt.Errorf("%s: not an imagewarden remediation plan", file)
	}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if c.ID == "" || c.Cloud == "" || c.Kind == "" {
			return nil, fmt.Errorf("%s: changes[%d]: id, cloud and kind are required", file, i)
		}
		if c.Artifact == "" {
			continue
		}
		if c.Artifact != filepath.Base(c.Artifact) {
			return nil, fmt.Errorf("%s: change %s: artifact %q must be a plain file name", file, c.ID, c.Artifact)
		}
		art, err := os.ReadFile(filepath.Join(dir, c.Artifact))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("change %s: artifact %s is missing", c.ID, c.Artifact)
		}
		if err != nil {
			return nil, err
		}
		// The artifact is what gets applied: an engineer may have edited it.
		// An empty or broken one is refused: applied, it would read as
		// "delete the policy" or fail half-way.
		if len(bytes.TrimSpace(art)) == 0 {
			return nil, fmt.Errorf("change %s: artifact %s is empty: restore it from remediation.json (after) or remove the change", c.ID, c.Artifact)
		}
		if strings.EqualFold(filepath.Ext(c.Artifact), ".json") && !json.Valid(art) {
			return nil, fmt.Errorf("change %s: artifact %s is not valid JSON: %v", c.ID, c.Artifact, jsonError(art))
		}
		c.After = strings.TrimSuffix(string(art), "\n")
	}
	return &plan, nil
}

// Applied is what `analyze --apply-remediation` adds to its report: the
// plan it applied, and the findings of the unchanged analysis that are gone
// (with the fixes that removed them, their Removes included) or new.
type Applied struct {
	Plan    string   `json:"plan"`
	Changes []string `json:"changes"`
	// Resolved are the findings of the analysis without the changes that
	// the analysis with them no longer has.
	Resolved []model.Finding `json:"resolved"`
	// Introduced are findings only the analysis with the changes has
	// (typically transitive access the direct access used to hide).
	Introduced []string `json:"introduced,omitempty"`
	// Removes are the other permissions the applied changes take away, as
	// recorded when they were verified.
	Removes []string `json:"removes,omitempty"`
}

// Outcome is one analysis, with or without changes.
type Outcome struct {
	Findings    []model.Finding
	Remediators []Remediator
}

// Runner re-runs the analysis with changes applied to freshly loaded inputs.
type Runner interface {
	Run(ctx context.Context, changes []Change) (*Outcome, error)
}

// Verify re-analyses with each change alone and with all of them, and
// records the results: each change's Verification, and plan.All. base is
// the analysis without changes; cat tells which capability an action gives.
func Verify(ctx context.Context, r Runner, base *Outcome, plan *Plan, cat *catalog.Catalog) error {
	return verify(ctx, r, base, plan, cat, true)
}

// VerifyTogether is Verify without the analysis of each change alone: one
// analysis instead of one per change, for large organisations. Changes
// then have no Verification; plan.All says what they do together.
func VerifyTogether(ctx context.Context, r Runner, base *Outcome, plan *Plan, cat *catalog.Catalog) error {
	return verify(ctx, r, base, plan, cat, false)
}

func verify(ctx context.Context, r Runner, base *Outcome, plan *Plan, cat *catalog.Catalog, each bool) error {
	// The analysis without changes is compared with every other: decide its
	// permissions once.
	memo := &Outcome{Findings: base.Findings}
	for _, rm := range base.Remediators {
		memo.Remediators = append(memo.Remediators, &memoized{Remediator: rm, holds: map[string]map[Permission]bool{}})
	}
	base = memo
	for i := range plan.Changes {
		if !each {
			break
		}
		c := &plan.Changes[i]
		out, err := r.Run(ctx, []Change{*c})
		if err != nil {
			return fmt.Errorf("verify %s: %w", c.ID, err)
		}
		c.Verification = compare(base, out, c.FindingIDs, cat)
	}
	if len(plan.Changes) == 0 {
		return nil
	}
	out, err := r.Run(ctx, plan.Changes)
	if err != nil {
		return fmt.Errorf("verify all changes: %w", err)
	}
	var want []string
	for _, c := range plan.Changes {
		want = append(want, c.FindingIDs...)
	}
	plan.All = compare(base, out, want, cat)
	return nil
}

// memoized remembers a remediator's universe and decisions.
type memoized struct {
	Remediator
	universe map[string][]Permission
	holds    map[string]map[Permission]bool
}

func (m *memoized) Universe() map[string][]Permission {
	if m.universe == nil {
		m.universe = m.Remediator.Universe()
	}
	return m.universe
}

func (m *memoized) Holds(principal string, p Permission) bool {
	byP := m.holds[principal]
	if byP == nil {
		byP = map[Permission]bool{}
		m.holds[principal] = byP
	}
	v, ok := byP[p]
	if !ok {
		v = m.Remediator.Holds(principal, p)
		byP[p] = v
	}
	return v
}

// Resolved lists the IDs of base's findings that after no longer has (by
// Key), sorted.
func Resolved(base, after []model.Finding) []string {
	left := map[string]bool{}
	for i := range after {
		left[Key(&after[i])] = true
	}
	var out []string
	for i := range base {
		if !left[Key(&base[i])] {
			out = append(out, base[i].ID)
		}
	}
	return sortedUnique(out)
}

// Introduced lists the IDs of after's findings that base did not have.
func Introduced(base, after []model.Finding) []string {
	return Resolved(after, base)
}

func compare(base, after *Outcome, want []string, cat *catalog.Catalog) *Verification {
	v := &Verification{Resolved: Resolved(base.Findings, after.Findings), Introduced: Introduced(base.Findings, after.Findings)}
	gone := map[string]bool{}
	for _, id := range v.Resolved {
		gone[id] = true
	}
	for _, id := range want {
		if !gone[id] {
			v.Unresolved = append(v.Unresolved, id)
		}
	}
	v.Unresolved = sortedUnique(v.Unresolved)
	if v.Resolved == nil {
		v.Resolved = []string{}
	}
	// Capabilities whose loss is the point, by principal.
	fixed := map[string]map[string]bool{}
	for i := range base.Findings {
		f := &base.Findings[i]
		if !gone[f.ID] {
			continue
		}
		if fixed[f.PrincipalID] == nil {
			fixed[f.PrincipalID] = map[string]bool{}
		}
		fixed[f.PrincipalID][f.Capability] = true
	}
	v.Removes = Removes(base.Remediators, after.Remediators, fixed, cat)
	return v
}

// Removes lists the permissions held before and not after, per principal,
// except the actions of the capabilities fixed for that principal.
func Removes(before, after []Remediator, fixed map[string]map[string]bool, cat *catalog.Catalog) []string {
	byCloud := map[string]Remediator{}
	for _, r := range after {
		byCloud[r.Cloud()] = r
	}
	var out []string
	for _, b := range before {
		a := byCloud[b.Cloud()]
		if a == nil {
			continue
		}
		ub, ua := b.Universe(), a.Universe()
		principals := map[string]bool{}
		for p := range ub {
			principals[p] = true
		}
		for p := range ua {
			principals[p] = true
		}
		for p := range principals {
			seen := map[Permission]bool{}
			for _, perm := range append(append([]Permission{}, ub[p]...), ua[p]...) {
				if seen[perm] {
					continue
				}
				seen[perm] = true
				if imageAction(cat, b.Cloud(), perm.Action, fixed[p]) {
					continue
				}
				if b.Holds(p, perm) && !a.Holds(p, perm) {
					out = append(out, perm.String()+" for "+p)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func imageAction(cat *catalog.Catalog, cloud, action string, caps map[string]bool) bool {
	if cat == nil || len(caps) == 0 {
		return false
	}
	for _, e := range cat.Lookup(cloud, action) {
		if caps[e.Capability] {
			return true
		}
	}
	return false
}

// Attach puts each verified change into the Fixes of the findings it
// resolves (or means to): the narrowest first (fewest findings resolved),
// so that a finding's first fix is its own, and organisation-wide
// guardrails come last.
func Attach(findings []model.Finding, plan *Plan) {
	byID := map[string][]int{}
	for i := range findings {
		byID[findings[i].ID] = append(byID[findings[i].ID], i)
	}
	order := append([]Change{}, plan.Changes...)
	reach := func(c Change) int {
		if c.Verification != nil && len(c.Verification.Resolved) > 0 {
			return len(c.Verification.Resolved)
		}
		return len(c.FindingIDs)
	}
	sort.SliceStable(order, func(i, j int) bool { return reach(order[i]) < reach(order[j]) })
	for _, c := range order {
		ids := append([]string{}, c.FindingIDs...)
		if c.Verification != nil {
			ids = append(ids, c.Verification.Resolved...)
		}
		fix := model.Fix{Kind: c.Kind, Summary: c.Summary, Target: c.Target, Before: c.Before, After: c.After,
			Artifact: c.Artifact, Commands: c.Commands}
		if c.Verification != nil {
			fix.Removes = c.Verification.Removes
		}
		for _, id := range sortedUnique(ids) {
			for _, i := range byID[id] {
				findings[i].Fixes = append(findings[i].Fixes, fix)
			}
		}
	}
}

// Select returns the findings to plan for: those not suppressed, grouped
// by the cloud of their principal (or of their first target's grant when
// the principal is not known).
func Select(findings []model.Finding, cloudOf func(*model.Finding) string) map[string][]*model.Finding {
	out := map[string][]*model.Finding{}
	for i := range findings {
		f := &findings[i]
		if f.Suppression != nil {
			continue
		}
		c := cloudOf(f)
		out[c] = append(out[c], f)
	}
	return out
}

// jsonError says where a document stops being JSON.
func jsonError(b []byte) error {
	var v any
	return json.Unmarshal(b, &v)
}
