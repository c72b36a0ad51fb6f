// Package rpmsign adds OpenPGP signatures to an existing RPM, as
// `rpmsign --addsign --rpmv3` does, without rpm or gpg: it rewrites the
// signature header and copies the main header and payload unchanged, so the
// header and payload digests stay valid.
//
// The format is rpm's (https://rpm-software-management.github.io/rpm/manual/format.html,
// lib/signature.h, lib/header.c): a 96-byte lead, the signature header (an
// index of 16-byte entries and a data store, the RPMTAG_HEADERSIGNATURES
// region first) padded to 8 bytes, then the main header and the payload.
// Two signatures are added, as rpm's rpmSignFiles does with --rpmv3:
// RPMSIGTAG_RSA (or RPMSIGTAG_DSA for DSA, ECDSA and EdDSA keys) over the main
// header, and RPMSIGTAG_PGP (or RPMSIGTAG_GPG) over header and payload.
package rpmsign

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/qm-build/qm-build/rpmspec"
)

// Signer makes binary OpenPGP detached signatures; *sign.Key (rpmspec/sign)
// implements it.
type Signer interface {
	DetachSign(data []byte) ([]byte, error)
}

// Signature-header tags (rpm's include/rpm/rpmtag.h, rpmSigTag_e).
const (
	tagHeaderSignatures = 62   // RPMTAG_HEADERSIGNATURES, the region tag
	tagDSA              = 267  // RPMSIGTAG_DSA: header-only, DSA/ECDSA/EdDSA
	tagRSA              = 268  // RPMSIGTAG_RSA: header-only, RSA
	tagPGP              = 1002 // RPMSIGTAG_PGP: header+payload, RSA
	tagGPG              = 1005 // RPMSIGTAG_GPG: header+payload, DSA/ECDSA/EdDSA
	tagPGP5             = 1006 // RPMSIGTAG_PGP5 (obsolete)
	tagReservedSpace    = 1008 // RPMSIGTAG_RESERVEDSPACE, room for in-place signing

	typeBin = 7 // RPM_BIN_TYPE
)

// oldSignatureTags are dropped before signing: one package, one signer.
var oldSignatureTags = map[uint32]bool{tagDSA: true, tagRSA: true, tagPGP: true, tagGPG: true, tagPGP5: true, tagReservedSpace: true}

// An RPM that cannot be signed because it is not a well-formed RPM is bad
// input: an rpmspec.InputError saying "signing: …".

const (
	leadSize  = 96
	introSize = 16
)

var headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}

// entry is one signature-header entry with its raw value bytes.
type entry struct {
	tag, typ, count uint32
	data            []byte
}

// rpmFile is an RPM split at its signature header.
type rpmFile struct {
	lead    []byte
	sig     []entry
	rest    []byte // main header and payload, unchanged
	hdrSize int    // length of the main header within rest
}

// Sign reads an RPM from r and writes it to w signed by s. Any earlier
// OpenPGP signature is replaced.
func Sign(r io.Reader, w io.Writer, s Signer) error {
	f, err := parse(r)
	if err != nil {
		return err
	}
	hdrSig, err := s.DetachSign(f.rest[:f.hdrSize])
	if err != nil {
		return fmt.Errorf("signing the header: %w", err)
	}
	allSig, err := s.DetachSign(f.rest)
	if err != nil {
		return fmt.Errorf("signing header and payload: %w", err)
	}
	hdrTag, allTag := uint32(tagRSA), uint32(tagPGP)
	if algo, err := pubKeyAlgo(hdrSig); err != nil {
		return err
	} else if algo != packet.PubKeyAlgoRSA && algo != packet.PubKeyAlgoRSASignOnly {
		hdrTag, allTag = tagDSA, tagGPG
	}
	var kept []entry
	for _, e := range f.sig {
		if !oldSignatureTags[e.tag] {
			kept = append(kept, e)
		}
	}
	kept = append(kept,
		entry{tag: hdrTag, typ: typeBin, count: uint32(len(hdrSig)), data: hdrSig},
		entry{tag: allTag, typ: typeBin, count: uint32(len(allSig)), data: allSig})
	if _, err := w.Write(f.lead); err != nil {
		return err
	}
	if _, err := w.Write(encode(kept)); err != nil {
		return err
	}
	_, err = w.Write(f.rest)
	return err
}

// KeyIDs returns the issuer key IDs of the OpenPGP signatures an RPM carries
// (header-only and header+payload), as 16 hex digits like rpm prints them.
func KeyIDs(r io.Reader) ([]string, error) {
	f, err := parse(r)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range f.sig {
		if e.tag != tagRSA && e.tag != tagDSA && e.tag != tagPGP && e.tag != tagGPG {
			continue
		}
		p, err := packet.Read(bytes.NewReader(e.data))
		if err != nil {
			return nil, rpmspec.Invalid("signing: signature tag %d: %v", e.tag, err)
		}
		if sig, ok := p.(*packet.Signature); ok && sig.IssuerKeyId != nil {
			out = append(out, fmt.Sprintf("%016x", *sig.IssuerKeyId))
		}
	}
	return out, nil
}

func pubKeyAlgo(sig []byte) (packet.PublicKeyAlgorithm, error) {
	p, err := packet.Read(bytes.NewReader(sig))
	if err != nil {
		return 0, fmt.Errorf("reading the new signature: %w", err)
	}
	s, ok := p.(*packet.Signature)
	if !ok {
		return 0, errors.New("the signer returned no signature packet")
	}
	return s.PubKeyAlgo, nil
}

// parse splits an RPM into lead, signature entries and the rest.
func parse(r io.Reader) (*rpmFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	bad := func(format string, args ...any) (*rpmFile, error) {
		return nil, rpmspec.Invalid("signing: "+format, args...)
	}
	if len(data) < leadSize+introSize || !bytes.Equal(data[:4], []byte{0xed, 0xab, 0xee, 0xdb}) {
		return bad("not an RPM file")
	}
	sigEntries, sigLen, err := readIndex(data[leadSize:])
	if err != nil {
		return bad("signature header: %v", err)
	}
	hdrAt := leadSize + sigLen + (8-sigLen%8)%8
	if hdrAt > len(data) {
		return bad("truncated after the signature header")
	}
	_, hdrLen, err := readIndex(data[hdrAt:])
	if err != nil {
		return bad("header: %v", err)
	}
	return &rpmFile{lead: data[:leadSize], sig: sigEntries, rest: data[hdrAt:], hdrSize: hdrLen}, nil
}

// readIndex decodes a header structure at the start of b and returns its
// entries (the region tag left out) and its total length with the intro.
func readIndex(b []byte) ([]entry, int, error) {
	if len(b) < introSize || !bytes.Equal(b[:4], headerMagic[:4]) {
		return nil, 0, errors.New("bad magic")
	}
	n := int(binary.BigEndian.Uint32(b[8:12]))
	size := int(binary.BigEndian.Uint32(b[12:16]))
	if n < 1 || n > 0xffff || size > 0x0fffffff || introSize+n*16+size > len(b) {
		return nil, 0, errors.New("truncated or oversized")
	}
	index, store := b[introSize:introSize+n*16], b[introSize+n*16:introSize+n*16+size]
	var out []entry
	for i := 0; i < n; i++ {
		e := index[i*16 : i*16+16]
		en := entry{tag: binary.BigEndian.Uint32(e[0:4]), typ: binary.BigEndian.Uint32(e[4:8]), count: binary.BigEndian.Uint32(e[12:16])}
		off := int(binary.BigEndian.Uint32(e[8:12]))
		length, err := valueLen(en.typ, int(en.count), store, off)
		if err != nil {
			return nil, 0, fmt.Errorf("tag %d: %v", en.tag, err)
		}
		if en.tag == tagHeaderSignatures {
			continue
		}
		en.data = store[off : off+length]
		out = append(out, en)
	}
	return out, introSize + n*16 + size, nil
}

// typeSizes are the element sizes of fixed-size types (rpmTagType).
var typeSizes = map[uint32]int{0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}

func valueLen(typ uint32, count int, store []byte, off int) (int, error) {
	if off < 0 || off > len(store) || count < 0 {
		return 0, errors.New("offset out of range")
	}
	if n, ok := typeSizes[typ]; ok {
		if off+n*count > len(store) {
			return 0, errors.New("value overruns the data")
		}
		return n * count, nil
	}
	if typ > 9 {
		return 0, fmt.Errorf("unknown type %d", typ)
	}
	end := off
	for i := 0; i < count; i++ {
		j := bytes.IndexByte(store[end:], 0)
		if j < 0 {
			return 0, errors.New("unterminated string")
		}
		end += j + 1
	}
	return end - off, nil
}

// alignments of the data store (rpm's typeAlign in header.c).
var alignments = map[uint32]int{3: 2, 4: 4, 5: 8}

// encode writes a signature header with its region and the padding to 8
// bytes. Entries are sorted by tag, as headerExport sorts them.
func encode(entries []entry) []byte {
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })
	var store bytes.Buffer
	index := make([]byte, 0, (len(entries)+1)*16)
	put := func(tag, typ uint32, off int32, count uint32) {
		index = binary.BigEndian.AppendUint32(index, tag)
		index = binary.BigEndian.AppendUint32(index, typ)
		index = binary.BigEndian.AppendUint32(index, uint32(off))
		index = binary.BigEndian.AppendUint32(index, count)
	}
	var body []byte
	for _, e := range entries {
		if a := alignments[e.typ]; a > 0 {
			for store.Len()%a != 0 {
				store.WriteByte(0)
			}
		}
		off := store.Len()
		store.Write(e.data)
		var idx []byte
		idx = binary.BigEndian.AppendUint32(idx, e.tag)
		idx = binary.BigEndian.AppendUint32(idx, e.typ)
		idx = binary.BigEndian.AppendUint32(idx, uint32(off))
		idx = binary.BigEndian.AppendUint32(idx, e.count)
		body = append(body, idx...)
	}
	// The region: its entry points at a 16-byte trailer at the end of the
	// store, whose offset field is minus the size of the region's index.
	n := len(entries) + 1
	trailerAt := store.Len()
	var trailer []byte
	trailer = binary.BigEndian.AppendUint32(trailer, tagHeaderSignatures)
	trailer = binary.BigEndian.AppendUint32(trailer, typeBin)
	trailer = binary.BigEndian.AppendUint32(trailer, uint32(int32(-16*n)))
	trailer = binary.BigEndian.AppendUint32(trailer, 16)
	store.Write(trailer)
	put(tagHeaderSignatures, typeBin, int32(trailerAt), 16)
	index = append(index, body...)

	var out bytes.Buffer
	out.Write(headerMagic)
	out.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	out.Write(binary.BigEndian.AppendUint32(nil, uint32(store.Len())))
	out.Write(index)
	out.Write(store.Bytes())
	for pad := (8 - (out.Len()-introSize)%8) % 8; pad > 0; pad-- {
		out.WriteByte(0)
	}
	return out.Bytes()
}
