package gcp

import "testing"

// TestPoolSetMatches: a federated subject principal is covered by its
// pool's /* principal set (workload identity and workforce pools), not by
// another pool's, not by attribute or group sets (they depend on token
// attributes the inputs do not hold), and identifiers compare as spelled.
func TestPoolSetMatches(t *testing.T) {
	const (
		wif    = "iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh"
		wfp    = "iam.googleapis.com/locations/global/workforcePools/staff"
		gkeSub = "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p1.svc.id.goog/subject/ns/build/sa/ci"
	)
	subject := "principal://" + wif + "/subject/repo:corp/app:ref:refs/heads/main"
	for _, tc := range []struct {
		name, member, id string
		want             bool
	}{
		{"its pool's set", "principalSet://" + wif + "/*", subject, true},
		{"itself", subject, subject, true},
		{"another subject of the pool", "principal://" + wif + "/subject/other", subject, false},
		{"another pool's set", "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gl/*", subject, false},
		{"another project's pool of the same name", "principalSet://iam.googleapis.com/projects/456/locations/global/workloadIdentityPools/gh/*", subject, false},
		{"an attribute set", "principalSet://" + wif + "/attribute.repository/corp/app", subject, false},
		{"a group set", "principalSet://" + wif + "/group/devs", subject, false},
		{"the pool set spelled in upper case", "principalSet://" + "iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/GH/*", subject, false},
		{"the pool set without the /*", "principalSet://" + wif, subject, false},
		{"a subject with slashes (GKE)", "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p1.svc.id.goog/*", gkeSub, true},
		{"workforce subject, its pool's set", "principalSet://" + wfp + "/*", "principal://" + wfp + "/subject/ana@corp.example", true},
		{"workforce subject, another pool", "principalSet://iam.googleapis.com/locations/global/workforcePools/contractors/*", "principal://" + wfp + "/subject/ana@corp.example", false},
		{"workforce subject, a group set", "principalSet://" + wfp + "/group/admins", "principal://" + wfp + "/subject/ana@corp.example", false},
		{"workforce subject, an attribute set", "principalSet://" + wfp + "/attribute.department/eng", "principal://" + wfp + "/subject/ana@corp.example", false},
		{"workload set vs workforce subject", "principalSet://" + wif + "/*", "principal://" + wfp + "/subject/ana@corp.example", false},
		{"the set itself as the identity", "principalSet://" + wif + "/*", "principalSet://" + wif + "/*", true},
		{"a service account principal", "principalSet://iam.googleapis.com/projects/-/serviceAccounts/*", "principal://iam.googleapis.com/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com", false},
		{"an empty subject", "principalSet://" + wif + "/*", "principal://" + wif + "/subject/", false},
	} {
		id := &Identity{Member: tc.id}
		if got := MemberMatches(tc.member, id); got != tc.want {
			t.Errorf("%s: MemberMatches(%q, %q) = %v, want %v", tc.name, tc.member, tc.id, got, tc.want)
		}
		p, m := PrepareIdentity(id), PrepareMember(tc.member)
		if got := p.Covers(&m); got != tc.want {
			t.Errorf("%s: Covers(%q, %q) = %v, want %v", tc.name, tc.member, tc.id, got, tc.want)
		}
	}
}
