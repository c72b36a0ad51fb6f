package mutations

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/test/verifiers"
)

// packForms packs a tree in the four forms with the real tools.
func packForms(t *testing.T, dir, arch string) Forms {
	t.Helper()
	tools := Tools{Tar: verifiers.Need(t, "tar"), Umoci: verifiers.Need(t, "umoci"), Skopeo: verifiers.Need(t, "skopeo")}
	f, err := Pack(context.Background(), tools, dir, arch, t.TempDir())
	require.NoError(t, err)
	dt := DiskTools{Mke2fs: verifiers.Need(t, "mke2fs"), MkfsXFS: verifiers.Need(t, "mkfs.xfs"), Sgdisk: verifiers.Need(t, "sgdisk"),
		QemuImg: verifiers.Need(t, "qemu-img"), OSTree: verifiers.Need(t, "ostree")}
	d, err := PackDisk(context.Background(), dt, dir, arch, t.TempDir())
	require.NoError(t, err)
	f.Raw, f.QCOW2, f.OSTree, f.OSTreeSkipped = d.Raw, d.QCOW2, d.OSTree, d.OSTreeSkipped
	if f.OSTreeSkipped != "" {
		t.Logf("no ostree form: %s", f.OSTreeSkipped)
	}
	bootc, err := PackBootc(context.Background(), tools, f, arch)
	require.NoError(t, err)
	f.Bootc = bootc
	return f
}

// findingKey is a finding as the form-equivalence test compares it: every
// field a user sees.
func findingKeys(r *check.Report) []string {
	var out []string
	for _, f := range r.Findings() {
		out = append(out, f.String())
	}
	sort.Strings(out)
	return out
}

// checkForms checks the tree at dir in the four forms and requires the same
// findings from each (rule, path, line, message, not only the rule IDs). It
// returns the rule IDs each form gave.
func checkForms(t *testing.T, dir, arch string, m Mutation) map[string][]string {
	t.Helper()
	if arch == "" {
		arch = "x86_64"
	}
	found := map[string][]string{}
	var want []string
	for _, f := range packForms(t, dir, arch).Specs() {
		r := runCheck(t, f[1], m.Arch, m.Allow)
		if f[0] != "tree" && f[0] != "ostree" {
			require.Equal(t, arch, r.Arch, "%s: the architecture the image config (or the root partition's type) records", f[0])
		}
		got := findingKeys(r)
		switch f[0] {
		case "tree":
			want = got
		case "ostree":
			// An ostree commit stores no hard links: a deployment copies
			// /etc and /var, so QM608's defect cannot ship in one.
			require.Equal(t, withoutRule(want, "QM608"), withoutRule(got, "QM608"), "%s (%s): the ostree form must give the tree's findings", m.Name, m.Source)
		default:
			require.Equal(t, want, got, "%s (%s): the %s form must give the tree's findings", m.Name, m.Source, f[0])
		}
		if f[0] == "bootc" {
			require.True(t, r.Bootc, "the bootc form is recognised as a bootc image")
		}
		ids := r.RuleIDs()
		if ids == nil {
			ids = []string{}
		}
		found[f[0]] = ids
	}
	return found
}

// TestImageLinksClimbingAboveTheRoot is issue 17's first case: a layer
// symlink whose relative target climbs one ".." too many was dropped when
// the image was flattened (go-containerregistry skips "unsafe" links), so the
// image forms passed what the directory failed. At runtime "/.." is "/": the
// link works, and the checker must see it in every form.
func TestImageLinksClimbingAboveTheRoot(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	for _, m := range []Mutation{
		{
			Name: "a drop-in linked with a climbing relative target to a privileged file", Expect: []string{"QM108"},
			Ops: []Op{
				{Write: "/srv/priv.conf", Body: "[Container]\nPodmanArgs=--privileged\n"},
				{Symlink: "/etc/containers/systemd/qm.container.d/zz.conf", Target: "../../../../../srv/priv.conf"},
			},
		},
		{
			Name: "a link in /etc/qm climbing far above the root to the host's shadow file", Expect: []string{"QM605"},
			Ops: []Op{{Symlink: "/etc/qm/shadow-link", Target: "../../../../../../../../etc/shadow"}},
		},
		{
			Name: "an absolute link to a drop-in elsewhere in the image", Expect: []string{"QM108"},
			Ops: []Op{
				{Write: "/opt/x/priv.conf", Body: "[Container]\nPodmanArgs=--privileged\n"},
				{Symlink: "/etc/containers/systemd/qm.container.d/zz.conf", Target: "/opt/x/../x/priv.conf"},
			},
		},
	} {
		t.Run(m.Name, func(t *testing.T) {
			dir := copyTree(t, good)
			require.NoError(t, m.Apply(dir, nil))
			for form, ids := range checkForms(t, dir, "x86_64", m) {
				require.Equal(t, m.Expect, ids, "%s as %s", m.Name, form)
			}
		})
	}
}

// TestPackUsesTheRealFormats: the packed forms are what the tools say they
// are, so the equivalence test compares real images (skopeo inspects each).
func TestPackUsesTheRealFormats(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	f := packForms(t, good, "aarch64")
	skopeo := verifiers.Need(t, "skopeo")
	for _, spec := range []string{f.OCI, f.OCIArchive, f.DockerArchive} {
		out, err := execOutput(skopeo, "--insecure-policy", "inspect", "--raw", spec)
		require.NoError(t, err, "%s: %s", spec, out)
		require.Contains(t, out, "schemaVersion", spec)
		cfg, err := execOutput(skopeo, "--insecure-policy", "inspect", "--config", spec)
		require.NoError(t, err, "%s: %s", spec, cfg)
		require.Contains(t, cfg, `"architecture": "arm64"`, spec)
	}
	fi, err := os.Stat(strings.TrimPrefix(f.DockerArchive, "docker-archive:"))
	require.NoError(t, err)
	require.True(t, fi.Mode().IsRegular())
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func withoutRule(keys []string, id string) []string {
	out := []string{}
	for _, k := range keys {
		if !strings.Contains(k, ": "+id+" ") {
			out = append(out, k)
		}
	}
	return out
}
