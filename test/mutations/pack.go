package mutations

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// RefName is the name the packed images carry: the OCI ref.name annotation
// (umoci's tag), and the docker-archive's tag is localhost/qm:RefName.
const RefName = "test"

// Forms are the target specs of one tree in the four forms `qm-build check`
// reads.
type Forms struct {
	Tree, OCI, OCIArchive, DockerArchive string
	// Raw and QCOW2 are the tree as a GPT disk image, OSTree as an ostree
	// commit (PackDisk), Bootc the OCI image labelled as a bootc image
	// (PackBootc).
	Raw, QCOW2, OSTree, Bootc string
	OSTreeSkipped             string
}

// Specs lists the forms by name, in a fixed order.
func (f Forms) Specs() [][2]string {
	out := [][2]string{{"tree", f.Tree}, {"oci", f.OCI}, {"oci-archive", f.OCIArchive}, {"docker-archive", f.DockerArchive}}
	for _, x := range [][2]string{{"raw", f.Raw}, {"qcow2", f.QCOW2}, {"ostree", f.OSTree}, {"bootc", f.Bootc}} {
		if x[1] != "" {
			out = append(out, x)
		}
	}
	return out
}

// Tools are the real programs that pack a tree (paths, or names on $PATH).
type Tools struct {
	Tar, Umoci, Skopeo string
}

// Pack builds the tree at dir as an image of the given architecture
// (x86_64 or aarch64) in every form, under work, with the real tools:
//
//   - GNU tar writes the layer (PAX, numeric owners, the security.selinux
//     attribute as SCHILY.xattr, as podman and buildah do);
//   - umoci makes the OCI layout from it (raw add-layer, config for the
//     architecture) and collects the unreferenced blobs;
//   - skopeo copies the layout to an oci-archive and to a docker-archive
//     (the `docker save` format).
func Pack(ctx context.Context, tools Tools, dir, arch, work string) (Forms, error) {
	goarch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[arch]
	if goarch == "" {
		return Forms{}, fmt.Errorf("packing %s: unknown architecture %q", dir, arch)
	}
	layer := filepath.Join(work, "layer.tar")
	layout := filepath.Join(work, "oci")
	image := layout + ":" + RefName
	f := Forms{
		Tree:          dir,
		OCI:           "oci:" + image,
		OCIArchive:    "oci-archive:" + filepath.Join(work, "oci.tar"),
		DockerArchive: "docker-archive:" + filepath.Join(work, "docker.tar"),
	}
	steps := [][]string{
		{tools.Tar, "--create", "--file", layer, "--format=pax", "--numeric-owner", "--sort=name",
			"--mtime=@1700000000", "--pax-option=delete=atime,delete=ctime",
			"--xattrs", "--xattrs-include=security.selinux", "--directory", dir, "."},
		{tools.Umoci, "init", "--layout", layout},
		{tools.Umoci, "new", "--image", image},
		{tools.Umoci, "raw", "add-layer", "--no-history", "--image", image, layer},
		{tools.Umoci, "config", "--no-history", "--image", image, "--os", "linux", "--architecture", goarch},
		{tools.Umoci, "gc", "--layout", layout},
		{tools.Skopeo, "--insecure-policy", "copy", "--quiet", "oci:" + image, f.OCIArchive + ":" + RefName},
		{tools.Skopeo, "--insecure-policy", "copy", "--quiet", "oci:" + image, f.DockerArchive + ":localhost/qm:" + RefName},
	}
	for _, s := range steps {
		out, err := exec.CommandContext(ctx, s[0], s[1:]...).CombinedOutput()
		if err != nil {
			return Forms{}, fmt.Errorf("packing %s: %s: %w\n%s", dir, strings.Join(s, " "), err, out)
		}
	}
	return f, nil
}

// PackBootc tags the packed OCI layout's image again as a bootc image (the
// label containers.bootc=1, as bootc's base images carry) and returns its
// spec.
func PackBootc(ctx context.Context, tools Tools, f Forms, arch string) (string, error) {
	layout := strings.TrimSuffix(strings.TrimPrefix(f.OCI, "oci:"), ":"+RefName)
	out, err := exec.CommandContext(ctx, tools.Umoci, "config", "--no-history", "--image", layout+":"+RefName,
		"--tag", "bootc", "--config.label", "containers.bootc=1").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("packing a bootc image: umoci config: %w\n%s", err, out)
	}
	return "oci:" + layout + ":bootc", nil
}
