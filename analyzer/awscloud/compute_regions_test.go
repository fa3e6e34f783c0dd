package awscloud

import (
	"sort"
	"strings"
	"testing"
)

// Account 111111111111 has two enabled regions: the instance running as
// web is in us-east-1, the one running as batch only in eu-west-1.
const (
	webEast = `{"Account": "111111111111", %s "Reservations": [{"OwnerId": "111111111111", "Instances": [
		{"InstanceId": "i-0web", "State": {"Name": "running"}, "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/web"}}]}]}`
	batchWest = `{"Account": "111111111111", %s "Reservations": [{"OwnerId": "111111111111", "Instances": [
		{"InstanceId": "i-0batch", "State": {"Name": "running"}, "IamInstanceProfile": {"Arn": "arn:aws:iam::111111111111:instance-profile/batch"}}]}]}`
	bothEnabled = `"EnabledRegions": ["eu-west-1", "us-east-1"],`
)

func with(file, fields string) string { return strings.Replace(file, "%s", fields, 1) }

// TestComputeRegions: an inventory settles the compute of a service in an
// account only when it covers every region enabled there. A one-region
// export of a two-region account, a plain CLI export that names no region,
// or one without EnabledRegions is partial: the compute it lists gives
// exact edges, and every other role the service is trusted by keeps its
// assumed edge (batch, whose instance is only in the missing region, is
// not dropped).
func TestComputeRegions(t *testing.T) {
	others := []string{"ec2@B -> other runs-as (assumed)", "ops2 -> ec2@B takeover (assumed)",
		"lambda@A -> fn runs-as (assumed)", "lambda@A -> fn-unused runs-as (assumed)", "ops -> lambda@A takeover (assumed)"}
	join := func(l ...string) []string {
		out := append(append([]string(nil), others...), l...)
		sort.Strings(out)
		return out
	}
	partial := join("ec2@A -> batch runs-as (assumed)", "ec2@A -> spare runs-as (assumed)", "ec2@A -> web runs-as", "ops -> ec2@A takeover")
	cases := []struct {
		name  string
		files []string
		want  []string
		note  string // in the note of the assumed edge to spare
	}{
		{"one region of two", []string{with(webEast, `"Region": "us-east-1", `+bothEnabled)}, partial, "covers only regions us-east-1; not eu-west-1"},
		{"both regions", []string{with(webEast, `"Region": "us-east-1", `+bothEnabled), with(batchWest, `"Region": "eu-west-1", `+bothEnabled)},
			join("ec2@A -> batch runs-as", "ec2@A -> web runs-as", "ops -> ec2@A takeover"), ""},
		{"both regions, EnabledRegions in one file", []string{with(webEast, `"Region": "us-east-1",`), with(batchWest, `"Region": "eu-west-1", `+bothEnabled)},
			join("ec2@A -> batch runs-as", "ec2@A -> web runs-as", "ops -> ec2@A takeover"), ""},
		{"merged file with Regions", []string{with(webEast, `"Regions": ["us-east-1", "eu-west-1"], `+bothEnabled)},
			join("ec2@A -> web runs-as", "ops -> ec2@A takeover"), ""},
		{"plain CLI export, no region", []string{with(webEast, "")}, partial, "names no region"},
		{"no EnabledRegions", []string{with(webEast, `"Region": "us-east-1",`), with(batchWest, `"Region": "eu-west-1",`)},
			join("ec2@A -> batch runs-as", "ec2@A -> spare runs-as (assumed)", "ec2@A -> web runs-as", "ops -> ec2@A takeover"), "no file gives the account's EnabledRegions"},
		{"partial without compute running as a role", []string{`{"Account": "111111111111", "Region": "us-east-1", ` + bothEnabled + ` "Reservations": []}`},
			join("ec2@A -> batch runs-as (assumed)", "ec2@A -> spare runs-as (assumed)", "ec2@A -> web runs-as (assumed)", "ops -> ec2@A takeover (assumed)"), "not eu-west-1"},
		{"complete without compute", []string{`{"Account": "111111111111", "Regions": ["us-east-1", "eu-west-1"], ` + bothEnabled + ` "Reservations": []}`},
			join(), ""},
		{"Lambda, one region of two", []string{`{"Region": "us-east-1", ` + bothEnabled + ` "Functions": [{"FunctionName": "resize",
			"FunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:resize", "Role": "arn:aws:iam::111111111111:role/fn"}]}`},
			func() []string {
				out := []string{"ec2@A -> batch runs-as (assumed)", "ec2@A -> spare runs-as (assumed)", "ec2@A -> web runs-as (assumed)", "ops -> ec2@A takeover (assumed)",
					"ec2@B -> other runs-as (assumed)", "ops2 -> ec2@B takeover (assumed)",
					"lambda@A -> fn runs-as", "lambda@A -> fn-unused runs-as (assumed)", "ops -> lambda@A takeover"}
				sort.Strings(out)
				return out
			}(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := computeEdges(t, c.files...)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.note == "" {
				return
			}
			_, edges := computeRun(t, c.files...)
			for _, e := range edges {
				if e.From == ec2A && strings.HasSuffix(e.To, "role/spare") {
					if !e.Assumed || !strings.Contains(e.Note, c.note) {
						t.Errorf("edge to spare: assumed %v, note %q; want assumed, with %q", e.Assumed, e.Note, c.note)
					}
				}
			}
		})
	}
}

// TestComputeRegionWarnings: a Region outside the account's EnabledRegions
// and files that disagree on EnabledRegions are warned about, naming the
// file and the field; the union of the enabled regions is used, so a file
// that says only us-east-1 is enabled does not make a one-region
// inventory complete when another says eu-west-1 is enabled too.
func TestComputeRegionWarnings(t *testing.T) {
	s, edges := computeRun(t,
		with(webEast, `"Region": "us-east-1", "EnabledRegions": ["us-east-1"],`),
		`{"Account": "111111111111", "Region": "ap-south-9", "EnabledRegions": ["us-east-1", "eu-west-1"], "Functions": []}`,
		`{"Account": "111111111111", "Region": "US East", "Functions": []}`)
	var warnings []string
	for _, w := range s.warnings {
		warnings = append(warnings, w.Where+": "+w.Message)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{
		"inv1.json: EnabledRegions: account 111111111111: the enabled regions (eu-west-1,us-east-1) differ from those of inv0.json (us-east-1): their union is used",
		"inv1.json: Region: region ap-south-9 is not among the regions enabled in account 111111111111 (EnabledRegions: eu-west-1,us-east-1)",
		`inv2.json: Region: "US East" is not a region name`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	assumedSpare := false
	for _, e := range edges {
		if e.From == ec2A && strings.HasSuffix(e.To, "role/spare") {
			assumedSpare = e.Assumed
		}
	}
	if !assumedSpare {
		t.Errorf("with eu-west-1 enabled by the union and not covered, the EC2 edge to spare should stay assumed: %+v", edges)
	}
}
