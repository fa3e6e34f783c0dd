// Package azurecloud is the Azure plug-in of the analysis: it reads role
// assignments, role definitions, deny assignments, the management-group
// tree, group memberships and registry settings, and decides every catalog
// operation for every principal with policies/azure.
package azurecloud

import (
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Cloud names the plug-in.
func (s *Snapshot) Cloud() string { return cloudName }

// UseCatalog gives the catalog to WhoCan.
func (s *Snapshot) UseCatalog(c *catalog.Catalog) { s.cat = c }

// Owns reports Azure operations: Provider.Namespace/type/verb.
func (s *Snapshot) Owns(permission string) bool {
	return strings.HasPrefix(strings.ToLower(permission), "microsoft.") && strings.Contains(permission, "/")
}

// Edges are the "can act as" edges among the principals.
func (s *Snapshot) Edges() []model.Edge { return s.edges() }

// PrincipalKind tells the kind and name of a principal of the inputs, for
// the answers reached through a chain (analyzer.WhoCan).
func (s *Snapshot) PrincipalKind(id string) (kind, name string, ok bool) {
	if p, found := s.principals[id]; found {
		return p.kind, p.name, true
	}
	for k, p := range s.principals {
		if strings.EqualFold(k, id) {
			return p.kind, p.name, true
		}
	}
	return "", "", false
}
