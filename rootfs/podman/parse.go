package podman

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
)

// Occurrence is one flag as it appears on the command line.
type Occurrence struct {
	Flag Flag
	// Written is the word that names the flag, as written ("--read-only=false",
	// "-v", "-dit").
	Written string
	// Value is the flag's value ("true" for a boolean given without one).
	Value string
	// Index is the position of Written in argv, ValueIndex that of the value
	// (the same word for "--flag=value" and booleans).
	Index, ValueIndex int
}

// Problem is a word podman refuses: it fails without running anything.
type Problem struct {
	Index int
	Msg   string
}

func (p Problem) Error() string { return p.Msg }

// Command is a parsed podman command line.
type Command struct {
	Argv []string
	// Global are the flags before the subcommand.
	Global []Occurrence
	// Subcommand are the words naming it: ["run"] or ["container", "run"];
	// empty when the line has none.
	Subcommand []string
	// Run are the flags after the subcommand (run's own and inherited global
	// ones), in order.
	Run []Occurrence
	// Args are the argv positions of the arguments after the flags.
	Args []int
	// Problems are unknown flags, missing or malformed values, and a
	// subcommand other than run.
	Problems []Problem
}

// Parse reads argv (argv[0] is the binary).
func Parse(argv []string) *Command {
	c := &Command{Argv: argv}
	i := 1
	for i < len(argv) {
		w := argv[i]
		if w == "" || w[0] != '-' || w == "-" {
			break
		}
		if w == "--" {
			c.problem(i, "\"--\" before the subcommand")
			return c
		}
		i = c.flag(i, false, &c.Global)
	}
	if i == len(argv) {
		c.problem(len(argv)-1, "no subcommand: podman runs nothing")
		return c
	}
	c.Subcommand = append(c.Subcommand, argv[i])
	if argv[i] == "container" && i+1 < len(argv) {
		i++
		c.Subcommand = append(c.Subcommand, argv[i])
	}
	if argv[i] != "run" {
		c.problem(i, fmt.Sprintf("subcommand %q is not run", strings.Join(c.Subcommand, " ")))
		return c
	}
	i++
	for i < len(argv) {
		w := argv[i]
		if w == "" || w[0] != '-' || w == "-" {
			break
		}
		if w == "--" {
			i++
			break
		}
		i = c.flag(i, true, &c.Run)
	}
	for ; i < len(argv); i++ {
		c.Args = append(c.Args, i)
	}
	return c
}

func (c *Command) problem(i int, msg string) {
	c.Problems = append(c.Problems, Problem{Index: i, Msg: msg})
}

// flag reads the flag word at argv[i] (and its value) and returns the next
// position.
func (c *Command) flag(i int, afterRun bool, into *[]Occurrence) int {
	w := c.Argv[i]
	if strings.HasPrefix(w, "--") {
		name, value, inline := strings.Cut(w[2:], "=")
		if name == "" || name[0] == '-' || name[0] == '=' {
			c.problem(i, "bad flag syntax: "+w)
			return i + 1
		}
		f, ok := lookup(name, afterRun)
		if !ok {
			c.problem(i, "unknown flag: --"+name)
			return i + 1
		}
		o := Occurrence{Flag: f, Written: w, Index: i, ValueIndex: i, Value: value}
		switch {
		case inline:
		case f.Kind == Bool:
			o.Value = "true"
		case i+1 < len(c.Argv):
			o.Value, o.ValueIndex = c.Argv[i+1], i+1
		default:
			c.problem(i, "flag needs an argument: "+w)
			return i + 1
		}
		c.set(o, into)
		return o.ValueIndex + 1
	}
	next := i + 1
	shorts := w[1:]
	for shorts != "" {
		ch := shorts[:1]
		f, ok := lookupShort(ch, afterRun)
		if !ok {
			c.problem(i, fmt.Sprintf("unknown shorthand flag: %q in %s", ch, w))
			return next
		}
		o := Occurrence{Flag: f, Written: w, Index: i, ValueIndex: i}
		rest := shorts[1:]
		switch {
		case len(shorts) > 2 && shorts[1] == '=':
			o.Value, rest = shorts[2:], ""
		case f.Kind == Bool:
			o.Value = "true"
		case rest != "":
			o.Value, rest = rest, ""
		case next < len(c.Argv):
			o.Value, o.ValueIndex = c.Argv[next], next
			next++
		default:
			c.problem(i, fmt.Sprintf("flag needs an argument: %q in %s", ch, w))
			return next
		}
		c.set(o, into)
		shorts = rest
	}
	return next
}

// set checks the value's syntax for the flag's kind and records it.
func (c *Command) set(o Occurrence, into *[]Occurrence) {
	var err error
	switch o.Flag.Kind {
	case Bool:
		_, err = strconv.ParseBool(o.Value)
	case Int:
		_, err = strconv.ParseInt(o.Value, 0, 64)
	case Uint:
		_, err = strconv.ParseUint(o.Value, 0, 64)
	case Float:
		_, err = strconv.ParseFloat(o.Value, 64)
	case StringSlice:
		_, err = splitCSV(o.Value)
	case UintSlice:
		for _, s := range strings.Split(o.Value, ",") {
			if _, e := strconv.ParseUint(strings.TrimSpace(s), 0, 64); e != nil && o.Value != "" {
				err = e
			}
		}
	}
	if err != nil {
		c.problem(o.ValueIndex, fmt.Sprintf("invalid argument %q for %q flag: %v", o.Value, "--"+o.Flag.Name, err))
		return
	}
	*into = append(*into, o)
}

// splitCSV reads a StringSlice value as pflag does.
func splitCSV(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	return csv.NewReader(strings.NewReader(v)).Read()
}
