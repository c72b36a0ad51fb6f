package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestMakeInstall runs `make install-files PREFIX=…` (what `make install`
// runs after `make build`) with the programs the tests built, then uses
// what it installed as a user would: man finds qm-build-check through
// MANPATH, bash, zsh and fish load the completions from where they look,
// and the installed qm-build finds qm-build-manifest beside itself.
func TestMakeInstall(t *testing.T) {
	mk := verifiers.Need(t, "make")
	man := verifiers.Need(t, "man")
	bash := verifiers.Need(t, "bash")
	zsh := verifiers.Need(t, "zsh")
	fish := verifiers.Need(t, "fish")
	bin := t.TempDir()
	for name, pkg := range map[string]string{"qm-build": "./cmd/qm-build", "qm-build-manifest": "./cmd/qm-build-manifest", "qm-build-publish": "./cmd/qm-build-publish", "org.osbuild.qm": "./cmd/org.osbuild.qm"} {
		require.NoError(t, os.Symlink(binary(t, pkg), filepath.Join(bin, name)))
	}
	prefix := filepath.Join(t.TempDir(), "usr")
	r := verifiers.Cmd{Dir: verifiers.RepoRoot(t)}.Run(t, mk, "--no-print-directory", "install-files", "PREFIX="+prefix, "BINDIR="+bin)
	require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)

	for _, f := range []string{"bin/qm-build", "bin/qm-build-manifest", "bin/qm-build-publish", "bin/org.osbuild.qm", "share/man/man1/qm-build.1",
		"share/man/man1/qm-build-check.1", "share/bash-completion/completions/qm-build",
		"share/zsh/site-functions/_qm-build", "share/fish/vendor_completions.d/qm-build.fish"} {
		fi, err := os.Lstat(filepath.Join(prefix, f))
		require.NoError(t, err, f)
		require.True(t, fi.Mode().IsRegular(), "%s is a regular file", f)
	}

	manEnv := verifiers.Cmd{Env: []string{"MANPATH=" + filepath.Join(prefix, "share", "man"), "MANWIDTH=100"}}
	r = manEnv.Run(t, man, "-w", "qm-build-check")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Equal(t, filepath.Join(prefix, "share/man/man1/qm-build-check.1"), strings.TrimSpace(r.Stdout))
	r = manEnv.Run(t, man, "-P", "cat", "qm-build-check")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, overstrike.ReplaceAllString(r.Stdout, ""), "qm-build check TARGET")

	r = verifiers.Run(t, bash, "-c", "source "+filepath.Join(prefix, "share/bash-completion/completions/qm-build")+"; complete -p qm-build")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Equal(t, "complete -o filenames -F _qm_build qm-build\n", r.Stdout)

	r = verifiers.Run(t, zsh, "-f", "-c", `fpath=("$0" $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[qm-build]`, filepath.Join(prefix, "share/zsh/site-functions"))
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Equal(t, "_qm-build\n", r.Stdout)

	// fish loads a command's completions when it completes an installed command.
	r = verifiers.Run(t, fish, "--no-config", "-c", `set -p fish_complete_path $argv[1]; set -p PATH $argv[2]; complete -C 'qm-build selinux '`,
		filepath.Join(prefix, "share/fish/vendor_completions.d"), filepath.Join(prefix, "bin"))
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "label-check")

	// The installed qm-build runs the installed qm-build-manifest, with
	// nothing on PATH.
	r = verifiers.Cmd{Env: []string{"PATH=" + t.TempDir()}}.Run(t, filepath.Join(prefix, "bin/qm-build"), "manifest", "--help")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "qm-build manifest --distro")
}
