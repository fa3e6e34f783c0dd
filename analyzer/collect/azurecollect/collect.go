// Package azurecollect collects the Azure RBAC of a Microsoft Entra tenant
// read-only with the official Azure SDK for Go and writes exactly the files
// that `imagewarden analyze` reads (docs/inputs.md A1–A7): role assignments,
// role definitions, deny assignments, the management-group tree, container
// registries with their permission mode, compute galleries, user-assigned
// identities and, optionally, Entra ID group memberships, plus the
// collection.json manifest that records what was collected and what was not.
// Credentials never leave the SDK; only GET requests are sent.
package azurecollect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// Options say what to collect, with which credential, and where to write.
type Options struct {
	Out string
	// Subscriptions to collect; when empty, those below ManagementGroup,
	// else every subscription the credential can see.
	Subscriptions []string
	// ManagementGroup roots the collection at this group (its name, not
	// its display name); default: the tenant root group.
	ManagementGroup string
	// Groups adds the members of every group that holds a role assignment,
	// and of the groups inside them, from Microsoft Graph.
	Groups      bool
	Concurrency int
	Credential  azcore.TokenCredential
	// ClientOptions choose the cloud and the transport (tests point both
	// at a fake server). Retry is set from the delays below.
	ClientOptions arm.ClientOptions
	// GraphEndpoint is Microsoft Graph's base URL; default the public one.
	GraphEndpoint string
	// RetryDelay is the first backoff after a throttled or failed request
	// without Retry-After; MaxRetryDelay caps every wait, and a Retry-After
	// longer than it ends the retries. Tests use milliseconds.
	RetryDelay, MaxRetryDelay time.Duration
	// Now stamps the manifest; tests fix it.
	Now func() time.Time
	// Progress, if set, is told after each management group and
	// subscription.
	Progress collect.Progress
}

// Defaults of the retry policy: Resource Manager throttles per principal
// and per tenant and answers 429 with Retry-After, often tens of seconds.
const (
	maxRetries           = 10
	defaultRetryDelay    = 2 * time.Second
	defaultMaxRetryDelay = 2 * time.Minute
	defaultGraphEndpoint = "https://graph.microsoft.com"
)

// Scope and Manifest are the shared collection.json types.
type (
	Scope    = collect.Scope
	Manifest = collect.Manifest
)

// collector holds the clients and what the workers gather for the
// tenant-wide files.
type collector struct {
	o       Options
	armOpts *arm.ClientOptions
	raw     *arm.Client // GETs with an explicit api-version, where the SDK model lacks a field
	assign  *armauthorization.RoleAssignmentsClient
	deny    *armauthorization.DenyAssignmentsClient
	mgs     *armmanagementgroups.Client
	subs    *armsubscriptions.Client
	rec     *collect.Recorder
	tree    *tree
	// builtin names the built-in roles by GUID; read-only once the
	// workers start.
	builtin map[string]string
	tenant  tenantSet
	listed  identitySet // the user-assigned identities listed, for their federated credentials (pim.go)
}

// tenantSet gathers, from every worker, what is written once for the
// tenant: assignments and deny assignments above the subscriptions (on
// management groups and the root, which every subscription's listing
// repeats), role definitions, and the groups that hold assignments.
type tenantSet struct {
	mu          sync.Mutex
	assignments map[string]roleAssignment
	denies      map[string]denyAssignment
	definitions map[string]roleDefinition
	groups      map[string]bool
}

// Collect runs the collection; scopes that fail are recorded in the
// manifest and the rest goes on. It returns an error only when nothing can
// be collected (no credential, no token, no output directory).
func Collect(ctx context.Context, o Options) (*Manifest, error) {
	now := o.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	if o.Credential == nil {
		return nil, errors.New("no Azure credential")
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	c, err := newCollector(o)
	if err != nil {
		return nil, err
	}
	c.rec = collect.NewRecorder("azure", now())
	m := c.rec.Manifest()
	who, tenant, err := caller(ctx, o.Credential, armAudience(c.armOpts))
	if err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("get a Resource Manager token: %w", err)
	}
	m.Caller, m.Account = who, tenant
	units := c.plan(ctx, tenant)
	if m.Account == "" && c.tree != nil {
		m.Account = c.tree.tenant
	}
	c.run(ctx, units)
	if o.Groups {
		if ctx.Err() != nil {
			c.rec.Record(Scope{Name: "groups", Error: notCollected(ctx)})
		} else {
			c.rec.Record(c.groupMembers(ctx))
		}
	}
	c.writeTenant()
	return c.rec.Finish(ctx, o.Out, now())
}

func newCollector(o Options) (*collector, error) {
	opts := o.ClientOptions
	opts.Retry = policy.RetryOptions{MaxRetries: maxRetries, RetryDelay: o.RetryDelay, MaxRetryDelay: o.MaxRetryDelay}
	if opts.Retry.RetryDelay <= 0 {
		opts.Retry.RetryDelay = defaultRetryDelay
	}
	if opts.Retry.MaxRetryDelay <= 0 {
		opts.Retry.MaxRetryDelay = defaultMaxRetryDelay
	}
	// The ARM pipeline registers a missing resource provider on the
	// subscription (a POST) when a request says it is unregistered: a
	// write, which a read-only collector must never send.
	opts.DisableRPRegistration = true
	c := &collector{o: o, armOpts: &opts, tenant: tenantSet{assignments: map[string]roleAssignment{}, denies: map[string]denyAssignment{},
		definitions: map[string]roleDefinition{}, groups: map[string]bool{}}}
	var err error
	if c.raw, err = arm.NewClient(moduleName, moduleVersion, o.Credential, c.armOpts); err != nil {
		return nil, err
	}
	// The subscription id of these clients is only used by operations
	// this collector does not call; every listing names its scope.
	if c.assign, err = armauthorization.NewRoleAssignmentsClient("", o.Credential, c.armOpts); err != nil {
		return nil, err
	}
	if c.deny, err = armauthorization.NewDenyAssignmentsClient("", o.Credential, c.armOpts); err != nil {
		return nil, err
	}
	if c.mgs, err = armmanagementgroups.NewClient(o.Credential, c.armOpts); err != nil {
		return nil, err
	}
	if c.subs, err = armsubscriptions.NewClient(o.Credential, c.armOpts); err != nil {
		return nil, err
	}
	return c, nil
}

// subscriptionID is what a subscription id looks like (a GUID).
var subscriptionID = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// unit is one piece of work of the pool: a management group's or a
// subscription's collection.
type unit struct {
	mg bool
	id string
}

func (u unit) name() string {
	if u.mg {
		return "managementGroups/" + u.id
	}
	return "subscriptions/" + u.id
}

// plan finds the subscriptions and the management-group tree, and reads
// the built-in roles once, before the workers start.
func (c *collector) plan(ctx context.Context, tenant string) []unit {
	subs := c.o.Subscriptions
	if len(subs) == 0 && c.o.ManagementGroup == "" {
		var t string
		var err error
		subs, t, err = c.listSubscriptions(ctx)
		if err != nil {
			c.rec.Record(Scope{Name: "subscriptions", Error: permissionOf("subscriptions.list") + ": " + errText(err)})
		} else {
			c.rec.Record(Scope{Name: "subscriptions"})
		}
		if tenant == "" {
			tenant = t
		}
	}
	root := c.o.ManagementGroup
	if root == "" {
		root = tenant // the tenant root group is named after the tenant
	}
	t := newTree()
	var err error
	if root == "" {
		err = errors.New("not collected: the tenant is unknown (the token names none and no subscription is visible)" + withoutTree)
	} else if err = c.readTree(ctx, root, t); err != nil && c.o.ManagementGroup == "" && unreadable(err) {
		// Not granted on the tenant root group: build the tree from the
		// groups the caller can read.
		t = newTree()
		err = c.readVisible(ctx, t, err)
	}
	if err != nil {
		c.rec.Record(Scope{Name: "management-group-tree", Error: err.Error()})
	} else {
		c.tree = t
		if t.tenant == "" {
			t.tenant = tenant
		}
		c.rec.Record(Scope{Name: "management-group-tree", Files: []string{"management-groups.json"}})
	}
	c.rec.Record(c.builtinRoles(ctx, subs))

	var mgs []string
	switch {
	case c.tree == nil:
	case len(c.o.Subscriptions) > 0:
		mgs = c.tree.ancestorsOf(subs)
	default:
		mgs = c.tree.mgs
		if c.o.ManagementGroup != "" || len(subs) == 0 {
			// Below the management group; or, when the subscriptions
			// could not be listed, those the tree shows.
			subs = c.tree.subs
		}
	}
	var units []unit
	seen := map[string]bool{}
	for _, id := range sorted(mgs) {
		units = append(units, unit{mg: true, id: id})
	}
	for _, id := range sorted(subs) {
		id = strings.TrimPrefix(strings.TrimSpace(id), "/subscriptions/")
		switch {
		case seen[strings.ToLower(id)]:
		case !subscriptionID.MatchString(id):
			// It names a folder of the snapshot: nothing but an id may.
			c.rec.Record(Scope{Name: "subscriptions/" + id, Error: "not collected: not a subscription id"})
		default:
			seen[strings.ToLower(id)] = true
			units = append(units, unit{id: id})
		}
	}
	return units
}

// run collects the units with bounded concurrency, in order. Once ctx is
// cancelled no unit starts: each is recorded as not collected, so the
// manifest says exactly what is missing.
func (c *collector) run(ctx context.Context, units []unit) {
	conc := c.o.Concurrency
	if conc <= 0 {
		conc = 4
	}
	queue := make(chan unit)
	var wg sync.WaitGroup
	progress := collect.NewCounter(c.o.Progress, len(units))
	for range min(conc, max(len(units), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range queue {
				switch {
				case ctx.Err() != nil:
					c.rec.Record(Scope{Name: u.name(), Error: notCollected(ctx)})
				case u.mg:
					c.rec.Record(c.managementGroup(ctx, u.id))
				default:
					c.subscription(ctx, u.id)
				}
				progress.Step()
			}
		}()
	}
	for _, u := range units {
		queue <- u
	}
	close(queue)
	wg.Wait()
}

func notCollected(ctx context.Context) string { return "not collected: " + ctx.Err().Error() }

// write writes v as JSON to the path rel (slash-separated) under Out.
func (c *collector) write(rel string, v any) error {
	return collect.WriteJSON(filepath.Join(c.o.Out, filepath.FromSlash(rel)), v)
}

// writeTenant writes the files that gather every worker's findings: what
// was collected before an interruption is kept.
func (c *collector) writeTenant() {
	t := &c.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	names := c.roleNames()
	assignments := make([]roleAssignment, 0, len(t.assignments))
	for _, a := range t.assignments {
		assignments = append(assignments, a)
	}
	files := map[string]any{
		"role-assignments.json": withRoleNames(assignments, names),
		"deny-assignments.json": sortedValues(t.denies),
		"role-definitions.json": sortedValues(t.definitions),
	}
	if c.tree != nil {
		files["management-groups.json"] = nonNil(c.tree.entities)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := c.write(name, files[name]); err != nil {
			c.rec.Record(Scope{Name: "write " + name, Error: err.Error()})
		}
	}
}

// roleNames names every role read so far by GUID (tenant lock held).
func (c *collector) roleNames() map[string]string {
	names := map[string]string{}
	for k, v := range c.builtin {
		names[k] = v
	}
	for k, d := range c.tenant.definitions {
		names[k] = d.RoleName
	}
	return names
}

// sortedValues lists a map's values in the order of their keys, for files
// that are the same from one run to the next.
func sortedValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

func sorted(l []string) []string {
	out := append([]string(nil), l...)
	sort.Strings(out)
	return out
}
