package awscloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

const (
	resAcct   = "111122223333"
	resUser   = "arn:aws:iam::" + resAcct + ":user/builder"
	resPolicy = "arn:aws:iam::" + resAcct + ":policy/image-publisher"
	// The permissive and the restrictive version of the policy.
	pushDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}`
	pullDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"}]}`
)

func version(id string, isDefault bool, doc string) map[string]any {
	return map[string]any{"VersionId": id, "IsDefaultVersion": isDefault, "Document": json.RawMessage(doc), "CreateDate": "2025-01-01T00:00:00Z"}
}

// authDetails is a get-account-authorization-details export: the filler
// policies first, then the policies given, and a user holding resPolicy.
func authDetails(fillers int, users []map[string]any, policies ...map[string]any) string {
	var all []map[string]any
	for i := 0; i < fillers; i++ {
		all = append(all, map[string]any{"PolicyName": "filler", "Arn": "arn:aws:iam::" + resAcct + ":policy/filler-" + string(rune('a'+i)),
			"DefaultVersionId": "v1", "PolicyVersionList": []any{version("v1", true, pullDoc)}})
	}
	all = append(all, policies...)
	if users == nil {
		users = []map[string]any{builder(nil)}
	}
	b, _ := json.Marshal(map[string]any{"Policies": all, "UserDetailList": users, "GroupDetailList": []any{}, "RoleDetailList": []any{}})
	return string(b)
}

func builder(inline []any) map[string]any {
	return map[string]any{"UserName": "builder", "Arn": resUser, "UserPolicyList": inline, "GroupList": []string{},
		"AttachedManagedPolicies": []any{map[string]any{"PolicyName": "image-publisher", "PolicyArn": resPolicy}}}
}

func publisherPolicy(defaultVersion string, versions ...map[string]any) map[string]any {
	p := map[string]any{"PolicyName": "image-publisher", "Arn": resPolicy, "PolicyVersionList": versions, "AttachmentCount": 1, "IsAttachable": true}
	if defaultVersion != "" {
		p["DefaultVersionId"] = defaultVersion
	}
	return p
}

func warned(ws []model.Warning, subs ...string) []string {
	var out []string
	for _, w := range ws {
		text := w.Where + " " + w.Message
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(text, s)
		}
		if ok {
			out = append(out, text)
		}
	}
	return out
}

func pushesImages(snap *model.Snapshot, principal string) bool {
	for k := range factsOf(snap, principal) {
		if strings.HasPrefix(k, "image.push ecr:PutImage ") {
			return true
		}
	}
	return false
}

func awsCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestDefaultVersionId: the policy version in force is the one
// DefaultVersionId names; IsDefaultVersion markers that disagree, or a
// DefaultVersionId that names no version, are warnings naming the place,
// and a policy with no version to use is refused, never guessed.
func TestDefaultVersionId(t *testing.T) {
	const place = "iam.json: Policies[2] (" + resPolicy + ")"
	for _, tc := range []struct {
		name     string
		policy   map[string]any
		wantPush bool
		wantWarn []string // nil: no warning about the policy
		refused  bool
	}{
		{
			name:   "consistent markers",
			policy: publisherPolicy("v2", version("v2", true, pullDoc), version("v1", false, pushDoc)),
		},
		{
			name:     "IsDefaultVersion on an older permissive version, DefaultVersionId on the restrictive one",
			policy:   publisherPolicy("v2", version("v2", false, pullDoc), version("v1", true, pushDoc)),
			wantWarn: []string{place, "DefaultVersionId", "v2", "IsDefaultVersion", "v1", "v2 is used"},
		},
		{
			name:     "the same, versions listed oldest first",
			policy:   publisherPolicy("v2", version("v1", true, pushDoc), version("v2", false, pullDoc)),
			wantWarn: []string{place, "DefaultVersionId", "IsDefaultVersion", "v2 is used"},
		},
		{
			name:     "IsDefaultVersion on two versions, DefaultVersionId settles it",
			policy:   publisherPolicy("v2", version("v2", true, pullDoc), version("v1", true, pushDoc)),
			wantWarn: []string{place, "IsDefaultVersion", "v2 is used"},
		},
		{
			name:     "DefaultVersionId names no version: the IsDefaultVersion one",
			policy:   publisherPolicy("v3", version("v2", true, pushDoc), version("v1", false, pullDoc)),
			wantPush: true,
			wantWarn: []string{place, "v3", "v2 is used"},
		},
		{
			name:     "no DefaultVersionId: the IsDefaultVersion one",
			policy:   publisherPolicy("", version("v2", true, pushDoc), version("v1", false, pullDoc)),
			wantPush: true,
			wantWarn: []string{place, "DefaultVersionId", "v2 is used"},
		},
		{
			name:     "no version to use: refused",
			policy:   publisherPolicy("v3", version("v2", false, pushDoc), version("v1", false, pushDoc)),
			wantWarn: []string{place, "v3", "ignored"},
			refused:  true,
		},
		{
			name:     "two IsDefaultVersion and no DefaultVersionId: refused, not guessed",
			policy:   publisherPolicy("", version("v2", true, pushDoc), version("v1", true, pullDoc)),
			wantWarn: []string{place, "IsDefaultVersion", "ignored"},
			refused:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			if err := load(t, s, "iam.json", authDetails(2, nil, tc.policy)); err != nil {
				t.Fatal(err)
			}
			snap := s.Evaluate(awsCatalog(t))
			if got := pushesImages(snap, resUser); got != tc.wantPush {
				t.Errorf("builder pushes: %v, want %v", got, tc.wantPush)
			}
			if tc.wantWarn == nil {
				if w := warned(snap.Warnings, resPolicy); len(w) != 0 {
					t.Errorf("unexpected warnings: %q", w)
				}
				return
			}
			if len(warned(snap.Warnings, tc.wantWarn...)) != 1 {
				t.Errorf("want one warning with %q; got %+v", tc.wantWarn, snap.Warnings)
			}
			if tc.refused && len(warned(snap.Warnings, "not in the inputs")) != 0 {
				t.Errorf("a refused policy is reported as missing from the inputs: %+v", snap.Warnings)
			}
		})
	}
}

// TestDuplicatePolicies: a managed policy read twice (the exports of two
// accounts, two exports of one account) is never resolved silently.
func TestDuplicatePolicies(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second map[string]any
		wantPush      bool
		wantWarn      []string
		identical     bool
	}{
		{
			name:     "differing, newer version read last",
			first:    publisherPolicy("v1", version("v1", true, pullDoc)),
			second:   publisherPolicy("v2", version("v2", true, pushDoc), version("v1", false, pullDoc)),
			wantPush: true,
			wantWarn: []string{"a.json: Policies[2]", "b.json: Policies[0]", resPolicy, "differ", "b.json: Policies[0]", "is used"},
		},
		{
			name:     "differing, newer version read first: the newer one",
			first:    publisherPolicy("v3", version("v3", true, pullDoc)),
			second:   publisherPolicy("v2", version("v2", true, pushDoc)),
			wantPush: false,
			wantWarn: []string{"a.json: Policies[2]", "b.json: Policies[0]", resPolicy, "differ", "the one at a.json: Policies[2]", "is used"},
		},
		{
			name:     "differing, same version id: the one read last",
			first:    publisherPolicy("v1", version("v1", true, pullDoc)),
			second:   publisherPolicy("v1", version("v1", true, pushDoc)),
			wantPush: true,
			wantWarn: []string{"a.json: Policies[2]", "b.json: Policies[0]", resPolicy, "differ", "the one at b.json: Policies[0]", "is used"},
		},
		{
			name:      "identical: one note",
			first:     publisherPolicy("v2", version("v2", true, pushDoc)),
			second:    publisherPolicy("v2", version("v2", true, `{"Statement":[{"Resource":"*","Action":"ecr:*","Effect":"Allow"}],"Version":"2012-10-17"}`), version("v1", false, pullDoc)),
			wantPush:  true,
			wantWarn:  []string{"identical", "a.json: Policies[2]", "b.json: Policies[0]"},
			identical: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			if err := load(t, s, "a.json", authDetails(2, nil, tc.first)); err != nil {
				t.Fatal(err)
			}
			if err := load(t, s, "b.json", authDetails(0, []map[string]any{}, tc.second)); err != nil {
				t.Fatal(err)
			}
			snap := s.Evaluate(awsCatalog(t))
			if got := pushesImages(snap, resUser); got != tc.wantPush {
				t.Errorf("builder pushes: %v, want %v", got, tc.wantPush)
			}
			if len(warned(snap.Warnings, tc.wantWarn...)) != 1 {
				t.Errorf("want one warning with %q; got %+v", tc.wantWarn, snap.Warnings)
			}
			if tc.identical && len(warned(snap.Warnings, "differ")) != 0 {
				t.Errorf("identical copies reported as differing: %+v", snap.Warnings)
			}
		})
	}
	t.Run("an AWS managed policy in the export of every account: one note", func(t *testing.T) {
		s := New()
		aws := map[string]any{"PolicyName": "AmazonEC2ContainerRegistryPowerUser", "Arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
			"DefaultVersionId": "v3", "PolicyVersionList": []any{version("v3", true, pushDoc)}}
		for _, f := range []string{"a.json", "b.json", "c.json", "d.json"} {
			if err := load(t, s, f, authDetails(1, []map[string]any{}, aws)); err != nil {
				t.Fatal(err)
			}
		}
		snap := s.Evaluate(awsCatalog(t))
		if n := len(warned(snap.Warnings, "identical")); n != 1 {
			t.Errorf("%d notes about identical copies, want 1: %+v", n, snap.Warnings)
		}
	})
}

// TestDuplicatePrincipals: a user read from two files is warned about with
// both places when the copies differ, and noted once when they do not.
func TestDuplicatePrincipals(t *testing.T) {
	inline := func(doc string) []any {
		return []any{map[string]any{"PolicyName": "extra", "PolicyDocument": json.RawMessage(doc)}}
	}
	other := map[string]any{"UserName": "other", "Arn": "arn:aws:iam::" + resAcct + ":user/other"}
	policy := publisherPolicy("v1", version("v1", true, pullDoc))
	t.Run("differing", func(t *testing.T) {
		s := New()
		if err := load(t, s, "a.json", authDetails(0, []map[string]any{other, builder(nil)}, policy)); err != nil {
			t.Fatal(err)
		}
		if err := load(t, s, "b.json", authDetails(0, []map[string]any{builder(inline(pushDoc))})); err != nil {
			t.Fatal(err)
		}
		snap := s.Evaluate(awsCatalog(t))
		want := []string{"a.json: UserDetailList[1]", "b.json: UserDetailList[0]", resUser, "differ", "the one at b.json: UserDetailList[0] is used"}
		if len(warned(snap.Warnings, want...)) != 1 {
			t.Errorf("want one warning with %q; got %+v", want, snap.Warnings)
		}
		if !pushesImages(snap, resUser) {
			t.Error("the copy read last is not the one used")
		}
	})
	t.Run("identical", func(t *testing.T) {
		s := New()
		for _, f := range []string{"a.json", "b.json", "c.json"} {
			if err := load(t, s, f, authDetails(0, []map[string]any{other, builder(inline(pushDoc))}, policy)); err != nil {
				t.Fatal(err)
			}
		}
		snap := s.Evaluate(awsCatalog(t))
		if len(warned(snap.Warnings, "differ")) != 0 || len(warned(snap.Warnings, "identical")) != 2 {
			t.Errorf("want one note for the principals and one for the policies, nothing differing: %+v", snap.Warnings)
		}
	})
}
