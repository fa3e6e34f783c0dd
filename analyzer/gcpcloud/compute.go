package gcpcloud

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/policies/gcp"
	"github.com/imagewarden/imagewarden/policies/tri"
)

// Compute that runs as a service account.
//
// A member that holds iam.serviceAccounts.actAs on a service account runs
// code as it when it may also create something that takes a service account
// (a runner): its act-as edge is settled by deciding the runners' creation
// permissions in the account's project. A member that may take over an
// instance listed in the inventory (docs/inputs.md G9), or edit a Cloud
// Build trigger listed in it (G10), runs code as their service account.

// runnerPermissions create a runner that runs as a service account named in
// the request, in the order an act-as edge names the first allowed.
var runnerPermissions = []string{
	"compute.instances.create",
	"cloudbuild.builds.create",
	"run.services.create",
	"run.jobs.create",
	"cloudfunctions.functions.create",
	"dataflow.jobs.create",
	"composer.environments.create",
}

// Taking over an existing instance: SSH keys or a startup script in its
// metadata, or an OS Login session (which, on an instance with a service
// account, also needs actAs on it).
const (
	permSetMetadata   = "compute.instances.setMetadata"
	permOSAdminLogin  = "compute.instances.osAdminLogin"
	permOSLogin       = "compute.instances.osLogin"
	permTriggerUpdate = "cloudbuild.builds.update"
	permTriggerRun    = "cloudbuild.builds.create"
	permActAs         = "iam.serviceAccounts.actAs"
)

var takeoverPermissions = []string{permSetMetadata, permOSAdminLogin, permOSLogin}

// computePermissions are the columns the compute edges add to the edges'
// index.
var computePermissions = append(append(append([]string{}, runnerPermissions...), takeoverPermissions...), permTriggerUpdate)

//go:embed runner_roles.json
var runnerRolesJSON []byte

// runnerRoles: the permissions of computePermissions that each predefined
// role holds (generated from the iam-dataset snapshot; runner_roles_test.go
// checks it against ../shared/datasets and rewrites it with -update-runner-roles).
var runnerRoles = func() map[string][]string {
	var t struct {
		Roles map[string][]string `json:"roles"`
	}
	if err := json.Unmarshal(runnerRolesJSON, &t); err != nil {
		panic("runner_roles.json: " + err.Error())
	}
	return t.Roles
}()

// addRunnerRoles adds the compute permissions of the predefined roles to
// the offline table (which holds only the catalog's permissions).
func addRunnerRoles(r *gcp.Roles) {
	for name, perms := range runnerRoles {
		all := append(append([]string{}, predefinedTable.roles[name]...), perms...)
		r.Add(name, all)
	}
}

// serviceOf is the service of a permission (compute.instances.create ->
// compute.googleapis.com), for the request's resource attributes.
func serviceOf(perm string) string {
	svc, _, _ := strings.Cut(perm, ".")
	return svc + ".googleapis.com"
}

// settleActAs completes an act-as edge to a service account of project
// proj: decide gives the member's decision on a permission in that
// project. A runner it may create there makes the edge exact (or
// conditional) and names the creation permission; none leaves it assumed,
// since the account may still be attached to compute in another project,
// unless iam.disableCrossProjectServiceAccountUsage is enforced on the
// account's project, when the edge goes (keep is false).
func (s *Snapshot) settleActAs(e *model.Edge, proj string, decide func(perm string) gcp.Result) (keep bool) {
	unknown := ""
	for _, perm := range runnerPermissions {
		r := decide(perm)
		if r.Allowed == tri.True {
			e.Permissions = append(e.Permissions, perm)
			e.Note += " (it may create " + runnerName(perm) + " in " + proj + ")"
			return true
		}
		if r.Allowed == tri.Unknown && unknown == "" {
			unknown = perm
		}
	}
	if unknown != "" {
		e.Permissions = append(e.Permissions, unknown)
		e.Conditional = true
		e.Note += " (it may create " + runnerName(unknown) + " in " + proj + " if a condition holds)"
		return true
	}
	if s.crossProjectSAUsageDisabled(proj) {
		return false
	}
	e.Assumed = true
	e.Note += " (it may create no compute in " + proj + ", the project of the account; it could attach the account to compute in another project: not settled offline)"
	return true
}

// runnerName names what a creation permission creates.
func runnerName(perm string) string {
	switch perm {
	case "compute.instances.create":
		return "Compute Engine instances"
	case "cloudbuild.builds.create":
		return "Cloud Build builds"
	case "run.services.create":
		return "Cloud Run services"
	case "run.jobs.create":
		return "Cloud Run jobs"
	case "cloudfunctions.functions.create":
		return "Cloud Functions"
	case "dataflow.jobs.create":
		return "Dataflow jobs"
	case "composer.environments.create":
		return "Composer environments"
	}
	return perm
}

// computeInventory is what the G9 and G10 inputs add to a snapshot.
type computeInventory struct {
	instances []gceInstance
	triggers  []buildTrigger
	// instanceProjects, triggerProjects: the projects an inventory file
	// lists (with or without instances or triggers).
	instanceProjects map[string]bool
	triggerProjects  map[string]bool
}

type gceInstance struct {
	project, name, full string // full: //compute.googleapis.com/projects/P/zones/Z/instances/N
	serviceAccounts     []string
	status              string
	osLoginOff          bool // metadata enable-oslogin is FALSE on the instance
}

type buildTrigger struct {
	project, id, name string
	serviceAccount    string // email; "" is the project's default Cloud Build account
}

// Formats of the compute inventory.
const (
	FormatInstances = "gcp-compute-instances"   // gcloud compute instances list --format=json
	FormatTriggers  = "gcp-cloudbuild-triggers" // gcloud builds triggers list --format=json
	wrappedProject  = "project"                 // the key naming the project of a wrapped (empty) list
	instancesKey    = "instances"               // wrapped instances
	triggersKey     = "triggers"                // wrapped triggers
	computeSelfLink = "https://www.googleapis.com/compute/v1/"
)

// projectLike: a project ID or number as the inventory names it (letters,
// digits, hyphens, and the dots and colon of a domain-scoped ID); anything
// else is not trusted as a name.
var projectLike = regexp.MustCompile(`^[a-z0-9][a-z0-9.:-]{0,62}$`)

// computeName: a zone or instance name (RFC 1035 labels), and
// triggerName: a trigger's name or id; others are quoted in notes.
var (
	computeName = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	triggerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// noteName is a trigger's name or id as a note shows it.
func noteName(s string) string {
	if triggerName.MatchString(s) {
		return s
	}
	return strconv.QuoteToASCII(s)
}

// recognizeCompute names the compute inventory formats, or "".
func recognizeCompute(doc *model.Document) string {
	has := doc.Has
	if doc.Object != nil {
		switch {
		case has(wrappedProject) && has(instancesKey):
			return FormatInstances
		case has(wrappedProject) && has(triggersKey):
			return FormatTriggers
		}
		return ""
	}
	if len(doc.Items) == 0 {
		return ""
	}
	var kind, rn string
	json.Unmarshal(doc.Items[0]["kind"], &kind)
	json.Unmarshal(doc.Items[0]["resourceName"], &rn)
	switch {
	case kind == "compute#instance" || (has("selfLink") && has("zone") && has("machineType")):
		return FormatInstances
	case has("id") && strings.Contains(rn, "/triggers/"):
		return FormatTriggers
	}
	return ""
}

// unwrap returns the items of a compute inventory document and the project
// a wrapped one names.
func unwrap(doc *model.Document, key string) ([]map[string]json.RawMessage, string, error) {
	if doc.Object == nil {
		return doc.Items, "", nil
	}
	var w struct {
		Project string `json:"project"`
	}
	if err := decode(doc.Object, &w); err != nil || w.Project == "" {
		return nil, "", fmt.Errorf("%s: a project ID is required", wrappedProject)
	}
	if !projectLike.MatchString(w.Project) {
		return nil, "", fmt.Errorf("%s: %q is not a project ID", wrappedProject, w.Project)
	}
	var items []map[string]json.RawMessage
	if raw := doc.Object[key]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, "", fmt.Errorf("%s: %v", key, err)
		}
	}
	return items, w.Project, nil
}

func (s *Snapshot) inventory() *computeInventory {
	if s.compute.instanceProjects == nil {
		s.compute.instanceProjects = map[string]bool{}
		s.compute.triggerProjects = map[string]bool{}
	}
	return &s.compute
}

// loadInstances reads gcloud compute instances list --format=json (G9).
func (s *Snapshot) loadInstances(file string, doc *model.Document) error {
	items, project, err := unwrap(doc, instancesKey)
	if err != nil {
		return err
	}
	c := s.inventory()
	base := ""
	if project != "" {
		base = instancesKey
		c.instanceProjects[project] = true
		s.node("projects/" + project)
	}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", base, i)
		var in struct {
			Name            string `json:"name"`
			Zone            string `json:"zone"`
			SelfLink        string `json:"selfLink"`
			Status          string `json:"status"`
			ServiceAccounts []struct {
				Email string `json:"email"`
			} `json:"serviceAccounts"`
			Metadata struct {
				Items []struct {
					Key   string  `json:"key"`
					Value *string `json:"value"`
				} `json:"items"`
			} `json:"metadata"`
		}
		if err := decode(it, &in); err != nil {
			s.warn(file, where, "not an instance: "+err.Error())
			continue
		}
		rel, ok := strings.CutPrefix(in.SelfLink, computeSelfLink)
		parts := strings.Split(rel, "/")
		if !ok || len(parts) != 6 || parts[0] != "projects" || parts[2] != "zones" || parts[4] != "instances" || !projectLike.MatchString(parts[1]) || !computeName.MatchString(parts[3]) || !computeName.MatchString(parts[5]) {
			s.warn(file, where+".selfLink", fmt.Sprintf("%q is not an instance's selfLink (%sprojects/P/zones/Z/instances/N): the instance is ignored", in.SelfLink, computeSelfLink))
			continue
		}
		if project != "" && parts[1] != project {
			s.warn(file, where+".selfLink", fmt.Sprintf("the instance is in project %s, not in %s that the file names: it is read as in %s", parts[1], project, parts[1]))
		}
		c.instanceProjects[parts[1]] = true
		s.node("projects/" + parts[1])
		g := gceInstance{project: parts[1], name: parts[5], full: "//compute.googleapis.com/" + rel, status: in.Status}
		for _, m := range in.Metadata.Items {
			if m.Key == "enable-oslogin" && m.Value != nil && strings.EqualFold(*m.Value, "false") {
				g.osLoginOff = true
			}
		}
		for j, sa := range in.ServiceAccounts {
			email := strings.ToLower(sa.Email)
			if gcp.ValidEmail(email) != nil {
				s.warn(file, fmt.Sprintf("%s.serviceAccounts[%d].email", where, j), fmt.Sprintf("%q is not a service account email: ignored", sa.Email))
				continue
			}
			g.serviceAccounts = append(g.serviceAccounts, email)
		}
		c.instances = append(c.instances, g)
	}
	if len(items) == 0 && project == "" {
		s.warn(file, "", "no instance and no project: the file settles nothing")
	}
	return nil
}

// loadTriggers reads gcloud builds triggers list --format=json (G10).
func (s *Snapshot) loadTriggers(file string, doc *model.Document) error {
	items, project, err := unwrap(doc, triggersKey)
	if err != nil {
		return err
	}
	c := s.inventory()
	base := ""
	if project != "" {
		base = triggersKey
		c.triggerProjects[project] = true
		s.node("projects/" + project)
	}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", base, i)
		var t struct {
			ID             string `json:"id"`
			Name           string `json:"name"`
			ResourceName   string `json:"resourceName"`
			ServiceAccount string `json:"serviceAccount"`
		}
		if err := decode(it, &t); err != nil {
			s.warn(file, where, "not a build trigger: "+err.Error())
			continue
		}
		proj := project
		if rest, ok := strings.CutPrefix(t.ResourceName, "projects/"); ok {
			p, _, _ := strings.Cut(rest, "/")
			if proj != "" && p != proj {
				s.warn(file, where+".resourceName", fmt.Sprintf("the trigger is in project %s, not in %s that the file names: it is read as in %s", p, proj, p))
			}
			proj = p
		}
		if !projectLike.MatchString(proj) {
			s.warn(file, where, fmt.Sprintf("trigger %q: no project (resourceName projects/P/locations/L/triggers/ID, or a wrapped file's project): the trigger is ignored", t.Name))
			continue
		}
		bt := buildTrigger{project: proj, id: t.ID, name: t.Name}
		if t.ServiceAccount != "" {
			_, email, ok := strings.Cut(t.ServiceAccount, "/serviceAccounts/")
			if !ok || !strings.HasPrefix(t.ServiceAccount, "projects/") || gcp.ValidEmail(email) != nil {
				s.warn(file, where+".serviceAccount", fmt.Sprintf("%q is not projects/P/serviceAccounts/EMAIL: the trigger is ignored", t.ServiceAccount))
				continue
			}
			bt.serviceAccount = strings.ToLower(email)
		}
		c.triggerProjects[proj] = true
		s.node("projects/" + proj)
		c.triggers = append(c.triggers, bt)
	}
	if len(items) == 0 && project == "" {
		s.warn(file, "", "no trigger and no project: the file settles nothing")
	}
	return nil
}

// runner is a listed instance or trigger, laid out for the edges.
type runner struct {
	node    int32 // where its permissions are decided: the instance's own node if it has bindings, else its project
	project int32 // its project's node
	attrs   gcp.ResourceAttrs
	what    string // "instance projects/P/zones/Z/instances/N", "trigger NAME (ID) in projects/P"
	sas     []string
	inst    *gceInstance
	trig    *buildTrigger
}

// runners lays out the inventory on the index. The default Cloud Build
// account of a trigger without one is PROJECT_NUMBER@cloudbuild.gserviceaccount.com
// when the project's number is known (G8 or a number-named input);
// otherwise the trigger is left out with a warning given once.
func (s *Snapshot) runners(ids map[string]int32) []runner {
	var out []runner
	number := map[string]string{}
	for num, id := range s.aliases {
		number[id] = strings.TrimPrefix(num, "projects/")
	}
	for i := range s.compute.instances {
		in := &s.compute.instances[i]
		p, ok := ids[s.canonical("projects/"+in.project)]
		if !ok {
			continue
		}
		n := p
		if own, ok := ids[s.canonical(in.full)]; ok {
			n = own
		}
		rel := strings.TrimPrefix(in.full, "//compute.googleapis.com/")
		out = append(out, runner{node: n, project: p, attrs: gcp.ResourceAttrs{Name: rel, Service: "compute.googleapis.com", Type: "compute.googleapis.com/Instance"},
			what: "instance " + rel, sas: in.serviceAccounts, inst: in})
	}
	for i := range s.compute.triggers {
		t := &s.compute.triggers[i]
		pname := s.canonical("projects/" + t.project)
		p, ok := ids[pname]
		if !ok {
			continue
		}
		sa := t.serviceAccount
		if sa == "" {
			num := number[pname]
			if num == "" {
				if n := strings.TrimPrefix(pname, "projects/"); isDigits(n) {
					num = n
				}
			}
			if num == "" {
				continue
			}
			sa = num + "@cloudbuild.gserviceaccount.com"
		}
		out = append(out, runner{node: p, project: p, attrs: gcp.ResourceAttrs{Service: "cloudbuild.googleapis.com"},
			what: fmt.Sprintf("trigger %s (%s) in %s", noteName(t.name), noteName(t.id), pname), sas: []string{sa}, trig: t})
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// defaultBuildAccount reports the default Cloud Build service accounts,
// which a trigger or build may use without actAs.
func defaultBuildAccount(email string) bool {
	return strings.HasSuffix(email, "@cloudbuild.gserviceaccount.com")
}

// runnerEdges are the edges of one member to the service accounts of the
// listed runners it may take over. decide decides a permission at a node
// (with the resource attributes); actAs decides iam.serviceAccounts.actAs
// on a service account by email (tri.False when unknown).
func runnerEdges(r *runner, member string, decide func(node int32, perm string, attrs *gcp.ResourceAttrs) gcp.Result, actAs func(email string) gcp.Result) []model.Edge {
	var out []model.Edge
	if in := r.inst; in != nil {
		note := "can run code on " + r.what + ", which runs as this service account"
		if in.status != "" && in.status != "RUNNING" {
			note += " (status " + in.status + ")"
		}
		meta := decide(r.node, permSetMetadata, &r.attrs)
		var login gcp.Result
		loginPerm := ""
		if !in.osLoginOff {
			for _, p := range []string{permOSAdminLogin, permOSLogin} {
				if l := decide(r.node, p, &r.attrs); l.Allowed != tri.False {
					login, loginPerm = l, p
					break
				}
			}
		}
		for _, sa := range in.serviceAccounts {
			to := "serviceAccount:" + sa
			if to == member {
				continue
			}
			if e, ok := gcpEdge(meta, member, to, "takeover", permSetMetadata); ok {
				e.Note = note + ": SSH keys or a startup script in its metadata"
				out = append(out, e)
				continue
			}
			if loginPerm == "" {
				continue
			}
			a := actAs(sa)
			if a.Allowed == tri.False {
				continue
			}
			both := gcp.Result{Allowed: login.Allowed.And(a.Allowed), Grants: append(append([]gcp.Grant{}, login.Grants...), a.Grants...), Denies: append(append([]gcp.DenyHit{}, login.Denies...), a.Denies...)}
			if e, ok := gcpEdge(both, member, to, "takeover", loginPerm); ok {
				e.Permissions = append(e.Permissions, permActAs)
				e.Note = note + ": an OS Login session, with actAs on the account"
				out = append(out, e)
			}
		}
		return out
	}
	t := r.trig
	sa := r.sas[0]
	to := "serviceAccount:" + sa
	if to == member {
		return nil
	}
	// Editing the trigger (its build steps, or the build config it reads)
	// keeps its service account; saving a trigger that names a
	// user-managed account is checked for actAs on that account.
	u := decide(r.node, permTriggerUpdate, &r.attrs)
	if u.Allowed == tri.False {
		return nil
	}
	if t.serviceAccount != "" && !defaultBuildAccount(sa) {
		a := actAs(sa)
		if a.Allowed == tri.False {
			return nil
		}
		u = gcp.Result{Allowed: u.Allowed.And(a.Allowed), Grants: append(append([]gcp.Grant{}, u.Grants...), a.Grants...), Denies: append(append([]gcp.DenyHit{}, u.Denies...), a.Denies...)}
	}
	e, ok := gcpEdge(u, member, to, "takeover", permTriggerUpdate)
	if !ok {
		return nil
	}
	if t.serviceAccount != "" && !defaultBuildAccount(sa) {
		e.Permissions = append(e.Permissions, permActAs)
	}
	e.Note = "can edit the build steps of " + r.what + ", whose builds run as this service account"
	return []model.Edge{e}
}

// runnerLayout is the inventory laid out on the edges' index.
type runnerLayout struct {
	runs    []runner
	under   [][]int32 // node -> the runners decided at or below it
	cols    []int     // the takeover columns
	saNode  map[string]int32
	saAttrs map[string]gcp.ResourceAttrs
}

func (s *Snapshot) layoutRunners(ix *evalIndex) *runnerLayout {
	l := &runnerLayout{runs: s.runners(ix.ids)}
	if len(l.runs) == 0 {
		return l
	}
	l.under = make([][]int32, len(ix.names))
	for i, r := range l.runs {
		for _, n := range ix.up[r.node] {
			l.under[n] = append(l.under[n], int32(i))
		}
	}
	for _, p := range append(append([]string{}, takeoverPermissions...), permTriggerUpdate) {
		l.cols = append(l.cols, ix.cols[p])
	}
	l.saNode, l.saAttrs = map[string]int32{}, map[string]gcp.ResourceAttrs{}
	for _, r := range l.runs {
		for _, sa := range r.sas {
			if name, attrs, ok := s.saDecisionNode(sa, ix.names[r.project], func(n string) bool { _, ok := ix.ids[n]; return ok }); ok {
				l.saNode[sa], l.saAttrs[sa] = ix.ids[name], attrs
			}
		}
	}
	return l
}

// saDecisionNode is where actAs on a service account (by email) is
// decided: its own node when it has one, else its project's; a Compute
// Engine default account (NUMBER-compute@developer.gserviceaccount.com)
// or a Cloud Build one is in the runner's project. An account of a project
// the inputs do not hold is not decided (ok is false): actAs on it is taken
// as not granted.
func (s *Snapshot) saDecisionNode(email, runnerProject string, known func(string) bool) (string, gcp.ResourceAttrs, bool) {
	_, dom, _ := strings.Cut(email, "@")
	attrs := gcp.ResourceAttrs{Service: "iam.googleapis.com", Type: "iam.googleapis.com/ServiceAccount"}
	if proj, ok := strings.CutSuffix(dom, ".iam.gserviceaccount.com"); ok {
		attrs.Name = "projects/" + proj + "/serviceAccounts/" + email
		if n := s.canonical("//iam.googleapis.com/" + attrs.Name); known(n) {
			if nd := s.nodes[n]; nd != nil {
				attrs = nd.attrs
			}
			return n, attrs, true
		}
		if n := s.canonical("projects/" + proj); known(n) {
			return n, attrs, true
		}
		return "", attrs, false
	}
	if dom == "developer.gserviceaccount.com" || dom == "cloudbuild.gserviceaccount.com" {
		attrs.Name = runnerProject + "/serviceAccounts/" + email
		return runnerProject, attrs, true
	}
	return "", attrs, false
}

// edges draws one member's edges to the listed runners: it visits only the
// runners below a binding of a role holding a takeover permission.
func (l *runnerLayout) edges(ix *evalIndex, sc *scratch, v *view, member string) []model.Edge {
	if len(l.runs) == 0 {
		return nil
	}
	sc.markGen++
	var reached []int32
	for _, g := range v.groups {
		if !g.bound {
			continue
		}
		has := false
		for _, c := range g.covers {
			for _, col := range l.cols {
				has = has || ix.roleHas(ix.bind[c.b].role, col)
			}
		}
		if !has {
			continue
		}
		for _, k := range l.under[g.node] {
			if sc.mark(k) {
				reached = append(reached, k)
			}
		}
	}
	sortInt32(reached)
	var out []model.Edge
	for _, k := range reached {
		out = append(out, runnerEdges(&l.runs[k], member, func(node int32, perm string, attrs *gcp.ResourceAttrs) gcp.Result {
			return ix.decide(sc, v, ix.chainOf(sc, v, node, true), ix.cols[perm], node, attrs)
		}, func(email string) gcp.Result {
			n, ok := l.saNode[email]
			if !ok {
				return gcp.Result{}
			}
			a := l.saAttrs[email]
			return ix.decide(sc, v, ix.chainOf(sc, v, n, true), ix.cols[permActAs], n, &a)
		})...)
	}
	return out
}
