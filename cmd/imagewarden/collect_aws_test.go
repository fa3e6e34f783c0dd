package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// noPermissionAWS answers as AWS answers a caller who may call nothing but
// sts:GetCallerIdentity (which needs no permission): every other call is
// denied, in the shape of its protocol. Like AWS, it first refuses a
// request whose signature names no region, which is what the SDK sends
// when no region is configured. regions records each request's signing
// region.
type noPermissionAWS struct {
	mu      sync.Mutex
	regions []string
}

func (f *noPermissionAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...
	var region, service string
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		if parts := strings.Split(cred, "/"); len(parts) > 3 {
			region, service = parts[2], parts[3]
		}
	}
	f.mu.Lock()
	f.regions = append(f.regions, region)
	f.mu.Unlock()
	r.ParseForm()
	target := r.Header.Get("X-Amz-Target")
	code, status, msg := "AccessDenied", http.StatusForbidden, "User: arn:aws:iam::111122223333:user/auditor is not authorized to perform this operation"
	if region == "" {
		code, msg = "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "
	}
	switch {
	case region != "" && service == "sts" && r.Form.Get("Action") == "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/auditor</Arn><UserId>AIDA</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	case service == "ec2":
		if code == "AccessDenied" {
			code = "UnauthorizedOperation"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>r</RequestID></Response>`, code, msg)
	case target != "": // JSON 1.1: ECR, ECR Public, SSM
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code+"Exception", msg)
	case service == "imagebuilder": // REST-JSON
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code+"Exception")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	default: // the query protocol: STS, IAM
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, msg)
	}
}

// TestCollectAWSWithoutRegion: `collect aws` on a machine where no region
// is configured (no AWS_REGION, no region in the profile, as on a CI
// runner) gets past its first call: it asks the global services in
// us-east-1, says so, and records the region in collection.json.
func TestCollectAWSWithoutRegion(t *testing.T) {
	f := &noPermissionAWS{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	out := filepath.Join(t.TempDir(), "snapshot")
	stderr, err := run(t, "", "collect", "aws", "--out", out)
	if err != nil {
		t.Fatalf("collect aws without a configured region: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "no region configured") {
		t.Errorf("the summary should say which region was used and why:\n%s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Caller, Region, Partition string
		Notes                     []string
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Region != "us-east-1" || m.Partition != "aws" || m.Caller != "arn:aws:iam::111122223333:user/auditor" ||
		len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "us-east-1") {
		t.Errorf("collection.json: %s", b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.regions {
		if r != "us-east-1" {
			t.Errorf("a request was signed for region %q, want us-east-1", r)
		}
	}
}
