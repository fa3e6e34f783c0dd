package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

func TestSARIFGolden(t *testing.T) { goldenCompare(t, "sarif", "demo-report.sarif") }

// sarifSpec is the part of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json,
// OASIS) that covers the objects imagewarden writes: for each object, its
// required properties and the type of every property it may have. No copy
// of the schema file is at hand offline, so the test checks this
// transcription; like the standard (§3.8, property bags), it refuses any
// property the object does not define, which catches a misspelt key that
// a consumer would silently ignore.
var sarifSpec = map[string]struct {
	required []string
	props    map[string]string
}{
	"sarifLog": {[]string{"version", "runs"}, map[string]string{"$schema": "uri", "version": "enum:2.1.0", "runs": "[]run", "properties": "bag"}},
	"run":      {[]string{"tool"}, map[string]string{"tool": "tool", "invocations": "[]invocation", "artifacts": "[]artifact", "results": "[]result", "properties": "bag"}},
	"tool":     {[]string{"driver"}, map[string]string{"driver": "toolComponent", "properties": "bag"}},
	"toolComponent": {[]string{"name"}, map[string]string{"name": "string", "version": "string", "informationUri": "uri",
		"rules": "[]reportingDescriptor", "properties": "bag"}},
	"reportingDescriptor": {[]string{"id"}, map[string]string{"id": "string", "name": "string", "shortDescription": "multiformatMessageString",
		"fullDescription": "multiformatMessageString", "help": "multiformatMessageString", "helpUri": "uri",
		"defaultConfiguration": "reportingConfiguration", "properties": "bag"}},
	"reportingConfiguration":   {nil, map[string]string{"enabled": "bool", "level": "enum:none|note|warning|error", "rank": "number", "properties": "bag"}},
	"multiformatMessageString": {[]string{"text"}, map[string]string{"text": "string", "markdown": "string", "properties": "bag"}},
	"message":                  {[]string{"text"}, map[string]string{"text": "string", "markdown": "string", "id": "string", "properties": "bag"}},
	"invocation":               {[]string{"executionSuccessful"}, map[string]string{"executionSuccessful": "bool", "toolExecutionNotifications": "[]notification", "properties": "bag"}},
	"notification":             {[]string{"message"}, map[string]string{"message": "message", "level": "enum:none|note|warning|error", "properties": "bag"}},
	"artifact":                 {nil, map[string]string{"location": "artifactLocation", "hashes": "stringMap", "properties": "bag"}},
	"artifactLocation":         {nil, map[string]string{"uri": "uri", "uriBaseId": "string", "index": "index", "properties": "bag"}},
	"result": {[]string{"message"}, map[string]string{"ruleId": "string", "ruleIndex": "index", "level": "enum:none|note|warning|error",
		"kind": "enum:notApplicable|pass|fail|review|open|informational", "message": "message", "locations": "[]location",
		"partialFingerprints": "stringMap", "fingerprints": "stringMap", "suppressions": "[]suppression", "properties": "bag"}},
	"location":         {nil, map[string]string{"physicalLocation": "physicalLocation", "logicalLocations": "[]logicalLocation", "message": "message", "properties": "bag"}},
	"physicalLocation": {[]string{"artifactLocation"}, map[string]string{"artifactLocation": "artifactLocation", "properties": "bag"}},
	"logicalLocation":  {nil, map[string]string{"name": "string", "fullyQualifiedName": "string", "kind": "string", "index": "index", "properties": "bag"}},
	"suppression": {[]string{"kind"}, map[string]string{"kind": "enum:inSource|external", "status": "enum:accepted|underReview|rejected",
		"justification": "string", "properties": "bag"}},
}

// checkSARIF reports where v breaks the type typ of sarifSpec.
func checkSARIF(at string, typ string, v any) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(f, a...)) }
	switch {
	case strings.HasPrefix(typ, "[]"):
		arr, ok := v.([]any)
		if !ok {
			bad("want an array")
			return errs
		}
		for i, e := range arr {
			errs = append(errs, checkSARIF(fmt.Sprintf("%s[%d]", at, i), typ[2:], e)...)
		}
	case strings.HasPrefix(typ, "enum:"):
		s, _ := v.(string)
		if !strings.Contains("|"+typ[5:]+"|", "|"+s+"|") || s == "" {
			bad("%v not one of %s", v, typ[5:])
		}
	case typ == "string" || typ == "uri":
		s, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
		} else if _, err := url.Parse(s); typ == "uri" && err != nil {
			bad("not a URI reference: %v", err)
		}
	case typ == "bool":
		if _, ok := v.(bool); !ok {
			bad("want a boolean")
		}
	case typ == "number" || typ == "index":
		n, ok := v.(float64)
		if !ok || (typ == "index" && (n < -1 || n != float64(int(n)))) {
			bad("want an %s, got %v", typ, v)
		}
	case typ == "stringMap":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object")
		}
		for k, e := range m {
			if _, ok := e.(string); !ok {
				bad("%s: want a string", k)
			}
		}
	case typ == "bag":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want a property bag")
		} else if tags, ok := m["tags"]; ok {
			errs = append(errs, checkSARIF(at+".tags", "[]string", tags)...)
		}
	default:
		spec, known := sarifSpec[typ]
		m, ok := v.(map[string]any)
		if !known || !ok {
			bad("want a %s object", typ)
			return errs
		}
		for _, r := range spec.required {
			if _, ok := m[r]; !ok {
				bad("%s lacks required %q", typ, r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			pt, ok := spec.props[k]
			if !ok {
				bad("%s has no property %q", typ, k)
				continue
			}
			errs = append(errs, checkSARIF(at+"."+k, pt, m[k])...)
		}
	}
	return errs
}

func sarifOf(t *testing.T, r *analyzer.Report) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

// The checker itself must catch what it is for, or the other tests prove
// nothing.
func TestSARIFCheckerCatchesErrors(t *testing.T) {
	for _, doc := range []string{
		`{"runs":[]}`, // no version
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,                                                               // driver without name
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"high"}]}]}`, // bad level
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"partialFingerprint":{}}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"suppressions":[{"kind":"waived"}]}]}]}`,
	} {
		var v any
		json.Unmarshal([]byte(doc), &v)
		if errs := checkSARIF("$", "sarifLog", v); len(errs) == 0 {
			t.Errorf("checker accepted %s", doc)
		}
	}
}

func TestSARIFStructure(t *testing.T) {
	rep := demoReport(t)
	log := sarifOf(t, rep)
	for _, e := range checkSARIF("$", "sarifLog", log) {
		t.Error(e)
	}
	if log["$schema"] == nil || log["version"] != "2.1.0" {
		t.Errorf("$schema and version 2.1.0 are required by code scanning")
	}
	run := log["runs"].([]any)[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	rules := driver["rules"].([]any)
	if driver["name"] != "imagewarden" || len(rules) != len(rep.Rules) {
		t.Errorf("driver %v with %d rules, want imagewarden with %d", driver["name"], len(rules), len(rep.Rules))
	}
	for _, r := range rules {
		r := r.(map[string]any)
		sev, _ := r["properties"].(map[string]any)["security-severity"].(string)
		if n, err := strconv.ParseFloat(sev, 64); err != nil || n < 0 || n > 10 {
			t.Errorf("rule %v: security-severity %q is not a score in 0..10", r["id"], sev)
		}
		if r["help"] == nil || r["fullDescription"] == nil || r["name"] == "" {
			t.Errorf("rule %v lacks help, description or name", r["id"])
		}
	}
	results := run["results"].([]any)
	if len(results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(results), len(rep.Findings))
	}
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		ids[f.ID] = true
	}
	physical := 0
	for _, r := range results {
		r := r.(map[string]any)
		fp, _ := r["partialFingerprints"].(map[string]any)[fingerprintKey].(string)
		if !ids[fp] {
			t.Errorf("result %v: fingerprint %q is not a finding ID", r["ruleId"], fp)
		}
		delete(ids, fp)
		idx := int(r["ruleIndex"].(float64))
		if rules[idx].(map[string]any)["id"] != r["ruleId"] {
			t.Errorf("ruleIndex %d does not point at rule %v", idx, r["ruleId"])
		}
		loc := r["locations"].([]any)[0].(map[string]any)
		if len(loc["logicalLocations"].([]any)) == 0 {
			t.Errorf("result %s without a logical location", fp)
		}
		if pl, ok := loc["physicalLocation"].(map[string]any); ok {
			physical++
			uri := pl["artifactLocation"].(map[string]any)["uri"].(string)
			if !strings.HasPrefix(uri, "../testdata/demo/") {
				t.Errorf("physical location %q is not a demo input", uri)
			}
		}
	}
	// The demo's GCP and Azure grants come from one file each; AWS has
	// two IAM exports and three repository policies, so no file there.
	if physical == 0 || physical == len(results) {
		t.Errorf("%d of %d results have a file: the mapping is broken", physical, len(results))
	}
}

func TestSARIFSuppressed(t *testing.T) {
	rep := hostile("role/ci")
	rep.Findings[0].Suppression = &model.Suppression{Reason: "legacy pipeline", Owner: "team-a", Expires: "2026-06-30"}
	log := sarifOf(t, rep)
	for _, e := range checkSARIF("$", "sarifLog", log) {
		t.Error(e)
	}
	res := log["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	sup, _ := res["suppressions"].([]any)
	if len(sup) != 1 || sup[0].(map[string]any)["kind"] != "external" || !strings.Contains(sup[0].(map[string]any)["justification"].(string), "legacy pipeline") {
		t.Errorf("suppression not carried: %v", res["suppressions"])
	}
	// A finding whose rule has no METADATA still gets a rule to point at.
	if res["ruleId"] != "IW-003" || res["ruleIndex"].(float64) != 0 {
		t.Errorf("result points at %v/%v", res["ruleId"], res["ruleIndex"])
	}
}
