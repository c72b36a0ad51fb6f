package rootfs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/qm-build/qm-build/rpmspec"
)

// ManifestPath is where Tree.Commit records what it wrote into a tree: every
// path, whether qm-build created it or found it there, and the digest of
// what it wrote. A later run reads it to remove its own paths that the new
// plan no longer has, and nothing else. docs/outputs.md describes the format.
const ManifestPath = QMShareDir + "/qm-build.manifest"

// manifestHeader is the first line of every manifest; the format's version
// is its last word.
const manifestHeader = "# qm-build rootfs manifest 1"

// maxManifest bounds what is read of a tree's manifest (a hostile tree may
// put anything there).
const maxManifest = 64 << 20

// Entry statuses in the manifest.
const (
	// statusCreated: the path did not exist before qm-build wrote it; a later
	// plan without it removes it (when it is still what qm-build wrote).
	statusCreated = '+'
	// statusFound: the path existed before qm-build first wrote it; a later
	// plan without it leaves it where it is.
	statusFound = '='
)

// manifestEntry is one line of the manifest.
type manifestEntry struct {
	Status byte
	Kind   rpmspec.FileKind
	// Digest is the sha256 (hex) of a file's content or of a symlink's
	// target; "-" for directories.
	Digest string
	Rel    string // root-relative path
}

func kindLetter(k rpmspec.FileKind) byte {
	switch k {
	case rpmspec.KindDir:
		return 'd'
	case rpmspec.KindSymlink:
		return 'l'
	}
	return 'f'
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// entryDigest is what the manifest records of f.
func entryDigest(f rpmspec.File) string {
	switch f.Kind {
	case rpmspec.KindDir:
		return "-"
	case rpmspec.KindSymlink:
		return digestOf([]byte(f.Target))
	}
	return digestOf(f.Body)
}

// encodeManifest renders entries sorted by path: the header, a comment on
// the statuses, then "STATUS KIND DIGEST \"/PATH\"" a line (the path quoted
// as a Go string, so that no byte of it can break a line).
func encodeManifest(entries []manifestEntry) []byte {
	sorted := append([]manifestEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Rel < sorted[j].Rel })
	var b bytes.Buffer
	b.WriteString(manifestHeader + "\n")
	b.WriteString("# What qm-build wrote into this tree (qm-build rootfs, org.osbuild.qm); see docs/outputs.md.\n")
	b.WriteString("# + created by qm-build, removed when a later plan no longer has it; = found here, never removed.\n")
	for _, e := range sorted {
		fmt.Fprintf(&b, "%c %c %s %s\n", e.Status, kindLetter(e.Kind), e.Digest, strconv.Quote("/"+e.Rel))
	}
	return b.Bytes()
}

// parseManifest reads a manifest; name is for messages (file:line).
func parseManifest(r io.Reader, name string) (map[string]manifestEntry, error) {
	out := map[string]manifestEntry{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	bad := func(format string, args ...any) error {
		return &rpmspec.InputError{File: name, Line: line, Msg: fmt.Sprintf(format, args...) + " (remove the file to start afresh; qm-build then removes nothing)"}
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			if text != manifestHeader {
				return nil, bad("not a qm-build rootfs manifest (want %q first)", manifestHeader)
			}
			continue
		}
		if text == "" || text[0] == '#' {
			continue
		}
		e, err := parseManifestLine(text)
		if err != nil {
			return nil, bad("%v", err)
		}
		if _, dup := out[e.Rel]; dup {
			return nil, bad("/%s is listed twice", e.Rel)
		}
		out[e.Rel] = e
	}
	if err := sc.Err(); err != nil {
		return nil, &rpmspec.InputError{File: name, Line: line + 1, Msg: err.Error()}
	}
	return out, nil
}

func parseManifestLine(text string) (manifestEntry, error) {
	var e manifestEntry
	f := strings.SplitN(text, " ", 4)
	if len(f) != 4 || len(f[0]) != 1 || len(f[1]) != 1 {
		return e, fmt.Errorf("want STATUS KIND DIGEST \"PATH\", got %q", text)
	}
	e.Status = f[0][0]
	if e.Status != statusCreated && e.Status != statusFound {
		return e, fmt.Errorf("unknown status %q", f[0])
	}
	switch f[1] {
	case "f":
		e.Kind = rpmspec.KindFile
	case "d":
		e.Kind = rpmspec.KindDir
	case "l":
		e.Kind = rpmspec.KindSymlink
	default:
		return e, fmt.Errorf("unknown kind %q", f[1])
	}
	e.Digest = f[2]
	if !validDigests(e.Kind, e.Digest) {
		return e, fmt.Errorf("bad digest %q for kind %s", e.Digest, f[1])
	}
	p, err := strconv.Unquote(f[3])
	if err != nil {
		return e, fmt.Errorf("path %s is not quoted", f[3])
	}
	if e.Rel, err = rel(p); err != nil {
		return e, err
	}
	return e, nil
}

// readManifest reads the tree's manifest; a tree without one gives an empty
// map. Only a regular file is read (never a FIFO, device or symlink), and
// only up to maxManifest bytes.
func (t *Tree) readManifest() (map[string]manifestEntry, error) {
	r := strings.TrimPrefix(ManifestPath, "/")
	name := t.dir + ManifestPath
	data, err := readRegular(t.root, r, maxManifest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return map[string]manifestEntry{}, nil
	case err != nil:
		return nil, &TreeError{Dir: t.dir, Err: fmt.Errorf("reading %s: %w", ManifestPath, err)}
	}
	m, err := parseManifest(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// readRegular reads name inside root when it is a regular file of at most
// limit bytes. It opens with O_NONBLOCK and O_NOFOLLOW, so that neither a
// FIFO nor a symlink in its place can block or redirect the read.
func readRegular(root *os.Root, name string, limit int64) ([]byte, error) {
	if fi, err := root.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, errors.New("is a symlink")
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, errors.New("is a symlink")
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("is not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("is larger than %d bytes", limit)
	}
	return io.ReadAll(io.LimitReader(f, limit+1))
}

// validDigests checks a DIGEST field: "-" for a directory, else one or more
// (a union manifest lists the old and the new) sha256 digests in hex,
// separated by commas.
func validDigests(k rpmspec.FileKind, field string) bool {
	if k == rpmspec.KindDir {
		return field == "-"
	}
	for _, d := range strings.Split(field, ",") {
		if len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}
