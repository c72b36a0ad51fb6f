package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages"
)

// PackagesLockEnv names the lock file the manifest stage resolves the base
// packages from (see blueprints.Lock).
const PackagesLockEnv = "QM_BUILD_PACKAGES_LOCK"

// ManifestFile is the manifest stage's output for a plan, under OutDir.
func ManifestFile(distro, arch string) string {
	return fmt.Sprintf("manifest-%s-%s.json", distro, arch)
}

// ManifestBinary is the program the manifest stage runs: the one part of
// qm-build that links osbuild/images.
const ManifestBinary = "qm-build-manifest"

// ManifestRequest is what the manifest stage hands ManifestBinary as JSON on
// its standard input (`qm-build-manifest request`): the plan's options, the
// user drop-in directories its catalog was extended with and the facts the
// build composed with (so that the content is the build's, byte for byte),
// the lock, qm-build's own RPMs, and the file to write.
type ManifestRequest struct {
	Options rootfs.Options `json:"options"`
	// Epoch is the plan's SOURCE_DATE_EPOCH in seconds (rootfs.Options
	// leaves it out of its JSON); 0 is unset.
	Epoch        int64        `json:"source_date_epoch,omitempty"`
	DropinDirs   []string     `json:"dropin_dirs,omitempty"`
	Facts        rootfs.Facts `json:"facts"`
	PackagesLock string       `json:"packages_lock"`
	RPMs         string       `json:"rpms"`
	// RPMsURL is the directory the manifest's file:// URLs name: where RPMs
	// will be once the build's output directory is in place
	// (stages.Build.FinalOut); "" means RPMs.
	RPMsURL string `json:"rpms_url,omitempty"`
	Out     string `json:"out"`
}

// Manifest writes OUT/manifest-<distro>-<arch>.json: the osbuild manifest
// of the build's plan, made by ManifestBinary (Build.ManifestBinary) from a
// ManifestRequest. qm-build's own packages are the RPMs the rpms stage wrote
// (their checksums are the files', their URLs file:// paths under OUT where
// it will be once the build is complete, Build.FinalOut);
// every other package comes from the lock in Build.PackagesLock (build
// --packages-lock), else the one named by $QM_BUILD_PACKAGES_LOCK. Without a
// lock, or without the binary, the stage writes nothing and says so in the
// summary: a manifest with unresolved packages is never written.
var Manifest = stages.Stage{
	Name:   "manifest",
	Reads:  []string{"plan", "facts", "out:" + RPMsDir + "/", "--packages-lock or env:" + PackagesLockEnv},
	Writes: []string{"out:manifest-<distro>-<arch>.json"},
	Run: func(ctx context.Context, b *stages.Build) error {
		if b.OutDir == "" {
			return nil
		}
		name := ManifestFile(b.Plan.Distro, b.Plan.Arch)
		lockFile := b.PackagesLock
		if lockFile == "" {
			lockFile = b.Getenv(PackagesLockEnv)
		}
		switch {
		case lockFile == "":
			b.Notes = append(b.Notes, fmt.Sprintf("manifest: %s not written: the distribution's packages need a lock (give --packages-lock FILE or set %s=FILE; make one with `qm-build manifest --depsolve dnf --repo ID=URL --write-lock FILE`)", name, PackagesLockEnv))
			return nil
		case b.ManifestBinary == "":
			b.Notes = append(b.Notes, fmt.Sprintf("manifest: %s not written: %s is not installed (beside qm-build or on PATH)", name, ManifestBinary))
			return nil
		}
		out, err := filepath.Abs(b.OutDir)
		if err != nil {
			return err
		}
		final, err := filepath.Abs(b.FinalOut())
		if err != nil {
			return err
		}
		req := ManifestRequest{Options: b.Plan.Options, DropinDirs: b.DropinDirs, Facts: b.Facts, PackagesLock: lockFile,
			RPMs: filepath.Join(out, RPMsDir), RPMsURL: filepath.Join(final, RPMsDir), Out: filepath.Join(out, name)}
		if !b.Plan.Epoch.IsZero() {
			req.Epoch = b.Plan.Epoch.Unix()
		}
		if err := runManifestBinary(ctx, b, req); err != nil {
			return err
		}
		data, err := os.ReadFile(req.Out)
		if err != nil {
			return err
		}
		b.AddArtifact("manifest", "manifest", name, data)
		return nil
	},
}

// runManifestBinary runs ManifestBinary with req on its standard input; its
// messages go to the build's log. A refusal of the user's input (exit 2) is
// bad input here too.
func runManifestBinary(ctx context.Context, b *stages.Build, req ManifestRequest) error {
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, b.ManifestBinary, "request")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = b.Log, &stderr
	err = cmd.Run()
	msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "qm-build manifest: "))
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return rpmspec.Invalid("%s", msg)
	case errors.As(err, &ee):
		return errors.New(msg)
	}
	return fmt.Errorf("running %s: %w", b.ManifestBinary, err)
}
