package target

import "fmt"

// Limits bound what reading an image may cost. A zero field takes its default
// (see DefaultLimits); every limit that is reached is bad input (an rpmspec.InputError,
// exit status 2) that names the limit, so an image never makes the checker
// run out of memory or temporary disk, and never makes it guess.
type Limits struct {
	// MaxEntries bounds the entries of the flattened image (files,
	// directories, links, devices), and so the memory its metadata takes:
	// about 150 bytes an entry.
	MaxEntries int
	// MaxHeaders bounds the tar headers read over all layers, whiteouts
	// and replaced entries included: it bounds the work of flattening.
	MaxHeaders int
	// MaxLayers bounds the layers of an image, and MaxMembers the members
	// of an archive (blobs and a few files: about 100 bytes each in memory).
	MaxLayers, MaxMembers int
	// MaxPath bounds an entry's path, and MaxName one component of it, in
	// bytes (Linux's PATH_MAX and NAME_MAX: a longer path cannot be
	// unpacked by any runtime).
	MaxPath, MaxName int
	// MaxLink bounds a symbolic link's target (PATH_MAX-1).
	MaxLink int
	// MaxLabel bounds an SELinux label read from a PAX record, and
	// MaxLabels the distinct labels of an image.
	MaxLabel, MaxLabels int
	// MaxMeta bounds the bytes of entry names and link targets kept in
	// memory (a million entries of typical names take about 30 MiB).
	MaxMeta int64
	// MaxJSON bounds an index, manifest, config or manifest.json, like
	// containers/image's 4 MiB manifest and config limits.
	MaxJSON int64
	// MaxUnpacked bounds the bytes the layers decompress to, in total: it
	// bounds the time a decompression bomb can take.
	MaxUnpacked int64
	// MaxSpool bounds the file contents kept in the temporary spool, in
	// bytes actually written (runs of zeros take no space). 0 means 256 MiB
	// plus 16 times the size of the image's layer blobs, which real images
	// (a compression ratio of 2 to 8) never reach.
	MaxSpool int64
}

// DefaultLimits returns the limits a zero Limits field stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:  1 << 20,
		MaxHeaders:  4 << 20,
		MaxLayers:   500,
		MaxMembers:  1 << 16,
		MaxPath:     4096,
		MaxName:     255,
		MaxLink:     4095,
		MaxLabel:    4096,
		MaxLabels:   4096,
		MaxMeta:     96 << 20,
		MaxJSON:     4 << 20,
		MaxUnpacked: 64 << 30,
	}
}

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxEntries, d.MaxEntries)
	pick(&l.MaxHeaders, d.MaxHeaders)
	pick(&l.MaxLayers, d.MaxLayers)
	pick(&l.MaxMembers, d.MaxMembers)
	pick(&l.MaxPath, d.MaxPath)
	pick(&l.MaxName, d.MaxName)
	pick(&l.MaxLink, d.MaxLink)
	pick(&l.MaxLabel, d.MaxLabel)
	pick(&l.MaxLabels, d.MaxLabels)
	l.MaxLabels = min(l.MaxLabels, 1<<16-1) // labels are numbered with 16 bits
	pick64(&l.MaxMeta, d.MaxMeta)
	pick64(&l.MaxJSON, d.MaxJSON)
	pick64(&l.MaxUnpacked, d.MaxUnpacked)
	return l
}

// spoolLimit is MaxSpool, or its default for layers of blobBytes in total.
func (l Limits) spoolLimit(blobBytes int64) int64 {
	if l.MaxSpool > 0 {
		return l.MaxSpool
	}
	return 256<<20 + 16*max(blobBytes, 0)
}

// LimitError is a limit an image reached.
type LimitError struct {
	Limit string // the Limits field, e.g. "MaxPath"
	Value int64  // the limit
	What  string // what reached it
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: over the limit of %d (%s)", e.What, e.Value, e.Limit)
}

// BadInput marks a reached limit as bad input (exit status 2).
func (e *LimitError) BadInput() bool { return true }
