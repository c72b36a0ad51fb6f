package cli

import (
	"runtime/debug"
)

// GCPercent is the garbage collector's target the programs run with unless
// GOGC says otherwise. A qm-build command lives for milliseconds and
// allocates a few megabytes; Go's default (100, from a 4 MB heap) collects
// several times during a run (a fifth of `qm-build rpm`'s time). At 400 the
// heap may grow to five times what is live before a collection, which for
// the largest commands (check of an image, publish) stays far below a
// build machine's memory.
const GCPercent = 400

// TuneGC sets GCPercent, unless GOGC is set in getenv's environment.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
