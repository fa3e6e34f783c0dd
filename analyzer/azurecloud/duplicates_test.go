package azurecloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

func loadItems(t *testing.T, s *Snapshot, file, body string) {
	t.Helper()
	doc := &model.Document{}
	if err := json.Unmarshal([]byte(body), &doc.Items); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	format := s.Recognize(doc)
	if format == "" {
		t.Fatalf("%s: not recognised", file)
	}
	if err := s.Load(file, format, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func warningsWith(ws []model.Warning, subs ...string) []string {
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

const (
	dupSub      = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e"
	dupRegistry = dupSub + "/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/acrimages"
	dupRoleGUID = "0d1e2f30-4a5b-4c6d-8e9f-a0b1c2d3e4f5"
	dupRoleID   = dupSub + "/providers/Microsoft.Authorization/roleDefinitions/" + dupRoleGUID
	dupOther    = "/subscriptions/22222222-bbbb-4c6d-9e0f-1a2b3c4d5e6f/providers/Microsoft.Authorization/roleDefinitions/" + dupRoleGUID
	dupPrincip  = "5a6b7c8d-1111-4222-8333-944455556666"
	pushOp      = "Microsoft.ContainerRegistry/registries/push/write"
)

func roleDef(id, updated string, actions ...string) string {
	m := map[string]any{"id": id, "name": dupRoleGUID, "roleName": "Image Builder", "roleType": "CustomRole",
		"permissions": []map[string]any{{"actions": actions, "notActions": []string{}, "dataActions": []string{}, "notDataActions": []string{}}}}
	if updated != "" {
		m["updatedOn"] = updated
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func fillerDef(n int) string {
	b, _ := json.Marshal(map[string]any{"id": "/providers/Microsoft.Authorization/roleDefinitions/f" + strings.Repeat("0", 7) + string(rune('0'+n)) + "-0000-4000-8000-000000000000",
		"roleName": "Filler", "permissions": []map[string]any{{"actions": []string{"Microsoft.Compute/*/read"}}}})
	return string(b)
}

func pushes(snap *model.Snapshot) bool {
	for _, f := range snap.Facts {
		if f.Principal != dupPrincip || f.Capability != "image.push" {
			continue
		}
		for _, t := range f.Targets {
			if strings.EqualFold(t.Resource, dupRegistry) {
				return true
			}
		}
	}
	return false
}

// TestDuplicateRoleDefinitions: a role definition read twice is never
// resolved silently. Differing definitions are a warning with both places
// that names the one used (the more recently updated one, else the one
// read last); identical ones (the same role listed by two subscriptions)
// share one note.
func TestDuplicateRoleDefinitions(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		first, second string
		wantPush      bool
		wantWarn      []string
		identical     bool
	}{
		{
			name:     "differing, no dates: the one read last",
			first:    roleDef(dupRoleID, "", "Microsoft.ContainerRegistry/registries/read"),
			second:   roleDef(dupRoleID, "", pushOp),
			wantPush: true,
			wantWarn: []string{"roles.json: [3]", "roles2.json: [0]", dupRoleGUID, "differ", "roles2.json: [0] is used"},
		},
		{
			name:     "differing: the more recently updated one, though read first",
			first:    roleDef(dupRoleID, "2025-03-01T10:00:00.000000+00:00", "Microsoft.ContainerRegistry/registries/read"),
			second:   roleDef(dupRoleID, "2024-01-01T10:00:00.000000+00:00", pushOp),
			wantPush: false,
			wantWarn: []string{"roles.json: [3]", "roles2.json: [0]", dupRoleGUID, "differ", "roles.json: [3] is used"},
		},
		{
			name:     "differing: the more recently updated one, read last",
			first:    roleDef(dupRoleID, "2024-01-01T10:00:00.000000+00:00", "Microsoft.ContainerRegistry/registries/read"),
			second:   roleDef(dupRoleID, "2025-03-01T10:00:00.000000+00:00", pushOp),
			wantPush: true,
			wantWarn: []string{"roles.json: [3]", "roles2.json: [0]", dupRoleGUID, "differ", "roles2.json: [0] is used"},
		},
		{
			name:      "identical, listed by two subscriptions",
			first:     roleDef(dupRoleID, "2024-01-01T10:00:00.000000+00:00", pushOp),
			second:    roleDef(dupOther, "2024-01-01T10:00:00.000000+00:00", strings.ToLower(pushOp)),
			wantPush:  true,
			wantWarn:  []string{"identical", "roles.json: [3]", "roles2.json: [0]"},
			identical: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			loadItems(t, s, "roles.json", `[`+fillerDef(0)+`,`+fillerDef(1)+`,`+fillerDef(2)+`,`+tc.first+`]`)
			loadItems(t, s, "roles2.json", `[`+tc.second+`]`)
			loadItems(t, s, "registries.json", `[{"id":"`+dupRegistry+`","name":"acrimages","loginServer":"acrimages.azurecr.io"}]`)
			loadItems(t, s, "assignments.json", `[{"principalId":"`+dupPrincip+`","principalType":"ServicePrincipal","roleDefinitionId":"`+dupRoleID+`","scope":"`+dupSub+`"}]`)
			snap := s.Evaluate(cat)
			if got := pushes(snap); got != tc.wantPush {
				t.Errorf("pushes: %v, want %v", got, tc.wantPush)
			}
			if len(warningsWith(snap.Warnings, tc.wantWarn...)) != 1 {
				t.Errorf("want one warning with %q; got %+v", tc.wantWarn, snap.Warnings)
			}
			if tc.identical && len(warningsWith(snap.Warnings, "differ")) != 0 {
				t.Errorf("identical definitions reported as differing: %+v", snap.Warnings)
			}
		})
	}
	t.Run("a built-in role in the export is not a duplicate of the built-in table", func(t *testing.T) {
		s := New()
		loadItems(t, s, "roles.json", `[{"id":"/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec","roleName":"AcrPush","roleType":"BuiltInRole","permissions":[{"actions":["Microsoft.ContainerRegistry/registries/pull/read","Microsoft.ContainerRegistry/registries/push/write"]}]}]`)
		snap := s.Evaluate(cat)
		if w := warningsWith(snap.Warnings, "roles.json"); len(w) != 0 {
			t.Errorf("warnings: %q", w)
		}
	})
	t.Run("many identical copies: one note", func(t *testing.T) {
		s := New()
		for _, f := range []string{"a.json", "b.json", "c.json", "d.json"} {
			loadItems(t, s, f, `[`+roleDef(dupRoleID, "", pushOp)+`,`+fillerDef(0)+`]`)
		}
		snap := s.Evaluate(cat)
		if n := len(warningsWith(snap.Warnings, "identical")); n != 1 {
			t.Errorf("%d notes, want 1: %+v", n, snap.Warnings)
		}
	})
}
