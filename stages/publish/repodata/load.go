package repodata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/qm-build/qm-build/rpmspec"
)

// Existing is a repository's current metadata.
type Existing struct {
	Repomd *Repomd
	// Packages are the entries keyed by location, with their complete file
	// lists and changelogs (LoadExisting), or verbatim entries in update
	// mode.
	Packages map[string]*Package
}

// LoadExisting reads root/repodata back. Each metadata file must match its
// checksum in repomd.xml. A missing repomd.xml gives an error satisfying
// errors.Is(err, fs.ErrNotExist).
func LoadExisting(root *os.Root) (*Existing, error) {
	return loadExisting(root, false)
}

// loadExisting is LoadExisting; with verbatimOK, entries of canonical
// metadata come from splitMetadata, without decoding, and the full parse is
// the fallback.
func loadExisting(root *os.Root, verbatimOK bool) (*Existing, error) {
	name := path.Join(Dir, "repomd.xml")
	raw, err := root.ReadFile(name)
	if err != nil {
		return nil, err
	}
	md, err := ParseRepomd(bytes.NewReader(raw), name)
	if err != nil {
		return nil, err
	}
	docs, err := readMetadataFiles(root, md)
	if err != nil {
		return nil, err
	}
	if verbatimOK {
		if pkgs, err := splitMetadata(docs); err == nil {
			return &Existing{Repomd: md, Packages: pkgs}, nil
		}
	}
	pkgs, err := parseExisting(md, docs)
	if err != nil {
		return nil, err
	}
	return &Existing{Repomd: md, Packages: pkgs}, nil
}

var metadataKinds = [3]string{Primary, Filelists, Other}

// readMetadataFiles reads, checks and decompresses the three metadata files
// in parallel.
func readMetadataFiles(root *os.Root, md *Repomd) ([3][]byte, error) {
	var (
		docs [3][]byte
		errs [3]error
		wg   sync.WaitGroup
	)
	for i, kind := range metadataKinds {
		d, ok := md.Find(kind)
		if !ok {
			return docs, rpmspec.FileError(path.Join(Dir, "repomd.xml"), fmt.Errorf("no %s record", kind))
		}
		wg.Go(func() { docs[i], errs[i] = readMetadataFile(root, d) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return docs, err
		}
	}
	return docs, nil
}

// parseExisting decodes the three documents with encoding/xml, in parallel,
// and joins filelists and other to primary by pkgid.
func parseExisting(md *Repomd, docs [3][]byte) (map[string]*Package, error) {
	var (
		pkgs          []*Package
		lists, others []PackageExtra
		errs          [3]error
		wg            sync.WaitGroup
	)
	wg.Go(func() { pkgs, errs[0] = ParsePrimary(bytes.NewReader(docs[0]), md.mustLocation(Primary)) })
	wg.Go(func() { lists, errs[1] = ParseFilelists(bytes.NewReader(docs[1]), md.mustLocation(Filelists)) })
	wg.Go(func() { others, errs[2] = ParseOther(bytes.NewReader(docs[2]), md.mustLocation(Other)) })
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	files := map[string][]PackageFile{}
	for _, l := range lists {
		files[l.PkgID] = l.Files
	}
	logs := map[string][]Changelog{}
	for _, o := range others {
		logs[o.PkgID] = o.Changelogs
	}
	out := make(map[string]*Package, len(pkgs))
	for _, p := range pkgs {
		fl, ok := files[p.PkgID]
		if !ok {
			return nil, rpmspec.FileError(md.mustLocation(Filelists), fmt.Errorf("no entry for %s (%s)", p.Location, p.PkgID))
		}
		p.Files = fl
		p.Changelogs = logs[p.PkgID]
		out[p.Location] = p
	}
	return out, nil
}

func (r *Repomd) mustLocation(kind string) string {
	d, _ := r.Find(kind)
	return d.Location
}

// readMetadataFile reads one gzip-compressed metadata file and checks it
// against its repomd.xml record.
func readMetadataFile(root *os.Root, d RepomdData) ([]byte, error) {
	gz, err := root.ReadFile(d.Location)
	if err != nil {
		return nil, rpmspec.FileError(d.Location, err)
	}
	if sum := sha256.Sum256(gz); hex.EncodeToString(sum[:]) != d.Checksum {
		return nil, rpmspec.FileError(d.Location, fmt.Errorf("checksum does not match repomd.xml"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, rpmspec.FileError(d.Location, err)
	}
	// open-size sizes the buffer, within what gzip can expand the file to.
	b := bytes.NewBuffer(make([]byte, 0, min(max(d.OpenSize, 0), 1032*int64(len(gz)))+bytes.MinRead))
	if _, err := b.ReadFrom(zr); err != nil {
		return nil, rpmspec.FileError(d.Location, err)
	}
	return b.Bytes(), nil
}
