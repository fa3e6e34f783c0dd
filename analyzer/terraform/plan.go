package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// maxPlanSize bounds the plan read: plans of thousands of resources are a
// few hundred MiB at most; the bound keeps a hostile file from exhausting
// memory.
const maxPlanSize = 1 << 30

// instance is one resource instance on one side: its values and, for the
// head, what is unknown until apply.
type instance struct {
	addr    string // module.ci.aws_iam_role.x["a"]
	module  string // module.ci (instance keys kept), "" for the root
	mode    string // managed or data
	typ     string
	name    string
	values  map[string]any
	unknown any  // after_unknown, head only
	created bool // the plan creates it (nothing of it exists yet)
	where   string
}

// readPlan decodes a plan, naming the file and the place of any error.
func readPlan(path string) (*tfjson.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: a directory, not a plan", path)
	}
	// A pipe is read (--plan <(terraform show -json plan.out)); its size
	// is bounded like a file's.
	data, err := readAllLimited(f, maxPlanSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return decodePlan(path, data)
}

func readAllLimited(f *os.File, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// decodePlan checks the JSON syntax first, so that an error names a line
// and column of the file, then decodes the plan structure; a value of the
// wrong type is named by its field path.
func decodePlan(path string, data []byte) (*tfjson.Plan, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	var probe any
	if err := dec.Decode(&probe); err != nil {
		return nil, positioned(path, data, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%s:%s: more than one JSON value: a plan is one object (terraform show -json plan.out)", path, lineColAt(data, int(dec.InputOffset())))
	}
	top, ok := probe.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s:1:1: a plan is a JSON object (terraform show -json plan.out), not %s", path, jsonKind(probe))
	}
	if _, ok := top["format_version"]; !ok {
		if _, state := top["values"]; state {
			return nil, fmt.Errorf("%s: format_version: missing: this is a state (terraform show -json without a plan file), not a plan", path)
		}
		return nil, fmt.Errorf("%s: format_version: missing: not a plan from terraform show -json plan.out", path)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %s: must be %s, got JSON %s", path, orTop(te.Field), te.Type, te.Value)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if p.PlannedValues == nil && p.ResourceChanges == nil && p.PriorState == nil {
		return nil, fmt.Errorf("%s: neither resource_changes, planned_values nor prior_state: not a plan from terraform show -json plan.out", path)
	}
	return &p, nil
}

func orTop(field string) string {
	if field == "" {
		return "top level"
	}
	return field
}

func positioned(path string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%s: invalid JSON: %v", path, lineColAt(data, int(se.Offset)), se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s:%s: %v", path, lineColAt(data, int(te.Offset)), te)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s:%s: invalid JSON: unexpected end of the file", path, lineColAt(data, len(data)))
	}
	return fmt.Errorf("%s: %v", path, err)
}

// lineColAt is "LINE:COL" (1-based) of a byte offset.
func lineColAt(data []byte, off int) string {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return "an object"
}

// moduleOf is the module part of a resource address: everything before
// the last "TYPE.NAME" (or "data.TYPE.NAME").
func moduleOf(addr string) string {
	parts := splitAddress(addr)
	var mod []string
	for i := 0; i+1 < len(parts); i += 2 {
		if parts[i] != "module" {
			break
		}
		mod = append(mod, parts[i]+"."+parts[i+1])
	}
	return strings.Join(mod, ".")
}

// splitAddress splits an address on the dots outside brackets and quotes:
// module.a["x.y"].aws_iam_role.r -> module, a["x.y"], aws_iam_role, r.
func splitAddress(addr string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			parts = append(parts, addr[start:i])
			start = i + 1
		}
	}
	return append(parts, addr[start:])
}

// stripIndexes removes the instance keys of an address:
// module.a[0].aws_iam_role.r["x"] -> module.a.aws_iam_role.r.
func stripIndexes(addr string) string {
	parts := splitAddress(addr)
	for i, p := range parts {
		if j := strings.IndexByte(p, '['); j >= 0 {
			parts[i] = p[:j]
		}
	}
	return strings.Join(parts, ".")
}

// collectState lists the resource instances of a state module tree.
func collectState(m *tfjson.StateModule, where string, out *[]*instance) {
	if m == nil {
		return
	}
	for i, r := range m.Resources {
		if r == nil || r.Address == "" || r.DeposedKey != "" {
			continue
		}
		*out = append(*out, &instance{addr: r.Address, module: moduleOf(r.Address), mode: string(r.Mode), typ: r.Type, name: r.Name,
			values: r.AttributeValues, where: fmt.Sprintf("%s.resources[%d]", where, i)})
	}
	for i, c := range m.ChildModules {
		collectState(c, fmt.Sprintf("%s.child_modules[%d]", where, i), out)
	}
}

// sides builds the instances of the base (prior state, and the before of
// changed resources the prior state lacks) and of the head (the base with
// every change applied), and the instances the plan deletes.
func (r *reader) sides() {
	r.base, r.head = map[string]*instance{}, map[string]*instance{}
	var prior []*instance
	if r.tf.PriorState != nil && r.tf.PriorState.Values != nil {
		collectState(r.tf.PriorState.Values.RootModule, "prior_state.values.root_module", &prior)
	}
	for _, in := range prior {
		r.base[in.addr] = in
		r.head[in.addr] = in
	}
	for i, rc := range r.tf.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Address == "" || rc.DeposedKey != "" {
			continue
		}
		where := fmt.Sprintf("resource_changes[%d] (%s)", i, rc.Address)
		mk := func(v any) *instance {
			m, _ := v.(map[string]any)
			return &instance{addr: rc.Address, module: moduleOf(rc.Address), mode: string(rc.Mode), typ: rc.Type, name: rc.Name, values: m, where: where}
		}
		if rc.Change.Before != nil {
			if _, ok := r.base[rc.Address]; !ok {
				r.base[rc.Address] = mk(rc.Change.Before)
			}
		}
		acts := rc.Change.Actions
		switch {
		case acts.Delete():
			if old, ok := r.base[rc.Address]; ok {
				r.deleted = append(r.deleted, old)
			}
			delete(r.head, rc.Address)
		case acts.NoOp(), acts.Forget():
			// A forgotten object leaves the state but not the cloud.
			if _, ok := r.head[rc.Address]; !ok && rc.Change.After != nil {
				r.head[rc.Address] = mk(rc.Change.After)
			}
		default:
			in := mk(rc.Change.After)
			if in.values == nil {
				in.values = map[string]any{}
			}
			in.unknown = rc.Change.AfterUnknown
			in.created = acts.Create() || acts.Read()
			r.head[rc.Address] = in
		}
	}
}

// sorted lists a side's instances by address, for stable output.
func sorted(m map[string]*instance) []*instance {
	out := make([]*instance, 0, len(m))
	for _, in := range m {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out
}

// unknownPaths lists the paths of after_unknown that are true.
func unknownPaths(v any, prefix string, out *[]string) {
	switch x := v.(type) {
	case bool:
		if x {
			if prefix == "" {
				prefix = "(the whole object)"
			}
			*out = append(*out, prefix)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			unknownPaths(x[k], p, out)
		}
	case []any:
		for i, e := range x {
			unknownPaths(e, fmt.Sprintf("%s[%d]", prefix, i), out)
		}
	}
}

// isUnknown reports whether the attribute (top-level name) is wholly or
// partly unknown.
func (in *instance) isUnknown(attr string) bool {
	m, ok := in.unknown.(map[string]any)
	if !ok {
		b, _ := in.unknown.(bool)
		return b
	}
	var paths []string
	unknownPaths(m[attr], attr, &paths)
	return len(paths) > 0
}

// Attribute getters: absent, null and wrongly typed values read as empty,
// since a plan is input, never trusted to be well formed.

func (in *instance) str(attr string) string {
	return asString(in.values[attr])
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func (in *instance) strs(attr string) []string {
	return asStrings(in.values[attr])
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s := asString(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (in *instance) objs(attr string) []map[string]any {
	return asObjs(in.values[attr])
}

func asObjs(v any) []map[string]any {
	switch x := v.(type) {
	case []any:
		var out []map[string]any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case map[string]any:
		return []map[string]any{x}
	}
	return nil
}

func (in *instance) boolean(attr string) bool {
	b, _ := in.values[attr].(bool)
	return b
}
