package target

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// spool keeps the contents of an image's files in one temporary file that has
// no name: opened with O_TMPFILE where the file system supports it, else
// created and unlinked at once, so nothing is left behind even when the
// process is killed. Runs of zeros are not written (they are holes), and the
// bytes written are bounded by max.
type spool struct {
	f    *os.File
	off  int64 // end of the spooled data (holes included)
	used int64 // bytes written (holes excluded)
	max  int64
	buf  []byte
}

// spoolChunk is the unit of zero detection: a multiple of every file
// system's block size, so a zero chunk is a whole number of holes.
const spoolChunk = 64 << 10

// zeroChunk is compared against; it is never written.
var zeroChunk [spoolChunk]byte

func newSpool(dir string, max int64) (*spool, error) {
	f, err := openTmpFile(dir)
	if err != nil {
		return nil, fmt.Errorf("creating the spool file in %s: %w", dir, err)
	}
	return &spool{f: f, max: max, buf: make([]byte, spoolChunk)}, nil
}

// openTmpFile opens an unnamed temporary file in dir.
func openTmpFile(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return os.NewFile(uintptr(fd), dir+"/(spool)"), nil
	}
	f, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// add copies exactly size bytes from r to the end of the spool and returns
// their offset. Reading fewer is an error.
func (s *spool) add(r io.Reader, size int64) (int64, error) {
	start := s.off
	for left := size; left > 0; {
		n := min(left, spoolChunk)
		chunk := s.buf[:n]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return 0, err
		}
		if !bytes.Equal(chunk, zeroChunk[:n]) {
			if s.used+n > s.max {
				return 0, &LimitError{Limit: "MaxSpool", Value: s.max, What: "the contents of the image's files kept for the rules"}
			}
			if _, err := s.f.WriteAt(chunk, s.off); err != nil {
				return 0, fmt.Errorf("writing the spool file: %w", err)
			}
			s.used += n
		}
		s.off += n
		left -= n
	}
	return start, nil
}

// finish makes the spool as long as its data, so trailing holes read back as
// zeros.
func (s *spool) finish() error {
	fi, err := s.f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < s.off {
		return s.f.Truncate(s.off)
	}
	return nil
}

// section reads one spooled file.
func (s *spool) section(off, size int64) *io.SectionReader {
	return io.NewSectionReader(s.f, off, size)
}

// readAt fills p from off; a short read at the end of the data is not an
// error.
func (s *spool) readAt(p []byte, off int64) (int, error) {
	n, err := s.f.ReadAt(p, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

func (s *spool) Close() error { return s.f.Close() }
