package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec"
)

const completionUsage = `qm-build completion bash|zsh|fish

Prints a completion script for the shell: commands, subcommands, every
command's flags, and the values of the flags that take a fixed set (--arch,
--distro, --dropin, --output, …); paths elsewhere. Load it with:

  bash:  source <(qm-build completion bash)
  zsh:   qm-build completion zsh > "${fpath[1]}/_qm-build"
  fish:  qm-build completion fish | source

make install puts the three scripts where the shells look for them.`

func cmdCompletion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "completion", completionUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("give one shell: bash, zsh or fish (see --help)")
	}
	c, err := newCompletion()
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "bash":
		c.bash(e.stdout)
	case "zsh":
		c.zsh(e.stdout)
	case "fish":
		c.fish(e.stdout)
	default:
		return usageErrorf("unknown shell %q: want bash, zsh or fish", fs.Arg(0))
	}
	return nil
}

// completion is what the scripts offer, from the commands' own flag sets.
type completion struct {
	sets []cmdFlags
	// values are the fixed values of a flag, by flag name.
	values map[string][]string
}

func newCompletion() (*completion, error) {
	cat, err := rpmspec.Builtin()
	if err != nil {
		return nil, err
	}
	dropins := append([]string{"all"}, cat.Names()...)
	return &completion{
		sets: flagSets(),
		values: map[string][]string{
			"arch":     {"x86_64", "aarch64"},
			"distro":   {"cs9", "cs10", "autosd9", "autosd10", "fedora-42"},
			"dropin":   dropins,
			"output":   {"text", "json", "sarif"},
			"compress": {"zstd", "xz", "gzip"},
			"profile":  {"default", "strict"},
			"depsolve": {"dnf"},
			"print":    {"host", "qm", "nested"},
		},
	}, nil
}

// key is a command line's name in the scripts: "rpm", "selinux policy".
func (c cmdFlags) key() string { return strings.Join(c.path, " ") }

// words are a flag set's spellings, --long and -s: the command's own flags,
// then the common ones.
func words(fs *pflag.FlagSet) []string {
	var own, common []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		w := &own
		if cli.IsCommon(f) {
			w = &common
		}
		*w = append(*w, "--"+f.Name)
		if f.Shorthand != "" {
			*w = append(*w, "-"+f.Shorthand)
		}
	})
	return append(own, common...)
}

// takesValue reports whether a flag needs a value (every flag but a bool).
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

// valueFlags is every spelling, in every command, of a flag that takes a
// value: the scripts skip the word after one when they look for the command.
func (c *completion) valueFlags() []string {
	var w []string
	for _, s := range c.sets {
		s.fs.VisitAll(func(f *pflag.Flag) {
			if takesValue(f) {
				w = append(w, "--"+f.Name)
				if f.Shorthand != "" {
					w = append(w, "-"+f.Shorthand)
				}
			}
		})
	}
	slices.Sort(w)
	return slices.Compact(w)
}

func (c *completion) commandNames() []string {
	var n []string
	for _, cmd := range commands {
		n = append(n, cmd.name)
	}
	return n
}

// shellFuncs writes the functions bash and zsh share: the command line's
// key from its words, each key's flags and subcommands, each flag's values.
func (c *completion) shellFuncs(w io.Writer) {
	fmt.Fprintf(w, "__qm_build_value_flags=' %s '\n\n", strings.Join(c.valueFlags(), " "))
	fmt.Fprint(w, "# __qm_build_subcommands CMD: the subcommands of a command.\n__qm_build_subcommands() {\n  case \"$1\" in\n")
	for _, cmd := range commands {
		if len(cmd.subcommands) > 0 {
			fmt.Fprintf(w, "    %s) echo %s ;;\n", cmd.name, strings.Join(cmd.subcommands, " "))
		}
	}
	fmt.Fprint(w, "  esac\n}\n\n")
	fmt.Fprint(w, "# __qm_build_flags KEY: the flags of a command line (\"rpm\", \"selinux policy\").\n__qm_build_flags() {\n  case \"$1\" in\n")
	for _, s := range c.sets {
		fmt.Fprintf(w, "    %q) echo %s ;;\n", s.key(), strings.Join(words(s.fs), " "))
	}
	fmt.Fprint(w, "  esac\n}\n\n")
	fmt.Fprint(w, "# __qm_build_values FLAG: a flag's fixed values; nothing for a path.\n__qm_build_values() {\n  case \"$1\" in\n")
	for _, n := range sortedKeys(c.values) {
		fmt.Fprintf(w, "    --%s) echo %s ;;\n", n, strings.Join(c.values[n], " "))
	}
	fmt.Fprint(w, "  esac\n}\n\n")
	fmt.Fprint(w, `# __qm_build_key WORD...: the command line's key from the words after
# qm-build and before the one being completed (flag values skipped).
__qm_build_key() {
  local cmd="" sub="" skip="" w
  for w in "$@"; do
    if [ -n "$skip" ]; then skip=""; continue; fi
    case "$w" in
      --*=*) ;;
      -*) case "$__qm_build_value_flags" in *" $w "*) skip=1 ;; esac ;;
      *)
        if [ -z "$cmd" ]; then cmd="$w"
        elif [ -z "$sub" ]; then
          case " $(__qm_build_subcommands "$cmd") " in *" $w "*) sub="$w" ;; esac
          [ -n "$sub" ] || sub=" "
        fi ;;
    esac
  done
  if [ -n "$sub" ] && [ "$sub" != " " ]; then echo "$cmd $sub"; else echo "$cmd"; fi
}

`)
}

func (c *completion) bash(w io.Writer) {
	fmt.Fprint(w, "# bash completion for qm-build (qm-build completion bash)\n\n")
	c.shellFuncs(w)
	fmt.Fprint(w, strings.ReplaceAll(`_qm_build() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" key
  COMPREPLY=()
  case "$__qm_build_value_flags" in
    *" $prev "*)
      local values; values=$(__qm_build_values "$prev")
      if [ -n "$values" ]; then
        COMPREPLY=($(compgen -W "$values" -- "$cur"))
        if [ "$prev" = --dropin ] && [[ "$cur" == *,* ]]; then
          COMPREPLY=($(compgen -P "${cur%,*}," -W "$values" -- "${cur##*,}"))
        fi
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return 0 ;;
  esac
  key=$(__qm_build_key "${COMP_WORDS[@]:1:COMP_CWORD-1}")
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(__qm_build_flags "$key")" -- "$cur"))
  elif [ -z "$key" ]; then
    COMPREPLY=($(compgen -W "@COMMANDS@" -- "$cur"))
  elif [ "$key" = "${key%% *}" ] && [ -n "$(__qm_build_subcommands "$key")" ]; then
    COMPREPLY=($(compgen -W "$(__qm_build_subcommands "$key")" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _qm_build qm-build
`, "@COMMANDS@", strings.Join(c.commandNames(), " ")))
}

func (c *completion) zsh(w io.Writer) {
	fmt.Fprint(w, "#compdef qm-build\n# zsh completion for qm-build (qm-build completion zsh)\n\n")
	c.shellFuncs(w)
	fmt.Fprint(w, strings.ReplaceAll(`_qm-build() {
  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" key values
  case "$__qm_build_value_flags" in
    *" $prev "*)
      values=$(__qm_build_values "$prev")
      if [ -n "$values" ]; then compadd -- ${=values}; else _files; fi
      return ;;
  esac
  key=$(__qm_build_key "${(@)words[2,CURRENT-1]}")
  if [[ "$cur" == -* ]]; then
    compadd -- ${=$(__qm_build_flags "$key")}
  elif [ -z "$key" ]; then
    compadd -- @COMMANDS@
  elif [ "$key" = "${key%% *}" ] && [ -n "$(__qm_build_subcommands "$key")" ]; then
    compadd -- ${=$(__qm_build_subcommands "$key")}
  else
    _files
  fi
}

if [ "$funcstack[1]" = "_qm-build" ]; then
  _qm-build "$@"
else
  compdef _qm-build qm-build 2>/dev/null
fi
`, "@COMMANDS@", strings.Join(c.commandNames(), " ")))
}

func (c *completion) fish(w io.Writer) {
	fmt.Fprint(w, "# fish completion for qm-build (qm-build completion fish)\n\n")
	fmt.Fprintf(w, "set -g __qm_build_value_flags %s\n\n", strings.Join(c.valueFlags(), " "))
	fmt.Fprint(w, "# __qm_build_key: the command line's key (\"rpm\", \"selinux policy\").\nfunction __qm_build_key\n    set -l cmd\n    set -l sub\n    set -l skip 0\n    for w in (commandline -opc)[2..-1]\n")
	fmt.Fprint(w, `        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                contains -- $w $__qm_build_value_flags; and set skip 1
            case '*'
                if test -z "$cmd"
                    set cmd $w
                else if test -z "$sub"
                    set sub -
                    switch "$cmd $w"
`)
	for _, cmd := range commands {
		for _, s := range cmd.subcommands {
			fmt.Fprintf(w, "                        case '%s %s'\n                            set sub %s\n", cmd.name, s, s)
		}
	}
	fmt.Fprint(w, `                    end
                end
        end
    end
    if test -n "$sub"; and test "$sub" != -
        echo "$cmd $sub"
    else
        echo "$cmd"
    end
end

function __qm_build_is
    test (__qm_build_key) = "$argv"
end

complete -c qm-build -f
`)
	for _, cmd := range commands {
		fmt.Fprintf(w, "complete -c qm-build -n 'test -z (__qm_build_key)' -a %s -d %s\n", cmd.name, fishQuote(cmd.summary))
		for _, s := range cmd.subcommands {
			fmt.Fprintf(w, "complete -c qm-build -n '__qm_build_is %s' -a %s\n", cmd.name, s)
		}
	}
	for _, s := range c.sets {
		s.fs.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			line := fmt.Sprintf("complete -c qm-build -n '__qm_build_is %s' -l %s", s.key(), f.Name)
			if f.Shorthand != "" {
				line += " -s " + f.Shorthand
			}
			if takesValue(f) {
				if v, ok := c.values[f.Name]; ok {
					line += " -x -a " + fishQuote(strings.Join(v, " "))
				} else {
					line += " -r -F"
				}
			}
			fmt.Fprintf(w, "%s -d %s\n", line, fishQuote(firstLine(f.Usage)))
		})
	}
	// Arguments that are paths: a check target, a repository directory, RPMs.
	for _, s := range c.sets {
		if strings.Contains(s.usage, "TARGET") || strings.Contains(s.usage, "DIR...") || strings.Contains(strings.SplitN(s.usage, "\n", 2)[0], " DIR [") ||
			strings.Contains(strings.SplitN(s.usage, "\n", 2)[0], ".toml") {
			fmt.Fprintf(w, "complete -c qm-build -n '__qm_build_is %s' -F\n", s.key())
		}
	}
}

func fishQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func sortedKeys(m map[string][]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
