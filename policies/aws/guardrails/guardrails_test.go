package guardrails

import (
	"fmt"
	"strings"
	"testing"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

func manyActions(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("ecr:SomeRatherLongImageActionName%03d", i))
	}
	return out
}

func TestSCPsSplitWithinLimit(t *testing.T) {
	caps := []Capability{
		{ID: "image.push", Actions: manyActions(300), Exempt: []string{"arn:aws:iam::111122223333:role/pipeline"},
			Scoped: []Scoped{{Principal: "arn:aws:iam::111122223333:role/ci", Resources: []string{"arn:aws:ecr:*:111122223333:repository/apps/*"}}}},
		{ID: "image.create", Actions: []string{"ec2:CreateImage", "ec2:RegisterImage"}},
	}
	docs, err := SCPs(caps)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 2 {
		t.Fatalf("%d documents: 300 long actions twice cannot fit one SCP", len(docs))
	}
	seen := map[string]int{}
	for _, d := range docs {
		if n := Minified(d.Text); n > SCPLimit {
			t.Errorf("SCP of %d characters", n)
		}
		p, err := iam.ParsePolicy([]byte(d.Text))
		if err != nil {
			t.Fatalf("%v\n%s", err, d.Text)
		}
		for _, st := range p.Statements {
			if st.Effect != iam.Deny {
				t.Errorf("an SCP guardrail statement must deny: %s", st.Raw())
			}
			for _, a := range st.Actions {
				seen[a.Raw]++
			}
		}
	}
	// Each action is denied twice for image.push (everyone but the exempt
	// and scoped principals; the scoped one outside its resources), once
	// for image.create.
	for _, a := range manyActions(300) {
		if seen[a] != 2 {
			t.Fatalf("%s denied %d times", a, seen[a])
		}
	}
	if seen["ec2:CreateImage"] != 1 {
		t.Errorf("ec2:CreateImage denied %d times", seen["ec2:CreateImage"])
	}
}

func TestBoundary(t *testing.T) {
	doc, err := Boundary([]Capability{{ID: "image.push", Actions: []string{"ecr:PutImage"}, NotResources: []string{"arn:aws:ecr:*:1:repository/golden/*"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := iam.ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 2 || p.Statements[1].Effect != iam.Allow || !p.Statements[0].NotResources {
		t.Fatalf("unexpected boundary:\n%s", doc)
	}
	if !strings.Contains(doc, "golden/*") {
		t.Fatal(doc)
	}
	if _, err := Boundary([]Capability{{ID: "image.push", Actions: manyActions(300)}}); err == nil {
		t.Fatal("a boundary over the managed policy limit must be an error")
	}
}
