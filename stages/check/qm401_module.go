package check

import (
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"io"
	"path"
	"strings"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// selinuxPackageDir is where the qm package installs its module
// (qm-upstream.md §2).
const selinuxPackageDir = "/usr/share/selinux/packages"

// policyPackageMagic starts a SELinux policy package (.pp):
// SEPOL_MODULE_PACKAGE_MAGIC in libsepol's module.c, little-endian.
const policyPackageMagic = 0xf97cff8f

// QM401: the qm SELinux module is in the image.
var ruleQM401 = Rule{
	ID: "QM401", Severity: Error, Group: GroupSELinux,
	Title: "the qm SELinux module is present (" + selinuxPackageDir + "/" + selinux.PackageFileBz2 + " or installed in the policy store) and declares qm_t",
	Rationale: "Without the module the type qm_t does not exist and podman cannot start QM confined; the 'selinux', 'modules', " +
		"'devices' and 'qm_nested' FFI tests all rely on the qm policy.",
	FFI: []string{"selinux", "modules", "devices", "qm_nested"},
	Check: func(c *Context) []Finding {
		for _, p := range []string{path.Join(selinuxPackageDir, selinux.PackageFileBz2), path.Join(selinuxPackageDir, "targeted", selinux.PackageFileBz2)} {
			if !target.Exists(c.FS, p) {
				continue
			}
			data, err := target.ReadFile(c.FS, p)
			if err != nil {
				return []Finding{at(p, 0, "cannot read the qm module: %v", err)}
			}
			if why := checkModule(data); why != "" {
				return []Finding{at(p, 0, "%s", why)}
			}
			return nil
		}
		if len(c.storeModules()) > 0 {
			return nil
		}
		return []Finding{at(path.Join(selinuxPackageDir, selinux.PackageFileBz2), 0, "the qm SELinux module is missing: QM cannot run as qm_t")}
	},
}

// checkModule says what is wrong with a bzip2'd policy package, or "".
func checkModule(data []byte) string {
	pp, err := io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(data)), 64<<20))
	if err != nil {
		return "not a bzip2-compressed policy module: " + err.Error()
	}
	if len(pp) < 4 || binary.LittleEndian.Uint32(pp) != policyPackageMagic {
		return "not a SELinux policy package (no module package magic)"
	}
	if !bytes.Contains(pp, []byte("qm_t")) {
		return "the module does not declare qm_t"
	}
	return ""
}

// storeModules lists the qm module directories of the image's policy stores
// (/var/lib/selinux/<type>/active/modules/<priority>/qm).
func (c *Context) storeModules() []string {
	var out []string
	stores, _ := c.FS.ReadDir("/var/lib/selinux")
	for _, s := range stores {
		prios, _ := c.FS.ReadDir(path.Join(s.Path, "active", "modules"))
		for _, p := range prios {
			m := path.Join(p.Path, "qm")
			if e, err := c.FS.Lstat(m); err == nil && e.Mode.IsDir() && !strings.HasSuffix(p.Path, "disabled") {
				out = append(out, m)
			}
		}
	}
	return out
}
