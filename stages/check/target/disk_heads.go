package target

import (
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reading the first bytes of every file through a loop device costs a block
// request per file: the loop driver's worker reads the backing image for
// each one, and a check of a disk image with 100,000 files spent most of its
// time there. The mounted file system is still asked where each file's first
// bytes are (FS_IOC_FIEMAP, which for a small file reads nothing but the
// inode Walk has just stat'ed), and those bytes are then read from the image
// file itself, which the page cache already holds. Whatever the kernel does
// not map plainly (inline data, unwritten, encoded or encrypted extents, a
// hole at the start, a file system without FIEMAP such as FAT, an extent
// outside the partition) is read through the mount as before, so the bytes
// are the same either way (TestMappedHeadsMatch).

// fiemapExtent and fiemap are struct fiemap_extent and struct fiemap of
// linux/fiemap.h, with room for one extent.
type fiemapExtent struct {
	Logical, Physical, Length uint64
	_                         [2]uint64
	Flags                     uint32
	_                         [3]uint32
}

type fiemap struct {
	Start, Length                           uint64
	Flags, MappedExtents, ExtentCount, _pad uint32
	Extent                                  fiemapExtent
}

// fsIocFiemap is FS_IOC_FIEMAP, _IOWR('f', 11, struct fiemap).
const fsIocFiemap = 0xC020660B

// fiemapPlain are the only extent flags a plainly mapped extent may carry:
// the last extent, merged, shared (a reflink).
const fiemapPlain = 0x1 | 0x1000 | 0x2000

// partSection is where one mounted partition lies in the image.
type partSection struct {
	off, size int64
	ext4      *ext4Inodes // the partition's inodes when it is ext2/3/4
}

// mappedHeads reads file heads from the image for the partitions it knows,
// by the device number of their mounts.
type mappedHeads struct {
	image *os.File
	mu    sync.RWMutex
	parts map[uint64]partSection
	// mapped and through count the heads read from the image and through
	// the mount; inodes the entries read from the image's inode tables.
	mapped, through, inodes atomic.Int64
}

// add records the partition mounted on dir.
func (m *mappedHeads) add(dir string, off, size int64) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parts == nil {
		m.parts = map[uint64]partSection{}
	}
	m.parts[st.Dev] = partSection{off, size, newExt4Inodes(m.image, off, size)}
	return nil
}

// ext4 is the inode reader of the partition mounted as device dev, or nil.
func (m *mappedHeads) ext4(dev uint64) *ext4Inodes {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.parts[dev].ext4
}

// head reads up to len(buf) leading bytes of the regular file fd, of the
// given size on device dev, from the image; ok is false when it cannot say
// where they are, and the caller reads them through the mount.
func (m *mappedHeads) head(dev uint64, fd int, size int64, buf []byte) (_ []byte, ok bool) {
	m.mu.RLock()
	p, known := m.parts[dev]
	m.mu.RUnlock()
	if !known || size <= 0 {
		return nil, false
	}
	defer func() {
		if ok {
			m.mapped.Add(1)
		} else {
			m.through.Add(1)
		}
	}()
	n := int64(len(buf))
	if size < n {
		n = size
	}
	fm := fiemap{Start: 0, Length: uint64(n), ExtentCount: 1}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocFiemap, uintptr(unsafe.Pointer(&fm))); errno != 0 {
		return nil, false
	}
	e := fm.Extent
	if fm.MappedExtents != 1 || e.Logical != 0 || e.Length < uint64(n) || e.Flags&^fiemapPlain != 0 ||
		e.Physical > uint64(p.size) || uint64(p.size)-e.Physical < uint64(n) {
		return nil, false
	}
	got, err := m.image.ReadAt(buf[:n], p.off+int64(e.Physical))
	if err != nil || int64(got) != n {
		return nil, false
	}
	return buf[:n], true
}
