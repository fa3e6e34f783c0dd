package awscloud

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	iam "github.com/imagewarden/imagewarden/policies/aws"
)

// Region completeness of the compute inventory (docs/inputs.md, section 8).
// An inventory file lists the compute of one region (Region, as the
// collector writes it) or of several (Regions, for a merged file); a file
// may also say which regions are enabled in its account (EnabledRegions,
// from ec2:DescribeRegions). The inventory of a service in an account is
// complete only when some file of the account gives EnabledRegions and a
// file of that service covers every one of them; otherwise it is partial:
// the compute it lists is real (its edges are exact) but compute of the
// regions it does not cover may run as any other role the service is
// trusted by (those edges stay assumed).

// regionFields are the fields every inventory file may carry.
type regionFields struct {
	Region         string   `json:"Region"`
	Regions        []string `json:"Regions"`
	EnabledRegions []string `json:"EnabledRegions"`
}

// regionClaim: a file says it lists the compute of account in region.
type regionClaim struct {
	file, where, account, region string
}

// enabledSource: the first file that gave an account's EnabledRegions.
type enabledSource struct {
	file    string
	regions []string
}

// coverage is what the inventory files say about regions.
type coverage struct {
	// enabled: account -> the regions enabled there (the union of what
	// the files say).
	enabled     map[string]map[string]bool
	enabledFrom map[string]enabledSource
	// covered: (account, service) -> the regions whose compute a file
	// lists.
	covered map[[2]string]map[string]bool
	claims  []regionClaim
}

// noteRegions records the regions a file of service lists for accounts,
// and the enabled regions it gives; values that are not region names are
// skipped with a warning naming their place.
func (s *Snapshot) noteRegions(file, service string, accounts map[string]bool, f regionFields) {
	c := s.comp()
	if c.regions.enabled == nil {
		c.regions = coverage{enabled: map[string]map[string]bool{}, enabledFrom: map[string]enabledSource{}, covered: map[[2]string]map[string]bool{}}
	}
	cv := &c.regions
	var listed []regionClaim
	if f.Region != "" {
		listed = append(listed, regionClaim{file: file, where: "Region", region: f.Region})
	}
	for i, r := range f.Regions {
		listed = append(listed, regionClaim{file: file, where: fmt.Sprintf("Regions[%d]", i), region: r})
	}
	var enabled []string
	for i, r := range f.EnabledRegions {
		if err := iam.ValidRegion(r); err != nil {
			s.warn(file, fmt.Sprintf("EnabledRegions[%d]", i), fmt.Sprintf("%q is not a region name (%v): it is ignored", r, err))
			continue
		}
		enabled = append(enabled, r)
	}
	sort.Strings(enabled)
	enabled = slices.Compact(enabled)
	accts := make([]string, 0, len(accounts))
	for a := range accounts {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	for _, a := range accts {
		k := [2]string{a, service}
		if cv.covered[k] == nil {
			cv.covered[k] = map[string]bool{}
		}
		for _, l := range listed {
			if err := iam.ValidRegion(l.region); err != nil {
				continue
			}
			cv.covered[k][l.region] = true
			l.account = a
			cv.claims = append(cv.claims, l)
		}
		if len(enabled) == 0 {
			continue
		}
		if prev, ok := cv.enabledFrom[a]; !ok {
			cv.enabledFrom[a] = enabledSource{file: file, regions: enabled}
		} else if !slices.Equal(prev.regions, enabled) {
			s.warn(file, "EnabledRegions", fmt.Sprintf("account %s: the enabled regions (%s) differ from those of %s (%s): their union is used",
				a, strings.Join(enabled, ","), prev.file, strings.Join(prev.regions, ",")))
		}
		if cv.enabled[a] == nil {
			cv.enabled[a] = map[string]bool{}
		}
		for _, r := range enabled {
			cv.enabled[a][r] = true
		}
	}
	for _, l := range listed {
		if err := iam.ValidRegion(l.region); err != nil {
			s.warn(file, l.where, fmt.Sprintf("%q is not a region name (%v): the file covers no region by it", l.region, err))
		}
	}
}

// checkComputeRegions warns, once everything is read, about each file that
// lists a region its account's EnabledRegions does not name.
func (s *Snapshot) checkComputeRegions() {
	cv := &s.compute.regions
	seen := map[regionClaim]bool{}
	for _, l := range cv.claims {
		en := cv.enabled[l.account]
		if en == nil || en[l.region] || seen[l] {
			continue
		}
		seen[l] = true
		s.warn(l.file, l.where, fmt.Sprintf("region %s is not among the regions enabled in account %s (EnabledRegions: %s): its compute is read, but it does not make the inventory complete",
			l.region, l.account, strings.Join(sortedKeys(en), ",")))
	}
}

// completeness tells whether the inventory of (account, service) covers
// every enabled region of the account and, if not, why, for the notes of
// the edges that stay assumed.
func (cv *coverage) completeness(k [2]string) (bool, string) {
	got := cv.covered[k]
	en := cv.enabled[k[0]]
	switch {
	case len(got) == 0:
		return false, "the inventory names no region (no Region or Regions), so other regions may hold compute it does not list"
	case len(en) == 0:
		return false, "the inventory covers only regions " + strings.Join(sortedKeys(got), ",") + " and no file gives the account's EnabledRegions"
	}
	var missing []string
	for _, r := range sortedKeys(en) {
		if !got[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return true, ""
	}
	return false, "the inventory covers only regions " + strings.Join(sortedKeys(got), ",") + "; not " + strings.Join(missing, ",")
}

// listing is what the inventory says about the compute of a service in an
// account: the compute running as each role, by role ARN; complete when it
// covers every enabled region (why says what it misses otherwise).
type listing struct {
	roles    map[string][]string
	names    []string // all the compute running as some role, sorted
	complete bool
	why      string
}

// takeoverEdge completes a takeover edge into the compute node of
// (account, svc) from the inventory, or reports that there is no such
// edge: a complete inventory with no compute running as a role.
func takeoverEdge(runsAs map[[2]string]*listing, e model.Edge, account, svc string) (model.Edge, bool) {
	l := runsAs[[2]string{account, svc}]
	switch {
	case l == nil:
		e.Assumed = true
	case len(l.roles) > 0:
		e.Note += " (listed in the inputs: " + fewNames(l.names) + ")"
	case l.complete:
		return e, false
	default:
		e.Assumed = true
		e.Note += " (" + l.why + ")"
	}
	return e, true
}

// runsAsEdge is the runs-as edge from the compute of (account, svc) to a
// role that trusts svc: exact to a role listed compute runs as; assumed
// to the others when the inventory is absent or partial; none when it is
// complete and no listed compute runs as the role.
func runsAsEdge(runsAs map[[2]string]*listing, account, svc, role string) (model.Edge, bool) {
	e := model.Edge{From: computeNode(account, svc), To: role, Cloud: cloudName, Kind: "runs-as"}
	l := runsAs[[2]string{account, svc}]
	switch {
	case l == nil:
		e.Assumed = true
		e.Note = svc + " compute may run as this role (the inputs list no such compute)"
	case len(l.roles[role]) > 0:
		e.Note = computeNote(svc, l.roles[role])
	case l.complete:
		return e, false
	default:
		e.Assumed = true
		e.Note = svc + " compute may run as this role (" + l.why + ")"
	}
	return e, true
}
