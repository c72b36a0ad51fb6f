package ocihooks

import (
	"errors"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

// Container is what a hook's conditions are matched against.
type Container struct {
	// Annotations are the container's annotations (podman's --annotation and
	// containers.conf's, quadlet's Annotation=).
	Annotations map[string]string
	// Command is the container process's argv[0].
	Command string
	// HasBindMounts is true when the container has volumes of its own.
	HasBindMounts bool
}

// Match decides the conditions as podman does (1.0.0 When.Match): every
// condition given must hold (any one for a 0.1.0 hook); an annotations
// condition holds when, for each key pattern, some annotation's key and
// value match (Go regular expressions, unanchored unless the pattern says
// otherwise); when commands are given they alone decide the outcome of the
// conditions that passed.
func (w When) Match(c Container) (bool, error) {
	matches := 0
	if w.Always != nil {
		switch {
		case *w.Always && w.Or:
			return true, nil
		case *w.Always:
			matches++
		case !w.Or:
			return false, nil
		}
	}
	if w.HasBindMounts != nil {
		switch {
		case *w.HasBindMounts && c.HasBindMounts && w.Or:
			return true, nil
		case *w.HasBindMounts && c.HasBindMounts:
			matches++
		case !w.Or:
			return false, nil
		}
	}
	for _, kp := range sortedPatterns(w.Annotations) {
		ok, err := annotationMatches(kp, w.Annotations[kp], c.Annotations)
		if err != nil {
			return false, err
		}
		switch {
		case ok && w.Or:
			return true, nil
		case ok:
			matches++
		case !w.Or:
			return false, nil
		}
	}
	if len(w.Commands) > 0 {
		if c.Command == "" {
			return false, errors.New("process.args must have at least one entry")
		}
		for _, p := range w.Commands {
			ok, err := regexp.MatchString(p, c.Command)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	}
	return matches > 0, nil
}

func sortedPatterns(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// annotationMatches reports whether some annotation matches a key and value
// pattern.
func annotationMatches(keyPattern, valuePattern string, ann map[string]string) (bool, error) {
	for _, k := range sortedPatterns(ann) {
		ok, err := regexp.MatchString(keyPattern, k)
		if err != nil || !ok {
			if err != nil {
				return false, err
			}
			continue
		}
		ok, err = regexp.MatchString(valuePattern, ann[k])
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// MatchedAnnotations are the container's annotations that a hook's
// annotation conditions name (key and value both matching).
func (w When) MatchedAnnotations(ann map[string]string) []string {
	var out []string
	for _, k := range sortedPatterns(ann) {
		for kp, vp := range w.Annotations {
			kOK, _ := regexp.MatchString(kp, k)
			vOK, _ := regexp.MatchString(vp, ann[k])
			if kOK && vOK {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// KeyedOnQM reports whether a hook runs only for containers that carry QM's
// annotations: its only conditions are annotation patterns anchored at the
// start of the key and beginning with "org.containers.qm.". Such hooks are
// QM's device hooks; what they grant is the Annotations table.
func (h *Hook) KeyedOnQM() bool {
	w := h.When
	if w.Always != nil || w.HasBindMounts != nil || len(w.Commands) > 0 || len(w.Annotations) == 0 || w.Or {
		return false
	}
	for kp := range w.Annotations {
		re, err := regexp.Compile(kp)
		if err != nil || !strings.HasPrefix(kp, "^") {
			return false
		}
		if prefix, _ := re.LiteralPrefix(); !strings.HasPrefix(prefix, "org.containers.qm.") {
			return false
		}
	}
	return true
}

// DefaultDir is where podman 5.4 reads hooks when containers.conf's
// hooks_dir and --hooks-dir say nothing else: where qm-oci-hooks installs
// its files.
const DefaultDir = HooksDir

// Problem is a hook file podman's loader refuses. Fatal problems make podman
// fail to create any container; a hook whose program is missing is only
// skipped.
type Problem struct {
	File  string
	Err   error
	Fatal bool
}

// Load reads the *.json files of dirs in order; a file name in a later
// directory replaces the same name from an earlier one. The result is sorted
// by name, case-insensitively, the order podman runs matching hooks in.
func Load(fsys imagefs.FS, dirs []string) ([]*Hook, []Problem) {
	byName := map[string]*Hook{}
	var problems []Problem
	exists := func(p string) bool { _, err := fsys.ReadFile(p); return err == nil }
	for _, d := range dirs {
		entries, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name, ".json") {
				continue
			}
			p := path.Join(d, e.Name)
			data, err := fsys.ReadFile(p)
			if err != nil {
				continue // a dangling link: the loader skips it
			}
			h, err := ParseHook(data, e.Name)
			if err == nil {
				h.File = p
				err = h.Validate(exists)
			}
			if err != nil {
				problems = append(problems, Problem{File: p, Err: err, Fatal: !errors.Is(err, ErrProgramMissing)})
				continue
			}
			byName[e.Name] = h
		}
	}
	out := make([]*Hook, 0, len(byName))
	for _, h := range byName {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, problems
}
