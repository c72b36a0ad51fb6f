package sign_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/sign"
)

var created = time.Unix(1690000000, 0)

func generate(t *testing.T) (*sign.Key, []byte) {
	t.Helper()
	k, armored, err := sign.Generate("qm-build test", "test@localhost", created)
	require.NoError(t, err)
	return k, armored
}

func publicRing(t *testing.T, k *sign.Key) openpgp.EntityList {
	t.Helper()
	pub, err := k.PublicKeyArmored()
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pub, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")))
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	require.NoError(t, err)
	require.Len(t, ring, 1)
	require.Nil(t, ring[0].PrivateKey, "the public key leaks the secret key")
	return ring
}

func TestSignaturesVerify(t *testing.T) {
	k, armored := generate(t)
	ring := publicRing(t, k)
	data := []byte("header bytes")
	at := time.Unix(1700000000, 0)

	for _, tc := range []struct {
		name string
		load func() (*sign.Key, error)
	}{
		{"generated key, binary signature", func() (*sign.Key, error) { return k, nil }},
		{"armored secret key", func() (*sign.Key, error) { return sign.LoadKey(bytes.NewReader(armored), "key.asc") }},
		{"binary secret key", func() (*sign.Key, error) { return sign.LoadKey(bytes.NewReader(dearmor(t, armored)), "key.gpg") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := tc.load()
			require.NoError(t, err)
			key = key.At(at)
			sig, err := key.DetachSign(data)
			require.NoError(t, err)
			signer, err := openpgp.CheckDetachedSignature(ring, bytes.NewReader(data), bytes.NewReader(sig), &packet.Config{Time: func() time.Time { return at }})
			require.NoError(t, err)
			require.Equal(t, k.KeyID(), key.KeyID())
			require.Contains(t, signer.PrimaryIdentity().Name, "qm-build test")

			_, err = openpgp.CheckDetachedSignature(ring, strings.NewReader("other bytes"), bytes.NewReader(sig), nil)
			require.Error(t, err, "a signature over other data verifies")

			asc, err := key.ArmoredDetachSign(data)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(asc, []byte("-----BEGIN PGP SIGNATURE-----")))
			_, err = openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(data), bytes.NewReader(asc), &packet.Config{Time: func() time.Time { return at }})
			require.NoError(t, err)
		})
	}
}

func TestSignaturesAreReproducible(t *testing.T) {
	k, _ := generate(t)
	at := k.At(time.Unix(1700000000, 0))
	a, err := at.DetachSign([]byte("x"))
	require.NoError(t, err)
	b, err := at.DetachSign([]byte("x"))
	require.NoError(t, err)
	require.Equal(t, a, b)
	later, err := k.At(time.Unix(1700000001, 0)).DetachSign([]byte("x"))
	require.NoError(t, err)
	require.NotEqual(t, a, later, "the signing time is not in the signature")

	// A time before the key's creation signs at the creation time instead.
	early, err := k.At(time.Unix(0, 0)).DetachSign([]byte("x"))
	require.NoError(t, err)
	atCreation, err := k.At(created).DetachSign([]byte("x"))
	require.NoError(t, err)
	require.Equal(t, atCreation, early)
	p, err := packet.Read(bytes.NewReader(early))
	require.NoError(t, err)
	require.Equal(t, created.Unix(), p.(*packet.Signature).CreationTime.Unix())
}

func TestLoadKeyBadInput(t *testing.T) {
	k, armored := generate(t)
	pub, err := k.PublicKeyArmored()
	require.NoError(t, err)
	protected := func() []byte {
		e, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
		require.NoError(t, err)
		require.NoError(t, e[0].EncryptPrivateKeys([]byte("secret"), nil))
		var b bytes.Buffer
		w, err := armor.Encode(&b, openpgp.PrivateKeyType, nil)
		require.NoError(t, err)
		require.NoError(t, e[0].SerializePrivateWithoutSigning(w, nil))
		require.NoError(t, w.Close())
		return b.Bytes()
	}()
	_, armored2 := generate(t)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty file", "", "is empty"},
		{"garbage", "this is not a key\n", "not an OpenPGP key"},
		{"truncated armor", string(armored[:len(armored)/2]), "not an OpenPGP key"},
		{"public key only", string(pub), "is a public key; give the secret key"},
		{"passphrase-protected", string(protected), "protected by a passphrase"},
		{"two armored keys", string(armored) + string(armored2), "holds 2 armored blocks"},
		{"two binary keys", string(dearmor(t, armored)) + string(dearmor(t, armored2)), "holds 2 keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sign.LoadKey(strings.NewReader(tc.data), "bad.asc")
			require.ErrorContains(t, err, "signing key bad.asc: ")
			require.ErrorContains(t, err, tc.want)
			var bi interface{ BadInput() bool }
			require.ErrorAs(t, err, &bi)
			require.True(t, bi.BadInput())
		})
	}
}

func dearmor(t *testing.T, armored []byte) []byte {
	t.Helper()
	block, err := armor.Decode(bytes.NewReader(armored))
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = b.ReadFrom(block.Body)
	require.NoError(t, err)
	return b.Bytes()
}

// FuzzLoadKey: any bytes are a secret key that signs, or an error; seeded
// with a generated key, armored and binary.
func FuzzLoadKey(f *testing.F) {
	_, armored, err := sign.Generate("qm-build fuzz", "fuzz@localhost", created)
	require.NoError(f, err)
	f.Add(armored)
	if b, err := armor.Decode(bytes.NewReader(armored)); err == nil {
		var raw bytes.Buffer
		_, _ = raw.ReadFrom(b.Body)
		f.Add(raw.Bytes())
	}
	f.Add([]byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n=AAAA\n-----END PGP PRIVATE KEY BLOCK-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := sign.LoadKey(bytes.NewReader(data), "fuzz.key")
		if err != nil {
			require.Contains(t, err.Error(), "fuzz.key")
			return
		}
		_, err = k.PublicKeyArmored()
		require.NoError(t, err)
	})
}
