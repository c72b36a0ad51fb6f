package rpm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// Header and signature tags of the payload (rpm's include/rpm/rpmtag.h).
const (
	tagSize              = 1009 // RPMTAG_SIZE: bytes the files take installed
	tagFileFlags         = 1037 // RPMTAG_FILEFLAGS
	tagPayloadCompressor = 1125 // RPMTAG_PAYLOADCOMPRESSOR
	tagPayloadFlags      = 1126 // RPMTAG_PAYLOADFLAGS
	tagPayloadDigest     = 5092 // RPMTAG_PAYLOADDIGEST: of the compressed payload
	tagPayloadDigestAlgo = 5093 // RPMTAG_PAYLOADDIGESTALGO

	sigRSA         = 268  // RPMSIGTAG_RSA: OpenPGP signature of the header
	sigSHA256      = 273  // RPMSIGTAG_SHA256: of the header, hex
	sigSize        = 1000 // RPMSIGTAG_SIZE: header and payload, in bytes
	sigPGP         = 1002 // RPMSIGTAG_PGP: OpenPGP signature of header and payload
	sigPayloadSize = 1007 // RPMSIGTAG_PAYLOADSIZE: the uncompressed archive

	hashSHA256 = 8 // PGPHASHALGO_SHA256
)

// assemble joins the lead, the signature header, the main header hdr
// (build) and the payload pl into a package.
//
// The signature header holds the sizes of the header and payload, the
// header's SHA-256, and, with a key, the OpenPGP signatures of the header
// (RPMSIGTAG_RSA) and of the header followed by the payload
// (RPMSIGTAG_PGP), as rpmsign writes them for a SHA-256 key.
func assemble(p *rpmspec.Package, hdr []byte, pl payload, o Options) ([]byte, error) {
	var sig entries
	for _, f := range []struct {
		tag   int
		value int64
	}{{sigSize, int64(len(hdr)) + int64(len(pl.data))}, {sigPayloadSize, pl.archiveSize}} {
		if f.value < 0 || f.value > 1<<31-1 {
			return nil, fmt.Errorf("signature tag %d: %d does not fit in 32 bits", f.tag, f.value)
		}
		sig.set(f.tag, entryUint32([]uint32{uint32(f.value)}))
	}
	sum := sha256.Sum256(hdr)
	sig.set(sigSHA256, entryString(hex.EncodeToString(sum[:])))
	if o.Key != nil {
		sign := o.Key.At(o.BuildTime).DetachSign
		s, err := sign(hdr)
		if err != nil {
			return nil, fmt.Errorf("signing the header: %w", err)
		}
		sig.set(sigRSA, entryBytes(s))
		all := make([]byte, 0, len(hdr)+len(pl.data))
		if s, err = sign(append(append(all, hdr...), pl.data...)); err != nil {
			return nil, fmt.Errorf("signing the header and payload: %w", err)
		}
		sig.set(sigPGP, entryBytes(s))
	}
	sb := header.EncodeSignature(sig.list)
	out := make([]byte, 0, header.LeadSize+len(sb)+len(hdr)+len(pl.data))
	out = appendLead(out, p.Name+"-"+fullVersion(p))
	out = append(out, sb...)
	out = append(out, hdr...)
	return append(out, pl.data...), nil
}

// fullVersion is V-R, or V without a release, as the lead names it.
func fullVersion(p *rpmspec.Package) string {
	if p.Release != "" {
		return p.Version + "-" + p.Release
	}
	return p.Version
}

// appendLead appends the 96-byte lead (rpm's lib/rpmlead.c): magic, format
// 3.0, a binary package, architecture 1, the name (at most 65 bytes,
// NUL-padded to 66), OS 1, a header-style signature, 16 reserved bytes.
func appendLead(b []byte, name string) []byte {
	if len(name) > 65 {
		name = name[:65]
	}
	b = append(b, 0xed, 0xab, 0xee, 0xdb, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01)
	b = append(b, name...)
	b = append(b, make([]byte, 66-len(name))...)
	b = append(b, 0x00, 0x01, 0x00, 0x05)
	return append(b, make([]byte, 16)...)
}
