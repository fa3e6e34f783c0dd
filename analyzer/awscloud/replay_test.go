package awscloud

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// TestReplaysShareNoChanges: snapshots loaded from the same document share
// what was decoded from it (decoded), yet a change applied to one (a new
// policy attached, appended to the lists read from the document) leaves
// the others as read.
func TestReplaysShareNoChanges(t *testing.T) {
	var att []string
	for i := 0; i < 5; i++ {
		att = append(att, fmt.Sprintf(`{"PolicyName":"p%d","PolicyArn":"arn:aws:iam::111122223333:policy/p%d"}`, i, i))
	}
	list := "[" + att[0]
	for _, a := range att[1:] {
		list += "," + a
	}
	list += "]"
	text := `{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::111122223333:user/u","AttachedManagedPolicies":` + list + `,"GroupList":["g"]}],
"GroupDetailList":[{"GroupName":"g","Arn":"arn:aws:iam::111122223333:group/g","AttachedManagedPolicies":` + list + `}],
"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::111122223333:role/r","AttachedManagedPolicies":` + list + `}]}`
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		t.Fatal(err)
	}
	doc := &model.Document{Object: obj}
	load := func() *Snapshot {
		s := New()
		if err := s.Load("iam.json", FormatAuthDetails, doc); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := load(), load()
	pol, err := parseCached([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range [][2]string{{"user", "arn:aws:iam::111122223333:user/u"}, {"role", "arn:aws:iam::111122223333:role/r"}, {"group", "arn:aws:iam::111122223333:group/g"}} {
		if err := a.attachNew(h[0], h[1], "111122223333", "g", "deny", "arn:aws:iam::111122223333:policy/deny", pol); err != nil {
			t.Fatal(err)
		}
	}
	// b attaches another policy: with shared backing arrays it would
	// overwrite a's new attachment.
	for _, h := range [][2]string{{"user", "arn:aws:iam::111122223333:user/u"}, {"role", "arn:aws:iam::111122223333:role/r"}, {"group", "arn:aws:iam::111122223333:group/g"}} {
		if err := b.attachNew(h[0], h[1], "111122223333", "g", "other", "arn:aws:iam::111122223333:policy/other", pol); err != nil {
			t.Fatal(err)
		}
	}
	c := load()
	for name, s := range map[string]*Snapshot{"a": a, "b": b, "c": c} {
		want := 6
		last := map[string]string{"a": "deny", "b": "other"}[name]
		if name == "c" {
			want = 5
		}
		for _, l := range [][]attachedPolicy{s.byARN["arn:aws:iam::111122223333:user/u"].attached, s.byARN["arn:aws:iam::111122223333:role/r"].attached, s.groups["111122223333/g"].attached} {
			if len(l) != want || last != "" && l[len(l)-1].PolicyName != last {
				t.Fatalf("snapshot %s: attached %v, want %d ending with %q", name, l, want, last)
			}
		}
	}
}

// TestHoldsAfterUniverse: Holds answers from what Universe decided
// (decideUniverse) as it does deciding each permission on its own, on the
// demo and synthetic organizations, for the universe's permissions and
// for others (another principal's, on a repository).
func TestHoldsAfterUniverse(t *testing.T) {
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range referenceInputs(t) {
		t.Run(name, func(t *testing.T) {
			fresh, s := loadFiles(t, files), loadFiles(t, files)
			fresh.UseCatalog(cat)
			s.UseCatalog(cat)
			u := s.Universe()
			var all []remediate.Permission
			for _, perms := range u {
				all = append(all, perms...)
			}
			for _, a := range s.repoOrder {
				all = append(all, remediate.Permission{Action: "ecr:PutImage", Resource: a})
			}
			held, asked := 0, 0
			for p := range u {
				perms := append(append([]remediate.Permission(nil), u[p]...), all[:min(len(all), 50)]...)
				for _, perm := range perms {
					got, want := s.Holds(p, perm), fresh.Holds(p, perm)
					if got != want {
						t.Fatalf("%s %v: Holds %v, on its own %v", p, perm, got, want)
					}
					asked++
					if got {
						held++
					}
				}
			}
			if held == 0 || held == asked {
				t.Fatalf("%d of %d held: the test proves nothing", held, asked)
			}
		})
	}
}
