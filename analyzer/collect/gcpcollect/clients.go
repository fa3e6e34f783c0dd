package gcpcollect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2/google"
	artifactregistry "google.golang.org/api/artifactregistry/v1"
	cloudasset "google.golang.org/api/cloudasset/v1"
	cloudidentity "google.golang.org/api/cloudidentity/v1"
	crm "google.golang.org/api/cloudresourcemanager/v3"
	"google.golang.org/api/googleapi"
	iam "google.golang.org/api/iam/v1"
	iamv2 "google.golang.org/api/iam/v2"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"
)

// clients are the REST services the collector calls, each over retries
// and authentication.
type clients struct {
	asset *cloudasset.Service
	crm   *crm.Service
	iam   *iam.Service
	iamv2 *iamv2.Service
	ar    *artifactregistry.Service
	ci    *cloudidentity.Service // only with Groups

	// hc and iamBase call the IAM v3 API, which has no client library
	// here (boundaries.go).
	hc      *http.Client
	iamBase string
}

// Cloud Platform covers Cloud Asset, Resource Manager, IAM and Artifact
// Registry (IAM offers no narrower scope); the IAM permissions of the
// caller, not the scope, keep the collection read-only. Cloud Identity
// needs its own read-only scope.
var (
	platformScopes = []string{cloudasset.CloudPlatformScope}
	groupScopes    = []string{cloudidentity.CloudIdentityGroupsReadonlyScope}
)

func newClients(ctx context.Context, o Options) (*clients, error) {
	httpClient := func(scopes []string) (*http.Client, error) {
		rt := o.Retry
		rt.Base = o.Transport
		if rt.Base == nil {
			rt.Base = http.DefaultTransport
		}
		// Retries sit under authentication: each attempt carries a valid
		// token and the quota project header.
		opts := append([]option.ClientOption{option.WithScopes(scopes...)}, o.ClientOptions...)
		t, err := htransport.NewTransport(ctx, &rt, opts...)
		if err != nil {
			return nil, fmt.Errorf("Google credentials: %w", err)
		}
		return &http.Client{Transport: t}, nil
	}
	svcOpts := func(hc *http.Client) []option.ClientOption {
		opts := []option.ClientOption{option.WithHTTPClient(hc)}
		if o.Endpoint != "" {
			opts = append(opts, option.WithEndpoint(o.Endpoint))
		}
		return opts
	}
	hc, err := httpClient(platformScopes)
	if err != nil {
		return nil, err
	}
	c := &clients{hc: hc, iamBase: "https://iam.googleapis.com/"}
	if o.Endpoint != "" {
		c.iamBase = strings.TrimSuffix(o.Endpoint, "/") + "/"
	}
	var errs []error
	var e error
	c.asset, e = cloudasset.NewService(ctx, svcOpts(hc)...)
	errs = append(errs, e)
	c.crm, e = crm.NewService(ctx, svcOpts(hc)...)
	errs = append(errs, e)
	c.iam, e = iam.NewService(ctx, svcOpts(hc)...)
	errs = append(errs, e)
	c.iamv2, e = iamv2.NewService(ctx, svcOpts(hc)...)
	errs = append(errs, e)
	c.ar, e = artifactregistry.NewService(ctx, svcOpts(hc)...)
	errs = append(errs, e)
	if o.Groups {
		gc, err := httpClient(groupScopes)
		if err != nil {
			return nil, err
		}
		c.ci, e = cloudidentity.NewService(ctx, svcOpts(gc)...)
		errs = append(errs, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Caller names the identity of the Application Default Credentials for the
// manifest, from what the credentials file says (a service account's
// email, or the one an external or impersonated credential acts as);
// "unknown" when the file does not say, as for gcloud user credentials.
// It reads only identifying fields: no token or key leaves this function.
func Caller(ctx context.Context) string {
	creds, err := google.FindDefaultCredentials(ctx, platformScopes...)
	if err != nil || creds == nil {
		return "unknown"
	}
	if len(creds.JSON) == 0 {
		// No file: the metadata server's credentials, whose service
		// account it names for the asking.
		if email, err := metadata.EmailWithContext(ctx, "default"); err == nil && email != "" {
			return email
		}
	}
	return callerFromJSON(creds.JSON)
}

func callerFromJSON(b []byte) string {
	var f struct {
		Type           string `json:"type"`
		ClientEmail    string `json:"client_email"`
		Impersonation  string `json:"service_account_impersonation_url"`
		Audience       string `json:"audience"`
		QuotaProjectID string `json:"quota_project_id"`
	}
	if len(b) == 0 || json.Unmarshal(b, &f) != nil {
		return "unknown" // metadata server credentials have no file
	}
	switch {
	case f.ClientEmail != "":
		return f.ClientEmail
	case f.Impersonation != "":
		// .../serviceAccounts/EMAIL:generateAccessToken
		s := f.Impersonation[strings.LastIndex(f.Impersonation, "/")+1:]
		s, _, _ = strings.Cut(s, ":")
		return s
	case f.Type != "":
		return "unknown (" + f.Type + " credentials)"
	}
	return "unknown"
}

// errText is an API error on one line: the HTTP code, the status and the
// reason Google gives (PERMISSION_DENIED, SERVICE_DISABLED...) and the
// message, without the multi-line details the library prints.
func errText(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted: " + context.Canceled.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "interrupted: " + context.DeadlineExceeded.Error()
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return err.Error()
	}
	var body struct {
		Error struct {
			Status  string `json:"status"`
			Details []struct {
				Type   string `json:"@type"`
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(ge.Body), &body)
	status, reason := body.Error.Status, ""
	for _, d := range body.Error.Details {
		if strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") && d.Reason != "" {
			reason = d.Reason
		}
	}
	if reason == "" && len(ge.Errors) > 0 {
		reason = ge.Errors[0].Reason
	}
	msg := ge.Message
	if msg == "" {
		msg = strings.TrimSpace(ge.Body)
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
	}
	s := fmt.Sprintf("HTTP %d", ge.Code)
	if status != "" {
		s += " " + status
	}
	if reason != "" && reason != status && !strings.EqualFold(reason, "forbidden") {
		s += " (" + reason + ")"
	}
	return s + ": " + strings.Join(strings.Fields(msg), " ")
}
