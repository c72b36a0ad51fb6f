package check

import (
	"slices"
	"strings"
)

// QM123: a baked image is in a store written with the graph driver QM's
// podman reads stores with.
var ruleQM123 = Rule{
	ID: "QM123", Severity: Error, Group: GroupQuadlet,
	FFI:   []string{"all"},
	Title: "every nested quadlet's image pinned by digest is in a store written with the graph driver of QM's storage.conf",
	Rationale: "containers/storage reads an additional image store only through its own graph driver (storage.conf's driver: " +
		"DRIVER-images, DRIVER-layers, DRIVER/). An image baked into a store written with another driver (vfs-images under " +
		"driver overlay) is on disk but not in QM's podman: the container needs the network at start, as if nothing were baked.",
	Check: func(c *Context) []Finding {
		s := c.ImageStores()
		var out []Finding
		for _, q := range s.quadlet {
			name, digest, ok := pinnedDigest(q.Image)
			if !ok || s.holds(name, digest) {
				continue
			}
			var where []string
			for _, img := range s.heldForOtherDrivers(name, digest) {
				if w := img.Store + " (" + img.Driver + "-images)"; !slices.Contains(where, w) {
					where = append(where, w)
				}
			}
			if len(where) == 0 {
				continue // QM122
			}
			out = append(out, at(q.Path, q.Line, "Image=%s is only in %s, written with another graph driver than %s's driver %q, through which QM's podman reads every store: bake it with the %s driver",
				q.Image, strings.Join(where, ", "), s.conf, s.driver, s.driver))
		}
		return out
	},
}
