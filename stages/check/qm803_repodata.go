package check

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/qm-build/qm-build/stages/check/target"
)

// QM803: the repository metadata describes the files that are there.
var ruleQM803 = Rule{
	ID: "QM803", Severity: Error, Group: GroupPackages, Scope: ScopePackages,
	Title: "repodata checksums and sizes match the metadata files and the packages they list, and every RPM is listed",
	Rationale: "dnf installs what repodata describes: a checksum that does not match means the repository changed after it " +
		"was published, and the image would not get the checked packages (all FFI tests).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		md := c.Target.Packages.Repo
		if md == nil {
			return nil
		}
		var out []Finding
		for _, d := range md.Data {
			if why := c.fileSum(d.Location.Href, d.Checksum, d.Size); why != "" {
				out = append(out, at(d.Location.Href, 0, "repomd.xml %s record: %s", d.Type, why))
			}
		}
		rec, ok := md.Record("primary")
		if !ok {
			return append(out, at("repodata/repomd.xml", 0, "no primary record"))
		}
		f, err := c.Target.Packages.Open(rec.Location.Href)
		if err != nil {
			return append(out, at(rec.Location.Href, 0, "cannot open: %v", err))
		}
		defer f.Close()
		prim, err := target.ParsePrimary(f, rec.Location.Href)
		if err != nil {
			return append(out, at(rec.Location.Href, 0, "cannot read: %v", err))
		}
		listed := map[string]bool{}
		for _, p := range prim.Packages {
			href := strings.TrimPrefix(p.Location.Href, "/")
			listed[href] = true
			if why := c.fileSum(href, p.Checksum, p.Size.Package); why != "" {
				out = append(out, at(href, 0, "primary.xml entry for %s: %s", p.Name, why))
			}
		}
		for _, file := range c.Target.Packages.Files {
			if !listed[file] {
				out = append(out, at(file, 0, "is in the repository directory but not in primary.xml"))
			}
		}
		return out
	},
}

// fileSum checks a file of the repository against a checksum and size
// (size 0: not checked).
func (c *Context) fileSum(href string, sum target.RepoChecksum, size int64) string {
	f, err := c.Target.Packages.Open(strings.TrimPrefix(href, "/"))
	if err != nil {
		if os.IsNotExist(err) {
			return "the file is missing"
		}
		return err.Error()
	}
	defer f.Close()
	h, err := newHash(sum.Type)
	if err != nil {
		return err.Error()
	}
	n, err := io.Copy(h, f)
	if err != nil {
		return err.Error()
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.TrimSpace(sum.Value) {
		return fmt.Sprintf("%s checksum %s, the file has %s", sum.Type, strings.TrimSpace(sum.Value), got)
	}
	if size > 0 && n != size {
		return fmt.Sprintf("size %d, the file has %d bytes", size, n)
	}
	return ""
}

func newHash(typ string) (hash.Hash, error) {
	switch typ {
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	case "sha", "sha1":
		return sha1.New(), nil
	case "sha384":
		return sha512.New384(), nil
	case "sha224":
		return sha256.New224(), nil
	}
	return nil, fmt.Errorf("unknown checksum type %q", typ)
}
