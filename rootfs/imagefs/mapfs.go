package imagefs

import (
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Map is an image held in memory: file path → content. Directories are implied
// by the files under them. Tests and fixtures use it.
type Map map[string]string

// ReadDir lists the names directly under p.
func (m Map) ReadDir(p string) ([]DirEntry, error) {
	p = path.Clean(p)
	prefix := strings.TrimSuffix(p, "/") + "/"
	seen := map[string]DirEntry{}
	for f := range m {
		rest, ok := strings.CutPrefix(f, prefix)
		if !ok || rest == "" {
			continue
		}
		name, below, dir := strings.Cut(rest, "/")
		seen[name] = DirEntry{Name: name, Dir: dir && below != "" || seen[name].Dir, Regular: !dir}
	}
	if len(seen) == 0 {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: fs.ErrNotExist}
	}
	out := make([]DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ReadFile returns a file's content.
func (m Map) ReadFile(p string) ([]byte, error) {
	s, ok := m[path.Clean(p)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}
