package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// fillReport sets every exported field reachable from v (a pointer): each
// string to a new value (with HTML characters and non-ASCII), bools to
// true, numbers to 1, lists to n elements, maps to n entries; a level of
// nil lists (and of nil pointers) is left in when holes is true.
func fillReport(v reflect.Value, n int, holes bool, depth int) {
	counter := 0
	var fill func(v reflect.Value, depth int)
	fill = func(v reflect.Value, depth int) {
		switch v.Kind() {
		case reflect.Pointer:
			if holes && depth%2 == 1 {
				return
			}
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), depth+1)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i), depth+1)
				}
			}
		case reflect.String:
			counter++
			v.SetString(fmt.Sprintf("<s&%d> é\u2028", counter))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int:
			v.SetInt(1)
		case reflect.Slice:
			if holes && depth%3 == 2 {
				return
			}
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := 0; i < n; i++ {
				fill(v.Index(i), depth+1)
			}
		case reflect.Map:
			if holes && depth%3 == 2 {
				return
			}
			m := reflect.MakeMap(v.Type())
			for i := 0; i < n; i++ {
				k := reflect.New(v.Type().Key()).Elem()
				e := reflect.New(v.Type().Elem()).Elem()
				fill(k, depth+1)
				fill(e, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	}
	fill(v.Elem(), depth)
}

// wholeJSON is the report as JSON wrote it before it was streamed: the
// whole document, indented.
func wholeJSON(t *testing.T, r *analyzer.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withoutFields is the indented JSON object doc without the top-level
// fields drop, in the same bytes otherwise.
func withoutFields(t *testing.T, doc []byte, drop map[string]bool) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if !drop[k.(string)] {
			parts = append(parts, fmt.Sprintf("\n  %q: %s", k, raw))
		}
	}
	return []byte("{" + strings.Join(parts, ",") + "\n}\n")
}

// TestJSONReportIsTheJSON: the streamed report has the bytes of the whole
// report's JSON, with --include-facts, and those bytes less the facts,
// edges and paths without; on the demo and on reports with every field
// set, with nil lists and pointers, and with empty ones.
func TestJSONReportIsTheJSON(t *testing.T) {
	reports := map[string]func() *analyzer.Report{
		"demo":  func() *analyzer.Report { return demoReport(t) },
		"empty": func() *analyzer.Report { return &analyzer.Report{} },
	}
	for _, n := range []int{0, 1, 2} {
		for _, holes := range []bool{false, true} {
			reports[fmt.Sprintf("filled %d holes %v", n, holes)] = func() *analyzer.Report {
				r := &analyzer.Report{}
				fillReport(reflect.ValueOf(r), n, holes, 0)
				return r
			}
		}
	}
	for name, mk := range reports {
		t.Run(name, func(t *testing.T) {
			want := wholeJSON(t, mk())
			for _, include := range []bool{true, false} {
				r := mk()
				var got bytes.Buffer
				if err := RenderWith(&got, "json", r, Options{IncludeFacts: include}); err != nil {
					t.Fatal(err)
				}
				w := want
				if !include {
					w = withoutFields(t, want, evidenceFields)
				}
				if !bytes.Equal(got.Bytes(), w) {
					t.Errorf("include facts %v: streamed report differs from the JSON:\n%s", include, firstDiff(w, got.Bytes()))
				}
				// The report is normalised as JSON normalised it.
				if include && !bytes.Equal(wholeJSON(t, r), want) {
					t.Error("the streamed report changed the report otherwise than JSON did")
				}
			}
		})
	}
}

// TestSARIFStreamIsTheJSON: SARIF, streamed, has the bytes of the whole
// log's JSON.
func TestSARIFStreamIsTheJSON(t *testing.T) {
	for _, n := range []int{0, 1, 2} {
		for _, holes := range []bool{false, true} {
			mk := func() *sarifLog {
				l := &sarifLog{}
				fillReport(reflect.ValueOf(l), n, holes, 0)
				return l
			}
			var want, got bytes.Buffer
			if err := JSON(&want, *mk()); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&got, *mk(), sarifLevels, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%d, holes %v: streamed SARIF differs:\n%s", n, holes, firstDiff(want.Bytes(), got.Bytes()))
			}
		}
	}
}

func firstDiff(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("at byte %d:\nwant …%s…\n got …%s…", i, want[lo:min(len(want), i+200)], got[lo:min(len(got), i+200)])
}
