package layering

// QMBuild is qm-build's layering table. lightImages are the osbuild/images
// packages osbuild/blueprint itself imports (computed from the same go list
// output by the test).
func QMBuild(lightImages []string) Rules {
	return Rules{
		Module: "github.com/qm-build/qm-build",
		Layers: []string{"rpmspec", "selinux", "rootfs", "blueprints", "stages", "cmd"},
		TestLayer: map[string]string{
			"test/golden":     "",
			"test/verifiers":  "",
			"test/rpmlint":    "",
			"test/composed":   "rootfs",
			"test/benchratio": top,
			"test/examples":   top,
			"test/layering":   top,
			"test/mutations":  top,
		},
		TestExceptions: map[string]map[string]string{
			// The RPM writer and the spec renderer are tested on the packages
			// `qm-build rpm` really writes, which only rootfs composes: their
			// test binaries link rootfs and selinux, nothing above.
			"rpmspec": {
				"test/composed": "the spec of every real package (TestSpecCoversEveryPackage)",
			},
			"rpmspec/rpm": {
				"test/composed": "the RPM writer against rpmbuild and rpmlint on every real package",
			},
		},
		ImagesOnly:      "github.com/qm-build/qm-build/blueprints/manifest",
		ImagesModule:    "github.com/osbuild/images",
		BlueprintModule: "github.com/osbuild/blueprint",
		BlueprintFolder: "blueprints",
		// The manifest binary, and the manifest package's own tests. qm-build
		// runs the binary (for `qm-build manifest` and the manifest stage);
		// it never links the package.
		LinkManifest: []string{
			"blueprints/manifest",
			"cmd/qm-build-manifest",
		},
		Heavy: []string{
			"github.com/containers/image",
			"github.com/sigstore",
			"google.golang.org/grpc",
			"google.golang.org/protobuf",
		},
		LightImages: lightImages,
		// The osbuild stage, which osbuild copies into every build root, and
		// QM's OCI hook, which podman runs at every container's creation.
		Lean: []string{"cmd/org.osbuild.qm", "cmd/qm-oci-hook"},
		// qm-build runs qm-build-publish for the push of `publish --oci`, so
		// that the registry client, net/http and the docker credential
		// helpers are no part of its start-up.
		Delegated: map[string]Delegation{
			"cmd/qm-build": {Program: "cmd/qm-build-publish", Packages: []string{
				"github.com/google/go-containerregistry",
				"github.com/opencontainers/go-digest",
				"net/http",
				"stages/publish/oci",
			}},
		},
	}
}
