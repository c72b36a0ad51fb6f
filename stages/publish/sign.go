package publish

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/stages/publish/rpmsign"
)

// KeySigner is what signing a repository needs: RPM signatures, repomd.xml
// signatures, the public key and the key ID. *sign.Key implements it.
type KeySigner interface {
	rpmsign.Signer
	repodata.Signer
	KeyID() string
}

// SignRPMs signs, in place, every RPM under root that is not already signed
// by s alone: each signed file replaces the old one through a temporary file
// and a rename, keeping its mode. It returns the locations it signed, sorted;
// files that cannot be read or signed are reported all at once.
func SignRPMs(root *os.Root, s KeySigner) ([]string, error) {
	files, err := repodata.ScanRPMs(root)
	if err != nil {
		return nil, err
	}
	var signed []string
	var errs []error
	for _, f := range files {
		done, err := signOne(root, f.Location, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if done {
			signed = append(signed, f.Location)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return signed, nil
}

func signOne(root *os.Root, loc string, s KeySigner) (bool, error) {
	data, err := root.ReadFile(loc)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", loc, err)
	}
	if ids, err := rpmsign.KeyIDs(bytes.NewReader(data)); err == nil && onlyKey(ids, s.KeyID()) {
		return false, nil
	}
	// Refuse damaged RPMs before signing them: a signature must not bless them.
	if _, err := repodata.ReadRPM(bytes.NewReader(data), repodata.File{Location: loc, Size: int64(len(data))}, 0); err != nil {
		return false, err
	}
	var out bytes.Buffer
	if err := rpmsign.Sign(bytes.NewReader(data), &out, s); err != nil {
		return false, rpmspec.FileError(loc, err)
	}
	fi, err := root.Stat(loc)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", loc, err)
	}
	return true, repodata.WriteFileAtomic(root, loc, &out, fi.Mode().Perm())
}

func onlyKey(ids []string, id string) bool {
	if len(ids) == 0 {
		return false
	}
	for _, x := range ids {
		if !strings.EqualFold(x, id) {
			return false
		}
	}
	return true
}
