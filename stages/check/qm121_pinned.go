package check

// QM121: nested images are pinned by digest once QM carries images.
var ruleQM121 = Rule{
	ID: "QM121", Severity: Warning, Group: GroupQuadlet,
	FFI:   []string{"all"},
	Title: "when QM's image stores hold images, every nested quadlet names its image by digest",
	Rationale: "A nested quadlet that names its image by tag runs whatever image has that tag: one pulled later, not the one " +
		"baked into QM's store at build time and listed in the image's SBOM. Pinning it by digest (Image=NAME@sha256:…) makes " +
		"the container run exactly the bytes the build shipped, also with no network at first boot.",
	Check: func(c *Context) []Finding {
		s := c.ImageStores()
		if !s.baked() {
			return nil
		}
		var out []Finding
		for _, q := range s.quadlet {
			if _, _, ok := pinnedDigest(q.Image); !ok {
				out = append(out, at(q.Path, q.Line, "Image=%s is not pinned by digest: name it as NAME@sha256:… (qm-build build --nested-image pins it)", q.Image))
			}
		}
		return out
	},
}
