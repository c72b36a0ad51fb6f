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
// order, Package.SortedFiles), and compresses the archive with c. A file's
// inode number is its position in that order, counted from 1, the value the
// header records in RPMTAG_FILEINODES for it; %ghost files take a number but
// are not archived. Directories have one link, as rpmbuild writes them; every
// member has mtime, uid 0 and gid 0.
func writePayload(files []rpmspec.File, mtime uint32, compressor string, c *compressors) (payload, error) {
	// The archive goes straight into the encoder rather than into a buffer
	// compressed afterwards: the encoders cut their input into blocks by
	// size, not by writes, so the bytes are the same, and the process does
	// not touch fresh memory for a copy of every file (the qm package's is
	// the SELinux module's 270 KB) and for the buffer's growth. On a virtual
	// machine each fresh page is a fault costing tens of microseconds.
	var out bytes.Buffer
	w, err := c.writer(compressor, &out)
	if err != nil {
		return payload{}, err
	}
	cw := &newcWriter{w: w}
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
		if err := cw.write(e); err != nil {
			return payload{}, fmt.Errorf("archiving %s: %w", f.Path, err)
		}
	}
	if err := cw.close(); err != nil {
		return payload{}, fmt.Errorf("closing the archive: %w", err)
	}
	if err := w.Close(); err != nil {
		return payload{}, fmt.Errorf("compressing the payload with %s: %w", compressor, err)
	}
	data := out.Bytes()
	sum := sha256.Sum256(data)
	return payload{data: data, archiveSize: cw.n, installSize: installSize, digest: hex.EncodeToString(sum[:])}, nil
}

// compressors compress payloads: zstd at level 1 (see Options.Compressor),
// xz with its default (xz -6's 8 MiB dictionary), gzip at level 9. Each is
// deterministic: the same archive gives the same bytes.
//
// The zstd and gzip encoders are made once and reused for every payload:
// Reset onto a new output, an encoder writes exactly the bytes a new one
// would (TestCompressorsReused), without allocating and zeroing its tables
// again, which cost more than compressing one of QM's small payloads.
// github.com/ulikunitz/xz has no Reset, so an xz writer is made for every
// payload. A compressors is not safe for concurrent use: WriteDirContext
// gives each of its goroutines one, Write uses a new one per package.
type compressors struct {
	zstd *zstd.Encoder
	gzip *gzip.Writer
}

// writer returns the named compressor writing to out; its Close ends the
// stream.
func (c *compressors) writer(name string, out io.Writer) (io.WriteCloser, error) {
	switch name {
	case "zstd":
		if c.zstd == nil {
			z, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			c.zstd = z
		}
		c.zstd.Reset(out)
		return c.zstd, nil
	case "gzip":
		if c.gzip == nil {
			g, err := gzip.NewWriterLevel(out, gzip.BestCompression)
			if err != nil {
				return nil, err
			}
			c.gzip = g
		}
		c.gzip.Reset(out)
		return c.gzip, nil
	case "xz":
		return xz.NewWriter(out)
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
