package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/internal/fixtures"
	"github.com/imagewarden/imagewarden/analyzer/rules"
)

// fill sets every field reachable from v (a pointer) by its kind: strings
// to s, bools to true, slices to n elements, maps to n entries. A field
// added to the model is filled too, so the input builder must know it.
func fill(v reflect.Value, s func() string, n int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem(), s, n)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), s, n)
			}
		}
	case reflect.String:
		v.SetString(s())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fill(v.Index(i), s, n)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; i < n; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			fill(k, s, n)
			fill(e, s, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic(fmt.Sprintf("fill: %s: a kind the rules' input does not have yet; teach input.go and this test", v.Type()))
	}
}

// TestInputValueIsTheJSON: the input built from the structs is the value
// the JSON round trip gives, for every field set, none set, empty lists,
// and strings that are not valid UTF-8 (map keys that become the same
// once their invalid bytes are replaced).
func TestInputValueIsTheJSON(t *testing.T) {
	counter := 0
	seq := func(prefix string) func() string {
		return func() string { counter++; return fmt.Sprintf("%s%d", prefix, counter) }
	}
	invalid := []string{"a\xff", "a\xfe", "\xff\xfe<&>\u2028", "é\xc3", "ok", "", "\ufffd"}
	cases := map[string]func() *rules.Input{
		"every field": func() *rules.Input {
			in := &rules.Input{}
			fill(reflect.ValueOf(in), seq("s"), 2)
			return in
		},
		"one of each": func() *rules.Input {
			in := &rules.Input{}
			fill(reflect.ValueOf(in), seq("x"), 1)
			return in
		},
		"nothing": func() *rules.Input { return &rules.Input{} },
		"empty lists": func() *rules.Input {
			in := &rules.Input{}
			fill(reflect.ValueOf(in), seq("e"), 1)
			// every slice and map left empty, not nil
			var empty func(v reflect.Value)
			empty = func(v reflect.Value) {
				switch v.Kind() {
				case reflect.Pointer:
					empty(v.Elem())
				case reflect.Struct:
					for i := 0; i < v.NumField(); i++ {
						empty(v.Field(i))
					}
				case reflect.Slice:
					for i := 0; i < v.Len(); i++ {
						empty(v.Index(i))
					}
					if v.Type().Elem().Kind() != reflect.Struct {
						v.Set(reflect.MakeSlice(v.Type(), 0, 0))
					}
				case reflect.Map:
					v.Set(reflect.MakeMap(v.Type()))
				}
			}
			empty(reflect.ValueOf(in))
			return in
		},
		"invalid UTF-8": func() *rules.Input {
			in := &rules.Input{}
			i := 0
			fill(reflect.ValueOf(in), func() string { i++; return invalid[i%len(invalid)] }, 3)
			in.Principals[0].Tags = map[string]string{"k\xff": "1", "k\xfe": "2", "k\ufffd": "3", "\xff": "4"}
			return in
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			in := mk()
			want, err := rules.JSONInputValue(in)
			if err != nil {
				t.Fatal(err)
			}
			got := rules.InputValue(in)
			if got.Compare(want) != 0 {
				t.Errorf("the input built from the structs differs from its JSON:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// inputs are the rules' inputs of the demo and of small synthetic
// organisations.
func inputs(t *testing.T) map[string]*rules.Input {
	t.Helper()
	out := map[string]*rules.Input{}
	analyze := func(name string, dir string) {
		rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{dir}})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &rules.Input{Principals: rep.Principals, Resources: rep.Resources, Facts: rep.Facts, Paths: rep.Paths}
	}
	analyze("demo", "../../testdata/demo")
	write := func(files map[string][]byte) string {
		dir := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	pol, groups, denies, err := fixtures.GCPOrg(20, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	analyze("gcp", write(map[string][]byte{"policies.json": pol, "groups.json": groups, "denies.json": denies}))
	as, ents, regs, gs, err := fixtures.AzureTenant(10, 400, 1)
	if err != nil {
		t.Fatal(err)
	}
	analyze("azure", write(map[string][]byte{"assignments.json": as, "entities.json": ents, "registries.json": regs, "groups.json": gs}))
	return out
}

// TestEvalIsTheJSONEval: Eval, whole or split into groups of principals
// evaluated in parallel, finds what the evaluation through JSON found, in
// the same order, with and without approved publishers.
func TestEvalIsTheJSONEval(t *testing.T) {
	ctx := context.Background()
	data, _, err := analyzer.RulesData(analyzer.Options{Config: "../../testdata/demo/.imagewarden.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	engines := map[string]rules.Options{"default data": {}, "demo configuration": {Data: data}}
	for name, in := range inputs(t) {
		for ename, opts := range engines {
			e, err := rules.New(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.EvalJSON(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%s: no findings", name)
			}
			for _, split := range []struct{ workers, min int }{{1, 1 << 30}, {2, 0}, {3, 0}, {8, 0}} {
				restore := e.SetSplit(split.workers, split.min)
				got, err := e.Eval(ctx, in)
				restore()
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s, %d workers: %d findings differ from the %d of the evaluation through JSON", name, ename, split.workers, len(got), len(want))
				}
			}
		}
	}
}

// TestPolicyRulesSeeTheWholeInput: with a rule of --policy, which may
// read across principals, the input is evaluated whole, and findings of
// shapes the straight decoding does not know (other keys, nulls, a
// severity of their own) decode as through JSON; a finding of the wrong
// shape is refused with encoding/json's error, as before.
func TestPolicyRulesSeeTheWholeInput(t *testing.T) {
	ctx := context.Background()
	in := inputs(t)["gcp"]
	policy := func(t *testing.T, src string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "custom.rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	good := policy(t, `package imagewarden.rules.custom.total

findings contains {"principal": p.id, "message": sprintf("one of %d principals", [count(input.principals)]), "extra": 1, "targets": null, "severity": "low"} if {
	some p in input.principals
	startswith(p.id, "user:u1")
}
`)
	e, err := rules.New(ctx, rules.Options{PolicyDirs: []string{good}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.SetSplit(2, 0)()
	want, err := e.EvalJSON(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Eval(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%d findings differ from the %d of the evaluation through JSON", len(got), len(want))
	}
	custom := 0
	for _, f := range got {
		if f.Rule == "imagewarden.rules.custom.total" {
			custom++
			if !strings.HasSuffix(f.Message, fmt.Sprintf("one of %d principals", len(in.Principals))) {
				t.Errorf("the rule saw part of the input: %s", f.Message)
			}
		}
	}
	if custom == 0 {
		t.Error("no finding of the custom rule")
	}
	for _, src := range []string{
		`findings contains {"principal": 1, "message": "m"} if true`,
		`findings contains {"principal": "p"} if true`,
		`findings := "x"`,
	} {
		e, err := rules.New(ctx, rules.Options{PolicyDirs: []string{policy(t, "package imagewarden.rules.custom.bad\n\n"+src+"\n")}})
		if err != nil {
			t.Fatal(err)
		}
		_, wantErr := e.EvalJSON(ctx, in)
		_, gotErr := e.Eval(ctx, in)
		if wantErr == nil || gotErr == nil || gotErr.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, want %v", src, gotErr, wantErr)
		}
	}
}

// TestFastDecodeIsTheJSON: findings of every shape the built-in rules
// give, and a few they do not, decode straight as through JSON; the
// shapes it does not know are left to JSON.
func TestFastDecodeIsTheJSON(t *testing.T) {
	terms := func(src string) []*ast.Term {
		a := ast.MustParseTerm(src).Value.(*ast.Array)
		out := make([]*ast.Term, a.Len())
		for i := range out {
			out[i] = a.Elem(i)
		}
		return out
	}
	for _, tc := range []struct {
		src  string
		fast bool
	}{
		{`[{"principal": "p", "message": "m", "capability": "c", "severity": "high", "access": "allowed", "targets": [{"resource": "r", "known": true, "all": false, "access": "allowed", "actions": ["a"], "via": [{"policy_type": "t", "policy": "p", "conditions": ["x"], "conditional": true}], "except": [], "public_only": true}], "path": [{"from": "a", "to": "b", "cloud": "aws", "kind": "k", "permissions": null, "via": [], "assumed": true}]}]`, true},
		{`[{"principal": "p\u00e9", "message": "m", "targets": [null, {"resource": null}]}]`, true},
		{`[{"principal": "p", "message": "m", "targets": []}, {"principal": "q", "message": "n"}]`, true},
		{`[{"principal": "p", "message": "m", "Capability": "c"}]`, false},
		{`[{"principal": "p", "message": "m", "rule_id": "x"}]`, false},
		{`[{"principal": "p", "message": "m", "targets": {"resource": "r"}}]`, false},
		{`[{"principal": "p", "message": ""}]`, false},
		{`[{"principal": "p", "message": "m", "targets": [{"known": "yes"}]}]`, false},
	} {
		in := terms(tc.src)
		want, wantErr := rules.JSONFindings(in)
		got, fast := rules.FastFindings(in)
		if fast != tc.fast {
			t.Errorf("%s: decoded straight: %v, want %v", tc.src, fast, tc.fast)
		}
		if fast && (wantErr != nil || !reflect.DeepEqual(got, want)) {
			t.Errorf("%s:\n got %+v\nwant %+v (%v)", tc.src, got, want, wantErr)
		}
	}
}
