package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestBuildNestedImageAndSBOM: `build --nested-image` pins the image, bakes
// it, passes its own check, and writes an SBOM that spdx/tools-golang
// parses and validates, whose RPM checksums are those of the RPMs in OUT and
// whose image is the pinned digest; `qm-build sbom` writes the same document
// apart from its creator.
func TestBuildNestedImageAndSBOM(t *testing.T) {
	verifiers.NeedRoot(t, "writing QM's image store with the overlay driver")
	img := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, nil, "latest")
	archive := img.Convert(t, "docker-archive")
	out := filepath.Join(t.TempDir(), "out")
	lock := filepath.Join(verifiers.RepoRoot(t), "blueprints", "manifest", "testdata", "lock-cs10-x86_64.json")
	args := []string{"--dropin", "kvm", "--nested-image", "kvm=docker-archive:" + archive, "--packages-lock", lock}
	r := runCLI(t, []string{treeEpoch}, append([]string{"build", "--out", out}, args...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "note: check: the tree passes all", r.stdout)
	unit, err := os.ReadFile(filepath.Join(out, "tree", "etc/qm/containers/systemd/kvm.container"))
	require.NoError(t, err)
	m := regexpDigest(t, string(unit))

	data, err := os.ReadFile(filepath.Join(out, "sbom.spdx.json"))
	require.NoError(t, err)
	doc, err := spdxjson.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, spdxlib.ValidateDocument(doc))
	versions := map[string]string{}
	sums := map[string]string{}
	for _, p := range doc.Packages {
		versions[p.PackageName] = p.PackageVersion
		if len(p.PackageChecksums) > 0 {
			sums[p.PackageName] = p.PackageChecksums[0].Value
		}
	}
	require.Equal(t, m, versions["quay.io/qm-images/kvm"], "the SBOM's image is the one the quadlet pins")
	for name, file := range map[string]string{"qm": "qm-1.0-1.noarch.rpm", "qm-kvm": "qm-kvm-1.0-1.noarch.rpm"} {
		rpmData, err := os.ReadFile(filepath.Join(out, "rpms", file))
		require.NoError(t, err)
		s := sha256.Sum256(rpmData)
		require.Equal(t, hex.EncodeToString(s[:]), sums[name], name)
	}
	require.Contains(t, versions, "podman", "QM's rootfs packages from the lock")

	r = runCLI(t, []string{treeEpoch}, append([]string{"sbom"}, args...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	strip := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"Tool: `) && !strings.Contains(l, `"documentNamespace"`) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	require.Equal(t, strip(string(data)), strip(r.stdout))

	r = runCLI(t, nil, "sbom", "--nested-image", "kvm=oci:/does/not/exist")
	require.Equal(t, exitBadInput, r.code, r.stderr)
	require.Contains(t, r.stderr, "--nested-image kvm: reading oci:/does/not/exist")
}

// regexpDigest is the digest of the Image= line of a nested quadlet.
func regexpDigest(t *testing.T, unit string) string {
	t.Helper()
	for _, l := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(l, "Image=quay.io/qm-images/kvm@"); ok {
			return v
		}
	}
	t.Fatalf("no pinned Image= in\n%s", unit)
	return ""
}
