package check

import (
	"bytes"
	"testing"
)

// FuzzLoadKeyring: any --keyring bytes are a list of keys or bad input,
// never a panic.
func FuzzLoadKeyring(f *testing.F) {
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	f.Add([]byte{0x99, 0x00, 0x0d, 0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := LoadKeyring(bytes.NewReader(data), "fuzz.keys")
		if err == nil && len(keys) == 0 {
			t.Fatal("an empty keyring accepted")
		}
	})
}
