// Package analyzer runs the pipeline: read the inputs, let each cloud
// plug-in build its part of the model and decide every capability for every
// principal, run the Rego rules over those facts, and return a report for
// the renderers.
package analyzer

import (
	"bytes"
	"context"
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
// are split into several files by the CLIs that write them. A variable so
// that tests can lower it.
var maxInputSize int64 = 1 << 30

// readDir lists a directory during the walk; tests replace it to make a
// directory unreadable without chmod (which root ignores).
var readDir = os.ReadDir

// LoadInputs reads files and directories into the providers. Every file is
// accounted for in the returned sources: its recognised kind, or why it was
// skipped. One bad file or directory never stops the rest.
//
// A PATH that is a directory (or a symbolic link to one) is walked
// recursively for *.json files; directories whose name starts with "." are
// left out. Inside a walk, a symbolic link to a file is read like the file,
// and a symbolic link to a directory is not followed (it could lead out of
// the tree or round in a loop): it is reported as skipped. Only regular
// files are read: named pipes, devices and sockets, also behind a symbolic
// link, are reported as skipped without being read (a pipe would block, a
// device never end); so are dangling links, link loops, files larger than
// maxInputSize and directories that cannot be listed. A PATH that does not
// exist is an error.
//
// LoadInputs checks ctx between files and returns its error once it is
// done.
func LoadInputs(ctx context.Context, paths []string, providers []Provider) ([]model.Source, error) {
	return loadInputs(ctx, paths, providers, nil)
}

// recognized is a document a plug-in recognised and loaded: what a replay
// (Loaded.Analyze) gives fresh plug-ins without reading and decoding the
// file again.
type recognized struct {
	provider   int // index in the providers
	path, kind string
	doc        *model.Document
}

// loadInputs is LoadInputs, appending every recognised document to keep
// when keep is not nil.
func loadInputs(ctx context.Context, paths []string, providers []Provider, keep *[]recognized) ([]model.Source, error) {
	var entries []inputEntry
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, errors.Unwrap(err))
		}
		if !st.IsDir() {
			entries = append(entries, inputEntry{path: p})
			continue
		}
		var found []inputEntry
		if err := walkInputs(ctx, p, &found); err != nil {
			return nil, err
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		entries = append(entries, found...)
	}
	var sources []model.Source
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.skipped != "" {
			sources = append(sources, model.Source{Path: e.path, Error: e.skipped})
			continue
		}
		sources = append(sources, loadFile(e.path, providers, keep))
	}
	return sources, nil
}

// inputEntry is a file to read, or (skipped set) something found in a walk
// that is reported as skipped without being read.
type inputEntry struct {
	path    string
	skipped string
}

// walkInputs adds the *.json files under dir to found, and the directories
// it cannot list or will not follow as skipped entries.
func walkInputs(ctx context.Context, dir string, found *[]inputEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	list, err := readDir(dir)
	if err != nil {
		*found = append(*found, inputEntry{path: dir, skipped: "directory not read: " + pathErrorText(err)})
		// os.ReadDir returns what it listed before the error: read it.
	}
	for _, d := range list {
		f := filepath.Join(dir, d.Name())
		hidden := strings.HasPrefix(d.Name(), ".")
		isJSON := strings.EqualFold(filepath.Ext(d.Name()), ".json")
		switch {
		case d.IsDir():
			if hidden {
				continue
			}
			if err := walkInputs(ctx, f, found); err != nil {
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			// Decided by the target: a directory is reported and not
			// followed; anything else named *.json goes to loadFile,
			// which reads regular files only and names dangling links
			// and loops.
			if st, err := os.Stat(f); err == nil && st.IsDir() {
				if !hidden {
					*found = append(*found, inputEntry{path: f, skipped: "symbolic link to a directory (" + linkTarget(f) + "): not followed; give it as a PATH to read it"})
				}
			} else if isJSON {
				*found = append(*found, inputEntry{path: f})
			}
		case isJSON:
			// Regular or not: loadFile reports what is not.
			*found = append(*found, inputEntry{path: f})
		}
	}
	return nil
}

// pathErrorText is an error without the "open PATH: " prefix of an
// fs.PathError, whose path the source already names.
func pathErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// linkTarget names where a symbolic link points, or "" if it is not one.
func linkTarget(path string) string {
	t, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	return t
}

// fileKind names a mode that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return "mode " + m.String()
}

// readInput reads a regular file of at most limit bytes. Anything else is
// refused before any read: the path is checked first (so that no device
// is even opened), then the opened descriptor (so that a FIFO or device
// swapped in between the check and the open is refused too). The open
// cannot block: openInput opens without waiting for a FIFO's writer.
func readInput(path string, limit int64) ([]byte, error) {
	via := ""
	if t := linkTarget(path); t != "" {
		via = ", via symbolic link to " + t
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s%s): skipped", fileKind(st.Mode()), via)
	}
	f, err := openInput(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	st, err = f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s%s): skipped", fileKind(st.Mode()), via)
	}
	return readLimited(f, st.Size(), limit)
}

// readLimited reads r to its end, refusing more than limit bytes while
// reading: what stat said (size, a hint for the buffer) may be stale or
// wrong.
func readLimited(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, fmt.Errorf("file is larger than %d bytes", limit)
	}
	var buf bytes.Buffer
	buf.Grow(int(size) + 512)
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("file is larger than %d bytes", limit)
	}
	return buf.Bytes(), nil
}

// openError explains why a path could not be opened, naming dangling
// symbolic links and loops as such.
func openError(path string, err error) error {
	if t := linkTarget(path); t != "" {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("dangling symbolic link: its target %s does not exist", t)
		case isLinkLoop(err):
			return fmt.Errorf("symbolic link loop (%s -> %s): %s", path, t, pathErrorText(err))
		}
	}
	return err
}

func loadFile(path string, providers []Provider, keep *[]recognized) model.Source {
	src := model.Source{Path: path}
	data, err := readInput(path, maxInputSize)
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
	for i, p := range providers {
		if k := p.Recognize(doc); k != "" {
			src.Kind = k
			if err := p.Load(path, k, doc); err != nil {
				src.Error = err.Error()
			}
			if keep != nil {
				*keep = append(*keep, recognized{provider: i, path: path, kind: k, doc: doc})
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
	if enc := wideEncoding(data); enc != "" {
		// PowerShell's > and Out-File write UTF-16 by default.
		return nil, fmt.Errorf("the file is %s, not UTF-8: convert it (iconv -f %s -t UTF-8, or PowerShell's Out-File -Encoding utf8) and run again", enc, enc)
	}
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
		if obj == nil {
			// null: as in a JSON array, every value must be an object.
			return nil, fmt.Errorf("JSON lines, value %d is not an object (null)", n)
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

// wideEncoding names a UTF-16 or UTF-32 file by its byte-order mark or, with
// none, by the NUL bytes ASCII JSON has in those encodings.
func wideEncoding(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe, 0, 0}):
		return "UTF-32LE"
	case bytes.HasPrefix(data, []byte{0, 0, 0xfe, 0xff}):
		return "UTF-32BE"
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return "UTF-16LE"
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return "UTF-16BE"
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		return "UTF-16LE"
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		return "UTF-16BE"
	}
	return ""
}
