package awscollect

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/internal/golden"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// readOnly is every operation the collector may call, named as IAM names
// the permission (service:Action). TestReadOnlyPolicyDocumented checks that
// docs/collect.md asks for exactly these.
var readOnly = map[string]bool{
	"sts:GetCallerIdentity": true, "sts:AssumeRole": true,
	"iam:GetAccountAuthorizationDetails": true,
	"ecr:DescribeRepositories":           true, "ecr:GetRepositoryPolicy": true,
	"ecr:GetRegistryPolicy": true, "ecr:GetAccountSetting": true, "ecr:GetRegistryScanningConfiguration": true, "ecr:DescribeRegistry": true,
	"ecr-public:DescribeRepositories": true, "ecr-public:GetRepositoryPolicy": true,
	"ec2:DescribeRegions": true, "ec2:DescribeImages": true, "ec2:DescribeImageAttribute": true,
	"ec2:DescribeLaunchTemplates": true, "ec2:DescribeLaunchTemplateVersions": true, "ec2:DescribeInstances": true,
	"lambda:ListFunctions":   true,
	"codebuild:ListProjects": true, "codebuild:BatchGetProjects": true,
	"ecs:ListTaskDefinitions": true, "ecs:DescribeTaskDefinition": true, "ecs:ListClusters": true, "ecs:ListServices": true,
	"ecs:DescribeServices": true, "ecs:ListTasks": true, "ecs:DescribeTasks": true,
	"imagebuilder:ListImagePipelines": true, "imagebuilder:ListImageRecipes": true,
	"imagebuilder:ListInfrastructureConfigurations": true, "imagebuilder:GetInfrastructureConfiguration": true,
	"ssm:DescribeParameters": true, "ssm:GetParameters": true,
	"organizations:ListAccounts": true, "organizations:DescribeOrganization": true, "organizations:ListRoots": true,
	"organizations:ListOrganizationalUnitsForParent": true, "organizations:ListAccountsForParent": true,
	"organizations:ListPolicies": true, "organizations:DescribePolicy": true, "organizations:ListTargetsForPolicy": true,
}

// fakeAWS answers every service the collector calls, on one endpoint, with
// real response shapes: STS, IAM and EC2 in the query protocol (XML), ECR,
// ECR Public, SSM and Organizations in JSON 1.1 (X-Amz-Target), Image
// Builder in REST-JSON (the operation is the path). Lists come in pages;
// the first call of each operation (per region, account and role) is
// throttled with the service's own error; access is denied to ECR in one
// region, to SSM in another, and to one account's role.
//
// Like AWS, it refuses a request whose signature names no region (what the
// SDK sends when no region is configured), or a region outside the
// credentials' partition; and in an opt-in region that an account has not
// enabled, the regional services refuse that account's credentials.
type fakeAWS struct {
	mu         sync.Mutex
	calls      []string
	throttled  map[string]bool
	deniedECR  string // region whose ECR denies access
	deniedSSM  string // region whose SSM denies access
	iamPages   int
	accounts   int    // member accounts listed by Organizations
	deniedRole string // account whose role cannot be assumed
	// failed marks operations (by the same key as throttled) that have
	// answered their second call with a 5xx server error: after the
	// throttling error, every operation of the fake also fails once with
	// an internal error the SDK must retry.
	failed map[string]bool
	// partition of the fake's accounts: "" is aws; aws-us-gov and aws-cn
	// refuse credentials signed for a region of another partition, and
	// write their own partition in ARNs.
	partition string
	// optInRegion is enabled in the caller's account (111122223333) only:
	// the regional services refuse every other account's credentials
	// there, as AWS does in an opt-in region an account has not enabled.
	optInRegion string
	// regions records the signing region of every request.
	regions []string
}

// fakeRegions are what the fake's DescribeRegions returns (in the aws
// partition).
var fakeRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

// enabledRegions are the regions of the fake's partition enabled in its
// accounts.
func (f *fakeAWS) enabledRegions() []string {
	switch f.partition {
	case "aws-us-gov":
		return []string{"us-gov-west-1", "us-gov-east-1"}
	case "aws-cn":
		return []string{"cn-north-1", "cn-northwest-1"}
	}
	return fakeRegions
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

// scope is the signing scope of a request:
// Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...
func scope(r *http.Request) (region, service string) {
	a := r.Header.Get("Authorization")
	if i := strings.Index(a, "Credential="); i >= 0 {
		parts := strings.Split(a[i+len("Credential="):], "/")
		if len(parts) > 3 {
			return parts[2], parts[3]
		}
	}
	return "", ""
}

func region(r *http.Request) string { reg, _ := scope(r); return reg }

// operation names the request as IAM does: service:Action.
func operation(r *http.Request) string {
	_, svc := scope(r)
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return svc + ":" + t[strings.LastIndexByte(t, '.')+1:]
	}
	if svc == "imagebuilder" {
		return svc + ":" + strings.TrimPrefix(r.URL.Path, "/")
	}
	if svc == "lambda" {
		if r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/2015-03-31/functions" {
			return "lambda:ListFunctions"
		}
		return "lambda:" + r.Method + " " + r.URL.Path
	}
	r.ParseForm()
	return svc + ":" + r.Form.Get("Action")
}

// accountWriter writes the fake's bodies with the requesting account in
// place of the default one, and ARNs in the fake's partition.
type accountWriter struct {
	http.ResponseWriter
	acct, partition string
}

func (a accountWriter) Write(b []byte) (int, error) {
	body := strings.ReplaceAll(string(b), "111122223333", a.acct)
	if a.partition != "" {
		body = strings.ReplaceAll(body, "arn:aws:", "arn:"+a.partition+":")
	}
	_, err := a.ResponseWriter.Write([]byte(body))
	return len(b), err
}

// fakePartitionOf is the partition a region belongs to, as the endpoint
// rules tell it from the region's name.
func fakePartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return "aws"
}

// refuse answers with an authentication error in the protocol's shape:
// AWS checks the credential scope and the credentials before anything
// else, and these errors are not retried.
func refuse(w http.ResponseWriter, svc string, json11 bool, code, msg string) {
	switch {
	case svc == "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(401)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>r</RequestID></Response>`, code, msg)
	case svc == "imagebuilder" || svc == "lambda":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	case json11:
		reply(w, 400, fmt.Sprintf(`{"__type":%q,"message":%q}`, code, msg))
	default:
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(403)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, msg)
	}
}

// authenticate refuses what AWS refuses before reading the request: a
// credential scope without a region, a region of another partition, and
// an opt-in region the account has not enabled.
func (f *fakeAWS) authenticate(w http.ResponseWriter, r *http.Request, svc string, json11 bool) bool {
	reg := region(r)
	partition := f.partition
	if partition == "" {
		partition = "aws"
	}
	// code is the error code of each protocol: EC2's, the other query
	// services' (STS, IAM), and the JSON services'.
	code := func(ec2, query, json string) string {
		switch {
		case svc == "ec2":
			return ec2
		case json11 || svc == "imagebuilder" || svc == "lambda":
			return json
		}
		return query
	}
	switch {
	case reg == "":
		refuse(w, svc, json11, code("AuthFailure", "SignatureDoesNotMatch", "InvalidSignatureException"), "Credential should be scoped to a valid region. ")
		return false
	case fakePartitionOf(reg) != partition:
		refuse(w, svc, json11, code("AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException"), "The security token included in the request is invalid.")
		return false
	case reg == f.optInRegion && account(r) != "111122223333" && svc != "iam" && svc != "organizations":
		// IAM and Organizations are global: the SDK signs them with the
		// configured region only because the fake is one endpoint.
		refuse(w, svc, json11, code("AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException"), "AWS was not able to validate the provided access credentials")
		return false
	}
	return true
}

// reply writes a JSON 1.1 answer.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// ec2Reply writes an EC2 query answer, wrapped in OPResponse.
func ec2Reply(w http.ResponseWriter, op, body string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>%s</%sResponse>`, op, body, op)
}

// serverError answers with an internal error (HTTP 500) in the protocol's
// shape; the SDK's retryer retries it like a throttle.
func serverError(w http.ResponseWriter, svc string, json11 bool) {
	switch {
	case svc == "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(500)
		fmt.Fprint(w, `<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	case svc == "imagebuilder" || svc == "lambda":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "ServiceException")
		w.WriteHeader(500)
		fmt.Fprint(w, `{"message":"internal error"}`)
	case json11:
		reply(w, 500, `{"__type":"InternalFailure","message":"internal error"}`)
	default:
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(500)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>internal error</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	}
}

// throttle answers with the throttling error each protocol really uses.
// Image Builder's is CallRateLimitExceededException, a modeled 429 that
// the SDK does not retry by default.
func throttle(w http.ResponseWriter, svc string, json11 bool) {
	switch {
	case svc == "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(503)
		fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	case svc == "lambda":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}`)
	case svc == "imagebuilder":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "CallRateLimitExceededException")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"message":"You have exceeded the permitted request rate for the specific operation."}`)
	case json11:
		reply(w, 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	default:
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(400)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	}
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w = accountWriter{w, account(r), f.partition}
	op := operation(r)
	_, svc := scope(r)
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.regions = append(f.regions, region(r))
	f.mu.Unlock()
	if !f.authenticate(w, r, svc, r.Header.Get("X-Amz-Target") != "") {
		return
	}
	f.mu.Lock()
	key := op + region(r) + account(r) + r.Form.Get("RoleArn")
	first := !f.throttled[key]
	f.throttled[key] = true
	if f.failed == nil {
		f.failed = map[string]bool{}
	}
	second := !first && !f.failed[key]
	f.failed[key] = f.failed[key] || !first
	f.mu.Unlock()
	json11 := r.Header.Get("X-Amz-Target") != ""
	if first && op != "sts:GetCallerIdentity" {
		throttle(w, svc, json11)
		return
	}
	if second && op != "sts:GetCallerIdentity" && op != "sts:AssumeRole" {
		serverError(w, svc, json11)
		return
	}
	var in map[string]any
	if json11 || svc == "imagebuilder" {
		json.NewDecoder(r.Body).Decode(&in)
	}
	acct := account(r)
	switch svc {
	case "ec2":
		f.serveEC2(w, r, op)
		return
	case "ecr-public":
		f.serveECRPublic(w, r, op, in)
		return
	case "imagebuilder":
		f.serveImageBuilder(w, r, op, in)
		return
	case "ssm":
		f.serveSSM(w, r, op, in)
		return
	case "lambda":
		f.serveLambda(w, r, op)
		return
	case "codebuild":
		f.serveCodeBuild(w, r, op, in)
		return
	case "ecs":
		f.serveECS(w, r, op, in)
		return
	}
	switch op {
	case "sts:AssumeRole":
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
	case "organizations:ListAccounts":
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
		reply(w, 200, fmt.Sprintf(`{"Accounts":[%s]%s}`, strings.Join(accts, ","), next))
		return
	case "organizations:DescribeOrganization", "organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent",
		"organizations:ListAccountsForParent", "organizations:ListPolicies", "organizations:DescribePolicy", "organizations:ListTargetsForPolicy":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		f.serveOrg(w, strings.TrimPrefix(op, "organizations:"), in)
		return
	case "sts:GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/auditor</Arn><UserId>AIDA</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	case "iam:GetAccountAuthorizationDetails":
		f.serveIAM(w, r, acct)
	case "ecr:DescribeRepositories", "ecr:GetRepositoryPolicy", "ecr:GetRegistryPolicy", "ecr:GetAccountSetting",
		"ecr:GetRegistryScanningConfiguration", "ecr:DescribeRegistry":
		f.serveECR(w, r, op, in)
	default:
		w.WriteHeader(400)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, op)
	}
}

// serveECR: two repositories over two pages, one with a policy that lets
// anyone push; a registry policy in us-east-1 that lets account
// 555566667777 replicate into the registry; none elsewhere.
func (f *fakeAWS) serveECR(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	if region(r) == f.deniedECR {
		reply(w, 400, `{"__type":"AccessDeniedException","message":"User is not authorized to perform: `+op+`"}`)
		return
	}
	switch op {
	case "ecr:DescribeRepositories":
		if in["nextToken"] == nil {
			reply(w, 200, fmt.Sprintf(`{"repositories":[{"repositoryArn":"arn:aws:ecr:%s:111122223333:repository/golden/base","registryId":"111122223333","repositoryName":"golden/base","repositoryUri":"x","createdAt":1.7e9,"imageTagMutability":"MUTABLE","imageScanningConfiguration":{"scanOnPush":true},"encryptionConfiguration":{"encryptionType":"AES256"}}],"nextToken":"p2"}`, region(r)))
			return
		}
		reply(w, 200, fmt.Sprintf(`{"repositories":[{"repositoryArn":"arn:aws:ecr:%s:111122223333:repository/public-push","registryId":"111122223333","repositoryName":"public-push","repositoryUri":"y","createdAt":1.7e9,"imageTagMutability":"IMMUTABLE","imageScanningConfiguration":{"scanOnPush":false}}]}`, region(r)))
	case "ecr:GetRepositoryPolicy":
		if in["repositoryName"] == "golden/base" {
			reply(w, 400, `{"__type":"RepositoryPolicyNotFoundException","message":"no policy"}`)
			return
		}
		pol, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":["ecr:PutImage","ecr:InitiateLayerUpload"]}]}`)
		reply(w, 200, fmt.Sprintf(`{"registryId":"111122223333","repositoryName":"public-push","policyText":%s}`, pol))
	case "ecr:GetRegistryPolicy":
		if region(r) != "us-east-1" {
			reply(w, 400, `{"__type":"RegistryPolicyNotFoundException","message":"Registry policy does not exist in the registry with id '111122223333'"}`)
			return
		}
		pol, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationFromPartner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555566667777:root"},"Action":["ecr:ReplicateImage","ecr:CreateRepository"],"Resource":"arn:aws:ecr:us-east-1:111122223333:repository/*"}]}`)
		reply(w, 200, fmt.Sprintf(`{"registryId":"111122223333","policyText":%s}`, pol))
	case "ecr:GetAccountSetting":
		if in["name"] != "REGISTRY_POLICY_SCOPE" {
			reply(w, 400, `{"__type":"ValidationException","message":"unexpected setting"}`)
			return
		}
		reply(w, 200, `{"name":"REGISTRY_POLICY_SCOPE","value":"V2"}`)
	case "ecr:GetRegistryScanningConfiguration":
		reply(w, 200, `{"registryId":"111122223333","scanningConfiguration":{"scanType":"BASIC","rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]}}`)
	case "ecr:DescribeRegistry":
		reply(w, 200, `{"registryId":"111122223333","replicationConfiguration":{"rules":[{"destinations":[{"region":"eu-west-1","registryId":"999988887777"}],"repositoryFilters":[{"filter":"golden","filterType":"PREFIX_MATCH"}]}]}}`)
	}
}

// serveECRPublic: two public repositories over two pages, "tools" with a
// policy that lets account 444455556666 push. The API exists only in
// us-east-1.
func (f *fakeAWS) serveECRPublic(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	if region(r) != "us-east-1" {
		reply(w, 400, `{"__type":"UnknownEndpoint","message":"ECR Public answers in us-east-1 only"}`)
		return
	}
	switch op {
	case "ecr-public:DescribeRepositories":
		if in["nextToken"] == nil {
			reply(w, 200, `{"repositories":[{"repositoryArn":"arn:aws:ecr-public::111122223333:repository/tools","registryId":"111122223333","repositoryName":"tools","repositoryUri":"x/tools","createdAt":1.7e9}],"nextToken":"p2"}`)
			return
		}
		reply(w, 200, `{"repositories":[{"repositoryArn":"arn:aws:ecr-public::111122223333:repository/docs-site","registryId":"111122223333","repositoryName":"docs-site","repositoryUri":"x/docs-site","createdAt":1.7e9}]}`)
	case "ecr-public:GetRepositoryPolicy":
		if in["repositoryName"] != "tools" {
			reply(w, 400, `{"__type":"RepositoryPolicyNotFoundException","message":"no policy"}`)
			return
		}
		pol, _ := json.Marshal(`{"Version":"2012-10-17","Statement":[{"Sid":"PartnerPublishes","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["ecr-public:PutImage","ecr-public:InitiateLayerUpload","ecr-public:UploadLayerPart","ecr-public:CompleteLayerUpload"]}]}`)
		reply(w, 200, fmt.Sprintf(`{"registryId":"111122223333","repositoryName":"tools","policyText":%s}`, pol))
	default:
		reply(w, 400, `{"__type":"UnknownOperationException"}`)
	}
}

// serveEC2: the enabled regions; per region a private AMI shared with an
// account and the organization, and, on a second page, a public one; two
// launch templates over two pages, whose $Latest and $Default versions
// come over two pages with the template that has one version listed
// twice (it is both).
func (f *fakeAWS) serveEC2(w http.ResponseWriter, r *http.Request, op string) {
	reg := strings.ReplaceAll(region(r), "-", "")
	switch op {
	case "ec2:DescribeRegions":
		var items string
		for _, n := range f.enabledRegions() {
			items += fmt.Sprintf(`<item><regionName>%s</regionName><regionEndpoint>ec2.%s.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`, n, n)
		}
		ec2Reply(w, "DescribeRegions", `<regionInfo>`+items+`</regionInfo>`)
	case "ec2:DescribeImages":
		if r.Form.Get("NextToken") == "" {
			ec2Reply(w, "DescribeImages", fmt.Sprintf(`<imagesSet><item><imageId>ami-0%s</imageId><imageOwnerId>111122223333</imageOwnerId><name>golden-base</name><imageState>available</imageState><isPublic>false</isPublic><creationDate>2024-01-01T00:00:00.000Z</creationDate></item></imagesSet><nextToken>p2</nextToken>`, reg))
			return
		}
		items := fmt.Sprintf(`<item><imageId>ami-1%s</imageId><imageOwnerId>111122223333</imageOwnerId><name>public-base</name><imageState>available</imageState><isPublic>true</isPublic><creationDate>2024-02-01T00:00:00.000Z</creationDate></item>`, reg)
		// A disabled AMI is listed only when asked for, even to its owner;
		// whoever may call ec2:EnableImage can bring it back. Disabling
		// made it private.
		if r.Form.Get("IncludeDisabled") == "true" {
			items += fmt.Sprintf(`<item><imageId>ami-2%s</imageId><imageOwnerId>111122223333</imageOwnerId><name>golden-base-retired</name><imageState>disabled</imageState><isPublic>false</isPublic><creationDate>2023-06-01T00:00:00.000Z</creationDate></item>`, reg)
		}
		ec2Reply(w, "DescribeImages", `<imagesSet>`+items+`</imagesSet>`)
	case "ec2:DescribeImageAttribute":
		id := r.Form.Get("ImageId")
		if r.Form.Get("Attribute") != "launchPermission" {
			w.WriteHeader(400)
			fmt.Fprint(w, `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>attribute</Message></Error></Errors><RequestID>r</RequestID></Response>`)
			return
		}
		perms := `<item><userId>444455556666</userId></item><item><organizationArn>arn:aws:organizations::111122223333:organization/o-test</organizationArn></item>`
		switch {
		case strings.HasPrefix(id, "ami-1"):
			perms = `<item><group>all</group></item>`
		case strings.HasPrefix(id, "ami-2"):
			perms = "" // disabled: no longer shared
		}
		ec2Reply(w, "DescribeImageAttribute", `<imageId>`+id+`</imageId><launchPermission>`+perms+`</launchPermission>`)
	case "ec2:DescribeLaunchTemplates":
		if r.Form.Get("NextToken") == "" {
			ec2Reply(w, "DescribeLaunchTemplates", `<launchTemplates><item><launchTemplateId>lt-0aaa</launchTemplateId><launchTemplateName>web</launchTemplateName><createTime>2024-01-01T00:00:00.000Z</createTime><createdBy>arn:aws:iam::111122223333:role/builder</createdBy><defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>2</latestVersionNumber></item></launchTemplates><nextToken>p2</nextToken>`)
			return
		}
		ec2Reply(w, "DescribeLaunchTemplates", `<launchTemplates><item><launchTemplateId>lt-0bbb</launchTemplateId><launchTemplateName>batch</launchTemplateName><createTime>2024-01-01T00:00:00.000Z</createTime><createdBy>arn:aws:iam::111122223333:role/builder</createdBy><defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>1</latestVersionNumber></item></launchTemplates>`)
	case "ec2:DescribeLaunchTemplateVersions":
		if r.Form.Get("LaunchTemplateId") != "" || r.Form.Get("LaunchTemplateVersion.1") != "$Latest" || r.Form.Get("LaunchTemplateVersion.2") != "$Default" {
			w.WriteHeader(400)
			fmt.Fprintf(w, `<Response><Errors><Error><Code>InvalidParameterCombination</Code><Message>want $Latest and $Default of every template: %s</Message></Error></Errors><RequestID>r</RequestID></Response>`, r.Form.Encode())
			return
		}
		version := func(id, name string, n int, def bool, image string) string {
			return fmt.Sprintf(`<item><launchTemplateId>%s</launchTemplateId><launchTemplateName>%s</launchTemplateName><versionNumber>%d</versionNumber><defaultVersion>%t</defaultVersion><launchTemplateData><imageId>%s</imageId></launchTemplateData></item>`, id, name, n, def, image)
		}
		if r.Form.Get("NextToken") == "" {
			ec2Reply(w, "DescribeLaunchTemplateVersions", `<launchTemplateVersionSet>`+version("lt-0aaa", "web", 2, false, "ami-0"+reg)+version("lt-0aaa", "web", 1, true, "ami-0old")+`</launchTemplateVersionSet><nextToken>p2</nextToken>`)
			return
		}
		ec2Reply(w, "DescribeLaunchTemplateVersions", `<launchTemplateVersionSet>`+version("lt-0bbb", "batch", 1, true, "resolve:ssm:/golden/ami")+version("lt-0bbb", "batch", 1, true, "resolve:ssm:/golden/ami")+`</launchTemplateVersionSet>`)
	case "ec2:DescribeInstances":
		// Two pages: an instance running with the builder's profile, then
		// one without a profile and a terminated one.
		instance := func(id, state, profile string) string {
			p := ""
			if profile != "" {
				p = `<iamInstanceProfile><arn>arn:aws:iam::111122223333:instance-profile/` + profile + `</arn><id>AIPA` + id + `</id></iamInstanceProfile>`
			}
			return `<item><instanceId>` + id + `</instanceId><instanceState><code>16</code><name>` + state + `</name></instanceState>` + p + `</item>`
		}
		if r.Form.Get("NextToken") == "" {
			ec2Reply(w, "DescribeInstances", `<reservationSet><item><reservationId>r-0b`+reg+`</reservationId><ownerId>111122223333</ownerId><instancesSet>`+
				instance("i-0"+reg, "running", "builder")+`</instancesSet></item></reservationSet><nextToken>p2</nextToken>`)
			return
		}
		ec2Reply(w, "DescribeInstances", `<reservationSet><item><reservationId>r-0a`+reg+`</reservationId><ownerId>111122223333</ownerId><instancesSet>`+
			instance("i-1"+reg, "stopped", "")+instance("i-2"+reg, "terminated", "old")+`</instancesSet></item></reservationSet>`)
	default:
		w.WriteHeader(400)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>InvalidAction</Code><Message>%s</Message></Error></Errors><RequestID>r</RequestID></Response>`, op)
	}
}

// serveLambda: two functions over two pages, one running as the builder.
func (f *fakeAWS) serveLambda(w http.ResponseWriter, r *http.Request, op string) {
	reg := region(r)
	fn := func(name, role string) string {
		return fmt.Sprintf(`{"FunctionName":%q,"FunctionArn":"arn:aws:lambda:%s:111122223333:function:%s","Role":"arn:aws:iam::111122223333:role/%s","Runtime":"python3.12"}`, name, reg, name, role)
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case op != "lambda:ListFunctions":
		w.Header().Set("X-Amzn-ErrorType", "InvalidRequestContentException")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"message":%q}`, op)
	case r.URL.Query().Get("Marker") == "":
		fmt.Fprint(w, `{"Functions":[`+fn("resize", "builder")+`],"NextMarker":"p2"}`)
	default:
		fmt.Fprint(w, `{"Functions":[`+fn("thumbnails", "thumbnailer")+`]}`)
	}
}

// serveImageBuilder: two pipelines over two pages, one recipe, one
// infrastructure configuration, in REST-JSON.
func (f *fakeAWS) serveImageBuilder(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	reg := region(r)
	arn := func(kind, name string) string {
		return "arn:aws:imagebuilder:" + reg + ":111122223333:" + kind + "/" + name
	}
	switch op {
	case "imagebuilder:ListImagePipelines":
		if in["nextToken"] == nil {
			fmt.Fprintf(w, `{"requestId":"r","imagePipelineList":[{"arn":%q,"name":"golden-base","status":"ENABLED","imageRecipeArn":%q,"infrastructureConfigurationArn":%q,"distributionConfigurationArn":%q,"platform":"Linux","dateCreated":"2024-01-01T00:00:00Z"}],"nextToken":"p2"}`,
				arn("image-pipeline", "golden-base"), arn("image-recipe", "golden-base/1.0.0"), arn("infrastructure-configuration", "golden-infra"), arn("distribution-configuration", "golden-dist"))
			return
		}
		fmt.Fprintf(w, `{"requestId":"r","imagePipelineList":[{"arn":%q,"name":"golden-container","status":"DISABLED","containerRecipeArn":%q,"infrastructureConfigurationArn":%q,"executionRole":"arn:aws:iam::111122223333:role/builder","platform":"Linux"}]}`,
			arn("image-pipeline", "golden-container"), arn("container-recipe", "golden-container/2.0.0"), arn("infrastructure-configuration", "golden-infra"))
	case "imagebuilder:ListImageRecipes":
		if in["owner"] != "Self" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"message":"want the account's own recipes"}`)
			return
		}
		fmt.Fprintf(w, `{"requestId":"r","imageRecipeSummaryList":[{"arn":%q,"name":"golden-base","owner":"111122223333","parentImage":"arn:aws:imagebuilder:%s:aws:image/amazon-linux-2023-x86/x.x.x","platform":"Linux","dateCreated":"2024-01-01T00:00:00Z"}]}`,
			arn("image-recipe", "golden-base/1.0.0"), reg)
	case "imagebuilder:ListInfrastructureConfigurations":
		fmt.Fprintf(w, `{"requestId":"r","infrastructureConfigurationSummaryList":[{"arn":%q,"name":"golden-infra","instanceProfileName":"builder"}]}`, arn("infrastructure-configuration", "golden-infra"))
	case "imagebuilder:GetInfrastructureConfiguration":
		// The ARN the collector read, in the requesting account.
		want := strings.ReplaceAll(arn("infrastructure-configuration", "golden-infra"), "111122223333", account(r))
		if f.partition != "" {
			want = strings.ReplaceAll(want, "arn:aws:", "arn:"+f.partition+":")
		}
		if r.URL.Query().Get("infrastructureConfigurationArn") != want {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(404)
			fmt.Fprint(w, `{"message":"no such configuration"}`)
			return
		}
		fmt.Fprintf(w, `{"requestId":"r","infrastructureConfiguration":{"arn":%q,"name":"golden-infra","instanceProfileName":"builder","instanceTypes":["m5.large"],"keyPair":"ops","subnetId":"subnet-1","securityGroupIds":["sg-2","sg-1"],"terminateInstanceOnFailure":true}}`,
			arn("infrastructure-configuration", "golden-infra"))
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"message":"unknown operation"}`)
	}
}

// serveSSM: two image parameters over two pages, denied in one region.
func (f *fakeAWS) serveSSM(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	if region(r) == f.deniedSSM {
		reply(w, 400, `{"__type":"AccessDeniedException","Message":"User is not authorized to perform: `+op+`"}`)
		return
	}
	reg := strings.ReplaceAll(region(r), "-", "")
	param := func(name string) string {
		value := "ami-0" + reg
		if strings.HasSuffix(name, "previous") {
			value = "ami-0old"
		}
		return fmt.Sprintf(`{"Name":%q,"Type":"String","DataType":"aws:ec2:image","Value":%q,"Version":3,"LastModifiedDate":1.7e9,"ARN":"arn:aws:ssm:%s:111122223333:parameter%s"}`, name, value, region(r), name)
	}
	switch op {
	case "ssm:DescribeParameters":
		b, _ := json.Marshal(in["ParameterFilters"])
		if string(b) != `[{"Key":"DataType","Option":"Equals","Values":["aws:ec2:image"]}]` {
			reply(w, 400, `{"__type":"InvalidFilterKey","message":"want DataType aws:ec2:image, got `+strings.ReplaceAll(string(b), `"`, `'`)+`"}`)
			return
		}
		if in["NextToken"] == nil {
			reply(w, 200, `{"Parameters":[{"Name":"/golden/ami","Type":"String","DataType":"aws:ec2:image","Version":3}],"NextToken":"p2"}`)
			return
		}
		reply(w, 200, `{"Parameters":[{"Name":"/golden/ami-previous","Type":"String","DataType":"aws:ec2:image","Version":3}]}`)
	case "ssm:GetParameters":
		if in["WithDecryption"] == true {
			reply(w, 400, `{"__type":"ValidationException","message":"no decryption expected"}`)
			return
		}
		var ps []string
		names, _ := in["Names"].([]any)
		for _, n := range names {
			ps = append(ps, param(n.(string)))
		}
		reply(w, 200, `{"Parameters":[`+strings.Join(ps, ",")+`],"InvalidParameters":[]}`)
	default:
		reply(w, 400, `{"__type":"UnknownOperationException"}`)
	}
}

// enc URL-encodes a policy document as IAM returns it, "URL-encoded
// compliant with RFC 3986" (the API reference): percent-encoding, a space
// as %20; RFC 3986 lets the sub-delimiters stand for themselves, and IAM
// leaves "*" (and "+") as they are. Only a form decoder would read a "+"
// as a space.
func enc(doc string) string {
	var b strings.Builder
	for _, c := range []byte(doc) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~*+", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

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
<AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument><InstanceProfileList><member><Path>/</Path><InstanceProfileName>builder</InstanceProfileName><InstanceProfileId>AIPA1</InstanceProfileId><Arn>arn:aws:iam::111122223333:instance-profile/builder</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></member></InstanceProfileList><RolePolicyList/>
<AttachedManagedPolicies><member><PolicyName>ami-builder</PolicyName><PolicyArn>arn:aws:iam::111122223333:policy/ami-builder</PolicyArn></member></AttachedManagedPolicies><Tags/></member></RoleDetailList>
<Policies><member><PolicyName>ami-builder</PolicyName><PolicyId>ANPA1</PolicyId><Arn>arn:aws:iam::111122223333:policy/ami-builder</Arn><Path>/</Path><DefaultVersionId>v2</DefaultVersionId>
<PolicyVersionList><member><Document>%s</Document><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>
<member><Document>%s</Document><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion><CreateDate>2023-01-01T00:00:00Z</CreateDate></member></PolicyVersionList></member></Policies>
</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>`,
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateImage","Resource":"*"},`+
			`{"Sid":"Pipelines","Effect":"Allow","Action":["imagebuilder:UpdateImagePipeline","ec2:CreateLaunchTemplateVersion","ssm:PutParameter"],"Resource":"*"}]}`),
		enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",`+
			`"Condition":{"StringEquals":{"aws:PrincipalTag/team":"build+release","aws:PrincipalTag/unit":"golden images"}}}]}`))
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

// TestCollect: without --region every enabled region is collected; pages
// are followed, throttling is retried for every operation, AccessDenied for
// ECR in one region and for SSM in another skips those scopes only, only
// read operations are called, and the snapshot is, byte for byte, the
// golden one.
func TestCollect(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, deniedECR: "eu-west-1", deniedSSM: "ap-southeast-2"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	fixed := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m, err := Collect(context.Background(), Options{Out: out, Config: testConfig(srv.URL), Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, c := range f.calls {
		counts[c]++
		if !readOnly[c] {
			t.Errorf("called %s, which is not a read-only operation of the allowlist", c)
		}
	}
	for op := range readOnly {
		if counts[op] == 0 && !strings.HasPrefix(op, "organizations:") && op != "sts:AssumeRole" {
			t.Errorf("%s was never called: the fake does not exercise it", op)
		}
	}
	if m.Account != "111122223333" || m.Complete {
		t.Errorf("manifest: %+v", m)
	}
	var skipped []string
	for _, s := range m.Skipped {
		skipped = append(skipped, s.Name)
		if !strings.Contains(s.Error, "AccessDenied") {
			t.Errorf("%s: the error should say access was denied: %s", s.Name, s.Error)
		}
	}
	if want := "ecr-registry:eu-west-1 ecr:eu-west-1 ssm-image-parameters:ap-southeast-2"; strings.Join(skipped, " ") != want {
		t.Errorf("skipped %v, want %s", skipped, want)
	}
	collected := map[string]bool{}
	for _, s := range m.Collected {
		collected[s.Name] = true
	}
	for _, reg := range fakeRegions {
		for _, sc := range []string{"ec2-images:", "ec2-image-sharing:", "imagebuilder:", "ec2-launch-templates:"} {
			if !collected[sc+reg] {
				t.Errorf("scope %s%s not collected: every enabled region should be", sc, reg)
			}
		}
	}
	if !collected["regions"] || !collected["ecr-public"] || !collected["ssm-image-parameters:us-east-1"] {
		t.Errorf("collected %v", m.Collected)
	}
	// Each operation's first call is throttled and its second fails with
	// a server error, both retried: IAM is those two calls then two pages;
	// DescribeRegions is asked once, in the configured region.
	if counts["iam:GetAccountAuthorizationDetails"] != 4 || f.iamPages != 2 {
		t.Errorf("IAM calls %d, pages served %d", counts["iam:GetAccountAuthorizationDetails"], f.iamPages)
	}
	if counts["ec2:DescribeRegions"] != 3 {
		t.Errorf("DescribeRegions called %d times, want a throttled call, a server error and the retry", counts["ec2:DescribeRegions"])
	}
	// Image Builder throttles with CallRateLimitExceededException, which
	// the SDK does not retry unless told to: every region must have got its
	// pipelines anyway.
	b, _ := os.ReadFile(filepath.Join(out, "image-inventory-ap-southeast-2.json"))
	if !strings.Contains(string(b), "image-pipeline/golden-container") || strings.Contains(string(b), "ImageParameters") {
		t.Errorf("ap-southeast-2 inventory should hold both pipelines (second page) and no parameters (denied):\n%s", b)
	}
	b, _ = os.ReadFile(filepath.Join(out, "iam-111122223333.json"))
	var details struct {
		UserDetailList []struct {
			UserName       string
			UserPolicyList []struct{ PolicyDocument map[string]any }
		}
		RoleDetailList []struct{ AssumeRolePolicyDocument map[string]any }
		Policies       []struct {
			PolicyVersionList []struct {
				VersionId string
				Document  struct {
					Statement []struct{ Condition map[string]map[string]string }
				}
			}
		}
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
	// RFC 3986 decoding, as the AWS CLI decodes: a "+" is a plus sign,
	// not a space as in a form.
	if v := details.Policies[0].PolicyVersionList[1]; v.VersionId != "v1" || len(v.Document.Statement) != 1 ||
		v.Document.Statement[0].Condition["StringEquals"]["aws:PrincipalTag/team"] != "build+release" ||
		v.Document.Statement[0].Condition["StringEquals"]["aws:PrincipalTag/unit"] != "golden images" {
		t.Errorf("policy v1 decoded as %+v, want the condition values build+release and golden images", v)
	}
	// Disabled AMIs are asked for: whoever may re-enable one may write it.
	b, _ = os.ReadFile(filepath.Join(out, "images-eu-west-1.json"))
	var images struct {
		Images []struct{ ImageId, State string }
	}
	json.Unmarshal(b, &images)
	states := map[string]string{}
	for _, im := range images.Images {
		states[im.ImageId] = im.State
	}
	if states["ami-2euwest1"] != "disabled" || states["ami-0euwest1"] != "available" {
		t.Errorf("images-eu-west-1.json should hold the disabled AMI with its state: %v", states)
	}
	compareGolden(t, out, filepath.Join("testdata", "golden"))
}

// compareGolden compares every file of the snapshot with testdata/golden
// (or rewrites it with -update). The tool version in the manifest depends
// on the build and is left out.
func compareGolden(t *testing.T, out, dir string) {
	t.Helper()
	got := map[string][]byte{}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		if filepath.Base(p) == "collection.json" {
			b = regexp.MustCompile(`"version": "[^"]*"`).ReplaceAll(b, []byte(`"version": "(build)"`))
		}
		got[filepath.ToSlash(rel)] = b
		return nil
	})
	golden.CheckDir(t, dir, got)
}

// TestAnalyzeCollectedSnapshot: analyze reads what collect wrote, with the
// regions given: the public push, the developer's push, an outside account
// that may replicate into the registry, an outside account that may push to
// an ECR Public repository, pipeline.modify exactly on the Image Builder
// pipeline, the launch template and the AMI parameter, the public AMI; and
// it says the snapshot is incomplete.
func TestAnalyzeCollectedSnapshot(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, deniedECR: "eu-west-1"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := t.TempDir()
	if _, err := Collect(context.Background(), Options{Out: out, Regions: []string{"us-east-1", "eu-west-1"}, Config: testConfig(srv.URL)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.calls {
		if c == "ec2:DescribeRegions" {
			t.Errorf("--region was given: the enabled regions should not be asked")
		}
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, s := range rep.Inputs {
		kinds[s.Kind] = true
		if s.Error != "" {
			t.Errorf("%s skipped: %s", s.Path, s.Error)
		}
	}
	for _, k := range []string{"aws-ecr-registry", "aws-image-inventory", "aws-ec2-instances", "aws-lambda-functions", "aws-codebuild-projects", "aws-ecs"} {
		if !kinds[k] {
			t.Errorf("no input read as %s: %v", k, kinds)
		}
	}
	// The instances run with the builder's profile: EC2 compute runs as
	// the builder, exactly (not assumed).
	exact := false
	for _, e := range rep.Edges {
		if e.Kind == "runs-as" && e.From == model.ComputePrefix+"aws:111122223333:ec2.amazonaws.com" {
			if e.To != "arn:aws:iam::111122223333:role/builder" || e.Assumed {
				t.Errorf("EC2 compute edge %s -> %s (assumed %v): want exact to the builder only", e.From, e.To, e.Assumed)
			}
			exact = true
		}
	}
	if !exact {
		t.Errorf("no runs-as edge from the EC2 compute to the builder")
	}
	got := map[string]bool{}
	targets := map[string][]string{} // rule principal capability -> known targets
	for _, f := range rep.Findings {
		k := f.RuleID + " " + f.PrincipalID + " " + f.Capability
		got[k] = true
		for _, tg := range f.Targets {
			if tg.Known {
				targets[k] = append(targets[k], tg.Resource)
			}
		}
	}
	for _, want := range []string{
		"IW-001 * image.push",
		"IW-003 arn:aws:iam::111122223333:user/dev image.push",
		"IW-004 arn:aws:iam::111122223333:role/builder image.create",
		"IW-002 arn:aws:iam::555566667777:root image.push",   // ecr:ReplicateImage by the registry policy
		"IW-002 arn:aws:iam::555566667777:root image.create", // ecr:CreateRepository by the registry policy
		"IW-002 arn:aws:iam::444455556666:root image.push",   // ecr-public:PutImage by the repository policy
		"IW-008 arn:aws:iam::111122223333:role/builder pipeline.modify",
	} {
		if !got[want] {
			t.Errorf("missing finding %q; got %v", want, got)
		}
	}
	has := func(key, resource string) bool {
		for _, r := range targets[key] {
			if r == resource {
				return true
			}
		}
		return false
	}
	for key, res := range map[string]string{
		"IW-004 arn:aws:iam::111122223333:role/builder image.create":    "arn:aws:ec2:us-east-1::image/ami-0useast1",
		"IW-002 arn:aws:iam::555566667777:root image.push":              "arn:aws:ecr:us-east-1:111122223333:repository/*",
		"IW-002 arn:aws:iam::444455556666:root image.push":              "arn:aws:ecr-public::111122223333:repository/tools",
		"IW-008 arn:aws:iam::111122223333:role/builder pipeline.modify": "arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/golden-base",
	} {
		if !has(key, res) {
			t.Errorf("%s: %s should be a known target; known targets %v", key, res, targets[key])
		}
	}
	for _, res := range []string{"arn:aws:ec2:us-east-1:111122223333:launch-template/lt-0aaa", "arn:aws:ssm:us-east-1:111122223333:parameter/golden/ami",
		"arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/golden-infra"} {
		if res == "arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/golden-infra" {
			// The builder may not change infrastructure configurations:
			// listed as a resource, not a target.
			if has("IW-008 arn:aws:iam::111122223333:role/builder pipeline.modify", res) {
				t.Errorf("the builder was not granted UpdateInfrastructureConfiguration: %v", targets)
			}
			continue
		}
		if !has("IW-008 arn:aws:iam::111122223333:role/builder pipeline.modify", res) {
			t.Errorf("pipeline.modify should be decided exactly on %s: %v", res, targets["IW-008 arn:aws:iam::111122223333:role/builder pipeline.modify"])
		}
	}
	resources := map[string]model.Resource{}
	for _, r := range rep.Resources {
		resources[r.ID] = r
	}
	for id, typ := range map[string]string{
		"arn:aws:ecr-public::111122223333:repository/tools":                                     "ecr-public-repository",
		"arn:aws:ecr:us-east-1:111122223333:repository/*":                                       "ecr-registry",
		"arn:aws:imagebuilder:us-east-1:111122223333:image-recipe/golden-base/1.0.0":            "imagebuilder-image-recipe",
		"arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/golden-infra": "imagebuilder-infrastructure-configuration",
		"arn:aws:ec2:us-east-1:111122223333:launch-template/lt-0bbb":                            "launch-template",
		"arn:aws:ssm:us-east-1:111122223333:parameter/golden/ami-previous":                      "ssm-parameter",
	} {
		if resources[id].Type != typ {
			t.Errorf("resource %s: type %q, want %q", id, resources[id].Type, typ)
		}
	}
	if n := resources["arn:aws:ec2:us-east-1::image/ami-1useast1"].Name; !strings.Contains(n, "public") {
		t.Errorf("the AMI with launch permission group all should be reported public: %q", n)
	}
	if n := resources["arn:aws:ec2:us-east-1::image/ami-0useast1"].Name; strings.Contains(n, "public") || !strings.Contains(n, "444455556666") {
		t.Errorf("the private AMI should be reported shared with the account, not public: %q", n)
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

// TestReadOnlyPolicyDocumented: the minimal policy of docs/collect.md
// grants exactly the allowlisted operations of the audited accounts, so a
// new call cannot be added without documenting the permission it needs.
func TestReadOnlyPolicyDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "collect.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## AWS")
	if i < 0 {
		t.Fatal("docs/collect.md has no AWS section")
	}
	section := doc[i:]
	if j := strings.Index(section[1:], "\n## "); j >= 0 {
		section = section[:j+1]
	}
	start := strings.Index(section, "```json\n")
	if start < 0 {
		t.Fatal("the AWS section of docs/collect.md has no JSON policy")
	}
	body := section[start+len("```json\n"):]
	body = body[:strings.Index(body, "```")]
	var pol struct {
		Statement []struct {
			Sid    string
			Action any
		}
	}
	if err := json.Unmarshal([]byte(body), &pol); err != nil {
		t.Fatalf("docs/collect.md AWS policy: %v", err)
	}
	granted := map[string]bool{}
	for _, st := range pol.Statement {
		switch a := st.Action.(type) {
		case string:
			granted[a] = true
		case []any:
			for _, x := range a {
				granted[x.(string)] = true
			}
		}
	}
	for a := range granted {
		if !readOnly[a] {
			t.Errorf("docs/collect.md grants %s, which the collector does not call", a)
		}
	}
	for a := range readOnly {
		// Management-account and caller operations are described apart.
		if strings.HasPrefix(a, "organizations:") || strings.HasPrefix(a, "sts:") {
			if !strings.Contains(section, strings.TrimPrefix(a, "organizations:")) {
				t.Errorf("docs/collect.md does not mention %s", a)
			}
			continue
		}
		if !granted[a] {
			t.Errorf("the collector calls %s: add it to the minimal policy in docs/collect.md", a)
		}
		if !strings.Contains(section, "`"+a+"`") {
			t.Errorf("docs/collect.md should say why %s is needed", a)
		}
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
	// The RCPs, listed with their own filter (the fake answers each filter
	// with its own policies), are written with their type and targets.
	var org struct {
		Policies []struct {
			Name, Type string
			Targets    []string
		}
	}
	if err := json.Unmarshal(b, &org); err != nil {
		t.Fatal(err)
	}
	rcps := map[string]string{}
	for _, p := range org.Policies {
		if p.Type == "RESOURCE_CONTROL_POLICY" {
			rcps[p.Name] = strings.Join(p.Targets, ",")
		}
	}
	if rcps["ecr-org-only"] != "ou-1" || !strings.HasPrefix(rcps["RCPFullAWSAccess"], "r-1,") || len(org.Policies) != 4 {
		t.Errorf("organization.json RCPs %v (want ecr-org-only on ou-1 and RCPFullAWSAccess from the root), policies %+v", rcps, org.Policies)
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
		// Nine scopes an account (IAM, ECR, registry, AMIs, AMI sharing,
		// Image Builder, launch templates, parameters, ECR Public) and the
		// organization.
		if len(m.Skipped) != 0 || len(m.Collected) != 9001 {
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
		if in["Filter"] == "RESOURCE_CONTROL_POLICY" {
			fmt.Fprint(w, `{"Policies":[{"Id":"p-RCPFullAWSAccess","Arn":"arn:p-rcpfull","Name":"RCPFullAWSAccess","Type":"RESOURCE_CONTROL_POLICY","AwsManaged":true},{"Id":"p-rcpperimeter","Arn":"arn:p-rcpperimeter","Name":"ecr-org-only","Type":"RESOURCE_CONTROL_POLICY","AwsManaged":false}]}`)
			return
		}
		if in["Filter"] != "SERVICE_CONTROL_POLICY" {
			reply(w, 400, `{"__type":"InvalidInputException","message":"unexpected filter"}`)
			return
		}
		fmt.Fprint(w, `{"Policies":[{"Id":"p-full","Arn":"arn:p-full","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","AwsManaged":true},{"Id":"p-noshare","Arn":"arn:p-noshare","Name":"deny-ami-sharing","Type":"SERVICE_CONTROL_POLICY","AwsManaged":false}]}`)
	case "DescribePolicy":
		content := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		switch in["PolicyId"] {
		case "p-noshare":
			content = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:ModifyImageAttribute","Resource":"*"}]}`
		case "p-RCPFullAWSAccess":
			content = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`
		case "p-rcpperimeter":
			content = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"ecr:PutImage","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-test"}}}]}`
		}
		c, _ := json.Marshal(content)
		fmt.Fprintf(w, `{"Policy":{"PolicySummary":{"Id":"%s"},"Content":%s}}`, in["PolicyId"], c)
	case "ListTargetsForPolicy":
		var targets []string
		if in["PolicyId"] == "p-full" || in["PolicyId"] == "p-RCPFullAWSAccess" {
			targets = append(targets, `{"TargetId":"r-1"}`)
			for i := 0; i < f.accounts; i++ {
				targets = append(targets, fmt.Sprintf(`{"TargetId":"%012d"}`, 100000000000+i))
			}
		}
		targets = append(targets, `{"TargetId":"ou-1"}`)
		fmt.Fprintf(w, `{"Targets":[%s]}`, strings.Join(targets, ","))
	}
}
