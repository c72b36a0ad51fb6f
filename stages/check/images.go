package check

import (
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

// Nested images: the Image= of every quadlet of QM's own podman and the
// images QM's image stores hold (docs/nested-images.md). QM121, QM122,
// QM123 and QM408 read them.

// nestedImageRef is one nested quadlet's Image=.
type nestedImageRef struct {
	Path  string // the quadlet, a host path
	Line  int
	Image string
}

// storeImage is one image of a store: its names and manifest digests.
type storeImage struct {
	Store   string // the store, as QM sees it
	Driver  string // the graph driver the store was written with (DRIVER-images)
	Names   []string
	Digests []string
}

// qmImageStores are the stores QM's podman reads (storage.conf's graphroot
// and additionalimagestores), as QM sees them, and the file that lists them.
type qmImageStores struct {
	conf string // host path of the storage.conf read, "" when none
	// driver is storage.conf's graph driver: podman reads every store
	// through it (DRIVER-images), so an image written with another driver
	// is not there as podman sees it. "" when storage.conf sets none:
	// containers/storage then picks one on the running system, and any
	// driver's images count.
	driver  string
	stores  []string // paths inside QM
	extra   []string // the additional image stores among them
	images  []storeImage
	quadlet []nestedImageRef
}

// nestedQuadletDirs are the directories QM's quadlet generator reads, host
// paths (podman-systemd.unit(5): /etc/containers/systemd and
// /usr/share/containers/systemd inside QM).
var nestedQuadletDirs = []string{qmEtc + "/containers/systemd", qmRootfs + "/usr/share/containers/systemd"}

// hostPathOfQM maps a path inside QM to the host's.
func hostPathOfQM(p string) string {
	switch {
	case under(p, "/etc"):
		return qmEtc + strings.TrimPrefix(p, "/etc")
	case under(p, "/var"):
		return qmVar + strings.TrimPrefix(p, "/var")
	}
	return qmRootfs + p
}

// ImageStores reads QM's image stores and nested quadlets once.
func (c *Context) ImageStores() *qmImageStores {
	if c.stores != nil {
		return c.stores
	}
	s := &qmImageStores{}
	c.stores = s
	for _, p := range []string{qmEtc + "/containers/storage.conf", qmRootfs + "/usr/share/containers/storage.conf"} {
		data, err := c.imageFS().ReadFile(p)
		if err != nil {
			continue
		}
		var conf struct {
			Storage struct {
				Driver    string `toml:"driver"`
				GraphRoot string `toml:"graphroot"`
				Options   struct {
					AdditionalImageStores []string `toml:"additionalimagestores"`
				} `toml:"options"`
			} `toml:"storage"`
		}
		if _, err := toml.Decode(string(data), &conf); err != nil {
			continue // QM's containers.conf rules report configuration that does not parse
		}
		s.conf = p
		s.driver = conf.Storage.Driver
		if g := conf.Storage.GraphRoot; g != "" {
			s.stores = append(s.stores, g)
		}
		s.extra = conf.Storage.Options.AdditionalImageStores
		s.stores = append(s.stores, s.extra...)
		break
	}
	for _, st := range s.stores {
		s.images = append(s.images, c.readStore(st)...)
	}
	for _, d := range nestedQuadletDirs {
		s.quadlet = append(s.quadlet, c.nestedImages(d)...)
	}
	return s
}

// readStore lists the images of a containers-storage store, whatever its
// graph driver (DRIVER-images/images.json).
func (c *Context) readStore(store string) []storeImage {
	host := hostPathOfQM(store)
	entries, err := c.imageFS().ReadDir(host)
	if err != nil {
		return nil
	}
	var out []storeImage
	for _, e := range entries {
		if !e.Dir || !strings.HasSuffix(e.Name, "-images") {
			continue
		}
		data, err := c.imageFS().ReadFile(path.Join(host, e.Name, "images.json"))
		if err != nil {
			continue
		}
		var imgs []struct {
			Names   []string `json:"names"`
			Digest  string   `json:"digest"`
			Digests []string `json:"digests"`
		}
		if json.Unmarshal(data, &imgs) != nil {
			continue
		}
		for _, i := range imgs {
			ds := i.Digests
			if i.Digest != "" && !slices.Contains(ds, i.Digest) {
				ds = append(ds, i.Digest)
			}
			out = append(out, storeImage{Store: store, Driver: strings.TrimSuffix(e.Name, "-images"), Names: i.Names, Digests: ds})
		}
	}
	return out
}

// nestedImages reads the Image= of every .container quadlet under dir.
func (c *Context) nestedImages(dir string) []nestedImageRef {
	entries, err := c.imageFS().ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []nestedImageRef
	for _, e := range entries {
		p := path.Join(dir, e.Name)
		if e.Dir {
			out = append(out, c.nestedImages(p)...)
			continue
		}
		if !e.Regular || !strings.HasSuffix(e.Name, ".container") {
			continue
		}
		data, err := c.imageFS().ReadFile(p)
		if err != nil {
			continue
		}
		f, _, err := unitfile.ParseLenient(data, p)
		if err != nil {
			continue
		}
		if en, ok := f.LookupEntry("Container", "Image"); ok && !rpmspec.IsQuadletImageUnit(en.Value) {
			out = append(out, nestedImageRef{Path: p, Line: en.Line, Image: en.Value})
		}
	}
	return out
}

// pinnedDigest splits NAME@DIGEST; ok is false for a reference by tag.
func pinnedDigest(ref string) (name, digest string, ok bool) {
	name, digest, ok = strings.Cut(ref, "@")
	if ok {
		// NAME:TAG@DIGEST: podman looks the digest up under NAME.
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
	}
	return name, digest, ok
}

// holds reports whether the stores hold the image NAME@DIGEST as QM's
// podman sees them: written with storage.conf's driver.
func (s *qmImageStores) holds(name, digest string) bool {
	return len(s.holding(name, digest, func(d string) bool { return s.driver == "" || d == s.driver })) > 0
}

// heldForOtherDrivers lists the images NAME@DIGEST the stores hold written
// with a graph driver other than storage.conf's, which QM's podman does not
// read.
func (s *qmImageStores) heldForOtherDrivers(name, digest string) []storeImage {
	return s.holding(name, digest, func(d string) bool { return s.driver != "" && d != s.driver })
}

// holding lists the images NAME@DIGEST of the stores whose driver is kept.
func (s *qmImageStores) holding(name, digest string, keep func(driver string) bool) []storeImage {
	var out []storeImage
	for _, img := range s.images {
		if !keep(img.Driver) || !slices.Contains(img.Digests, digest) {
			continue
		}
		for _, n := range img.Names {
			if nn, _, _ := pinnedDigest(n); nn == name || strings.HasPrefix(n, name+":") {
				out = append(out, img)
				break
			}
		}
	}
	return out
}

// baked reports whether any of QM's stores holds images.
func (s *qmImageStores) baked() bool { return len(s.images) > 0 }
