package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// BatchRequest is one line of `imagewarden simulate --batch`, the request
// shape of `aws iam simulate-custom-policy` made self-contained:
//
//	{"id", "principal", "action", "resource",
//	 "identity_policies":[{"name","document"}],
//	 "permission_boundary":{"name","document"}|null,
//	 "scps":[[{"name","document"}], ...root first...],
//	 "rcps":[[{"name","document"}], ...root first...],  (optional: RCPs on the resource's account)
//	 "resource_policy":doc|null, "context":{},
//	 "grants":[...]}   (optional: KMS grants on the key, as aws kms list-grants prints them)
type BatchRequest struct {
	ID                 string          `json:"id"`
	Principal          string          `json:"principal"`
	Action             string          `json:"action"`
	Resource           string          `json:"resource"`
	ResourceAccount    string          `json:"resource_account,omitempty"`
	IdentityPolicies   []BatchPolicy   `json:"identity_policies"`
	PermissionBoundary *BatchPolicy    `json:"permission_boundary"`
	SCPs               [][]BatchPolicy `json:"scps"`
	// RCPs are the resource control policies of the resource's account, one
	// list per level; each level also holds RCPFullAWSAccess, as in AWS,
	// where it cannot be detached (the simulator of ../shared/oracle/aws
	// reads them the same way).
	RCPs           [][]BatchPolicy            `json:"rcps,omitempty"`
	ResourcePolicy json.RawMessage            `json:"resource_policy"`
	Context        map[string]json.RawMessage `json:"context"`
	Grants         []KMSGrant                 `json:"grants,omitempty"`
}

// BatchPolicy is a named document in a batch request.
type BatchPolicy struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// BatchDecision is one line of the answer.
type BatchDecision struct {
	ID       string   `json:"id"`
	Decision Decision `json:"decision"`
	Reasons  []Reason `json:"reasons"`
	Error    string   `json:"error,omitempty"`
}

// ParseBatchRequest decodes one request line into a request and its
// policies. Errors name the field, and the statement inside a document.
func ParseBatchRequest(line []byte) (*BatchRequest, *Request, *Policies, error) {
	var br BatchRequest
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&br); err != nil {
		return &br, nil, nil, fmt.Errorf("request: %v", err)
	}
	if br.Principal == "" || br.Action == "" || br.Resource == "" {
		return &br, nil, nil, fmt.Errorf("request: principal, action and resource are required")
	}
	if _, err := ParseAction(br.Action); err != nil || br.Action == "*" {
		return &br, nil, nil, fmt.Errorf("action: %q is not of the form service:Action", br.Action)
	}
	ctx, err := ContextFromJSON(br.Context, true)
	if err != nil {
		return &br, nil, nil, err
	}
	req := &Request{Principal: br.Principal, Action: br.Action, Resource: br.Resource, ResourceAccount: br.ResourceAccount, Context: ctx}
	pol := &Policies{}
	for i, bp := range br.IdentityPolicies {
		np, err := bp.parse(fmt.Sprintf("identity_policies[%d]", i))
		if err != nil {
			return &br, nil, nil, err
		}
		pol.Identity = append(pol.Identity, np)
	}
	if br.PermissionBoundary != nil {
		np, err := br.PermissionBoundary.parse("permission_boundary")
		if err != nil {
			return &br, nil, nil, err
		}
		pol.Boundary = &np
	}
	for i, level := range br.SCPs {
		var l []NamedPolicy
		for j, bp := range level {
			np, err := bp.parse(fmt.Sprintf("scps[%d][%d]", i, j))
			if err != nil {
				return &br, nil, nil, err
			}
			l = append(l, np)
		}
		pol.SCPs = append(pol.SCPs, l)
	}
	for i, level := range br.RCPs {
		l := []NamedPolicy{RCPFullAWSAccess}
		for j, bp := range level {
			np, err := bp.parse(fmt.Sprintf("rcps[%d][%d]", i, j))
			if err != nil {
				return &br, nil, nil, err
			}
			l = append(l, np)
		}
		pol.RCPs = append(pol.RCPs, l)
	}
	if rp := bytes.TrimSpace(br.ResourcePolicy); len(rp) > 0 && !bytes.Equal(rp, []byte("null")) {
		p, err := ParsePolicy(rp)
		if err != nil {
			return &br, nil, nil, fmt.Errorf("resource_policy: %v", err)
		}
		pol.Resource = &NamedPolicy{Name: "resource-policy", Policy: p}
	}
	for i := range br.Grants {
		if err := br.Grants[i].Check(); err != nil {
			return &br, nil, nil, fmt.Errorf("grants[%d]: %v", i, err)
		}
	}
	pol.Grants = br.Grants
	return &br, req, pol, nil
}

func (bp BatchPolicy) parse(where string) (NamedPolicy, error) {
	p, err := ParsePolicy(bp.Document)
	if err != nil {
		return NamedPolicy{}, fmt.Errorf("%s (%s).document: %v", where, bp.Name, err)
	}
	name := bp.Name
	if name == "" {
		name = where
	}
	return NamedPolicy{Name: name, Policy: p}, nil
}

// DecideBatchLine answers one request line; a bad line gets decision
// "error" with the reason, and never stops the batch.
func DecideBatchLine(line []byte) BatchDecision {
	br, req, pol, err := ParseBatchRequest(line)
	if err != nil {
		return BatchDecision{ID: br.ID, Decision: "error", Reasons: []Reason{}, Error: err.Error()}
	}
	r := Decide(req, pol)
	if note := MissingTrust(req, pol); note != "" && (r.Decision == Allowed || r.Decision == Conditional) {
		r.Reasons = append(r.Reasons, Reason{PolicyType: "resource_policy", Note: note})
	}
	if r.Reasons == nil {
		r.Reasons = []Reason{}
	}
	return BatchDecision{ID: br.ID, Decision: r.Decision, Reasons: r.Reasons}
}
