package sign

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/qm-build/qm-build/rpmspec"
)

// Key is an OpenPGP secret key that can sign.
type Key struct {
	entity *openpgp.Entity
	// at is the signature creation time; zero means the current time.
	at time.Time
}

// keyError is a signing key that cannot be used: unreadable, public only,
// passphrase-protected, or without a signing-capable key. It is bad input
// naming the key's file as the user gave it.
func keyError(name, msg string) error {
	return rpmspec.Invalid("signing key %s: %s", name, msg)
}

// LoadKey reads an OpenPGP secret key, ASCII-armored or binary, from r. name
// labels errors (normally the file name). The key must hold an unencrypted
// secret key that can sign.
func LoadKey(r io.Reader, name string) (*Key, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, keyError(name, fmt.Sprintf("reading: %v", err))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, keyError(name, "is empty")
	}
	if n := bytes.Count(data, []byte("-----BEGIN PGP ")); n > 1 {
		// ReadArmoredKeyRing would read the first block only.
		return nil, keyError(name, fmt.Sprintf("holds %d armored blocks; give exactly one key", n))
	}
	var list openpgp.EntityList
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		list, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		list, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, keyError(name, "not an OpenPGP key: "+strings.TrimPrefix(err.Error(), "openpgp: "))
	}
	if len(list) != 1 {
		return nil, keyError(name, fmt.Sprintf("holds %d keys; give exactly one", len(list)))
	}
	e := list[0]
	k, ok := e.SigningKey(e.PrimaryKey.CreationTime.Add(time.Second))
	if !ok {
		k, ok = e.SigningKey(time.Now())
	}
	switch {
	case !ok:
		return nil, keyError(name, "has no key that may sign")
	case k.PrivateKey == nil:
		return nil, keyError(name, "is a public key; give the secret key")
	case k.PrivateKey.Encrypted:
		return nil, keyError(name, "is protected by a passphrase; export it without one for the build")
	}
	return &Key{entity: e}, nil
}

// Generate makes a new RSA signing key for tests and examples, created at
// created, and returns it with its armored secret key (as LoadKey reads it).
func Generate(name, email string, created time.Time) (*Key, []byte, error) {
	cfg := &packet.Config{
		DefaultHash: crypto.SHA256,
		RSABits:     2048,
		Time:        func() time.Time { return created },
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key: %w", err)
	}
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PrivateKeyType, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := e.SerializePrivate(w, cfg); err != nil {
		return nil, nil, fmt.Errorf("serializing key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	b.WriteByte('\n')
	return &Key{entity: e}, b.Bytes(), nil
}

// At returns the same key signing at time t (e.g. SOURCE_DATE_EPOCH), so that
// signatures are reproducible. A time before the key was created is moved to
// the key's creation time, since a signature may not predate its key.
func (k *Key) At(t time.Time) *Key {
	c := *k
	if created := k.entity.PrimaryKey.CreationTime; t.Before(created) {
		t = created
	}
	c.at = t
	return &c
}

// KeyID is the signing key's 64-bit ID in hex, as rpm prints it ("key ID …").
func (k *Key) KeyID() string {
	if sk, ok := k.entity.SigningKey(k.now()); ok {
		return fmt.Sprintf("%016x", sk.PublicKey.KeyId)
	}
	return fmt.Sprintf("%016x", k.entity.PrimaryKey.KeyId)
}

func (k *Key) now() time.Time {
	if k.at.IsZero() {
		return time.Now()
	}
	return k.at
}

func (k *Key) config() *packet.Config {
	at := k.now()
	cfg := &packet.Config{DefaultHash: crypto.SHA256, Time: func() time.Time { return at }}
	// go-crypto salts v4 signatures with a random notation by default, which
	// guards EdDSA against fault attacks. RSA (PKCS #1 v1.5) needs no such
	// guard and is deterministic without it: leave the salt out, so that
	// signed RPMs are reproducible. Other algorithms keep it.
	if sk, ok := k.entity.SigningKey(at); ok {
		switch sk.PublicKey.PubKeyAlgo {
		case packet.PubKeyAlgoRSA, packet.PubKeyAlgoRSASignOnly:
			deterministic := false
			cfg.NonDeterministicSignaturesViaNotation = &deterministic
		}
	}
	return cfg
}

// DetachSign returns a binary detached signature of data, as rpm stores in its
// signature header.
func (k *Key) DetachSign(data []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := openpgp.DetachSign(&b, k.entity, bytes.NewReader(data), k.config()); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return b.Bytes(), nil
}

// ArmoredDetachSign returns an ASCII-armored detached signature of data, as
// repomd.xml.asc holds it.
func (k *Key) ArmoredDetachSign(data []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&b, k.entity, bytes.NewReader(data), k.config()); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// PublicKeyArmored returns the public key, ASCII-armored, as `rpmkeys --import`
// and RPM-GPG-KEY files take it.
func (k *Key) PublicKeyArmored() ([]byte, error) {
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := k.entity.Serialize(w); err != nil {
		return nil, fmt.Errorf("serializing public key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
