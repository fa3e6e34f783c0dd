package main

import (
	"fmt"
	"strings"
)

const (
	gcpOrg    = "organizations/480000000001"
	gcpDomain = "corp.example"
	crm       = "//cloudresourcemanager.googleapis.com/"
)

// A Cloud Asset search result (docs/inputs.md, G1).
type assetResult struct {
	AssetType    string    `json:"assetType"`
	Folders      []string  `json:"folders,omitempty"`
	Organization string    `json:"organization"`
	Policy       iamPolicy `json:"policy"`
	Project      string    `json:"project,omitempty"`
	Resource     string    `json:"resource"`
	// roleIndex finds the binding of a role and condition.
	roleIndex map[string]int
}

type iamPolicy struct {
	Bindings []*binding `json:"bindings"`
	Etag     string     `json:"etag,omitempty"`
	Version  int        `json:"version,omitempty"`
}

type condition struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Expression  string `json:"expression"`
}

type binding struct {
	Condition *condition `json:"condition,omitempty"`
	Members   []string   `json:"members"`
	Role      string     `json:"role"`
}

// grant adds member to the binding of role (and condition) in the
// policy, once, and counts it.
func (g *gen) grant(r *assetResult, role, member string, c *condition) {
	key := role
	if c != nil {
		key += "|" + c.Expression
	}
	if r.roleIndex == nil {
		r.roleIndex = map[string]int{}
	}
	i, ok := r.roleIndex[key]
	if !ok {
		i = len(r.Policy.Bindings)
		r.roleIndex[key] = i
		r.Policy.Bindings = append(r.Policy.Bindings, &binding{Role: role, Condition: c})
	}
	b := r.Policy.Bindings[i]
	for _, m := range b.Members {
		if m == member {
			return
		}
	}
	b.Members = append(b.Members, member)
	g.count.Items++
}

var gcpRoles = []weighted[string]{
	{24, "roles/viewer"}, {8, "roles/browser"}, {16, "roles/logging.viewer"}, {16, "roles/logging.logWriter"}, {16, "roles/monitoring.viewer"},
	{16, "roles/monitoring.metricWriter"}, {16, "roles/storage.objectViewer"}, {6, "roles/storage.objectAdmin"}, {2, "roles/storage.admin"},
	{20, "roles/artifactregistry.reader"}, {8, "roles/artifactregistry.writer"}, {2, "roles/artifactregistry.repoAdmin"}, {1, "roles/artifactregistry.admin"},
	{4, "roles/editor"}, {1, "roles/owner"}, {6, "roles/compute.instanceAdmin.v1"}, {2, "roles/compute.storageAdmin"}, {6, "roles/compute.imageUser"},
	{10, "roles/compute.viewer"}, {8, "roles/iam.serviceAccountUser"}, {2, "roles/iam.serviceAccountTokenCreator"}, {10, "roles/container.developer"},
	{8, "roles/container.viewer"}, {4, "roles/cloudbuild.builds.editor"}, {6, "roles/cloudbuild.builds.viewer"}, {6, "roles/run.developer"},
	{10, "roles/run.invoker"}, {2, "roles/run.admin"}, {12, "roles/bigquery.dataViewer"}, {12, "roles/bigquery.jobUser"}, {10, "roles/pubsub.publisher"},
	{10, "roles/pubsub.subscriber"}, {12, "roles/secretmanager.secretAccessor"}, {10, "roles/cloudsql.client"}, {1, "roles/resourcemanager.projectIamAdmin"},
	{4, "roles/iam.securityReviewer"}, {4, "roles/cloudfunctions.developer"}, {6, "roles/errorreporting.writer"}, {8, "roles/cloudtrace.agent"}, {2, "roles/dns.reader"},
}

var gcpServiceAccounts = []string{"deployer", "ci", "runtime", "builder", "monitoring"}

type gcpProject struct {
	id, number string
	folders    []string // nearest first
	team       string
}

func (p *gcpProject) sa(name string) string {
	return fmt.Sprintf("%s@%s.iam.gserviceaccount.com", name, p.id)
}

// genGCP writes the organization: the allow policies of the organization,
// folders, projects, repositories and service accounts (Cloud Asset
// search, one file per 100 projects), custom roles, deny policies, group
// memberships, repositories and projects.
func genGCP(g *gen) error {
	sc := g.sc
	users := make([]string, sc.GCPUsers)
	for i := range users {
		users[i] = fmt.Sprintf("%s.%s%05d@%s", pick(g, []string{"alex", "sam", "kim", "lee", "noa", "ravi", "ana", "jo", "mo", "eli"}), pick(g, teams), i, gcpDomain)
	}
	groups := make([]string, sc.GCPGroups)
	for i := range groups {
		groups[i] = fmt.Sprintf("grp-%s-%s-%04d@%s", teams[i%len(teams)], pick(g, []string{"devs", "ops", "readers", "admins", "data"}), i, gcpDomain)
	}
	g.count.Principals += len(users) + len(groups)

	// Folders: top-level ones, four sub-folders each.
	tops := max(2, sc.Projects/200)
	var topFolders, leaves []string
	leafParent := map[string]string{}
	for t := 0; t < tops; t++ {
		top := fmt.Sprintf("folders/%d", 300000000000+t*10)
		topFolders = append(topFolders, top)
		for s := 1; s <= 4; s++ {
			leaf := fmt.Sprintf("folders/%d", 300000000000+t*10+s)
			leaves = append(leaves, leaf)
			leafParent[leaf] = top
		}
	}
	var projects []*gcpProject
	for i := 0; i < sc.Projects; i++ {
		p := &gcpProject{id: fmt.Sprintf("%s-%s-%04d", teams[i%len(teams)], pick(g, []string{"prod", "dev", "stg", "data", "tools"}), i), number: fmt.Sprintf("%d", 500000000000+i), team: teams[i%len(teams)]}
		if g.chance(0.1) {
			p.folders = []string{pick(g, topFolders)}
		} else {
			leaf := leaves[i%len(leaves)]
			p.folders = []string{leaf, leafParent[leaf]}
		}
		projects = append(projects, p)
	}
	g.count.Principals += len(projects) * (len(gcpServiceAccounts) + 1)

	// Custom roles at the organization, and in one project in twenty.
	orgRoles := orgCustomRoleNames()
	var projectRoles []map[string]any
	customOf := map[string][]string{}
	for i, p := range projects {
		// One project in twenty, and the fourth so that S has one too.
		if !g.chance(0.05) && i != 3 {
			continue
		}
		name := fmt.Sprintf("projects/%s/roles/%sDeployer", p.id, p.team)
		projectRoles = append(projectRoles, map[string]any{"name": name, "title": p.team + " deployer", "stage": "GA", "etag": "BwY" + strings.ToUpper(p.number[6:]),
			"includedPermissions": pick(g, [][]string{
				{"run.services.update", "run.services.get", "iam.serviceAccounts.actAs"},
				{"artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.update", "artifactregistry.repositories.downloadArtifacts"},
				{"compute.instances.start", "compute.instances.stop", "compute.instances.get"},
			})})
		customOf[p.id] = append(customOf[p.id], name)
	}

	member := func(p *gcpProject) string {
		switch n := g.r.IntN(100); {
		case n < 40:
			return "group:" + groups[g.r.IntN(len(groups))]
		case n < 75:
			return "user:" + users[g.r.IntN(len(users))]
		case n < 93:
			if g.chance(0.85) {
				return "serviceAccount:" + p.sa(pick(g, gcpServiceAccounts))
			}
			o := projects[g.r.IntN(len(projects))]
			return "serviceAccount:" + o.sa(pick(g, gcpServiceAccounts))
		case n < 95:
			return fmt.Sprintf("serviceAccount:%s-compute@developer.gserviceaccount.com", p.number)
		case n < 98:
			g.count.Principals++ // a workload identity pool's principal set is a principal of its own
			return fmt.Sprintf("principalSet://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/github/attribute.repository/corp/%s-%s", p.number, p.team, pick(g, words))
		default:
			return "user:contractor" + fmt.Sprint(g.r.IntN(50)) + "@partner.example"
		}
	}
	randomCondition := func(p *gcpProject) *condition {
		if !g.chance(0.05) {
			return nil
		}
		switch g.r.IntN(3) {
		case 0:
			return &condition{Title: "temporary", Description: "Expires at the end of the migration.", Expression: fmt.Sprintf(`request.time < timestamp("20%02d-01-01T00:00:00Z")`, g.between(24, 28))}
		case 1:
			return &condition{Title: "team repositories only", Expression: fmt.Sprintf(`resource.name.startsWith("projects/%s/locations/europe-west1/repositories/%s-")`, p.id, p.team)}
		default:
			return &condition{Title: "repositories", Expression: `resource.type == "artifactregistry.googleapis.com/Repository"`}
		}
	}

	// The organization and folders.
	orgRes := &assetResult{AssetType: "cloudresourcemanager.googleapis.com/Organization", Organization: gcpOrg, Resource: crm + gcpOrg}
	g.grant(orgRes, "roles/viewer", "domain:"+gcpDomain, nil)
	g.grant(orgRes, "roles/resourcemanager.organizationAdmin", "group:"+groups[0], nil)
	g.grant(orgRes, "roles/iam.securityReviewer", "group:"+groups[min(1, len(groups)-1)], nil)
	g.grant(orgRes, "roles/artifactregistry.reader", "domain:"+gcpDomain, nil)
	for range g.between(10, 20) {
		g.grant(orgRes, pickWeighted(g, gcpRoles), "group:"+pick(g, groups), nil)
	}
	g.grant(orgRes, orgRoles[0], "group:"+pick(g, groups), nil)
	results := []*assetResult{orgRes}
	var folderIDs []string
	folderIDs = append(folderIDs, topFolders...)
	folderIDs = append(folderIDs, leaves...)
	for _, f := range folderIDs {
		r := &assetResult{AssetType: "cloudresourcemanager.googleapis.com/Folder", Organization: gcpOrg, Resource: crm + f, Folders: []string{f}}
		if parent, ok := leafParent[f]; ok {
			r.Folders = append(r.Folders, parent)
		}
		for range g.between(5, 15) {
			role := pickWeighted(g, gcpRoles)
			if g.chance(0.1) {
				role = pick(g, orgRoles)
			}
			g.grant(r, role, "group:"+pick(g, groups), nil)
		}
		results = append(results, r)
	}
	if err := g.write("iam-policies-org.json", "  ", results); err != nil {
		return err
	}

	// Projects, their repositories and service accounts, 100 a file.
	type repo struct {
		CreateTime string            `json:"createTime"`
		Format     string            `json:"format"`
		Mode       string            `json:"mode"`
		Name       string            `json:"name"`
		Labels     map[string]string `json:"labels,omitempty"`
		UpdateTime string            `json:"updateTime"`
	}
	for start := 0; start < len(projects); start += 100 {
		var results []*assetResult
		var repos []repo
		for _, p := range projects[start:min(start+100, len(projects))] {
			anc := append([]string{}, p.folders...)
			r := &assetResult{AssetType: "cloudresourcemanager.googleapis.com/Project", Folders: anc, Organization: gcpOrg, Project: "projects/" + p.number, Resource: crm + "projects/" + p.id}
			g.grant(r, "roles/owner", "group:"+groups[0], nil)
			g.grant(r, "roles/editor", fmt.Sprintf("serviceAccount:%s@cloudservices.gserviceaccount.com", p.number), nil)
			for _, sa := range gcpServiceAccounts {
				// Every service account holds a role in its project.
				g.grant(r, map[string]string{"deployer": "roles/run.developer", "ci": "roles/artifactregistry.writer", "runtime": "roles/secretmanager.secretAccessor",
					"builder": "roles/cloudbuild.builds.builder", "monitoring": "roles/monitoring.metricWriter"}[sa], "serviceAccount:"+p.sa(sa), nil)
			}
			for c := countGrants(r); c < sc.GrantsPerProject; c = countGrants(r) {
				role := pickWeighted(g, gcpRoles)
				if cr := customOf[p.id]; len(cr) > 0 && g.chance(0.05) {
					role = pick(g, cr)
				} else if g.chance(0.02) {
					role = pick(g, orgRoles)
				}
				g.grant(r, role, member(p), randomCondition(p))
			}
			results = append(results, r)
			// Two repositories; one in seven with a policy of its own.
			for k := range 2 {
				loc := pick(g, []string{"europe-west1", "us-central1"})
				name := fmt.Sprintf("projects/%s/locations/%s/repositories/%s-%s-%d", p.id, loc, p.team, pick(g, words), k)
				format := pickWeighted(g, []weighted[string]{{8, "DOCKER"}, {1, "PYTHON"}, {1, "MAVEN"}})
				repos = append(repos, repo{CreateTime: g.timestamp(), Format: format, Mode: "STANDARD_REPOSITORY", Name: name, Labels: map[string]string{"team": p.team}, UpdateTime: g.timestamp()})
				if !g.chance(1.0 / 7) {
					continue
				}
				rr := &assetResult{AssetType: "artifactregistry.googleapis.com/Repository", Folders: anc, Organization: gcpOrg, Project: "projects/" + p.number, Resource: "//artifactregistry.googleapis.com/" + name}
				o := projects[g.r.IntN(len(projects))]
				g.grant(rr, "roles/artifactregistry.writer", "serviceAccount:"+o.sa("ci"), nil)
				g.grant(rr, "roles/artifactregistry.reader", "group:"+pick(g, groups), nil)
				if g.chance(0.05) {
					g.grant(rr, "roles/artifactregistry.reader", "allAuthenticatedUsers", nil)
				}
				if g.chance(0.01) {
					g.grant(rr, "roles/artifactregistry.writer", "allUsers", nil)
				}
				results = append(results, rr)
			}
			// One service account in ten can be impersonated by people.
			for _, sa := range gcpServiceAccounts {
				if !g.chance(0.1) {
					continue
				}
				sr := &assetResult{AssetType: "iam.googleapis.com/ServiceAccount", Folders: anc, Organization: gcpOrg, Project: "projects/" + p.number,
					Resource: fmt.Sprintf("//iam.googleapis.com/projects/%s/serviceAccounts/%s", p.id, p.sa(sa))}
				g.grant(sr, pick(g, []string{"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"}), pick(g, []string{"user:" + pick(g, users), "group:" + pick(g, groups)}), nil)
				results = append(results, sr)
			}
		}
		n := start / 100
		if err := g.write(fmt.Sprintf("iam-policies-%03d.json", n), "  ", results); err != nil {
			return err
		}
		if err := g.write(fmt.Sprintf("artifact-repositories-%03d.json", n), "  ", repos); err != nil {
			return err
		}
	}

	// Projects (G8).
	var plist []map[string]any
	for _, p := range projects {
		plist = append(plist, map[string]any{"projectId": p.id, "projectNumber": p.number, "name": p.id, "lifecycleState": "ACTIVE",
			"parent": map[string]string{"id": strings.TrimPrefix(p.folders[0], "folders/"), "type": "folder"}, "createTime": g.timestamp()})
	}
	if err := g.write("projects.json", "  ", plist); err != nil {
		return err
	}
	if err := g.write("roles-projects.json", "  ", map[string]any{"roles": projectRoles}); err != nil {
		return err
	}

	// Group memberships: users, some service accounts and, one group in
	// five, an earlier group (nested, without cycles). 500 groups a file.
	type membership struct {
		Name               string            `json:"name"`
		PreferredMemberKey map[string]string `json:"preferredMemberKey"`
		Roles              []map[string]any  `json:"roles"`
		Type               string            `json:"type"`
	}
	type groupFile struct {
		Group       string       `json:"group"`
		Memberships []membership `json:"memberships"`
	}
	var gfiles []groupFile
	for i, grp := range groups {
		gf := groupFile{Group: grp, Memberships: []membership{}}
		add := func(id, typ string) {
			gf.Memberships = append(gf.Memberships, membership{Name: fmt.Sprintf("groups/%04d/memberships/%d", i, len(gf.Memberships)), PreferredMemberKey: map[string]string{"id": id},
				Roles: []map[string]any{{"name": "MEMBER"}}, Type: typ})
		}
		for _, u := range g.sample(len(users), g.between(5, 40)) {
			add(users[u], "USER")
		}
		if i > 0 && g.chance(0.2) {
			add(groups[g.r.IntN(i)], "GROUP")
		}
		if g.chance(0.1) {
			add(projects[g.r.IntN(len(projects))].sa("ci"), "SERVICE_ACCOUNT")
		}
		gfiles = append(gfiles, gf)
		if len(gfiles) == 500 || i == len(groups)-1 {
			if err := g.write(fmt.Sprintf("groups-%03d.json", i/500), "  ", gfiles); err != nil {
				return err
			}
			gfiles = nil
		}
	}

	// Deny policies: the organization, every top-level folder, one
	// project in twenty.
	var denies []map[string]any
	deny := func(point, name string, principals, exceptions, perms []string) {
		g.count.Items++
		denies = append(denies, map[string]any{"name": fmt.Sprintf("policies/cloudresourcemanager.googleapis.com%%2F%s/denypolicies/%s", strings.ReplaceAll(point, "/", "%2F"), name),
			"kind": "DenyPolicy", "displayName": name, "etag": "MTc0MTk0MzU2NDUxODE2Mzk5Nw==", "uid": g.uuid(), "createTime": g.timestamp(), "updateTime": g.timestamp(),
			"rules": []map[string]any{{"denyRule": map[string]any{"deniedPrincipals": principals, "exceptionPrincipals": exceptions, "deniedPermissions": perms}}}})
	}
	deny(gcpOrg, "no-sa-keys", []string{"principalSet://goog/public:all"}, []string{"principalSet://goog/group/" + groups[0]}, []string{"iam.googleapis.com/serviceAccountKeys.create"})
	for _, f := range topFolders {
		deny(f, "no-image-deletes", []string{"principalSet://goog/public:all"}, []string{"principalSet://goog/group/" + pick(g, groups)},
			[]string{"compute.googleapis.com/images.delete", "artifactregistry.googleapis.com/repositories.deleteArtifacts"})
	}
	for _, p := range projects {
		if g.chance(0.05) {
			deny("projects/"+p.id, "no-contractor-pushes", []string{"principalSet://goog/group/" + pick(g, groups)}, []string{},
				[]string{"artifactregistry.googleapis.com/repositories.uploadArtifacts", "artifactregistry.googleapis.com/tags.update"})
		}
	}
	if err := plantGCP(g, &denies); err != nil {
		return err
	}
	if err := g.write("deny-policies.json", "  ", denies); err != nil {
		return err
	}
	return g.write("roles-org.json", "  ", map[string]any{"roles": orgRoleDefs(orgRoles)})
}

func countGrants(r *assetResult) int {
	n := 0
	for _, b := range r.Policy.Bindings {
		n += len(b.Members)
	}
	return n
}

// orgCustomRoles are the organization's custom roles: names and
// permissions, some image-relevant, most not.
var orgCustomRoles = []struct {
	name  string
	perms []string
}{
	{"imagePublisher", []string{"artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.create", "artifactregistry.tags.update", "compute.images.create", "compute.images.setIamPolicy"}},
	{"logReader", []string{"logging.logEntries.list", "logging.logs.list"}},
	{"bucketReader", []string{"storage.buckets.get", "storage.objects.get", "storage.objects.list"}},
	{"vmOperator", []string{"compute.instances.start", "compute.instances.stop", "compute.instances.reset", "compute.instances.get"}},
	{"tagMover", []string{"artifactregistry.tags.update", "artifactregistry.tags.delete"}},
	{"runDeployer", []string{"run.services.update", "run.services.get", "iam.serviceAccounts.actAs"}},
	{"imageBaker", []string{"compute.images.create", "compute.disks.create", "compute.disks.use", "compute.snapshots.create"}},
	{"secretReader", []string{"secretmanager.versions.access"}},
	{"dnsEditor", []string{"dns.changes.create", "dns.resourceRecordSets.update"}},
	{"billingViewer", []string{"billing.accounts.get", "billing.resourceCosts.get"}},
	{"bucketWriter", []string{"storage.objects.create", "storage.objects.delete", "storage.objects.get"}},
	{"policyEditor", []string{"resourcemanager.projects.setIamPolicy", "resourcemanager.projects.getIamPolicy"}},
}

func orgCustomRoleNames() []string {
	var names []string
	for _, r := range orgCustomRoles {
		names = append(names, gcpOrg+"/roles/"+r.name)
	}
	return names
}

func orgRoleDefs(names []string) []map[string]any {
	var out []map[string]any
	for i, r := range orgCustomRoles {
		out = append(out, map[string]any{"name": names[i], "title": r.name, "description": "Custom role " + r.name + ".", "includedPermissions": r.perms, "stage": "GA", "etag": "BwYkq3xQ0aE="})
	}
	return out
}
