package repodata

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/qm-build/qm-build/rpmspec"
)

// Repomd is repodata/repomd.xml: the revision and one record per metadata
// file (createrepo_c's cr_Repomd and repomd.c).
type Repomd struct {
	Revision string
	Data     []RepomdData
}

// RepomdData is one <data> record.
type RepomdData struct {
	Type         string // primary, filelists, other
	Checksum     string // sha256 of the compressed file, hex
	OpenChecksum string // sha256 of the uncompressed file, hex
	Location     string // href relative to the repository root
	Timestamp    int64
	Size         int64
	OpenSize     int64
}

// Find returns the record of a type.
func (r *Repomd) Find(typ string) (RepomdData, bool) {
	for _, d := range r.Data {
		if d.Type == typ {
			return d, true
		}
	}
	return RepomdData{}, false
}

// Marshal renders repomd.xml as createrepo_c does (cr_xml_dump_repomd).
func (r *Repomd) Marshal() []byte {
	var w xw
	w.WriteString(xmlDecl)
	w.start(0, "repomd", "xmlns", nsRepo, "xmlns:rpm", nsRPM)
	w.text(1, "revision", r.Revision)
	for _, d := range r.Data {
		w.start(1, "data", "type", d.Type)
		w.text(2, "checksum", d.Checksum, "type", "sha256")
		w.text(2, "open-checksum", d.OpenChecksum, "type", "sha256")
		w.empty(2, "location", "href", d.Location)
		w.text(2, "timestamp", itoa(d.Timestamp))
		w.text(2, "size", itoa(d.Size))
		w.text(2, "open-size", itoa(d.OpenSize))
		w.end(1, "data")
	}
	w.end(0, "repomd")
	return w.Bytes()
}

type xRepomd struct {
	XMLName  xml.Name `xml:"repomd"`
	Revision string   `xml:"revision"`
	Data     []struct {
		Type     string `xml:"type,attr"`
		Checksum struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"checksum"`
		OpenChecksum struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"open-checksum"`
		Location struct {
			Href string `xml:"href,attr"`
		} `xml:"location"`
		Timestamp int64 `xml:"timestamp"`
		Size      int64 `xml:"size"`
		OpenSize  int64 `xml:"open-size"`
	} `xml:"data"`
}

// ParseRepomd reads repomd.xml; name is used in errors. Only sha256 records
// are accepted, since qm-build verifies what it reuses.
func ParseRepomd(r io.Reader, name string) (*Repomd, error) {
	var x xRepomd
	if err := xml.NewDecoder(r).Decode(&x); err != nil {
		return nil, rpmspec.FileError(name, err)
	}
	out := &Repomd{Revision: x.Revision}
	for _, d := range x.Data {
		if d.Checksum.Type != "sha256" {
			return nil, rpmspec.FileError(name, fmt.Errorf("%s: checksum type %q, want sha256", d.Type, d.Checksum.Type))
		}
		out.Data = append(out.Data, RepomdData{
			Type: d.Type, Checksum: d.Checksum.Value, OpenChecksum: d.OpenChecksum.Value,
			Location: d.Location.Href, Timestamp: d.Timestamp, Size: d.Size, OpenSize: d.OpenSize,
		})
	}
	return out, nil
}
