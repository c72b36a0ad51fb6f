package repodata

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/qm-build/qm-build/rpmspec"
	rpmheader "github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// The RPM file format is rpmspec/rpm/header's: a 96-byte lead, the
// signature header padded to 8 bytes, the main header, the payload.
const (
	leadSize  = rpmheader.LeadSize
	introSize = rpmheader.IntroSize
	entrySize = rpmheader.EntrySize
)

var leadMagic = rpmheader.LeadMagic

// Signature-header tags (rpm's lib/rpmtag.h, RPMSIGTAG_*).
const (
	sigTagSize     = 1000
	sigTagLongSize = 270
	sigTagSHA1     = 269
	sigTagSHA256   = 273
)

// File is an RPM file as read from disk: its bytes and what the file system
// says about it.
type File struct {
	Location string // href, relative to the repository root
	Size     int64
	ModTime  int64 // seconds since the epoch, already clamped
}

// ErrNotRPM is wrapped by the error (rpmspec.FileError) when a file does not
// start with the RPM lead.
var ErrNotRPM = errors.New("not an RPM file (no RPM lead)")

// ErrCorrupt is wrapped by the error (rpmspec.FileError) when a file looks
// like an RPM but its
// structure or one of its digests is wrong.
var ErrCorrupt = errors.New("corrupt RPM")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// ReadRPM reads one RPM from r and returns its repository entry. It verifies
// the structure of both headers, the header's SHA256 (or SHA1) digest from the
// signature header, the payload digest and the size recorded in the signature,
// so that a truncated or damaged file is refused rather than indexed. The
// changelog keeps at most changelogLimit entries (createrepo_c's
// --changelog-limit; negative keeps all).
func ReadRPM(r io.Reader, f File, changelogLimit int) (*Package, error) {
	return newRPMReader().read(r, f, changelogLimit)
}

// rpmReader holds one worker's buffers, reused from RPM to RPM: allocating
// (and zeroing) them per file shows in profiles of large repositories. The
// packages it returns share no memory with them.
type rpmReader struct {
	br  *bufio.Reader
	raw bytes.Buffer // lead and headers of the current RPM
}

func newRPMReader() *rpmReader {
	rr := &rpmReader{br: bufio.NewReaderSize(nil, 32<<10)}
	rr.raw.Grow(16 << 10)
	return rr
}

// read is ReadRPM with the reader's buffers.
func (rr *rpmReader) read(r io.Reader, f File, changelogLimit int) (*Package, error) {
	rr.raw.Reset()
	p, err := readRPM(rr.br, &rr.raw, r, f, changelogLimit)
	if err != nil {
		return nil, rpmspec.FileError(f.Location, err)
	}
	return p, nil
}

func readRPM(br *bufio.Reader, raw *bytes.Buffer, r io.Reader, f File, changelogLimit int) (*Package, error) {
	sum := sha256.New()
	br.Reset(io.TeeReader(r, sum))
	defer br.Reset(nil)
	if err := readN(br, raw, leadSize); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, ErrNotRPM
		}
		return nil, err
	}
	if !bytes.Equal(raw.Bytes()[:4], leadMagic) {
		return nil, ErrNotRPM
	}
	// The lead's major version (rpmlead.c accepts 3 and 4).
	if major := raw.Bytes()[4]; major < 3 || major > 4 {
		return nil, corrupt("unsupported rpm version: %d", major)
	}
	sigIndex, sigLen, err := readHeaderBlock(br, raw, "signature header")
	if err != nil {
		return nil, err
	}
	if pad := (8 - sigLen%8) % 8; pad != 0 {
		if err := readN(br, raw, pad); err != nil {
			return nil, corrupt("truncated after the signature header")
		}
	}
	start := int64(raw.Len())
	mainIndex, _, err := readHeaderBlock(br, raw, "header")
	if err != nil {
		return nil, err
	}
	end := int64(raw.Len())
	b := raw.Bytes()
	pkg := &rpmHeaders{
		sig:  newHeader(b[leadSize+introSize:leadSize+introSize+sigLen], sigIndex),
		main: newHeader(b[start+introSize:end], mainIndex),
	}
	if err := checkHeaderDigest(&pkg.sig, b[start:end]); err != nil {
		return nil, err
	}
	payloadSum, want, err := payloadDigest(&pkg.main)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(payloadSum, br)
	if err != nil {
		return nil, fmt.Errorf("reading payload: %w", err)
	}
	if want != "" && hex.EncodeToString(payloadSum.Sum(nil)) != want {
		return nil, corrupt("payload digest mismatch (damaged or truncated payload)")
	}
	if err := checkSize(&pkg.sig, end-(start)+n); err != nil {
		return nil, err
	}
	total := end + n
	if f.Size != 0 && total != f.Size {
		return nil, corrupt("read %d bytes, the file has %d", total, f.Size)
	}
	p, err := fromHeader(pkg, changelogLimit)
	if err != nil {
		return nil, err
	}
	p.PkgID = hex.EncodeToString(sum.Sum(nil))
	p.ChecksumType = "sha256"
	p.Location = f.Location
	p.FileTime = f.ModTime
	p.PackageSize = total
	p.HeaderStart, p.HeaderEnd = start, end
	return p, nil
}

// readN appends exactly n bytes from r to buf.
func readN(r io.Reader, buf *bytes.Buffer, n int64) error {
	got, err := io.CopyN(buf, r, n)
	if err == io.EOF && got < n {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readHeaderBlock reads one header structure (intro, index, data) into buf
// and checks that every index entry lies inside the data (rpmheader.Check),
// so that the reader after it never trusts a count or an offset. It returns
// the number of index entries and the length of the index and data (without
// the intro), which the signature padding needs.
func readHeaderBlock(r io.Reader, buf *bytes.Buffer, what string) (int, int64, error) {
	at := buf.Len()
	if err := readN(r, buf, introSize); err != nil {
		return 0, 0, corrupt("truncated %s", what)
	}
	nindex, hsize, err := rpmheader.CheckIntro(buf.Bytes()[at : at+introSize])
	if err != nil {
		return 0, 0, corrupt("%s: %v", what, err)
	}
	if err := readN(r, buf, nindex*entrySize+hsize); err != nil {
		return 0, 0, corrupt("truncated %s", what)
	}
	block := buf.Bytes()[at+introSize:]
	if err := rpmheader.Check(block[:nindex*entrySize], block[nindex*entrySize:]); err != nil {
		return 0, 0, corrupt("%s %v", what, err)
	}
	return int(nindex), nindex*entrySize + hsize, nil
}

// checkHeaderDigest compares the header bytes with the signature header's
// SHA256 digest (RPMSIGTAG_SHA256), or SHA1 when that is all there is.
func checkHeaderDigest(sig *header, hdr []byte) error {
	for _, d := range []struct {
		tag int
		h   func() hash.Hash
	}{{sigTagSHA256, sha256.New}, {sigTagSHA1, sha1.New}} {
		want := sig.GetTag(d.tag).String()
		if want == "" {
			continue
		}
		h := d.h()
		h.Write(hdr)
		if hex.EncodeToString(h.Sum(nil)) != want {
			return corrupt("header digest mismatch (damaged header)")
		}
		return nil
	}
	return nil
}

// payloadDigest returns a hash for the payload and the expected hex digest
// (RPMTAG_PAYLOADDIGEST with RPMTAG_PAYLOADDIGESTALGO 8 = SHA256), or an
// empty expectation when the package has no SHA256 payload digest.
func payloadDigest(h *header) (hash.Hash, string, error) {
	want := h.GetTag(tagPayloadDigest).StringSlice()
	algo := h.GetTag(tagPayloadDigestAlgo).Int64()
	if len(want) == 0 || algo != 8 {
		return sha256.New(), "", nil
	}
	return sha256.New(), want[0], nil
}

// checkSize compares header+payload length with RPMSIGTAG_SIZE or
// RPMSIGTAG_LONGSIZE, which rpm checks on install.
func checkSize(sig *header, got int64) error {
	want := sig.GetTag(sigTagLongSize).Int64()
	if want == 0 {
		want = sig.GetTag(sigTagSize).Int64()
	}
	if want != 0 && want != got {
		return corrupt("header and payload are %d bytes, the signature header says %d (truncated?)", got, want)
	}
	return nil
}
