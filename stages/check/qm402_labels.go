package check

import (
	"bytes"
	"path"
	"strings"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// labelProbes are the QM paths whose labels the qm module defines (qm.fc,
// qm-upstream.md §6), checked where the image has them.
var labelProbes = []string{
	qmUsrLib, qmRootfs, qmEtc, qmVar,
	qmRootfs + "/var/lib/containers",
	qmRootfs + "/usr/libexec/bluechi-agent",
}

// QM402: QM's trees get the labels the qm module defines.
var ruleQM402 = Rule{
	ID: "QM402", Severity: Error, Group: GroupSELinux,
	Title: "/usr/lib/qm, /etc/qm and /var/qm carry (or will get from the image's file_contexts) the labels of qm.fc",
	Rationale: "qm_t may only write qm_file_t; if QM's trees are labelled otherwise QM either cannot run or writes files host " +
		"domains use. The 'selinux', 'not visible' and 'unit files' FFI tests rely on these labels.",
	FFI: []string{"selinux", "not visible", "unit files"},
	Check: func(c *Context) []Finding {
		want, bad := ownFileContexts()
		if bad != nil {
			return bad
		}
		image, imagePath := c.imageFileContexts()
		var out []Finding
		for _, p := range labelProbes {
			e, err := c.FS.Lstat(p)
			if err != nil {
				continue
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
					out = append(out, at(imagePath, 0, "labels %s as %s, qm.fc wants %s: the qm module is not in the image's policy", p, contextType(got), wt))
				}
			}
		}
		return out
	},
}

// ownFileContexts returns qm.fc as the qm module installs it, parsed once per
// process and shared by the rules that compare labels with it; a finding if
// qm-build's own file contexts do not parse.
func ownFileContexts() (*selinux.FileContexts, []Finding) {
	fc, err := selinux.ParsedHostFileContexts()
	if err != nil {
		return nil, []Finding{at("qm.fc", 0, "qm-build's own file contexts do not parse: %v", err)}
	}
	return fc, nil
}

// imageFileContexts parses the image's compiled file_contexts, if it has one
// (/etc/selinux/<SELINUXTYPE>/contexts/files/file_contexts).
func (c *Context) imageFileContexts() (*selinux.FileContexts, string) {
	p := path.Join("/etc/selinux", c.selinuxType(), "contexts/files/file_contexts")
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		return nil, ""
	}
	fc, err := selinux.ParseFileContexts(bytes.NewReader(data), p)
	if err != nil {
		return nil, ""
	}
	return fc, p
}

// appliedLabel reports whether a label was applied from file_contexts
// (setfiles, restorecon and osbuild's selinux stage label as system_u), as
// opposed to the label a file got when a process created it on the build
// host (unconfined_u:object_r:user_tmp_t on an SELinux workstation), which
// the image's labelling replaces and says nothing about the image.
func appliedLabel(l string) bool { return strings.HasPrefix(l, "system_u:") }

// contextType is the type field of user:role:type:level.
func contextType(ctx string) string {
	f := strings.Split(ctx, ":")
	if len(f) < 3 {
		return ctx
	}
	return f[2]
}
