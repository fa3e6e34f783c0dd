package terraform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// ctxFile is one context input: its bytes and the format the plug-ins
// recognise in it ("" for a file this package never edits).
type ctxFile struct {
	path   string
	data   []byte
	format string
}

// doc is a context file decoded for one side, to be edited: an object, or
// a list of items with the wrapping it came in.
type doc struct {
	file  *ctxFile
	obj   map[string]any   // a single JSON object
	items []map[string]any // a list of objects
	wrap  string           // how items are written: array, lines, value, results, roles
	dirty bool             // edited: written to WorkDir instead of passed through
	drop  bool             // every object it held is replaced: left out
}

// Formats this package edits; the others are passed through.
var editable = map[string]bool{
	awscloud.FormatAuthDetails: true, awscloud.FormatRepoPolicy: true, awscloud.FormatRegistry: true,
	awscloud.FormatOrganization: true, awscloud.FormatRepositories: true,
	gcpcloud.FormatPolicySearch: true, gcpcloud.FormatAssetExport: true, gcpcloud.FormatPolicy: true,
	gcpcloud.FormatRoles: true, gcpcloud.FormatDenyPolicies: true, gcpcloud.FormatProjects: true,
	azurecloud.FormatAssignments: true, azurecloud.FormatDefinitions: true, azurecloud.FormatRegistries: true,
}

// wrapKeys name the key under which an object-shaped file of a format
// holds its list (REST answers).
var wrapKeys = map[string]string{
	gcpcloud.FormatPolicySearch: "results", gcpcloud.FormatRoles: "roles",
	azurecloud.FormatAssignments: "value", azurecloud.FormatDefinitions: "value", azurecloud.FormatRegistries: "value",
}

// readContext lists the context files (directories walked like analyze
// walks them: *.json files, directories starting with "." left out,
// symbolic links to directories not followed) and recognises the formats
// this package may edit with the plug-ins' own recognisers.
func readContext(paths []string) ([]*ctxFile, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("context %s: %v", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // analyze reports what cannot be read; the file passes through untouched
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".json") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	aws, gcp, az := awscloud.New(), gcpcloud.New(), azurecloud.New()
	var out []*ctxFile
	for _, f := range files {
		cf := &ctxFile{path: f}
		// Only regular files of a bounded size are read here, as analyze
		// reads them: a pipe would wait for a writer forever. Others pass
		// through, and analyze says why it skips them.
		st, err := os.Stat(f)
		if err != nil || !st.Mode().IsRegular() || st.Size() > maxContextFile {
			out = append(out, cf)
			continue
		}
		if data, err := readRegular(f); err == nil {
			cf.data = data
			if d, err := decodeModelDoc(data); err == nil {
				for _, rec := range []func(*model.Document) string{aws.Recognize, gcp.Recognize, az.Recognize} {
					if k := rec(d); k != "" {
						if editable[k] {
							cf.format = k
						}
						break
					}
				}
			}
		}
		out = append(out, cf)
	}
	return out, nil
}

// maxContextFile is analyze's bound on an input file.
const maxContextFile = 1 << 30

// readRegular reads a file that is still a regular file once opened.
func readRegular(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	return readAllLimited(f, maxContextFile)
}

// decodeModelDoc decodes a file as analyze does for recognition: an
// object, an array of objects, or JSON lines of objects.
func decodeModelDoc(data []byte) (*model.Document, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(data) > 0 && data[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err == nil {
			return &model.Document{Object: obj}, nil
		}
	}
	var items []map[string]json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, err
		}
		return &model.Document{Items: items}, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var it map[string]json.RawMessage
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return &model.Document{Items: items}, sc.Err()
}

// decode decodes a context file afresh for one side: each side edits its
// own copy.
func (cf *ctxFile) decode() (*doc, error) {
	data := bytes.TrimSpace(bytes.TrimPrefix(cf.data, []byte("\xef\xbb\xbf")))
	d := &doc{file: cf}
	dec := func(b []byte, v any) error {
		jd := json.NewDecoder(bytes.NewReader(b))
		jd.UseNumber() // numbers pass through as written
		return jd.Decode(v)
	}
	if len(data) > 0 && data[0] == '{' {
		if err := dec(data, &d.obj); err != nil {
			return nil, err
		}
		if k := wrapKeys[cf.format]; k != "" {
			if raw, ok := d.obj[k].([]any); ok {
				for _, e := range raw {
					if m, ok := e.(map[string]any); ok {
						d.items = append(d.items, m)
					}
				}
				d.wrap = k
			}
		}
		return d, nil
	}
	if len(data) > 0 && data[0] == '[' {
		d.wrap = "array"
		var raw []any
		if err := dec(data, &raw); err != nil {
			return nil, err
		}
		for _, e := range raw {
			if m, ok := e.(map[string]any); ok {
				d.items = append(d.items, m)
			}
		}
		return d, nil
	}
	d.wrap = "lines"
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := dec(line, &m); err != nil {
			return nil, err
		}
		d.items = append(d.items, m)
	}
	return d, nil
}

// list is the list of objects d holds: its items, or the object alone.
func (d *doc) list() []map[string]any {
	if d.wrap != "" {
		return d.items
	}
	return []map[string]any{d.obj}
}

// field reads a field of an item, looking into "properties" as the Azure
// REST form nests them.
func field(it map[string]any, key string) any {
	if v, ok := it[key]; ok {
		return v
	}
	if p, ok := it["properties"].(map[string]any); ok {
		return p[key]
	}
	return nil
}

// removeItems drops the items keep refuses.
func (d *doc) removeItems(drop func(map[string]any) bool) {
	if d.wrap == "" {
		if drop(d.obj) {
			d.drop = true
		}
		return
	}
	kept := d.items[:0]
	for _, it := range d.items {
		if drop(it) {
			d.dirty = true
			continue
		}
		kept = append(kept, it)
	}
	d.items = kept
}

// encode writes d in the shape it came in.
func (d *doc) encode() ([]byte, error) {
	switch d.wrap {
	case "":
		return json.MarshalIndent(d.obj, "", "  ")
	case "array":
		if d.items == nil {
			d.items = []map[string]any{}
		}
		return json.MarshalIndent(d.items, "", "  ")
	case "lines":
		var b bytes.Buffer
		for _, it := range d.items {
			line, err := json.Marshal(it)
			if err != nil {
				return nil, err
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		return b.Bytes(), nil
	default:
		items := make([]any, len(d.items))
		for i, it := range d.items {
			items[i] = it
		}
		d.obj[d.wrap] = items
		return json.MarshalIndent(d.obj, "", "  ")
	}
}

// output collects the paths of one side: context files as they are or
// rewritten, and generated files.
type output struct {
	dir   string
	paths []string
	n     int
}

func (o *output) pass(d *doc) error {
	switch {
	case d.drop:
		return nil
	case !d.dirty:
		o.paths = append(o.paths, d.file.path)
		return nil
	}
	if d.wrap != "" && len(d.items) == 0 {
		return nil // an emptied list: nothing left to read
	}
	data, err := d.encode()
	if err != nil {
		return err
	}
	return o.write("context-"+strings.TrimSuffix(filepath.Base(d.file.path), ".json"), data)
}

// write writes a generated file; its name says what it holds, its number
// keeps names apart.
func (o *output) write(name string, data []byte) error {
	o.n++
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	if len(clean) > 80 {
		clean = clean[:80]
	}
	p := filepath.Join(o.dir, fmt.Sprintf("%03d-%s.json", o.n, clean))
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return err
	}
	o.paths = append(o.paths, p)
	return nil
}

func (o *output) writeJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return o.write(name, data)
}
