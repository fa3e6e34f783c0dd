package terraform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// reader holds what Read works with.
type reader struct {
	plan     *Plan
	tf       *tfjson.Plan
	file     string
	base     map[string]*instance
	head     map[string]*instance
	deleted  []*instance
	cfg      map[string]*tfjson.ConfigResource // module path (no keys) | resource address in the module
	modDirs  map[string]string                 // module path (no keys) -> directory of its source, relative to the root module ("" for a module not on disk)
	ctx      []*ctxFile
	account  string          // AWS account for ARNs unknown until apply
	sub      string          // Azure subscription for ids unknown until apply
	region   string          // AWS region of the provider configuration
	resolved map[string]bool // address|attribute unknown in after_unknown but resolved through a reference
}

// Read reads a plan and builds the two sides of the diff (see the package
// comment). contextPaths are files and directories as analyze takes them.
func Read(planPath string, contextPaths []string, opts Options) (*Plan, error) {
	if opts.WorkDir == "" {
		return nil, fmt.Errorf("terraform: a work directory is required")
	}
	tf, err := readPlan(planPath)
	if err != nil {
		return nil, err
	}
	ctx, err := readContext(contextPaths)
	if err != nil {
		return nil, err
	}
	r := &reader{plan: &Plan{}, tf: tf, file: planPath, ctx: ctx, resolved: map[string]bool{}}
	r.indexConfig()
	r.sides()
	r.linkDataSources()
	r.listChanges()
	r.deriveScopes()
	for _, side := range []string{"base", "head"} {
		dir := filepath.Join(opts.WorkDir, side)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		insts, removed := sorted(r.base), []*instance(nil)
		if side == "head" {
			insts, removed = sorted(r.head), r.deleted
		}
		paths, err := r.render(side, dir, insts, removed)
		if err != nil {
			return nil, fmt.Errorf("terraform: writing the %s inputs: %w", side, err)
		}
		if side == "base" {
			r.plan.Base = paths
		} else {
			r.plan.Head = paths
		}
	}
	r.listUnknown()
	if opts.SourceDir != "" {
		r.plan.blocks = findBlocks(opts.SourceDir, r.modDirs, &r.plan.Warnings)
	}
	return r.plan, nil
}

// indexConfig indexes the configuration's resources by module path and the
// directories of local modules (for --source).
func (r *reader) indexConfig() {
	r.cfg, r.modDirs = map[string]*tfjson.ConfigResource{}, map[string]string{}
	if r.tf.Config == nil {
		return
	}
	var walk func(m *tfjson.ConfigModule, modPath, dir string, depth int)
	walk = func(m *tfjson.ConfigModule, modPath, dir string, depth int) {
		if m == nil || depth > 64 {
			return
		}
		r.modDirs[modPath] = dir
		for _, res := range m.Resources {
			if res != nil {
				r.cfg[modPath+"|"+res.Address] = res
			}
		}
		for _, name := range slices.Sorted(maps.Keys(m.ModuleCalls)) {
			call := m.ModuleCalls[name]
			if call == nil {
				continue
			}
			child := "module." + name
			if modPath != "" {
				child = modPath + "." + child
			}
			childDir := ""
			if dir != "" || modPath == "" {
				if src := call.Source; strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
					childDir = path.Clean(path.Join(dirOrDot(dir), src))
				}
			}
			walk(call.Module, child, childDir, depth+1)
		}
	}
	walk(r.tf.Config.RootModule, "", ".", 0)
}

func dirOrDot(d string) string {
	if d == "" {
		return "."
	}
	return d
}

// linkDataSources records, for Addresses, the policy documents a resource
// reads (data.aws_iam_policy_document, data.google_iam_policy): the
// statements a finding rests on are written there.
func (r *reader) linkDataSources() {
	r.plan.extras = map[string][]string{}
	for _, in := range append(sorted(r.base), sorted(r.head)...) {
		c := r.config(in)
		if c == nil {
			continue
		}
		for _, attr := range slices.Sorted(maps.Keys(c.Expressions)) {
			e := c.Expressions[attr]
			if e == nil || e.ExpressionData == nil {
				continue
			}
			for _, ref := range e.References {
				parts := splitAddress(ref)
				if len(parts) < 3 || parts[0] != "data" || (parts[1] != "aws_iam_policy_document" && parts[1] != "google_iam_policy") {
					continue
				}
				addr := "data." + parts[1] + "." + parts[2]
				if in.module != "" {
					addr = in.module + "." + addr
				}
				if !contains(r.plan.extras[in.addr], addr) {
					r.plan.extras[in.addr] = append(r.plan.extras[in.addr], addr)
				}
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// config is the configuration block of an instance, if the plan has it.
func (r *reader) config(in *instance) *tfjson.ConfigResource {
	local := in.typ + "." + in.name
	if in.mode == "data" {
		local = "data." + local
	}
	return r.cfg[stripIndexes(in.module)+"|"+local]
}

// configured reports whether the configuration sets the attribute; a
// computed attribute the configuration leaves alone is unknown on create
// only because nothing exists yet.
func (r *reader) configured(in *instance, attr string) bool {
	c := r.config(in)
	if c == nil {
		return true // without the configuration, assume it is set
	}
	_, ok := c.Expressions[attr]
	return ok
}

// referenced finds the instance an attribute refers to in the same module
// instance (aws_iam_policy.x.arn), and the attribute named, for values
// unknown until apply.
func (r *reader) referenced(side map[string]*instance, in *instance, attr string) (*instance, string) {
	c := r.config(in)
	if c == nil || c.Expressions[attr] == nil || c.Expressions[attr].ExpressionData == nil {
		return nil, ""
	}
	for _, ref := range c.Expressions[attr].References {
		parts := splitAddress(ref)
		mode := ""
		if len(parts) > 0 && parts[0] == "data" {
			mode, parts = "data.", parts[1:]
		}
		if len(parts) < 2 {
			continue
		}
		switch parts[0] {
		case "var", "local", "module", "each", "count", "path", "self", "terraform":
			continue
		}
		addr := mode + parts[0] + "." + parts[1]
		if in.module != "" {
			addr = in.module + "." + addr
		}
		target := side[addr]
		if target == nil {
			continue
		}
		a := ""
		if len(parts) > 2 {
			a = parts[2]
		}
		return target, a
	}
	return nil, ""
}

// value reads an attribute of an instance; when it is unknown until apply
// and refers to another instance whose attribute can be derived, the
// derived value is returned and the attribute counts as resolved.
func (r *reader) value(side map[string]*instance, in *instance, attr string) string {
	if v := in.str(attr); v != "" || !in.isUnknown(attr) {
		return v
	}
	if t, a := r.referenced(side, in, attr); t != nil {
		if v := r.derive(side, t, a); v != "" {
			r.resolved[in.addr+"|"+attr] = true
			return v
		}
	}
	return ""
}

// derive is the value of an attribute of an instance, derived when the
// plan leaves it unknown: ARNs and ids the cloud will give.
func (r *reader) derive(side map[string]*instance, in *instance, attr string) string {
	if v := in.str(attr); v != "" && !in.isUnknown(attr) {
		return v
	}
	switch in.typ {
	case "aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy":
		switch attr {
		case "arn":
			return r.awsARN(side, in)
		case "name", "id":
			return in.str("name")
		}
	case "aws_organizations_policy":
		if attr == "id" {
			return r.orgPolicyID(in)
		}
	case "azurerm_role_definition":
		switch attr {
		case "role_definition_resource_id", "id":
			return r.roleDefinitionID(in)
		case "role_definition_id":
			return r.roleDefinitionGUID(in)
		}
	case "google_project_iam_custom_role", "google_organization_iam_custom_role":
		if attr == "id" || attr == "name" {
			return gcpCustomRoleName(in)
		}
	}
	return ""
}

// synthetic is a stable stand-in for an id the cloud assigns at apply
// (an SCP id, a role definition GUID), made from the address so that the
// resources of the plan that refer to it agree.
func synthetic(addr string) string {
	h := sha256.Sum256([]byte(addr))
	return hex.EncodeToString(h[:])
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// placeholderAccount stands for an AWS account the inputs do not name.
const placeholderAccount = "000000000000"

// placeholderSubscription stands for an Azure subscription the inputs do
// not name.
const placeholderSubscription = "00000000-0000-0000-0000-000000000000"

// deriveScopes decides the AWS account and Azure subscription of objects
// whose ARNs and ids are unknown until apply, and the AWS region.
func (r *reader) deriveScopes() {
	accounts, subs := map[string]bool{}, map[string]bool{}
	for _, cf := range r.ctx {
		for _, m := range accountRE.FindAllString(string(awsAccountsIn(cf)), -1) {
			accounts[m] = true
		}
		for _, s := range azureSubsIn(cf) {
			subs[strings.ToLower(s)] = true
		}
	}
	r.account = r.pick("AWS account", accounts, func() map[string]bool {
		known := map[string]bool{}
		for _, in := range append(sorted(r.base), sorted(r.head)...) {
			if a := accountOfARN(in.str("arn")); a != "" && strings.HasPrefix(in.typ, "aws_") {
				known[a] = true
			}
		}
		return known
	}, r.providerAccount, placeholderAccount)
	r.sub = r.pick("Azure subscription", subs, func() map[string]bool {
		known := map[string]bool{}
		for _, in := range append(sorted(r.base), sorted(r.head)...) {
			if s := subscriptionOf(in.str("id")); s != "" && strings.HasPrefix(in.typ, "azurerm_") {
				known[s] = true
			}
			if s := subscriptionOf(in.str("scope")); s != "" && strings.HasPrefix(in.typ, "azurerm_") {
				known[s] = true
			}
		}
		return known
	}, r.providerSubscription, placeholderSubscription)
	r.region = r.providerString("aws", "region")
}

// pick chooses the one scope the context holds, else the one the plan's
// known ids hold, else the provider configuration's, else a placeholder
// (with a warning, only if something needs it: see needScope).
func (r *reader) pick(what string, inContext map[string]bool, inPlan func() map[string]bool, provider func() string, placeholder string) string {
	if len(inContext) == 1 {
		return slices.Sorted(maps.Keys(inContext))[0]
	}
	if known := inPlan(); len(known) == 1 {
		return slices.Sorted(maps.Keys(known))[0]
	}
	if p := provider(); p != "" {
		return p
	}
	return placeholder
}

// needScope warns, once, that a placeholder account or subscription is
// used for an object whose id is unknown until apply.
func (r *reader) needScope(what, value, placeholder, addr string) {
	if value != placeholder {
		return
	}
	msg := fmt.Sprintf("%s of %s is unknown until apply and the context and provider configuration do not settle it: %s stands for it", what, addr, placeholder)
	for _, w := range r.plan.Warnings {
		if w == msg {
			return
		}
	}
	r.plan.warn("%s", msg)
}

// providerString is a constant attribute of a provider's default
// configuration.
func (r *reader) providerString(provider, attr string) string {
	if r.tf.Config == nil {
		return ""
	}
	for _, key := range slices.Sorted(maps.Keys(r.tf.Config.ProviderConfigs)) {
		pc := r.tf.Config.ProviderConfigs[key]
		if pc == nil || pc.Name != provider || pc.Alias != "" {
			continue
		}
		if e := pc.Expressions[attr]; e != nil && e.ExpressionData != nil {
			if s, ok := e.ConstantValue.(string); ok {
				return s
			}
		}
	}
	return ""
}

// providerAccount is the one account the AWS provider configuration names:
// allowed_account_ids with one entry, or the account of an assume_role ARN.
func (r *reader) providerAccount() string {
	if r.tf.Config == nil {
		return ""
	}
	for _, key := range slices.Sorted(maps.Keys(r.tf.Config.ProviderConfigs)) {
		pc := r.tf.Config.ProviderConfigs[key]
		if pc == nil || pc.Name != "aws" || pc.Alias != "" {
			continue
		}
		if e := pc.Expressions["allowed_account_ids"]; e != nil && e.ExpressionData != nil {
			if l := asStrings(e.ConstantValue); len(l) == 1 && accountRE.MatchString(l[0]) {
				return l[0]
			}
		}
		if e := pc.Expressions["assume_role"]; e != nil && e.ExpressionData != nil {
			for _, b := range e.NestedBlocks {
				if x := b["role_arn"]; x != nil && x.ExpressionData != nil {
					if a := accountOfARN(asString(x.ConstantValue)); a != "" {
						return a
					}
				}
			}
		}
	}
	return ""
}

func (r *reader) providerSubscription() string {
	return strings.ToLower(r.providerString("azurerm", "subscription_id"))
}

// accountOfARN is the account of an ARN, "" when there is none.
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || !accountRE.MatchString(parts[4]) {
		return ""
	}
	return parts[4]
}

// subscriptionOf is the subscription of an Azure id or scope.
func subscriptionOf(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return strings.ToLower(parts[1])
	}
	return ""
}

// awsAccountsIn lists what names the accounts of an AWS context file: the
// ARNs of its principals and policies, its registry ids.
func awsAccountsIn(cf *ctxFile) []byte {
	if !strings.HasPrefix(cf.format, "aws-") || cf.format == "aws-organization" {
		return nil
	}
	d, err := cf.decode()
	if err != nil {
		return nil
	}
	var ids []string
	for _, it := range d.list() {
		for _, k := range []string{"UserDetailList", "GroupDetailList", "RoleDetailList"} {
			for _, e := range asObjs(it[k]) {
				ids = append(ids, accountOfARN(asString(e["Arn"])))
			}
		}
		ids = append(ids, asString(it["registryId"]))
		for _, e := range asObjs(it["repositories"]) {
			ids = append(ids, asString(e["registryId"]))
		}
	}
	return []byte(strings.Join(ids, " "))
}

func azureSubsIn(cf *ctxFile) []string {
	if !strings.HasPrefix(cf.format, "azure-") {
		return nil
	}
	d, err := cf.decode()
	if err != nil {
		return nil
	}
	var out []string
	for _, it := range d.list() {
		for _, k := range []string{"scope", "id"} {
			if s := subscriptionOf(asString(field(it, k))); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// listChanges records every resource change and the changed resources of
// types not modelled.
func (r *reader) listChanges() {
	for _, rc := range r.tf.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		var acts []string
		for _, a := range rc.Change.Actions {
			acts = append(acts, string(a))
		}
		typ := rc.Type
		if rc.Mode == tfjson.DataResourceMode {
			typ = "data." + typ
		}
		_, understood := modelled[typ]
		r.plan.Changes = append(r.plan.Changes, Change{Address: rc.Address, Type: rc.Type, Mode: string(rc.Mode), Actions: acts, Understood: understood})
		if understood || rc.Change.Actions.NoOp() || rc.Mode == tfjson.DataResourceMode {
			// Data sources only read: what matters is the resources that
			// use them, which are evaluated or listed here themselves.
			continue
		}
		r.plan.NotEvaluated = append(r.plan.NotEvaluated, NotEvaluated{Address: rc.Address, Type: rc.Type,
			Reason: "resource type not modelled: its effect on who can create, modify, push or share images is not evaluated"})
	}
}

// listUnknown lists, per head instance, the attributes that decide access
// and are unknown until apply: those the type's renderer reads, less
// those resolved through a reference and the computed ones the
// configuration leaves alone on a resource the plan creates.
func (r *reader) listUnknown() {
	for _, in := range sorted(r.head) {
		if in.unknown == nil {
			continue
		}
		typ := in.typ
		if in.mode == "data" {
			typ = "data." + typ
		}
		attrs, ok := modelled[typ]
		if !ok {
			continue
		}
		var found []string
		for _, a := range attrs {
			if !in.isUnknown(a) || r.resolved[in.addr+"|"+a] {
				continue
			}
			// A data source's attributes are what it reads: unknown, they
			// are unknown whatever the configuration sets.
			if in.created && in.mode != "data" && !r.configured(in, a) {
				continue
			}
			if m, ok := in.unknown.(map[string]any); ok {
				unknownPaths(m[a], a, &found)
			} else {
				found = append(found, a) // the whole object is unknown
			}
		}
		if len(found) > 0 {
			sort.Strings(found)
			r.plan.Unknown = append(r.plan.Unknown, Unknown{Address: in.addr, Attributes: found})
		}
	}
}

// modelled lists the types this package renders and, for each, the
// attributes whose value decides access (reported when unknown until
// apply). ARNs and ids it can derive are left out.
var modelled = map[string][]string{
	"aws_iam_policy":                      {"name", "path", "policy"},
	"aws_iam_role":                        {"name", "path", "assume_role_policy", "inline_policy", "managed_policy_arns", "permissions_boundary"},
	"aws_iam_user":                        {"name", "path", "permissions_boundary"},
	"aws_iam_group":                       {"name", "path"},
	"aws_iam_role_policy":                 {"role", "name", "policy"},
	"aws_iam_user_policy":                 {"user", "name", "policy"},
	"aws_iam_group_policy":                {"group", "name", "policy"},
	"aws_iam_role_policy_attachment":      {"role", "policy_arn"},
	"aws_iam_user_policy_attachment":      {"user", "policy_arn"},
	"aws_iam_group_policy_attachment":     {"group", "policy_arn"},
	"aws_iam_policy_attachment":           {"users", "roles", "groups", "policy_arn"},
	"aws_iam_group_membership":            {"group", "users"},
	"aws_iam_user_group_membership":       {"user", "groups"},
	"aws_ecr_repository_policy":           {"repository", "policy"},
	"aws_ecr_registry_policy":             {"policy"},
	"aws_ecrpublic_repository_policy":     {"repository_name", "policy"},
	"aws_organizations_policy":            {"content", "type"},
	"aws_organizations_policy_attachment": {"policy_id", "target_id"},
	"data.aws_iam_policy_document":        {"json"},

	"google_organization_iam_policy":                  {"org_id", "policy_data"},
	"google_organization_iam_binding":                 {"org_id", "role", "members", "condition"},
	"google_organization_iam_member":                  {"org_id", "role", "member", "condition"},
	"google_folder_iam_policy":                        {"folder", "policy_data"},
	"google_folder_iam_binding":                       {"folder", "role", "members", "condition"},
	"google_folder_iam_member":                        {"folder", "role", "member", "condition"},
	"google_project_iam_policy":                       {"project", "policy_data"},
	"google_project_iam_binding":                      {"project", "role", "members", "condition"},
	"google_project_iam_member":                       {"project", "role", "member", "condition"},
	"google_artifact_registry_repository_iam_policy":  {"project", "location", "repository", "policy_data"},
	"google_artifact_registry_repository_iam_binding": {"project", "location", "repository", "role", "members", "condition"},
	"google_artifact_registry_repository_iam_member":  {"project", "location", "repository", "role", "member", "condition"},
	"google_storage_bucket_iam_policy":                {"bucket", "policy_data"},
	"google_storage_bucket_iam_binding":               {"bucket", "role", "members", "condition"},
	"google_storage_bucket_iam_member":                {"bucket", "role", "member", "condition"},
	"google_service_account_iam_policy":               {"service_account_id", "policy_data"},
	"google_service_account_iam_binding":              {"service_account_id", "role", "members", "condition"},
	"google_service_account_iam_member":               {"service_account_id", "role", "member", "condition"},
	"google_compute_image_iam_policy":                 {"project", "image", "policy_data"},
	"google_compute_image_iam_binding":                {"project", "image", "role", "members", "condition"},
	"google_compute_image_iam_member":                 {"project", "image", "role", "member", "condition"},
	"google_project_iam_custom_role":                  {"project", "role_id", "permissions", "deleted"},
	"google_organization_iam_custom_role":             {"org_id", "role_id", "permissions", "deleted"},
	"google_iam_deny_policy":                          {"parent", "name", "rules"},
	"data.google_iam_policy":                          {"policy_data"},

	"azurerm_role_assignment":    {"scope", "principal_id", "role_definition_id", "role_definition_name", "condition"},
	"azurerm_role_definition":    {"scope", "name", "permissions"},
	"azurerm_container_registry": {"name", "resource_group_name", "admin_enabled", "role_assignment_mode"},
}
