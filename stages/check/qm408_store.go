package check

import (
	"io/fs"
	"path"
	"strings"
)

// QM408: the stores of baked images are read-only and labelled for QM.
var ruleQM408 = Rule{
	ID: "QM408", Severity: Error, Group: GroupSELinux,
	FFI:   []string{"selinux", "not visible"},
	Title: "QM's additional image stores with baked images are read-only and carry the labels qm.fc gives QM's trees",
	Rationale: "Nested images baked at build time are what the SBOM lists and what the quadlets pin: nothing inside or outside " +
		"QM may change them. Podman opens additional image stores read-only; the store's metadata must not be writable by " +
		"group or others, and its label must be QM's, so that QM's podman may read it and host domains leave it alone ('selinux', 'not visible' FFI tests).",
	Check: func(c *Context) []Finding {
		s := c.ImageStores()
		want, bad := ownFileContexts()
		if bad != nil {
			return bad
		}
		image, imagePath := c.imageFileContexts()
		var out []Finding
		seen := map[string]bool{}
		for _, img := range s.images {
			if seen[img.Store] {
				continue
			}
			seen[img.Store] = true
			host := hostPathOfQM(img.Store)
			if !isExtraStore(s.extra, img.Store) {
				out = append(out, at(s.conf, 0, "the image store %s holds images but is QM's graph root, which podman writes: bake images into an additional image store", img.Store))
				continue
			}
			if !inQMTrees(host) {
				out = append(out, at(host, 0, "the image store %s lies outside QM's trees", img.Store))
				continue
			}
			for _, p := range storeMetadata(c, host) {
				e, err := c.FS.Lstat(p)
				if err != nil {
					continue
				}
				if e.Mode&fs.ModeSymlink == 0 && e.Mode.Perm()&0o022 != 0 {
					out = append(out, at(p, 0, "mode %04o: the baked image store must not be writable by group or others", e.Mode.Perm()))
				}
				expected, ok := want.Lookup(p, e.Mode)
				if !ok {
					continue
				}
				wt := contextType(expected)
				if appliedLabel(e.Label) && contextType(e.Label) != wt {
					out = append(out, at(p, 0, "labelled %s: want type %s", e.Label, wt))
				}
				if image != nil {
					if got, ok := image.Lookup(p, e.Mode); ok && contextType(got) != wt {
						out = append(out, at(imagePath, 0, "labels %s as %s, qm.fc wants %s", p, contextType(got), wt))
					}
				}
			}
		}
		return out
	},
}

func isExtraStore(extra []string, store string) bool {
	for _, e := range extra {
		if path.Clean(e) == path.Clean(store) {
			return true
		}
	}
	return false
}

// storeMetadata lists a store's own paths: the store, its DRIVER-images and
// DRIVER-layers directories and what they hold directly (the layers'
// contents are the images', not the store's).
func storeMetadata(c *Context, host string) []string {
	out := []string{host}
	entries, err := c.imageFS().ReadDir(host)
	if err != nil {
		return out
	}
	for _, e := range entries {
		if !e.Dir || !(strings.HasSuffix(e.Name, "-images") || strings.HasSuffix(e.Name, "-layers")) {
			continue
		}
		d := path.Join(host, e.Name)
		out = append(out, d)
		sub, err := c.imageFS().ReadDir(d)
		if err != nil {
			continue
		}
		for _, f := range sub {
			out = append(out, path.Join(d, f.Name))
		}
	}
	return out
}
