package blueprints

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"slices"

	"github.com/qm-build/qm-build/rpmspec"
)

// OwnPackage describes one of qm-build's own RPM files (from `qm-build rpm`
// or a build's OUT/rpms) for Serialize: the checksum is computed from the
// bytes, url is where osbuild will fetch it.
func OwnPackage(p *rpmspec.Package, rpm io.Reader, url string) (LockedPackage, error) {
	h := sha256.New()
	if _, err := io.Copy(h, rpm); err != nil {
		return LockedPackage{}, fmt.Errorf("reading %s: %w", p.FileName(), err)
	}
	return LockedPackage{
		Name: p.Name, Version: p.Version, Release: p.Release, Arch: p.Arch,
		Checksum: "sha256:" + hex.EncodeToString(h.Sum(nil)),
		URL:      url,
	}, nil
}

// VerifyLocal checks the lock's file:// packages against the files: a file
// that is missing, or whose sha256 is not the lock's, is an error naming the
// package (bad input: the lock does not describe what osbuild would fetch).
// open opens a local path.
func (l *Lock) VerifyLocal(open func(path string) (io.ReadCloser, error)) error {
	var errs rpmspec.Errors
	for _, pl := range slices.Sorted(maps.Keys(l.Pipelines)) {
		for i, p := range l.Pipelines[pl] {
			u, err := url.Parse(l.URLOf(p))
			if err != nil || u.Scheme != "file" {
				continue
			}
			field := fmt.Sprintf("pipelines.%s[%d] (%s)", pl, i, p.Name)
			sum, err := HashFile(open, u.Path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				errs = append(errs, l.ErrAt(pl, i, field, "package %s is missing: %s does not exist", p.NEVRA(), u.Path))
			case err != nil:
				errs = append(errs, l.ErrAt(pl, i, field, "reading %s: %v", u.Path, err))
			case "sha256:"+sum != p.Checksum:
				errs = append(errs, l.ErrAt(pl, i, field, "bad checksum for %s: the lock says %s, %s is sha256:%s", p.NEVRA(), p.Checksum, u.Path, sum))
			}
		}
	}
	return errs.Err()
}

// HashFile is the hex sha256 of the file open opens.
func HashFile(open func(string) (io.ReadCloser, error), name string) (string, error) {
	f, err := open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
