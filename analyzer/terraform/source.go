package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// maxSourceFile bounds a .tf file read for locations.
const maxSourceFile = 16 << 20

// findBlocks maps the addresses (without instance keys) of the resource
// and data blocks under dir to their file:line, following the module
// blocks whose source is a local directory. Files that do not parse are
// warnings; the others still count.
func findBlocks(dir string, _ map[string]string, warnings *[]string) map[string]string {
	out := map[string]string{}
	seen := map[string]bool{}
	var walk func(d, module string, depth int)
	walk = func(d, module string, depth int) {
		if depth > 32 {
			return
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			*warnings = append(*warnings, fmt.Sprintf("--source %s: %v", d, err))
			return
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tf") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			p := filepath.Join(d, n)
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() || st.Size() > maxSourceFile {
				continue
			}
			src, err := os.ReadFile(p)
			if err != nil {
				*warnings = append(*warnings, fmt.Sprintf("--source %s: %v", p, err))
				continue
			}
			f, diags := hclsyntax.ParseConfig(src, p, hcl.Pos{Line: 1, Column: 1})
			if diags.HasErrors() {
				*warnings = append(*warnings, fmt.Sprintf("--source %s: %s", p, diags.Error()))
			}
			body, ok := f.Body.(*hclsyntax.Body)
			if !ok || body == nil {
				continue
			}
			for _, b := range body.Blocks {
				switch {
				case (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2:
					local := b.Labels[0] + "." + b.Labels[1]
					if b.Type == "data" {
						local = "data." + local
					}
					if module != "" {
						local = module + "." + local
					}
					if _, dup := out[local]; !dup {
						out[local] = fmt.Sprintf("%s:%d", p, b.TypeRange.Start.Line)
					}
				case b.Type == "module" && len(b.Labels) == 1:
					attr := b.Body.Attributes["source"]
					if attr == nil {
						continue
					}
					v, diags := attr.Expr.Value(nil)
					if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
						continue
					}
					s := v.AsString()
					if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
						continue // a registry or remote module: not on disk
					}
					child := "module." + b.Labels[0]
					if module != "" {
						child = module + "." + child
					}
					cd := filepath.Clean(filepath.Join(d, filepath.FromSlash(s)))
					key := child + "|" + cd
					if !seen[key] {
						seen[key] = true
						walk(cd, child, depth+1)
					}
				}
			}
		}
	}
	walk(dir, "", 0)
	return out
}
