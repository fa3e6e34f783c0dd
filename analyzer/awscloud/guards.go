package awscloud

import (
	"strings"

	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// guardsFunc returns the iam.Policies.Guards of the snapshot: for each
// request, the resource control policies of the resource's account
// (organization.go) and the Deny statements of the registry policy of an
// ECR repository's registry (inventory.go). nil when the inputs have
// neither, so that decisions without them cost nothing more.
//
// The registry policy: with the V2 scope (the default) "Amazon ECR allows
// all ECR actions in the policy and enforces the registry policy in all
// ECR requests" (ECR user guide, "Private registry permissions"); with V1
// it governs ecr:ReplicateImage, ecr:BatchImportUpstreamImage and
// ecr:CreateRepository only. So a Deny in it denies on every repository of
// the registry (explicit deny anywhere wins), and an Allow in it grants as
// a resource policy would. The Allow side is already reported, once, on
// the registry's pattern (arn:aws:ecr:REGION:ACCOUNT:repository/*, a
// known resource of its own, inventory.go), which covers each repository;
// repeating it per repository would only duplicate it, so the repositories
// get the Deny statements alone.
func (s *Snapshot) guardsFunc() func(action, account, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy) {
	rcps := map[string][][]iam.NamedPolicy{}
	if s.org != nil && s.org.hasRCPs {
		for a := range s.org.accounts {
			if l := s.org.rcpLevels(a); l != nil {
				rcps[a] = l
			}
		}
	}
	hasRegistry := false
	for _, id := range s.more.registryOrder {
		hasRegistry = hasRegistry || s.more.registries[id].denies != nil
	}
	if len(rcps) == 0 && !hasRegistry {
		return nil
	}
	return func(action, account, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy) {
		var reg *iam.NamedPolicy
		if hasRegistry && len(action) > 4 && strings.EqualFold(action[:4], "ecr:") {
			if r := s.registryOf(resource, pattern); r != nil && r.denies != nil && resource != r.id && (r.scope != "V1" || registryV1Lower[strings.ToLower(action)]) {
				reg = r.denies
			}
		}
		return rcps[account], reg
	}
}

var registryV1Lower = func() map[string]bool {
	m := map[string]bool{}
	for a := range registryV1Actions {
		m[strings.ToLower(a)] = true
	}
	return m
}()

// (resource != r.id: on the registry itself the whole policy is the
// request's resource policy already.)

// registryOf returns the private registry holding an ECR repository ARN:
// the registry of its account and region, or the account's registry whose
// region is not known ("*"). A pattern belongs to a registry only when all
// of it does: a pattern over every region only to a registry of unknown
// region. nil for anything else (an ECR Public repository, an image).
func (s *Snapshot) registryOf(resource string, pattern bool) *registry {
	parts := strings.SplitN(resource, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ecr" || !strings.HasPrefix(parts[5], "repository/") || strings.Contains(parts[4], "*") {
		return nil
	}
	if !(pattern && strings.ContainsAny(parts[3], "*?")) {
		if r := s.more.registries["arn:aws:ecr:"+parts[3]+":"+parts[4]+":repository/*"]; r != nil {
			return r
		}
	}
	return s.more.registries["arn:aws:ecr:*:"+parts[4]+":repository/*"]
}

// registryClass is what a known resource's class tag (plan.go) adds so
// that repositories under different registry policies are decided apart.
func (s *Snapshot) registryClass(k *knownResource) string {
	if len(s.more.registryOrder) == 0 || k.viaPolicy {
		return ""
	}
	if r := s.registryOf(k.model.ID, k.pattern); r != nil && r.denies != nil {
		return "|registry:" + r.id
	}
	return ""
}

// adminGuards are the guards of a request made by an administrator of
// account (a principal that granted itself everything there, AdminHolds):
// the resource control policies still apply, since only the
// organization's management account can change them, but the registry
// policy of the admin's own account does not hold it back, since the
// admin can rewrite it. g is the snapshot's guards (guardsFunc, kept on
// every principal); nil when the inputs have no guardrail.
func adminGuards(g func(action, account, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy), account string) func(action, account, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy) {
	if g == nil {
		return nil
	}
	return func(action, resourceAccount, resource string, pattern bool) ([][]iam.NamedPolicy, *iam.NamedPolicy) {
		rcps, registry := g(action, resourceAccount, resource, pattern)
		if resourceAccount == account {
			registry = nil
		}
		return rcps, registry
	}
}
