package gcpcollect

import (
	"context"
	"sort"

	artifactregistry "google.golang.org/api/artifactregistry/v1"
)

// repositoryJSON is a repository as `gcloud artifacts repositories list`
// prints it (docs/inputs.md G7), with the settings that decide what can be
// written to it: the format, the mode (standard, remote, virtual) and
// Docker's immutable tags. name and format are always written: analyze
// recognises the file by them.
type repositoryJSON struct {
	Name         string            `json:"name"`
	Format       string            `json:"format"`
	Mode         string            `json:"mode,omitempty"`
	Description  string            `json:"description,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	DockerConfig *dockerConfig     `json:"dockerConfig,omitempty"`
	RegistryURI  string            `json:"registryUri,omitempty"`
	CreateTime   string            `json:"createTime,omitempty"`
	UpdateTime   string            `json:"updateTime,omitempty"`
}

type dockerConfig struct {
	ImmutableTags bool `json:"immutableTags"`
}

// repositories writes projects/ID/artifact-repositories.json: the
// repositories of every location of the project. The API has no "all
// locations" listing (locations/- is refused), so the locations are
// listed first, as gcloud does for --location=all.
func (r *run) repositories(ctx context.Context, id string) Scope {
	s := Scope{Name: "projects/" + id + "/artifact-repositories"}
	locations := r.o.Locations
	if len(locations) == 0 {
		err := r.c.ar.Projects.Locations.List("projects/"+id).Context(ctx).Pages(ctx, func(resp *artifactregistry.ListLocationsResponse) error {
			for _, l := range resp.Locations {
				if l != nil && l.LocationId != "" {
					locations = append(locations, l.LocationId)
				}
			}
			return nil
		})
		if err != nil {
			s.Error = failed("artifactregistry.projects.locations.list", "projects/"+id, err)
			return s
		}
		sort.Strings(locations)
	}
	repos := []repositoryJSON{}
	for _, loc := range locations {
		parent := "projects/" + id + "/locations/" + loc
		err := r.c.ar.Projects.Locations.Repositories.List(parent).PageSize(1000).Context(ctx).Pages(ctx, func(resp *artifactregistry.ListRepositoriesResponse) error {
			for _, repo := range resp.Repositories {
				if repo == nil || repo.Name == "" {
					continue
				}
				rj := repositoryJSON{Name: repo.Name, Format: repo.Format, Mode: repo.Mode, Description: repo.Description,
					Labels: repo.Labels, RegistryURI: repo.RegistryUri, CreateTime: repo.CreateTime, UpdateTime: repo.UpdateTime}
				if repo.DockerConfig != nil {
					rj.DockerConfig = &dockerConfig{ImmutableTags: repo.DockerConfig.ImmutableTags}
				}
				repos = append(repos, rj)
			}
			return nil
		})
		if err != nil {
			s.Error = failed("artifactregistry.projects.locations.repositories.list", parent, err)
			return s
		}
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	return r.writeScope(s, "projects/"+id+"/artifact-repositories.json", repos)
}
