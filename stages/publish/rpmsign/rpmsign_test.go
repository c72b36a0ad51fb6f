package rpmsign_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/rpmsign"
	"github.com/qm-build/qm-build/test/golden"
	"github.com/qm-build/qm-build/test/verifiers"
)

var keyTime = time.Unix(1700000000, 0)

func newKey(t testing.TB, name string) (*sign.Key, []byte) {
	t.Helper()
	k, _, err := sign.Generate(name, name+"@example.com", keyTime)
	require.NoError(t, err)
	pub, err := k.PublicKeyArmored()
	require.NoError(t, err)
	return k.At(keyTime), pub
}

// rpmkeys runs `rpmkeys -Kv` on file with a keyring holding pubs.
func rpmkeys(t *testing.T, file string, pubs ...[]byte) verifiers.Result {
	t.Helper()
	tool := verifiers.Need(t, "rpmkeys")
	db := t.TempDir()
	env := verifiers.Cmd{Env: []string{"HOME=" + verifiers.ScratchHome(t)}}
	for i, p := range pubs {
		f := filepath.Join(t.TempDir(), "key.asc")
		require.NoError(t, os.WriteFile(f, p, 0o644))
		r := env.Run(t, tool, "--dbpath", db, "--import", f)
		require.Equal(t, 0, r.Code, "import %d: %s", i, r.Stderr)
	}
	return env.Run(t, tool, "--dbpath", db, "-Kv", file)
}

func signFile(t *testing.T, in []byte, k rpmsign.Signer) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, rpmsign.Sign(bytes.NewReader(in), &out, k))
	f := filepath.Join(t.TempDir(), "signed.rpm")
	require.NoError(t, os.WriteFile(f, out.Bytes(), 0o644))
	return f
}

func TestSignVerifiesWithRpmkeys(t *testing.T) {
	key, pub := newKey(t, "alice")
	project := testrpm.WriteProject(t, t.TempDir(), nil)
	inputs := map[string][]byte{
		"rpmpack gzip stub": testrpm.Build(t, testrpm.Spec{Name: "stub", Files: map[string]string{"/etc/stub": "x\n"}}),
		"project package":   must(os.ReadFile(project[0])),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			f := signFile(t, in, key)
			r := rpmkeys(t, f, pub)
			require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)
			require.Contains(t, r.Stdout, "Header V4 RSA/SHA256 Signature, key ID")
			require.Contains(t, r.Stdout, "Header SHA256 digest: OK")
			require.Contains(t, r.Stdout, "Payload SHA256 digest: OK")
			require.Contains(t, r.Stdout, "    V4 RSA/SHA256 Signature, key ID")
			require.NotContains(t, r.Stdout, "BAD")

			t.Run("without the key: NOKEY", func(t *testing.T) {
				r := rpmkeys(t, f)
				require.Equal(t, 1, r.Code)
				require.Contains(t, r.Stdout, "NOKEY")
			})
			t.Run("tampered payload: BAD", func(t *testing.T) {
				data := must(os.ReadFile(f))
				data[len(data)-3] ^= 0x40
				require.NoError(t, os.WriteFile(f, data, 0o644))
				r := rpmkeys(t, f, pub)
				require.NotEqual(t, 0, r.Code)
				require.Contains(t, r.Stdout, "BAD")
			})
		})
	}
}

func TestResignReplacesTheSignature(t *testing.T) {
	alice, _ := newKey(t, "alice")
	bob, bobPub := newKey(t, "bob")
	first := must(os.ReadFile(signFile(t, testrpm.Build(t, testrpm.Spec{Name: "stub"}), alice)))
	ids, err := rpmsign.KeyIDs(bytes.NewReader(first))
	require.NoError(t, err)
	require.Equal(t, []string{alice.KeyID(), alice.KeyID()}, ids)

	f := signFile(t, first, bob)
	ids, err = rpmsign.KeyIDs(bytes.NewReader(must(os.ReadFile(f))))
	require.NoError(t, err)
	require.Equal(t, []string{bob.KeyID(), bob.KeyID()}, ids)
	r := rpmkeys(t, f, bobPub)
	require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)
	require.Contains(t, strings.ToLower(r.Stdout), "key id "+bob.KeyID()[8:])

	t.Run("the same key and time give the same bytes", func(t *testing.T) {
		again := must(os.ReadFile(signFile(t, must(os.ReadFile(f)), bob)))
		require.Equal(t, must(os.ReadFile(f)), again)
	})
}

func TestBadInput(t *testing.T) {
	key, _ := newKey(t, "alice")
	good := testrpm.Build(t, testrpm.Spec{Name: "stub"})
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"text", []byte(strings.Repeat("not an rpm\n", 20))},
		{"truncated signature header", good[:120]},
		{"truncated header", good[:400]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := rpmsign.Sign(bytes.NewReader(tc.in), &bytes.Buffer{}, key)
			require.Error(t, err)
			var e *rpmspec.InputError
			require.ErrorAs(t, err, &e)
			require.True(t, e.BadInput())
		})
	}
}

// FuzzKeyIDs feeds arbitrary bytes to the signature-header parser, seeded
// with testdata/*.rpm (an unsigned and a signed package).
func FuzzKeyIDs(f *testing.F) {
	if golden.Update() {
		key, _, err := sign.Generate("seed", "seed@example.com", keyTime)
		if err != nil {
			f.Fatal(err)
		}
		unsigned := testrpm.Build(f, testrpm.Spec{Name: "seed", Files: map[string]string{"/etc/seed": "s\n"}})
		var signed bytes.Buffer
		if err := rpmsign.Sign(bytes.NewReader(unsigned), &signed, key.At(keyTime)); err != nil {
			f.Fatal(err)
		}
		_ = os.WriteFile("testdata/unsigned.rpm", unsigned, 0o644)
		_ = os.WriteFile("testdata/signed.rpm", signed.Bytes(), 0o644)
	}
	seeds, _ := filepath.Glob("testdata/*.rpm")
	for _, s := range seeds {
		f.Add(must(os.ReadFile(s)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = rpmsign.KeyIDs(bytes.NewReader(data))
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
