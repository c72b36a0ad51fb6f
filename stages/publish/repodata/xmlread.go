package repodata

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/qm-build/qm-build/rpmspec"
)

// The parsers read what primaryXML, filelistsXML and otherXML write (and what
// createrepo_c writes): update mode reuses the entries of unchanged packages,
// and the tests compare qm-build's output with createrepo_c's through them.

type xVersion struct {
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
}

type xEntry struct {
	Name  string `xml:"name,attr"`
	Flags string `xml:"flags,attr"`
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
	Pre   string `xml:"pre,attr"`
}

type xDeps struct {
	Entries []xEntry `xml:"entry"`
}

type xFile struct {
	Type string `xml:"type,attr"`
	Path string `xml:",chardata"`
}

type xPrimaryPkg struct {
	Type     string   `xml:"type,attr"`
	Name     string   `xml:"name"`
	Arch     string   `xml:"arch"`
	Version  xVersion `xml:"version"`
	Checksum struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"checksum"`
	Summary     string `xml:"summary"`
	Description string `xml:"description"`
	Packager    string `xml:"packager"`
	URL         string `xml:"url"`
	Time        struct {
		File  int64 `xml:"file,attr"`
		Build int64 `xml:"build,attr"`
	} `xml:"time"`
	Size struct {
		Package   int64 `xml:"package,attr"`
		Installed int64 `xml:"installed,attr"`
		Archive   int64 `xml:"archive,attr"`
	} `xml:"size"`
	Location struct {
		Href string `xml:"href,attr"`
	} `xml:"location"`
	Format struct {
		License     string `xml:"license"`
		Vendor      string `xml:"vendor"`
		Group       string `xml:"group"`
		BuildHost   string `xml:"buildhost"`
		SourceRPM   string `xml:"sourcerpm"`
		HeaderRange struct {
			Start int64 `xml:"start,attr"`
			End   int64 `xml:"end,attr"`
		} `xml:"header-range"`
		Provides    xDeps   `xml:"provides"`
		Requires    xDeps   `xml:"requires"`
		Conflicts   xDeps   `xml:"conflicts"`
		Obsoletes   xDeps   `xml:"obsoletes"`
		Suggests    xDeps   `xml:"suggests"`
		Enhances    xDeps   `xml:"enhances"`
		Recommends  xDeps   `xml:"recommends"`
		Supplements xDeps   `xml:"supplements"`
		Files       []xFile `xml:"file"`
	} `xml:"format"`
}

type xListPkg struct {
	PkgID   string   `xml:"pkgid,attr"`
	Name    string   `xml:"name,attr"`
	Arch    string   `xml:"arch,attr"`
	Version xVersion `xml:"version"`
	Files   []xFile  `xml:"file"`
	Changes []struct {
		Author string `xml:"author,attr"`
		Date   int64  `xml:"date,attr"`
		Text   string `xml:",chardata"`
	} `xml:"changelog"`
}

// Metadata that cannot be parsed, and an RPM that cannot be read (not an
// RPM, truncated or corrupt), are rpmspec.FileError: bad input naming the
// file.

// eachPackage decodes every <package> element under the root of r into a
// fresh value from newV and hands it to fn.
func eachPackage[T any](r io.Reader, root string, fn func(*T) error) error {
	d := xml.NewDecoder(r)
	depth := 0
	sawRoot := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !sawRoot {
				return fmt.Errorf("no <%s> element", root)
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != root {
					return fmt.Errorf("root element is <%s>, want <%s>", t.Name.Local, root)
				}
				sawRoot = true
				continue
			}
			if depth == 2 && t.Name.Local == "package" {
				v := new(T)
				if err := d.DecodeElement(v, &t); err != nil {
					return err
				}
				depth--
				if err := fn(v); err != nil {
					return err
				}
				continue
			}
			if err := d.Skip(); err != nil {
				return err
			}
			depth--
		case xml.EndElement:
			depth--
		}
	}
}

// ParsePrimary reads primary.xml (uncompressed) into package entries with
// their primary files only; name is used in errors.
func ParsePrimary(r io.Reader, name string) ([]*Package, error) {
	var out []*Package
	err := eachPackage(r, "metadata", func(x *xPrimaryPkg) error {
		p := &Package{
			PkgID: x.Checksum.Value, ChecksumType: x.Checksum.Type,
			Name: x.Name, Arch: x.Arch, Epoch: x.Version.Epoch, Version: x.Version.Ver, Release: x.Version.Rel,
			Summary: x.Summary, Description: x.Description, Packager: x.Packager, URL: x.URL,
			FileTime: x.Time.File, BuildTime: x.Time.Build,
			PackageSize: x.Size.Package, InstalledSize: x.Size.Installed, ArchiveSize: x.Size.Archive,
			Location: x.Location.Href,
			License:  x.Format.License, Vendor: x.Format.Vendor, Group: x.Format.Group,
			BuildHost: x.Format.BuildHost, SourceRPM: x.Format.SourceRPM,
			HeaderStart: x.Format.HeaderRange.Start, HeaderEnd: x.Format.HeaderRange.End,
			Provides: xmlDeps(x.Format.Provides), Requires: xmlDeps(x.Format.Requires),
			Conflicts: xmlDeps(x.Format.Conflicts), Obsoletes: xmlDeps(x.Format.Obsoletes),
			Suggests: xmlDeps(x.Format.Suggests), Enhances: xmlDeps(x.Format.Enhances),
			Recommends: xmlDeps(x.Format.Recommends), Supplements: xmlDeps(x.Format.Supplements),
			Files: xmlFiles(x.Format.Files),
		}
		if p.PkgID == "" || p.Location == "" {
			return fmt.Errorf("package %q has no checksum or location", p.Name)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, rpmspec.FileError(name, err)
	}
	return out, nil
}

func xmlDeps(x xDeps) []Dependency {
	if len(x.Entries) == 0 {
		return nil
	}
	out := make([]Dependency, len(x.Entries))
	for i, e := range x.Entries {
		out[i] = Dependency{Name: e.Name, Flags: e.Flags, Epoch: e.Epoch, Version: e.Ver, Release: e.Rel, Pre: e.Pre == "1" || e.Pre == "true"}
	}
	return out
}

func xmlFiles(x []xFile) []PackageFile {
	if len(x) == 0 {
		return nil
	}
	out := make([]PackageFile, len(x))
	for i, f := range x {
		out[i] = PackageFile{Path: f.Path, Type: f.Type}
	}
	return out
}

// PackageExtra is what filelists.xml and other.xml add to a package entry,
// keyed by pkgid.
type PackageExtra struct {
	PkgID      string
	Files      []PackageFile
	Changelogs []Changelog
}

// ParseFilelists reads filelists.xml (uncompressed).
func ParseFilelists(r io.Reader, name string) ([]PackageExtra, error) {
	return parseExtra(r, name, "filelists")
}

// ParseOther reads other.xml (uncompressed).
func ParseOther(r io.Reader, name string) ([]PackageExtra, error) {
	return parseExtra(r, name, "otherdata")
}

func parseExtra(r io.Reader, name, root string) ([]PackageExtra, error) {
	var out []PackageExtra
	err := eachPackage(r, root, func(x *xListPkg) error {
		if x.PkgID == "" {
			return fmt.Errorf("package %q has no pkgid", x.Name)
		}
		e := PackageExtra{PkgID: x.PkgID, Files: xmlFiles(x.Files)}
		for _, c := range x.Changes {
			e.Changelogs = append(e.Changelogs, Changelog{Author: c.Author, Date: c.Date, Text: c.Text})
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, rpmspec.FileError(name, err)
	}
	return out, nil
}
