package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/github/go-spdx/v2/spdxexp"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdxlib"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
	"github.com/qm-build/qm-build/test/verifiers"
)

var testEpoch = time.Unix(1700000000, 0).UTC()

// input composes kvm with a nested image and takes the cs10 lock fixture of
// the manifest tests. The RPM digests stand in for the RPMs' (the document
// carries what it is given; cmd/qm-build's test compares real RPMs), so that
// the golden document does not change with the RPM writer's bytes.
func input(t *testing.T) (Input, verifiers.TestImage) {
	t.Helper()
	img := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, nil, "latest")
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Distro: "cs10", Dropins: []string{"kvm"}, Epoch: testEpoch,
		NestedImages: map[string]string{"kvm": "oci:" + img.Layout}}, cat)
	require.NoError(t, err)
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	require.NoError(t, err)
	sums := map[string]string{}
	for _, p := range c.Packages {
		s := sha256.Sum256([]byte("the RPM of " + p.FileName()))
		sums[p.Name] = hex.EncodeToString(s[:])
	}
	name := filepath.Join("..", "manifest", "testdata", "lock-cs10-x86_64.json")
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	lock, err := blueprints.ParseLock(f, name)
	require.NoError(t, err)
	return Input{Content: c, RPMs: sums, Lock: lock, Epoch: testEpoch, Tool: "qm-build test"}, img
}

// TestSBOM parses the document with spdx/tools-golang, validates it, and
// checks that it lists every package, image and file with the relations.
func TestSBOM(t *testing.T) {
	in, img := input(t)
	d, err := New(in)
	require.NoError(t, err)
	data, err := d.Encode()
	require.NoError(t, err)
	golden.Check(t, filepath.Join("testdata", "sbom-cs10-kvm.json"), data)

	doc, err := spdxjson.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, spdxlib.ValidateDocument(doc))
	require.Equal(t, "SPDX-2.3", doc.SPDXVersion)
	require.Equal(t, "2023-11-14T22:13:20Z", doc.CreationInfo.Created)
	require.True(t, strings.HasPrefix(doc.DocumentNamespace, namespaceBase))
	described, err := spdxlib.GetDescribedPackageIDs(doc)
	require.NoError(t, err)
	require.Equal(t, "Image", string(described[0]))

	byName := map[string]*spdx.Package{}
	ids := map[string]bool{}
	for _, p := range doc.Packages {
		byName[p.PackageName] = p
		require.False(t, ids[string(p.PackageSPDXIdentifier)], "unique ID %s", p.PackageSPDXIdentifier)
		ids[string(p.PackageSPDXIdentifier)] = true
		for _, l := range []string{p.PackageLicenseConcluded, p.PackageLicenseDeclared} {
			if l != "NOASSERTION" {
				ok, bad := spdxexp.ValidateLicenses([]string{l})
				require.True(t, ok, "%s: %v", p.PackageName, bad)
			}
		}
	}
	contains := map[string][]string{}
	for _, r := range doc.Relationships {
		if r.Relationship == "CONTAINS" {
			contains[string(r.RefA.ElementRefID)] = append(contains[string(r.RefA.ElementRefID)], string(r.RefB.ElementRefID))
		}
	}
	require.Equal(t, []string{"QM-Partition"}, contains["Image"], "the image contains the partition")
	part := contains["QM-Partition"]

	for _, p := range in.Content.Packages {
		sp := byName[p.Name]
		require.NotNil(t, sp, p.Name)
		require.Equal(t, p.Version+"-"+p.Release, sp.PackageVersion)
		require.Equal(t, "GPL-2.0-only", sp.PackageLicenseDeclared)
		require.Equal(t, in.RPMs[p.Name], sp.PackageChecksums[0].Value)
		require.Contains(t, part, string(sp.PackageSPDXIdentifier))
	}
	for _, lp := range in.Lock.Pipelines[blueprints.PipelineQMRootfs] {
		sp := byName[lp.Name]
		require.NotNil(t, sp, lp.Name)
		require.Equal(t, lp.Version+"-"+lp.Release, sp.PackageVersion)
		require.Equal(t, "sha256:"+sp.PackageChecksums[0].Value, lp.Checksum)
		require.Contains(t, sp.PackageExternalReferences[0].Locator, "arch="+lp.Arch)
		require.Contains(t, sp.PackageExternalReferences[0].Locator, "repository_id="+lp.Repo)
		require.True(t, strings.HasPrefix(sp.PackageDownloadLocation, "http://127.0.0.1:8080/"), sp.PackageDownloadLocation)
		require.Contains(t, part, string(sp.PackageSPDXIdentifier))
	}
	image := byName["quay.io/qm-images/kvm"]
	require.NotNil(t, image)
	require.Equal(t, img.Digest, image.PackageVersion)
	require.Equal(t, strings.TrimPrefix(img.Digest, "sha256:"), image.PackageChecksums[0].Value)
	require.Contains(t, part, string(image.PackageSPDXIdentifier))

	files := map[string]*spdx.File{}
	for _, f := range doc.Files {
		files[f.FileName] = f
	}
	var want []rpmspec.File
	for _, p := range in.Content.Packages {
		want = append(want, p.Files...)
	}
	for _, tf := range in.Content.Tree {
		want = append(want, tf.File)
	}
	for _, f := range want {
		if f.Kind != rpmspec.KindFile || f.Flags&rpmspec.FlagGhost != 0 {
			continue
		}
		sf := files["."+f.Path]
		require.NotNil(t, sf, f.Path)
		sum := sha256.Sum256(f.Body)
		i := slices.IndexFunc(sf.Checksums, func(c spdx.Checksum) bool { return c.Algorithm == "SHA256" })
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, hex.EncodeToString(sum[:]), sf.Checksums[i].Value, f.Path)
	}
	conf := rootfs.NestedStorageConfFor(in.Content.Plan.Nested)
	require.Contains(t, string(conf), "kvm: quay.io/qm-images/kvm@"+img.Digest)
	sum := sha256.Sum256(conf)
	require.Equal(t, hex.EncodeToString(sum[:]), files["."+rootfs.NestedStorageConf].Checksums[1].Value,
		"the SBOM lists QM's storage.conf, which names the image by the same digest")
}

func TestSBOMReproducible(t *testing.T) {
	in, _ := input(t)
	a, err := New(in)
	require.NoError(t, err)
	b, err := New(in)
	require.NoError(t, err)
	ab, _ := a.Encode()
	bb, _ := b.Encode()
	require.Equal(t, ab, bb)
	in.Lock = nil
	c, err := New(in)
	require.NoError(t, err)
	require.NotEqual(t, a.DocumentNamespace, c.DocumentNamespace, "another content, another namespace")
	require.Contains(t, c.Comment, "No package lock")
}
