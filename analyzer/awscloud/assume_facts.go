package awscloud

import (
	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// sts:AssumeRole is the request whose resource policy is the role's trust
// policy: an identity policy that allows it on every role of the account
// ("role/*") lets the principal assume only the roles whose trust admits
// it (same account: the trust names the principal, or names the account
// and the identity policy allows). The catalog files sts:AssumeRole under
// iam.escalate on the account's role pattern; deciding it on the pattern
// alone reported "can escalate on every role" for a principal no trust
// admits. So its targets are the account's roles, each decided with its
// trust (assumableRoles); none when no trust admits the principal.

const assumeRoleAction = "sts:AssumeRole"

// trustIndex files an account's roles by whom their trust policies may
// admit: roles whose trust names the account (its root or its id) or
// anyone ("*", NotPrincipal) under the account, the others under each
// principal ARN their trust names. Built once per evaluation.
type trustIndex struct {
	byAccount map[string][]*principal
	byARN     map[string][]*principal
}

func (s *Snapshot) newTrustIndex() *trustIndex {
	ix := &trustIndex{byAccount: map[string][]*principal{}, byARN: map[string][]*principal{}}
	for _, r := range s.principals {
		if r.kind != "role" || r.trust == nil || r.external {
			continue
		}
		accountWide := false
		named := map[string]bool{}
		for _, st := range r.trust.Statements {
			if st.Principal == nil || st.Effect != iam.Allow {
				continue
			}
			if st.NotPrincipal || st.Principal.HasWildcard() {
				accountWide = true
				continue
			}
			for _, v := range st.Principal.Values["AWS"] {
				pi := iam.ParsePrincipal(v)
				switch {
				case len(v) == 12 || pi.Type == "root":
					accountWide = true // the role's own account or another: decided below
				default:
					named[v] = true
				}
			}
		}
		if accountWide {
			// Any principal of any account may be admitted: file the role
			// under its own account (the catalog pattern is the
			// principal's own account's roles).
			ix.byAccount[r.account] = append(ix.byAccount[r.account], r)
			continue
		}
		for v := range named {
			ix.byARN[v] = append(ix.byARN[v], r)
		}
	}
	return ix
}

// assumableRoles are the targets of sts:AssumeRole for p: the roles of
// p's account that it may assume, each decided with p's policies and the
// role's trust policy as the request's resource policy.
func (s *Snapshot) assumableRoles(p *principal, ix *trustIndex) []model.Target {
	var out []model.Target
	seen := map[*principal]bool{}
	for _, l := range [][]*principal{ix.byAccount[p.account], ix.byARN[p.arn]} {
		for _, r := range l {
			if r == p || seen[r] || r.account != p.account {
				continue
			}
			seen[r] = true
			res := iam.Decide(&iam.Request{Principal: p.arn, Caller: p.caller, Action: assumeRoleAction, Resource: r.arn, ResourceAccount: r.account, Context: p.ctx},
				p.policies(&iam.NamedPolicy{Name: "trust:" + r.name, Policy: r.trust}))
			if t, ok := target(res, r.arn, false, false, false); ok {
				out = append(out, t)
			}
		}
	}
	return out
}
