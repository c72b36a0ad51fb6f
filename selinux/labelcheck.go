package selinux

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// XattrName is the extended attribute holding a file's SELinux context.
const XattrName = "security.selinux"

// Label statuses of a LabelCheck entry.
const (
	StatusExpected  = "expected"   // the tree has no labels: expected context only
	StatusOK        = "ok"         // the actual type is the expected type
	StatusWrongType = "wrong-type" // the actual type differs (setfiles would relabel)
	StatusUnlabeled = "unlabeled"  // no label on a file that should have one
	StatusNoContext = "no-context" // file_contexts gives none (<<none>> or no line)
)

// Label is the expected, and where known actual, context of one path.
type Label struct {
	Path     string `json:"path"`           // image path, e.g. /usr/lib/qm
	Kind     string `json:"kind"`           // file, dir, lnk_file, sock_file, fifo_file, blk_file, chr_file
	Expected string `json:"expected"`       // "" when file_contexts gives none
	Source   string `json:"source"`         // file:line of the deciding line, "" when none
	Actual   string `json:"actual"`         // security.selinux, "" when absent
	Status   string `json:"status"`         // one of the Status constants
	Note     string `json:"note,omitempty"` // e.g. "<<none>>"
}

// LabelReport is the result of LabelCheck over a tree.
type LabelReport struct {
	Root string `json:"root"`
	// Labeled says whether any file in the tree carries security.selinux; if
	// none does, every entry is StatusExpected (or StatusNoContext).
	Labeled bool           `json:"labeled"`
	Counts  map[string]int `json:"counts"`
	Labels  []Label        `json:"labels"`
}

// Findings counts the entries whose actual label disagrees with the
// expected one (StatusWrongType and StatusUnlabeled).
func (r *LabelReport) Findings() int {
	return r.Counts[StatusWrongType] + r.Counts[StatusUnlabeled]
}

// LabelCheck computes the expected context of every path under root, as
// `setfiles -n -r ROOT FC ROOT` would (paths are looked up as image paths:
// ROOT/usr/bin is /usr/bin), and compares it with the security.selinux
// attribute where the tree carries labels. Like setfiles without -F, a label
// is right when its type is the expected type. Symbolic links are not
// followed. The work is spread over the machine's CPUs.
func LabelCheck(root string, fc *FileContexts) (*LabelReport, error) {
	root = filepath.Clean(root)
	var labels []Label
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		rel := strings.TrimPrefix(p, root)
		if rel == "" {
			rel = "/"
		}
		labels = append(labels, Label{Path: rel, Kind: kindName(d.Type())})
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !fc.prepared {
		fc.prepare()
	}
	var labeled bool
	var mu sync.Mutex
	parallel(len(labels), func(lo, hi int) error {
		buf := make([]byte, 256)
		any := false
		for i := lo; i < hi; i++ {
			l := &labels[i]
			if s := fc.Match(l.Path, kindMode(l.Kind)); s != nil {
				l.Source = fmt.Sprintf("%s:%d", s.File, s.Line)
				if s.Context == None {
					l.Note = None
				} else {
					l.Expected = s.Context
				}
			}
			l.Actual = readLabel(paths[i], &buf)
			any = any || l.Actual != ""
		}
		if any {
			mu.Lock()
			labeled = true
			mu.Unlock()
		}
		return nil
	})
	r := &LabelReport{Root: root, Labeled: labeled, Counts: map[string]int{}, Labels: labels}
	for i := range labels {
		l := &labels[i]
		l.Status = status(l, labeled)
		r.Counts[l.Status]++
	}
	return r, nil
}

func status(l *Label, labeled bool) string {
	switch {
	case l.Expected == "":
		return StatusNoContext
	case !labeled:
		return StatusExpected
	case l.Actual == "":
		return StatusUnlabeled
	case contextType(l.Actual) != contextType(l.Expected):
		return StatusWrongType
	}
	return StatusOK
}

// contextType is the type field of user:role:type[:range].
func contextType(ctx string) string {
	f := strings.SplitN(ctx, ":", 4)
	if len(f) < 3 {
		return ctx
	}
	return f[2]
}

// readLabel returns p's security.selinux without following a symlink, or
// "" when it has none (or the file system keeps no such attributes).
func readLabel(p string, buf *[]byte) string {
	for {
		n, err := unix.Lgetxattr(p, XattrName, *buf)
		if errors.Is(err, unix.ERANGE) {
			*buf = make([]byte, 2*len(*buf))
			continue
		}
		if err != nil || n == 0 {
			return ""
		}
		return strings.TrimRight(string((*buf)[:n]), "\x00")
	}
}

// kindName is the SELinux class name of a file type.
func kindName(t fs.FileMode) string {
	switch FileTypeOf(t) {
	case Directory:
		return "dir"
	case Symlink:
		return "lnk_file"
	case Socket:
		return "sock_file"
	case Pipe:
		return "fifo_file"
	case BlockDevice:
		return "blk_file"
	case CharDevice:
		return "chr_file"
	}
	return "file"
}

// kindMode is the file type of a label-check entry's kind ("file" and any
// other kind: a regular file).
func kindMode(kind string) fs.FileMode {
	switch kind {
	case "dir":
		return fs.ModeDir
	case "lnk_file":
		return fs.ModeSymlink
	case "sock_file":
		return fs.ModeSocket
	case "fifo_file":
		return fs.ModeNamedPipe
	case "blk_file":
		return fs.ModeDevice
	case "chr_file":
		return fs.ModeDevice | fs.ModeCharDevice
	}
	return 0
}

// parallel runs fn over [0,n) in contiguous chunks, one per CPU.
func parallel(n int, fn func(lo, hi int) error) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = 1
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = fn(lo, hi)
		}()
	}
	wg.Wait()
}
