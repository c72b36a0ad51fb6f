package selinux

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/qm-build/qm-build/rpmspec/input"
)

// LoadFileContexts opens a file_contexts file the way selabel_open(3) does
// for the file backend (label_file.c init): the file itself, then PATH.homedirs
// and PATH.local when they exist, appended in that order, with the path
// substitutions of PATH.subs_dist and PATH.subs. It is the one function that
// opens file_contexts by path.
func LoadFileContexts(path string) (*FileContexts, error) {
	fc, err := parseFile(path)
	if err != nil {
		return nil, err
	}
	for _, suffix := range []string{".homedirs", ".local"} {
		more, err := parseFile(path + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fc.Append(more)
	}
	for _, s := range []struct {
		suffix string
		dst    *[]Substitution
	}{{".subs_dist", &fc.DistSubs}, {".subs", &fc.Subs}} {
		f, err := input.Open(path + s.suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", path+s.suffix, err)
		}
		subs, err := ParseSubstitutions(f, path+s.suffix)
		f.Close()
		if err != nil {
			return nil, err
		}
		*s.dst = subs
	}
	return fc, nil
}

func parseFile(path string) (*FileContexts, error) {
	f, err := input.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	return ParseFileContexts(f, path)
}
