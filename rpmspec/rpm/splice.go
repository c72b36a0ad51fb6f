package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/rpmpack"
)

// Header and signature tags of the payload (rpm's include/rpm/rpmtag.h).
const (
	tagSize              = 1009 // RPMTAG_SIZE: bytes the files take installed
	tagFileFlags         = 1037 // RPMTAG_FILEFLAGS
	tagPayloadCompressor = 1125 // RPMTAG_PAYLOADCOMPRESSOR
	tagPayloadFlags      = 1126 // RPMTAG_PAYLOADFLAGS
	tagPayloadDigest     = 5092 // RPMTAG_PAYLOADDIGEST: of the compressed payload

	sigSize        = 1000 // RPMSIGTAG_SIZE: header and payload, in bytes
	sigPayloadSize = 1007 // RPMSIGTAG_PAYLOADSIZE: the uncompressed archive
)

// payloadTags are the header entries that describe pl in place of
// rpmpack's own: the compressor and its level, the installed size, the
// payload digest, and every file's real flags (rpmpack saw each file as a
// %ghost). flags are in header order.
func payloadTags(comp string, pl payload, flags []uint32) []tagged {
	out := []tagged{
		{tagPayloadCompressor, rpmpack.EntryString(comp)},
		{tagPayloadFlags, rpmpack.EntryString(payloadFlags(comp))},
		{tagSize, rpmpack.EntryInt32([]int32{int32(pl.installSize)})},
		{tagPayloadDigest, rpmpack.EntryStringSlice([]string{pl.digest})},
	}
	if len(flags) > 0 {
		out = append(out, tagged{tagFileFlags, rpmpack.EntryUint32(flags)})
	}
	return out
}

// splice writes r, an rpmpack package whose header describes pl, and joins
// its lead, signature and header to pl.
//
// rpmpack writes good headers but archives every file itself, under its
// absolute name (/usr/…), with no modification time and two links for a
// directory, and has no option to do otherwise. So every file is given to
// rpmpack as a %ghost, which it records in the header (names, modes, sizes,
// digests, owners) but leaves out of its archive; the header entries that
// describe the payload (payloadTags) are set to the real payload's; and the
// archive rpmpack writes after its header, empty but for its trailer, is
// replaced with the real one.
//
// The signature header covers the payload too. Its two sizes are fixed-width
// integers, set in place once the header's length is known (patchSignature).
// Its OpenPGP signatures come from rpmpack's signer hook, which rpmpack calls
// with the header (RPMSIGTAG_RSA), then with the header followed by its own
// payload (RPMSIGTAG_PGP): the second is signed over the header followed by
// the real payload instead. The header rpmpack signed is checked to be the
// header it wrote.
func splice(r *rpmpack.RPM, pl payload, o Options) ([]byte, error) {
	var signed []byte
	if o.Key != nil {
		sign := o.Key.At(o.BuildTime).DetachSign
		calls := 0
		r.SetPGPSigner(func(b []byte) ([]byte, error) {
			calls++
			switch calls {
			case 1:
				signed = bytes.Clone(b)
				return sign(b)
			case 2:
				if !bytes.HasPrefix(b, signed) {
					return nil, errors.New("rpmpack signed a header and payload that do not start with the header")
				}
				all := make([]byte, 0, len(signed)+len(pl.data))
				return sign(append(append(all, signed...), pl.data...))
			}
			return nil, errors.New("rpmpack asked for a third signature")
		})
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, fmt.Errorf("writing the header: %w", err)
	}
	out := b.Bytes()
	start, end, err := headerBounds(out)
	if err != nil {
		return nil, err
	}
	if o.Key != nil && !bytes.Equal(out[start:end], signed) {
		return nil, errors.New("the header rpmpack signed is not the header it wrote")
	}
	for _, f := range []struct {
		tag   int
		value int64
	}{{sigSize, int64(end-start) + int64(len(pl.data))}, {sigPayloadSize, pl.archiveSize}} {
		if err := patchSignature(out, f.tag, f.value); err != nil {
			return nil, err
		}
	}
	return append(out[:end:end], pl.data...), nil
}

// patchSignature sets the INT32 signature entry tag to v, in place.
func patchSignature(rpm []byte, tag int, v int64) error {
	if v < 0 || v > 1<<31-1 {
		return fmt.Errorf("signature tag %d: %d does not fit in 32 bits", tag, v)
	}
	if _, err := structEnd(rpm, leadSize); err != nil {
		return fmt.Errorf("reading the signature header: %w", err)
	}
	n := int(binary.BigEndian.Uint32(rpm[leadSize+8:]))
	data := leadSize + 16 + 16*n
	for i := range n {
		e := rpm[leadSize+16+16*i:]
		if int(binary.BigEndian.Uint32(e)) != tag {
			continue
		}
		typ, off, count := binary.BigEndian.Uint32(e[4:]), int(binary.BigEndian.Uint32(e[8:])), binary.BigEndian.Uint32(e[12:])
		if typ != typeInt32 || count != 1 || data+off+4 > len(rpm) {
			return fmt.Errorf("signature tag %d is not one INT32", tag)
		}
		binary.BigEndian.PutUint32(rpm[data+off:], uint32(v))
		return nil
	}
	return fmt.Errorf("the signature header has no tag %d", tag)
}

// typeInt32 is RPM_INT32_TYPE (rpm's include/rpm/rpmtag.h).
const typeInt32 = 4

// leadSize is the size of an RPM's lead (rpm's lib/rpmlead.c).
const leadSize = 96

// headerMagic starts a header structure: the magic, version 1, four
// reserved bytes (rpm's lib/header.c).
var headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}

// headerBounds finds the main header in an RPM: after the lead comes the
// signature header, padded to 8 bytes, then the header. A header structure
// is its 16-byte intro (magic, index count, data size), 16 bytes per index
// entry, and the data.
func headerBounds(rpm []byte) (start, end int, err error) {
	sigEnd, err := structEnd(rpm, leadSize)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the signature header: %w", err)
	}
	start = sigEnd + (8-sigEnd%8)%8
	end, err = structEnd(rpm, start)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the header: %w", err)
	}
	return start, end, nil
}

func structEnd(b []byte, off int) (int, error) {
	if len(b) < off+16 || !bytes.Equal(b[off:off+8], headerMagic) {
		return 0, errors.New("no header structure")
	}
	n := int(binary.BigEndian.Uint32(b[off+8:]))
	size := int(binary.BigEndian.Uint32(b[off+12:]))
	end := off + 16 + 16*n + size
	if end > len(b) || n < 0 || size < 0 {
		return 0, errors.New("header structure runs past the end")
	}
	return end, nil
}
