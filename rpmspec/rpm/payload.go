package rpm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/qm-build/qm-build/rpmspec"
)

// payload is a package's compressed cpio archive, written the way rpmbuild
// writes it, and the figures the header and signature record about it.
type payload struct {
	data []byte // the compressed archive, as it follows the header
	// archiveSize is the uncompressed archive's size
	// (RPMSIGTAG_PAYLOADSIZE).
	archiveSize int64
	// installSize is the size of every file the archive holds: regular
	// files' content and symlinks' targets (RPMTAG_SIZE).
	installSize int64
	digest      string // SHA-256 of data, hex (RPMTAG_PAYLOADDIGEST)
}

// payloadName is a member's name: the path relative to the root, "./usr/…",
// as rpmbuild writes it (and rpm's rpmlib(PayloadFilesHavePrefix) feature
// says). Extracted by hand (rpm2cpio | cpio -id) it lands below the current
// directory.
func payloadName(p string) string { return "." + p }

// writePayload archives files, which must be sorted by path (the header's
// order, Package.SortedFiles), and compresses the archive. A file's inode
// number is its position in that order, counted from 1, the value the header
// records in RPMTAG_FILEINODES for it; %ghost files take a number but are not
// archived. Directories have one link, as rpmbuild writes them; every member
// has mtime, uid 0 and gid 0.
func writePayload(files []rpmspec.File, mtime uint32, compressor string) (payload, error) {
	var raw bytes.Buffer
	c := &newcWriter{w: &raw}
	var installSize int64
	for i, f := range files {
		if f.Flags&rpmspec.FlagGhost != 0 {
			continue
		}
		e := newcEntry{name: payloadName(f.Path), ino: uint32(i + 1), mode: uint32(f.RPMMode()), nlink: 1, mtime: mtime}
		switch f.Kind {
		case rpmspec.KindFile:
			e.body = f.Body
		case rpmspec.KindSymlink:
			e.body = []byte(f.Target)
		}
		installSize += int64(len(e.body))
		if err := c.write(e); err != nil {
			return payload{}, fmt.Errorf("archiving %s: %w", f.Path, err)
		}
	}
	if err := c.close(); err != nil {
		return payload{}, fmt.Errorf("closing the archive: %w", err)
	}
	var out bytes.Buffer
	z, err := compressorFor(compressor, &out)
	if err != nil {
		return payload{}, err
	}
	if _, err := z.Write(raw.Bytes()); err != nil {
		return payload{}, fmt.Errorf("compressing the payload with %s: %w", compressor, err)
	}
	if err := z.Close(); err != nil {
		return payload{}, fmt.Errorf("compressing the payload with %s: %w", compressor, err)
	}
	sum := sha256.Sum256(out.Bytes())
	return payload{data: out.Bytes(), archiveSize: c.n, installSize: installSize, digest: hex.EncodeToString(sum[:])}, nil
}

// compressorFor returns the payload compressor: zstd at level 1 (see
// Options.Compressor), xz with its default (xz -6's 8 MiB dictionary), gzip
// at level 9. Each is deterministic: the same archive gives the same bytes.
func compressorFor(name string, w io.Writer) (io.WriteCloser, error) {
	switch name {
	case "zstd":
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	case "xz":
		return xz.NewWriter(w)
	case "gzip":
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	}
	return nil, fmt.Errorf("unknown payload compression %q", name)
}

// payloadFlags is RPMTAG_PAYLOADFLAGS, the compression level as rpmbuild's
// _binary_payload spells it (w1.zstdio, w6.xzdio, w9.gzdio).
func payloadFlags(compressor string) string {
	switch compressor {
	case "zstd":
		return "1"
	case "xz":
		return "6"
	}
	return "9"
}
