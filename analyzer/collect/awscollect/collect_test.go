package awscollect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/imagewarden/imagewarden/analyzer"
)

// readOnly is every operation the collector may call.
var readOnly = map[string]bool{
	"GetCallerIdentity": true, "GetAccountAuthorizationDetails": true,
	"DescribeRepositories": true, "GetRepositoryPolicy": true,
	"ListAccounts": true, "AssumeRole": true, "DescribeImages": true,
	"DescribeOrganization": true, "ListRoots": true, "ListOrganizationalUnitsForParent": true,
	"ListAccountsForParent": true, "ListPolicies": true, "DescribePolicy": true, "ListTargetsForPolicy": true,
}

// fakeAWS answers STS and IAM (query protocol, XML) and ECR (JSON 1.1) with
// real response shapes, pages, a throttling error on the first call of each
// operation, and AccessDenied for ECR in one region.
type fakeAWS struct {
	mu         sync.Mutex
	calls      []string
	throttled  map[string]bool
	deniedECR  string // region whose ECR denies access
	iamPages   int
	accounts   int    // member accounts listed by Organizations
	deniedRole string // account whose role cannot be assumed
}

// account tells which account a request is made in: assumed-role
// credentials carry it in their access key id (ASIA + account).
func account(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if i := strings.Index(a, "Credential=ASIA"); i >= 0 && len(a) >= i+len("Credential=ASIA")+12 {
		return a[i+len("Credential=ASIA") : i+len("Credential=ASIA")+12]
	}
	return "111122223333"
}

func region(r *http.Request) string {
	// Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...
	a := r.Header.Get("Authorization")
	if i := strings.Index(a, "Credential="); i >= 0 {
		parts := strings.Split(a[i+len("Credential="):], "/")
		if len(parts) > 2 {
			return parts[2]
		}
	}
	return ""
}

// accountWriter writes the fake's bodies with the requesting account in
// place of the default one.
type accountWriter struct {
	http.ResponseWriter
	acct string
}

func (a accountWriter) Write(b []byte) (int, error) {
	_, err := a.ResponseWriter.Write([]byte(strings.ReplaceAll(string(b), "111122223333", a.acct)))
	return len(b), err
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w = accountWriter{w, account(r)}
	var op string
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		op = t[strings.LastIndexByte(t, '.')+1:]
	} else {
		r.ParseForm()
		op = r.Form.Get("Action")
	}
	f.mu.Lock()
	f.calls = append(f.calls, op)
	key := op + region(r) + account(r) + r.Form.Get("RoleArn")
	first := !f.throttled[key]
	f.throttled[key] = true
	f.mu.Unlock()
	json11 := r.Header.Get("X-Amz-Target") != ""
	if first && op != "GetCallerIdentity" {
		if op == "DescribeImages" {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(503)
			fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
			return
		}
		if json11 {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		} else {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(400)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
		}
		return
	}
	acct := account(r)
	switch op {
	case "AssumeRole":
		arn := r.Form.Get("RoleArn")
		target := strings.Split(arn, ":")[4]
		w.Header().Set("Content-Type", "text/xml")
		if target == f.deniedRole {
			w.WriteHeader(403)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA%s</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`, target, arn)
		return
	case "ListAccounts":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		start := 0
		if tok, ok := in["NextToken"].(string); ok {
			fmt.Sscan(tok, &start)
		}
		var accts []string
		for i := start; i < f.accounts && i < start+20; i++ {
			accts = append(accts, fmt.Sprintf(`{"Id":"%012d","Status":"ACTIVE"}`, 100000000000+i))
		}
		next := ""
		if start+20 < f.accounts {
			next = fmt.Sprintf(`,"NextToken":"%d"`, start+20)
		}
		fmt.Fprintf(w, `{"Accounts":[%s]%s}`, strings.Join(accts, ","), next)
		return
	case "DescribeOrganization", "ListRoots", "ListOrganizationalUnitsForParent", "ListAccountsForParent", "ListPolicies", "DescribePolicy", "ListTargetsForPolicy":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		f.serveOrg(w, op, in)
		return
	case "DescribeImages":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><imagesSet><item><imageId>ami-0%s</imageId><imageOwnerId>111122223333</imageOwnerId><name>golden-base</name><imageState>available</imageState><isPublic>false</isPublic><creationDate>2024-01-01T00:00:00.000Z</creationDate></item></imagesSet></DescribeImagesResponse>`, strings.ReplaceAll(region(r), "-", ""))
		return
	case "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/auditor</Arn><UserId>AIDA</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	case "GetAccountAuthorizationDetails":
		f.serveIAM(w, r, acct)
	case "DescribeRepositories", "GetRepositoryPolicy":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if region(r) == f.deniedECR {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"AccessDeniedException","message":"User is not authorized to perform: ecr:DescribeRepositories"}`)
			return
		}
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		if op == "DescribeRepositories" {
			if in["nextToken"] == nil {
				fmt.Fprintf(w, `{"repositories":[{"repositoryArn":"arn:aws:ecr:%s:111122223333:repository/golden/base","registryId":"111122223333","repositoryName":"golden/base","repositoryUri":"x","imageTagMutability":"MUTABLE"}],"nextToken":"p2"}`, region(r))
				return
			}
			fmt.Fprintf(w, `{"repositories":[{"repositoryArn":"arn:aws:ecr:%s:111122223333:repository/public-push","registryId":"111122223333","repositoryName":"public-push","repositoryUri":"y","imageTagMutability":"IMMUTABLE"}]}`, region(r))
			return
		}
		if in["repositoryName"] == "golden/base" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"RepositoryPolicyNotFoundException","message":"no policy"}`)
			return
		}
		pol, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":["ecr:PutImage","ecr:InitiateLayerUpload"]}]}`)
		fmt.Fprintf(w, `{"registryId":"111122223333","repositoryName":"public-push","policyText":%s}`, pol)
	default:
		w.WriteHeader(400)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, op)
	}
}

func enc(doc string) string { return url.QueryEscape(doc) }

func (f *fakeAWS) serveIAM(w http.ResponseWriter, r *http.Request, acct string) {
	w.Header().Set("Content-Type", "text/xml")
	f.mu.Lock()
	f.iamPages++
	f.mu.Unlock()
	if r.Form.Get("Marker") == "" {
		fmt.Fprintf(w, `<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>
<IsTruncated>true</IsTruncated><Marker>page2</Marker>
<UserDetailList><member><Path>/</Path><UserName>dev</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::`+acct+`:user/dev</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>
<UserPolicyList><member><PolicyName>push</PolicyName><PolicyDocument>%s</PolicyDocument></member></UserPolicyList>
<GroupList><member>devs</member></GroupList><AttachedManagedPolicies/><Tags/></member></UserDetailList>
<GroupDetailList><member><Path>/</Path><GroupName>devs</GroupName><GroupId>AGPA1</GroupId><Arn>arn:aws:iam::111122223333:group/devs</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><GroupPolicyList/><AttachedManagedPolicies/></member></GroupDetailList>
<RoleDetailList/><Policies/>
</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>`,
			enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}]}`))
		return
	}
	fmt.Fprintf(w, `<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>
<IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/>
<RoleDetailList><member><Path>/</Path><RoleName>builder</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::111122223333:role/builder</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>
<AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList/>
<AttachedManagedPolicies><member><PolicyName>ami-builder</PolicyName><PolicyArn>arn:aws:iam::111122223333:policy/ami-builder</PolicyArn></member></AttachedManagedPolicies><Tags/></member></RoleDetailList>
<Policies><member><PolicyName>ami-builder</PolicyName><PolicyId>ANPA1</PolicyId><Arn>arn:aws:iam::111122223333:policy/ami-builder</Arn><Path>/</Path><DefaultVersionId>v2</DefaultVersionId>
<PolicyVersionList><member><Document>%s</Document><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>
<member><Document>%s</Document><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion><CreateDate>2023-01-01T00:00:00Z</CreateDate></member></PolicyVersionList></member></Policies>
</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>`,
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateImage","Resource":"*"}]}`),
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
}

func testConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 5 * time.Millisecond })
		},
	}
}

// TestCollect: pages are followed, throttling is retried, AccessDenied in
// one region is recorded and the rest collected, only read operations are
// called, and the files are what analyze reads.
func TestCollect(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, deniedECR: "eu-west-1"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	fixed := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m, err := Collect(context.Background(), Options{Out: out, Regions: []string{"us-east-1", "eu-west-1"}, Config: testConfig(srv.URL), Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.calls {
		if !readOnly[c] {
			t.Errorf("called %s, which is not a read-only operation of the allowlist", c)
		}
	}
	if m.Account != "111122223333" || m.Complete {
		t.Errorf("manifest: %+v", m)
	}
	if len(m.Skipped) != 1 || m.Skipped[0].Name != "ecr:eu-west-1" || !strings.Contains(m.Skipped[0].Error, "AccessDenied") {
		t.Errorf("the denied region should be skipped with its error: %+v", m.Skipped)
	}
	iamCalls := 0
	for _, c := range f.calls {
		if c == "GetAccountAuthorizationDetails" {
			iamCalls++
		}
	}
	if iamCalls != 3 || f.iamPages != 2 { // a throttled call retried, then two pages
		t.Errorf("IAM calls %d, pages served %d", iamCalls, f.iamPages)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	var names []string
	for _, p := range files {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	want := []string{"collection.json", "ecr-policy-us-east-1-public-push.json", "ecr-repositories-us-east-1.json", "iam-111122223333.json", "images-eu-west-1.json", "images-us-east-1.json"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", names, want)
	}
	b, _ := os.ReadFile(filepath.Join(out, "iam-111122223333.json"))
	var details struct {
		UserDetailList []struct {
			UserName       string
			UserPolicyList []struct{ PolicyDocument map[string]any }
		}
		RoleDetailList []struct{ AssumeRolePolicyDocument map[string]any }
		Policies       []struct{ PolicyVersionList []struct{ VersionId string } }
	}
	if err := json.Unmarshal(b, &details); err != nil {
		t.Fatal(err)
	}
	if len(details.UserDetailList) != 1 || details.UserDetailList[0].UserPolicyList[0].PolicyDocument["Version"] != "2012-10-17" {
		t.Errorf("policy documents should be decoded JSON objects as the CLI prints them: %s", b)
	}
	if len(details.RoleDetailList) != 1 || details.RoleDetailList[0].AssumeRolePolicyDocument == nil || len(details.Policies[0].PolicyVersionList) != 2 {
		t.Errorf("second page missing: %s", b)
	}
}

// TestAnalyzeCollectedSnapshot: analyze reads what collect wrote, finds the
// public push and the developer's push, and says the snapshot is incomplete.
func TestAnalyzeCollectedSnapshot(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, deniedECR: "eu-west-1"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	if _, err := Collect(context.Background(), Options{Out: out, Regions: []string{"us-east-1", "eu-west-1"}, Config: testConfig(srv.URL)}); err != nil {
		t.Fatal(err)
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Inputs {
		if s.Error != "" {
			t.Errorf("%s skipped: %s", s.Path, s.Error)
		}
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.RuleID+" "+f.PrincipalID+" "+f.Capability] = true
	}
	for _, want := range []string{
		"IW-001 * image.push",
		"IW-003 arn:aws:iam::111122223333:user/dev image.push",
		"IW-004 arn:aws:iam::111122223333:role/builder image.create",
	} {
		if !got[want] {
			t.Errorf("missing finding %q; got %v", want, got)
		}
	}
	ami := false
	for _, f := range rep.Findings {
		if f.RuleID == "IW-004" && strings.HasSuffix(f.PrincipalID, "role/builder") {
			for _, tg := range f.Targets {
				if tg.Known && strings.Contains(tg.Resource, "image/ami-0useast1") {
					ami = true
				}
			}
		}
	}
	if !ami {
		t.Errorf("the collected AMI should be a known target of the builder's image.create")
	}
	incomplete := false
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "incomplete collection: scope ecr:eu-west-1") {
			incomplete = true
		}
	}
	if !incomplete {
		t.Errorf("the report should say ecr:eu-west-1 was not collected: %+v", rep.Warnings)
	}
}

// TestCollectOrganization: every member account is collected through the
// assumed role into its own folder; an account whose role cannot be assumed
// is recorded and the others are still collected.
func TestCollectOrganization(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, accounts: 3, deniedRole: "100000000001"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	m, err := Collect(context.Background(), Options{Out: out, Regions: []string{"us-east-1"}, Config: testConfig(srv.URL), AssumeRole: "ImagewardenAudit"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.calls {
		if !readOnly[c] {
			t.Errorf("called %s, not a read-only operation", c)
		}
	}
	var skipped []string
	for _, s := range m.Skipped {
		skipped = append(skipped, s.Name)
	}
	if strings.Join(skipped, " ") != "100000000001/iam" {
		t.Errorf("skipped %v, want only the account whose role cannot be assumed", skipped)
	}
	b, err := os.ReadFile(filepath.Join(out, "organization.json"))
	if err != nil || !strings.Contains(string(b), `"ParentId": "ou-1"`) || !strings.Contains(string(b), "deny-ami-sharing") {
		t.Errorf("organization.json: %v\n%s", err, b)
	}
	for _, acct := range []string{"100000000000", "100000000002"} {
		b, err := os.ReadFile(filepath.Join(out, acct, "iam-"+acct+".json"))
		if err != nil || !strings.Contains(string(b), "arn:aws:iam::"+acct+":user/dev") {
			t.Errorf("account %s: %v %s", acct, err, b)
		}
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	orgRead := false
	for _, in := range rep.Inputs {
		if filepath.Base(in.Path) == "organization.json" && in.Kind == "aws-organization" && in.Error == "" {
			orgRead = true
		}
	}
	if !orgRead {
		t.Errorf("analyze should read the collected organization file: %+v", rep.Inputs)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "SCPs are not applied") {
			t.Errorf("the collected organization covers every account: %s %s", w.Where, w.Message)
		}
	}
	pushers := 0
	for _, f := range rep.Findings {
		if f.RuleID == "IW-003" && strings.HasSuffix(f.PrincipalID, ":user/dev") {
			pushers++
		}
	}
	if pushers != 2 {
		t.Errorf("dev of the two collected accounts should be reported, got %d", pushers)
	}
}

// BenchmarkCollectOrganization: 1,000 member accounts, every first call of
// every operation in every account throttled.
func BenchmarkCollectOrganization(b *testing.B) {
	f := &fakeAWS{throttled: map[string]bool{}, accounts: 1000}
	srv := httptest.NewServer(f)
	defer srv.Close()
	b.ReportAllocs()
	for b.Loop() {
		f.mu.Lock()
		f.throttled, f.calls = map[string]bool{}, nil
		f.mu.Unlock()
		out := b.TempDir()
		m, err := Collect(context.Background(), Options{Out: out, Regions: []string{"us-east-1"}, Config: testConfig(srv.URL), AssumeRole: "ImagewardenAudit", Concurrency: 16})
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Skipped) != 0 || len(m.Collected) != 3001 {
			b.Fatalf("collected %d, skipped %d", len(m.Collected), len(m.Skipped))
		}
		b.ReportMetric(float64(len(f.calls)), "calls")
	}
}

// serveOrg answers the Organizations calls for a root r-1 holding account
// 0 and an OU ou-1 holding the other accounts; FullAWSAccess on the root and
// the OU, and an SCP on the OU that denies sharing AMIs.
func (f *fakeAWS) serveOrg(w http.ResponseWriter, op string, in map[string]any) {
	switch op {
	case "DescribeOrganization":
		fmt.Fprint(w, `{"Organization":{"Id":"o-test","Arn":"arn:aws:organizations::111122223333:organization/o-test","MasterAccountId":"111122223333"}}`)
	case "ListRoots":
		fmt.Fprint(w, `{"Roots":[{"Id":"r-1","Arn":"arn:aws:organizations::111122223333:root/o-test/r-1","Name":"Root"}]}`)
	case "ListOrganizationalUnitsForParent":
		if in["ParentId"] == "r-1" {
			fmt.Fprint(w, `{"OrganizationalUnits":[{"Id":"ou-1","Arn":"arn:ou-1","Name":"workloads"}]}`)
			return
		}
		fmt.Fprint(w, `{"OrganizationalUnits":[]}`)
	case "ListAccountsForParent":
		var accts []string
		for i := 0; i < f.accounts; i++ {
			if (i == 0) == (in["ParentId"] == "r-1") {
				accts = append(accts, fmt.Sprintf(`{"Id":"%012d","Status":"ACTIVE"}`, 100000000000+i))
			}
		}
		if in["ParentId"] == "r-1" {
			accts = append(accts, `{"Id":"111122223333","Status":"ACTIVE"}`)
		}
		fmt.Fprintf(w, `{"Accounts":[%s]}`, strings.Join(accts, ","))
	case "ListPolicies":
		fmt.Fprint(w, `{"Policies":[{"Id":"p-full","Arn":"arn:p-full","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","AwsManaged":true},{"Id":"p-noshare","Arn":"arn:p-noshare","Name":"deny-ami-sharing","Type":"SERVICE_CONTROL_POLICY","AwsManaged":false}]}`)
	case "DescribePolicy":
		content := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		if in["PolicyId"] == "p-noshare" {
			content = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:ModifyImageAttribute","Resource":"*"}]}`
		}
		c, _ := json.Marshal(content)
		fmt.Fprintf(w, `{"Policy":{"PolicySummary":{"Id":"%s"},"Content":%s}}`, in["PolicyId"], c)
	case "ListTargetsForPolicy":
		var targets []string
		if in["PolicyId"] == "p-full" {
			targets = append(targets, `{"TargetId":"r-1"}`)
			for i := 0; i < f.accounts; i++ {
				targets = append(targets, fmt.Sprintf(`{"TargetId":"%012d"}`, 100000000000+i))
			}
		}
		targets = append(targets, `{"TargetId":"ou-1"}`)
		fmt.Fprintf(w, `{"Targets":[%s]}`, strings.Join(targets, ","))
	}
}
