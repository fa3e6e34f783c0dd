package azurecloud

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/azure"
)

// Fixes of eligible assignments (pim.go) and federated identity
// credentials (federation.go).
const (
	// KindEligibleRemove removes an eligible (PIM) role assignment with a
	// roleEligibilityScheduleRequests AdminRemove request.
	KindEligibleRemove = "azure-eligible-remove"
	// KindFederatedPin pins the subject of a managed identity's federated
	// identity credentials (rule IW-011).
	KindFederatedPin = "azure-federated-credential-pin"
	// pimAPIVersion is the api-version of the PIM requests.
	pimAPIVersion = "2020-10-01"
	// federatedPlaceholderPrefix marks the subject the reviewer must write:
	// no token's subject starts with it, so the change applied as it is
	// lets no token in.
	federatedPlaceholderPrefix = "IMAGEWARDEN-REVIEW-"
	// oidcOpenTrustRule is the rule whose findings KindFederatedPin resolves.
	oidcOpenTrustRule = "IW-011"
)

// eligibleRequest is the body of a roleEligibilityScheduleRequests PUT.
type eligibleRequest struct {
	Properties eligibleRequestProps `json:"properties"`
}

type eligibleRequestProps struct {
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	RequestType      string `json:"requestType"`
	Justification    string `json:"justification"`
}

// eligibleChanges remove the eligible assignments behind findings. A
// finding is one the change resolves when every grant behind it is that
// one eligible assignment.
func (s *Snapshot) eligibleChanges(findings []*model.Finding) []remediate.Change {
	if s.pim == nil || len(s.pim.eligible) == 0 {
		return nil
	}
	ix := s.eligibleIndex()
	byID := map[string][]string{} // eligible assignment id (lower) -> findings it alone gives
	seen := map[string]bool{}
	var order []string
	for _, f := range findings {
		if f.PrincipalID == "" {
			continue
		}
		elig := remediate.Grants(f, PolicyTypeEligibility)
		if len(elig) == 0 {
			continue
		}
		behind := map[string]bool{}
		for _, g := range elig {
			for _, a := range ix.of(g) {
				behind[strings.ToLower(a.ID)] = true
			}
		}
		for id := range behind {
			if !seen[id] {
				seen[id] = true
				order = append(order, id)
			}
		}
		if len(behind) == 1 && len(remediate.Grants(f, "role_assignment")) == 0 {
			for id := range behind {
				byID[id] = append(byID[id], f.ID)
			}
		}
	}
	sort.Strings(order)
	byLowerID := map[string]*azure.Assignment{}
	for _, l := range ix {
		for _, a := range l {
			byLowerID[strings.ToLower(a.ID)] = a
		}
	}
	var out []remediate.Change
	for _, id := range order {
		a := byLowerID[id]
		if a == nil {
			continue
		}
		out = append(out, s.eligibleRemoveChange(a, byID[id]))
	}
	return out
}

// eligibleIndex files the eligible assignments by principal, scope and
// role name, the three a grant names: built once per plan.
type eligibleIndex map[[3]string][]*azure.Assignment

func (s *Snapshot) eligibleIndex() eligibleIndex {
	ix := eligibleIndex{}
	for i := range s.assignments {
		a := &s.assignments[i]
		if s.eligibilityOf(a) == nil {
			continue
		}
		if r := s.roles[azure.RoleKey(a.RoleID)]; r != nil {
			k := [3]string{a.PrincipalID, a.Scope, r.Name}
			ix[k] = append(ix[k], a)
		}
	}
	return ix
}

// of finds the eligible assignments behind a grant: at its scope, of its
// role, to the principal its note names.
func (ix eligibleIndex) of(g model.Grant) []*azure.Assignment {
	_, who, ok := strings.Cut(g.Note, "; eligible: ")
	if !ok {
		return nil
	}
	who, _, _ = strings.Cut(who, " ")
	return ix[[3]string{strings.ToLower(who), azure.NormalizeScope(g.Policy), strings.TrimSuffix(g.Statement, " (eligible)")}]
}

// requestName is the name of a schedule request: a GUID made from what it
// removes, the same in every run.
func requestName(seed string) string {
	h := sha256.Sum256([]byte(seed))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

func (s *Snapshot) eligibleRemoveChange(a *azure.Assignment, findings []string) remediate.Change {
	e := s.eligibilityOf(a)
	scope := s.name(a.Scope)
	roleName := a.RoleID
	if r := s.roles[azure.RoleKey(a.RoleID)]; r != nil && r.Name != "" {
		roleName = r.Name
	}
	body := eligibleRequest{Properties: eligibleRequestProps{PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleID, RequestType: "AdminRemove",
		Justification: "imagewarden: remove the eligible " + roleName + " assignment that lets the principal write images"}}
	before := map[string]string{"id": e.id, "principalId": a.PrincipalID, "roleDefinitionId": a.RoleID, "scope": scope}
	if e.end != "" {
		before["endDateTime"] = e.end
	}
	c := remediate.Change{Cloud: cloudName, Kind: KindEligibleRemove, Target: scope + " eligible assignment of " + roleName + " to " + a.PrincipalID,
		Before: indent(before), After: indent(body), FindingIDs: findings,
		Params: map[string]string{"eligibility": e.id, "principal": a.PrincipalID, "role": a.RoleID, "scope": scope}}
	c.Summary = fmt.Sprintf("%s on %s: remove the eligible (PIM) %s assignment", s.principalLabel(*a), scope, roleName)
	c.Check("principal id", a.PrincipalID, azure.ValidGUID(a.PrincipalID))
	c.Check("role definition id", a.RoleID, azure.ValidRoleDefinitionID(a.RoleID))
	c.Check("scope", scope, azure.ValidScope(scope))
	url := "https://management.azure.com" + scope + "/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/" +
		requestName(strings.ToLower(e.id)) + "?api-version=" + pimAPIVersion
	c.AddCommand(remediate.Command([]string{"az", "rest"}, "--method", "put", "--url", url, "--body", "@"+remediate.ArtifactPlaceholder)...)
	if strings.EqualFold(a.Type, "Group") {
		c.Notes = append(c.Notes, "a group's eligibility: the change applies to every member of the group")
	}
	c.Notes = append(c.Notes, "a role activated from this eligibility stays active until its activation ends: list roleAssignmentScheduleInstances at the scope to see it")
	return c
}

// applyEligibleRemove replays KindEligibleRemove: the request must be an
// AdminRemove of the eligibility's principal and role.
func (s *Snapshot) applyEligibleRemove(c remediate.Change) error {
	var req eligibleRequest
	if err := remediate.DecodeArtifact(c, "the eligibility schedule request", &req); err != nil {
		return err
	}
	if req.Properties.RequestType != "AdminRemove" {
		return fmt.Errorf("the eligibility schedule request is %q, not AdminRemove", req.Properties.RequestType)
	}
	id := strings.ToLower(c.Params["eligibility"])
	for i := range s.assignments {
		a := &s.assignments[i]
		if strings.ToLower(a.ID) != id || s.eligibilityOf(a) == nil {
			continue
		}
		if !strings.EqualFold(a.PrincipalID, req.Properties.PrincipalID) || azure.RoleKey(a.RoleID) != azure.RoleKey(req.Properties.RoleDefinitionID) {
			return fmt.Errorf("the request names principal %s and role %s, the eligibility %s and %s", req.Properties.PrincipalID,
				req.Properties.RoleDefinitionID, a.PrincipalID, a.RoleID)
		}
		s.assignments = append(s.assignments[:i:i], s.assignments[i+1:]...)
		delete(s.pim.eligible, id)
		s.byPrincipal = nil
		return nil
	}
	return fmt.Errorf("no eligible assignment %s in the inputs", c.Params["eligibility"])
}

// federatedPlaceholder is the pinned subject to fill in, in the
// platform's format.
func federatedPlaceholder(platform string) string {
	switch platform {
	case "github-actions":
		return federatedPlaceholderPrefix + "repo:OWNER/REPOSITORY:environment:ENVIRONMENT"
	case "gitlab":
		return federatedPlaceholderPrefix + "project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH"
	case "terraform-cloud":
		return federatedPlaceholderPrefix + "organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:apply"
	case "kubernetes":
		return federatedPlaceholderPrefix + "system:serviceaccount:NAMESPACE:SERVICE-ACCOUNT"
	}
	return federatedPlaceholderPrefix + "SUBJECT"
}

// credentialDoc is a federated identity credential as az prints it (the
// fields the plug-in reads).
type credentialDoc struct {
	Name                     string         `json:"name"`
	Issuer                   string         `json:"issuer"`
	Subject                  string         `json:"subject,omitempty"`
	ClaimsMatchingExpression map[string]any `json:"claimsMatchingExpression,omitempty"`
	Audiences                []string       `json:"audiences"`
}

func (c *federatedCredential) doc() credentialDoc {
	d := credentialDoc{Name: c.name, Issuer: c.issuer, Subject: c.subject, Audiences: orEmpty(c.audiences)}
	if c.expression != "" {
		d.ClaimsMatchingExpression = map[string]any{"value": c.expression, "languageVersion": 1}
	}
	return d
}

// identityParts splits a user-assigned identity's resource id into its
// subscription, resource group and name.
func identityParts(id string) (sub, group, name string, ok bool) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) != 8 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") ||
		!strings.EqualFold(p[5], "Microsoft.ManagedIdentity") || !strings.EqualFold(p[6], "userAssignedIdentities") {
		return "", "", "", false
	}
	return p[1], p[3], p[7], true
}

// identityName: a user-assigned identity's name (3 to 128 letters, digits,
// hyphens and underscores, starting with a letter or digit).
var identityName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$`)

// credentialName: a federated identity credential's name (3 to 120
// letters, digits, hyphens and underscores, starting with a letter or
// digit).
var credentialName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$`)

func validIdentityName(s string) error {
	if !identityName.MatchString(s) {
		return errors.New("a user-assigned identity's name is 3 to 128 letters, digits, hyphens and underscores, starting with a letter or digit")
	}
	return nil
}

func validCredentialName(s string) error {
	if !credentialName.MatchString(s) {
		return errors.New("a federated identity credential's name is 3 to 120 letters, digits, hyphens and underscores, starting with a letter or digit")
	}
	return nil
}

// validIssuer: an https URL without spaces or control characters.
func validIssuer(s string) error {
	if !strings.HasPrefix(s, "https://") || len(s) > 2048 || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("an issuer is an https URL without spaces")
	}
	return nil
}

// validAudience: an audience az takes as one value of --audiences.
func validAudience(s string) error {
	if s == "" || strings.HasPrefix(s, "-") || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("an audience is a value without spaces that does not start with -")
	}
	return nil
}

// federatedPinChanges pin the subject of every open federated identity
// credential of the identities IW-011 findings name (their path's first
// step, from the issuer's node): one change per identity and issuer.
func (s *Snapshot) federatedPinChanges(findings []*model.Finding) []remediate.Change {
	if s.federated == nil {
		return nil
	}
	type key struct{ provider, principal string }
	byKey := map[key][]string{}
	for _, f := range findings {
		if f.RuleID != oidcOpenTrustRule || len(f.Path) == 0 || f.Path[0].Kind != edgeKindFederated {
			continue
		}
		k := key{f.Path[0].From, f.Path[0].To}
		byKey[k] = append(byKey[k], f.ID)
	}
	keys := make([]key, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].principal != keys[j].principal {
			return keys[i].principal < keys[j].principal
		}
		return keys[i].provider < keys[j].provider
	})
	var out []remediate.Change
	for _, k := range keys {
		var open []*federatedCredential
		var trusts []model.FederatedTrust
		for _, c := range s.federated.creds {
			if s.identities[c.identity] != k.principal || model.FederatedPrefix+c.issuer != k.provider {
				continue
			}
			t := s.trustOf(c, k.principal)
			if t.Scope != "pinned" {
				open, trusts = append(open, c), append(trusts, t)
			}
		}
		if len(open) == 0 {
			continue
		}
		out = append(out, s.federatedPinChange(open, trusts, byKey[k]))
	}
	return out
}

func (s *Snapshot) federatedPinChange(open []*federatedCredential, trusts []model.FederatedTrust, findings []string) remediate.Change {
	identity := open[0].identityDisplay
	var before, after []credentialDoc
	var names []string
	c := remediate.Change{Cloud: cloudName, Kind: KindFederatedPin, FindingIDs: findings,
		Params: map[string]string{"identity": open[0].identity, "provider": model.FederatedPrefix + open[0].issuer}}
	sub, group, name, ok := identityParts(identity)
	if !ok {
		c.Refuse("managed identity id", identity, errors.New("not /subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME"))
	}
	c.Check("subscription id", sub, azure.ValidGUID(sub))
	c.Check("resource group", group, azure.ValidResourceGroupName(group))
	c.Check("managed identity name", name, validIdentityName(name))
	for i, cr := range open {
		d := cr.doc()
		before = append(before, d)
		placeholder := federatedPlaceholder(trusts[i].Platform)
		d.Subject, d.ClaimsMatchingExpression = placeholder, nil
		after = append(after, d)
		names = append(names, cr.name)
		c.Params["subject:"+cr.name] = placeholder
		was := "subject " + cr.subject
		if cr.expression != "" {
			was = "claimsMatchingExpression " + cr.expression
		}
		c.Notes = append(c.Notes, fmt.Sprintf("credential %s (%s, %s) let in %s (%s): replace the placeholder %s with the exact subject of the one repository and branch or environment that publishes; imagewarden cannot know it, and the placeholder as it is lets no token in",
			cr.name, trusts[i].Issuer, trusts[i].Platform, strings.Join(trusts[i].Subjects, " or "), was, placeholder))
		c.Check("federated identity credential name", cr.name, validCredentialName(cr.name))
		c.Check("issuer", cr.issuer, validIssuer(cr.issuer))
		for _, a := range cr.audiences {
			c.Check("audience", a, validAudience(a))
		}
		base := []string{"az", "identity", "federated-credential"}
		where := []string{"--name", cr.name, "--identity-name", name, "--resource-group", group, "--subscription", sub}
		if cr.expression != "" {
			// A flexible credential becomes an exact one: deleted and made
			// again with the subject.
			c.AddCommand(append(remediate.Command(append(base, "delete"), where...), "--yes")...)
			base = append(base, "create")
		} else {
			base = append(base, "update")
		}
		args := remediate.Command(base, append(where, "--issuer", cr.issuer, "--subject", placeholder)...)
		if len(cr.audiences) > 0 {
			args = append(append(args, "--audiences"), cr.audiences...)
		}
		c.AddCommand(args...)
	}
	c.Target = identity + " federated identity credentials " + strings.Join(names, ", ")
	c.Before, c.After = indent(before), indent(after)
	c.Summary = fmt.Sprintf("managed identity %s: pin the subject of %d federated identity credential(s) (placeholder to fill in)", name, len(open))
	return c
}

// trustOf is the trust of one credential.
func (s *Snapshot) trustOf(c *federatedCredential, principal string) model.FederatedTrust {
	host := issuerHost(c.issuer)
	t := model.FederatedTrust{Cloud: cloudName, Provider: model.FederatedPrefix + c.issuer, Issuer: host, Platform: federatedPlatform(host),
		Principal: principal, Statement: c.name, Audiences: c.audiences}
	if c.expression != "" {
		t.Subjects, t.Scope, t.Note = expressionScope(t.Platform, c.expression)
	} else {
		t.Subjects = []string{c.subject}
		t.Scope, t.Note = exactSubjectScope(t.Platform, c.subject)
	}
	return t
}

// applyFederatedPin replays KindFederatedPin: each credential of the
// identity gets the subject the change gives it, its expression dropped.
func (s *Snapshot) applyFederatedPin(c remediate.Change) error {
	var after []credentialDoc
	if err := remediate.DecodeArtifact(c, "the credentials after the change", &after); err != nil {
		return err
	}
	if s.federated == nil {
		return fmt.Errorf("no federated identity credentials in the inputs")
	}
	for _, d := range after {
		if d.Subject == "" || d.ClaimsMatchingExpression != nil {
			return fmt.Errorf("credential %s: the change must give an exact subject", d.Name)
		}
		found := false
		for _, cr := range s.federated.creds {
			if cr.identity == c.Params["identity"] && cr.name == d.Name && model.FederatedPrefix+cr.issuer == c.Params["provider"] {
				cr.subject, cr.expression, found = d.Subject, "", true
			}
		}
		if !found {
			return fmt.Errorf("no federated identity credential %s of %s in the inputs", d.Name, c.Params["identity"])
		}
	}
	return nil
}
