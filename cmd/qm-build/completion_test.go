package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// completionCases are command lines and what completing their last word
// must offer (want) and must not (not), the same in every shell.
var completionCases = []struct {
	name      string
	line      []string // after qm-build; the last word is being completed
	want, not []string
}{
	{"a command", []string{"bu"}, []string{"build"}, []string{"rpm"}},
	{"every command", []string{""}, []string{"build", "check", "completion", "osbuild-stage"}, nil},
	{"a command's flags", []string{"rpm", "--pk"}, []string{"--pkg-version", "--pkg-release"}, []string{"--qm-version", "--out"}},
	{"a subcommand", []string{"selinux", ""}, []string{"policy", "contexts", "label-check"}, nil},
	{"a subcommand's flags", []string{"selinux", "policy", "--"}, []string{"--out", "--pkg-version", "--quiet", "--verbose"}, []string{"--root", "--qm-version"}},
	{"osbuild-stage rpm, not rpm", []string{"osbuild-stage", "rpm", "--"}, []string{"--binary", "--pkg-release"}, []string{"--dropin", "--sign-key"}},
	{"after a flag's value", []string{"rpm", "-o", "rpm", "--dro"}, []string{"--dropin", "--dropin-dir"}, nil},
	{"a flag's values", []string{"build", "--arch", ""}, []string{"x86_64", "aarch64"}, []string{"--arch"}},
	{"drop-in names", []string{"rpm", "--dropin", "tt"}, []string{"tty7"}, []string{"sound"}},
	{"manifest's own flags", []string{"manifest", "--depsolve", ""}, []string{"dnf"}, nil},
}

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	r := runCLI(t, nil, "completion", shell)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Empty(t, r.stderr)
	return r.stdout
}

// TestCompletionBash sources the script in a real bash, checks that it
// registers itself (complete -p) and runs its function on each case.
func TestCompletionBash(t *testing.T) {
	bash := verifiers.Need(t, "bash")
	script := filepath.Join(t.TempDir(), "qm-build.bash")
	require.NoError(t, os.WriteFile(script, []byte(completionScript(t, "bash")), 0o644))
	out, err := exec.Command(bash, "-c", "source "+script+" && complete -p qm-build").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "complete -o filenames -F _qm_build qm-build\n", string(out))
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			words := append([]string{"qm-build"}, tc.line...)
			prog := `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _qm_build; printf '%s\n' "${COMPREPLY[@]}"`
			cmd := exec.Command(bash, append([]string{"-c", prog, script}, words...)...)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			checkOffered(t, strings.Fields(string(out)), tc.want, tc.not)
		})
	}
}

// TestCompletionZsh loads the script as zsh does (#compdef, from fpath, by
// compinit) and runs its function with compadd and _files recording what
// they are given.
func TestCompletionZsh(t *testing.T) {
	zsh := verifiers.Need(t, "zsh")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "_qm-build"), []byte(completionScript(t, "zsh")), 0o644))
	out, err := exec.Command(zsh, "-f", "-c", `fpath=("$0" $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[qm-build]`, dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "_qm-build\n", string(out), "compinit binds qm-build to the script")
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			prog := `compadd() { [ "$1" = -- ] && shift; local w; for w in "$@"; do [[ $w == ${words[CURRENT]}* ]] && print -r -- $w; done; return 0; }
_files() { print -r -- _files; }
fpath=("$0" $fpath); autoload -U _qm-build
shift; words=(qm-build "$@"); CURRENT=${#words}; _qm-build; true`
			out, err := exec.Command(zsh, append([]string{"-f", "-c", prog, dir, "x"}, tc.line...)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			checkOffered(t, strings.Fields(string(out)), tc.want, tc.not)
		})
	}
}

// TestCompletionFish sources the script in a real fish and asks fish for
// each line's completions (complete -C).
func TestCompletionFish(t *testing.T) {
	fish := verifiers.Need(t, "fish")
	script := filepath.Join(t.TempDir(), "qm-build.fish")
	require.NoError(t, os.WriteFile(script, []byte(completionScript(t, "fish")), 0o644))
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			line := "qm-build " + strings.Join(tc.line, " ")
			out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line).CombinedOutput()
			require.NoError(t, err, "%s", out)
			var offered []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				w, _, _ := strings.Cut(l, "\t")
				offered = append(offered, w)
			}
			checkOffered(t, offered, tc.want, tc.not)
		})
	}
}

func checkOffered(t *testing.T, offered, want, not []string) {
	t.Helper()
	for _, w := range want {
		require.Contains(t, offered, w, "offered: %q", offered)
	}
	for _, n := range not {
		require.NotContains(t, offered, n, "offered: %q", offered)
	}
}

func TestCompletionBadShell(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		r := runCLI(t, nil, args...)
		require.Equal(t, exitBadInput, r.code, args)
		require.Empty(t, r.stdout)
	}
}
