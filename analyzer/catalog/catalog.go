// Package catalog loads the capability catalog: which cloud actions let a
// principal create, modify, push or share images, grouped as capabilities.
// The built-in catalog is embedded; users can add their own files.
package catalog

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	builtin "github.com/imagewarden/imagewarden/rego"
)

// Capability is a group of actions with one meaning.
type Capability struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description" json:"description"`
}

// Entry is one action of a cloud and the capability it gives.
type Entry struct {
	Cloud      string `yaml:"-" json:"cloud"`
	Action     string `yaml:"action" json:"action"`
	Capability string `yaml:"capability" json:"capability"`
	// Resource is the ARN (or resource name) format of the resource the
	// action changes, with ${Placeholders}; "*" when it takes none.
	Resource string `yaml:"resource" json:"resource"`
	Why      string `yaml:"why" json:"why"`
}

// File is the shape of a catalog file.
type File struct {
	Cloud        string       `yaml:"cloud"`
	Capabilities []Capability `yaml:"capabilities"`
	Actions      []Entry      `yaml:"actions"`
}

// Catalog is the merged catalog.
type Catalog struct {
	Capabilities []Capability
	Entries      []Entry
	byAction     map[string][]int // cloud + "|" + lower-case action
	capIndex     map[string]int
}

// Builtin loads the embedded catalog.
func Builtin() (*Catalog, error) {
	c := newCatalog()
	files, err := fs.Glob(builtin.FS, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := fs.ReadFile(builtin.FS, f)
		if err != nil {
			return nil, err
		}
		if err := c.add(path.Join("(built-in)", f), b); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Load loads the built-in catalog and then the user's files, which add
// capabilities and actions.
func Load(userFiles ...string) (*Catalog, error) {
	c, err := Builtin()
	if err != nil {
		return nil, err
	}
	for _, f := range userFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := c.add(f, b); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func newCatalog() *Catalog {
	return &Catalog{byAction: map[string][]int{}, capIndex: map[string]int{}}
}

// Parse reads one catalog file strictly: unknown fields are errors.
func Parse(name string, data []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("%s: %v", name, err)
	}
	if f.Cloud == "" {
		return f, fmt.Errorf("%s: missing \"cloud\"", name)
	}
	return f, nil
}

// ReadFile reads and parses one catalog file.
func ReadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	return Parse(path, b)
}

func (c *Catalog) add(name string, data []byte) error {
	f, err := Parse(name, data)
	if err != nil {
		return err
	}
	for _, cp := range f.Capabilities {
		if cp.ID == "" {
			return fmt.Errorf("%s: a capability without id", name)
		}
		if _, ok := c.capIndex[cp.ID]; !ok {
			c.capIndex[cp.ID] = len(c.Capabilities)
			c.Capabilities = append(c.Capabilities, cp)
		}
	}
	for i, e := range f.Actions {
		if e.Action == "" || e.Capability == "" || e.Resource == "" {
			return fmt.Errorf("%s: actions[%d]: action, capability and resource are required", name, i)
		}
		if _, ok := c.capIndex[e.Capability]; !ok {
			return fmt.Errorf("%s: actions[%d] (%s): unknown capability %q", name, i, e.Action, e.Capability)
		}
		e.Cloud = f.Cloud
		key := f.Cloud + "|" + strings.ToLower(e.Action)
		dup := false
		for _, j := range c.byAction[key] {
			if c.Entries[j].Capability == e.Capability {
				dup = true
			}
		}
		if dup {
			continue
		}
		c.byAction[key] = append(c.byAction[key], len(c.Entries))
		c.Entries = append(c.Entries, e)
	}
	return nil
}

// ForCloud lists the entries of one cloud.
func (c *Catalog) ForCloud(cloud string) []Entry {
	var out []Entry
	for _, e := range c.Entries {
		if e.Cloud == cloud {
			out = append(out, e)
		}
	}
	return out
}

// Lookup returns the entries for an action (case-insensitive).
func (c *Catalog) Lookup(cloud, action string) []Entry {
	var out []Entry
	for _, i := range c.byAction[cloud+"|"+strings.ToLower(action)] {
		out = append(out, c.Entries[i])
	}
	return out
}

// Capability returns a capability by id.
func (c *Catalog) Capability(id string) (Capability, bool) {
	i, ok := c.capIndex[id]
	if !ok {
		return Capability{}, false
	}
	return c.Capabilities[i], true
}

// ActionsOf lists the actions of a capability for a cloud.
func (c *Catalog) ActionsOf(cloud, capability string) []string {
	var out []string
	for _, e := range c.Entries {
		if e.Cloud == cloud && e.Capability == capability {
			out = append(out, e.Action)
		}
	}
	return out
}

// Pattern turns the entry's resource format into a pattern: each
// ${Placeholder} takes its value from values, or becomes the wildcard "*".
func (e Entry) Pattern(values map[string]string) string {
	var b strings.Builder
	f := e.Resource
	for i := 0; i < len(f); {
		if strings.HasPrefix(f[i:], "${") {
			if end := strings.IndexByte(f[i:], '}'); end > 0 {
				if v, ok := values[f[i+2:i+end]]; ok {
					b.WriteString(v)
				} else {
					b.WriteByte('*')
				}
				i += end + 1
				continue
			}
		}
		b.WriteByte(f[i])
		i++
	}
	return b.String()
}
