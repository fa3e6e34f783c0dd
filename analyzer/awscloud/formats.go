// Package awscloud is the AWS plug-in of the analysis: it recognises and
// reads AWS exports (IAM authorization details, ECR and ECR Public
// repositories and policies, ECR registries, AMIs with their launch
// permissions, the image inventory of Image Builder, launch templates and
// AMI parameters, the organization with its SCPs), then decides every
// catalog action for every principal with policies/aws.
package awscloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Formats this plug-in reads.
const (
	FormatAuthDetails    = "aws-iam-authorization-details"
	FormatRepoPolicy     = "aws-ecr-repository-policy"
	FormatRepositories   = "aws-ecr-repositories"
	FormatImages         = "aws-ec2-images"
	FormatOrganization   = "aws-organization"
	cloudName            = "aws"
	externalIdentityNote = "identity policies of this account are not in the inputs: its administrators can grant this"
)

// Recognize names the format of a decoded document, or "". Every AWS
// format is a single JSON object.
func (s *Snapshot) Recognize(doc *model.Document) string {
	if doc.Object == nil {
		return ""
	}
	has := doc.Has
	switch {
	case has("UserDetailList") || has("RoleDetailList") || has("GroupDetailList") || (has("Policies") && !has("Organization") && !has("Accounts")):
		return FormatAuthDetails
	case has("policyText") && (has("repositoryName") || has("repositoryArn")):
		return FormatRepoPolicy
	case has("registryId") && (has("policyText") || has("replicationConfiguration") || has("scanningConfiguration") || has("registryPolicyScope")):
		return FormatRegistry
	case has("ImageInventory"):
		return FormatImageInventory
	case has("repositories"):
		return FormatRepositories
	case has("Images"):
		return FormatImages
	case has("Organization") && (has("Accounts") || has("Roots")):
		return FormatOrganization
	case has("Reservations"):
		return FormatInstances
	case has("Functions"):
		return FormatFunctions
	case has("InstanceProfiles"):
		return FormatInstanceProfiles
	case has("projects") && (has("projectsNotFound") || has("Account") || strings.Contains(string(doc.Object["projects"]), `"serviceRole"`)):
		return FormatCodeBuildProjects
	case has("taskDefinitions"):
		return FormatECS
	}
	return ""
}

// Cloud names the plug-in.
func (s *Snapshot) Cloud() string { return cloudName }

// Load reads one recognised document. Problems inside it (one policy of
// the wrong type, one role without an ARN) skip that element with a warning
// naming the file and the place; the rest of the file is still read.
func (s *Snapshot) Load(file, format string, doc *model.Document) error {
	switch format {
	case FormatAuthDetails:
		return s.loadAuthDetails(file, doc)
	case FormatRepoPolicy:
		return s.loadRepoPolicy(file, doc)
	case FormatRepositories:
		return s.loadRepositories(file, doc)
	case FormatImages:
		return s.loadImages(file, doc)
	case FormatOrganization:
		return s.loadOrganization(file, doc)
	case FormatRegistry:
		return s.loadRegistry(file, doc)
	case FormatImageInventory:
		if err := s.loadImageInventory(file, doc); err != nil {
			return err
		}
		return s.loadImageBuilderCompute(file, doc)
	case FormatInstances:
		return s.loadInstances(file, doc)
	case FormatFunctions:
		return s.loadFunctions(file, doc)
	case FormatInstanceProfiles:
		return s.loadInstanceProfiles(file, doc)
	case FormatCodeBuildProjects:
		return s.loadProjects(file, doc)
	case FormatECS:
		return s.loadECS(file, doc)
	}
	return fmt.Errorf("unknown format %q", format)
}

// decodeStrict decodes raw into v, reporting the JSON field and line of a
// type error.
func decodeStrict(raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		line := 1 + bytes.Count(raw[:min(int(te.Offset), len(raw))], []byte("\n"))
		return fmt.Errorf("%s: must be %s, got JSON %s (line %d of the element)", te.Field, te.Type, te.Value, line)
	}
	return err
}

// decoded remembers what was decoded from each document, by document and
// key ("" for the whole object): analyze with fixes replays the same
// documents into fresh snapshots (analyzer.Loaded), and a replay then
// costs no JSON decoding. What a snapshot keeps from a decoded value it
// never changes in place (slices it may append to are clipped), so one
// decoding serves every snapshot. Bounded by decodedMax bytes of JSON.
var decoded = struct {
	sync.Mutex
	m     map[decodedKey]any
	bytes int
}{m: map[decodedKey]any{}}

const decodedMax = 512 << 20

type decodedKey struct {
	doc *model.Document
	key string
}

// memoDecode returns what decode gives for doc's key, decoding once.
func memoDecode[V any](doc *model.Document, key string, size int, decode func() V) V {
	k := decodedKey{doc, key}
	decoded.Lock()
	v, ok := decoded.m[k]
	decoded.Unlock()
	if ok {
		return v.(V)
	}
	out := decode()
	decoded.Lock()
	if decoded.bytes+size <= decodedMax {
		decoded.m[k] = out
		decoded.bytes += size
	}
	decoded.Unlock()
	return out
}

// objectResult is decodeObject's outcome.
type objectResult[T any] struct {
	v   T
	err error
}

// decodeObject decodes a whole top-level object into v, once per document.
func decodeObject[T any](doc *model.Document, v *T) error {
	size := 0
	for _, raw := range doc.Object {
		size += len(raw)
	}
	r := memoDecode(doc, "", size, func() objectResult[T] {
		var out objectResult[T]
		raw, err := json.Marshal(doc.Object)
		if err != nil {
			out.err = err
			return out
		}
		out.err = decodeStrict(raw, &out.v)
		return out
	})
	*v = r.v
	return r.err
}

func list(top map[string]json.RawMessage, key string) ([]json.RawMessage, error) {
	raw, ok := top[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: must be a list", key)
	}
	return out, nil
}

// elementsResult is elements' outcome.
type elementsResult[T any] struct {
	vals []T
	errs []error
	err  error
}

// elements decodes the list doc.Object[key] (once per document): in one
// pass when every element decodes, else element by element, errs[i]
// saying why element i does not (err: the value is not a list).
func elements[T any](doc *model.Document, key string) (vals []T, errs []error, err error) {
	r := memoDecode(doc, key, len(doc.Object[key]), func() elementsResult[T] {
		var out elementsResult[T]
		out.vals, out.errs, out.err = decodeElements[T](doc.Object, key)
		return out
	})
	return r.vals, r.errs, r.err
}

func decodeElements[T any](top map[string]json.RawMessage, key string) (vals []T, errs []error, err error) {
	raw, ok := top[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil, nil
	}
	if json.Unmarshal(raw, &vals) == nil {
		return vals, nil, nil
	}
	items, err := list(top, key)
	if err != nil {
		return nil, nil, err
	}
	vals, errs = make([]T, len(items)), make([]error, len(items))
	for i, r := range items {
		errs[i] = decodeStrict(r, &vals[i])
	}
	return vals, errs, nil
}

// failed is the error of element i, if any.
func failed(errs []error, i int) error {
	if errs == nil {
		return nil
	}
	return errs[i]
}

type policyDoc = json.RawMessage

type inlinePolicy struct {
	PolicyName     string    `json:"PolicyName"`
	PolicyDocument policyDoc `json:"PolicyDocument"`
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type boundaryRef struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type userDetail struct {
	UserName                string           `json:"UserName"`
	Arn                     string           `json:"Arn"`
	UserPolicyList          []inlinePolicy   `json:"UserPolicyList"`
	GroupList               []string         `json:"GroupList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *boundaryRef     `json:"PermissionsBoundary"`
	Tags                    []tag            `json:"Tags"`
}

type groupDetail struct {
	GroupName               string           `json:"GroupName"`
	Arn                     string           `json:"Arn"`
	GroupPolicyList         []inlinePolicy   `json:"GroupPolicyList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
}

type instanceProfile struct {
	InstanceProfileName string `json:"InstanceProfileName"`
	Arn                 string `json:"Arn"`
}

type roleDetail struct {
	RoleName                 string            `json:"RoleName"`
	Arn                      string            `json:"Arn"`
	AssumeRolePolicyDocument policyDoc         `json:"AssumeRolePolicyDocument"`
	InstanceProfileList      []instanceProfile `json:"InstanceProfileList"`
	RolePolicyList           []inlinePolicy    `json:"RolePolicyList"`
	AttachedManagedPolicies  []attachedPolicy  `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *boundaryRef      `json:"PermissionsBoundary"`
	Tags                     []tag             `json:"Tags"`
}

type policyVersion struct {
	Document         policyDoc `json:"Document"`
	VersionId        string    `json:"VersionId"`
	IsDefaultVersion bool      `json:"IsDefaultVersion"`
}

type managedPolicy struct {
	PolicyName        string          `json:"PolicyName"`
	Arn               string          `json:"Arn"`
	DefaultVersionId  string          `json:"DefaultVersionId"`
	PolicyVersionList []policyVersion `json:"PolicyVersionList"`
}

func accountOf(a string) string {
	p, err := arn.Parse(a)
	if err != nil {
		return ""
	}
	return p.AccountID
}

// parseDoc parses a policy document and names its place on error.
func parseDoc(doc policyDoc, where string) (*iam.Policy, error) {
	if len(bytes.TrimSpace(doc)) == 0 || bytes.Equal(bytes.TrimSpace(doc), []byte("null")) {
		return nil, fmt.Errorf("%s: missing policy document", where)
	}
	p, err := parseCached(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	return p, nil
}

// parsed remembers the policies parsed from documents, by their text: one
// process reads the same inputs several times (analyze with fixes loads
// them four times), exports repeat documents (the AWS managed policies of
// every account), and a parsed policy is never changed (changes replace
// it), so one parse serves them all, with what it has compiled since.
var parsed = struct {
	sync.Mutex
	docs, texts map[string]*iam.Policy // parseCached's and parseCachedString's
	bytes       int
}{docs: map[string]*iam.Policy{}, texts: map[string]*iam.Policy{}}

// parsedMax bounds the text parsed keeps.
const parsedMax = 256 << 20

func parseCached(doc []byte) (*iam.Policy, error) {
	parsed.Lock()
	p, ok := parsed.docs[string(doc)] // no copy of doc for the lookup
	parsed.Unlock()
	if ok {
		return p, nil
	}
	return parseMemo(parsed.docs, string(doc), func() (*iam.Policy, error) { return iam.ParsePolicy(doc) })
}

// parseCachedString is parseCached for a document given as text
// (iam.ParsePolicyString: a repository or registry policy).
func parseCachedString(text string) (*iam.Policy, error) {
	parsed.Lock()
	p, ok := parsed.texts[text]
	parsed.Unlock()
	if ok {
		return p, nil
	}
	return parseMemo(parsed.texts, text, func() (*iam.Policy, error) { return iam.ParsePolicyString(text) })
}

// parseMemo parses text not yet in m, and keeps it there.
func parseMemo(m map[string]*iam.Policy, text string, parse func() (*iam.Policy, error)) (*iam.Policy, error) {
	p, err := parse()
	if err != nil {
		return nil, err
	}
	parsed.Lock()
	if q, ok := m[text]; ok {
		p = q // parsed meanwhile by another goroutine: one policy for one text
	} else if parsed.bytes+len(text) <= parsedMax {
		m[text] = p
		parsed.bytes += len(text)
	}
	parsed.Unlock()
	return p, nil
}

func (s *Snapshot) loadAuthDetails(file string, doc *model.Document) error {
	// Managed policies first: principals refer to them by ARN.
	pols, perr, err := elements[managedPolicy](doc, "Policies")
	if err != nil {
		return err
	}
	for i := range pols {
		mp := &pols[i]
		where := fmt.Sprintf("Policies[%d]", i)
		s.counts.Read(itemPolicies)
		if err := failed(perr, i); err != nil {
			s.counts.Skip(itemPolicies)
			s.warn(file, where, err.Error())
			continue
		}
		if mp.Arn == "" {
			s.counts.Skip(itemPolicies)
			s.warn(file, where, "managed policy without Arn")
			continue
		}
		place := model.Place{File: file, Where: where}
		where += " (" + mp.Arn + ")"
		def, problem := defaultVersion(mp)
		if def == nil {
			s.counts.Skip(itemPolicies)
			if _, ok := s.managed[mp.Arn]; !ok {
				s.badManaged[mp.Arn] = "managed policy " + mp.Arn + ": " + problem + ": it is ignored"
			}
			s.warn(file, where, problem+": the policy is ignored")
			continue
		}
		if problem != "" {
			s.warn(file, where, problem)
		}
		p, err := parseDoc(def.Document, fmt.Sprintf("%s.PolicyVersionList(%s).Document", where, def.VersionId))
		if err != nil {
			s.counts.Skip(itemPolicies)
			s.badManaged[mp.Arn] = err.Error()
			s.warn(file, "", err.Error())
			continue
		}
		doc := def.Document
		fp := func() string { return canonicalJSON(doc) }
		if _, dup := s.managed[mp.Arn]; dup {
			s.counts.Duplicate(itemPolicies)
			if !s.useManagedCopy(mp.Arn, def.VersionId, place, fp, where) {
				continue
			}
		} else {
			s.policyDups.Use(mp.Arn, place)
			s.fingerprints["policy|"+mp.Arn] = fp
		}
		s.managed[mp.Arn] = &managed{name: mp.PolicyName, arn: mp.Arn, version: def.VersionId, policy: p, fromInput: true}
	}
	groups, gerr, err := elements[groupDetail](doc, "GroupDetailList")
	if err != nil {
		return err
	}
	for i, g := range groups {
		where := fmt.Sprintf("GroupDetailList[%d]", i)
		s.counts.Read(itemGroups)
		if err := failed(gerr, i); err != nil {
			s.counts.Skip(itemGroups)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(g.Arn)
		if acct == "" {
			s.counts.Skip(itemGroups)
			s.warn(file, where, fmt.Sprintf("group %q has no valid Arn", g.GroupName))
			continue
		}
		where += " (" + g.Arn + ")"
		gr := &group{name: g.GroupName, arn: g.Arn, account: acct, attached: slices.Clip(g.AttachedManagedPolicies), file: file}
		gr.inline, gr.problems = s.parseInline(file, where+".GroupPolicyList", g.GroupPolicyList)
		s.noteCopy(&s.groupDups, "group", g.Arn, acct+"/"+g.GroupName, model.Place{File: file, Where: fmt.Sprintf("GroupDetailList[%d]", i)}, fingerprintOf(g), where)
		if old, dup := s.groups[acct+"/"+g.GroupName]; dup {
			s.counts.Duplicate(itemGroups) // the later one replaces it, with its inline policies
			for range old.inline {
				s.counts.Duplicate(itemPolicies)
			}
		}
		s.groups[acct+"/"+g.GroupName] = gr
	}
	users, uerr, err := elements[userDetail](doc, "UserDetailList")
	if err != nil {
		return err
	}
	for i, u := range users {
		where := fmt.Sprintf("UserDetailList[%d]", i)
		s.counts.Read(itemPrincipals)
		if err := failed(uerr, i); err != nil {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(u.Arn)
		if acct == "" {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, fmt.Sprintf("user %q has no valid Arn", u.UserName))
			continue
		}
		where += " (" + u.Arn + ")"
		p := &principal{kind: "user", name: u.UserName, arn: u.Arn, account: acct, groups: slices.Clip(u.GroupList),
			attached: slices.Clip(u.AttachedManagedPolicies), boundary: u.PermissionsBoundary, tags: tagMap(u.Tags), file: file}
		p.inline, p.problems = s.parseInline(file, where+".UserPolicyList", u.UserPolicyList)
		s.noteCopy(&s.principalDups, "user", u.Arn, u.Arn, model.Place{File: file, Where: fmt.Sprintf("UserDetailList[%d]", i)}, fingerprintOf(u), where)
		s.addPrincipal(p)
	}
	roles, rerr, err := elements[roleDetail](doc, "RoleDetailList")
	if err != nil {
		return err
	}
	for i, r := range roles {
		where := fmt.Sprintf("RoleDetailList[%d]", i)
		s.counts.Read(itemPrincipals)
		if err := failed(rerr, i); err != nil {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, err.Error())
			continue
		}
		acct := accountOf(r.Arn)
		if acct == "" {
			s.counts.Skip(itemPrincipals)
			s.warn(file, where, fmt.Sprintf("role %q has no valid Arn", r.RoleName))
			continue
		}
		where += " (" + r.Arn + ")"
		p := &principal{kind: "role", name: r.RoleName, arn: r.Arn, account: acct,
			attached: slices.Clip(r.AttachedManagedPolicies), boundary: r.PermissionsBoundary, tags: tagMap(r.Tags), file: file}
		p.inline, p.problems = s.parseInline(file, where+".RolePolicyList", r.RolePolicyList)
		if len(bytes.TrimSpace(r.AssumeRolePolicyDocument)) > 0 {
			tp, err := parseDoc(r.AssumeRolePolicyDocument, where+".AssumeRolePolicyDocument")
			if err != nil {
				s.warn(file, "", err.Error())
			} else {
				p.trust = tp
			}
		}
		for _, ip := range r.InstanceProfileList {
			p.instanceProfiles = append(p.instanceProfiles, ip.Arn)
		}
		s.noteCopy(&s.principalDups, "role", r.Arn, r.Arn, model.Place{File: file, Where: fmt.Sprintf("RoleDetailList[%d]", i)}, fingerprintOf(r), where)
		s.addPrincipal(p)
	}
	return nil
}

// defaultVersion picks the version of a managed policy in force: the one
// DefaultVersionId names, which is authoritative. When the IsDefaultVersion
// markers disagree with it, or it names no version, the problem is
// returned for a warning; without a DefaultVersionId version, the single
// version IsDefaultVersion marks is used; with neither, no version is
// returned and the policy must be refused, never guessed.
func defaultVersion(mp *managedPolicy) (*policyVersion, string) {
	var byID, flagged []*policyVersion
	var all []string
	for j := range mp.PolicyVersionList {
		v := &mp.PolicyVersionList[j]
		all = append(all, v.VersionId)
		if mp.DefaultVersionId != "" && v.VersionId == mp.DefaultVersionId {
			byID = append(byID, v)
		}
		if v.IsDefaultVersion {
			flagged = append(flagged, v)
		}
	}
	ids := func(vs []*policyVersion) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.VersionId)
		}
		return strings.Join(out, ", ")
	}
	if len(byID) > 1 {
		return nil, fmt.Sprintf("PolicyVersionList holds %d versions with the VersionId %s that DefaultVersionId names: which one is in force cannot be told", len(byID), mp.DefaultVersionId)
	}
	if len(byID) == 1 {
		def := byID[0]
		switch {
		case len(flagged) == 1 && flagged[0] == def:
			return def, ""
		case len(flagged) == 0:
			return def, fmt.Sprintf("DefaultVersionId is %s but no version has IsDefaultVersion: %s is used (DefaultVersionId is authoritative)", mp.DefaultVersionId, def.VersionId)
		default:
			return def, fmt.Sprintf("DefaultVersionId is %s but IsDefaultVersion marks %s: %s is used (DefaultVersionId is authoritative)", mp.DefaultVersionId, ids(flagged), def.VersionId)
		}
	}
	why := "DefaultVersionId is missing"
	if mp.DefaultVersionId != "" {
		why = fmt.Sprintf("DefaultVersionId %s names no version in PolicyVersionList (%s)", mp.DefaultVersionId, strings.Join(all, ", "))
	}
	switch len(flagged) {
	case 1:
		return flagged[0], fmt.Sprintf("%s: %s is used, the version IsDefaultVersion marks", why, flagged[0].VersionId)
	case 0:
		return nil, why + " and no version has IsDefaultVersion: no version is known to be in force"
	default:
		return nil, fmt.Sprintf("%s and IsDefaultVersion marks %d versions (%s): which one is in force cannot be told", why, len(flagged), ids(flagged))
	}
}

// versionNumber is N of a policy version id vN, or -1.
func versionNumber(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	if err != nil || !strings.HasPrefix(id, "v") || n < 0 {
		return -1
	}
	return n
}

// useManagedCopy decides between a managed policy already read and another
// copy of it read at place (where: the place with the ARN, for the
// warning), and reports whether the new copy is to be used. Identical
// documents share one note; differing ones are a warning naming both
// places: the newer default version (v3 over v2) is used, or, when the
// version ids do not settle it, the copy read last (inputs are read in the
// order given, a directory's files sorted by name).
func (s *Snapshot) useManagedCopy(arn, version string, place model.Place, fp func() string, where string) bool {
	prev, _ := s.policyDups.Seen(arn, place)
	prev.Fingerprint, place.Fingerprint = s.fingerprints["policy|"+arn](), fp()
	old := s.managed[arn]
	useNew, why := true, "the one read last"
	if o, n := versionNumber(old.version), versionNumber(version); o >= 0 && n >= 0 && o != n {
		useNew, why = n > o, "the newer default version"
	}
	if prev.Fingerprint == place.Fingerprint {
		s.policyDups.Identical(&s.warnings, arn, prev, place)
	} else {
		use := place
		if !useNew {
			use = prev
		}
		s.warn(place.File, where, fmt.Sprintf("managed policy %s is read twice and the documents in force differ: at %s (%s) and at %s (%s): the one at %s is used, %s",
			arn, prev, old.version, place, version, use, why))
	}
	if useNew {
		s.policyDups.Use(arn, place)
		s.fingerprints["policy|"+arn] = fp
	}
	return useNew
}

// noteCopy records a user, role or group read at place (where: the place
// with the ARN, for the warning). One read twice is the one read last, as
// before, but never silently: identical copies (overlapping exports) share
// one note, differing ones are a warning naming both places.
//
// Fingerprints (fp) are computed only when a second copy is read.
func (s *Snapshot) noteCopy(d *model.Duplicates, kind, arn, key string, place model.Place, fp func() string, where string) {
	prev, dup := d.Seen(key, place)
	if !dup {
		s.fingerprints[kind+"|"+key] = fp
		return
	}
	prev.Fingerprint, place.Fingerprint = s.fingerprints[kind+"|"+key](), fp()
	if prev.Fingerprint == place.Fingerprint {
		d.Identical(&s.warnings, arn, prev, place)
	} else {
		s.warn(place.File, where, fmt.Sprintf("%s %s is read twice and the copies differ: at %s and at %s: the one at %s is used, the one read last", kind, arn, prev, place, place))
	}
	d.Use(key, place)
	s.fingerprints[kind+"|"+key] = fp
}

// fingerprintOf is the fingerprint of an element of an export (a user, a
// role, a group) as its type reads it, made when asked: the canonical JSON
// of the element decoded.
func fingerprintOf(v any) func() string {
	return func() string { return canonicalJSON(v) }
}

// canonicalJSON is a JSON value with its keys sorted and no white space,
// so that copies that differ only in layout compare equal; a policy
// document given as a (URL-encoded) string is decoded first.
func canonicalJSON(v any) string {
	raw, ok := v.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		raw = b
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return string(raw)
	}
	if str, ok := x.(string); ok {
		if dec, err := url.QueryUnescape(str); err == nil {
			str = dec
		}
		var inner any
		if json.Unmarshal([]byte(str), &inner) == nil {
			x = inner
		}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

func (s *Snapshot) parseInline(file, where string, list []inlinePolicy) ([]iam.NamedPolicy, []string) {
	var out []iam.NamedPolicy
	var problems []string
	for j, ip := range list {
		w := fmt.Sprintf("%s[%d] (%s).PolicyDocument", where, j, ip.PolicyName)
		s.counts.Read(itemPolicies)
		p, err := parseDoc(ip.PolicyDocument, w)
		if err != nil {
			s.counts.Skip(itemPolicies)
			s.warn(file, "", err.Error())
			problems = append(problems, err.Error())
			continue
		}
		out = append(out, iam.NamedPolicy{Name: "inline:" + ip.PolicyName, Policy: p})
	}
	return out, problems
}

func tagMap(ts []tag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}

type repoPolicyFile struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
	PolicyText     string `json:"policyText"`
	RepositoryArn  string `json:"repositoryArn"`
	Region         string `json:"region"`
}

func (s *Snapshot) loadRepoPolicy(file string, doc *model.Document) error {
	var rp repoPolicyFile
	if err := decodeObject(doc, &rp); err != nil {
		return err
	}
	repoArn := rp.RepositoryArn
	if repoArn == "" {
		if rp.Region == "" || rp.RegistryID == "" || rp.RepositoryName == "" {
			return fmt.Errorf("repositoryArn is missing (or region, registryId and repositoryName to build it): the policy cannot be tied to a repository")
		}
		repoArn = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", rp.Region, rp.RegistryID, rp.RepositoryName)
	}
	if _, err := arn.Parse(repoArn); err != nil {
		return fmt.Errorf("repositoryArn %q: %v", repoArn, err)
	}
	p, err := parseCachedString(rp.PolicyText)
	if err != nil {
		return fmt.Errorf("policyText: %v", err)
	}
	r := s.repo(repoArn)
	r.policy = &iam.NamedPolicy{Name: "repository-policy:" + r.name, Policy: p}
	r.policyFile = file
	return nil
}

type repositoriesFile struct {
	Repositories []struct {
		RepositoryArn      string `json:"repositoryArn"`
		RepositoryName     string `json:"repositoryName"`
		RegistryID         string `json:"registryId"`
		ImageTagMutability string `json:"imageTagMutability"`
	} `json:"repositories"`
}

func (s *Snapshot) loadRepositories(file string, doc *model.Document) error {
	var rf repositoriesFile
	if err := decodeObject(doc, &rf); err != nil {
		return err
	}
	for i, r := range rf.Repositories {
		p, err := arn.Parse(r.RepositoryArn)
		if err != nil {
			s.warn(file, fmt.Sprintf("repositories[%d]", i), fmt.Sprintf("repositoryArn %q: %v", r.RepositoryArn, err))
			continue
		}
		// ECR Public repositories come in the same shape, with
		// arn:aws:ecr-public::ACCOUNT:repository/NAME ARNs.
		if (p.Service != "ecr" && p.Service != "ecr-public") || !strings.HasPrefix(p.Resource, "repository/") {
			s.warn(file, fmt.Sprintf("repositories[%d]", i), fmt.Sprintf("repositoryArn %q is not an ECR or ECR Public repository ARN: the entry is ignored", r.RepositoryArn))
			continue
		}
		rp := s.repo(r.RepositoryArn)
		rp.tagMutability = r.ImageTagMutability
	}
	return nil
}

type imagesFile struct {
	Region string `json:"Region"`
	Images []struct {
		ImageId string `json:"ImageId"`
		OwnerId string `json:"OwnerId"`
		Name    string `json:"Name"`
		Public  bool   `json:"Public"`
		// LaunchPermissions (describe-image-attribute, added per image):
		// absent when not collected, which is not the same as empty.
		LaunchPermissions *[]launchPermission `json:"LaunchPermissions"`
	} `json:"Images"`
}

func (s *Snapshot) loadImages(file string, doc *model.Document) error {
	var f imagesFile
	if err := decodeObject(doc, &f); err != nil {
		return err
	}
	region := f.Region
	if region == "" {
		region = "*"
	}
	for i, im := range f.Images {
		if !strings.HasPrefix(im.ImageId, "ami-") {
			s.warn(file, fmt.Sprintf("Images[%d]", i), fmt.Sprintf("ImageId %q is not an AMI id", im.ImageId))
			continue
		}
		id := fmt.Sprintf("arn:aws:ec2:%s::image/%s", region, im.ImageId)
		public := im.Public
		if im.LaunchPermissions != nil && s.readLaunchPermissions(id, *im.LaunchPermissions) {
			public = true
		}
		s.images[id] = &image{arn: id, id: im.ImageId, name: im.Name, owner: im.OwnerId, public: public}
		s.imageOrder = append(s.imageOrder, id)
	}
	return nil
}
