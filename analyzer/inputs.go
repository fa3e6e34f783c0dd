// Package analyzer runs the pipeline: read the inputs, let each cloud
// plug-in build its part of the model and decide every capability for every
// principal, run the Rego rules over those facts, and return a report for
// the renderers.
package analyzer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	"github.com/imagewarden/imagewarden/analyzer/azurecloud"
	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/gcpcloud"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// Provider is a cloud plug-in: it recognises its formats by content, reads
// them, and turns what it read into the cloud-neutral model.
type Provider interface {
	Cloud() string
	// Recognize names the format of a document, or returns "".
	Recognize(doc *model.Document) string
	// Load reads a recognised document; an error skips the whole file,
	// problems inside it are warnings the provider keeps.
	Load(file, format string, doc *model.Document) error
	// Evaluate decides the catalog for every principal.
	Evaluate(cat *catalog.Catalog) *model.Snapshot
	// UseCatalog gives the catalog to WhoCan, which uses it to find an
	// action's resource type.
	UseCatalog(cat *catalog.Catalog)
	// Owns reports whether a permission is written in this cloud's form
	// (ecr:PutImage, artifactregistry.repositories.uploadArtifacts, ...).
	Owns(permission string) bool
	// WhoCan decides one action for every principal.
	WhoCan(action, resource string) []model.Answer
	// Edges are the "can act as" edges among the principals (after
	// Evaluate or WhoCan).
	Edges() []model.Edge
	// AdminHolds decides a permission (on a resource, or anywhere in the
	// scope when resource is "") for an admin node of this cloud: the
	// access left once the principal has granted itself everything it can.
	AdminHolds(admin, permission, resource string) model.Access
}

// ApplyChanges replays remediation changes on freshly loaded providers,
// before Evaluate. A provider that can fix its findings implements the
// optional interface remediate.Remediator; a change for a cloud whose
// provider does not is an error.
func ApplyChanges(providers []Provider, changes []remediate.Change) error {
	for _, c := range changes {
		var r remediate.Remediator
		for _, p := range providers {
			if p.Cloud() == c.Cloud {
				r, _ = p.(remediate.Remediator)
			}
		}
		if r == nil {
			return fmt.Errorf("remediation change %s: the %s plug-in cannot apply changes", c.ID, c.Cloud)
		}
		if err := r.Apply(c); err != nil {
			return fmt.Errorf("remediation change %s (%s, %s): %w", c.ID, c.Kind, c.Target, err)
		}
	}
	return nil
}

// Providers returns a fresh instance of every cloud plug-in.
func Providers() []Provider {
	return []Provider{awscloud.New(), gcpcloud.New(), azurecloud.New()}
}

// FormatCollectionManifest is the collection.json that `imagewarden
// collect` writes: what was collected and what was skipped.
const FormatCollectionManifest = "imagewarden-collection-manifest"

// manifestWarnings turns the skipped scopes and interruptions of collection
// manifests into warnings: every report then says the snapshot is
// incomplete.
func manifestWarnings(sources []model.Source) []model.Warning {
	var out []model.Warning
	for _, s := range sources {
		c := s.Collection
		if c == nil {
			continue
		}
		for _, k := range c.Skipped {
			out = append(out, model.Warning{Where: s.Path, Message: "incomplete collection: scope " + k.Name + " was not collected (" + k.Error + "): findings there are missing"})
		}
		if c.Interrupted {
			out = append(out, model.Warning{Where: s.Path, Message: "incomplete collection: it was interrupted before it finished: findings may be missing"})
		} else if !c.Complete && len(c.Skipped) == 0 {
			out = append(out, model.Warning{Where: s.Path, Message: "incomplete collection: the manifest says the snapshot is not complete"})
		}
	}
	return out
}

// readManifest decodes a collection manifest and summarises it.
func readManifest(doc *model.Document, src *model.Source) {
	var c model.Collection
	raw, _ := json.Marshal(doc.Object)
	if err := json.Unmarshal(raw, &c); err != nil {
		src.Error = "collection manifest: " + err.Error()
		return
	}
	src.Collection = &c
	state := "complete"
	if !c.Complete {
		state = "incomplete"
	}
	src.Detail = fmt.Sprintf("%s collection of %s by %s, %s: %d scopes collected, %d skipped", c.Cloud, c.Account, c.Caller, state, len(c.Collected), len(c.Skipped))
}

// maxInputSize bounds one input file; exports of very large organisations
// are split into several files by the CLIs that write them.
const maxInputSize = 1 << 30

// LoadInputs reads files and directories (recursively, *.json) into the
// providers. Every file is accounted for in the returned sources: its
// recognised kind, or why it was skipped. One bad file never stops the rest.
func LoadInputs(paths []string, providers []Provider) ([]model.Source, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, errors.Unwrap(err))
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && f != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(f), ".json") {
				found = append(found, f)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, err)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var sources []model.Source
	for _, f := range files {
		sources = append(sources, loadFile(f, providers))
	}
	return sources, nil
}

func loadFile(path string, providers []Provider) model.Source {
	src := model.Source{Path: path}
	st, err := os.Stat(path)
	if err == nil && st.Size() > maxInputSize {
		src.Error = fmt.Sprintf("file is larger than %d bytes", maxInputSize)
		return src
	}
	data, err := os.ReadFile(path)
	if err != nil {
		src.Error = err.Error()
		return src
	}
	sum := sha256.Sum256(data)
	src.SHA256 = hex.EncodeToString(sum[:])
	doc, err := decodeDocument(data)
	if err != nil {
		src.Error = err.Error()
		return src
	}
	if doc.Object == nil && len(doc.Items) == 0 {
		src.Kind = "empty"
		src.Detail = "an empty list: nothing to read"
		return src
	}
	if doc.Object != nil && doc.Has("collected") && doc.Has("skipped") && doc.Has("tool") {
		src.Kind = FormatCollectionManifest
		readManifest(doc, &src)
		return src
	}
	var kinds []string
	for _, p := range providers {
		if k := p.Recognize(doc); k != "" {
			src.Kind = k
			if err := p.Load(path, k, doc); err != nil {
				src.Error = err.Error()
			}
			return src
		}
		kinds = append(kinds, p.Cloud())
	}
	src.Error = "unknown file kind: not one of the formats in docs/inputs.md (" + strings.Join(kinds, ", ") + " exports)"
	return src
}

// decodeDocument decodes a JSON object, a JSON array of objects, or JSON
// lines of objects, naming the line and column of a syntax error.
func decodeDocument(data []byte) (*model.Document, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file")
	}
	syntax := func(err error, base int) error {
		var se *json.SyntaxError
		if errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input") {
			return fmt.Errorf("not valid JSON: the file ends in the middle of a value (truncated?)")
		}
		if errors.As(err, &se) {
			// Offset counts the bytes read, the offending one included.
			line, col := lineCol(data, base+int(se.Offset)-1)
			return fmt.Errorf("not valid JSON at line %d, column %d: %v", line, col, se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("not valid JSON: the file ends in the middle of a value (truncated?)")
		}
		return err
	}
	switch trimmed[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, syntax(err, 0)
		}
		doc := &model.Document{}
		for i, it := range items {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(it, &obj); err != nil || obj == nil {
				return nil, fmt.Errorf("item %d of the JSON array is not an object", i)
			}
			doc.Items = append(doc.Items, obj)
		}
		return doc, nil
	case '{':
	default:
		return nil, errors.New("not a JSON object or array")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var first map[string]json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return nil, syntax(err, 0)
	}
	if _, err := dec.Token(); err == io.EOF {
		return &model.Document{Object: first}, nil
	}
	// More than one value: JSON lines.
	doc := &model.Document{Items: []map[string]json.RawMessage{first}}
	dec = json.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var obj map[string]json.RawMessage
		err := dec.Decode(&obj)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("JSON lines, value %d: %v", n, syntax(err, 0))
		}
		if n > 1 {
			doc.Items = append(doc.Items, obj)
		}
	}
	return doc, nil
}

func lineCol(data []byte, off int) (int, int) {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n') // 1-based
	return line, col
}
