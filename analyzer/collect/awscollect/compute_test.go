package awscollect

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComputeEnabledRegions: the compute inventory files carry the
// regions enabled in the account when the collector asked
// ec2:DescribeRegions (no --region), so that analyze can tell that the
// files cover them all; with --region the enabled set is not known and
// EnabledRegions is not written (analyze then keeps the inventory
// partial). Region is written either way.
func TestComputeEnabledRegions(t *testing.T) {
	cases := []struct {
		name    string
		regions []string
		want    string // EnabledRegions, comma-separated
	}{
		{"every enabled region", nil, "ap-southeast-2,eu-west-1,us-east-1"},
		{"--region", []string{"us-east-1"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeAWS{throttled: map[string]bool{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			out := t.TempDir()
			if _, err := Collect(context.Background(), Options{Out: out, Regions: c.regions, Config: testConfig(srv.URL)}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"ec2-instances-us-east-1.json", "lambda-functions-us-east-1.json"} {
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				var file struct {
					Account, Region string
					EnabledRegions  *[]string
				}
				if err := json.Unmarshal(b, &file); err != nil {
					t.Fatal(err)
				}
				got := ""
				if file.EnabledRegions != nil {
					got = strings.Join(*file.EnabledRegions, ",")
				}
				if file.Account != "111122223333" || file.Region != "us-east-1" || got != c.want || (c.want == "") != (file.EnabledRegions == nil) {
					t.Errorf("%s: Account %q, Region %q, EnabledRegions %q (present %v); want 111122223333, us-east-1, %q",
						name, file.Account, file.Region, got, file.EnabledRegions != nil, c.want)
				}
			}
		})
	}
}
