package main

import "testing"

func TestGCSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	const gib = 1 << 30
	share := memoryShare // not a constant: 24 GiB x 0.6 is not a whole number
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		total   uint64
		percent int
		limit   int64
		ok      bool
	}{
		{"defaults", nil, 24 * gib, gcPercent, int64(float64(24*gib) * share), true},
		{"GOGC set by the user", map[string]string{"GOGC": "100"}, 24 * gib, 0, 0, false},
		{"GOGC=off by the user", map[string]string{"GOGC": "off"}, 24 * gib, 0, 0, false},
		{"GOMEMLIMIT set by the user", map[string]string{"GOMEMLIMIT": "2GiB"}, 24 * gib, 0, 0, false},
		{"memory unknown", nil, 0, 0, 0, false},
	} {
		p, l, ok := gcSettings(env(tc.vars), tc.total)
		if p != tc.percent || l != tc.limit || ok != tc.ok {
			t.Errorf("%s: gcSettings = %d, %d, %v; want %d, %d, %v", tc.name, p, l, ok, tc.percent, tc.limit, tc.ok)
		}
	}
	if totalMemory() == 0 && isLinux {
		t.Error("totalMemory is 0 on Linux: sysinfo failed")
	}
}
