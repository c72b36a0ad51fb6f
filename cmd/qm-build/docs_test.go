package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/test/golden"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestReferenceDocs keeps docs/cli.md (every flag of every command) and the
// man pages in docs/man from drifting from the flag sets the commands parse:
// both are generated from them here; `go test ./cmd/qm-build -run
// TestReferenceDocs -update` rewrites them.
func TestReferenceDocs(t *testing.T) {
	root := verifiers.RepoRoot(t)
	sets := flagSets()
	golden.Check(t, filepath.Join(root, "docs", "cli.md"), cliTable(sets))

	manDir := filepath.Join(root, "docs", "man")
	want := map[string][]byte{"qm-build.1": manTop()}
	for _, s := range sets {
		want[manName(s.path)+".1"] = manPage(s)
	}
	for name, page := range want {
		golden.Check(t, filepath.Join(manDir, name), page)
	}
	// A page of a command that no longer exists is stale.
	entries, err := os.ReadDir(manDir)
	require.NoError(t, err)
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok {
			if golden.Update() {
				require.NoError(t, os.Remove(filepath.Join(manDir, e.Name())))
				continue
			}
			t.Errorf("docs/man/%s is no command's page: run the test with -update", e.Name())
		}
	}
}

// TestManPagesRender formats every page with the real man (man -l) and
// checks that the name and every flag of the command come out.
func TestManPagesRender(t *testing.T) {
	man := verifiers.Need(t, "man")
	root := verifiers.RepoRoot(t)
	for _, s := range flagSets() {
		t.Run(strings.Join(s.path, " "), func(t *testing.T) {
			page := filepath.Join(root, "docs", "man", manName(s.path)+".1")
			cmd := verifiers.Cmd{Env: []string{"MANWIDTH=200", "MAN_KEEP_FORMATTING=0"}}
			r := cmd.Run(t, man, "-l", "-P", "cat", page)
			require.Equal(t, 0, r.Code, r.Stderr)
			require.Contains(t, r.Stdout, manName(s.path))
			out := overstrike.ReplaceAllString(r.Stdout, "") // bold and underline as man -P cat writes them
			s.fs.VisitAll(func(f *pflag.Flag) {
				if !f.Hidden {
					require.Contains(t, out, "--"+f.Name, "%s lacks --%s", page, f.Name)
				}
			})
		})
	}
}

var overstrike = regexp.MustCompile(".\b")

func manName(path []string) string { return "qm-build-" + strings.Join(path, "-") }

// synopsisAndText splits a command's usage text into its synopsis (up to
// the first blank line) and the rest.
func synopsisAndText(usage string) (string, string) {
	syn, text, _ := strings.Cut(strings.TrimSpace(usage), "\n\n")
	return syn, text
}

// flagRows are the visible flags of a set, the command's own first.
func flagRows(fs *pflag.FlagSet) (own, common []*pflag.Flag) {
	fs.VisitAll(func(f *pflag.Flag) {
		switch {
		case f.Hidden:
		case cli.IsCommon(f):
			common = append(common, f)
		default:
			own = append(own, f)
		}
	})
	return own, common
}

// valueName is the flag's value as --help shows it ("string"), or "" for a
// switch.
func valueName(f *pflag.Flag) string {
	if f.NoOptDefVal != "" {
		return ""
	}
	v, _ := pflag.UnquoteUsage(f)
	return v
}

func defaultOf(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "[]", "0":
		return ""
	}
	return f.DefValue
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func cliTable(sets []cmdFlags) []byte {
	var b bytes.Buffer
	b.WriteString(`# qm-build's command line: every flag of every command

This page is generated from the flag sets the commands parse (` + "`go test ./cmd/qm-build -run TestReferenceDocs -update`" + `),
so it cannot drift from ` + "`--help`" + `; the man pages in [man/](man/) come from the same place.

## Conventions

One name per idea, in every command:

| flag | means |
|---|---|
| ` + "`-o`, `--out PATH`" + ` | where the command writes its result (a file or a directory) |
| ` + "`--output FORMAT`" + ` | how the command prints what it reports: ` + "`text`, `json`" + ` (and ` + "`sarif`" + ` for check); never a path |
| ` + "`--root DIR`" + ` | an image tree the command reads or writes |
| ` + "`--pkg-version`, `--pkg-release`" + ` | version and release of the packages the command writes |
| ` + "`--releasever`" + ` | a distribution release (as dnf names it), e.g. ` + "`9-stream`" + ` |
| ` + "`--arch ARCH`" + ` | one architecture per value; publish, which handles several, takes it repeated or comma-separated; the others refuse a list |
| ` + "`-q`, `--quiet`" + ` | every command: nothing on stderr but errors |
| ` + "`-v`, `--verbose`" + ` | every command: each step on stderr as a line, and the time taken |

Old spellings still work, print one line saying so on stderr, and are not
listed:

` + aliasList(sets) + `
Exit status, every command: 0 success, 1 failure or findings, 2 bad input.
` + "`qm-build completion bash|zsh|fish`" + ` prints a completion script.

`)
	for _, s := range sets {
		own, _ := flagRows(s.fs)
		fmt.Fprintf(&b, "## qm-build %s\n\n", strings.Join(s.path, " "))
		syn, _ := synopsisAndText(s.usage)
		fmt.Fprintf(&b, "```\n%s\n```\n\n", syn)
		if len(own) == 0 {
			b.WriteString("Only the common flags (`-q`, `-v`).\n\n")
			continue
		}
		b.WriteString("| flag | value | default | what it does |\n|---|---|---|---|\n")
		for _, f := range own {
			name := "`--" + f.Name + "`"
			if f.Shorthand != "" {
				name = "`-" + f.Shorthand + "`, " + name
			}
			def := defaultOf(f)
			if def != "" {
				def = "`" + mdEscape(def) + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, valueName(f), def, mdEscape(f.Usage))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// aliasList lists the deprecated spellings: old → new, and where.
func aliasList(sets []cmdFlags) string {
	type alias struct{ old, now string }
	where := map[alias][]string{}
	var order []alias
	for _, s := range sets {
		s.fs.VisitAll(func(f *pflag.Flag) {
			if f.Deprecated == "" {
				return
			}
			now := strings.TrimSuffix(strings.TrimPrefix(f.Deprecated, "use "), " instead")
			a := alias{"--" + f.Name, now}
			if _, ok := where[a]; !ok {
				order = append(order, a)
			}
			where[a] = append(where[a], strings.Join(s.path, " "))
		})
	}
	var b strings.Builder
	for _, a := range order {
		fmt.Fprintf(&b, "- `%s` → `%s` (%s)\n", a.old, a.now, strings.Join(where[a], ", "))
	}
	return b.String()
}

// roff escapes text for a man page: backslashes, and a leading dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func manHeader(b *bytes.Buffer, name, summary string) {
	fmt.Fprintf(b, ".TH %s 1 \"\" \"qm-build\" \"qm-build Manual\"\n", strings.ToUpper(name))
	fmt.Fprintf(b, ".SH NAME\n%s \\- %s\n", roff(name), roff(summary))
}

func manFlags(b *bytes.Buffer, title string, flags []*pflag.Flag) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", title)
	for _, f := range flags {
		b.WriteString(".TP\n")
		if f.Shorthand != "" {
			fmt.Fprintf(b, "\\fB\\-%s\\fR, ", f.Shorthand)
		}
		fmt.Fprintf(b, "\\fB\\-\\-%s\\fR", roff(f.Name))
		if v := valueName(f); v != "" {
			fmt.Fprintf(b, " \\fI%s\\fR", roff(v))
		}
		b.WriteString("\n" + roff(f.Usage))
		if d := defaultOf(f); d != "" {
			fmt.Fprintf(b, " (default: %s)", roff(d))
		}
		b.WriteString("\n")
	}
}

func manPage(s cmdFlags) []byte {
	var b bytes.Buffer
	manHeader(&b, manName(s.path), s.summary)
	syn, text := synopsisAndText(s.usage)
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.nf\n%s\n.fi\n", roff(syn))
	if text != "" {
		fmt.Fprintf(&b, ".SH DESCRIPTION\n.nf\n%s\n.fi\n", roff(text))
	}
	own, common := flagRows(s.fs)
	manFlags(&b, "OPTIONS", own)
	manFlags(&b, "COMMON OPTIONS", common)
	b.WriteString(".SH EXIT STATUS\n0 success, 1 failure or findings, 2 bad input.\n")
	b.WriteString(".SH SEE ALSO\n\\fBqm\\-build\\fR(1)\n")
	return b.Bytes()
}

func manTop() []byte {
	var b bytes.Buffer
	manHeader(&b, "qm-build", "QM artifacts at OS-image build time")
	b.WriteString(".SH SYNOPSIS\n.nf\nqm\\-build COMMAND [flags]\nqm\\-build \\-\\-version\n.fi\n")
	var u bytes.Buffer
	printUsage(&u)
	_, rest, _ := strings.Cut(u.String(), "Commands:\n")
	fmt.Fprintf(&b, ".SH COMMANDS\n.nf\n%s\n.fi\n", roff(strings.TrimSpace(rest)))
	b.WriteString(".SH EXIT STATUS\n0 success, 1 failure or findings, 2 bad input.\n")
	var see []string
	for _, c := range commands {
		see = append(see, fmt.Sprintf("\\fB%s\\fR(1)", roff(manName([]string{c.name}))))
	}
	slices.Sort(see)
	fmt.Fprintf(&b, ".SH SEE ALSO\n%s\n", strings.Join(see, ",\n"))
	return b.Bytes()
}
