package gcp

import (
	"strings"
	"testing"
)

func TestCanonicalResourceName(t *testing.T) {
	const repo = "//artifactregistry.googleapis.com/projects/p/locations/eu/repositories/r"
	for _, tc := range []struct {
		in, want string
		changes  int
	}{
		{repo, repo, 0},
		{"//cloudresourcemanager.googleapis.com/folders/123", "//cloudresourcemanager.googleapis.com/folders/123", 0},
		{"//ArtifactRegistry.GoogleAPIs.com/projects/p/locations/eu/repositories/r", repo, 1},
		{repo + "/", repo, 1},
		{repo + "//", repo, 1},
		{"  " + repo + "\n", repo, 1},
		{"//CloudResourceManager.googleapis.com/projects/x/", "//cloudresourcemanager.googleapis.com/projects/x", 2},
		{"https://artifactregistry.googleapis.com/v1/projects/p/locations/eu/repositories/r", repo, 1},
		{"HTTPS://ArtifactRegistry.googleapis.com/v1beta2/projects/p/locations/eu/repositories/r/", repo, 1},
		{"http://artifactregistry.googleapis.com/projects/p/locations/eu/repositories/r", repo, 1},
		{"https://www.googleapis.com/compute/v1/projects/p/global/images/i", "//compute.googleapis.com/projects/p/global/images/i", 1},
		{"https://compute.googleapis.com/compute/v1/projects/p/global/images/i", "//compute.googleapis.com/projects/p/global/images/i", 1},
		{"https://cloudresourcemanager.googleapis.com/v3/folders/123", "//cloudresourcemanager.googleapis.com/folders/123", 1},
		{"projects/my-project", "//cloudresourcemanager.googleapis.com/projects/my-project", 1},
		{"organizations/42/", "//cloudresourcemanager.googleapis.com/organizations/42", 2},
	} {
		got, changes, err := CanonicalResourceName(tc.in)
		if err != nil || got != tc.want || len(changes) != tc.changes {
			t.Errorf("CanonicalResourceName(%q) = %q, %q, %v; want %q with %d change(s)", tc.in, got, changes, err, tc.want, tc.changes)
		}
	}
	for _, bad := range []string{
		"", "   ", "nw-app", "projects/", "projects/p/locations/eu", "artifactregistry.googleapis.com/projects/p",
		"//", "///x", "//artifactregistry.googleapis.com", "//artifactregistry.googleapis.com/", "//not a host/x",
		"//artifactregistry.googleapis.com/projects//r", "//artifactregistry.googleapis.com/projects/p q",
		"//cloudresourcemanager.googleapis.com/projects",
		"https://example.com/projects/p", "https://artifactregistry.googleapis.com/v1/", "https://artifactregistry.googleapis.com/v1/p/q",
		"https://artifactregistry.googleapis.com/v1/projects/p?alt=json", "https://artifactregistry.googleapis.com:443/v1/projects/p",
		"https://www.googleapis.com/storage/v1/b/bucket", "https://www.googleapis.com/projects/p",
		"ftp://artifactregistry.googleapis.com/projects/p",
	} {
		if got, _, err := CanonicalResourceName(bad); err == nil || got != "" {
			t.Errorf("CanonicalResourceName(%q) = %q, %v; want an error", bad, got, err)
		} else if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("CanonicalResourceName(%q): empty error", bad)
		}
	}
}
