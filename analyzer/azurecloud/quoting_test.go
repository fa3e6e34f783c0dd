package azurecloud

import (
	"reflect"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/policies/azure"
)

func TestAssignmentCreate(t *testing.T) {
	a := azure.Assignment{PrincipalID: "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173", Type: "User",
		Condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'"}
	var c remediate.Change
	args := assignmentCreate(&c, a, "-Odd role name", "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-(x)")
	want := []string{"az", "role", "assignment", "create", "--assignee-object-id", a.PrincipalID, "--assignee-principal-type", "User",
		"--role=-Odd role name", "--scope", "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-(x)",
		"--condition", "(" + a.Condition + ")", "--condition-version", "2.0"}
	if !reflect.DeepEqual(args, want) || c.Refused() {
		t.Errorf("args %q, want %q (refused %v: %q)", args, want, c.Refused(), c.Notes)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "parentheses") {
		t.Errorf("notes %q", c.Notes)
	}
	for _, bad := range []azure.Assignment{
		{PrincipalID: "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173;touch pwned", Type: "User"},
		{PrincipalID: a.PrincipalID, Type: "User;touch PWNED"},
		{PrincipalID: a.PrincipalID, Type: "User", Condition: "a\x00b"},
	} {
		var c remediate.Change
		assignmentCreate(&c, bad, "Owner", "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e")
		if !c.Refused() {
			t.Errorf("%+v was not refused", bad)
		}
	}
	for _, name := range []string{"@/etc/passwd", "Owner\nx", ""} {
		if validRoleArg(name) == nil {
			t.Errorf("role name %q accepted", name)
		}
	}
}

func TestAddDeleteCommand(t *testing.T) {
	s := New()
	var c remediate.Change
	s.addDeleteCommand(&c, azure.Assignment{PrincipalID: "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173",
		RoleID: "/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"}, "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-(x)")
	want := "az role assignment delete --assignee 6bc1a49c-e94d-4dac-ad76-33dd3fcbc173 --role 8e3af657-a8ff-443c-a75c-2fe8c4bcb635 --scope '/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-(x)'"
	if len(c.Commands) != 1 || c.Commands[0] != want {
		t.Errorf("commands %q, want %q", c.Commands, want)
	}
	var d remediate.Change
	s.addDeleteCommand(&d, azure.Assignment{ID: "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e/providers/Microsoft.Authorization/roleAssignments/x'; touch PWNED"}, "/")
	if len(d.Commands) != 0 || !d.Refused() {
		t.Errorf("a bad assignment id reached a command: %q", d.Commands)
	}
}
