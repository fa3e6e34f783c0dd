package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir holds the JSON Schemas of the JSON outputs (docs/reports.md,
// "JSON contracts").
const schemaDir = "../../docs/schema"

// compileSchema compiles docs/schema/NAME.schema.json (draft 2020-12,
// checked against its meta-schema; formats such as date-time asserted).
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	file := filepath.Join(schemaDir, name+".schema.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if !strings.HasSuffix(id, "/docs/schema/"+name+".schema.json") {
		t.Fatalf("%s: $id %q does not name the file", file, id)
	}
	if v, _ := doc.(map[string]any)["version"].(string); v == "" {
		t.Errorf("%s: no version", file)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return sch
}

// validate checks one JSON document against a schema.
func validate(sch *jsonschema.Schema, doc string) error {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// TestJSONSchemas runs each command with a JSON output on the demo (and
// the group-escalation inputs, for chains) and validates what it writes
// against its schema under docs/schema.
func TestJSONSchemas(t *testing.T) {
	tmp := t.TempDir()
	policy := filepath.Join(tmp, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(tmp, "batch.jsonl")
	if err := os.WriteFile(batch, []byte(`{"id":"a","principal":"arn:aws:iam::111111111111:user/a","action":"ecr:PutImage","resource":"*"}`+"\nnot json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, schema string
		args         []string
		lines        bool // JSON lines: each line is one document
	}{
		{"analyze", "analyze", []string{"analyze", demo, "--no-config", "--format", "json"}, false},
		{"analyze with facts", "analyze", []string{"analyze", demo, "--no-config", "--format", "json", "--include-facts"}, false},
		{"who-can capability", "who-can", []string{"who-can", "image.push", demo, "--format", "json"}, false},
		{"who-can on a resource", "who-can", []string{"who-can", "ecr:PutImage", demo, "--resource", "arn:aws:ecr:us-east-1:210987654321:repository/apps/checkout", "--format", "json"}, false},
		{"who-can chains", "who-can", []string{"who-can", "image.push", groupEscalation, "--format", "json"}, false},
		{"path direct", "path", []string{"path", "user:quinn@northwind.example", "image.push", demo, "--format", "json"}, false},
		{"path chain", "path", []string{"path", danaARN, "image.push", groupEscalation, "--format", "json"}, false},
		{"simulate", "simulate", []string{"simulate", "--principal", "arn:aws:iam::111111111111:user/a", "--action", "ecr:PutImage", "--policy", policy, "--format", "json"}, false},
		{"simulate batch", "simulate", []string{"simulate", "--batch", batch}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sch := compileSchema(t, c.schema)
			out, err := run(t, "", c.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			docs := []string{out}
			if c.lines {
				docs = strings.Split(strings.TrimSpace(out), "\n")
			}
			for _, d := range docs {
				if err := validate(sch, d); err != nil {
					t.Errorf("%v\n%.2000s", err, d)
				}
			}
		})
	}
	t.Run("remediate", func(t *testing.T) {
		sch := compileSchema(t, "remediate")
		dir := filepath.Join(tmp, "fix")
		if out, err := run(t, "", "remediate", demo, "--no-config", "--out", dir, "--verify", "together"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "remediation.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(sch, string(b)); err != nil {
			t.Errorf("%v\n%.2000s", err, b)
		}
	})
}

// TestJSONSchemasReject: the validator does run. Outputs spoiled one field
// at a time (a wrong type, a value outside an enum, a missing field, an
// internal node id or the kind "transitive" in a who-can answer) fail.
func TestJSONSchemasReject(t *testing.T) {
	whoCan, err := run(t, "", "who-can", "image.push", groupEscalation, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	analyze, err := run(t, "", "analyze", demo, "--no-config", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	spoil := func(doc string, f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := func(m map[string]any, list string) map[string]any {
		l, _ := m[list].([]any)
		if len(l) == 0 {
			t.Fatalf("no %s to spoil", list)
		}
		return l[0].(map[string]any)
	}
	transitive := func(m map[string]any) map[string]any {
		for _, p := range m["principals"].([]any) {
			if p := p.(map[string]any); p["transitive"] == true {
				return p
			}
		}
		t.Fatal("no transitive answer to spoil")
		return nil
	}
	cases := []struct {
		name, schema, doc string
	}{
		{"who-can: principals is a string", "who-can", spoil(whoCan, func(m map[string]any) { m["principals"] = "none" })},
		{"who-can: kind is a number", "who-can", spoil(whoCan, func(m map[string]any) { first(m, "principals")["kind"] = 5 })},
		{"who-can: access outside the enum", "who-can", spoil(whoCan, func(m map[string]any) { first(m, "principals")["access"] = "maybe" })},
		{"who-can: kind transitive", "who-can", spoil(whoCan, func(m map[string]any) { transitive(m)["kind"] = "transitive" })},
		{"who-can: resource an admin node", "who-can", spoil(whoCan, func(m map[string]any) { transitive(m)["resource"] = "admin:gcp:projects/4242#user:a@example.com" })},
		{"who-can: via null", "who-can", spoil(whoCan, func(m map[string]any) { first(m, "principals")["via"] = nil })},
		{"who-can: no inputs", "who-can", spoil(whoCan, func(m map[string]any) { delete(m, "inputs") })},
		{"analyze: severity outside the enum", "analyze", spoil(analyze, func(m map[string]any) { first(m, "findings")["severity"] = "severe" })},
		{"analyze: cloud outside the enum", "analyze", spoil(analyze, func(m map[string]any) { first(m, "principals")["cloud"] = "oci" })},
		{"analyze: generated_at not a date-time", "analyze", spoil(analyze, func(m map[string]any) { m["generated_at"] = "yesterday" })},
		{"analyze: findings null", "analyze", spoil(analyze, func(m map[string]any) { m["findings"] = nil })},
		{"path: found a string", "path", `{"from":"a","to":"b","found":"yes","steps":[],"inputs":[]}`},
		{"simulate: decision outside the enum", "simulate", `{"id":"","decision":"maybe","reasons":[]}`},
		{"remediate: format_version a string", "remediate", `{"tool":"imagewarden","format_version":"1","changes":[]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := validate(compileSchema(t, c.schema), c.doc); err == nil {
				t.Errorf("validates, want an error:\n%.1000s", c.doc)
			}
		})
	}
}
