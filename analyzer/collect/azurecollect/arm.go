package azurecollect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// moduleName and moduleVersion name imagewarden in the User-Agent of the
// requests it sends through its own ARM pipeline.
const (
	moduleName    = "github.com/imagewarden/imagewarden/analyzer/collect/azurecollect"
	moduleVersion = "v1.0.0"
	// maxPages bounds one listing: a nextLink that never ends is a bug of
	// the service or of a proxy, not a reason to loop forever.
	maxPages = 100000
)

// armAudience is the token audience of Resource Manager in the configured
// cloud (public, sovereign, or the test server).
func armAudience(o *arm.ClientOptions) string {
	if c, ok := o.Cloud.Services[cloud.ResourceManager]; ok && c.Audience != "" {
		return c.Audience
	}
	return cloud.AzurePublic.Services[cloud.ResourceManager].Audience
}

// errText is an error as one line for the manifest: the status, Azure's
// error code and message, without the request URL and headers that
// azcore's own message carries.
func errText(err error) string {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return err.Error()
	}
	msg := ""
	if re.RawResponse != nil {
		if body, perr := runtime.Payload(re.RawResponse); perr == nil {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(body, &e) == nil {
				msg = e.Error.Message
			}
		}
	}
	text := fmt.Sprintf("%d %s", re.StatusCode, re.ErrorCode)
	if msg != "" {
		text += ": " + msg
	}
	return text
}

// unreadable tells an error that says the caller cannot read the
// subscription at all (403 AuthorizationFailed and its kin), or that it
// does not exist (404, 400 InvalidSubscriptionId): its other listings
// would fail the same way.
func unreadable(err error) bool {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	return re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusNotFound ||
		(re.StatusCode == http.StatusBadRequest && re.ErrorCode == "InvalidSubscriptionId")
}

// page is one page of an ARM or Microsoft Graph list.
type page[T any] struct {
	Value     []T    `json:"value"`
	NextLink  string `json:"nextLink"`
	ODataNext string `json:"@odata.nextLink"`
}

// getPages GETs first through the pipeline and follows nextLink (ARM) or
// @odata.nextLink (Graph), handing every page's items to add. It is used
// where the SDK's model lacks a field the analysis needs, and for Graph.
func getPages[T any](ctx context.Context, pl runtime.Pipeline, first string, add func([]T)) error {
	next := first
	seen := map[string]bool{}
	for n := 0; next != ""; n++ {
		if n >= maxPages || seen[next] {
			return fmt.Errorf("the list does not end: page %d repeats or exceeds %d pages", n, maxPages)
		}
		seen[next] = true
		var p page[T]
		if err := getJSON(ctx, pl, next, &p); err != nil {
			return err
		}
		add(p.Value)
		next = p.NextLink
		if next == "" {
			next = p.ODataNext
		}
	}
	return nil
}

// getJSON GETs one URL and decodes its JSON body into v.
func getJSON(ctx context.Context, pl runtime.Pipeline, u string, v any) error {
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return err
	}
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := pl.Do(req)
	if err != nil {
		return err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return runtime.NewResponseError(resp)
	}
	if err := runtime.UnmarshalAsJSON(resp, v); err != nil {
		return fmt.Errorf("unreadable answer: %w", err)
	}
	return nil
}

// armURL joins the Resource Manager endpoint, a path and its query.
// Values are escaped as path text (%20 for spaces) because ARM reads OData
// $filter expressions that way.
func armURL(endpoint, path string, query ...string) string {
	var q []string
	for i := 0; i+1 < len(query); i += 2 {
		q = append(q, query[i]+"="+url.PathEscape(query[i+1]))
	}
	return runtime.JoinPaths(endpoint, path) + "?" + strings.Join(q, "&")
}

// caller reads who is collecting from the access token's claims: the
// object id, a user or application name, and the tenant. The token is
// decoded, not verified (Azure verified it when issuing it, and it is not
// trusted for anything), and never written anywhere.
func caller(ctx context.Context, cred azcore.TokenCredential, audience string) (who, tenant string, err error) {
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{strings.TrimRight(audience, "/") + "/.default"}})
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		return "", "", nil // not a JWT: collect without naming the caller
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", "", nil
	}
	var c struct {
		OID        string `json:"oid"`
		TID        string `json:"tid"`
		UPN        string `json:"upn"`
		UniqueName string `json:"unique_name"`
		AppID      string `json:"appid"`
	}
	if json.Unmarshal(b, &c) != nil {
		return "", "", nil
	}
	name := c.UPN
	if name == "" {
		name = c.UniqueName
	}
	if name == "" && c.AppID != "" {
		name = "application " + c.AppID
	}
	who = c.OID
	if name != "" && c.OID != "" {
		who = name + " (" + c.OID + ")"
	} else if name != "" {
		who = name
	}
	return who, c.TID, nil
}
