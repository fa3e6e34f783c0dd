package azurecollect

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// groupMembers is one item of the group-membership file (A5): a group and
// its direct members as Microsoft Graph lists them.
type groupMembers struct {
	GroupID   string   `json:"groupId"`
	GroupName string   `json:"groupName"`
	Members   []member `json:"members"`
}

type member struct {
	ODataType         string  `json:"@odata.type"`
	DisplayName       *string `json:"displayName"`
	ID                string  `json:"id"`
	Mail              *string `json:"mail,omitempty"`
	UserPrincipalName string  `json:"userPrincipalName,omitempty"`
}

const graphGroup = "#microsoft.graph.group"

// graphPipeline sends Graph requests with a token for Graph (not for
// Resource Manager) and the same retry policy and transport. A plain azcore
// pipeline is enough for two GETs; the Graph SDK would add a very large
// dependency for them.
func (c *collector) graphPipeline() (runtime.Pipeline, string) {
	ep := strings.TrimRight(or(c.o.GraphEndpoint, defaultGraphEndpoint), "/")
	bearer := runtime.NewBearerTokenPolicy(c.o.Credential, []string{ep + "/.default"}, nil)
	return runtime.NewPipeline(moduleName, moduleVersion, runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}}, &c.armOpts.ClientOptions), ep
}

// groupMembers lists the direct members of every group that holds a role
// assignment, then of the groups among those members, level by level:
// analyze expands nested groups itself, and direct members keep the file
// in the shape `az ad group member list` gives. A group that no longer
// exists is left out (it stays a principal of its own); any other failure
// is recorded as a skipped scope of its own.
func (c *collector) groupMembers(ctx context.Context) Scope {
	s := Scope{Name: "groups"}
	pl, ep := c.graphPipeline()
	c.tenant.mu.Lock()
	level := slices.Sorted(maps.Keys(c.tenant.groups))
	c.tenant.mu.Unlock()
	seen := map[string]bool{}
	for _, g := range level {
		seen[g] = true
	}
	var mu sync.Mutex
	out := []groupMembers{}
	conc := max(c.o.Concurrency, 1)
	for len(level) > 0 && ctx.Err() == nil {
		var next []string
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		for _, id := range level {
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				g, err := c.group(ctx, pl, ep, id)
				if err != nil {
					if !isNotFound(err) {
						c.rec.Record(Scope{Name: "groups/" + id, Error: "Microsoft Graph " + permissionOf("graph.groups.listMembers") + " for group " + id + ": " + errText(err)})
					}
					return
				}
				mu.Lock()
				defer mu.Unlock()
				out = append(out, g)
				for _, m := range g.Members {
					k := strings.ToLower(m.ID)
					if m.ODataType == graphGroup && !seen[k] {
						seen[k] = true
						next = append(next, k)
					}
				}
			}(id)
		}
		wg.Wait()
		level = sorted(next)
	}
	if ctx.Err() != nil {
		s.Error = notCollected(ctx)
		return s
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].GroupID) < strings.ToLower(out[j].GroupID) })
	return c.writeScope(s, "group-members.json", out)
}

// group reads a group's name and its direct members (paged).
func (c *collector) group(ctx context.Context, pl runtime.Pipeline, ep, id string) (groupMembers, error) {
	base := ep + "/v1.0/groups/" + url.PathEscape(id)
	var g struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	if err := getJSON(ctx, pl, base+"?$select=id,displayName", &g); err != nil {
		return groupMembers{}, err
	}
	out := groupMembers{GroupID: or(g.ID, id), GroupName: g.DisplayName, Members: []member{}}
	err := getPages(ctx, pl, base+"/members?$select=id,displayName,userPrincipalName,mail&$top=999", func(ms []member) {
		for _, m := range ms {
			if m.ID != "" {
				out.Members = append(out.Members, m)
			}
		}
	})
	if err != nil {
		return groupMembers{}, err
	}
	sort.Slice(out.Members, func(i, j int) bool { return strings.ToLower(out.Members[i].ID) < strings.ToLower(out.Members[j].ID) })
	return out, nil
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
