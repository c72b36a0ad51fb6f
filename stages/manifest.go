package stages

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/blueprints/manifest"
)

// PackagesLockEnv names the lock file the manifest stage resolves the base
// packages from (see blueprints.Lock).
const PackagesLockEnv = "QM_BUILD_PACKAGES_LOCK"

// ManifestFile is the manifest stage's output for a plan, under OutDir.
func ManifestFile(distro, arch string) string {
	return fmt.Sprintf("manifest-%s-%s.json", distro, arch)
}

// Manifest writes OUT/manifest-<distro>-<arch>.json: the osbuild manifest of
// manifest.New for the build's content. qm-build's own packages
// are the RPMs the rpms stage wrote (their checksums are the artifacts',
// their URLs file:// paths under OUT); every other package comes from the
// lock in Build.PackagesLock (build --packages-lock), else the one named by
// $QM_BUILD_PACKAGES_LOCK. Without a lock the stage writes
// nothing and says so in the summary: a manifest with unresolved packages
// is never written.
var Manifest = Stage{
	Name:   "manifest",
	Reads:  []string{"content", "out:" + RPMsDir + "/", "--packages-lock or env:" + PackagesLockEnv},
	Writes: []string{"out:manifest-<distro>-<arch>.json"},
	Run: func(ctx context.Context, b *Build) error {
		if b.OutDir == "" {
			return nil
		}
		name := ManifestFile(b.Plan.Distro, b.Plan.Arch)
		lockFile := b.PackagesLock
		if lockFile == "" {
			lockFile = b.Getenv(PackagesLockEnv)
		}
		if lockFile == "" {
			b.Notes = append(b.Notes, fmt.Sprintf("manifest: %s not written: the distribution's packages need a lock (give --packages-lock FILE or set %s=FILE; make one with `qm-build manifest --depsolve dnf --repo ID=URL --write-lock FILE`)", name, PackagesLockEnv))
			return nil
		}
		lock, err := readLock(lockFile)
		if err != nil {
			return err
		}
		m, err := manifest.New(manifest.Options{Content: b.Content})
		if err != nil {
			return err
		}
		own, err := builtPackages(b)
		if err != nil {
			return err
		}
		data, err := m.Serialize(lock, own...)
		if err != nil {
			return err
		}
		if err := writeOut(b.OutDir, name, data); err != nil {
			return err
		}
		b.AddArtifact("manifest", "manifest", name, data)
		return nil
	},
}

func readLock(name string) (*blueprints.Lock, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &lockError{err: fmt.Errorf("reading packages lock: %w", err)}
	}
	defer f.Close()
	lock, err := blueprints.ParseLock(f, name)
	if err != nil {
		return nil, err
	}
	return lock, lock.VerifyLocal(func(p string) (io.ReadCloser, error) { return os.Open(p) })
}

// builtPackages describes the RPMs of this build from the rpms stage's
// artifacts.
func builtPackages(b *Build) ([]blueprints.LockedPackage, error) {
	out, err := filepath.Abs(b.FinalOut())
	if err != nil {
		return nil, err
	}
	byPath := map[string]Artifact{}
	for _, a := range b.Artifacts {
		if a.Kind == "rpm" {
			byPath[filepath.Base(a.Path)] = a
		}
	}
	var pkgs []blueprints.LockedPackage
	for _, p := range b.Content.Packages {
		a, ok := byPath[p.FileName()]
		if !ok {
			return nil, fmt.Errorf("manifest: the rpms stage wrote no %s", p.FileName())
		}
		pkgs = append(pkgs, blueprints.LockedPackage{
			Name: p.Name, Version: p.Version, Release: p.Release, Arch: p.Arch,
			Checksum: "sha256:" + a.SHA256,
			URL:      "file://" + filepath.ToSlash(filepath.Join(out, a.Path)),
		})
	}
	return pkgs, nil
}

// lockError is a lock file that cannot be read: bad input.
type lockError struct{ err error }

func (e *lockError) Error() string  { return e.err.Error() }
func (e *lockError) Unwrap() error  { return e.err }
func (e *lockError) BadInput() bool { return true }
