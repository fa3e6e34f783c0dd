package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// TestWhoCanJSONContract: in who-can's JSON, a principal reached through a
// chain keeps its own kind (never "transitive"), its resource is a real
// resource (never a node of the graph: admin:, compute:, launch:), the
// chain is in path with transitive: true, and no list is null.
func TestWhoCanJSONContract(t *testing.T) {
	cases := []struct {
		name string
		args []string
		// wantTransitive: the answer has at least one transitive principal,
		// so the checks below see one.
		wantTransitive bool
	}{
		{"demo capability", []string{"image.push", demo}, true},
		{"demo action", []string{"ecr:PutImage", demo}, true},
		{"demo on a repository", []string{"image.push", demo, "--resource", "arn:aws:ecr:us-east-1:210987654321:repository/apps/checkout"}, true},
		{"demo on a GCP project", []string{"artifactregistry.repositories.uploadArtifacts", demo, "--resource", "//cloudresourcemanager.googleapis.com/projects/nw-image-factory"}, true},
		{"group escalation", []string{"image.push", groupEscalation}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, "", append(append([]string{"who-can"}, c.args...), "--format", "json")...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if strings.Contains(out, ": null") {
				t.Errorf("a null in the output (empty lists are []):\n%s", out)
			}
			var res struct {
				Principals []struct {
					ID         string        `json:"id"`
					Kind       string        `json:"kind"`
					Resource   string        `json:"resource"`
					Transitive bool          `json:"transitive"`
					Path       []model.Edge  `json:"path"`
					Via        []model.Grant `json:"via"`
				} `json:"principals"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			transitive := 0
			for _, p := range res.Principals {
				if p.Kind == "transitive" || p.Kind == "" {
					t.Errorf("%s: kind %q, want the principal's own kind", p.ID, p.Kind)
				}
				if model.IsVirtual(p.Resource) || p.Resource == "" {
					t.Errorf("%s: resource %q, want a real resource, not a node of the graph", p.ID, p.Resource)
				}
				if p.Transitive != (len(p.Path) > 0) {
					t.Errorf("%s: transitive %v with a chain of %d steps", p.ID, p.Transitive, len(p.Path))
				}
				if p.Via == nil {
					t.Errorf("%s: via is missing or null", p.ID)
				}
				if p.Transitive {
					transitive++
				}
			}
			if c.wantTransitive && transitive == 0 {
				t.Errorf("no transitive answer to check:\n%s", out)
			}
		})
	}
}
