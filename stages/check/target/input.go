package target

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/qm-build/qm-build/rpmspec/input"
)

// openRegular opens an input that must be a regular file: input.Open, which
// opens with O_NONBLOCK (a FIFO or a device in its place cannot block the
// open) and refuses anything but a regular file by what the descriptor is
// (not by a stat before the open, which a swap could defeat). The refusal
// is worded as the check words every entry of the wrong type.
func openRegular(name string) (*os.File, error) { return checkWording(input.Open(name)) }

// openRegularIn is openRegular inside a root: the name cannot leave it,
// through ".." or a symbolic link.
func openRegularIn(root *os.Root, name string) (*os.File, error) {
	return checkWording(input.OpenIn(root, name))
}

// checkWording rewords input's refusal of a file that is not regular.
func checkWording(f *os.File, err error) (*os.File, error) {
	var nr *input.NotRegularError
	if errors.As(err, &nr) {
		return nil, notRegularError(nr.Path, nr.Mode)
	}
	return f, err
}

// mustBeRegular refuses what f turned out to be unless it is a regular file.
func mustBeRegular(f *os.File, name string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegularError(name, fi.Mode())
	}
	return nil
}

func notRegularError(name string, m fs.FileMode) error {
	return &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (%s)", typeName(m))}
}

// typeName says what kind of file a mode is, for messages.
func typeName(m fs.FileMode) string { return input.TypeName(m) }
