package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/qm-build/qm-build/stages/check/target"
)

// nestedConf is the containers.conf QM's own podman reads, merged: inside
// QM /usr is the rootfs's and /etc is /etc/qm (containers.conf(5): the
// /usr/share file, then /etc, then the containers.conf.d drop-ins of both in
// name order, a name in /etc hiding the same name in /usr/share).
type nestedConf struct {
	// values are [containers] keys: the last assignment and where it is.
	values   map[string]confValue
	files    []string
	problems []Finding
}

type confValue struct {
	Value any
	File  string
	Line  int
}

var (
	nestedConfMain = []string{
		qmRootfs + "/usr/share/containers/containers.conf",
		qmEtc + "/containers/containers.conf",
	}
	nestedConfDirs = []string{
		qmEtc + "/containers/containers.conf.d",
		qmRootfs + "/usr/share/containers/containers.conf.d",
	}
)

// Nested reads QM's nested containers.conf.
func (c *Context) Nested() *nestedConf {
	if c.nested != nil {
		return c.nested
	}
	n := &nestedConf{values: map[string]confValue{}}
	c.nested = n
	files := []string{}
	for _, p := range nestedConfMain {
		if target.Exists(c.FS, p) {
			files = append(files, p)
		}
	}
	chosen := map[string]string{}
	for _, d := range nestedConfDirs {
		entries, _ := c.FS.ReadDir(d)
		for _, e := range entries {
			b := path.Base(e.Path)
			if _, ok := chosen[b]; !ok && strings.HasSuffix(b, ".conf") {
				chosen[b] = e.Path
			}
		}
	}
	var names []string
	for b := range chosen {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		files = append(files, chosen[b])
	}
	for _, f := range files {
		n.read(c, f)
	}
	n.files = files
	return n
}

func (n *nestedConf) read(c *Context, p string) {
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		n.problems = append(n.problems, at(p, 0, "cannot read: %v", err))
		return
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		line := 0
		var pe toml.ParseError
		if ok := asParseError(err, &pe); ok {
			line = pe.Position.Line
		}
		n.problems = append(n.problems, at(p, line, "cannot parse TOML: %v", firstLine(err.Error())))
		return
	}
	tbl, _ := doc["containers"].(map[string]any)
	for k, v := range tbl {
		n.values[k] = confValue{Value: v, File: p, Line: keyLine(data, "containers", k)}
	}
}

func asParseError(err error, pe *toml.ParseError) bool {
	if e, ok := err.(toml.ParseError); ok {
		*pe = e
		return true
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

var tableRE = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]`)

// keyLine finds the line of key in table: TOML decoders give no positions for
// values, so the file is scanned for the assignment.
func keyLine(data []byte, table, key string) int {
	cur := ""
	keyRE := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for i, l := range bytes.Split(data, []byte("\n")) {
		if m := tableRE.FindSubmatch(l); m != nil {
			cur = string(m[1])
			continue
		}
		if cur == table && keyRE.Match(l) {
			return i + 1
		}
	}
	return 0
}

// intValue reads an integer TOML value.
func intValue(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	}
	return 0, fmt.Errorf("%v is not an integer", v)
}
