package azure

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	const sub = "/subscriptions/11111111-aaaa-4b5c-8d9e-0f1a2b3c4d5e"
	cases := []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
	}{
		{"guid", ValidGUID,
			[]string{"6bc1a49c-e94d-4dac-ad76-33dd3fcbc173", "6BC1A49C-E94D-4DAC-AD76-33DD3FCBC173", Everyone},
			[]string{"", "6bc1a49c-e94d-4dac-ad76-33dd3fcbc17", "6bc1a49c-e94d-4dac-ad76-33dd3fcbc173;touch pwned", "6bc1a49ce94d4dacad7633dd3fcbc173", "{6bc1a49c-e94d-4dac-ad76-33dd3fcbc173}", "6bc1a49c-e94d-4dac-ad76-33dd3fcbc17g"}},
		{"principal type", ValidPrincipalType,
			[]string{"User", "Group", "ServicePrincipal", "ForeignGroup", "Device", "user"},
			[]string{"", "Role", "User;touch PWNED", "Managed Identity"}},
		{"resource group", ValidResourceGroupName,
			[]string{"rg-golden-images", "rg-gölden-(images)", "a", "rg.x_y", strings.Repeat("r", 90)},
			[]string{"", "rg.", "rg golden", "rg;x", "rg$(x)", "rg/x", strings.Repeat("r", 91)}},
		{"management group", ValidManagementGroupID,
			[]string{"mg-northwind", "7c1f5e0a-4d2b-4e8a-9f36-2b8d1c5a7e90", "mg.(x)_y"},
			[]string{"", "mg northwind", "mg;x", "mg/x", strings.Repeat("m", 91)}},
		{"scope", ValidScope,
			[]string{"/", sub, sub + "/resourceGroups/rg-golden-images", strings.ToLower(sub + "/resourcegroups/rg-golden-images"),
				sub + "/resourceGroups/rg-golden-images/providers/Microsoft.ContainerRegistry/registries/acrnwgolden",
				sub + "/resourceGroups/rg-golden-images/providers/Microsoft.Compute/galleries/galNorthwindGolden/images/ubuntu-2204-golden",
				sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/providers/Microsoft.Insights/diagnosticSettings/d",
				sub + "/providers/Microsoft.Web/sites/$(touch PWNED)",
				"/providers/Microsoft.Management/managementGroups/mg-platform"},
			[]string{"", "subscriptions/" + sub, sub + "/", "/subscriptions/not-a-guid", sub + "/resourceGroups/rg golden", sub + "/resourceGroups",
				sub + "/resourceGroups/rg/providers", sub + "/resourceGroups/rg/providers/Microsoft.Compute", sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries",
				sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/a\nb", sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/a<b",
				sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/ a", sub + "/other/x", "/providers/Microsoft.Management/managementGroups/mg;x",
				"/providers/Microsoft.Management/managementGroups", "/providers/Other/managementGroups/mg", sub + "//resourceGroups/rg"}},
		{"role assignment id", ValidRoleAssignmentID,
			[]string{sub + "/resourceGroups/rg-golden-images/providers/Microsoft.Authorization/roleAssignments/fac3ef93-2401-49d2-b5e1-8ca8509104e1",
				"/providers/Microsoft.Management/managementGroups/mg-northwind/providers/Microsoft.Authorization/roleAssignments/92f69b07-dd6f-4388-8684-d7af252161ec",
				"/providers/Microsoft.Authorization/roleAssignments/92f69b07-dd6f-4388-8684-d7af252161ec"},
			[]string{"", "92f69b07-dd6f-4388-8684-d7af252161ec",
				sub + "/resourceGroups/rg-golden-images/providers/Microsoft.Authorization/roleAssignments/fac3ef93-2401-49d2-b5e1-8ca8509104e1' ; touch PWNED ; '",
				"/bad scope/providers/Microsoft.Authorization/roleAssignments/92f69b07-dd6f-4388-8684-d7af252161ec"}},
		{"role definition id", ValidRoleDefinitionID,
			[]string{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
				sub + "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
			[]string{"", "Owner", "/providers/Microsoft.Authorization/roleDefinitions/owner", "/x y/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"}},
		{"role name", ValidRoleName,
			[]string{"Owner", "Image Builder $(touch PWNED) `touch PWNED`; touch PWNED 'x' \"y\" | * ~ Operator", strings.Repeat("n", 512)},
			[]string{"", " Owner", "Owner ", "Own\ner", "Own\rer", "Own\u2028er", "Own\x1ber", strings.Repeat("n", 513)}},
		{"condition", ValidCondition,
			[]string{"((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[x] StringStartsWithIgnoreCase 'shop/'))", "(\r\n a\r\n)\tb"},
			[]string{"", "a\x00b", "a\x1bb", "a\u2029b", strings.Repeat("c", 8193)}},
	}
	for _, c := range cases {
		for _, v := range c.ok {
			if err := c.check(v); err != nil {
				t.Errorf("%s %q: %v", c.name, v, err)
			}
		}
		for _, v := range c.bad {
			err := c.check(v)
			if err == nil {
				t.Errorf("%s %q was accepted", c.name, v)
				continue
			}
			if strings.ContainsAny(v, "$`;|&\n\r'\"\\ ") && strings.Contains(err.Error(), v) {
				t.Errorf("%s: the error quotes the value: %v", c.name, err)
			}
		}
	}
}
