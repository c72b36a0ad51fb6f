package main

import (
	"bytes"
	be "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/test/verifiers"
)

// hugeHeaderRPM is a package whose main header declares 256 MiB of data
// and more (a description of that size), cut after the header's intro: rpm
// and createrepo_c refuse it on the intro alone, as qm-build must, so the
// test need not write the 256 MiB.
func hugeHeaderRPM(t *testing.T) []byte {
	t.Helper()
	ok := testrpm.Build(t, testrpm.Spec{Name: "huge", Files: map[string]string{"/etc/huge": "x"}})
	const lead, intro = 96, 16
	nsig := int(be.BigEndian.Uint32(ok[lead+8:]))
	sigData := int(be.BigEndian.Uint32(ok[lead+12:]))
	main := lead + intro + nsig*16 + sigData
	main += (8 - sigData%8) % 8
	require.Equal(t, []byte{0x8e, 0xad, 0xe8, 0x01}, ok[main:main+4])
	out := bytes.Clone(ok[:main+intro])
	be.BigEndian.PutUint32(out[main+12:], 256<<20+100)
	return out
}

// TestInvalidPackagesRefused (issue 17, case 6): packages rpm cannot load
// (a NUL inside a file name, a header over 256 MiB) or whose file names do
// not read back (a newline) are refused by repo, publish and check rpms:
// with exit status 2, naming the file. rpm and createrepo_c are the oracle
// for the first two; for the newline, rpm -qpl shows the name broken over
// two lines.
func TestInvalidPackagesRefused(t *testing.T) {
	rpmBin := verifiers.Need(t, "rpm")
	createrepo := verifiers.Need(t, "createrepo_c")
	for _, tc := range []struct {
		name   string
		data   func(t *testing.T) []byte
		oracle string // what rpm -qpl says ("" when it lists the package)
		want   string // in qm-build's message
	}{
		{"nul in a file name", func(t *testing.T) []byte {
			return testrpm.Build(t, testrpm.Spec{Name: "nul", Files: map[string]string{"/etc/a\x00b": "x"}})
		}, "hdr load: BAD", "(a string with a NUL inside it?)"},
		{"header over 256 MiB", hugeHeaderRPM, "out of range", "268435556 bytes of data"},
		{"newline in a file name", func(t *testing.T) []byte {
			return testrpm.Build(t, testrpm.Spec{Name: "nl", Files: map[string]string{"/etc/a\nb": "x"}})
		}, "", `file name "/etc/a\nb" contains the control character 0x0a`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rpms := filepath.Join(dir, "rpms")
			require.NoError(t, os.Mkdir(rpms, 0o755))
			file := filepath.Join(rpms, "bad-1.0-1.noarch.rpm")
			require.NoError(t, os.WriteFile(file, tc.data(t), 0o644))

			out, err := exec.Command(rpmBin, "-qpl", file).CombinedOutput()
			if tc.oracle != "" {
				require.Error(t, err, "rpm loads the package: %s", out)
				require.Contains(t, string(out), tc.oracle)
				cr := t.TempDir()
				require.NoError(t, os.Link(file, filepath.Join(cr, "bad.rpm")))
				out, _ := exec.Command(createrepo, cr).CombinedOutput()
				require.Contains(t, string(out), "invalid packages", "createrepo_c refuses it")
			} else {
				require.NoError(t, err, "%s", out)
				require.Equal(t, "/etc/a\nb\n", string(out), "rpm lists the name over two lines")
			}

			for _, args := range [][]string{
				{"repo", rpms},
				{"publish", "--mirror", filepath.Join(dir, "mirror"), "--releasever", "9", "--arch", "x86_64", rpms},
				{"check", "rpms:" + rpms},
			} {
				r := runCLI(t, nil, args...)
				require.Equal(t, exitBadInput, r.code, "%v: %s%s", args, r.stdout, r.stderr)
				require.Contains(t, r.stderr, "bad-1.0-1.noarch.rpm", args)
				require.Contains(t, r.stderr, tc.want, args)
			}
			_, err = os.Stat(filepath.Join(rpms, "repodata"))
			require.ErrorIs(t, err, os.ErrNotExist, "repo wrote no repodata")
		})
	}
}
