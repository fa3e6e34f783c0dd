package azurecollect

import (
	"net/http"
	"strings"
)

// The fake's compute (docs/inputs.md A9, A10), in the REST shapes of the
// list APIs: sub-platform has a build VM that runs as a system-assigned
// identity and as id-builder, and a scale set without identity;
// sub-shop has a function app and is not registered for Microsoft.App.
const (
	vmBuilder   = rgGolden + "/providers/Microsoft.Compute/virtualMachines/vm-builder"
	vmBuilderMI = "9d8c7b6a-0000-4000-8000-0000000000aa"
	funcShop    = "/subscriptions/" + subShop + "/resourceGroups/rg-shop/providers/Microsoft.Web/sites/func-shop"
	funcShopMI  = "9d8c7b6a-0000-4000-8000-0000000000bb"
)

// computeAPIs are the api-versions the fake serves, by resource type.
var computeAPIs = map[string]string{
	"Compute/virtualMachines": "2024-07-01", "Compute/virtualMachineScaleSets": "2024-07-01", "Automation/automationAccounts": "2023-11-01",
	"Web/sites": "2023-12-01", "App/containerApps": "2024-03-01", "ContainerInstance/containerGroups": "2023-05-01", "Logic/workflows": "2019-05-01",
}

// computeList answers a subscription's list of one compute type, or
// returns 0 when the resource is not one.
func computeList(w http.ResponseWriter, r *http.Request, base, scope, resource string) int {
	api, ok := computeAPIs[resource]
	if !ok {
		return 0
	}
	if v := r.URL.Query().Get("api-version"); v != api {
		return apiError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '"+v+"' is invalid.")
	}
	items := []any{}
	switch {
	case scope == "/subscriptions/"+subPlatform && resource == "Compute/virtualMachines":
		items = append(items, map[string]any{"id": vmBuilder, "name": "vm-builder", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
			"tags": map[string]any{}, "zones": []string{"1"},
			"identity": map[string]any{"type": "SystemAssigned, UserAssigned", "principalId": vmBuilderMI, "tenantId": tenantID,
				"userAssignedIdentities": map[string]any{idBuilder: map[string]any{"principalId": builderMI, "clientId": "c0ffee00-1234-4abc-8def-0123456789ab"}}},
			"properties": map[string]any{"vmId": "0f0e0d0c-0000-4000-8000-000000000001", "hardwareProfile": map[string]any{"vmSize": "Standard_D2s_v5"},
				"osProfile":         map[string]any{"computerName": "vm-builder", "adminUsername": "azureuser", "linuxConfiguration": map[string]any{"disablePasswordAuthentication": true}},
				"provisioningState": "Succeeded"},
			"resources": []any{map[string]any{"id": vmBuilder + "/extensions/AADSSHLoginForLinux", "name": "AADSSHLoginForLinux",
				"type": "Microsoft.Compute/virtualMachines/extensions", "location": "westeurope",
				"properties": map[string]any{"publisher": "Microsoft.Azure.ActiveDirectory", "type": "AADSSHLoginForLinux", "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": true, "provisioningState": "Succeeded"}}}})
	case scope == "/subscriptions/"+subPlatform && resource == "Compute/virtualMachineScaleSets":
		items = append(items, map[string]any{"id": rgGolden + "/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-agents", "name": "vmss-agents",
			"type": "Microsoft.Compute/virtualMachineScaleSets", "location": "westeurope", "sku": map[string]any{"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 2},
			"properties": map[string]any{"upgradePolicy": map[string]any{"mode": "Manual"}, "provisioningState": "Succeeded"}})
	case scope == "/subscriptions/"+subShop && resource == "Web/sites":
		items = append(items, map[string]any{"id": funcShop, "name": "func-shop", "type": "Microsoft.Web/sites", "kind": "functionapp,linux", "location": "westeurope",
			"identity":   map[string]any{"type": "SystemAssigned", "principalId": funcShopMI, "tenantId": tenantID},
			"properties": map[string]any{"state": "Running", "hostNames": []string{"func-shop.azurewebsites.net"}, "siteConfig": map[string]any{"appSettings": nil}}})
	case scope == "/subscriptions/"+subShop && strings.HasPrefix(resource, "App/"):
		return apiError(w, http.StatusConflict, "MissingSubscriptionRegistration", "The subscription is not registered to use namespace 'Microsoft.App'. See https://aka.ms/rps-not-found for how to register subscriptions.")
	}
	return list(w, r, base, items, 1)
}
