package repodata

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/qm-build/qm-build/rootfs/atomic"
)

// metadata is one rendered metadata file.
type metadata struct {
	kind       string
	open, gz   []byte
	openSHA256 string
	gzSHA256   string
}

// Render returns the three metadata documents, uncompressed, for packages in
// the given order. Entries reused verbatim are copied; the others are
// rendered by workers in parallel.
func Render(pkgs []*Package, workers int) map[string][]byte {
	workers = max(workers, 1)
	kinds := []struct {
		kind string
		fn   func(*xw, *Package)
	}{{Primary, primaryXML}, {Filelists, filelistsXML}, {Other, otherXML}}
	var todo []int
	for i, p := range pkgs {
		if p.verbatim == nil {
			todo = append(todo, i)
		}
	}
	// Each worker renders a contiguous run of todo; ends records where each
	// package's elements end in its worker's buffers.
	chunk := max((len(todo)+workers-1)/workers, 1)
	parts := make([][3]xw, workers)
	ends := make([][3]int, len(pkgs))
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := min(w*chunk, len(todo)), min((w+1)*chunk, len(todo))
		wg.Go(func() {
			for _, i := range todo[lo:hi] {
				for k, kd := range kinds {
					kd.fn(&parts[w][k], pkgs[i])
					ends[i][k] = parts[w][k].Len()
				}
			}
		})
	}
	wg.Wait()
	out := map[string][]byte{}
	for k, kd := range kinds {
		head, tail := fileHead(kd.kind, len(pkgs)), fileTail(kd.kind)
		size := len(head) + len(tail)
		for w := range parts {
			size += parts[w][k].Len()
		}
		for _, p := range pkgs {
			if p.verbatim != nil {
				size += len(p.verbatim[k])
			}
		}
		b := append(make([]byte, 0, size), head...)
		n := 0 // rendered packages so far: todo[n] is the next
		for i, p := range pkgs {
			if p.verbatim != nil {
				b = append(b, p.verbatim[k]...)
				continue
			}
			from := 0
			if n%chunk != 0 {
				from = ends[todo[n-1]][k]
			}
			b = append(b, parts[n/chunk][k].Bytes()[from:ends[i][k]]...)
			n++
		}
		out[kd.kind] = append(b, tail...)
	}
	return out
}

// compress gzips the three documents in parallel. The gzip header carries no
// name and no time, so equal input gives equal bytes.
func compress(docs map[string][]byte) ([]metadata, error) {
	order := []string{Primary, Filelists, Other}
	out := make([]metadata, len(order))
	errs := make([]error, len(order))
	var wg sync.WaitGroup
	for i, kind := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			b.Grow(len(docs[kind])/8 + 4096) // metadata compresses about tenfold
			zw, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
			if _, err := zw.Write(docs[kind]); err != nil {
				errs[i] = err
				return
			}
			if err := zw.Close(); err != nil {
				errs[i] = err
				return
			}
			osum, gsum := sha256.Sum256(docs[kind]), sha256.Sum256(b.Bytes())
			out[i] = metadata{kind: kind, open: docs[kind], gz: b.Bytes(), openSHA256: hex.EncodeToString(osum[:]), gzSHA256: hex.EncodeToString(gsum[:])}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Build renders the packages' metadata into the files of a repodata
// directory, in the order they must be written: the three metadata files,
// named by checksum as createrepo_c names them, then repomd.xml, then (when
// signing) repomd.xml.asc and repomd.xml.key.
func Build(pkgs []*Package, o Options) ([]NamedFile, *Repomd, error) {
	mds, err := compress(Render(pkgs, o.workers()))
	if err != nil {
		return nil, nil, fmt.Errorf("compressing metadata: %w", err)
	}
	md := &Repomd{Revision: o.revision()}
	var files []NamedFile
	for _, m := range mds {
		d := RepomdData{
			Type: m.kind, Checksum: m.gzSHA256, OpenChecksum: m.openSHA256,
			Location:  path.Join(Dir, m.gzSHA256+"-"+m.kind+".xml.gz"),
			Timestamp: o.Time.Unix(), Size: int64(len(m.gz)), OpenSize: int64(len(m.open)),
		}
		md.Data = append(md.Data, d)
		files = append(files, NamedFile{Name: path.Base(d.Location), Data: m.gz})
	}
	repomd := md.Marshal()
	files = append(files, NamedFile{Name: "repomd.xml", Data: repomd})
	if o.Signer != nil {
		asc, err := o.Signer.ArmoredDetachSign(repomd)
		if err != nil {
			return nil, nil, fmt.Errorf("signing repomd.xml: %w", err)
		}
		key, err := o.Signer.PublicKeyArmored()
		if err != nil {
			return nil, nil, fmt.Errorf("exporting the public key: %w", err)
		}
		files = append(files, NamedFile{Name: "repomd.xml.asc", Data: asc}, NamedFile{Name: "repomd.xml.key", Data: key})
	}
	return files, md, nil
}

// Write builds the packages' metadata and installs it as root/repodata with
// Commit. It returns repomd and the files written, relative to root.
func Write(root *os.Root, pkgs []*Package, o Options) (*Repomd, []string, error) {
	files, md, err := Build(pkgs, o)
	if err != nil {
		return nil, nil, err
	}
	written, err := Commit(root, ".", files)
	if err != nil {
		return nil, nil, err
	}
	return md, written, nil
}

// NamedFile is one file of a repodata directory.
type NamedFile struct {
	Name string
	Data []byte
}

// Commit installs files as dir/repodata inside root. They are written, in
// order, into a new hidden sibling directory, which then atomically replaces
// repodata/ (renameat2 RENAME_EXCHANGE; a plain rename when there was none),
// and the old directory is removed. A reader sees the old repodata or the
// new, never a mix; an interrupted run leaves the old one in place and a
// hidden directory that the next run removes.
func Commit(root *os.Root, dir string, files []NamedFile) ([]string, error) {
	if err := removeStale(root, dir); err != nil {
		return nil, err
	}
	tmp := path.Join(dir, tmpPrefix+randomSuffix())
	if err := root.Mkdir(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", tmp, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = root.RemoveAll(tmp)
		}
	}()
	var written []string
	for _, f := range files {
		if err := writeFile(root, path.Join(tmp, f.Name), f.Data); err != nil {
			return nil, err
		}
		written = append(written, path.Join(dir, Dir, f.Name))
	}
	if err := swapDir(root, dir, path.Base(tmp), Dir); err != nil {
		return nil, fmt.Errorf("installing %s: %w", path.Join(dir, Dir), err)
	}
	ok = true
	// tmp now holds the previous repodata, if there was one.
	if err := root.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("removing the previous repodata: %w", err)
	}
	return written, nil
}

const tmpPrefix = ".repodata.qm-build-"

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// removeStale removes hidden repodata directories left by interrupted runs.
func removeStale(root *os.Root, dir string) error {
	// Names only: inside a root, ReadDir would lstat every RPM beside.
	d, err := root.Open(dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, name := range names {
		if !strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		p := path.Join(dir, name)
		if fi, err := root.Lstat(p); err != nil || !fi.IsDir() {
			continue
		}
		if err := root.RemoveAll(p); err != nil {
			return fmt.Errorf("removing %s: %w", name, err)
		}
	}
	return nil
}

func writeFile(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	// No fsync per file: like createrepo_c, metadata is as durable as the
	// rename that publishes it; an interrupted run keeps the old repodata.
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return f.Close()
}

// WriteFileAtomic writes name inside root through a hidden temporary file
// beside it and a rename, so that name is either absent, the old file or the
// complete new one; what killed runs left beside name is removed first
// (rootfs/atomic's temporary files and sweep).
func WriteFileAtomic(root *os.Root, name string, r io.Reader, mode fs.FileMode) error {
	if _, err := atomic.SweepStale(root, name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	f, err := atomic.Create(root, name)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer f.Abort()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Commit(time.Time{}); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
