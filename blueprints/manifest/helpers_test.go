package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/osbuild/images/pkg/policies"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/stubrepo"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

// compose returns the content of a plan, as `qm-build manifest` composes it
// (no target tree, so no facts).
func compose(t testing.TB, o rootfs.Options) *rootfs.Content {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(o, cat)
	require.NoError(t, err)
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	require.NoError(t, err)
	return c
}

// stubRepo writes an indexed file:// repository of stand-in distribution
// packages for arch plus the content's own packages, without omit.
func stubRepo(t testing.TB, arch string, c *rootfs.Content, omit ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	_, err := stubrepo.Write(dir, arch, c.Packages, omit...)
	require.NoError(t, err)
	r := verifiers.Run(t, verifiers.Need(t, "createrepo_c"), "-q", "--no-database", dir)
	require.Zero(t, r.Code, r.Stderr)
	return dir
}

// dnfOptions resolves against the repository at dir.
func dnfOptions(t testing.TB, dir string) DNFOptions {
	return DNFOptions{
		DNF:     verifiers.Need(t, "dnf"),
		Repos:   []blueprints.LockRepo{{ID: "stub", BaseURL: "file://" + dir}},
		WorkDir: t.TempDir(),
		Path:    os.Getenv("PATH"),
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

// parse reads a blueprint from text.
func parse(t testing.TB, name, text string) blueprints.Named {
	t.Helper()
	bp, err := blueprints.ParseBlueprint(strings.NewReader(text), name)
	require.NoError(t, err)
	return blueprints.Named{Name: name, Blueprint: bp}
}

// qmFragment is the QM fragment of a plan, encoded and parsed back.
func qmFragment(t testing.TB, o rootfs.Options) blueprints.Named {
	t.Helper()
	f, err := blueprints.NewFragment(compose(t, o), "qm")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, blueprints.EncodeTOML(&b, &f.Blueprint))
	return parse(t, "qm.toml", b.String())
}

// requireValidBlueprint decodes data with the blueprint library and applies
// images' customization policies, as image-builder would.
func requireValidBlueprint(t *testing.T, data []byte, name string) *blueprint.Blueprint {
	t.Helper()
	bp, err := blueprints.ParseBlueprint(bytes.NewReader(data), name)
	require.NoError(t, err)
	check := bp.DeepCopy()
	require.NoError(t, check.Initialize())
	if c := bp.Customizations; c != nil {
		require.NoError(t, blueprint.CheckFileCustomizationsPolicy(c.GetFiles(), policies.CustomFilesPolicies))
		require.NoError(t, blueprint.CheckDirectoryCustomizationsPolicy(c.GetDirectories(), policies.CustomDirectoriesPolicies))
		require.NoError(t, blueprint.ValidateDirFileCustomizations(c.GetDirectories(), c.GetFiles()))
		_, err := blueprint.FileCustomizationsToFsNodeFiles(c.GetFiles())
		require.NoError(t, err)
		_, err = blueprint.DirectoryCustomizationsToFsNodeDirectories(c.GetDirectories())
		require.NoError(t, err)
	}
	return bp
}

// goodSum is a well-formed checksum no file has.
const goodSum = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
