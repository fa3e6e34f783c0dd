package gcpcloud

import (
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// The --condition dictionary cannot be split where the condition does not
// say so: a comma in the expression or title makes gcloud use another
// delimiter, named first.
func TestConditionArg(t *testing.T) {
	cases := []struct {
		cond *gcp.Condition
		want string
	}{
		{nil, "None"},
		{&gcp.Condition{Title: "t"}, "None"},
		{&gcp.Condition{Expression: `request.time < timestamp("2027-01-01T00:00:00Z")`, Title: "until 2027"},
			`expression=request.time < timestamp("2027-01-01T00:00:00Z"),title=until 2027`},
		{&gcp.Condition{Expression: "a == b"}, "expression=a == b"},
		{&gcp.Condition{Expression: `resource.matchTag('123/env', 'prod')`, Title: "prod"},
			`^|^expression=resource.matchTag('123/env', 'prod')|title=prod`},
		{&gcp.Condition{Expression: "true", Title: "x,expression=false"}, "^|^expression=true|title=x,expression=false"},
		{&gcp.Condition{Expression: "a || b, c", Title: "t"}, "^;^expression=a || b, c;title=t"},
	}
	for _, c := range cases {
		got, err := conditionArg(c.cond)
		if err != nil || got != c.want {
			t.Errorf("conditionArg(%+v) = %q, %v; want %q", c.cond, got, err, c.want)
		}
	}
	// Every delimiter taken: refused.
	if _, err := conditionArg(&gcp.Condition{Expression: "a,|;#~!@%:+"}); err == nil {
		t.Error("a condition with every delimiter was accepted")
	}
	// Control characters: refused.
	for _, cond := range []*gcp.Condition{{Expression: "a\x1bb"}, {Expression: "a", Title: "t\nu"}} {
		if _, err := conditionArg(cond); err == nil {
			t.Errorf("%+v accepted", cond)
		}
	}
}

// A binding command refuses what GCP would not name, and quotes the rest.
func TestAddBindingCommand(t *testing.T) {
	s := New()
	var c remediate.Change
	s.addBindingCommand(&c, "add", "projects/nw-image-factory", "user:o'vic@northwind.example", "roles/artifactregistry.reader", nil)
	want := `gcloud projects add-iam-policy-binding nw-image-factory '--member=user:o'\''vic@northwind.example' --role=roles/artifactregistry.reader --condition=None`
	if len(c.Commands) != 1 || c.Commands[0] != want {
		t.Errorf("commands %q, want %q", c.Commands, want)
	}
	for _, bad := range []struct{ node, member, role string }{
		{"projects/nw-shop-dev$(touch${IFS}PWNED)", "user:vic@northwind.example", "roles/editor"},
		{"folders/1;x", "user:vic@northwind.example", "roles/editor"},
		{"organizations/1`x`", "user:vic@northwind.example", "roles/editor"},
		{"projects/nw-shop-dev", "user:vic@northwind.example;x", "roles/editor"},
		{"projects/nw-shop-dev", "user:vic@northwind.example", "roles/editor\nx"},
		{"//artifactregistry.googleapis.com/projects/p-abcdef/locations/eu;x/repositories/r", "user:vic@northwind.example", "roles/editor"},
		{"//storage.googleapis.com/b$(x)", "user:vic@northwind.example", "roles/editor"},
		{"//compute.googleapis.com/projects/p-abcdef/global/images/I", "user:vic@northwind.example", "roles/editor"},
		{"//iam.googleapis.com/projects/p-abcdef/serviceAccounts/a b@x.example", "user:vic@northwind.example", "roles/editor"},
	} {
		var c remediate.Change
		s.addBindingCommand(&c, "remove", bad.node, bad.member, bad.role, nil)
		if len(c.Commands) != 0 || !c.Refused() || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "refused") {
			t.Errorf("%+v: commands %q, notes %q", bad, c.Commands, c.Notes)
		}
	}
}
