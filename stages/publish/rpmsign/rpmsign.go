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
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// Signer makes binary OpenPGP detached signatures; *sign.Key (rpmspec/sign)
// implements it.
type Signer interface {
	DetachSign(data []byte) ([]byte, error)
}

// Signature-header tags (rpm's include/rpm/rpmtag.h, rpmSigTag_e).
const (
	tagDSA           = 267  // RPMSIGTAG_DSA: header-only, DSA/ECDSA/EdDSA
	tagRSA           = 268  // RPMSIGTAG_RSA: header-only, RSA
	tagPGP           = 1002 // RPMSIGTAG_PGP: header+payload, RSA
	tagGPG           = 1005 // RPMSIGTAG_GPG: header+payload, DSA/ECDSA/EdDSA
	tagPGP5          = 1006 // RPMSIGTAG_PGP5 (obsolete)
	tagReservedSpace = 1008 // RPMSIGTAG_RESERVEDSPACE, room for in-place signing
)

// oldSignatureTags are dropped before signing: one package, one signer.
var oldSignatureTags = map[uint32]bool{tagDSA: true, tagRSA: true, tagPGP: true, tagGPG: true, tagPGP5: true, tagReservedSpace: true}

// An RPM that cannot be signed because it is not a well-formed RPM is bad
// input: an rpmspec.InputError saying "signing: …".

// rpmFile is an RPM split at its signature header (read and written by
// rpmspec/rpm/header, which the repository indexer shares).
type rpmFile struct {
	lead    []byte
	sig     []header.Entry // the region left out
	rest    []byte         // main header and payload, unchanged
	hdrSize int            // length of the main header within rest
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
	var kept []header.Entry
	for _, e := range f.sig {
		if !oldSignatureTags[e.Tag] {
			kept = append(kept, e)
		}
	}
	kept = append(kept,
		header.Entry{Tag: hdrTag, Type: header.TypeBin, Count: uint32(len(hdrSig)), Data: hdrSig},
		header.Entry{Tag: allTag, Type: header.TypeBin, Count: uint32(len(allSig)), Data: allSig})
	if _, err := w.Write(f.lead); err != nil {
		return err
	}
	if _, err := w.Write(header.EncodeSignature(kept)); err != nil {
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
		if e.Tag != tagRSA && e.Tag != tagDSA && e.Tag != tagPGP && e.Tag != tagGPG {
			continue
		}
		p, err := packet.Read(bytes.NewReader(e.Data))
		if err != nil {
			return nil, rpmspec.Invalid("signing: signature tag %d: %v", e.Tag, err)
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
	if len(data) < header.LeadSize+header.IntroSize || !bytes.Equal(data[:4], header.LeadMagic) {
		return bad("not an RPM file")
	}
	sig, sigLen, err := header.Parse(data[header.LeadSize:])
	if err != nil {
		return bad("signature header: %v", err)
	}
	hdrAt := header.LeadSize + sigLen + (8-sigLen%8)%8
	if hdrAt > len(data) {
		return bad("truncated after the signature header")
	}
	_, hdrLen, err := header.Parse(data[hdrAt:])
	if err != nil {
		return bad("header: %v", err)
	}
	entries := slices.DeleteFunc(sig.Entries(), func(e header.Entry) bool { return e.Tag == header.TagHeaderSignatures })
	return &rpmFile{lead: data[:header.LeadSize], sig: entries, rest: data[hdrAt:], hdrSize: hdrLen}, nil
}
