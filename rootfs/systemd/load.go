package systemd

import (
	"errors"
	"fmt"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// Problem is a file that could not be read or parsed while loading a unit.
type Problem struct {
	Path string
	Line int
	Err  error
	// Ignored is true for a line systemd skips with a warning; otherwise the
	// whole file failed and the unit does not load.
	Ignored bool
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", p.Path, p.Line, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.Path, p.Err)
}

// Loaded is a unit with its drop-ins applied.
type Loaded struct {
	*Unit
	// File is the fragment with every drop-in merged (nil when the unit has
	// no fragment, is masked, or one of its files fails to load). Each entry keeps the file and line it came
	// from; entries of a generated fragment keep the source they were
	// generated from.
	File *unitfile.File
	// Problems are lines systemd skips and files it cannot read or parse.
	Problems []Problem
}

// Load finds a unit and merges its fragment with its drop-ins.
func (l *Lookup) Load(name string) *Loaded {
	u := l.Find(name)
	ld := &Loaded{Unit: u}
	if u.Fragment == "" || u.Masked {
		return ld
	}
	base := l.parse(u.Fragment, ld)
	if base == nil {
		return ld
	}
	var drops []*unitfile.File
	for _, p := range u.Dropins {
		f := l.parse(p, ld)
		if f == nil {
			return ld // a drop-in that fails to parse fails the unit's load
		}
		drops = append(drops, f)
	}
	ld.File = unitfile.Merge(base, drops...)
	return ld
}

// parse reads one unit file (generated ones come parsed).
func (l *Lookup) parse(p string, ld *Loaded) *unitfile.File {
	if f, ok := l.Generated[p]; ok {
		return f
	}
	data, err := l.FS.ReadFile(p)
	if err != nil {
		ld.Problems = append(ld.Problems, Problem{Path: p, Err: err})
		return nil
	}
	f, skipped, err := unitfile.ParseLenient(data, p)
	for _, pe := range skipped {
		ld.Problems = append(ld.Problems, Problem{Path: p, Line: pe.Line, Err: fmt.Errorf("%s: ignored", pe.Msg), Ignored: true})
	}
	if err != nil {
		pr := Problem{Path: p, Err: err}
		var pe *unitfile.ParseError
		if errors.As(err, &pe) {
			pr.Line, pr.Err = pe.Line, errors.New(pe.Msg)
		}
		ld.Problems = append(ld.Problems, pr)
		return nil
	}
	return f
}
