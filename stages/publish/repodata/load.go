package repodata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Existing is a repository's current metadata.
type Existing struct {
	Repomd *Repomd
	// Packages are the entries keyed by location, with their complete file
	// lists and changelogs.
	Packages map[string]*Package
}

// LoadExisting reads root/repodata back. Each metadata file must match its
// checksum in repomd.xml. A missing repomd.xml gives an error satisfying
// errors.Is(err, fs.ErrNotExist).
func LoadExisting(root *os.Root) (*Existing, error) {
	name := path.Join(Dir, "repomd.xml")
	raw, err := root.ReadFile(name)
	if err != nil {
		return nil, err
	}
	md, err := ParseRepomd(bytes.NewReader(raw), name)
	if err != nil {
		return nil, err
	}
	// The three documents are read and parsed in parallel: encoding/xml is
	// the slow part of update mode.
	var (
		pkgs          []*Package
		lists, others []PackageExtra
		errs          [3]error
		wg            sync.WaitGroup
	)
	for i, kind := range []string{Primary, Filelists, Other} {
		d, ok := md.Find(kind)
		if !ok {
			return nil, &MetadataError{File: name, Err: fmt.Errorf("no %s record", kind)}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, err := readMetadataFile(root, d)
			if err != nil {
				errs[i] = err
				return
			}
			switch kind {
			case Primary:
				pkgs, errs[i] = ParsePrimary(bytes.NewReader(doc), d.Location)
			case Filelists:
				lists, errs[i] = ParseFilelists(bytes.NewReader(doc), d.Location)
			default:
				others, errs[i] = ParseOther(bytes.NewReader(doc), d.Location)
			}
		}()
	}
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
			return nil, &MetadataError{File: md.mustLocation(Filelists), Err: fmt.Errorf("no entry for %s (%s)", p.Location, p.PkgID)}
		}
		p.Files = fl
		p.Changelogs = logs[p.PkgID]
		out[p.Location] = p
	}
	return &Existing{Repomd: md, Packages: out}, nil
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
		return nil, &MetadataError{File: d.Location, Err: err}
	}
	if sum := sha256.Sum256(gz); hex.EncodeToString(sum[:]) != d.Checksum {
		return nil, &MetadataError{File: d.Location, Err: fmt.Errorf("checksum does not match repomd.xml")}
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, &MetadataError{File: d.Location, Err: err}
	}
	open, err := io.ReadAll(zr)
	if err != nil {
		return nil, &MetadataError{File: d.Location, Err: err}
	}
	return open, nil
}
