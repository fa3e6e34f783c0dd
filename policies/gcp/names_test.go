package gcp

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	cases := []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
	}{
		{"project id", ValidProjectID,
			[]string{"nw-image-factory", "abcdef", "a2345678901234567890123456789z", "example.com:my-project"},
			[]string{"", "abcde", "1project", "Project-x", "project-", "a23456789012345678901234567890z", "nw-shop-dev$(touch${IFS}PWNED)", "nw shop", "nw-shop-dev\nx", "730000000003"}},
		{"project", ValidProject,
			[]string{"nw-image-factory", "730000000003"},
			[]string{"0730", "nw;x"}},
		{"numeric id", ValidNumericID,
			[]string{"211400100002", "480113921003", "1"},
			[]string{"", "0123", "211400100002|touch${IFS}PWNED", "12 3", "123456789012345678901"}},
		{"location", ValidLocation,
			[]string{"europe-west1", "us", "global", "northamerica-northeast1"},
			[]string{"", "Europe-west1", "europe-west1;x", "-us", "us-", "europe west1"}},
		{"repository", ValidRepositoryID,
			[]string{"golden-images", "a", "shop-images"},
			[]string{"", "Golden", "golden_images", "golden-images&&:>PWNED", "1golden", "golden-", strings.Repeat("r", 64)}},
		{"image", ValidImageName,
			[]string{"golden-debian-12-v20261101"},
			[]string{"Golden", "golden debian", "img`x`"}},
		{"bucket", ValidBucketName,
			[]string{"artifacts.nw-shop-prod.appspot.com", "abc", "my_bucket-1", strings.Repeat("b", 63)},
			[]string{"", "ab", "Bucket", "-abc", "abc-", strings.Repeat("b", 64), "a..b", "a;b", "ab cd", "a/b"}},
		{"email", ValidEmail,
			[]string{"pat@northwind.example", "o'brien@northwind.example", "a.b+c%d_e-f@x.co", "image-builder@nw-image-factory.iam.gserviceaccount.com"},
			[]string{"", "pat", "@northwind.example", "pat@", "pat@northwind", "pat@north wind.example", "pat$(x)@northwind.example", "pat@northwind.example;x", "pat\r@x.example", "pat@-x.example"}},
		{"domain", ValidDomain,
			[]string{"northwind.example", "a.b.c"},
			[]string{"", "northwind", "north wind.example", "x.example;y"}},
		{"service account", ValidServiceAccount,
			[]string{"image-builder@nw-image-factory.iam.gserviceaccount.com", "123456789012345678901"},
			[]string{"image builder", "sa`x`@p.iam.gserviceaccount.com"}},
		{"member", ValidMember,
			[]string{"allUsers", "allAuthenticatedUsers", "user:pat@northwind.example", "user:o'vic@northwind.example",
				"group:product-devs@northwind.example", "serviceAccount:image-builder@nw-image-factory.iam.gserviceaccount.com",
				"serviceAccount:my-project.svc.id.goog[default/ksa]", "domain:northwind.example",
				"deleted:user:old.dev@northwind.example?uid=123456789012345678901", "projectOwner:nw-image-factory",
				"principalSet://iam.googleapis.com/projects/730000000003/locations/global/workloadIdentityPools/github/attribute.repository/northwind/shop",
				"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/repo:org/name:ref:refs/heads/main",
				"principal://goog/subject/lead.dev@northwind.example",
				"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/attribute.x/$(touch${IFS}PWNED)"},
			[]string{"", "allusers", "user:", "user:pat", "user:pat@northwind.example;touch PWNED", "user:contractor.sam@gmail.com\r'\"$(touch PWNED)\"'",
				"admin:pat@northwind.example", "domain:north wind", "deleted:user:x@y.example", "principal://", "principal://host/",
				"principal://iam.googleapis.com/a b", "principalSet://iam.googleapis.com/a\nb", "principal://Host/x", "principal://h/x\u202e"}},
		{"role", ValidRole,
			[]string{"roles/artifactregistry.writer", "roles/editor", "organizations/480113921003/roles/imagePublisher", "projects/nw-shared-tools/roles/tagMover"},
			[]string{"", "roles/", "roles/a b", "roles/x;y", "editor", "projects/nw;x/roles/r", "organizations/x/roles/r", "folders/1/roles/r", "projects/p-abcdef/roles/ab", "roles/x\ny"}},
		{"deny policy id", ValidDenyPolicyID,
			[]string{"imagewarden-image-guardrail", "imagewarden-group-product-devs-northwind-example"},
			[]string{"", "imagewarden-", "Imagewarden", "a;b", strings.Repeat("d", 64)}},
		{"hierarchy node", ValidHierarchyNode,
			[]string{"organizations/480113921003", "folders/211400100002", "projects/nw-image-factory", "projects/730000000003"},
			[]string{"", "folders/211400100002|touch${IFS}PWNED", "projects/", "organizations/abc", "buckets/x", "folders/1/x"}},
		{"condition expression", ValidConditionExpression,
			[]string{`request.time < timestamp("2027-01-01T00:00:00Z")`, "a &&\n\tb\r\n", `resource.matchTag('123/env', 'prod')`},
			[]string{"", "a\x00b", "a\x1b[2Jb", "a\u2028b", "a\u202eb", "\xff", strings.Repeat("x", 12801)}},
		{"condition title", ValidConditionTitle,
			[]string{"", "golden only", "temporary, access'; touch PWNED; : '$(touch PWNED)|\"`", strings.Repeat("t", 100)},
			[]string{"a\nb", "a\rb", "a\tb", strings.Repeat("t", 101), "a\u0085b"}},
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
