package target

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

func sparseFile(t *testing.T, p string, size int64) {
	t.Helper()
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	require.NoError(t, os.Truncate(p, size))
}

// TestReadPartitionsAgainstSfdisk: the tables sgdisk and sfdisk write read
// as sfdisk itself reads them back (start, size, type, PARTUUID, name).
func TestReadPartitionsAgainstSfdisk(t *testing.T) {
	sfdisk, sgdisk := verifiers.Need(t, "sfdisk"), verifiers.Need(t, "sgdisk")
	for _, tc := range []struct {
		name string
		make func(file string)
		kind string
	}{
		{"GPT with DPS types and names", func(f string) {
			runTool(t, "", sgdisk, "--clear", "--new=1:2048:+1M", "--typecode=1:c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "--change-name=1:EFI System",
				"--new=2:0:+4M", "--typecode=2:4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "--change-name=2:root",
				"--new=5:0:+2M", "--typecode=5:4d21b016-b534-45c2-a9fb-5c16e091fd2d", "--change-name=5:vär", f)
		}, "gpt"},
		{"GPT written by sfdisk", func(f string) {
			runTool(t, "label: gpt\nstart=4096, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=qm\n", sfdisk, "-q", f)
		}, "gpt"},
		{"MBR with logical partitions", func(f string) {
			runTool(t, "label: dos\nstart=2048, size=8192, type=83\nstart=10240, size=20000, type=5\nstart=12288, size=4096, type=83\nstart=18432, size=4096, type=82\n", sfdisk, "-q", f)
		}, "mbr"},
		{"MBR with one bootable partition", func(f string) {
			runTool(t, "label: dos\nstart=2048, type=83, bootable\n", sfdisk, "-q", f)
		}, "mbr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "disk.raw")
			sparseFile(t, f, 20<<20)
			tc.make(f)
			var want struct {
				PT struct {
					Label, ID  string
					Partitions []struct {
						Node        string
						Start, Size int64
						Type        string
						UUID, Name  string
					}
				} `json:"partitiontable"`
			}
			require.NoError(t, json.Unmarshal([]byte(runTool(t, "", sfdisk, "--json", f)), &want))
			fh, err := os.Open(f)
			require.NoError(t, err)
			defer fh.Close()
			got, err := ReadPartitions(fh, 20<<20)
			require.NoError(t, err)
			require.Equal(t, tc.kind, got.Kind)
			var wantParts []Partition
			for _, p := range want.PT.Partitions {
				if tc.kind == "mbr" && isExtended(byte(mustHex(t, p.Type))) {
					continue
				}
				var num int
				_, err := fmt.Sscanf(strings.TrimPrefix(p.Node, f), "%d", &num)
				require.NoError(t, err)
				wp := Partition{Number: num, Start: p.Start * 512, Size: p.Size * 512, UUID: strings.ToLower(p.UUID), Name: p.Name,
					Type: strings.ToLower(p.Type)}
				if tc.kind == "mbr" {
					wp.Type = fmt.Sprintf("mbr:0x%02x", mustHex(t, p.Type))
					wp.UUID = fmt.Sprintf("%s-%02x", strings.TrimPrefix(want.PT.ID, "0x"), num)
				}
				wantParts = append(wantParts, wp)
			}
			require.Equal(t, wantParts, got.Partitions)
		})
	}
}

func mustHex(t *testing.T, s string) int {
	var v int
	_, err := fmt.Sscanf(s, "%x", &v)
	require.NoError(t, err)
	return v
}

// TestReadPartitionsRefuses: damaged tables are errors that say what is
// wrong, never a guess.
func TestReadPartitionsRefuses(t *testing.T) {
	sgdisk := verifiers.Need(t, "sgdisk")
	base := filepath.Join(t.TempDir(), "disk.raw")
	sparseFile(t, base, 8<<20)
	runTool(t, "", sgdisk, "--clear", "--new=1:2048:+2M", base)
	good, err := os.ReadFile(base)
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		patch func(b []byte) []byte
		want  string
	}{
		{"header CRC", func(b []byte) []byte { b[512+24] ^= 1; return b }, "GPT header: CRC32"},
		{"entries CRC", func(b []byte) []byte { b[1024+32] ^= 1; return b }, "GPT partition entries: CRC32"},
		{"protective MBR without a GPT", func(b []byte) []byte { copy(b[512:], "NOT PART"); return b }, "no valid GPT header"},
		{"truncated image", func(b []byte) []byte { return b[:2<<20] }, "outside the image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.patch(bytes.Clone(good))
			_, err := ReadPartitions(bytes.NewReader(b), int64(len(b)))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestProbeFileSystem: type, UUID and label as blkid reads them.
func TestProbeFileSystem(t *testing.T) {
	blkid := verifiers.Need(t, "blkid")
	for _, tc := range []struct {
		fstype string
		mkfs   []string
		size   int64
	}{
		{"ext4", []string{verifiers.Need(t, "mke2fs"), "-q", "-t", "ext4", "-L", "qm", "-U", "0b9e6c52-7a3e-4f8e-9d2a-1c1e5b0a7f11"}, 16 << 20},
		{"ext4", []string{verifiers.Need(t, "mke2fs"), "-q", "-t", "ext2", "-L", "boot"}, 8 << 20},
		{"xfs", []string{verifiers.Need(t, "mkfs.xfs"), "-q", "-L", "var", "-m", "uuid=9f1b7c6e-2d4a-4b3c-8e5f-6a7b8c9d0e1f"}, 320 << 20},
	} {
		t.Run(tc.fstype+" "+tc.mkfs[len(tc.mkfs)-1], func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "fs.img")
			sparseFile(t, f, tc.size)
			runTool(t, "", tc.mkfs[0], append(tc.mkfs[1:], f)...)
			want := map[string]string{}
			for _, l := range strings.Split(runTool(t, "", blkid, "-p", "-o", "export", f), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					want[k] = v
				}
			}
			fh, err := os.Open(f)
			require.NoError(t, err)
			defer fh.Close()
			got, err := ProbeFileSystem(fh, tc.size)
			require.NoError(t, err)
			require.Equal(t, FileSystem{Type: tc.fstype, UUID: want["UUID"], Label: want["LABEL"]}, got)
		})
	}
}

// diskTree is a small image tree with what the disk reader must keep:
// owners, modes, a label, a link, and an fstab naming partitions three ways.
func diskTree(t *testing.T, fstab string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	for _, d := range []string{"etc", "usr/bin", "var", "boot"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/fstab"), []byte(fstab), 0o644))
	su := filepath.Join(dir, "usr/bin/su")
	require.NoError(t, os.WriteFile(su, []byte("\x7fELF"), 0o755))
	require.NoError(t, os.Chown(su, 0, 12))
	require.NoError(t, os.Chmod(su, 0o755|os.ModeSetuid))
	require.NoError(t, os.Symlink("../usr/bin/su", filepath.Join(dir, "etc/su-link")))
	return dir
}

// makeDisk writes an MBR disk: partition 1 the root (ext4 of root), then
// each extra file system image in order.
func makeDisk(t *testing.T, root string, extra ...string) string {
	t.Helper()
	mke2fs := verifiers.Need(t, "mke2fs")
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk.raw")
	sparseFile(t, disk, 64<<20+int64(len(extra))*(320<<20)+(2<<20))
	script := "label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=131072, type=83\n"
	next := int64(2048 + 131072)
	for range extra {
		script += fmt.Sprintf("start=%d, size=%d, type=83\n", next, (320<<20)/512)
		next += (320 << 20) / 512
	}
	runTool(t, script, verifiers.Need(t, "sfdisk"), "-q", disk)
	runTool(t, "", mke2fs, "-q", "-t", "ext4", "-L", "root", "-E", "offset=1048576", "-d", root, disk, "65536k")
	off := int64(2048+131072) * 512
	for _, img := range extra {
		runTool(t, "", "dd", "if="+img, "of="+disk, "bs=1M", "conv=notrunc,sparse", "oflag=seek_bytes", fmt.Sprintf("seek=%d", off), "status=none")
		off += 320 << 20
	}
	return disk
}

func fileHash(t *testing.T, p string) string {
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	require.NoError(t, err)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestDiskAssemblesTheBootedTree: an MBR disk whose fstab mounts /boot by
// UUID (ext4) and /var by PARTUUID (XFS) reads as the booted system mounts
// it, as raw and as qcow2, and the image is not written.
func TestDiskAssemblesTheBootedTree(t *testing.T) {
	verifiers.NeedRoot(t, "disk images are read through loop mounts")
	mke2fs, mkfsXFS := verifiers.Need(t, "mke2fs"), verifiers.Need(t, "mkfs.xfs")
	work := t.TempDir()
	bootSrc := filepath.Join(work, "boot")
	require.NoError(t, os.MkdirAll(filepath.Join(bootSrc, "loader/entries"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bootSrc, "loader/entries/a.conf"), []byte("options root=LABEL=root enforcing=0\n"), 0o644))
	boot := filepath.Join(work, "boot.img")
	sparseFile(t, boot, 320<<20)
	runTool(t, "", mke2fs, "-q", "-t", "ext4", "-U", "11111111-2222-4333-8444-555555555555", "-d", bootSrc, boot)
	varImg := filepath.Join(work, "var.img")
	sparseFile(t, varImg, 320<<20)
	runTool(t, "", mkfsXFS, "-q", "-L", "var", varImg)
	mnt := filepath.Join(work, "mnt")
	require.NoError(t, os.Mkdir(mnt, 0o755))
	runTool(t, "", "mount", "-o", "loop", varImg, mnt)
	require.NoError(t, os.MkdirAll(filepath.Join(mnt, "qm"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(mnt, "qm/state"), []byte("on the var partition\n"), 0o600))
	runTool(t, "", "umount", mnt)
	tree := diskTree(t, "LABEL=root / ext4 defaults 0 1\nUUID=11111111-2222-4333-8444-555555555555 /boot ext4 defaults 0 2\n"+
		"PARTUUID=1234abcd-03 /var xfs defaults 0 2\ntmpfs /tmp tmpfs defaults 0 0\nUUID=dead-beef /data ext4 defaults 0 0\n")
	disk := makeDisk(t, tree, boot, varImg)
	qcow := filepath.Join(t.TempDir(), "disk.qcow2")
	runTool(t, "", verifiers.Need(t, "qemu-img"), "convert", "-f", "raw", "-O", "qcow2", disk, qcow)
	before := fileHash(t, disk)
	for _, spec := range []string{"disk:" + disk, disk, "disk:" + qcow} {
		t.Run(spec, func(t *testing.T) {
			tg, err := Open(spec, Options{TempDir: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(func() { tg.Close() })
			require.Equal(t, KindDisk, tg.Kind)
			data, err := ReadFile(tg.FS, "/boot/loader/entries/a.conf")
			require.NoError(t, err)
			require.Contains(t, string(data), "enforcing=0")
			data, err = ReadFile(tg.FS, "/var/qm/state")
			require.NoError(t, err)
			require.Equal(t, "on the var partition\n", string(data))
			e, err := tg.FS.Lstat("/usr/bin/su")
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o755)|os.ModeSetuid, e.Mode)
			require.Equal(t, 12, e.GID)
			r, err := Resolve(tg.FS, "/etc/su-link")
			require.NoError(t, err)
			require.Equal(t, "/usr/bin/su", r)
			var paths []string
			var mu sync.Mutex // a WalkFunc may be called from several goroutines at once
			require.NoError(t, tg.FS.Walk(func(e Entry, _ []byte) error {
				mu.Lock()
				defer mu.Unlock()
				if strings.HasPrefix(e.Path, "/var/") || strings.HasPrefix(e.Path, "/boot/") {
					paths = append(paths, e.Path)
				}
				return nil
			}, WalkOptions{}))
			require.Contains(t, paths, "/var/qm/state", "Walk crosses into the mounted partitions")
			require.Contains(t, paths, "/boot/loader/entries/a.conf")
			notes := strings.Join(tg.Notes, "\n")
			require.Contains(t, notes, "/var is partition 3 (xfs")
			require.Contains(t, notes, "/etc/fstab line 5 mounts UUID=dead-beef on /data: not a partition of this image")
			work := tg.workDir
			require.NoError(t, tg.Close())
			_, err = os.Stat(work)
			require.True(t, os.IsNotExist(err), "Close unmounts and removes the work directory")
		})
	}
	require.Equal(t, before, fileHash(t, disk), "the image is never written")
}

// TestDiskRefuses: what the disk reader cannot read truthfully is bad input
// naming the problem.
func TestDiskRefuses(t *testing.T) {
	verifiers.NeedRoot(t, "disk images are read through loop mounts")
	qemu := verifiers.Need(t, "qemu-img")
	tree := diskTree(t, "LABEL=root / ext4 defaults 0 1\n")
	disk := makeDisk(t, tree)
	dir := t.TempDir()
	backed := filepath.Join(dir, "backed.qcow2")
	runTool(t, "", qemu, "create", "-f", "qcow2", "-b", disk, "-F", "raw", backed)
	noRoot := filepath.Join(dir, "noroot.raw")
	sparseFile(t, noRoot, 16<<20)
	runTool(t, "label: dos\nstart=2048, type=83\n", verifiers.Need(t, "sfdisk"), "-q", noRoot)
	missingMount := makeDisk(t, diskTree(t, "LABEL=root / ext4 defaults 0 1\nPARTUUID=1234abcd-01 /srv/data ext4 defaults 0 0\n"))
	for _, tc := range []struct{ spec, want string }{
		{"disk:" + backed, "backing or data file"},
		{"disk:" + noRoot, "no root file system"},
		{"disk:" + disk + ":7", "no partition 7"},
		{"disk:" + disk + ":x", "not a partition number"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := Open(tc.spec, Options{TempDir: t.TempDir()})
			require.ErrorContains(t, err, tc.want)
			require.True(t, isBadInput(err), "%v", err)
		})
	}
	// A partition mounted on itself elsewhere is the root: left out.
	tg, err := Open("disk:"+missingMount, Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	tg.Close()
}

func isBadInput(err error) bool {
	var bi interface{ BadInput() bool }
	return err != nil && errors.As(err, &bi) && bi.BadInput()
}

// FuzzReadPartitions: any bytes give a table whose partitions lie inside the
// image and do not overlap, or an error; never a panic.
func FuzzReadPartitions(f *testing.F) {
	img := make([]byte, 64<<10)
	f.Add(img)
	mbr := bytes.Clone(img)
	mbr[510], mbr[511] = 0x55, 0xaa
	copy(mbr[446:], []byte{0x80, 0, 0, 0, 0x83, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0})
	copy(mbr[462:], []byte{0, 0, 0, 0, 0x05, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0, 0, 0})
	f.Add(mbr)
	f.Add(seedGPT())
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadPartitions(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for i, p := range tab.Partitions {
			if p.Start < 0 || p.Size <= 0 || p.Start+p.Size > int64(len(data)) {
				t.Fatalf("partition %d [%d, +%d) outside an image of %d bytes", p.Number, p.Start, p.Size, len(data))
			}
			for _, q := range tab.Partitions[i+1:] {
				if p.Start < q.Start+q.Size && q.Start < p.Start+p.Size {
					t.Fatalf("partitions %d and %d overlap", p.Number, q.Number)
				}
			}
		}
	})
}

// FuzzProbeFileSystem: any superblock gives a type, UUID and label or
// nothing; never a panic.
func FuzzProbeFileSystem(f *testing.F) {
	sb := make([]byte, 2048)
	sb[1024+56], sb[1024+57] = 0x53, 0xef
	f.Add(sb)
	x := make([]byte, 512)
	copy(x, "XFSB")
	f.Add(x)
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ProbeFileSystem(bytes.NewReader(data), int64(len(data)))
		if err == nil && fs.Type == "" && (fs.UUID != "" || fs.Label != "") {
			t.Fatalf("a name without a file system: %+v", fs)
		}
	})
}

// seedGPT is a valid GPT of 128 sectors with one root partition, for the
// fuzzer to start from (the CRCs right, so mutations reach the entries).
func seedGPT() []byte {
	img := make([]byte, 128*512)
	img[510], img[511] = 0x55, 0xaa
	copy(img[446:], []byte{0, 0, 2, 0, 0xee, 0, 0, 0, 1, 0, 0, 0, 127, 0, 0, 0})
	le := binary.LittleEndian
	e := img[1024:]
	copy(e[0:16], []byte{0xe3, 0xbc, 0x68, 0x4f, 0xcd, 0xe8, 0xb1, 0x4d, 0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84, 0xb7, 0x09})
	e[16] = 1
	le.PutUint64(e[32:], 40)
	le.PutUint64(e[40:], 100)
	copy(e[56:], []byte{'r', 0, 'o', 0, 'o', 0, 't', 0})
	h := img[512:]
	copy(h, "EFI PART")
	le.PutUint32(h[8:], 0x00010000)
	le.PutUint32(h[12:], 92)
	le.PutUint64(h[24:], 1)
	le.PutUint64(h[32:], 127)
	le.PutUint64(h[40:], 34)
	le.PutUint64(h[48:], 120)
	le.PutUint64(h[72:], 2)
	le.PutUint32(h[80:], 4)
	le.PutUint32(h[84:], 128)
	le.PutUint32(h[88:], crc32.ChecksumIEEE(img[1024:1024+4*128]))
	le.PutUint32(h[16:], crc32.ChecksumIEEE(h[:92]))
	return img
}

func TestSeedGPTIsValid(t *testing.T) {
	tab, err := ReadPartitions(bytes.NewReader(seedGPT()), 128*512)
	require.NoError(t, err)
	require.Equal(t, []Partition{{Number: 1, Start: 40 * 512, Size: 61 * 512, Type: gptRootX86_64,
		UUID: "00000001-0000-0000-0000-000000000000", Name: "root"}}, tab.Partitions)
}

// TestMappedHeadsMatch: the heads Walk reads from the image where FIEMAP maps
// them are the bytes read through the mount, on ext4 (extents and inline
// data) and XFS, for empty, tiny, block-sized and large files and a sparse
// file starting with a hole; and most of them do come from the image.
func TestMappedHeadsMatch(t *testing.T) {
	verifiers.NeedRoot(t, "disk images are read through loop mounts")
	mke2fs, mkfsXFS := verifiers.Need(t, "mke2fs"), verifiers.Need(t, "mkfs.xfs")
	src := t.TempDir()
	sizes := []int{0, 1, 63, 64, 65, 4095, 4096, 4097, 1 << 20}
	for i, n := range sizes {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(i*31 + j*7)
		}
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d", n)), b, 0o644))
		require.NoError(t, os.MkdirAll(filepath.Join(src, "sub", fmt.Sprint(i)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, "sub", fmt.Sprint(i), "g"), b, 0o600))
	}
	hole, err := os.Create(filepath.Join(src, "hole"))
	require.NoError(t, err)
	_, err = hole.WriteAt([]byte("after the hole"), 1<<20)
	require.NoError(t, err)
	require.NoError(t, hole.Close())
	for _, tc := range []struct {
		name   string
		fstype string
		mkfs   func(img string)
	}{
		{"ext4", "ext4", func(img string) { runTool(t, "", mke2fs, "-q", "-t", "ext4", "-d", src, img) }},
		{"ext4 with inline data", "ext4", func(img string) {
			runTool(t, "", mke2fs, "-q", "-t", "ext4", "-O", "inline_data", "-d", src, img)
		}},
		{"xfs", "xfs", func(img string) {
			runTool(t, "", mkfsXFS, "-q", img)
			mnt := t.TempDir()
			runTool(t, "", "mount", "-o", "loop", img, mnt)
			runTool(t, "", "cp", "-a", src+"/.", mnt)
			runTool(t, "", "umount", mnt)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "fs.img")
			sparseFile(t, img, 320<<20)
			tc.mkfs(img)
			f, err := os.Open(img)
			require.NoError(t, err)
			defer f.Close()
			mnt := t.TempDir()
			unmount, err := loopMount(f, 0, 320<<20, tc.fstype, mnt)
			require.NoError(t, err)
			defer unmount()
			walk := func(heads *mappedHeads) map[string]string {
				return walkMounted(t, mnt, heads, func(e Entry, head []byte) (string, bool) {
					return string(head), e.Mode.IsRegular()
				})
			}
			m := &mappedHeads{image: f}
			require.NoError(t, m.add(mnt, 0, 320<<20))
			through := walk(nil)
			require.Len(t, through, 2*len(sizes)+1)
			require.Equal(t, through, walk(m))
			require.Equal(t, strings.Repeat("\x00", HeadSize), through["/hole"])
			require.Equal(t, int64(2*(len(sizes)-1)+1), m.mapped.Load()+m.through.Load(), "every non-empty file asked")
			if tc.name == "ext4 with inline data" {
				require.Positive(t, m.through.Load(), "inline data is read through the mount")
			} else {
				require.GreaterOrEqual(t, m.mapped.Load(), int64(2*(len(sizes)-1)), "every file with data in a block is read from the image")
			}
		})
	}
}

// walkMounted walks the file system mounted at mnt with heads (nil: every
// entry through the kernel) and returns describe's text for every entry it
// keeps, by path.
func walkMounted(t *testing.T, mnt string, heads *mappedHeads, describe func(e Entry, head []byte) (string, bool)) map[string]string {
	t.Helper()
	d, err := openDir(t.Context(), mnt)
	require.NoError(t, err)
	defer d.Close()
	d.heads = heads
	got := map[string]string{}
	var mu sync.Mutex
	require.NoError(t, d.Walk(func(e Entry, head []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := describe(e, head); ok {
			got[e.Path] = s
		}
		return nil
	}, WalkOptions{Head: true}))
	return got
}
