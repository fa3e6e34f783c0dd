package awscloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// Every replacement is embedded, parses, and grants no image write the
// policy it replaces is swapped away for.
func TestReplacementTable(t *testing.T) {
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(replacements) == 0 {
		t.Fatal("no replacements")
	}
	for from, to := range replacements {
		m := replacementDocs[to]
		if m == nil || m.policy == nil {
			t.Errorf("%s -> %s: the replacement's document is not embedded", from, to)
			continue
		}
		for _, e := range cat.ForCloud(cloudName) {
			switch e.Capability {
			case "image.push", "image.create", "image.modify", "image.share", "registry.configure", "pipeline.modify":
				if grantsAction(m.policy, e.Action) {
					t.Errorf("%s grants %s (%s): not a narrower replacement", to, e.Action, e.Capability)
				}
			}
		}
	}
}

func loadAuth(t *testing.T, doc string) *Snapshot {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	s := New()
	if err := s.Load("iam.json", FormatAuthDetails, &model.Document{Object: obj}); err != nil {
		t.Fatal(err)
	}
	return s
}

const oneUser = `{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::111122223333:user/u",
 "UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:PutImage","s3:GetObject"],"Resource":"*"}]}}]}]}`

func TestApplyStatementSplit(t *testing.T) {
	s := loadAuth(t, oneUser)
	c := remediate.Change{Cloud: cloudName, Kind: KindStatementSplit,
		After:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
		Params: map[string]string{"holder_kind": "user", "holder": "arn:aws:iam::111122223333:user/u", "holder_name": "u", "policy": "p", "account": "111122223333"}}
	if err := s.Apply(c); err != nil {
		t.Fatal(err)
	}
	u := "arn:aws:iam::111122223333:user/u"
	if s.Holds(u, remediate.Permission{Action: "ecr:PutImage"}) || !s.Holds(u, remediate.Permission{Action: "s3:GetObject"}) {
		t.Error("after the split, s3:GetObject must stay and ecr:PutImage go")
	}
	if err := s.Apply(c); err == nil || !strings.Contains(err.Error(), "before evaluation") {
		t.Errorf("applying after evaluation must fail, got %v", err)
	}
}

func TestApplyRefuses(t *testing.T) {
	cases := map[string]remediate.Change{
		"unknown kind":     {Cloud: cloudName, Kind: "aws-nonsense"},
		"other cloud":      {Cloud: "gcp", Kind: KindStatementSplit},
		"missing holder":   {Cloud: cloudName, Kind: KindStatementSplit, After: `{"Statement":[]}`, Params: map[string]string{"holder_kind": "user", "holder": "arn:aws:iam::111122223333:user/nobody", "policy": "p"}},
		"missing policy":   {Cloud: cloudName, Kind: KindStatementSplit, After: `{"Statement":[]}`, Params: map[string]string{"holder_kind": "user", "holder": "arn:aws:iam::111122223333:user/u", "policy": "other"}},
		"invalid document": {Cloud: cloudName, Kind: KindStatementSplit, After: `{"Statement":[{"Effect":"Maybe"}]}`, Params: map[string]string{"holder_kind": "user", "holder": "arn:aws:iam::111122223333:user/u", "policy": "p"}},
		"no organization":  {Cloud: cloudName, Kind: KindSCP, After: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, Params: map[string]string{"target": "r-1"}},
		"swap unattached":  {Cloud: cloudName, Kind: KindManagedSwap, Params: map[string]string{"holder_kind": "user", "holder": "arn:aws:iam::111122223333:user/u", "from": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser", "to": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"}},
	}
	for name, c := range cases {
		s := loadAuth(t, oneUser)
		if err := s.Apply(c); err == nil {
			t.Errorf("%s: Apply accepted %+v", name, c)
		}
	}
}

// The universe of a wildcard names the catalog actions it covers and a
// made-up action for the rest.
func TestUniverseWildcards(t *testing.T) {
	s := loadAuth(t, `{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::111122223333:role/r",
 "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:Put*","s3:GetObject"],"Resource":"*"}]}}]}]}`)
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s.UseCatalog(cat)
	got := map[string]bool{}
	for _, p := range s.Universe()["arn:aws:iam::111122223333:role/r"] {
		got[p.Action] = true
	}
	for _, a := range []string{"s3:GetObject", "ecr:PutImage", "ecr:PutImagewardenOtherAction"} {
		if !got[a] {
			t.Errorf("universe lacks %s: %v", a, got)
		}
	}
	if got["ecr:InitiateLayerUpload"] {
		t.Error("ecr:Put* does not cover ecr:InitiateLayerUpload")
	}
}
