// Package xmltree parses repository metadata into plain trees, independent of
// repodata's own model, so that tests can compare qm-build's output with
// createrepo_c's element by element and attribute by attribute: a field that
// either side drops or spells differently shows up, whatever the formatting.
package xmltree

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Node is one element: its name (namespace prefix resolved to the URI's last
// path element, e.g. "rpm:entry"), attributes, text and children in order.
type Node struct {
	Name     string
	Attrs    map[string]string
	Text     string
	Children []*Node
}

// Parse reads a whole document.
func Parse(r io.Reader) (*Node, error) {
	d := xml.NewDecoder(r)
	var stack []*Node
	var root *Node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == nil {
				return nil, fmt.Errorf("empty document")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: name(t.Name), Attrs: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.Attrs[name(a.Name)] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.Children) > 0 && strings.TrimSpace(n.Text) == "" {
				n.Text = ""
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
}

func name(n xml.Name) string {
	switch n.Space {
	case "http://linux.duke.edu/metadata/rpm":
		return "rpm:" + n.Local
	}
	return n.Local
}

// String renders a node canonically (attributes sorted), for diffs.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func (n *Node) write(b *strings.Builder, level int) {
	b.WriteString(strings.Repeat("  ", level) + "<" + n.Name)
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%q", k, n.Attrs[k])
	}
	b.WriteString(">")
	if n.Text != "" {
		fmt.Fprintf(b, "%q", n.Text)
	}
	b.WriteString("\n")
	for _, c := range n.Children {
		c.write(b, level+1)
	}
}

// Packages returns the <package> children of a metadata root keyed by
// pkgid (filelists, other) or by checksum (primary), each rendered
// canonically.
func (n *Node) Packages() map[string]string {
	out := map[string]string{}
	for _, c := range n.Children {
		if c.Name != "package" {
			continue
		}
		key := c.Attrs["pkgid"]
		if key == "" {
			for _, cc := range c.Children {
				if cc.Name == "checksum" {
					key = cc.Text
				}
			}
		}
		out[key] = c.String()
	}
	return out
}

// Repo is a repository's metadata: repomd.xml and the three documents,
// uncompressed and parsed.
type Repo struct {
	Repomd *Node
	Docs   map[string]*Node // primary, filelists, other
	Raw    map[string][]byte
}

// Load reads dir/repodata/repomd.xml and the documents it points at.
func Load(dir string) (*Repo, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "repodata", "repomd.xml"))
	if err != nil {
		return nil, err
	}
	md, err := Parse(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("repomd.xml: %w", err)
	}
	r := &Repo{Repomd: md, Docs: map[string]*Node{}, Raw: map[string][]byte{}}
	for _, d := range md.Children {
		if d.Name != "data" {
			continue
		}
		var href string
		for _, c := range d.Children {
			if c.Name == "location" {
				href = c.Attrs["href"]
			}
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(href)))
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", href, err)
		}
		data, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", href, err)
		}
		doc, err := Parse(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", href, err)
		}
		r.Docs[d.Attrs["type"]] = doc
		r.Raw[d.Attrs["type"]] = data
	}
	return r, nil
}
