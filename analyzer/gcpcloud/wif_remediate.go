package gcpcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/gcp"
)

// KindWIFPin gives a workload identity provider an attribute condition
// that pins the repository and ref of the tokens it accepts (rule IW-011).
const KindWIFPin = "gcp-wif-pin"

// wifOpenTrustRule is the rule whose findings KindWIFPin resolves.
const wifOpenTrustRule = "IW-011"

// wifPlaceholder marks a value the reviewer must write: no token's claim
// starts with it, so the condition applied as it is lets no token in (it
// closes the provider rather than guessing a repository).
const wifPlaceholder = "IMAGEWARDEN-REVIEW-"

// wifIDRE is a pool or provider ID: 4 to 32 lower-case letters, digits and
// hyphens (gcloud iam workload-identity-pools create).
var wifIDRE = regexp.MustCompile(`^[a-z0-9-]{4,32}$`)

func validWIFID(s string) error {
	if !wifIDRE.MatchString(s) || strings.HasPrefix(s, "gcp-") {
		return errors.New("a workload identity pool or provider ID is 4 to 32 lower-case letters, digits and hyphens, not starting with gcp-")
	}
	return nil
}

// wifPinCondition is the condition a provider gets: the claims that name
// one repository and one ref, on the platform; repo is the repository when
// the findings name exactly one, else a placeholder. The provider's former
// condition is kept, and-ed in front, so that nothing it refused is let in.
func wifPinCondition(platform, old, repo string) (string, []string) {
	var parts []string
	var fill []string
	q := func(v string) string { return "'" + v + "'" }
	switch platform {
	case "github-actions", "gitlab":
		claim := "repository"
		if platform == "gitlab" {
			claim = "project_path"
		}
		if repo == "" || strings.ContainsAny(repo, `'"\`) {
			repo = wifPlaceholder + "OWNER/REPOSITORY"
			fill = append(fill, repo)
		}
		ref := wifPlaceholder + "refs/heads/BRANCH"
		fill = append(fill, ref)
		parts = append(parts, "assertion."+claim+" == "+q(repo), "assertion.ref == "+q(ref))
	default:
		sub := wifPlaceholder + "SUBJECT"
		fill = append(fill, sub)
		parts = append(parts, "assertion.sub == "+q(sub))
	}
	cond := strings.Join(parts, " && ")
	if old != "" {
		cond = "(" + old + ") && " + cond
	}
	return cond, fill
}

// wifProviderDoc is the part of a provider the change rewrites.
type wifProviderDoc struct {
	Name               string `json:"name"`
	AttributeCondition string `json:"attributeCondition,omitempty"`
}

// wifPinChanges plans, for every provider an IW-011 finding starts from
// (its principal, federated:PROVIDER), a condition pinning the repository
// and ref, when some trust of the provider is wider than pinned.
func (s *Snapshot) wifPinChanges(findings []*model.Finding) []remediate.Change {
	if s.wif == nil {
		return nil
	}
	byProvider := map[string][]string{}
	for _, f := range findings {
		if f.RuleID != wifOpenTrustRule || len(f.Path) == 0 || f.Path[0].Cloud != cloudName {
			continue
		}
		name, ok := strings.CutPrefix(f.Path[0].From, model.FederatedPrefix)
		if !ok {
			continue
		}
		byProvider[name] = append(byProvider[name], f.ID)
	}
	if len(byProvider) == 0 {
		return nil
	}
	names := make([]string, 0, len(byProvider))
	for n := range byProvider {
		names = append(names, n)
	}
	sort.Strings(names)
	trusts := s.FederatedTrusts()
	var out []remediate.Change
	for _, name := range names {
		var p *wifProvider
		for _, q := range s.wif.providers {
			if q.name == name {
				p = q
			}
		}
		if p == nil {
			continue
		}
		repos := map[string]bool{}
		var was []string
		open, wide := false, false
		for _, t := range trusts {
			if t.Provider != model.FederatedPrefix+name || t.Scope == "pinned" {
				continue
			}
			open = true
			wide = wide || t.Scope != "repository"
			subj := "any subject"
			if len(t.Subjects) > 0 {
				subj = strings.Join(t.Subjects, ", ")
			}
			was = append(was, t.Statement+" -> "+t.Principal+": "+subj+" ("+t.Scope+")")
			for _, sub := range t.Subjects {
				if r, ok := strings.CutPrefix(sub, "repo:"); ok && t.Scope == "repository" {
					repos[strings.TrimSuffix(r, ":*")] = true
				}
			}
		}
		if !open {
			continue
		}
		// The repository is written in only when every open trust names
		// the same one; otherwise which repository publishes is not known.
		repo := ""
		if len(repos) == 1 && !wide {
			for r := range repos {
				repo = r
			}
		}
		platform := oidcPlatform(p.issuer)
		cond, fill := wifPinCondition(platform, p.condition, repo)
		before, after := wifDoc(p.name, p.condition), wifDoc(p.name, cond)
		sort.Strings(was)
		c := remediate.Change{Cloud: cloudName, Kind: KindWIFPin, Target: p.name + " attribute condition",
			FindingIDs: byProvider[name], Params: map[string]string{"provider": p.name}}
		c.Before, c.After = before, after
		c.Summary = fmt.Sprintf("workload identity provider %s: pin the repository and ref of its tokens (attribute condition; placeholder to fill in)", p.name)
		c.Notes = append(c.Notes, fmt.Sprintf("the provider (%s, %s) let in: %s; replace %s with the one repository and ref (branch or tag) that publishes: imagewarden cannot know them, and the placeholders as they are let no token in",
			p.issuer, platform, strings.Join(was, "; "), strings.Join(fill, " and ")))
		// projects/N/locations/global/workloadIdentityPools/POOL/providers/PROV
		parts := strings.Split(p.name, "/")
		if len(parts) != 8 || parts[0] != "projects" || parts[2] != "locations" || parts[4] != "workloadIdentityPools" || parts[6] != "providers" {
			c.Refuse("provider name", p.name, errors.New("not projects/N/locations/L/workloadIdentityPools/POOL/providers/PROV"))
			out = append(out, c)
			continue
		}
		ok := c.Check("project", parts[1], gcp.ValidProject(parts[1]))
		ok = ok && c.Check("location", parts[3], gcp.ValidLocation(parts[3]))
		ok = ok && c.Check("workload identity pool", parts[5], validWIFID(parts[5]))
		ok = ok && c.Check("workload identity provider", parts[7], validWIFID(parts[7]))
		ok = ok && c.Check("attribute condition", cond, gcp.ValidConditionExpression(cond))
		if ok {
			c.AddCommand("gcloud", "iam", "workload-identity-pools", "providers", "update-oidc", parts[7],
				"--workload-identity-pool="+parts[5], "--location="+parts[3], "--project="+parts[1], "--attribute-condition="+cond)
		}
		out = append(out, c)
	}
	return out
}

// wifDoc is a provider's name and condition as JSON text (&& as written).
func wifDoc(name, cond string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(wifProviderDoc{Name: name, AttributeCondition: cond})
	return strings.TrimSuffix(b.String(), "\n")
}

// applyWIFPin replays a KindWIFPin change: the provider's condition
// becomes the one after the change.
func (s *Snapshot) applyWIFPin(c remediate.Change) error {
	var d wifProviderDoc
	if err := remediate.DecodeArtifact(c, "the provider after the change", &d); err != nil {
		return err
	}
	if d.Name != c.Params["provider"] {
		return fmt.Errorf("the provider after the change is %s, not %s", d.Name, c.Params["provider"])
	}
	if s.wif != nil {
		for _, p := range s.wif.providers {
			if p.name == d.Name {
				p.condition = strings.TrimSpace(d.AttributeCondition)
				return nil
			}
		}
	}
	return fmt.Errorf("workload identity provider %s is not in the inputs", d.Name)
}
