package rootfs

import (
	"fmt"
	"path"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
)

// Paths of the qm package's SELinux files (qm-upstream.md §2).
const (
	SELinuxPackageDir  = "/usr/share/selinux/packages"
	SELinuxIncludeDir  = "/usr/share/selinux/devel/include/services"
	QMContextsPath     = rpmspec.QMShare + "/contexts"
	QMFileContextsPath = rpmspec.QMShare + "/file_contexts"
)

// PolicyModulePath is where the qm package installs the compiled module.
var PolicyModulePath = path.Join(SELinuxPackageDir, selinux.PackageFileBz2)

// selinuxPackageFiles are the qm package's SELinux files (the policy module,
// its interface, the nested contexts and QM's file_contexts), the scriptlets
// that load and unload the module, and the requirements those scriptlets
// have.
//
// The module arrives compiled, as f.PolicyModule (qm.pp and qm.pp.bz2, from
// the selinux-policy stage). Without it the package ships everything else and no
// scriptlets; the stage has already told the user why. With it, the module's
// version must equal the package version: a mismatch is bad input here,
// before any package is written.
func selinuxPackageFiles(p *Plan, f Facts) ([]rpmspec.File, rpmspec.Scriptlets, []rpmspec.Relation, error) {
	const origin = "rootfs/selinuxfiles.go"
	if err := selinux.CheckModuleVersion(FieldVersion, p.Version); err != nil {
		return nil, rpmspec.Scriptlets{}, nil, err
	}
	files := []rpmspec.File{
		file(path.Join(SELinuxIncludeDir, selinux.IFFile), 0o644, mustSource(selinux.IFFile), origin),
		file(QMContextsPath, 0o644, selinux.NestedContexts(), origin),
		file(QMFileContextsPath, 0o644, selinux.QMFileContexts(), origin),
	}
	if f.PolicyModule == nil {
		return files, rpmspec.Scriptlets{}, nil, nil
	}
	if err := checkPolicyModule(f.PolicyModule.PP, p.Version); err != nil {
		return nil, rpmspec.Scriptlets{}, nil, err
	}
	files = append(files, file(PolicyModulePath, 0o644, f.PolicyModule.Bzip2, origin))
	scripts := rpmspec.Scriptlets{Post: selinuxPost, PostUn: selinuxPostUn}
	reqs := []rpmspec.Relation{
		{Name: "selinux-policy"},
		{Name: "policycoreutils"},  // semodule, load_policy
		{Name: "libselinux-utils"}, // selinuxenabled
	}
	return files, scripts, reqs, nil
}

// checkPolicyModule reads the module's name and version from the policy
// package and compares them with the qm package.
func checkPolicyModule(pp []byte, version string) error {
	name, modVersion, err := selinux.ModuleInfo(pp)
	if err != nil {
		return fmt.Errorf("reading the compiled qm module: %w", err)
	}
	if name != selinux.ModuleName || modVersion != version {
		return &rpmspec.InputError{Field: FieldVersion, Msg: fmt.Sprintf(
			"the compiled SELinux module is %s %s, but the package is qm %s: the module version must equal the package version", name, modVersion, version)}
	}
	return nil
}

func mustSource(name string) []byte {
	srcs, err := selinux.Sources(rpmspec.DefaultVersion)
	if err != nil {
		panic(err)
	}
	for _, s := range srcs {
		if s.Name == name {
			return s.Data
		}
	}
	panic("no policy source " + name)
}

// selinuxPost installs the module the way Fedora's %selinux_modules_install
// does (selinux-policy's macros.selinux-policy), without needing the macros:
// into the configured policy store at priority 200, without reloading the
// store (-n), then loading the policy only when SELinux is enabled. A host
// without semodule or without the policy store is left alone.
const selinuxPost = `# Install the qm SELinux module (as %selinux_modules_install does).
if [ -x /usr/sbin/semodule ] && [ -r /etc/selinux/config ]; then
	selinuxtype=$(sed -n 's/^SELINUXTYPE=//p' /etc/selinux/config)
	selinuxtype=${selinuxtype:-targeted}
	if [ -d "/etc/selinux/${selinuxtype}" ]; then
		/usr/sbin/semodule -n -s "${selinuxtype}" -X 200 -i /usr/share/selinux/packages/qm.pp.bz2
		if /usr/sbin/selinuxenabled; then
			/usr/sbin/load_policy || :
		fi
	fi
fi
`

// selinuxPostUn removes the module on erase (not on upgrade: $1 is 0 only
// when the last qm package goes), as %selinux_modules_uninstall does.
const selinuxPostUn = `# Remove the qm SELinux module on erase (as %selinux_modules_uninstall does).
if [ "$1" -eq 0 ] && [ -x /usr/sbin/semodule ] && [ -r /etc/selinux/config ]; then
	selinuxtype=$(sed -n 's/^SELINUXTYPE=//p' /etc/selinux/config)
	selinuxtype=${selinuxtype:-targeted}
	if [ -d "/etc/selinux/${selinuxtype}" ]; then
		/usr/sbin/semodule -n -s "${selinuxtype}" -X 200 -r qm || :
		if /usr/sbin/selinuxenabled; then
			/usr/sbin/load_policy || :
		fi
	fi
fi
`
