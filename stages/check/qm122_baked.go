package check

import "strings"

// QM122: an image pinned by digest is in QM's image stores.
var ruleQM122 = Rule{
	ID: "QM122", Severity: Error, Group: GroupQuadlet,
	FFI:   []string{"all"},
	Title: "every nested quadlet's image pinned by digest is in QM's image stores",
	Rationale: "A nested image pinned by digest is one the image build was meant to carry: if QM's stores (storage.conf's " +
		"graph root and additional image stores) lack it, the container needs the network at start, and a car may have none.",
	Check: func(c *Context) []Finding {
		s := c.ImageStores()
		var out []Finding
		for _, q := range s.quadlet {
			name, digest, ok := pinnedDigest(q.Image)
			if !ok || s.holds(name, digest) || len(s.heldForOtherDrivers(name, digest)) > 0 {
				continue // QM123 reports an image written for another driver
			}
			where := "QM has no storage.conf listing an image store"
			if s.conf != "" {
				where = "none of QM's image stores (" + strings.Join(s.stores, ", ") + ", from " + s.conf + ") holds it"
			}
			out = append(out, at(q.Path, q.Line, "Image=%s: %s; bake it with --nested-image", q.Image, where))
		}
		return out
	},
}
