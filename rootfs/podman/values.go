package podman

import (
	"strconv"
	"strings"
)

// Item is one value of a flag and the occurrence it comes from.
type Item struct {
	Value string
	From  Occurrence
}

// All returns every occurrence of a flag, by long name, in the order podman
// applies them (the global ones first).
func (c *Command) All(name string) []Occurrence {
	var out []Occurrence
	for _, l := range [][]Occurrence{c.Global, c.Run} {
		for _, o := range l {
			if o.Flag.Name == name {
				out = append(out, o)
			}
		}
	}
	return out
}

// Last returns the occurrence that sets a single-valued flag: the last one.
func (c *Command) Last(name string) (Occurrence, bool) {
	all := c.All(name)
	if len(all) == 0 {
		return Occurrence{}, false
	}
	return all[len(all)-1], true
}

// Bool is a boolean flag's value; set is false when the line does not give it.
func (c *Command) Bool(name string) (value bool, o Occurrence, set bool) {
	o, set = c.Last(name)
	if !set {
		return false, o, false
	}
	b, _ := strconv.ParseBool(o.Value)
	return b, o, true
}

// Items returns the values of a list flag, in order: one per occurrence, or
// the comma-separated items of each occurrence for a StringSlice flag.
func (c *Command) Items(name string) []Item {
	var out []Item
	for _, o := range c.All(name) {
		if o.Flag.Kind != StringSlice {
			out = append(out, Item{o.Value, o})
			continue
		}
		vals, _ := splitCSV(o.Value)
		for _, v := range vals {
			out = append(out, Item{v, o})
		}
	}
	return out
}

// Image is the image argument, when the line runs an image (no --rootfs).
func (c *Command) Image() (string, int, bool) {
	if rootfs, _, _ := c.Bool("rootfs"); rootfs || len(c.Args) == 0 {
		return "", 0, false
	}
	return c.Argv[c.Args[0]], c.Args[0], true
}

// Rootfs is the root directory argument of a --rootfs line, without an
// overlay or idmap suffix (":O", ":idmap…").
func (c *Command) Rootfs() (string, int, bool) {
	if rootfs, _, _ := c.Bool("rootfs"); !rootfs || len(c.Args) == 0 {
		return "", 0, false
	}
	p := c.Argv[c.Args[0]]
	if i := strings.LastIndexByte(p, ':'); i > 0 && !strings.Contains(p[i:], "/") {
		p = p[:i]
	}
	return p, c.Args[0], true
}

// Exec are the positions of the command run in the container.
func (c *Command) Exec() []int {
	if len(c.Args) < 2 {
		return nil
	}
	return c.Args[1:]
}
