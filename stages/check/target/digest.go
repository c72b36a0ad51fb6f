package target

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// digest is a content digest, "algorithm:hex" (image-spec descriptor.md).
// Only sha256 and sha512 are accepted, with lowercase hex of their length:
// a digest also names a file (blobs/ALG/HEX), so nothing else may pass.
type digest struct {
	alg, hex string
}

func (d digest) String() string { return d.alg + ":" + d.hex }

// IsZero reports whether d is unset.
func (d digest) IsZero() bool { return d.alg == "" }

// short is the digest as messages show it: the algorithm and 12 hex digits.
func (d digest) short() string {
	if len(d.hex) > 12 {
		return d.alg + ":" + d.hex[:12]
	}
	return d.String()
}

func (d digest) newHash() hash.Hash {
	if d.alg == "sha512" {
		return sha512.New()
	}
	return sha256.New()
}

// parseDigest parses and validates a digest.
func parseDigest(s string) (digest, error) {
	alg, h, ok := strings.Cut(s, ":")
	if !ok {
		return digest{}, fmt.Errorf("digest %q: want algorithm:hex", s)
	}
	want := map[string]int{"sha256": 64, "sha512": 128}[alg]
	if want == 0 {
		return digest{}, fmt.Errorf("digest %q: unsupported algorithm %q (want sha256 or sha512)", s, alg)
	}
	if len(h) != want || strings.Trim(h, "0123456789abcdef") != "" {
		return digest{}, fmt.Errorf("digest %q: want %d lowercase hex digits", s, want)
	}
	return digest{alg: alg, hex: h}, nil
}

// hexDigest turns a bare 64-digit hex string (a docker-archive file name)
// into a sha256 digest; ok is false when s is not one.
func hexDigest(s string) (digest, bool) {
	d, err := parseDigest("sha256:" + s)
	return d, err == nil
}

// BlobError is a blob whose content is not what its descriptor says: wrong
// digest, wrong size, or missing. It is bad input (exit status 2).
type BlobError struct {
	Blob string // what the blob is, e.g. "layer 2 of 3 (sha256:…)"
	Err  error
}

func (e *BlobError) Error() string  { return e.Blob + ": " + e.Err.Error() }
func (e *BlobError) Unwrap() error  { return e.Err }
func (e *BlobError) BadInput() bool { return true }

// ErrDigest is the cause of a BlobError whose content does not match.
var ErrDigest = errors.New("content does not match its digest")

// verifier hashes and counts what is read through it. check compares the
// result with the expected digest and size once the stream is consumed; a
// stream longer than the size fails as soon as it is.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	want digest // zero: only counted
	size int64  // -1: any size
	n    int64
	name string
}

func newVerifier(r io.Reader, want digest, size int64, name string) *verifier {
	v := &verifier{r: r, want: want, size: size, name: name}
	if !want.IsZero() {
		v.h = want.newHash()
	}
	return v
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.size >= 0 && int64(len(p)) > v.size-v.n+1 {
		// Read at most one byte past the size: enough to tell "longer".
		p = p[:v.size-v.n+1]
	}
	k, err := v.r.Read(p)
	v.n += int64(k)
	if v.h != nil {
		v.h.Write(p[:k])
	}
	if v.size >= 0 && v.n > v.size {
		return k, &BlobError{Blob: v.name, Err: fmt.Errorf("longer than the %d bytes its descriptor says", v.size)}
	}
	return k, err
}

// drain reads the rest of the stream and checks it.
func (v *verifier) drain() error {
	if _, err := io.Copy(io.Discard, v); err != nil {
		var be *BlobError
		if errors.As(err, &be) {
			return err
		}
		return &BlobError{Blob: v.name, Err: fmt.Errorf("reading: %w", err)}
	}
	return v.check()
}

// check compares what was read with the expected size and digest.
func (v *verifier) check() error {
	if v.size >= 0 && v.n != v.size {
		return &BlobError{Blob: v.name, Err: fmt.Errorf("%d bytes, its descriptor says %d", v.n, v.size)}
	}
	if v.h != nil {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.hex {
			return &BlobError{Blob: v.name, Err: fmt.Errorf("%w: it hashes to %s:%s, not %s", ErrDigest, v.want.alg, got, v.want)}
		}
	}
	return nil
}

// readVerified reads a whole small blob (JSON) and verifies it before anything
// parses it.
func readVerified(r io.Reader, want digest, size, limit int64, name string) ([]byte, error) {
	if size > limit {
		return nil, &LimitError{Limit: "MaxJSON", Value: limit, What: fmt.Sprintf("%s of %d bytes", name, size)}
	}
	v := newVerifier(r, want, size, name)
	data, err := io.ReadAll(io.LimitReader(v, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &LimitError{Limit: "MaxJSON", Value: limit, What: name}
	}
	if err := v.check(); err != nil {
		return nil, err
	}
	return data, nil
}
