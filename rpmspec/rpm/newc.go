package rpm

import (
	"fmt"
	"io"
)

// newcMagic starts every header of the "new ASCII" cpio format without
// checksums (SVR4 newc), the format of every RPM payload (rpm's lib/cpio.c,
// PAYLOADFORMAT "cpio").
const newcMagic = "070701"

// newcTrailer names the entry that ends an archive.
const newcTrailer = "TRAILER!!!"

// newcEntry is one archive member with the header fields rpmbuild sets
// (rpmcpioHeaderWrite in rpm's lib/cpio.c, fed by rpmfiArchiveWriteHeader in
// lib/rpmfi.c): the rest (device numbers, rdev, check) are zero, as rpm
// leaves them for the files it packs.
type newcEntry struct {
	name  string // "./usr/share/qm/…"
	ino   uint32 // the file's RPMTAG_FILEINODES value
	mode  uint32 // st_mode: type and permission bits
	nlink uint32
	mtime uint32
	body  []byte // a regular file's content, a symlink's target
}

// newcWriter writes a newc archive, counting the bytes written (the
// uncompressed payload size rpm records as RPMSIGTAG_PAYLOADSIZE).
type newcWriter struct {
	w   io.Writer
	n   int64
	err error
}

// write writes one member: the 110-byte header of thirteen 8-digit hex
// fields, the NUL-terminated name padded to 4 bytes, the body padded to 4.
func (c *newcWriter) write(e newcEntry) error {
	if c.err != nil {
		return c.err
	}
	if uint64(len(e.body)) > 0xffffffff || uint64(len(e.name)+1) > 0xffffffff {
		c.err = fmt.Errorf("%s: too large for a newc archive", e.name)
		return c.err
	}
	// Fields in order: ino, mode, uid, gid, nlink, mtime, filesize,
	// devmajor, devminor, rdevmajor, rdevminor, namesize, check. uid and gid
	// are 0: rpm takes owners from the header's FILEUSERNAME/FILEGROUPNAME.
	var hdr [110]byte
	copy(hdr[:], newcMagic)
	for i, v := range [13]uint32{e.ino, e.mode, 0, 0, e.nlink, e.mtime, uint32(len(e.body)), 0, 0, 0, 0, uint32(len(e.name) + 1), 0} {
		putHex8(hdr[6+8*i:], v)
	}
	c.put(hdr[:])
	c.put([]byte(e.name))
	c.put([]byte{0})
	c.pad()
	c.put(e.body)
	c.pad()
	return c.err
}

// putHex8 writes v as 8 lower-case hex digits, as %08x does.
func putHex8(b []byte, v uint32) {
	const digits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
}

// close writes the trailer as rpm does (nlink 1, everything else zero).
func (c *newcWriter) close() error {
	return c.write(newcEntry{name: newcTrailer, nlink: 1})
}

func (c *newcWriter) put(b []byte) {
	if c.err != nil || len(b) == 0 {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

// pad aligns the archive to 4 bytes, as newc aligns names and bodies.
func (c *newcWriter) pad() {
	var zero [3]byte
	if r := c.n % 4; r != 0 {
		c.put(zero[:4-r])
	}
}
