package target

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Packages are the RPM files of a package directory or a repository.
type Packages struct {
	Dir string
	// Files are every *.rpm under Dir, relative to it with '/' separators,
	// sorted (for a repository, QM803 compares them with primary.xml).
	Files []string
	// Repo is the repository metadata, for a repository.
	Repo *RepoMD
}

// Open opens a package file.
func (p *Packages) Open(name string) (*os.File, error) {
	r, err := os.OpenRoot(p.Dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Open(name)
}

func openPackages(dir string, repo bool) (*Packages, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("not a directory")
	}
	p := &Packages{Dir: dir}
	if repo {
		data, err := os.ReadFile(filepath.Join(dir, "repodata", "repomd.xml"))
		if err != nil {
			return nil, err
		}
		if p.Repo, err = ParseRepoMD(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("repodata/repomd.xml: %w", err)
		}
	}
	err = filepath.WalkDir(dir, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".rpm") {
			r, _ := filepath.Rel(dir, q)
			p.Files = append(p.Files, filepath.ToSlash(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(p.Files)
	if !repo && len(p.Files) == 0 {
		return nil, fmt.Errorf("no *.rpm files")
	}
	return p, nil
}

// RepoMD is repodata/repomd.xml (createrepo_c's repomd format).
type RepoMD struct {
	Revision string       `xml:"revision"`
	Data     []RepoRecord `xml:"data"`
}

// RepoRecord is one <data> of repomd.xml.
type RepoRecord struct {
	Type     string       `xml:"type,attr"`
	Checksum RepoChecksum `xml:"checksum"`
	Open     RepoChecksum `xml:"open-checksum"`
	Location RepoLocation `xml:"location"`
	Size     int64        `xml:"size"`
}

// RepoChecksum is a checksum element: its type attribute and hex value.
type RepoChecksum struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

// RepoLocation is a location element.
type RepoLocation struct {
	Href string `xml:"href,attr"`
}

// ParseRepoMD parses repomd.xml.
func ParseRepoMD(r io.Reader) (*RepoMD, error) {
	var md RepoMD
	dec := xml.NewDecoder(io.LimitReader(r, 16<<20))
	if err := dec.Decode(&md); err != nil {
		return nil, fmt.Errorf("parsing XML: %w", err)
	}
	for i, d := range md.Data {
		if d.Type == "" || d.Location.Href == "" {
			return nil, fmt.Errorf("data element %d has no type or location", i+1)
		}
		if _, err := Clean(d.Location.Href); err != nil {
			return nil, fmt.Errorf("data %s: location %q climbs out of the repository", d.Type, d.Location.Href)
		}
	}
	return &md, nil
}

// Record returns the record of a type (primary, filelists, …).
func (m *RepoMD) Record(typ string) (RepoRecord, bool) {
	for _, d := range m.Data {
		if d.Type == typ {
			return d, true
		}
	}
	return RepoRecord{}, false
}

// Primary is primary.xml: the packages of a repository.
type Primary struct {
	Packages []PrimaryPackage `xml:"package"`
}

// PrimaryPackage is one package of primary.xml.
type PrimaryPackage struct {
	Name     string       `xml:"name"`
	Arch     string       `xml:"arch"`
	Version  PrimaryEVR   `xml:"version"`
	Checksum RepoChecksum `xml:"checksum"`
	Location RepoLocation `xml:"location"`
	Size     struct {
		Package int64 `xml:"package,attr"`
	} `xml:"size"`
}

// PrimaryEVR is the version element.
type PrimaryEVR struct {
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
}

// ParsePrimary parses primary.xml, decompressing it by the name's extension
// (.gz, .bz2, .xz, .zst, or none).
func ParsePrimary(r io.Reader, name string) (*Primary, error) {
	dr, err := Decompress(r, name)
	if err != nil {
		return nil, err
	}
	var p Primary
	if err := xml.NewDecoder(io.LimitReader(dr, 1<<30)).Decode(&p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path.Base(name), err)
	}
	for _, pkg := range p.Packages {
		if _, err := Clean(pkg.Location.Href); err != nil || pkg.Location.Href == "" {
			return nil, fmt.Errorf("%s: package %s has a bad location %q", path.Base(name), pkg.Name, pkg.Location.Href)
		}
	}
	return &p, nil
}

// Decompress opens a repodata file by its extension.
func Decompress(r io.Reader, name string) (io.Reader, error) {
	switch {
	case strings.HasSuffix(name, ".gz"):
		return gzip.NewReader(r)
	case strings.HasSuffix(name, ".bz2"):
		return bzip2.NewReader(r), nil
	case strings.HasSuffix(name, ".xz"):
		return xz.NewReader(r)
	case strings.HasSuffix(name, ".zst"):
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return r, nil
}
