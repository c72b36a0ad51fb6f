package target

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// On an ext2/3/4 partition most of a walk's cost was the kernel's: an
// fstatat per file, which instantiates the inode through the loop device,
// and an openat, FIEMAP and close to find where the file's first bytes are.
// The entries' inode numbers come with getdents, and the inode itself is 256
// bytes at a place the superblock and the group descriptors give, in the
// image file the page cache already holds. So for every entry that is not a
// directory, the walk reads the on-disk inode (mode, owner, size, a fast
// symbolic link's target, where logical block 0 is) from the image, and the
// head from where it points. The file system is mounted without replaying
// its journal, so the kernel serves the same on-disk inodes; where the file
// system has metadata_csum, each inode's checksum is verified as ext4_iget
// verifies it, and an inode that fails goes through the mount, where the
// kernel refuses it (TestExt4InodeChecksum).
//
// Directories are still read and stat'ed through the mount (they are where
// other partitions are mounted), and anything this reader does not take
// plainly goes through the mount as before: an inode in a group whose table
// is not initialised, a type that disagrees with the directory entry,
// encrypted or inline data, an extent tree deeper than the inode, an
// unwritten extent or a hole at the start, a slow symbolic link, a file
// system with meta_bg. TestExt4InodesMatch walks images both ways and
// compares every field.

// ext4 superblock and inode fields and flags used here (linux fs/ext4/ext4.h).
const (
	ext4Magic            = 0xEF53
	ext4IncompatMetaBG   = 0x10
	ext4Incompat64Bit    = 0x80
	ext4BGInodeUninit    = 0x1
	ext4ExtentsFL        = 0x80000
	ext4InlineDataFL     = 0x10000000
	ext4EncryptFL        = 0x800
	ext4ExtentMagic      = 0xF30A
	ext4MaxInitLen       = 32768 // a longer ee_len marks an unwritten extent
	ext4InodeRead        = 0x80  // the bytes of an inode read at least: through the osd2 owner words
	ext4MaxInodeRead     = 1024  // inodes larger than this are stat'ed through the mount
	ext4RoMetadataCsum   = 0x400
	ext4IncompatCsumSeed = 0x2000
)

// castagnoli is CRC-32C, ext4's metadata checksum.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ext4CRC is the kernel's crc32c(crc, p): the raw register, without the
// inversions hash/crc32's Update applies on the way in and out.
func ext4CRC(crc uint32, p []byte) uint32 {
	return ^crc32.Update(^crc, castagnoli, p)
}

// ext4Group is what one group descriptor says about the group's inodes.
type ext4Group struct {
	table uint64 // first block of the inode table
	used  uint32 // inodes at the start of the table that are initialised
}

// ext4Inodes reads inodes of one ext2/3/4 file system in the image.
type ext4Inodes struct {
	r         io.ReaderAt // the image
	off, size int64       // where the partition lies in it
	blockSize int64
	inodeSize int64
	perGroup  uint32
	count     uint32
	groups    []ext4Group
	// csum: inodes carry metadata_csum checksums, verified from seed as
	// the kernel verifies them (an inode that fails is the kernel's to
	// refuse, through the mount).
	csum bool
	seed uint32
}

// newExt4Inodes reads the superblock and group descriptors of the file
// system at [off, off+size) of r; nil when it is not ext2/3/4 or has a
// layout this reader does not take.
func newExt4Inodes(r io.ReaderAt, off, size int64) *ext4Inodes {
	sb := make([]byte, 1024)
	if size < 2048 {
		return nil
	}
	if n, err := r.ReadAt(sb, off+1024); err != nil || n != len(sb) {
		return nil
	}
	le := binary.LittleEndian
	if le.Uint16(sb[0x38:]) != ext4Magic {
		return nil
	}
	logBlock := le.Uint32(sb[0x18:])
	if logBlock > 6 { // blocks of 1 KiB to 64 KiB
		return nil
	}
	e := &ext4Inodes{r: r, off: off, size: size, blockSize: 1024 << logBlock, inodeSize: 128}
	e.count = le.Uint32(sb[0x0:])
	e.perGroup = le.Uint32(sb[0x28:])
	blocksPerGroup := le.Uint32(sb[0x20:])
	firstData := le.Uint32(sb[0x14:])
	incompat := le.Uint32(sb[0x60:])
	if le.Uint32(sb[0x4C:]) >= 1 {
		e.inodeSize = int64(le.Uint16(sb[0x58:]))
	}
	if incompat&ext4IncompatMetaBG != 0 || e.perGroup == 0 || blocksPerGroup == 0 ||
		e.inodeSize < ext4InodeRead || e.inodeSize > e.blockSize || e.inodeSize&(e.inodeSize-1) != 0 {
		return nil
	}
	// The kernel verifies inode checksums of file systems made on Linux
	// (s_creator_os 0) with metadata_csum.
	if le.Uint32(sb[0x64:])&ext4RoMetadataCsum != 0 && le.Uint32(sb[0x48:]) == 0 {
		e.csum = true
		if incompat&ext4IncompatCsumSeed != 0 {
			e.seed = le.Uint32(sb[0x270:])
		} else {
			e.seed = ext4CRC(^uint32(0), sb[0x68:0x78])
		}
	}
	blocks := uint64(le.Uint32(sb[0x4:]))
	descSize := int64(32)
	if incompat&ext4Incompat64Bit != 0 {
		blocks |= uint64(le.Uint32(sb[0x150:])) << 32
		descSize = int64(le.Uint16(sb[0xFE:]))
		if descSize < 64 || descSize > 1024 || descSize&(descSize-1) != 0 {
			return nil
		}
	}
	if blocks <= uint64(firstData) {
		return nil
	}
	ngroups := (blocks - uint64(firstData) + uint64(blocksPerGroup) - 1) / uint64(blocksPerGroup)
	// Every group holds perGroup inodes; a table that says otherwise, or one
	// too big to describe a partition of this size, is not read here.
	if ngroups == 0 || ngroups > 1<<20 || ngroups*uint64(e.perGroup) != uint64(e.count) ||
		ngroups*uint64(descSize) > uint64(size) {
		return nil
	}
	gdt := make([]byte, ngroups*uint64(descSize))
	gdtOff := (int64(firstData) + 1) * e.blockSize
	if gdtOff+int64(len(gdt)) > size {
		return nil
	}
	if n, err := r.ReadAt(gdt, off+gdtOff); err != nil || n != len(gdt) {
		return nil
	}
	e.groups = make([]ext4Group, ngroups)
	for i := range e.groups {
		d := gdt[int64(i)*descSize:]
		table := uint64(le.Uint32(d[0x8:]))
		if descSize >= 64 {
			table |= uint64(le.Uint32(d[0x28:])) << 32
		}
		used := e.perGroup
		if le.Uint16(d[0x12:])&ext4BGInodeUninit != 0 {
			used = 0
		} else if unused := uint32(le.Uint16(d[0x1C:])); descSize >= 64 {
			unused |= uint32(le.Uint16(d[0x32:])) << 16
			used = e.perGroup - min(unused, e.perGroup)
		} else {
			used = e.perGroup - min(unused, e.perGroup)
		}
		e.groups[i] = ext4Group{table: table, used: used}
	}
	return e
}

// ext4Inode is what the walk takes from an on-disk inode.
type ext4Inode struct {
	mode     uint32 // st_mode
	uid, gid uint32
	size     int64
	flags    uint32
	blocks   uint64 // i_blocks, in 512-byte sectors
	fileACL  uint64
	iblock   [60]byte
}

// inode reads inode ino; ok is false when it lies outside the file system's
// initialised inodes or the partition, or is not in use.
func (e *ext4Inodes) inode(ino uint64, buf []byte) (in ext4Inode, ok bool) {
	if ino == 0 || ino > uint64(e.count) {
		return in, false
	}
	g, idx := (ino-1)/uint64(e.perGroup), uint32((ino-1)%uint64(e.perGroup))
	grp := e.groups[g]
	if idx >= grp.used || grp.table == 0 || grp.table > uint64(e.size/e.blockSize) {
		return in, false
	}
	read := int64(ext4InodeRead)
	if e.csum || e.inodeSize > ext4InodeRead {
		read = e.inodeSize // the whole inode: its checksum, i_extra_isize
	}
	if read > int64(len(buf)) {
		return in, false
	}
	at := int64(grp.table)*e.blockSize + int64(idx)*e.inodeSize
	if at < 0 || at > e.size-read {
		return in, false
	}
	b := buf[:read]
	if n, err := e.r.ReadAt(b, e.off+at); err != nil || n != len(b) {
		return in, false
	}
	le := binary.LittleEndian
	if le.Uint16(b[0x1A:]) == 0 { // i_links_count: not in use
		return in, false
	}
	// ext4_iget refuses an i_extra_isize that overruns the inode or is not
	// a multiple of 4.
	var extra int64
	if read > ext4InodeRead {
		extra = int64(le.Uint16(b[0x80:]))
		if ext4InodeRead+extra > read || extra&3 != 0 {
			return in, false
		}
	}
	if e.csum && !e.inodeCsumOK(uint32(ino), b, extra) {
		return in, false
	}
	in.mode = uint32(le.Uint16(b[0x0:]))
	in.uid = uint32(le.Uint16(b[0x2:])) | uint32(le.Uint16(b[0x78:]))<<16
	in.gid = uint32(le.Uint16(b[0x18:])) | uint32(le.Uint16(b[0x7A:]))<<16
	in.size = int64(uint64(le.Uint32(b[0x4:])) | uint64(le.Uint32(b[0x6C:]))<<32)
	in.flags = le.Uint32(b[0x20:])
	in.blocks = uint64(le.Uint32(b[0x1C:])) | uint64(le.Uint16(b[0x74:]))<<32
	in.fileACL = uint64(le.Uint32(b[0x68:])) | uint64(le.Uint16(b[0x76:]))<<32
	copy(in.iblock[:], b[0x28:0x64])
	return in, in.size >= 0
}

// fastLink is the target of a symbolic link kept in the inode itself, as
// the kernel reads it (no data blocks, no inline data, no encryption).
func (in *ext4Inode) fastLink() (string, bool) {
	if in.mode&0o170000 != 0o120000 || in.flags&(ext4InlineDataFL|ext4EncryptFL|ext4ExtentsFL) != 0 ||
		in.blocks != 0 || in.fileACL != 0 || in.size <= 0 || in.size >= int64(len(in.iblock)) {
		return "", false
	}
	return string(in.iblock[:in.size]), true
}

// firstBlock is the physical block holding logical block 0 of a regular
// file, and how many blocks follow it contiguously; ok is false where the
// kernel would do more than read that block (inline or encrypted data, a
// hole or an unwritten extent at the start, an extent tree with index
// nodes).
func (e *ext4Inodes) firstBlock(in *ext4Inode) (phys, n uint64, ok bool) {
	if in.flags&(ext4InlineDataFL|ext4EncryptFL) != 0 {
		return 0, 0, false
	}
	le := binary.LittleEndian
	if in.flags&ext4ExtentsFL == 0 { // block map: i_block[0] is logical block 0
		phys = uint64(le.Uint32(in.iblock[0:]))
		return phys, 1, phys != 0
	}
	h := in.iblock[:]
	if le.Uint16(h[0:]) != ext4ExtentMagic || le.Uint16(h[2:]) == 0 || le.Uint16(h[6:]) != 0 {
		return 0, 0, false
	}
	x := h[12:24]
	length := uint64(le.Uint16(x[4:]))
	if le.Uint32(x[0:]) != 0 || length == 0 || length > ext4MaxInitLen {
		return 0, 0, false
	}
	phys = uint64(le.Uint16(x[6:]))<<32 | uint64(le.Uint32(x[8:]))
	return phys, length, phys != 0
}

// entry fills e (whose Path is set) from inode ino, which the directory
// entry says is of type dtype, and reads up to len(buf) leading bytes of a
// regular file into buf when head is set (ibuf holds the inode). ok is false when the walk must
// stat the entry through the mount; needHead is true when the entry is
// taken but its head must be read through the mount; needLink likewise for a
// symbolic link's target.
func (e *ext4Inodes) entry(ino uint64, dtype uint8, ent *Entry, head bool, ibuf, buf []byte) (h []byte, needHead, needLink, ok bool) {
	if dtype == unix.DT_UNKNOWN {
		return nil, false, false, false
	}
	in, ok := e.inode(ino, ibuf)
	if !ok || dtypeOf(in.mode) != dtype {
		return nil, false, false, false
	}
	ent.Mode = modeFromUnix(in.mode)
	ent.UID, ent.GID = int(in.uid), int(in.gid)
	switch {
	case ent.Mode.IsDir():
		return nil, false, false, false // directories go through the mount
	case ent.Mode&fs.ModeSymlink != 0:
		if l, fast := in.fastLink(); fast {
			ent.Link, ent.Size = l, int64(len(l))
			return nil, false, false, true
		}
		ent.Size = in.size // for readlinkat's buffer
		return nil, false, true, true
	case ent.Mode.IsRegular():
		ent.Size = in.size
		if !head || in.size <= 0 {
			return nil, false, false, true
		}
		n := min(in.size, int64(len(buf)))
		phys, blocks, mapped := e.firstBlock(&in)
		if !mapped || blocks*uint64(e.blockSize) < uint64(n) || phys > uint64(e.size/e.blockSize) {
			return nil, true, false, true
		}
		at := int64(phys) * e.blockSize
		if at > e.size-n {
			return nil, true, false, true
		}
		if got, err := e.r.ReadAt(buf[:n], e.off+at); err != nil || int64(got) != n {
			return nil, true, false, true
		}
		return buf[:n], false, false, true
	}
	return nil, false, false, true
}

// dtypeOf is the getdents d_type of an st_mode.
func dtypeOf(mode uint32) uint8 {
	return uint8(mode>>12) & 0xF // DT_* are S_IFMT >> 12
}

// inodeCsumOK is ext4_inode_csum_verify: crc32c over the inode number, its
// generation and the inode with its checksum fields taken as zero; the high
// 16 bits are compared only where i_extra_isize makes room for them.
func (e *ext4Inodes) inodeCsumOK(ino uint32, raw []byte, extra int64) bool {
	le := binary.LittleEndian
	var w [4]byte
	le.PutUint32(w[:], ino)
	c := ext4CRC(e.seed, w[:])
	c = ext4CRC(c, raw[0x64:0x68]) // i_generation
	zero := []byte{0, 0}
	c = ext4CRC(c, raw[:0x7C])
	c = ext4CRC(c, zero)
	c = ext4CRC(c, raw[0x7E:ext4InodeRead])
	hi := false
	if len(raw) > ext4InodeRead {
		c = ext4CRC(c, raw[ext4InodeRead:0x82])
		rest := 0x82
		if 0x84 <= ext4InodeRead+extra {
			hi = true
			c = ext4CRC(c, zero)
			rest = 0x84
		}
		c = ext4CRC(c, raw[rest:])
	}
	provided := uint32(le.Uint16(raw[0x7C:]))
	if hi {
		provided |= uint32(le.Uint16(raw[0x82:])) << 16
	} else {
		c &= 0xFFFF
	}
	return c == provided
}
