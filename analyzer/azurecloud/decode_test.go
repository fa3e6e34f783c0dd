package azurecloud

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeAsMarshalled checks decode against what it replaces (the
// object marshalled and unmarshalled again): keys differing only in case,
// null, values of the wrong type, escaped and non-ASCII keys, nested
// values.
func TestDecodeAsMarshalled(t *testing.T) {
	type target struct {
		ID, Scope, PrincipalID  string
		Principals              []struct{ ID string }
		DoNotApplyToChildScopes bool
	}
	docs := []string{
		`{"id":"a","scope":"/S","principalId":"p"}`,
		`{"ID":"upper","id":"lower","Id":"mixed"}`,
		`{"scope":null,"id":"x"}`,
		`{"scope":12,"id":"x"}`,
		`{"principals":[{"id":"g1"},{"ID":"g2"}],"doNotApplyToChildScopes":true}`,
		`{"doNotApplyToChildScopes":"yes"}`,
		`{"sc\u006fpe":"escaped key","\"odd\\key":"v","ключ":"non-ascii","s\u00e7ope":1}`,
		`{"principalId":"<&>","properties":{"scope":"/nested"}}`,
		`{}`,
	}
	for _, doc := range docs {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		var want, got target
		b, err := json.Marshal(obj)
		if err == nil {
			err = json.Unmarshal(b, &want)
		}
		gotErr := decode(obj, &got)
		if (err == nil) != (gotErr == nil) || !reflect.DeepEqual(want, got) {
			t.Errorf("%s: decode gives %+v (error %v), marshalling %+v (error %v)", doc, got, gotErr, want, err)
		}
	}
}
