package awscloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// stmtDoc is a policy statement with its elements in the order people
// write them, for the documents remediation writes.
type stmtDoc struct {
	Sid          string `json:"Sid,omitempty"`
	Effect       string `json:"Effect"`
	Principal    any    `json:"Principal,omitempty"`
	NotPrincipal any    `json:"NotPrincipal,omitempty"`
	Action       any    `json:"Action,omitempty"`
	NotAction    any    `json:"NotAction,omitempty"`
	Resource     any    `json:"Resource,omitempty"`
	NotResource  any    `json:"NotResource,omitempty"`
	Condition    any    `json:"Condition,omitempty"`
}

type policyDocOut struct {
	Version   string    `json:"Version,omitempty"`
	ID        string    `json:"Id,omitempty"`
	Statement []stmtDoc `json:"Statement"`
}

// stmtFromRaw reads a statement as written into stmtDoc.
func stmtFromRaw(raw json.RawMessage) stmtDoc {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&m)
	s := stmtDoc{Principal: m["Principal"], NotPrincipal: m["NotPrincipal"], Action: m["Action"], NotAction: m["NotAction"],
		Resource: m["Resource"], NotResource: m["NotResource"], Condition: m["Condition"]}
	s.Sid, _ = m["Sid"].(string)
	s.Effect, _ = m["Effect"].(string)
	return s
}

// renderPolicy writes a policy document, indented by two spaces.
func renderPolicy(version, id string, stmts []stmtDoc) string {
	if version == "" {
		version = "2012-10-17"
	}
	if stmts == nil {
		stmts = []stmtDoc{}
	}
	// Sids are unique within a policy.
	used := map[string]int{}
	for i := range stmts {
		if sid := stmts[i].Sid; sid != "" {
			used[sid]++
			if n := used[sid]; n > 1 {
				stmts[i].Sid = fmt.Sprintf("%s%d", sid, n)
			}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(policyDocOut{Version: version, ID: id, Statement: stmts})
	return strings.TrimSuffix(b.String(), "\n")
}

// canonical renders a parsed policy as written, in the element order of
// renderPolicy, so that Before and After differ only where they should.
func canonical(p *iam.Policy) string {
	if p == nil {
		return ""
	}
	var out []stmtDoc
	for _, st := range p.Statements {
		out = append(out, stmtFromRaw(st.Raw()))
	}
	return renderPolicy(p.Version, p.ID, out)
}

// minified is the length AWS counts against its size limits: the
// document without whitespace outside strings.
func minified(doc string) int {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return len(doc)
	}
	return b.Len()
}

// compact returns the document without whitespace outside strings.
func compact(doc string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return doc
	}
	return b.String()
}

// strList is a statement element as a JSON string or list.
func strList(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// sortedKeys returns the keys of a set, sorted case-insensitively.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i]), strings.ToLower(out[j])
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

// IAM size limits (characters, whitespace not counted).
const (
	LimitUserInline  = 2048
	LimitRoleInline  = 10240
	LimitGroupInline = 5120
	LimitManaged     = 6144
	LimitSCP         = 5120
	LimitRepoPolicy  = 10240
)
