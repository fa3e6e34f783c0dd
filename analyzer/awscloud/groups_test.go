package awscloud

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Group escalations (groups.go): a user that may add itself to a group
// gains the group's policies, and one that may also rewrite a group it is
// in (or joins) gains anything. Each group is decided by its ARN, path
// included, with the user's boundary, SCPs and conditions applying.

const (
	grpAcct  = "111122223333"
	grpOther = "444455556666"
	grpAlice = "arn:aws:iam::" + grpAcct + ":user/eng/alice"
)

func grpARN(account, pathName string) string { return "arn:aws:iam::" + account + ":group/" + pathName }

// grpDoc is a policy document of the given statements.
func grpDoc(statements ...string) json.RawMessage {
	return json.RawMessage(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}

// grpGroup is a GroupDetailList entry; pathName is PATH/NAME without the
// leading slash ("division/team/pushers").
func grpGroup(account, pathName string, statements ...string) map[string]any {
	name := pathName[strings.LastIndexByte(pathName, '/')+1:]
	path := "/" + strings.TrimSuffix(pathName, name)
	g := map[string]any{"GroupName": name, "Path": path, "Arn": grpARN(account, pathName), "GroupPolicyList": []any{}, "AttachedManagedPolicies": []any{}}
	if len(statements) > 0 {
		g["GroupPolicyList"] = []any{map[string]any{"PolicyName": name + "-policy", "PolicyDocument": grpDoc(statements...)}}
	}
	return g
}

const (
	pushStmt = `{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}`
	pullStmt = `{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}`
	allStmt  = `{"Effect":"Allow","Action":"*","Resource":"*"}`
)

// groupFixture is account grpAcct with alice (in staff/devs) holding the
// given statements, an optional permissions boundary, the groups below,
// and account grpOther with a pushing group of the same path and name.
// With scp, an organization puts both accounts under FullAWSAccess and
// that SCP.
func groupFixture(aliceStatements []string, boundary, scp string) map[string]string {
	groups := []any{
		grpGroup(grpAcct, "admins", allStmt),
		grpGroup(grpAcct, "ci-builders", pushStmt),
		grpGroup(grpAcct, "division/ci-deploy", pushStmt),
		grpGroup(grpAcct, "division/empty"),
		// A group whose members may rewrite the group itself.
		grpGroup(grpAcct, "division/self-managed", `{"Effect":"Allow","Action":"iam:PutGroupPolicy","Resource":"`+grpARN(grpAcct, "division/self-managed")+`"}`),
		grpGroup(grpAcct, "division/team/pushers", pushStmt),
		grpGroup(grpAcct, "readers", pullStmt),
		grpGroup(grpAcct, "staff/devs", pullStmt),
	}
	alice := map[string]any{"UserName": "alice", "Path": "/eng/", "Arn": grpAlice, "GroupList": []string{"devs"}, "AttachedManagedPolicies": []any{},
		"UserPolicyList": []any{map[string]any{"PolicyName": "alice-policy", "PolicyDocument": grpDoc(aliceStatements...)}}}
	var policies []any
	if boundary != "" {
		arn := "arn:aws:iam::" + grpAcct + ":policy/alice-boundary"
		alice["PermissionsBoundary"] = map[string]any{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
		policies = append(policies, map[string]any{"PolicyName": "alice-boundary", "Arn": arn, "DefaultVersionId": "v1",
			"PolicyVersionList": []any{map[string]any{"VersionId": "v1", "IsDefaultVersion": true, "Document": json.RawMessage(boundary)}}})
	}
	a, _ := json.Marshal(map[string]any{"UserDetailList": []any{alice}, "GroupDetailList": groups, "RoleDetailList": []any{}, "Policies": policies})
	bob := map[string]any{"UserName": "bob", "Path": "/", "Arn": "arn:aws:iam::" + grpOther + ":user/bob", "GroupList": []string{}, "UserPolicyList": []any{}, "AttachedManagedPolicies": []any{}}
	b, _ := json.Marshal(map[string]any{"UserDetailList": []any{bob}, "GroupDetailList": []any{grpGroup(grpOther, "division/team/pushers", pushStmt)}, "RoleDetailList": []any{}, "Policies": []any{}})
	files := map[string]string{"iam-a.json": string(a), "iam-b.json": string(b)}
	if scp != "" {
		// The management account is a third one: SCPs do not apply to it.
		org := fmt.Sprintf(`{"Organization":{"Id":"o-grp1","MasterAccountId":"999988887777"},
"Roots":[{"Id":"r-grp1","Name":"Root"}],
"OrganizationalUnits":[],
"Accounts":[{"Id":"%[1]s","Name":"a","Status":"ACTIVE","ParentId":"r-grp1"},{"Id":"%[2]s","Name":"b","Status":"ACTIVE","ParentId":"r-grp1"}],
"Policies":[{"Id":"p-FullAWSAccess","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","AwsManaged":true,"Content":%[3]q,"Targets":["r-grp1","%[1]s","%[2]s"]},
{"Id":"p-grpdeny","Name":"group-guardrail","Type":"SERVICE_CONTROL_POLICY","AwsManaged":false,"Content":%[4]q,"Targets":["%[1]s"]}]}`,
			grpAcct, grpOther, string(grpDoc(allStmt)), scp)
		files["organization.json"] = org
	}
	return files
}

// groupEdges lists alice's edges and her member nodes' edges, each as
// "FROM -> TO" with alice, her admin node and her member nodes named
// short (alice, admin, member:PATH/NAME), " [conditional]" when the edge
// is conditional.
func groupEdges(edges []model.Edge) []string {
	short := func(id string) string {
		switch {
		case id == grpAlice:
			return "alice"
		case id == model.AdminNode(cloudName, grpAcct, grpAlice):
			return "admin"
		case isMemberNode(id):
			_, scope, who, _ := model.ParseAdminNode(id)
			if who == grpAlice {
				_, g, _ := strings.Cut(scope, ":group/")
				if strings.HasPrefix(scope, "arn:aws:iam::"+grpAcct+":") {
					return "member:" + g
				}
				return "member-elsewhere:" + scope
			}
		}
		return id
	}
	var out []string
	for _, e := range edges {
		from := short(e.From)
		if from != "alice" && !strings.HasPrefix(from, "member") {
			continue
		}
		s := from + " -> " + short(e.To)
		if e.Conditional {
			s += " [conditional]"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func allow(action, resource string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Action":%q,"Resource":%q}`, action, resource)
}

func TestGroupEscalationEdges(t *testing.T) {
	pushers := grpARN(grpAcct, "division/team/pushers")
	empty := grpARN(grpAcct, "division/empty")
	mfa := `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`
	cases := []struct {
		name     string
		alice    []string
		boundary string
		scp      string
		want     []string
	}{
		// iam:AddUserToGroup: an edge to the member node of each group
		// alice may join, and nothing else.
		{name: "join/ARN with path", alice: []string{allow("iam:AddUserToGroup", pushers)},
			want: []string{"alice -> member:division/team/pushers"}},
		{name: "join/wildcard name does not cross a path", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "ci-*"))},
			want: []string{"alice -> member:ci-builders"}},
		{name: "join/wildcard path", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "division/*"))},
			// division/empty gives nothing; self-managed lets its members
			// rewrite it.
			want: []string{"alice -> member:division/ci-deploy", "alice -> member:division/self-managed", "alice -> member:division/team/pushers",
				"member:division/self-managed -> admin"}},
		{name: "join/question mark", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "division/team/pusher?"))},
			want: []string{"alice -> member:division/team/pushers"}},
		{name: "join/star", alice: []string{allow("iam:AddUserToGroup", "*")},
			// Not staff/devs: alice is in it. The admins group lets its
			// members add any policy to themselves.
			want: []string{"alice -> member:admins", "alice -> member:ci-builders", "alice -> member:division/ci-deploy", "alice -> member:division/self-managed",
				"alice -> member:division/team/pushers", "alice -> member:readers", "member:admins -> admin", "member:division/self-managed -> admin"}},
		{name: "join/NotResource", alice: []string{`{"Effect":"Allow","Action":"iam:AddUserToGroup","NotResource":["` + grpARN(grpAcct, "division/*") + `","` + grpARN(grpAcct, "admins") + `"]}`},
			want: []string{"alice -> member:ci-builders", "alice -> member:readers"}},
		{name: "join/deny on a path", alice: []string{allow("iam:AddUserToGroup", "*"), `{"Effect":"Deny","Action":"iam:AddUserToGroup","Resource":"` + grpARN(grpAcct, "division/*") + `"}`},
			want: []string{"alice -> member:admins", "alice -> member:ci-builders", "alice -> member:readers", "member:admins -> admin"}},
		{name: "join/boundary limits it", alice: []string{allow("iam:AddUserToGroup", "*")},
			boundary: string(grpDoc(`{"Effect":"Allow","Action":"ecr:*","Resource":"*"}`, allow("iam:AddUserToGroup", grpARN(grpAcct, "ci-*")))),
			want:     []string{"alice -> member:ci-builders"}},
		{name: "join/SCP denies a path", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "division/*"))},
			scp:  string(grpDoc(`{"Effect":"Deny","Action":"iam:AddUserToGroup","Resource":"arn:aws:iam::*:group/division/team/*"}`)),
			want: []string{"alice -> member:division/ci-deploy", "alice -> member:division/self-managed", "member:division/self-managed -> admin"}},
		{name: "join/condition", alice: []string{`{"Effect":"Allow","Action":"iam:AddUserToGroup","Resource":"` + pushers + `",` + mfa + `}`},
			want: []string{"alice -> member:division/team/pushers [conditional]"}},
		{name: "join/another account's group", alice: []string{allow("iam:AddUserToGroup", grpARN(grpOther, "*")), allow("iam:AddUserToGroup", "arn:aws:iam::"+grpOther+":group/division/team/pushers")},
			want: nil},
		{name: "join/its own group", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "staff/devs"))},
			want: nil},

		// iam:PutGroupPolicy / iam:AttachGroupPolicy: on a group alice is
		// in, or joins, they lead to her admin node.
		{name: "put/own group by ARN with path", alice: []string{allow("iam:PutGroupPolicy", grpARN(grpAcct, "staff/devs"))},
			want: []string{"alice -> admin"}},
		{name: "attach/own group by wildcard path", alice: []string{allow("iam:AttachGroupPolicy", grpARN(grpAcct, "staff/*"))},
			want: []string{"alice -> admin"}},
		{name: "attach/own group, NotResource excludes it", alice: []string{`{"Effect":"Allow","Action":"iam:AttachGroupPolicy","NotResource":"` + grpARN(grpAcct, "staff/*") + `"}`},
			want: nil},
		{name: "put/own group, boundary denies", alice: []string{allow("iam:PutGroupPolicy", "*")},
			boundary: string(grpDoc(allStmt, `{"Effect":"Deny","Action":"iam:PutGroupPolicy","Resource":"`+grpARN(grpAcct, "staff/devs")+`"}`)),
			want:     nil},
		{name: "put/join an empty group and rewrite it", alice: []string{allow("iam:AddUserToGroup", empty), allow("iam:PutGroupPolicy", empty)},
			want: []string{"alice -> member:division/empty", "member:division/empty -> admin"}},
		{name: "attach/join by wildcard and rewrite", alice: []string{allow("iam:AddUserToGroup", grpARN(grpAcct, "ci-*")), allow("iam:AttachGroupPolicy", grpARN(grpAcct, "ci-*"))},
			want: []string{"alice -> member:ci-builders", "member:ci-builders -> admin"}},
		{name: "attach/rewrite needs the join", alice: []string{allow("iam:AttachGroupPolicy", pushers), allow("iam:PutGroupPolicy", pushers)},
			want: nil},
		{name: "put/rewrite under a condition", alice: []string{allow("iam:AddUserToGroup", empty), `{"Effect":"Allow","Action":"iam:PutGroupPolicy","Resource":"` + empty + `",` + mfa + `}`},
			want: []string{"alice -> member:division/empty", "member:division/empty -> admin [conditional]"}},
		{name: "put/SCP denies the rewrite", alice: []string{allow("iam:AddUserToGroup", empty), allow("iam:PutGroupPolicy", empty)},
			scp:  string(grpDoc(`{"Effect":"Deny","Action":["iam:PutGroupPolicy","iam:AttachGroupPolicy"],"Resource":"*"}`)),
			want: nil},
		{name: "put/another account's group", alice: []string{allow("iam:AddUserToGroup", "arn:aws:iam::"+grpOther+":group/*"), allow("iam:PutGroupPolicy", "arn:aws:iam::"+grpOther+":group/*")},
			want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadFiles(t, groupFixture(c.alice, c.boundary, c.scp))
			got := groupEdges(s.Edges())
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			// The reference (every request decided on its own) agrees.
			if ref := groupEdges(loadFiles(t, groupFixture(c.alice, c.boundary, c.scp)).referenceEdges()); strings.Join(ref, "\n") != strings.Join(got, "\n") {
				t.Errorf("reference edges:\n  %s\ngot:\n  %s", strings.Join(ref, "\n  "), strings.Join(got, "\n  "))
			}
		})
	}
}

// TestMemberNodeHolds: a member node holds what the user's and the
// group's policies allow together, under the user's boundary; its answer
// names the group's grant.
func TestMemberNodeHolds(t *testing.T) {
	join := []string{allow("iam:AddUserToGroup", "*")}
	node := "admin:aws:" + grpARN(grpAcct, "division/team/pushers") + "#" + grpAlice
	s := loadFiles(t, groupFixture(join, "", ""))
	s.Edges()
	if got := s.AdminHolds(node, "ecr:PutImage", ""); got != model.Allowed {
		t.Errorf("member of pushers, ecr:PutImage: %q, want allowed", got)
	}
	if got := s.AdminHolds(node, "ecr:DeleteRepository", ""); got != "" {
		t.Errorf("member of pushers, ecr:DeleteRepository: %q, want nothing (the group does not grant it)", got)
	}
	repo := "arn:aws:ecr:us-east-1:" + grpAcct + ":repository/app"
	via := s.AdminVia(node, "ecr:PutImage", repo)
	if len(via) == 0 || via[0].Policy != "group:pushers/inline:pushers-policy" {
		t.Errorf("grants of the member's push: %+v, want the group's inline policy", via)
	}
	// The boundary limits what the group gives too.
	bounded := loadFiles(t, groupFixture(join, string(grpDoc(allow("iam:AddUserToGroup", "*"))), ""))
	bounded.Edges()
	if got := bounded.AdminHolds(node, "ecr:PutImage", ""); got != "" {
		t.Errorf("member of pushers under a boundary without ecr: %q, want nothing", got)
	}
	// A member node is not an administrator of the account: it gets no
	// admin-takeover or cross-account edges of its own.
	for _, e := range s.Edges() {
		if e.From == node {
			t.Errorf("edge from the member node of a group that cannot escalate: %+v", e)
		}
	}
}
