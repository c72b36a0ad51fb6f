package target

import (
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"golang.org/x/sys/unix"
)

// Packages are the RPM files of a package directory or a repository.
type Packages struct {
	Dir string
	// Files are every *.rpm under Dir, relative to it with '/' separators,
	// sorted (for a repository, QM803 compares them with primary.xml). A
	// *.rpm that is a symbolic link is listed when it resolves to a regular
	// file inside Dir; any other is an error when the target is opened.
	Files []string
	// Repo is the repository metadata, for a repository.
	Repo *RepoMD
}

// MaxRepoMD bounds repodata/repomd.xml (createrepo_c writes a few KiB).
const MaxRepoMD = 16 << 20

// Open opens a file of the directory: through os.Root (no name and no link
// leads outside Dir), with O_NONBLOCK, and only if it is a regular file.
func (p *Packages) Open(name string) (*os.File, error) {
	r, err := os.OpenRoot(p.Dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return openRegularIn(r, name)
}

func (t *Target) openPackages(ctx context.Context, k Kind, dir string) error {
	t.Kind = k
	p, err := openPackages(ctx, dir, k == KindRepo)
	t.Packages = p
	return err
}

func openPackages(ctx context.Context, dir string, repo bool) (*Packages, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	p := &Packages{Dir: dir}
	if repo {
		if p.Repo, err = readRepoMD(root); err != nil {
			return nil, fmt.Errorf("repodata/repomd.xml: %w", err)
		}
	}
	if err := listRPMs(ctx, root, ".", &p.Files, 0); err != nil {
		return nil, err
	}
	sort.Strings(p.Files)
	if !repo && len(p.Files) == 0 {
		return nil, fmt.Errorf("no *.rpm files")
	}
	return p, nil
}

// readRepoMD reads repomd.xml inside the root: a link out of the repository,
// a device, a FIFO or a huge file is refused before a byte is read.
func readRepoMD(root *os.Root) (*RepoMD, error) {
	f, err := openRegularIn(root, "repodata/repomd.xml")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxRepoMD {
		return nil, &LimitError{Limit: "MaxRepoMD", Value: MaxRepoMD, What: fmt.Sprintf("a file of %d bytes", fi.Size())}
	}
	return ParseRepoMD(f)
}

// maxRepoDepth bounds the directories listRPMs descends.
const maxRepoDepth = 32

// listRPMs lists the *.rpm files under dir, inside root. Directories are
// entered, links to directories are not; a *.rpm link must resolve to a
// regular file inside the root, and a *.rpm that is not a regular file is an
// error naming it.
func listRPMs(ctx context.Context, root *os.Root, dir string, out *[]string, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > maxRepoDepth {
		return fmt.Errorf("%s: directories nested deeper than %d", dir, maxRepoDepth)
	}
	f, err := root.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, de := range des {
		name := path.Join(dir, de.Name())
		switch {
		case de.IsDir():
			if err := listRPMs(ctx, root, name, out, depth+1); err != nil {
				return err
			}
		case !strings.HasSuffix(de.Name(), ".rpm"):
		case de.Type().IsRegular():
			*out = append(*out, name)
		case de.Type()&fs.ModeSymlink != 0:
			fi, err := root.Stat(name)
			if err != nil {
				return fmt.Errorf("%s is a symbolic link that does not resolve to a file inside the directory: %w", name, err)
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("%s is a symbolic link to %s, not to a package file", name, typeName(fi.Mode()))
			}
			*out = append(*out, name)
		default:
			return fmt.Errorf("%s is %s, not a package file", name, typeName(de.Type()))
		}
	}
	return nil
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
