package reports

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzAppendIndent: for every JSON value encoding/json can write compactly,
// appendIndent gives exactly json.Indent's bytes.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[],"b":{},"c":[1,2,{"d":"x\"y\\\\z,:{}[]"}],"e":null,"f":true,"g":-1.5e3}`,
		`"\u003c\u2028 ,:{"`, `[[[]],[{}],{"":""}]`, `{"k":"v","l":[{"m":[1]}]}`} {
		f.Add([]byte(s), "  ", "  ")
	}
	f.Fuzz(func(t *testing.T, in []byte, prefix, indent string) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			return
		}
		src, err := json.Marshal(v)
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, src, prefix, indent); err != nil {
			t.Fatalf("json.Indent of Marshal's output: %v", err)
		}
		if got := appendIndent(nil, src, prefix, indent); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendIndent(%q, %q, %q)\n got  %q\n want %q", src, prefix, indent, got, want.Bytes())
		}
	})
}
