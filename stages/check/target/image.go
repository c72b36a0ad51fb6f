package target

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/qm-build/qm-build/rpmspec/input"
)

// imageSpec is an image to flatten, whatever form it came in: its verified
// configuration and the layers to apply, each with what it must hash to.
// Every image opener (OCI layout, OCI archive, docker archive; a bootc image
// is an OCI image) produces one, and flattenImage turns it into the same FS.
type imageSpec struct {
	arch      string
	labels    map[string]string // the config's labels
	digest    string            // the manifest's digest (a docker archive's: its config's, the image ID)
	layers    []layerSource
	blobBytes int64 // the layers' stored sizes, for the spool's default limit
}

// layerSource is one layer: how to read its bytes, and what they must be.
type layerSource struct {
	name   string // for messages, e.g. "layer 2 of 3 (sha256:…)"
	open   func() (io.ReadCloser, error)
	digest digest // of the stored blob; zero when the form records none
	size   int64  // of the stored blob; -1 when the form records none
	diffID digest // of the uncompressed tar (the image config's diff_ids)
	comp   compression
}

// flattenImage applies every layer, verifying each blob as it streams by,
// into a tree whose file contents go to a spool in workDir.
func flattenImage(ctx context.Context, img *imageSpec, workDir string, lim Limits, progress func(string)) (*imageFS, error) {
	if len(img.layers) > lim.MaxLayers {
		return nil, &LimitError{Limit: "MaxLayers", Value: int64(lim.MaxLayers), What: fmt.Sprintf("an image of %d layers", len(img.layers))}
	}
	sp, err := newSpool(workDir, lim.spoolLimit(img.blobBytes))
	if err != nil {
		return nil, err
	}
	t := newTree(sp, lim)
	t.progress, t.layers = progress, len(img.layers)
	for i, l := range img.layers {
		if err := applyLayer(ctx, t, l, int16(i+1)); err != nil {
			sp.Close()
			return nil, err
		}
	}
	if err := sp.finish(); err != nil {
		sp.Close()
		return nil, err
	}
	return &imageFS{t: t, ctx: ctx}, nil
}

// applyLayer streams one layer: blob → digest and size check → decompression
// → diff_id check → tar entries into the tree. The checks complete when the
// stream ends; a failed check fails the whole image, so nothing read from a
// bad blob is ever used. When the tar stream breaks, the blob's digest is
// checked first: "this blob is not what its digest says" is the better
// reason.
func applyLayer(ctx context.Context, t *tree, l layerSource, idx int16) (err error) {
	rc, err := l.open()
	if err != nil {
		return &BlobError{Blob: l.name, Err: err}
	}
	defer rc.Close()
	raw := newVerifier(input.Reader(ctx, rc), l.digest, l.size, l.name)
	defer func() {
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if verr := raw.drain(); verr != nil {
			err = verr
			return
		}
		var be *BlobError
		if !errors.As(err, &be) {
			err = fmt.Errorf("%s: %w", l.name, err)
		}
	}()
	dr, closeDR, err := decompress(bufio.NewReaderSize(raw, 64<<10), l.comp)
	if err != nil {
		return err
	}
	defer closeDR()
	unpacked := &limitReader{r: dr, t: t}
	diff := newVerifier(unpacked, l.diffID, -1, l.name+" uncompressed (diff_id)")
	if err := t.applyTar(ctx, diff, idx); err != nil {
		return err
	}
	// The tar end marker may be followed by padding: the digests cover it.
	if err := diff.drain(); err != nil {
		return err
	}
	return raw.drain()
}

// limitReader counts uncompressed bytes against MaxUnpacked.
type limitReader struct {
	r io.Reader
	t *tree
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.t.unpacked += int64(n)
	if l.t.unpacked > l.t.lim.MaxUnpacked {
		return n, &LimitError{Limit: "MaxUnpacked", Value: l.t.lim.MaxUnpacked, What: "the uncompressed size of the layers"}
	}
	return n, err
}

// Magic numbers of the compressions layers use.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

func sniffCompression(b []byte) compression {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		return compressGzip
	case bytes.HasPrefix(b, zstdMagic):
		return compressZstd
	}
	return compressNone
}

// zstdMaxWindow bounds the memory a zstd frame may ask for (zstd --long
// uses 128 MiB; the library's default would allow 512 MiB).
const zstdMaxWindow = 128 << 20

// decompress opens the uncompressed stream of a layer.
func decompress(br *bufio.Reader, c compression) (io.Reader, func(), error) {
	if c == compressSniff {
		magic, _ := br.Peek(4)
		c = sniffCompression(magic)
	}
	switch c {
	case compressGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("reading gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case compressZstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, fmt.Errorf("reading zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}
