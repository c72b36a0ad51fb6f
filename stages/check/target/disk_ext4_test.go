package target

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/test/verifiers"
)

// ext4Tree makes a tree with every kind of entry the inode reader takes or
// hands back to the mount: files of many sizes, a sparse file starting with
// a hole, fast and slow symbolic links around the 60-byte boundary, a
// FIFO, character and block devices, a socket-free mix of modes (setuid,
// sticky), owners above 65535 (the inode's high owner words), hard links,
// an extended attribute (an external attribute block) and a directory of
// many names.
func ext4Tree(t *testing.T) string {
	src := t.TempDir()
	w := func(p string, data []byte, mode os.FileMode) {
		full := filepath.Join(src, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, data, mode))
		require.NoError(t, os.Chmod(full, mode))
	}
	for i, n := range []int{0, 1, 63, 64, 65, 1023, 1024, 4095, 4096, 4097, 70000, 1 << 20} {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(i*13 + j*5)
		}
		w(fmt.Sprintf("sizes/f%d", n), b, 0o644)
	}
	w("modes/setuid", []byte("\x7fELF setuid"), 0o4755|os.ModeSetuid)
	w("modes/private", []byte("secret"), 0o600)
	w("owners/high", []byte("owned high"), 0o640)
	require.NoError(t, os.Lchown(filepath.Join(src, "owners/high"), 70000, 80001))
	w("owners/low", []byte("owned low"), 0o640)
	require.NoError(t, os.Lchown(filepath.Join(src, "owners/low"), 993, 65535))
	hole, err := os.Create(filepath.Join(src, "sizes/hole"))
	require.NoError(t, err)
	_, err = hole.WriteAt([]byte("after the hole"), 1<<20)
	require.NoError(t, err)
	require.NoError(t, hole.Close())
	require.NoError(t, os.MkdirAll(filepath.Join(src, "links"), 0o755))
	for _, n := range []int{1, 58, 59, 60, 61, 200, 1000} {
		target := strings.Repeat("t", n-1) + "x"
		require.NoError(t, os.Symlink(target, filepath.Join(src, "links", fmt.Sprintf("l%d", n))))
	}
	require.NoError(t, os.Symlink("../sizes/f64", filepath.Join(src, "links/rel")))
	require.NoError(t, os.Lchown(filepath.Join(src, "links/rel"), 70000, 5))
	require.NoError(t, os.Link(filepath.Join(src, "sizes/f65"), filepath.Join(src, "links/hard")))
	require.NoError(t, os.MkdirAll(filepath.Join(src, "dev"), 0o755))
	require.NoError(t, unix.Mkfifo(filepath.Join(src, "dev/fifo"), 0o620))
	require.NoError(t, unix.Mknod(filepath.Join(src, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	require.NoError(t, unix.Mknod(filepath.Join(src, "dev/sda"), unix.S_IFBLK|0o660, int(unix.Mkdev(8, 0))))
	w("xattr/file", []byte("has an attribute"), 0o644)
	require.NoError(t, unix.Setxattr(filepath.Join(src, "xattr/file"), "user.qm", bytes.Repeat([]byte("v"), 300), 0))
	for i := range 300 {
		w(fmt.Sprintf("many/name-%03d.conf", i), []byte(fmt.Sprintf("[Unit]\nN=%d\n", i)), 0o644)
	}
	return src
}

// TestExt4InodesMatch: walking an ext2/3/4 image with entries read from the
// image's inode tables gives exactly the entries and heads the kernel gives
// through the mount (fstatat, readlinkat, read), on the layouts mke2fs
// makes: ext4 with extents and 64-bit group descriptors, inline data, 1 KiB
// blocks, no 64-bit descriptors, ext3 and ext2 with block maps and 128-byte
// inodes; and that most entries were read from the image.
func TestExt4InodesMatch(t *testing.T) {
	verifiers.NeedRoot(t, "disk images are read through loop mounts")
	mke2fs := verifiers.Need(t, "mke2fs")
	src := ext4Tree(t)
	for _, tc := range []struct {
		name   string
		args   []string
		inline bool
	}{
		{"ext4", []string{"-t", "ext4"}, false},
		{"ext4 with inline data", []string{"-t", "ext4", "-O", "inline_data"}, true},
		{"ext4 with 1 KiB blocks", []string{"-t", "ext4", "-b", "1024"}, false},
		{"ext4 without 64bit", []string{"-t", "ext4", "-O", "^64bit"}, false},
		{"ext3", []string{"-t", "ext3"}, false},
		{"ext2 with 128-byte inodes", []string{"-t", "ext2", "-I", "128"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "fs.img")
			sparseFile(t, img, 64<<20)
			runTool(t, "", mke2fs, append(append([]string{"-q"}, tc.args...), "-d", src, img)...)
			f, err := os.Open(img)
			require.NoError(t, err)
			defer f.Close()
			require.NotNil(t, newExt4Inodes(f, 0, 64<<20), "the superblock is read")
			mnt := t.TempDir()
			unmount, err := loopMount(f, 0, 64<<20, "ext4", mnt)
			require.NoError(t, err)
			defer unmount()
			walk := func(heads *mappedHeads) map[string]string {
				return walkMounted(t, mnt, heads, func(e Entry, head []byte) (string, bool) {
					return fmt.Sprintf("%v %d:%d size=%d link=%q head=%q", e.Mode, e.UID, e.GID, e.Size, e.Link, head), true
				})
			}
			kernel := walk(nil)
			require.Contains(t, kernel["/owners/high"], " 70000:80001 ")
			require.Contains(t, kernel["/links/l200"], strings.Repeat("t", 199)+"x")
			m := &mappedHeads{image: f}
			require.NoError(t, m.add(mnt, 0, 64<<20))
			require.Equal(t, kernel, walk(m))
			var dirs int64
			for _, v := range kernel {
				if strings.HasPrefix(v, "d") {
					dirs++
				}
			}
			require.Equal(t, int64(len(kernel))-dirs, m.inodes.Load(), "every entry but the directories read from the inode tables")
			if !tc.inline {
				require.Greater(t, m.mapped.Load(), int64(300), "heads read from the image")
			}
		})
	}
}

// TestExt4InodesRefuse: the reader declines layouts it does not take, and
// inodes outside what the group descriptors say is initialised.
func TestExt4InodesRefuse(t *testing.T) {
	mke2fs := verifiers.Need(t, "mke2fs")
	mk := func(args ...string) *os.File {
		img := filepath.Join(t.TempDir(), "fs.img")
		sparseFile(t, img, 64<<20)
		runTool(t, "", mke2fs, append(append([]string{"-q"}, args...), img)...)
		f, err := os.Open(img)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
	f := mk("-t", "ext4")
	e := newExt4Inodes(f, 0, 64<<20)
	require.NotNil(t, e)
	buf := make([]byte, ext4MaxInodeRead)
	root, ok := e.inode(2, buf)
	require.True(t, ok)
	require.Equal(t, uint32(unix.S_IFDIR|0o755), root.mode)
	for _, ino := range []uint64{0, 11 + 5, uint64(e.count), uint64(e.count) + 1, 1 << 40} {
		_, ok := e.inode(ino, buf)
		require.False(t, ok, "inode %d", ino)
	}
	var ent Entry
	_, _, _, ok = e.entry(2, unix.DT_REG, &ent, true, buf, make([]byte, HeadSize))
	require.False(t, ok, "a directory entry whose type disagrees with the inode")
	_, _, _, ok = e.entry(2, unix.DT_UNKNOWN, &ent, true, buf, make([]byte, HeadSize))
	require.False(t, ok, "an entry without a type")
	require.Nil(t, newExt4Inodes(mk("-t", "ext4", "-O", "meta_bg,^resize_inode"), 0, 64<<20), "meta_bg")
	require.Nil(t, newExt4Inodes(f, 0, 1024), "a partition smaller than the superblock's place")
	require.Nil(t, newExt4Inodes(bytes.NewReader(make([]byte, 8192)), 0, 8192), "no ext magic")
}

// FuzzExt4Inodes: any bytes as a file system, any inode number and entry
// type: no panic, and a head never longer than asked.
func FuzzExt4Inodes(f *testing.F) {
	sb := make([]byte, 8192)
	le := func(off int, v uint32, n int) {
		for i := range n {
			sb[off+i] = byte(v >> (8 * i))
		}
	}
	le(1024+0x38, ext4Magic, 2)
	le(1024+0x0, 64, 4)
	le(1024+0x4, 8, 4)
	le(1024+0x20, 8192, 4)
	le(1024+0x28, 64, 4)
	le(1024+0x14, 1, 4)
	le(1024+0x4C, 1, 4)
	le(1024+0x58, 128, 2)
	le(2048+0x8, 3, 4)
	f.Add(sb, uint64(12), uint8(unix.DT_REG))
	f.Add(sb, uint64(2), uint8(unix.DT_DIR))
	f.Fuzz(func(t *testing.T, img []byte, ino uint64, dtype uint8) {
		e := newExt4Inodes(bytes.NewReader(img), 0, int64(len(img)))
		if e == nil {
			return
		}
		var ent Entry
		buf := make([]byte, HeadSize)
		h, _, _, _ := e.entry(ino, dtype, &ent, true, make([]byte, ext4MaxInodeRead), buf)
		if len(h) > HeadSize || (len(h) > 0 && int64(len(h)) > ent.Size) {
			t.Fatalf("head of %d bytes for a file of %d", len(h), ent.Size)
		}
	})
}

// TestExt4InodeChecksum: with metadata_csum an inode whose bytes changed
// after its checksum was written is refused by the reader, as the kernel
// refuses it (stat fails with EBADMSG through the mount); the untouched
// inode next to it is read; without metadata_csum nothing is verified.
func TestExt4InodeChecksum(t *testing.T) {
	verifiers.NeedRoot(t, "the kernel's verdict is read through a loop mount")
	mke2fs := verifiers.Need(t, "mke2fs")
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "bad"), []byte("tampered"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "good"), []byte("intact"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		csum bool
	}{
		{"metadata_csum", []string{"-t", "ext4", "-O", "metadata_csum"}, true},
		{"metadata_csum with csum_seed", []string{"-t", "ext4", "-O", "metadata_csum,metadata_csum_seed"}, true},
		{"metadata_csum, 128-byte inodes", []string{"-t", "ext4", "-O", "metadata_csum", "-I", "128"}, true},
		{"no metadata_csum", []string{"-t", "ext4", "-O", "^metadata_csum"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "fs.img")
			sparseFile(t, img, 32<<20)
			runTool(t, "", mke2fs, append(append([]string{"-q"}, tc.args...), "-d", src, img)...)
			f, err := os.OpenFile(img, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			e := newExt4Inodes(f, 0, 32<<20)
			require.NotNil(t, e)
			require.Equal(t, tc.csum, e.csum)
			mnt := t.TempDir()
			ino := func(name string) uint64 {
				unmount, err := loopMount(f, 0, 32<<20, "ext4", mnt)
				require.NoError(t, err)
				defer unmount()
				var st unix.Stat_t
				require.NoError(t, unix.Lstat(filepath.Join(mnt, name), &st))
				return st.Ino
			}
			bad, good := ino("bad"), ino("good")
			buf := make([]byte, ext4MaxInodeRead)
			_, ok := e.inode(bad, buf)
			require.True(t, ok)
			// Change i_mtime of "bad" in the image, leaving its checksum.
			g, idx := (bad-1)/uint64(e.perGroup), int64((bad-1)%uint64(e.perGroup))
			at := int64(e.groups[g].table)*e.blockSize + idx*e.inodeSize + 0x10
			_, err = f.WriteAt([]byte{0x5a, 0x5a}, at)
			require.NoError(t, err)
			_, ok = e.inode(bad, buf)
			require.Equal(t, !tc.csum, ok, "the tampered inode")
			_, ok = e.inode(good, buf)
			require.True(t, ok, "the intact inode")
			unmount, err := loopMount(f, 0, 32<<20, "ext4", mnt)
			require.NoError(t, err)
			defer unmount()
			var st unix.Stat_t
			err = unix.Lstat(filepath.Join(mnt, "bad"), &st)
			if tc.csum {
				require.ErrorIs(t, err, unix.EBADMSG, "the kernel refuses it too")
			} else {
				require.NoError(t, err)
			}
		})
	}
}
