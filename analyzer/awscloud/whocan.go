package awscloud

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Owns reports AWS actions: service:Action.
func (s *Snapshot) Owns(permission string) bool {
	svc, name, ok := strings.Cut(permission, ":")
	return ok && svc != "" && name != "" && !strings.ContainsAny(permission, "/ ")
}

// WhoCan decides one action for every principal. With a resource ARN the
// decision is exact for that resource (its policy applied when the inputs
// have it); without one it is "anywhere in the principal's account": the
// action's resource type from the catalog when known, every resource of the
// service otherwise, plus the resources the inputs list.
func (s *Snapshot) WhoCan(action, resource string) []model.Answer {
	s.resolve()
	var out []model.Answer
	for _, p := range s.principals {
		best, ok := s.bestAnswer(p, action, resource)
		if ok {
			out = append(out, best)
		}
	}
	return out
}

func (s *Snapshot) bestAnswer(p *principal, action, resource string) (model.Answer, bool) {
	type try struct {
		res     string
		pattern bool
		account string
		policy  *iam.NamedPolicy
	}
	var tries []try
	if resource != "" {
		t := try{res: resource, pattern: strings.ContainsAny(resource, "*?")}
		if r, ok := s.repos[resource]; ok {
			t.policy, t.account = r.policy, r.account
		}
		if im, ok := s.images[resource]; ok {
			t.account = im.owner
		}
		tries = append(tries, t)
	} else {
		svc, _, _ := strings.Cut(action, ":")
		for _, k := range s.knownResources() {
			if strings.EqualFold(strings.SplitN(k.model.ID, ":", 4)[2], svc) {
				tries = append(tries, try{res: k.model.ID, pattern: k.pattern, account: k.account, policy: k.policy})
			}
		}
		if !p.external {
			if entries := s.catalogFormats(action); len(entries) > 0 {
				for _, f := range entries {
					if f == "*" {
						tries = append(tries, try{res: "*"})
					} else {
						tries = append(tries, try{res: instantiate(f, p.account), pattern: true, account: p.account})
					}
				}
			} else {
				tries = append(tries, try{res: "*"}, try{res: "arn:aws:" + strings.ToLower(svc) + ":*:" + p.account + ":*", pattern: true, account: p.account})
			}
		}
	}
	var best model.Answer
	found := false
	for _, t := range tries {
		if p.external && t.policy == nil {
			continue
		}
		req := &iam.Request{Principal: p.arn, Caller: p.caller, Action: action, Resource: t.res, ResourcePattern: t.pattern, ResourceAccount: t.account, Context: p.ctx}
		r := iam.Decide(req, p.policies(t.policy))
		tg, ok := target(r, t.res, t.policy != nil, false, p.external)
		if !ok {
			continue
		}
		if t.pattern {
			tg.Except = partialDenies(req, p.policies(t.policy))
		}
		if !found || (best.Access == model.Conditional && tg.Access == model.Allowed) {
			best = model.Answer{ID: p.arn, Cloud: cloudName, Kind: p.kind, Name: p.name, Access: tg.Access, Resource: t.res, Via: tg.Via, Except: tg.Except}
			found = true
		}
	}
	return best, found
}

// catalogFormats returns the resource formats the catalog gives an action.
func (s *Snapshot) catalogFormats(action string) []string {
	if s.cat == nil {
		return nil
	}
	var out []string
	for _, e := range s.cat.Lookup(cloudName, action) {
		out = append(out, e.Resource)
	}
	return out
}

// PrincipalKind tells the kind and name of a principal of the inputs, for
// the answers reached through a chain (analyzer.WhoCan).
func (s *Snapshot) PrincipalKind(id string) (kind, name string, ok bool) {
	if p, found := s.byARN[id]; found {
		return p.kind, p.name, true
	}
	return "", "", false
}
