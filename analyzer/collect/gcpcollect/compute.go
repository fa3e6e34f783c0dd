package gcpcollect

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"google.golang.org/api/googleapi"
)

// The compute inventory and the organization policies (docs/inputs.md G9,
// G10, G11): each project's Compute Engine instances (compute v1
// instances.aggregatedList), its Cloud Build triggers (cloudbuild v1
// projects.triggers.list) and the organization policies of every node
// (orgpolicy v2 policies.list), read with plain GETs on the collector's
// authenticated client, pages followed with pageToken. Each file is
// wrapped with its node, so that an empty list still says "none here".
// Only the fields analyze reads are written: no instance metadata but
// enable-oslogin (startup scripts and keys may hold secrets), no build
// steps.

// instanceJSON is an instance as `gcloud compute instances list` prints
// the fields analyze reads.
type instanceJSON struct {
	Kind            string       `json:"kind"`
	Name            string       `json:"name"`
	Zone            string       `json:"zone"`
	SelfLink        string       `json:"selfLink"`
	Status          string       `json:"status,omitempty"`
	ServiceAccounts []instanceSA `json:"serviceAccounts,omitempty"`
	Metadata        *struct {
		Items []metadataItem `json:"items"`
	} `json:"metadata,omitempty"`
}

type instanceSA struct {
	Email  string   `json:"email"`
	Scopes []string `json:"scopes,omitempty"`
}

type metadataItem struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

// triggerJSON is a build trigger as `gcloud builds triggers list` prints
// the fields analyze reads.
type triggerJSON struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	ResourceName   string `json:"resourceName,omitempty"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
	Disabled       bool   `json:"disabled,omitempty"`
}

// orgPolicyJSON is an Org Policy v2 policy: its name and spec.
type orgPolicyJSON struct {
	Name string          `json:"name"`
	Spec json.RawMessage `json:"spec,omitempty"`
}

// apiBase is the base URL of a Google API, or the test endpoint.
func (r *run) apiBase(host string) string {
	if r.o.Endpoint != "" {
		return strings.TrimSuffix(r.o.Endpoint, "/") + "/"
	}
	return "https://" + host + "/"
}

// getJSONPages GETs base+path with the query, then each next page
// (pageToken), handing every page to each.
func (r *run) getJSONPages(ctx context.Context, rawURL string, q url.Values, each func(page map[string]json.RawMessage) error) error {
	token := ""
	for {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if token != "" {
			qq.Set("pageToken", token)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL+"?"+qq.Encode(), nil)
		if err != nil {
			return err
		}
		resp, err := r.c.hc.Do(req)
		if err != nil {
			return err
		}
		if err := googleapi.CheckResponse(resp); err != nil {
			resp.Body.Close()
			return err
		}
		var page map[string]json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("the response is not JSON: %v", err)
		}
		if err := each(page); err != nil {
			return err
		}
		token = ""
		if raw, ok := page["nextPageToken"]; ok {
			json.Unmarshal(raw, &token)
		}
		if token == "" {
			return nil
		}
	}
}

// computeInstances writes projects/ID/compute-instances.json (G9).
func (r *run) computeInstances(ctx context.Context, id string) Scope {
	s := Scope{Name: "projects/" + id + "/compute-instances"}
	out := []instanceJSON{}
	var unreachable []string
	err := r.getJSONPages(ctx, r.apiBase("compute.googleapis.com")+"compute/v1/projects/"+url.PathEscape(id)+"/aggregated/instances",
		url.Values{"maxResults": {"500"}, "returnPartialSuccess": {"true"}}, func(page map[string]json.RawMessage) error {
			var p struct {
				Items map[string]struct {
					Instances []json.RawMessage `json:"instances"`
				} `json:"items"`
				Unreachables []string `json:"unreachables"`
			}
			if err := json.Unmarshal(marshal(page), &p); err != nil {
				return fmt.Errorf("items: %v", err)
			}
			unreachable = append(unreachable, p.Unreachables...)
			for _, scope := range p.Items {
				for _, raw := range scope.Instances {
					var in struct {
						instanceJSON
						Metadata *struct {
							Items []metadataItem `json:"items"`
						} `json:"metadata"`
					}
					if err := json.Unmarshal(raw, &in); err != nil || in.SelfLink == "" {
						continue
					}
					ij := in.instanceJSON
					ij.Metadata = nil
					if in.Metadata != nil {
						for _, m := range in.Metadata.Items {
							if m.Key == "enable-oslogin" {
								ij.Metadata = &struct {
									Items []metadataItem `json:"items"`
								}{Items: []metadataItem{m}}
							}
						}
					}
					for i := range ij.ServiceAccounts {
						sort.Strings(ij.ServiceAccounts[i].Scopes)
					}
					out = append(out, ij)
				}
			}
			return nil
		})
	if err != nil {
		s.Error = failed("compute.instances.aggregatedList", "projects/"+id, err)
		return s
	}
	if len(unreachable) > 0 {
		sort.Strings(unreachable)
		s.Error = "compute.instances.aggregatedList projects/" + id + ": unreachable " + strings.Join(unreachable, ", ") + ": the instances there are missing"
		return s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SelfLink < out[j].SelfLink })
	return r.writeScope(s, "projects/"+id+"/compute-instances.json", map[string]any{"project": id, "instances": out})
}

// buildTriggers writes projects/ID/build-triggers.json (G10): the
// project's global triggers.
func (r *run) buildTriggers(ctx context.Context, id string) Scope {
	s := Scope{Name: "projects/" + id + "/build-triggers"}
	out := []triggerJSON{}
	err := r.getJSONPages(ctx, r.apiBase("cloudbuild.googleapis.com")+"v1/projects/"+url.PathEscape(id)+"/triggers",
		url.Values{"pageSize": {"100"}}, func(page map[string]json.RawMessage) error {
			var ts []triggerJSON
			if raw, ok := page["triggers"]; ok {
				if err := json.Unmarshal(raw, &ts); err != nil {
					return fmt.Errorf("triggers: %v", err)
				}
			}
			out = append(out, ts...)
			return nil
		})
	if err != nil {
		s.Error = failed("cloudbuild.projects.triggers.list", "projects/"+id, err)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return r.writeScope(s, "projects/"+id+"/build-triggers.json", map[string]any{"project": id, "triggers": out})
}

// orgPolicies writes NODE/org-policies.json (G11): the policies set on an
// organization, folder or project.
func (r *run) orgPolicies(ctx context.Context, node string) Scope {
	s := Scope{Name: node + "/org-policies"}
	out := []orgPolicyJSON{}
	err := r.getJSONPages(ctx, r.apiBase("orgpolicy.googleapis.com")+"v2/"+node+"/policies",
		url.Values{"pageSize": {"100"}}, func(page map[string]json.RawMessage) error {
			var ps []orgPolicyJSON
			if raw, ok := page["policies"]; ok {
				if err := json.Unmarshal(raw, &ps); err != nil {
					return fmt.Errorf("policies: %v", err)
				}
			}
			out = append(out, ps...)
			return nil
		})
	if err != nil {
		method := "orgpolicy.projects.policies.list"
		switch kindOfNode(node) {
		case "organization":
			method = "orgpolicy.organizations.policies.list"
		case "folder":
			method = "orgpolicy.folders.policies.list"
		}
		s.Error = failed(method, node, err)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return r.writeScope(s, node+"/org-policies.json", map[string]any{"parent": node, "policies": out})
}

// policyNodes are the nodes above projects whose policies a collection
// reads: the organization, the ancestors above a folder or project scope,
// every folder, and the scope itself when it is not a project; sorted.
func (r *run) policyNodes(t *tree) []string {
	nodes := map[string]bool{}
	if t.org != "" {
		nodes[t.org] = true
	}
	for _, a := range t.ancestors {
		nodes[a] = true
	}
	for _, f := range t.folderNames() {
		nodes[f] = true
	}
	if !strings.HasPrefix(r.root, "projects/") {
		nodes[r.root] = true
	}
	return slices.Sorted(maps.Keys(nodes))
}

// orgPolicyUnits: the organization policies of the organization, of the
// ancestors above a folder or project scope, and of every folder (a
// project's are read with the project).
func (r *run) orgPolicyUnits(t *tree) []unit {
	var units []unit
	for _, n := range r.policyNodes(t) {
		units = append(units, unit{name: n + "/org-policies", work: func(ctx context.Context) { r.rec.Record(r.orgPolicies(ctx, n)) }})
	}
	return units
}

func marshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
