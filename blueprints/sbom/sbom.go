package sbom

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // SPDX 2.3 requires a SHA1 checksum of every file
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Input is what the SBOM describes.
type Input struct {
	// Content is the plan's composed content: its packages, their files and
	// the tree files the stages write; Content.Plan's Nested are the baked
	// images.
	Content *rootfs.Content
	// RPMs are the SHA-256 digests (hex) of the RPM files qm-build wrote,
	// by package name; a package without one is listed without a checksum.
	RPMs map[string]string
	// Lock gives QM's rootfs packages (its qm_rootfs pipeline); nil lists
	// none and says so in the document's comment.
	Lock *blueprints.Lock
	// Epoch is SOURCE_DATE_EPOCH, the document's creation time; zero writes
	// the Unix epoch, so that the document stays reproducible.
	Epoch time.Time
	// Tool is the creator, "qm-build VERSION".
	Tool string
}

// The SPDX identifiers of the document's fixed elements.
const (
	IDDocument  = "SPDXRef-DOCUMENT"
	IDImage     = "SPDXRef-Image"
	IDPartition = "SPDXRef-QM-Partition"
	noAssertion = "NOASSERTION"
	// namespaceBase prefixes documentNamespace, which SPDX wants unique per
	// document: the rest is a digest of the document's content.
	namespaceBase = "https://spdx.qm-build.invalid/qm-partition/"
)

// Document is an SPDX 2.3 document, the fields qm-build writes, in the
// order of the specification's JSON examples.
type Document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      CreationInfo   `json:"creationInfo"`
	Comment           string         `json:"comment,omitempty"`
	Packages          []Package      `json:"packages"`
	Files             []File         `json:"files,omitempty"`
	Relationships     []Relationship `json:"relationships"`
}

// CreationInfo says who made the document and when.
type CreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

// Package is an SPDX package: the image, the partition, an RPM or a
// container image.
type Package struct {
	SPDXID           string        `json:"SPDXID"`
	Name             string        `json:"name"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	Supplier         string        `json:"supplier,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	Checksums        []Checksum    `json:"checksums,omitempty"`
	LicenseConcluded string        `json:"licenseConcluded"`
	LicenseDeclared  string        `json:"licenseDeclared"`
	CopyrightText    string        `json:"copyrightText"`
	Summary          string        `json:"summary,omitempty"`
	Comment          string        `json:"comment,omitempty"`
	ExternalRefs     []ExternalRef `json:"externalRefs,omitempty"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
}

// File is one file qm-build writes, by its path on the image.
type File struct {
	SPDXID            string     `json:"SPDXID"`
	FileName          string     `json:"fileName"`
	Checksums         []Checksum `json:"checksums"`
	LicenseConcluded  string     `json:"licenseConcluded"`
	LicenseInfoInFile []string   `json:"licenseInfoInFiles"`
	CopyrightText     string     `json:"copyrightText"`
	Comment           string     `json:"comment,omitempty"`
}

// Checksum is one digest of a package or file.
type Checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

// ExternalRef identifies a package elsewhere: a package URL (purl).
type ExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

// Relationship is "A TYPE B".
type Relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// idUnsafe matches what an SPDX identifier may not hold after "SPDXRef-"
// (compiled on first use, not at every start of qm-build).
var idUnsafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9.-]`) })

// spdxID makes an identifier from parts (other characters become "-").
func spdxID(parts ...string) string {
	return "SPDXRef-" + idUnsafe().ReplaceAllString(strings.Join(parts, "-"), "-")
}

// New builds the document. The same input gives the same bytes (Encode).
func New(in Input) (*Document, error) {
	if in.Content == nil || in.Content.Plan == nil {
		return nil, fmt.Errorf("sbom: no content")
	}
	p := in.Content.Plan
	d := &Document{
		SPDXVersion: "SPDX-2.3",
		DataLicense: "CC0-1.0",
		SPDXID:      IDDocument,
		Name:        fmt.Sprintf("QM partition %s-%s (%s %s)", p.Version, p.Release, p.Distro, p.Arch),
		CreationInfo: CreationInfo{
			Created:  in.Epoch.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: " + strings.ReplaceAll(in.Tool, " ", "-")},
		},
	}
	d.Packages = append(d.Packages,
		Package{SPDXID: IDImage, Name: fmt.Sprintf("%s %s image", p.Distro, p.Arch), DownloadLocation: noAssertion,
			LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion, PrimaryPurpose: "OPERATING-SYSTEM",
			Comment: "The operating-system image QM is built into; this document lists QM's partition only."},
		Package{SPDXID: IDPartition, Name: "QM partition", VersionInfo: p.Version + "-" + p.Release, DownloadLocation: noAssertion,
			LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion, PrimaryPurpose: "CONTAINER",
			Comment: "QM's rootfs (" + rpmspec.QMRootfs + "), its /etc (" + rpmspec.QMEtc + "), its /var (" + rpmspec.QMVar + ") and the host files that run it."},
	)
	d.Relationships = append(d.Relationships,
		Relationship{IDDocument, "DESCRIBES", IDImage},
		Relationship{IDImage, "CONTAINS", IDPartition},
	)
	fileIDs := map[string]string{} // path → ID
	addFile := func(f rpmspec.File, comment string) string {
		if id, ok := fileIDs[f.Path]; ok {
			return id
		}
		s1 := sha1.Sum(f.Body) //nolint:gosec
		s256 := sha256.Sum256(f.Body)
		id := spdxID("File", f.Path)
		fileIDs[f.Path] = id
		d.Files = append(d.Files, File{SPDXID: id, FileName: "." + f.Path,
			Checksums:        []Checksum{{"SHA1", hex.EncodeToString(s1[:])}, {"SHA256", hex.EncodeToString(s256[:])}},
			LicenseConcluded: noAssertion, LicenseInfoInFile: []string{noAssertion}, CopyrightText: noAssertion, Comment: comment})
		return id
	}
	for _, pkg := range in.Content.Packages {
		id := spdxID("Package", "qm-build", pkg.Name)
		sp := Package{SPDXID: id, Name: pkg.Name, VersionInfo: pkg.Version + "-" + pkg.Release, Supplier: "Organization: qm-build",
			DownloadLocation: noAssertion, LicenseConcluded: licenseOrNone(pkg.License), LicenseDeclared: licenseOrNone(pkg.License),
			CopyrightText: noAssertion, Summary: pkg.Summary, PrimaryPurpose: "INSTALL", Comment: "Written by qm-build (" + pkg.FileName() + ").",
			ExternalRefs: []ExternalRef{purlRPM("qm-build", pkg.Name, 0, pkg.Version, pkg.Release, pkg.Arch, "")}}
		if sum := in.RPMs[pkg.Name]; sum != "" {
			sp.Checksums = []Checksum{{"SHA256", sum}}
		}
		d.Packages = append(d.Packages, sp)
		d.Relationships = append(d.Relationships, Relationship{IDPartition, "CONTAINS", id})
		for _, f := range pkg.Files {
			if f.Kind == rpmspec.KindFile && f.Flags&rpmspec.FlagGhost == 0 {
				d.Relationships = append(d.Relationships, Relationship{id, "CONTAINS", addFile(f, "")})
			}
		}
	}
	for _, tf := range in.Content.Tree {
		if tf.Kind != rpmspec.KindFile || tf.Flags&rpmspec.FlagGhost != 0 {
			continue
		}
		comment := "Written by qm-build's " + tf.Stage + " stage."
		if tf.Merge {
			comment = "Lines qm-build's " + tf.Stage + " stage adds to the file; the checksums are those of the lines."
		}
		d.Relationships = append(d.Relationships, Relationship{IDPartition, "CONTAINS", addFile(tf.File, comment)})
	}
	for _, n := range p.Nested {
		id := spdxID("Image", n.Key)
		hexd := strings.TrimPrefix(n.Digest, "sha256:")
		d.Packages = append(d.Packages, Package{SPDXID: id, Name: n.Name, VersionInfo: n.Digest, DownloadLocation: noAssertion,
			Checksums: []Checksum{{"SHA256", hexd}}, LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion,
			PrimaryPurpose: "CONTAINER",
			Comment:        fmt.Sprintf("Nested image %q baked into %s as %s (image ID %s) from %s; the checksum is the image manifest's digest.", n.Key, rootfs.NestedStore, n.StoreName(), n.ID, n.Source.Transport),
			ExternalRefs:   []ExternalRef{purlOCI(n)}})
		d.Relationships = append(d.Relationships, Relationship{IDPartition, "CONTAINS", id})
	}
	if in.Lock == nil {
		d.Comment = "No package lock was given: the packages of QM's rootfs (the qm_rootfs pipeline) are not listed."
	} else {
		repos := map[string]string{}
		for _, r := range in.Lock.Repos {
			repos[r.ID] = r.BaseURL
		}
		distro := in.Lock.Distro
		if distro == "" {
			distro = p.Distro
		}
		for _, lp := range in.Lock.Pipelines[blueprints.PipelineQMRootfs] {
			id := spdxID("Package", "rootfs", lp.Name, lp.Arch)
			loc := noAssertion
			if u := lockURL(lp, repos); u != "" {
				loc = u
			}
			sp := Package{SPDXID: id, Name: lp.Name, VersionInfo: versionOf(lp), DownloadLocation: loc,
				LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion, PrimaryPurpose: "INSTALL",
				Comment:      fmt.Sprintf("Installed in QM's rootfs from repository %q (%s).", lp.Repo, repos[lp.Repo]),
				ExternalRefs: []ExternalRef{purlRPM(distro, lp.Name, lp.Epoch, lp.Version, lp.Release, lp.Arch, lp.Repo)}}
			if alg, v, ok := strings.Cut(lp.Checksum, ":"); ok && alg == "sha256" {
				sp.Checksums = []Checksum{{"SHA256", v}}
			}
			d.Packages = append(d.Packages, sp)
			d.Relationships = append(d.Relationships, Relationship{IDPartition, "CONTAINS", id})
		}
	}
	sort.SliceStable(d.Files, func(i, j int) bool { return d.Files[i].FileName < d.Files[j].FileName })
	if err := checkUnique(d); err != nil {
		return nil, err
	}
	// documentNamespace: unique per document, the same for the same content.
	body, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d.DocumentNamespace = namespaceBase + hex.EncodeToString(sum[:16])
	return d, nil
}

// checkUnique refuses a document with an identifier twice (a lock listing a
// package twice for one architecture).
func checkUnique(d *Document) error {
	seen := map[string]bool{}
	for _, p := range d.Packages {
		if seen[p.SPDXID] {
			return fmt.Errorf("sbom: %s is listed twice", p.SPDXID)
		}
		seen[p.SPDXID] = true
	}
	return nil
}

// Encode writes the document as indented JSON with a final newline.
func (d *Document) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func licenseOrNone(l string) string {
	if l == "" {
		return noAssertion
	}
	return l
}

func versionOf(lp blueprints.LockedPackage) string {
	if lp.Epoch != 0 {
		return fmt.Sprintf("%d:%s-%s", lp.Epoch, lp.Version, lp.Release)
	}
	return lp.Version + "-" + lp.Release
}

// lockURL is where a locked package is downloaded from.
func lockURL(lp blueprints.LockedPackage, repos map[string]string) string {
	if lp.URL != "" {
		return lp.URL
	}
	base := repos[lp.Repo]
	if base == "" || lp.Location == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(lp.Location, "/")
}

// purlRPM is an RPM's package URL (purl-spec, type rpm).
func purlRPM(namespace, name string, epoch uint, version, release, arch, repo string) ExternalRef {
	q := url.Values{}
	q.Set("arch", arch)
	if epoch != 0 {
		q.Set("epoch", fmt.Sprint(epoch))
	}
	if repo != "" {
		q.Set("repository_id", repo)
	}
	loc := fmt.Sprintf("pkg:rpm/%s/%s@%s-%s?%s", url.PathEscape(namespace), url.PathEscape(name), url.PathEscape(version), url.PathEscape(release), q.Encode())
	return ExternalRef{"PACKAGE-MANAGER", "purl", loc}
}

// purlOCI is a nested image's package URL (purl-spec, type oci).
func purlOCI(n rootfs.NestedImage) ExternalRef {
	repo := n.Name
	last := repo[strings.LastIndex(repo, "/")+1:]
	q := url.Values{}
	q.Set("repository_url", repo)
	if n.Tag != "" {
		q.Set("tag", n.Tag)
	}
	return ExternalRef{"PACKAGE-MANAGER", "purl", fmt.Sprintf("pkg:oci/%s@%s?%s", url.PathEscape(strings.ToLower(last)), url.QueryEscape(n.Digest), q.Encode())}
}
