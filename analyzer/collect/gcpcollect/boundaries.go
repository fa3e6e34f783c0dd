package gcpcollect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Principal access boundary policies and their bindings (docs/inputs.md
// G13), from IAM v3, which the REST client library in go.mod does not
// have: read with plain GETs on the same authenticated client, pages
// followed with pageToken.

// pabPolicyJSON is a principal access boundary policy as `gcloud iam
// principal-access-boundary-policies list` prints it.
type pabPolicyJSON struct {
	Name        string            `json:"name"`
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	DisplayName string            `json:"displayName,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	CreateTime  string            `json:"createTime,omitempty"`
	UpdateTime  string            `json:"updateTime,omitempty"`
	Details     struct {
		Rules []struct {
			Description string   `json:"description,omitempty"`
			Resources   []string `json:"resources"`
			Effect      string   `json:"effect"`
		} `json:"rules"`
		EnforcementVersion string `json:"enforcementVersion,omitempty"`
	} `json:"details"`
}

// policyBindingJSON is a policy binding as `gcloud iam policy-bindings
// list` prints it.
type policyBindingJSON struct {
	Name        string            `json:"name"`
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	DisplayName string            `json:"displayName,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Target      struct {
		PrincipalSet string `json:"principalSet,omitempty"`
		Resource     string `json:"resource,omitempty"`
	} `json:"target"`
	PolicyKind string     `json:"policyKind,omitempty"`
	Policy     string     `json:"policy"`
	PolicyUID  string     `json:"policyUid,omitempty"`
	Condition  *condition `json:"condition,omitempty"`
	CreateTime string     `json:"createTime,omitempty"`
	UpdateTime string     `json:"updateTime,omitempty"`
}

// getPages lists a v3 collection: GET base/v3/path?pageSize=1000, each
// page's items under key, until nextPageToken is empty (getJSONPages).
func (r *run) getPages(ctx context.Context, path, key string, each func(json.RawMessage) error) error {
	return r.getJSONPages(ctx, r.c.iamBase+"v3/"+path, url.Values{"pageSize": {"1000"}}, func(page map[string]json.RawMessage) error {
		var items []json.RawMessage
		if raw, ok := page[key]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
		}
		for _, it := range items {
			if err := each(it); err != nil {
				return err
			}
		}
		return nil
	})
}

// pabPolicies writes ORG/pab-policies.json: the organization's principal
// access boundary policies.
func (r *run) pabPolicies(ctx context.Context, org string) Scope {
	s := Scope{Name: org + "/principal-access-boundary-policies"}
	parent := org + "/locations/global"
	out := []pabPolicyJSON{}
	err := r.getPages(ctx, parent+"/principalAccessBoundaryPolicies", "principalAccessBoundaryPolicies", func(raw json.RawMessage) error {
		var p pabPolicyJSON
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("a policy: %v", err)
		}
		if p.Name != "" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		s.Error = failed("iam.organizations.locations.principalAccessBoundaryPolicies.list", parent, err)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return r.writeScope(s, org+"/pab-policies.json", out)
}

// policyBindings writes NODE/policy-bindings.json: the policy bindings of
// an organization, folder or project (of every kind; analyze reads the
// principal access boundary ones).
func (r *run) policyBindings(ctx context.Context, node string) Scope {
	s := Scope{Name: node + "/policy-bindings"}
	parent := node + "/locations/global"
	out := []policyBindingJSON{}
	err := r.getPages(ctx, parent+"/policyBindings", "policyBindings", func(raw json.RawMessage) error {
		var b policyBindingJSON
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("a policy binding: %v", err)
		}
		if b.Name != "" {
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		method := "iam.projects.locations.policyBindings.list"
		switch kindOfNode(node) {
		case "organization":
			method = "iam.organizations.locations.policyBindings.list"
		case "folder":
			method = "iam.folders.locations.policyBindings.list"
		}
		s.Error = failed(method, parent, err)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return r.writeScope(s, node+"/policy-bindings.json", out)
}

func kindOfNode(node string) string {
	switch {
	case strings.HasPrefix(node, "organizations/"):
		return "organization"
	case strings.HasPrefix(node, "folders/"):
		return "folder"
	}
	return "project"
}

// boundaryUnits are the organization's principal access boundary
// policies, and the policy bindings of the organization, of the ancestors
// above a folder or project scope, and of every folder (a project's are
// read with the project).
func (r *run) boundaryUnits(t *tree) []unit {
	var units []unit
	if t.org != "" {
		org := t.org
		units = append(units, unit{name: org + "/principal-access-boundary-policies", work: func(ctx context.Context) { r.rec.Record(r.pabPolicies(ctx, org)) }})
	}
	for _, n := range r.policyNodes(t) {
		units = append(units, unit{name: n + "/policy-bindings", work: func(ctx context.Context) { r.rec.Record(r.policyBindings(ctx, n)) }})
	}
	return units
}
