// Package version says which build of imagewarden produced a snapshot or a
// report, so that evidence can be reproduced with the same tool.
package version

import "runtime/debug"

// Version is set at release time with
// -ldflags "-X github.com/imagewarden/imagewarden/internal/version.Version=v1.2.3".
var Version = ""

// String is Version, or else the module version and VCS revision Go
// recorded in the binary, or "devel".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" && v == "devel" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return v + "-" + rev + dirty
	}
	return v
}
