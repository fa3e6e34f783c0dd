// Package rego holds imagewarden's built-in Rego rules, their library, the
// default data, and the capability catalog, embedded in the binary.
package rego

import "embed"

// FS is the embedded tree: catalog/*.yaml (capability catalogs, one per
// cloud), tables/*.yaml (reference tables such as the image permissions of
// GCP predefined roles), lib/*.rego, rules/*.rego and data.json. Tests
// (*_test.rego) are embedded too; the engine skips them.
//
//go:embed catalog/*.yaml tables/*.yaml lib/*.rego rules/*.rego data.json
var FS embed.FS
