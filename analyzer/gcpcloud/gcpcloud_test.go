package gcpcloud

import "testing"

func TestRegistryBucket(t *testing.T) {
	for name, want := range map[string]bool{
		"artifacts.nw-shop-prod.appspot.com":    true,
		"eu.artifacts.nw-shop-prod.appspot.com": true,
		"nw-shop-prod-data":                     false,
		"artifacts-backup":                      false,
	} {
		if got := registryBucket(name); got != want {
			t.Errorf("registryBucket(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestTypeFromName(t *testing.T) {
	for _, tc := range []struct{ svc, rel, want string }{
		{"artifactregistry.googleapis.com", "projects/p/locations/l/repositories/r", "artifactregistry.googleapis.com/Repository"},
		{"compute.googleapis.com", "projects/p/global/images/i", "compute.googleapis.com/Image"},
		{"iam.googleapis.com", "projects/p/serviceAccounts/sa", "iam.googleapis.com/ServiceAccount"},
		{"storage.googleapis.com", "artifacts.p.appspot.com", "storage.googleapis.com/Bucket"},
	} {
		if got := typeFromName(tc.svc, tc.rel); got != tc.want {
			t.Errorf("typeFromName(%q, %q) = %q, want %q", tc.svc, tc.rel, got, tc.want)
		}
	}
}
