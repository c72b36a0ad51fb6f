package mutations

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rpmspec"
)

// Mutation is one defect (or one allowed variant) and what the check must say.
type Mutation struct {
	Name   string   `yaml:"name"`
	Expect []string `yaml:"expect"`
	Allow  string   `yaml:"allow"`
	Arch   string   `yaml:"arch"`
	Ops    []Op     `yaml:"ops"`
	// Source is "file:line" of the mutation in the corpus.
	Source string `yaml:"-"`
}

// Op is one change to the tree; exactly one of the path fields is set.
type Op struct {
	Write   string `yaml:"write"`
	Append  string `yaml:"append"`
	Replace string `yaml:"replace"`
	Remove  string `yaml:"remove"`
	Chmod   string `yaml:"chmod"`
	Chown   string `yaml:"chown"`
	Symlink string `yaml:"symlink"`
	Mknod   string `yaml:"mknod"`
	Copy    string `yaml:"copy"`
	ELF     string `yaml:"elf"`
	Label   string `yaml:"label"`
	Link    string `yaml:"link"`

	Body   string `yaml:"body"`
	Old    string `yaml:"old"`
	New    string `yaml:"new"`
	Mode   string `yaml:"mode"`
	UID    *int   `yaml:"uid"`
	GID    *int   `yaml:"gid"`
	Target string `yaml:"target"`
	Dev    string `yaml:"dev"`
	To     string `yaml:"to"`
	Arch   string `yaml:"arch"`
	Value  string `yaml:"value"`
}

// Load reads every *.yaml file of dir (strictly: unknown fields are errors),
// in name order.
func Load(fsys fs.FS) ([]Mutation, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var all []Mutation
	seen := map[string]string{}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		var ms []Mutation
		if err := dec.Decode(&ms); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		for i := range ms {
			if len(doc.Content) > 0 && i < len(doc.Content[0].Content) {
				ms[i].Source = n + ":" + strconv.Itoa(doc.Content[0].Content[i].Line)
			}
			if err := ms[i].validate(); err != nil {
				return nil, fmt.Errorf("%s: %w", ms[i].Source, err)
			}
			if prev, ok := seen[ms[i].Name]; ok {
				return nil, fmt.Errorf("%s: mutation %q is already defined at %s", ms[i].Source, ms[i].Name, prev)
			}
			seen[ms[i].Name] = ms[i].Source
		}
		all = append(all, ms...)
	}
	return all, nil
}

func (m *Mutation) validate() error {
	if m.Name == "" {
		return fmt.Errorf("a mutation needs a name")
	}
	if len(m.Ops) == 0 {
		return fmt.Errorf("mutation %q has no ops", m.Name)
	}
	for i, op := range m.Ops {
		if _, _, err := op.kind(); err != nil {
			return fmt.Errorf("mutation %q ops[%d]: %w", m.Name, i, err)
		}
	}
	return nil
}

// kind says which operation an Op is and on which path.
func (o Op) kind() (string, string, error) {
	var kinds []string
	var p string
	for k, v := range map[string]string{"write": o.Write, "append": o.Append, "replace": o.Replace, "remove": o.Remove,
		"chmod": o.Chmod, "chown": o.Chown, "symlink": o.Symlink, "mknod": o.Mknod, "copy": o.Copy, "elf": o.ELF, "label": o.Label,
		"link": o.Link} {
		if v != "" {
			kinds = append(kinds, k)
			p = v
		}
	}
	if len(kinds) != 1 {
		return "", "", fmt.Errorf("want exactly one operation, got %v", kinds)
	}
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return "", "", fmt.Errorf("%s: %q is not an absolute, clean image path", kinds[0], p)
	}
	return kinds[0], p, nil
}

// Apply performs the mutation on the tree at dir. elfs holds a tiny static
// binary per architecture for elf operations.
func (m *Mutation) Apply(dir string, elfs map[string][]byte) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for i, op := range m.Ops {
		if err := op.apply(root, elfs); err != nil {
			return fmt.Errorf("%s ops[%d]: %w", m.Source, i, err)
		}
	}
	return nil
}

func rel(p string) string { return strings.TrimPrefix(p, "/") }

func (o Op) apply(root *os.Root, elfs map[string][]byte) error {
	kind, p, err := o.kind()
	if err != nil {
		return err
	}
	r := rel(p)
	if kind != "remove" && kind != "chmod" && kind != "chown" && kind != "label" {
		if err := root.MkdirAll(path.Dir(r), 0o755); err != nil {
			return err
		}
	}
	switch kind {
	case "write":
		return writeFile(root, r, []byte(o.Body), o.Mode)
	case "append":
		old, err := root.ReadFile(r)
		if err != nil {
			return err
		}
		return writeFile(root, r, append(old, o.Body...), "")
	case "replace":
		old, err := root.ReadFile(r)
		if err != nil {
			return err
		}
		if !bytes.Contains(old, []byte(o.Old)) {
			return fmt.Errorf("replace: %s does not contain %q", p, o.Old)
		}
		return writeFile(root, r, bytes.ReplaceAll(old, []byte(o.Old), []byte(o.New)), "")
	case "remove":
		return root.RemoveAll(r)
	case "chmod":
		m, err := rpmspec.ParseOctalMode(o.Mode)
		if err != nil {
			return err
		}
		return root.Chmod(r, m)
	case "chown":
		if o.UID == nil || o.GID == nil {
			return fmt.Errorf("chown needs uid and gid")
		}
		return root.Lchown(r, *o.UID, *o.GID)
	case "symlink":
		_ = root.Remove(r)
		return root.Symlink(o.Target, r)
	case "copy":
		data, err := root.ReadFile(r)
		if err != nil {
			return err
		}
		if err := root.MkdirAll(path.Dir(rel(o.To)), 0o755); err != nil {
			return err
		}
		return writeFile(root, rel(o.To), data, "")
	case "elf":
		bin, ok := elfs[o.Arch]
		if !ok {
			return fmt.Errorf("elf: no binary for arch %q", o.Arch)
		}
		return writeFile(root, r, bin, "0755")
	case "mknod":
		return mknod(root, r, o.Dev)
	case "label":
		return setLabel(root, r, o.Value)
	case "link":
		if !strings.HasPrefix(o.Target, "/") {
			return fmt.Errorf("link: target %q is not an absolute image path", o.Target)
		}
		_ = root.Remove(r)
		return root.Link(rel(o.Target), r)
	}
	return fmt.Errorf("unknown operation %s", kind)
}

func writeFile(root *os.Root, r string, data []byte, mode string) error {
	m := fs.FileMode(0o644)
	if fi, err := root.Lstat(r); err == nil {
		m = fi.Mode().Perm()
	}
	if mode != "" {
		var err error
		if m, err = rpmspec.ParseOctalMode(mode); err != nil {
			return err
		}
	}
	// os.Root refuses set-id bits at creation: create, then chmod.
	if err := root.WriteFile(r, data, m.Perm()); err != nil {
		return err
	}
	return root.Chmod(r, m)
}

// setLabel sets the security.selinux attribute through a descriptor opened
// inside the root (the kernel stores it even without SELinux, for root).
func setLabel(root *os.Root, r, label string) error {
	f, err := root.Open(r)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fsetxattr(int(f.Fd()), "security.selinux", append([]byte(label), 0), 0)
}

// mknod makes a device node relative to its parent directory's descriptor,
// so that the path stays inside the root.
func mknod(root *os.Root, r, dev string) error {
	mode := uint32(unix.S_IFCHR)
	switch dev {
	case "c":
	case "b":
		mode = unix.S_IFBLK
	default:
		return fmt.Errorf("mknod: dev %q is not c or b", dev)
	}
	parent, err := root.Open(path.Dir(r))
	if err != nil {
		return err
	}
	defer parent.Close()
	return unix.Mknodat(int(parent.Fd()), path.Base(r), mode|0o600, int(unix.Mkdev(1, 1)))
}
