package aws

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Service rules that change how the policies of a request combine.
//
//   - Assuming a role (sts:AssumeRole, AssumeRoleWithWebIdentity,
//     AssumeRoleWithSAML, and the sts:TagSession, sts:SetSourceIdentity and
//     sts:SetContext that go with it) needs the role's trust policy, the
//     request's resource policy: within the account, a trust statement that
//     names the caller allows on its own, one that names only the caller's
//     account needs an identity policy that allows too; across accounts both
//     must allow. An identity policy alone never lets one assume a role.
//   - A KMS key's key policy must allow in the same way: identity policies
//     count only when the key policy delegates to the account (a statement
//     naming arn:aws:iam::ACCT:root or ACCT). Grants on the key allow their
//     grantee the grant's operations; a grant to an account needs an identity
//     policy of that account that allows too.
//   - The aliases of AWS managed keys (alias/aws/...) cannot be created,
//     changed or deleted by anyone.
//
// The rules apply to a request for one role or key. A request for a set of
// resources (Request.ResourcePattern, as who-can asks) answers the identity
// side only, as before: a trust or key policy belongs to one resource. So
// does a request to assume a role that carries no trust policy (the
// analysis decides sts:AssumeRole without it for its iam.escalate facts,
// and with it for the graph's assume-role edges; MissingTrust): every role
// has one. A KMS request without a key policy is denied, unless a grant
// allows it.

// MissingTrust is, for a request to assume one role that carries no trust
// policy, a note saying that its answer is the identity side only, and ""
// for every other request. Every role has a trust policy; without it the
// request is decided as the simulator and who-can's iam.escalate facts ask
// it (may the caller's policies assume the role), and the answer says so.
func MissingTrust(req *Request, pol *Policies) string {
	svc, name, _ := strings.Cut(req.Action, ":")
	res := newResource(req.Resource, req.ResourcePattern)
	if needOf(strings.ToLower(svc), strings.ToLower(name), &res) != trustNeed || pol.Resource != nil && pol.Resource.Policy != nil {
		return ""
	}
	return "no trust policy given: decided on the identity side only; assuming the role also needs its trust policy to allow the principal (give it as the resource policy)"
}

// resourcePolicyNeed says which resource policy a request cannot do without.
type resourcePolicyNeed int8

const (
	noNeed    resourcePolicyNeed = iota
	trustNeed                    // a role's trust policy
	keyNeed                      // a KMS key policy
)

// trustActions are the STS actions authorized by the role's trust policy.
var trustActions = map[string]bool{
	"assumerole": true, "assumerolewithwebidentity": true, "assumerolewithsaml": true,
	"tagsession": true, "setsourceidentity": true, "setcontext": true,
}

func needOf(svc, name string, r *resource) resourcePolicyNeed {
	if !r.arn || r.pattern {
		return noNeed
	}
	res := strings.ToLower(r.parts[5])
	switch {
	case svc == "sts" && trustActions[name] && r.parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		return trustNeed
	case svc == "kms" && r.parts[2] == "kms" && strings.HasPrefix(res, "key/"):
		return keyNeed
	}
	return noNeed
}

func (n resourcePolicyNeed) String() string {
	switch n {
	case trustNeed:
		return "trust policy"
	case keyNeed:
		return "key policy"
	}
	return ""
}

// kmsProtected reports requests that KMS refuses whatever the policies say:
// creating, updating or deleting an alias of an AWS managed key.
func kmsProtected(svc, name string, r *resource) bool {
	if svc != "kms" || !r.arn || r.pattern || r.parts[2] != "kms" {
		return false
	}
	switch name {
	case "createalias", "updatealias", "deletealias":
		return strings.HasPrefix(strings.ToLower(r.parts[5]), "alias/aws/")
	}
	return false
}

// KMSGrant is a grant on a KMS key, as `aws kms list-grants` prints each
// element of Grants. Only GranteePrincipal, Operations, Constraints and
// KeyId matter to a decision; the other fields name it.
type KMSGrant struct {
	KeyId             string            `json:"KeyId,omitempty"`
	GrantId           string            `json:"GrantId,omitempty"`
	Name              string            `json:"Name,omitempty"`
	CreationDate      json.RawMessage   `json:"CreationDate,omitempty"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount,omitempty"`
	Operations        []string          `json:"Operations"`
	Constraints       *GrantConstraints `json:"Constraints,omitempty"`
}

// GrantConstraints are a grant's encryption-context constraints: the grant
// applies only to requests whose encryption context (context keys
// kms:EncryptionContext:KEY) holds the Subset pairs, or exactly the Equals
// pairs.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

// grantOperations are the operations a grant may allow (the KMS API's
// GrantOperation values), lower-cased.
var grantOperations = map[string]string{}

func init() {
	for _, op := range []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant",
		"DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
		"DeriveSharedSecret"} {
		grantOperations[strings.ToLower(op)] = op
	}
}

// Check reports a grant that KMS would not hold: no grantee, or an
// operation that is not a grant operation.
func (g *KMSGrant) Check() error {
	if g.GranteePrincipal == "" {
		return fmt.Errorf("grant %s: GranteePrincipal is required", g.label())
	}
	if len(g.Operations) == 0 {
		return fmt.Errorf("grant %s: Operations is required", g.label())
	}
	for _, op := range g.Operations {
		if _, ok := grantOperations[strings.ToLower(strings.TrimPrefix(op, "kms:"))]; !ok {
			return fmt.Errorf("grant %s: %q is not a grant operation", g.label(), op)
		}
	}
	return nil
}

func (g *KMSGrant) label() string {
	switch {
	case g.GrantId != "":
		return g.GrantId
	case g.Name != "":
		return g.Name
	}
	return "(unnamed)"
}

// covers reports whether the grant, on the request's key, allows the
// action (by its lower-cased name) to the caller: directly (it names the
// caller, or the role behind the caller's session) or through the caller's
// account (it names the account, whose identity policies must allow).
func (g *KMSGrant) covers(name string, r *resource, p *PrincipalInfo, ctx *Context) (principalMatch, Tri) {
	if g.KeyId != "" && strings.HasPrefix(g.KeyId, "arn:") && g.KeyId != r.raw {
		return noPrincipalMatch, False
	}
	op := false
	for _, o := range g.Operations {
		if strings.EqualFold(strings.TrimPrefix(o, "kms:"), name) {
			op = true
			break
		}
	}
	if !op {
		return noPrincipalMatch, False
	}
	typ := "AWS"
	if !strings.HasPrefix(g.GranteePrincipal, "arn:") && !isAccountID(g.GranteePrincipal) {
		typ = "Service"
	}
	pm := matchPrincipalValue(typ, g.GranteePrincipal, p)
	if pm == noPrincipalMatch {
		return noPrincipalMatch, False
	}
	return pm, g.Constraints.match(ctx)
}

const encryptionContextPrefix = "kms:encryptioncontext:"

func (c *GrantConstraints) match(ctx *Context) Tri {
	if c == nil {
		return True
	}
	out := True
	pairs := func(m map[string]string) {
		for k, v := range m {
			cv, present := ctx.lookup(encryptionContextPrefix + k)
			switch {
			case present == True:
				out = out.And(triOf(len(cv.Values) == 1 && cv.Values[0] == v))
			default:
				out = out.And(present)
			}
		}
	}
	pairs(c.EncryptionContextSubset)
	if c.EncryptionContextEquals != nil {
		pairs(c.EncryptionContextEquals)
		// No other pair may be in the request's encryption context.
		if ctx == nil || !ctx.Complete {
			out = out.And(Unknown)
		} else {
			want := map[string]bool{}
			for k := range c.EncryptionContextEquals {
				want[strings.ToLower(encryptionContextPrefix+k)] = true
			}
			for _, k := range ctx.Keys() {
				if strings.HasPrefix(k, encryptionContextPrefix) && !want[k] {
					out = False
				}
			}
		}
	}
	return out
}
