package repodata

import "fmt"

// Package is one package entry of a repository: everything primary.xml,
// filelists.xml and other.xml say about one RPM file. Field names follow
// createrepo_c's cr_Package (package.h).
type Package struct {
	PkgID        string // sha256 of the whole file, hex
	ChecksumType string // always "sha256"

	Name    string
	Arch    string // "src" for source packages
	Epoch   string // decimal, "0" when the header has none
	Version string
	Release string

	Summary     string
	Description string
	Packager    string
	URL         string

	FileTime  int64 // modification time of the file (clamped to the epoch)
	BuildTime int64

	PackageSize   int64 // file size
	InstalledSize int64
	ArchiveSize   int64

	Location string // href relative to the repository root, slash-separated

	License   string
	Vendor    string
	Group     string
	BuildHost string
	SourceRPM string

	// HeaderStart and HeaderEnd are the byte range of the main header in the
	// file (rpm:header-range), as cr_get_header_byte_range computes it.
	HeaderStart int64
	HeaderEnd   int64

	Provides    []Dependency
	Requires    []Dependency
	Conflicts   []Dependency
	Obsoletes   []Dependency
	Suggests    []Dependency
	Enhances    []Dependency
	Recommends  []Dependency
	Supplements []Dependency

	Files      []PackageFile
	Changelogs []Changelog

	// verbatim, set on entries update mode reuses from canonical metadata
	// (splitMetadata), holds their elements, which Render copies; such
	// entries carry only the fields splitMetadata fills.
	verbatim *verbatim
}

// Dependency is one rpm:entry.
type Dependency struct {
	Name    string
	Flags   string // "", "LT", "GT", "EQ", "LE", "GE"
	Epoch   string
	Version string
	Release string
	Pre     bool // requires only: a pre/post-install requirement
}

// PackageFile is one file of a package. Type is "", "dir" or "ghost".
type PackageFile struct {
	Path string
	Type string
}

// Changelog is one changelog entry of other.xml.
type Changelog struct {
	Author string
	Date   int64
	Text   string
}

// NEVRA is name-[epoch:]version-release.arch, the epoch omitted when 0.
func (p *Package) NEVRA() string {
	if p.Epoch != "" && p.Epoch != "0" {
		return fmt.Sprintf("%s-%s:%s-%s.%s", p.Name, p.Epoch, p.Version, p.Release, p.Arch)
	}
	return fmt.Sprintf("%s-%s-%s.%s", p.Name, p.Version, p.Release, p.Arch)
}

// depLists names every dependency list in the order primary.xml writes them
// (cr_xml_dump_primary_base_items).
func (p *Package) depLists() []struct {
	elem string
	list *[]Dependency
} {
	return []struct {
		elem string
		list *[]Dependency
	}{
		{"rpm:provides", &p.Provides},
		{"rpm:requires", &p.Requires},
		{"rpm:conflicts", &p.Conflicts},
		{"rpm:obsoletes", &p.Obsoletes},
		{"rpm:suggests", &p.Suggests},
		{"rpm:enhances", &p.Enhances},
		{"rpm:recommends", &p.Recommends},
		{"rpm:supplements", &p.Supplements},
	}
}

// IsPrimaryFile reports whether a file is listed in primary.xml as well as in
// filelists.xml: /etc/*, /usr/lib/sendmail, and any path containing "bin/"
// (cr_is_primary in createrepo_c's misc.h; yum and dnf expect exactly this).
func IsPrimaryFile(path string) bool {
	if len(path) >= 5 && path[:5] == "/etc/" {
		return true
	}
	if path == "/usr/lib/sendmail" {
		return true
	}
	for i := 0; i+4 <= len(path); i++ {
		if path[i:i+4] == "bin/" {
			return true
		}
	}
	return false
}
