package blueprints

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
)

// fragmentCases are the fragments kept as golden files.
var fragmentCases = []struct {
	name string
	o    rootfs.Options
}{
	{"default", rootfs.Options{}},
	{"kvm", rootfs.Options{Dropins: []string{"kvm"}}},
	{"options", rootfs.Options{Dropins: []string{"sound", "video"}, MemoryMax: "2G", CPUWeight: "idle", Hostname: "car"}},
}

func encodeFragment(t testing.TB, f *Fragment) []byte {
	var b bytes.Buffer
	require.NoError(t, EncodeTOML(&b, &f.Blueprint, f.Header("qm-build (test)")...))
	return b.Bytes()
}

// requireValidBlueprint decodes data with the blueprint library and applies
// images' customization policies (qm-build's copies, which blueprints/manifest
// checks against images'), as image-builder would.
func requireValidBlueprint(t *testing.T, data []byte, name string) *blueprint.Blueprint {
	t.Helper()
	bp, err := ParseBlueprint(bytes.NewReader(data), name)
	require.NoError(t, err)
	check := bp.DeepCopy()
	require.NoError(t, check.Initialize())
	if c := bp.Customizations; c != nil {
		for _, f := range c.GetFiles() {
			require.NoError(t, FilesPolicy().Check(f.Path))
		}
		for _, d := range c.GetDirectories() {
			require.NoError(t, DirectoriesPolicy().Check(d.Path))
		}
		require.NoError(t, blueprint.ValidateDirFileCustomizations(c.GetDirectories(), c.GetFiles()))
		_, err := blueprint.FileCustomizationsToFsNodeFiles(c.GetFiles())
		require.NoError(t, err)
		_, err = blueprint.DirectoryCustomizationsToFsNodeDirectories(c.GetDirectories())
		require.NoError(t, err)
	}
	return bp
}

func TestGoldenFragments(t *testing.T) {
	for _, tc := range fragmentCases {
		t.Run(tc.name, func(t *testing.T) {
			c := compose(t, tc.o)
			f, err := NewFragment(c, "qm")
			require.NoError(t, err)
			got := encodeFragment(t, f)
			golden.Check(t, filepath.Join("testdata", "fragment-"+tc.name+".toml"), got)
			bp := requireValidBlueprint(t, got, tc.name)
			require.NoError(t, ValidateFragment(bp, tc.name))

			// The fragment carries exactly QM's packages, at the plan's version
			// (GetPackagesEx(false): no kernel is added).
			var want []string
			for _, p := range c.Packages {
				want = append(want, p.Name+"-"+p.EVR())
			}
			require.Equal(t, want, bp.GetPackagesEx(false))
			// Nothing under /usr; every /etc file of the tree is there, byte for byte.
			files := map[string]blueprint.FileCustomization{}
			for _, fc := range bp.Customizations.GetFiles() {
				require.True(t, strings.HasPrefix(fc.Path, "/etc/"), fc.Path)
				files[fc.Path] = fc
			}
			for _, d := range bp.Customizations.GetDirectories() {
				require.True(t, strings.HasPrefix(d.Path, "/etc/"), d.Path)
			}
			for _, tf := range c.Tree {
				if tf.Kind != rpmspec.KindFile || tf.Merge || !strings.HasPrefix(tf.Path, "/etc/") {
					continue
				}
				fc, ok := files[tf.Path]
				require.True(t, ok, "%s is not in the fragment", tf.Path)
				require.Equal(t, string(tf.Body), fc.Data)
				require.Equal(t, tf.OctalMode(), fc.Mode)
			}
		})
	}
}

func TestFragmentLeavesOutWhatABlueprintCannotCarry(t *testing.T) {
	c := compose(t, rootfs.Options{Dropins: []string{"kvm"}})
	c.Tree = append(c.Tree,
		rootfs.TreeFile{File: rpmspec.File{Path: "/etc/systemd/system/multi-user.target.wants/qm-test.service", Kind: rpmspec.KindSymlink, Target: "/usr/lib/systemd/system/qm-test.service"}, Stage: "test"},
		rootfs.TreeFile{File: rpmspec.File{Path: "/etc/qm/extra.conf", Mode: 0o640, Owner: "qmuser", Body: []byte("x\n")}, Stage: "test"},
	)
	f, err := NewFragment(c, "qm")
	require.NoError(t, err)
	require.Equal(t, []string{"qm-test.service"}, f.Blueprint.Customizations.Services.Enabled, "a wants link is an enabled service")
	var extra blueprint.FileCustomization
	for _, fc := range f.Blueprint.Customizations.Files {
		if fc.Path == "/etc/qm/extra.conf" {
			extra = fc
		}
	}
	require.Equal(t, "0640", extra.Mode)
	require.Equal(t, "qmuser", extra.User)
	text := string(encodeFragment(t, f))
	omitted := map[string]string{}
	for _, o := range f.Omitted {
		omitted[o.Path] = o.Why
		require.Contains(t, text, " "+o.Path, "the header names what is left out")
	}
	for _, tf := range c.Tree {
		switch {
		case !strings.HasPrefix(tf.Path, "/etc/"):
			require.Equal(t, whyOutside, omitted[tf.Path], tf.Path)
		case tf.Merge:
			require.Equal(t, whyMerge, omitted[tf.Path], tf.Path)
		}
	}
	requireValidBlueprint(t, []byte(text), "fragment")
}

func TestFragmentPolicyNamesThePolicy(t *testing.T) {
	for _, tc := range []struct {
		name, toml, want string
	}{
		{"a file under /usr", "name = \"x\"\n[[customizations.files]]\npath = \"/usr/lib/qm/rootfs/etc/hosts\"\ndata = \"x\"\n", "denied by images' policies.CustomFilesPolicies"},
		{"a directory under /usr", "name = \"x\"\n[[customizations.directories]]\npath = \"/usr/lib/qm/rootfs/srv\"\n", "denied by images' policies.CustomDirectoriesPolicies"},
		{"a file under /usr/local", "name = \"x\"\n[[customizations.files]]\npath = \"/usr/local/bin/x\"\ndata = \"x\"\n", "denied by qm-build's FragmentPolicy"},
		{"a file under /var", "name = \"x\"\n[[customizations.files]]\npath = \"/var/qm/x\"\ndata = \"x\"\n", "denied by qm-build's FragmentPolicy"},
		{"/etc/passwd", "name = \"x\"\n[[customizations.files]]\npath = \"/etc/passwd\"\ndata = \"x\"\n", "denied by images' policies.CustomFilesPolicies"},
		{"a hostname", "name = \"x\"\n[customizations]\nhostname = \"h\"\n", "customizations.hostname: a fragment may only carry"},
		{"containers", "name = \"x\"\n[[containers]]\nsource = \"localhost/x\"\n", "a fragment may only carry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bp, err := ParseBlueprint(strings.NewReader(tc.toml), "frag.toml")
			require.NoError(t, err)
			err = ValidateFragment(bp, "frag.toml")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), "frag.toml")
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestParseBlueprintErrors(t *testing.T) {
	for _, tc := range []struct {
		name, toml, want string
	}{
		{"syntax", "name = \"x\"\nversion = = 1\n", "bp.toml:2"},
		{"unknown key", "name = \"x\"\nfrobnicate = 1\n", "frobnicate"},
		{"no name", "description = \"x\"\n", "empty blueprint name"},
		{"relative file path", "name = \"x\"\n[[customizations.files]]\npath = \"etc/x\"\n", "bp.toml"},
		{"bad mode", "name = \"x\"\n[[customizations.files]]\npath = \"/etc/x\"\nmode = \"999\"\n", "bp.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBlueprint(strings.NewReader(tc.toml), "bp.toml")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestEncodeTOMLRoundTrips(t *testing.T) {
	for _, data := range []string{"", "plain\n", "no newline", "has ''' quotes\n", "tab\tand \"quotes\" and \\ backslash\n", "ctrl \x01\n", "crlf\r\n", "unicode ✓\n"} {
		bp := blueprint.Blueprint{Name: "x", Customizations: &blueprint.Customizations{Files: []blueprint.FileCustomization{{Path: "/etc/x", Data: data, User: "u", Group: int64(7)}}}}
		var b bytes.Buffer
		require.NoError(t, EncodeTOML(&b, &bp, "header"))
		got, err := ParseBlueprint(&b, "x.toml")
		require.NoError(t, err, b.String())
		require.Equal(t, data, got.Customizations.Files[0].Data, b.String())
		require.Equal(t, "u", got.Customizations.Files[0].User)
	}
}
