package azurecollect

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// computeLists are the listings of the compute inventory (docs/inputs.md
// A9, A10): the resources of a subscription that run code as managed
// identities, each type with its list operation and api-version.
var computeLists = []struct {
	op, typ, api string
}{
	{"virtualMachines.listAll", "Microsoft.Compute/virtualMachines", "2024-07-01"},
	{"virtualMachineScaleSets.listAll", "Microsoft.Compute/virtualMachineScaleSets", "2024-07-01"},
	{"automationAccounts.list", "Microsoft.Automation/automationAccounts", "2023-11-01"},
	{"webApps.list", "Microsoft.Web/sites", "2023-12-01"},
	{"containerApps.listBySubscription", "Microsoft.App/containerApps", "2024-03-01"},
	{"containerGroups.list", "Microsoft.ContainerInstance/containerGroups", "2023-05-01"},
	{"workflows.listBySubscription", "Microsoft.Logic/workflows", "2019-05-01"},
}

// computeFile is the compute inventory of one subscription in the object
// form the analysis reads: the subscription and the types listed in full
// (so that an empty list says "none here"), then the resources.
type computeFile struct {
	SubscriptionID string            `json:"subscriptionId"`
	ResourceTypes  []string          `json:"resourceTypes"`
	Value          []computeResource `json:"value"`
}

// computeResource is what the analysis reads of a resource: no
// properties (they hold configuration the analysis does not need), the
// identity block as Azure returns it, and a VM's extensions when the
// listing gives them.
type computeResource struct {
	ID            string          `json:"id"`
	Identity      json.RawMessage `json:"identity"`
	Kind          string          `json:"kind,omitempty"`
	Location      string          `json:"location"`
	Name          string          `json:"name"`
	ResourceGroup string          `json:"resourceGroup"`
	Resources     json.RawMessage `json:"resources,omitempty"`
	Type          string          `json:"type"`
}

// compute writes the subscription's compute inventory. A type whose
// listing fails is left out of resourceTypes (the analysis then says its
// takeover was not assessed) and its failure is a scope of its own; a
// resource provider the subscription is not registered for has no
// resources of its types.
func (c *collector) compute(ctx context.Context, sub string) Scope {
	s := Scope{Name: "subscriptions/" + sub + "/compute"}
	scope := "/subscriptions/" + sub
	out := computeFile{SubscriptionID: sub, ResourceTypes: []string{}, Value: []computeResource{}}
	var failed []string
	for _, l := range computeLists {
		if ctx.Err() != nil {
			c.rec.Record(Scope{Name: s.Name + "/" + l.typ, Error: notCollected(ctx)})
			continue
		}
		u := armURL(c.raw.Endpoint(), scope+"/providers/"+l.typ, "api-version", l.api)
		var got []computeResource
		err := getPages(ctx, c.raw.Pipeline(), u, func(items []restItem) {
			for _, it := range items {
				var r computeResource
				if json.Unmarshal(mustJSON(it), &r) != nil || r.ID == "" {
					continue
				}
				r.ResourceGroup = resourceGroup(r.ID)
				r.Type = or(r.Type, l.typ)
				if len(r.Identity) == 0 {
					r.Identity = json.RawMessage("null")
				}
				got = append(got, r)
			}
		})
		var re *azcore.ResponseError
		if err != nil && errors.As(err, &re) && re.ErrorCode == "MissingSubscriptionRegistration" {
			err, got = nil, nil // the provider is not registered: no such resource
		}
		if err != nil {
			failed = append(failed, l.typ)
			c.rec.Record(Scope{Name: s.Name + "/" + l.typ, Error: failure(l.op, scope, err)})
			continue
		}
		out.ResourceTypes = append(out.ResourceTypes, l.typ)
		out.Value = append(out.Value, got...)
	}
	sort.Slice(out.Value, func(i, j int) bool { return strings.ToLower(out.Value[i].ID) < strings.ToLower(out.Value[j].ID) })
	if len(failed) == len(computeLists) {
		s.Error = "no compute listing succeeded: " + strings.Join(failed, ", ")
		return s
	}
	return c.writeScope(s, "subscriptions/"+sub+"/compute.json", out)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
