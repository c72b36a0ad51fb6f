package target

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// openRegular opens an input that must be a regular file. It opens with
// O_NONBLOCK, so a FIFO or a device in its place cannot block the open, and
// refuses anything but a regular file by what the descriptor is (not by a
// stat before the open, which a swap could defeat).
func openRegular(name string) (*os.File, error) {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	if err := mustBeRegular(f, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openRegularIn is openRegular inside a root: the name cannot leave it,
// through ".." or a symbolic link.
func openRegularIn(root *os.Root, name string) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if err := mustBeRegular(f, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func mustBeRegular(f *os.File, name string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (%s)", typeName(fi.Mode()))}
	}
	return nil
}

// typeName says what kind of file a mode is, for messages.
func typeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// ctxReader stops reading once its context is done, so cancelling (SIGINT,
// SIGTERM in the CLI) ends a long read within one buffer.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
