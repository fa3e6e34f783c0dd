package gcp

import (
	"fmt"
	"regexp"
	"strings"
)

// hierarchyService is the service of organizations, folders and projects.
const hierarchyService = "cloudresourcemanager.googleapis.com"

// apiVersion is the version segment of a REST URL: v1, v3, v1beta1, v2alpha.
var apiVersion = regexp.MustCompile(`^v[0-9]+([a-z]+[0-9]*)?$`)

// validHost is a lower-case DNS name with at least one dot.
var validHost = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// CanonicalResourceName returns the canonical full resource name of a
// resource name as exports and hand-written inputs spell it
// (//SERVICE/RELATIVE_NAME, the form IAM policies and Cloud Asset use), and
// what was changed to get there, one phrase per change, for a warning.
//
// It accepts, besides the canonical form:
//   - the service host in any case (//CloudResourceManager.googleapis.com/...);
//   - trailing slashes and surrounding white space;
//   - a REST URL of a Google API, http:// or https://, with or without its
//     version segment (https://artifactregistry.googleapis.com/v1/projects/...,
//     https://www.googleapis.com/compute/v1/projects/...), when the path is
//     under projects/, folders/ or organizations/, so that the service and
//     the relative name are unambiguous;
//   - a relative name of the hierarchy (projects/P, folders/F,
//     organizations/O), which is a Resource Manager resource.
//
// Anything else is an error saying why the name cannot be understood. The
// result is a fixed point: canonicalising it again changes nothing.
func CanonicalResourceName(name string) (string, []string, error) {
	var changes []string
	if t := strings.TrimSpace(name); t != name {
		changes = append(changes, "surrounding white space removed")
		name = t
	}
	if name == "" {
		return "", nil, fmt.Errorf("empty resource name")
	}
	var host, rest string
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, "//"):
		host, rest, _ = strings.Cut(name[2:], "/")
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		var err error
		host, rest, err = fromURL(name)
		if err != nil {
			return "", nil, err
		}
		changes = append(changes, "converted from a URL")
	case isHierarchyName(strings.TrimRight(name, "/")):
		host, rest = hierarchyService, name
		changes = append(changes, "a relative name completed with //"+hierarchyService+"/")
	default:
		return "", nil, fmt.Errorf("not a full resource name (//SERVICE/NAME), a Google API URL or projects/, folders/ or organizations/ followed by an id")
	}
	if l := strings.ToLower(host); l != host {
		host = l
		changes = append(changes, "service host lower-cased")
	}
	if !validHost.MatchString(host) {
		return "", nil, fmt.Errorf("the service %q is not a host name such as artifactregistry.googleapis.com", host)
	}
	if t := strings.TrimRight(rest, "/"); t != rest {
		rest = t
		changes = append(changes, "trailing / removed")
	}
	if rest == "" {
		return "", nil, fmt.Errorf("no resource after the service %s", host)
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" {
			return "", nil, fmt.Errorf("an empty path segment (//) in the resource name")
		}
		if strings.TrimSpace(seg) != seg || strings.ContainsAny(seg, " \t\r\n\x00") {
			return "", nil, fmt.Errorf("white space inside the resource name")
		}
	}
	if host == hierarchyService && strings.Count(rest, "/") == 0 {
		return "", nil, fmt.Errorf("%s names no organization, folder or project", rest)
	}
	return "//" + host + "/" + rest, changes, nil
}

// isHierarchyName reports projects/P, folders/F and organizations/O.
func isHierarchyName(name string) bool {
	coll, id, ok := strings.Cut(name, "/")
	if !ok || id == "" || strings.ContainsAny(id, "/ \t\r\n") {
		return false
	}
	switch coll {
	case "projects", "folders", "organizations":
		return true
	}
	return false
}

// fromURL splits a Google API REST URL into the service and the relative
// name.
func fromURL(u string) (host, rest string, err error) {
	_, after, _ := strings.Cut(u, "://")
	if strings.ContainsAny(after, "?#%") {
		return "", "", fmt.Errorf("a URL with a query, a fragment or escapes is not a resource name")
	}
	host, path, _ := strings.Cut(after, "/")
	host = strings.ToLower(host)
	if strings.Contains(host, ":") || strings.Contains(host, "@") {
		return "", "", fmt.Errorf("a URL with a port or user is not a resource name")
	}
	if !strings.HasSuffix(host, ".googleapis.com") {
		return "", "", fmt.Errorf("a URL whose host %q is not a Google API (*.googleapis.com)", host)
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	// https://www.googleapis.com/compute/v1/... and
	// https://compute.googleapis.com/compute/v1/... name the API in the path.
	if len(segs) > 0 && (host == "www.googleapis.com" || segs[0]+".googleapis.com" == host) && len(segs) > 1 && apiVersion.MatchString(segs[1]) {
		host = segs[0] + ".googleapis.com"
		segs = segs[2:]
	} else if len(segs) > 0 && apiVersion.MatchString(segs[0]) {
		segs = segs[1:]
	}
	if host == "www.googleapis.com" {
		return "", "", fmt.Errorf("a www.googleapis.com URL without API and version (/compute/v1/...)")
	}
	if len(segs) < 2 {
		return "", "", fmt.Errorf("a URL without a resource under projects/, folders/ or organizations/")
	}
	switch segs[0] {
	case "projects", "folders", "organizations":
	default:
		return "", "", fmt.Errorf("a URL whose path is not under projects/, folders/ or organizations/: the resource name it stands for is ambiguous")
	}
	return host, strings.Join(segs, "/"), nil
}
