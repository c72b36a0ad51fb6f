package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImageFlag: --image takes a known key and a fully qualified reference;
// a short name needs --allow-short-names; nothing is written on bad input.
func TestImageFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"fully qualified", []string{"--image", "kvm=registry.example.com/vm/kvm:2"}, exitOK, ""},
		{"by digest", []string{"--image", "kvm=quay.io/qm-images/kvm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, exitOK, ""},
		{"a short name", []string{"--image", "kvm=qm-images/kvm:latest"}, exitBadInput,
			`--image kvm: "qm-images/kvm:latest" is a short name: give the registry, the repository and a tag or digest (e.g. quay.io/qm-images/kvm:latest), or allow short names (--allow-short-names)`},
		{"a short name allowed", []string{"--image", "kvm=qm-images/kvm:latest", "--allow-short-names"}, exitOK, ""},
		{"no tag", []string{"--image", "kvm=quay.io/qm-images/kvm"}, exitBadInput, "names no tag or digest"},
		{"an unknown key", []string{"--image", "kvmm=quay.io/qm-images/kvm:1"}, exitBadInput, `--image kvmm: unknown image key "kvmm"; known keys: audio, kvm,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			res := runCLI(t, nil, append([]string{"rpm", "--dropin", "kvm", "--out", out}, tc.args...)...)
			require.Equal(t, tc.code, res.code, res.stderr)
			require.Contains(t, res.stderr, tc.err)
			if tc.code != exitOK {
				entries, err := os.ReadDir(out)
				require.NoError(t, err)
				require.Empty(t, entries, "bad input wrote something")
			}
		})
	}
}

// TestIssue17InjectionThroughImage: a reference with a newline would write a
// line of its own into the nested quadlet (PodmanArgs=--privileged, which
// check then passed); it is refused as bad input by every command that
// takes --image, short names allowed or not, and nothing is written. pflag
// refuses a bare newline in the KEY=VALUE list itself; a CSV-quoted one
// reaches the model, which refuses it.
func TestIssue17InjectionThroughImage(t *testing.T) {
	const ours = "has a space, a newline or a control character"
	const textRule = "a value must be one line of printable text" // rpmspec.CheckLine, on every flag
	for _, tc := range []struct{ ref, err string }{
		{"kvm=a\nPodmanArgs=--privileged", "must be a single CSV record"},
		{"\"kvm=a\nPodmanArgs=--privileged\"", `--image: "kvm=a\nPodmanArgs=--privileged" has a line break (U+000A); ` + textRule},
		{"\"kvm=quay.io/a/b:1\nPodmanArgs=--privileged\"", textRule},
		{"kvm=quay.io/a/b:1\tx", textRule},
		{"kvm=quay.io/a/b:1\x00", textRule},
		{"kvm=quay.io/a/b:1 x", ours},
	} {
		ref := tc.ref
		for _, cmd := range [][]string{{"rpm", "--out"}, {"rootfs", "--root"}, {"build", "--out"}} {
			t.Run(cmd[0], func(t *testing.T) {
				dir := t.TempDir()
				res := runCLI(t, nil, cmd[0], cmd[1], dir, "--dropin", "kvm", "--allow-short-names", "--image", ref)
				require.Equal(t, exitBadInput, res.code, res.stderr)
				require.Contains(t, res.stderr, tc.err)
				var written []string
				require.NoError(t, filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
					if p != dir {
						written = append(written, p)
					}
					return err
				}))
				require.Empty(t, written)
			})
		}
		t.Run("quadlet", func(t *testing.T) {
			res := runCLI(t, nil, "quadlet", "--dropin", "kvm", "--image", ref)
			require.Equal(t, exitBadInput, res.code, res.stderr)
			require.Empty(t, res.stdout)
		})
	}
}
