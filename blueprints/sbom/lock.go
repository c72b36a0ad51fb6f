package sbom

import (
	"os"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rpmspec"
)

// ReadLock reads a package lock file; "" gives nil (no lock). A file that
// cannot be read or parsed is bad input naming it.
func ReadLock(name string) (*blueprints.Lock, error) {
	if name == "" {
		return nil, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, &rpmspec.InputError{File: name, Msg: "reading the package lock", Err: err}
	}
	defer f.Close()
	return blueprints.ParseLock(f, name)
}
