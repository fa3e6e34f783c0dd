// Package gcpcollect collects the IAM of a Google Cloud organization, folder
// or project read-only with Google's REST client libraries and writes
// exactly the files that `imagewarden analyze` reads (docs/inputs.md, G1 to
// G8): the allow policies from Cloud Asset search, the projects and folders,
// custom and predefined roles, deny policies at every attachment point,
// Artifact Registry repositories and, when asked, Cloud Identity group
// memberships; plus collection.json, which records what was collected and
// what was not. Credentials stay in the client libraries.
package gcpcollect

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"google.golang.org/api/option"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// Options say what to collect and where to write it.
type Options struct {
	Out string
	// Exactly one of these is the scope: an organization or folder number,
	// or a project ID.
	Organization, Folder, Project string
	// Groups collects the Cloud Identity memberships of every group that an
	// allow or deny policy names, nested groups included.
	Groups bool
	// Locations limits the Artifact Registry locations listed; empty means
	// every location the API offers each project.
	Locations   []string
	Concurrency int
	// ClientOptions configure authentication (credentials, quota project);
	// none means Application Default Credentials. Tests pass
	// option.WithoutAuthentication().
	ClientOptions []option.ClientOption
	// Endpoint, when set, replaces every API's base URL (tests: a fake).
	Endpoint string
	// Transport is the HTTP transport under retries and authentication;
	// nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Retry sets attempts and backoff; its Base is ignored.
	Retry collect.RetryTransport
	// Caller names who collects in the manifest (see Caller); "" is
	// "unknown".
	Caller string
	// Now stamps the manifest; tests fix it.
	Now func() time.Time
	// Progress, if set, is called after each project.
	Progress collect.Progress
}

// Scope and Manifest are the shared collection.json types.
type (
	Scope    = collect.Scope
	Manifest = collect.Manifest
)

var (
	numeric   = regexp.MustCompile(`^[0-9]+$`)
	projectID = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
)

// root checks that exactly one scope is given and names it as the APIs do.
func (o Options) root() (string, error) {
	org := strings.TrimPrefix(o.Organization, "organizations/")
	folder := strings.TrimPrefix(o.Folder, "folders/")
	project := strings.TrimPrefix(o.Project, "projects/")
	n := 0
	for _, s := range []string{org, folder, project} {
		if s != "" {
			n++
		}
	}
	switch {
	case n != 1:
		return "", fmt.Errorf("give exactly one scope: an organization, a folder or a project")
	case org != "" && !numeric.MatchString(org):
		return "", fmt.Errorf("organization %q: an organization ID is a number (gcloud organizations list)", org)
	case folder != "" && !numeric.MatchString(folder):
		return "", fmt.Errorf("folder %q: a folder ID is a number (gcloud resource-manager folders list)", folder)
	case project != "" && !projectID.MatchString(project):
		return "", fmt.Errorf("project %q: not a project ID (lower-case letters, digits and hyphens, 6 to 30 characters)", project)
	case org != "":
		return "organizations/" + org, nil
	case folder != "":
		return "folders/" + folder, nil
	}
	return "projects/" + project, nil
}

// run is one collection: its clients, its recorder and what later steps
// need from earlier ones.
type run struct {
	o    Options
	c    *clients
	rec  *collect.Recorder
	root string

	mu sync.Mutex
	// groups named by the allow and deny policies collected so far, for
	// --groups.
	groupSeeds map[string]bool
}

// Collect runs the collection. Scopes that fail are recorded in the
// manifest and the rest goes on; it returns an error only when nothing can
// be collected (bad scope, no output directory, no client).
func Collect(ctx context.Context, o Options) (*Manifest, error) {
	now := o.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	root, err := o.root()
	if err != nil {
		return nil, err
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	c, err := newClients(ctx, o)
	if err != nil {
		return nil, err
	}
	rec := collect.NewRecorder("gcp", now())
	m := rec.Manifest()
	m.Caller, m.Account = o.Caller, root
	if m.Caller == "" {
		m.Caller = "unknown"
	}
	r := &run{o: o, c: c, rec: rec, root: root, groupSeeds: map[string]bool{}}
	r.collect(ctx)
	return rec.Finish(ctx, o.Out, now())
}

// collect runs the steps in the order their inputs need: the hierarchy
// and the allow policies first (they name the projects, folders and
// groups), then everything per attachment point, then the groups.
func (r *run) collect(ctx context.Context) {
	t := r.walk(ctx)
	results := r.allowPolicies(ctx)
	t.addFromSearch(results)
	t.ancestorsFromSearch(r.root, results)
	r.writeHierarchy(t, results)

	var units []unit
	units = append(units, unit{name: "roles/predefined", work: r.predefinedRoles})
	if t.org != "" {
		org := t.org
		units = append(units, unit{name: org + "/roles", work: func(ctx context.Context) { r.rec.Record(r.customRoles(ctx, org)) }})
	}
	// Ancestors above a folder or project scope: their bindings and deny
	// policies reach everything in the scope.
	for _, a := range t.ancestors {
		units = append(units, unit{name: a, work: func(ctx context.Context) {
			r.rec.Record(r.ancestorPolicy(ctx, t, a))
			r.rec.Record(r.denyPolicies(ctx, a))
		}})
	}
	if !strings.HasPrefix(r.root, "projects/") {
		units = append(units, unit{name: r.root + "/deny-policies", work: func(ctx context.Context) { r.rec.Record(r.denyPolicies(ctx, r.root)) }})
	}
	units = append(units, r.boundaryUnits(t)...) // boundaries.go
	units = append(units, r.orgPolicyUnits(t)...)
	for _, f := range t.folderNames() {
		if f == r.root || t.isAncestor(f) {
			continue
		}
		units = append(units, unit{name: f + "/deny-policies", work: func(ctx context.Context) { r.rec.Record(r.denyPolicies(ctx, f)) }})
	}
	r.each(ctx, units, nil)

	projects := t.sortedProjects()
	progress := collect.NewCounter(r.o.Progress, len(projects))
	units = units[:0]
	for _, p := range projects {
		units = append(units, unit{name: "projects/" + p.ID, work: func(ctx context.Context) { r.collectProject(ctx, p) }})
	}
	r.each(ctx, units, progress)

	if r.o.Groups {
		r.collectGroups(ctx)
	}
}

// collectProject collects one project's custom roles, deny policies and
// repositories, each recorded on its own: a disabled Artifact Registry API
// does not hide the project's roles.
func (r *run) collectProject(ctx context.Context, p project) {
	node := "projects/" + p.ID
	r.rec.Record(r.customRoles(ctx, node))
	r.rec.Record(r.denyPolicies(ctx, node))
	r.rec.Record(r.repositories(ctx, p.ID))
	r.rec.Record(r.workloadIdentity(ctx, p.ID))
	r.rec.Record(r.policyBindings(ctx, node))
	r.rec.Record(r.computeInstances(ctx, p.ID)) // compute.go
	r.rec.Record(r.buildTriggers(ctx, p.ID))
	r.rec.Record(r.orgPolicies(ctx, node))
}

// unit is work for the pool, named for the manifest when it cannot start.
type unit struct {
	name string
	work func(ctx context.Context)
}

// each runs units Concurrency at a time. Once ctx is cancelled no unit
// starts: each one left is recorded as not collected, so the manifest
// says exactly what is missing.
func (r *run) each(ctx context.Context, units []unit, progress *collect.Counter) {
	sem := make(chan struct{}, r.o.Concurrency)
	var wg sync.WaitGroup
	for _, u := range units {
		wg.Add(1)
		go func(u unit) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			defer progress.Step()
			if ctx.Err() != nil {
				r.rec.Record(Scope{Name: u.name, Error: "not collected: " + ctx.Err().Error()})
				return
			}
			u.work(ctx)
		}(u)
	}
	wg.Wait()
}

// write writes v to rel under Out, whole or not at all.
func (r *run) write(rel string, v any) error {
	return collect.WriteJSON(filepath.Join(r.o.Out, filepath.FromSlash(rel)), v)
}

// writeScope writes one file for a scope and records its name, or the
// error.
func (r *run) writeScope(s Scope, rel string, v any) Scope {
	if err := r.write(rel, v); err != nil {
		s.Error = "writing " + rel + ": " + err.Error()
		return s
	}
	s.Files = append(s.Files, rel)
	return s
}
