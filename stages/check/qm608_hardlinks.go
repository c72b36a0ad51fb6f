package check

import (
	"sort"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/stages/check/target"
)

// QM608: no file of QM's trees is a host file.
var ruleQM608 = Rule{
	ID: "QM608", Severity: Error, Group: GroupHygiene,
	Title: "no file in /etc/qm or /var/qm is a hard link of a file outside QM's trees (the same inode)",
	Rationale: "A hard link is the same file under two names: what QM writes through the /etc/qm and /var/qm volumes lands in " +
		"the host file, whose content and SELinux label become QM's to change ('not visible', 'unit files' FFI tests). QM's " +
		"rootfs is mounted read-only, and in ostree images shares inodes with the content-addressed object store by design, " +
		"so its files are not judged; links into that store are not host files either.",
	FFI: []string{"not visible", "unit files"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil || len(w.qmFiles) == 0 {
			return nil
		}
		ident, ok := c.FS.(target.Identifier)
		if !ok {
			return nil
		}
		suspects := map[target.FileID]bool{}
		for id, paths := range w.qmFiles {
			if n := w.qmLinks[id]; n == 0 || n > uint64(len(paths)) {
				suspects[id] = true
			}
		}
		if len(suspects) == 0 {
			return nil
		}
		partners := c.hostLinks(ident, suspects)
		var out []Finding
		for id, host := range partners {
			for _, p := range w.qmFiles[id] {
				chain := []Link{{Path: p, Note: "in QM's trees"}}
				for _, h := range host {
					chain = append(chain, Link{Path: h, Note: "the same inode, outside QM's trees"})
				}
				out = append(out, chainAt(chain, "is a hard link of %s: the same file as the host's", host[0]))
			}
		}
		return out
	},
}

// hostLinks finds the files outside QM's trees that share an identity with a
// suspect (one more walk, only when QM has files with extra links).
func (c *Context) hostLinks(ident target.Identifier, suspects map[target.FileID]bool) map[target.FileID][]string {
	var mu sync.Mutex
	out := map[target.FileID][]string{}
	_ = c.FS.Walk(func(e target.Entry, _ []byte) error {
		if !e.Mode.IsRegular() || inQMTrees(e.Path) || objectStore(e.Path) {
			return nil
		}
		id, _, err := ident.Identify(e.Path)
		if err != nil || !suspects[id] {
			return nil
		}
		mu.Lock()
		out[id] = append(out[id], e.Path)
		mu.Unlock()
		return nil
	}, target.WalkOptions{})
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}

// objectStore reports whether a path lies in an ostree repository's
// content-addressed, read-only object store.
func objectStore(p string) bool {
	return strings.Contains(p, "/ostree/repo/objects/")
}
