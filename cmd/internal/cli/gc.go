package cli

import (
	"runtime/debug"
)

// GCPercent is the garbage collector's target the programs run with unless
// GOGC says otherwise. A qm-build command lives for milliseconds and
// allocates a few megabytes; Go's default (100, from a 4 MB heap) collects
// several times during a run (a fifth of `qm-build rpm`'s time). At 400 the
// heap may grow to five times what is live before a collection.
const GCPercent = 400

// MemoryLimit is the soft limit on the Go runtime's memory the programs run
// with unless GOMEMLIMIT says otherwise. It bounds what GCPercent would let
// grow: below the limit the collector runs at GCPercent's pace, near it the
// collector runs as often as it must. A check of an image with a million
// entries keeps about 130 MiB live; at GCPercent alone its heap would reach
// five times that.
const MemoryLimit = 192 << 20

// TuneGC sets GCPercent and MemoryLimit, each unless GOGC or GOMEMLIMIT is
// set in getenv's environment.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
