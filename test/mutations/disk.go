package mutations

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DiskTools are the real programs that make a disk image and an ostree
// commit of a tree.
type DiskTools struct {
	Mke2fs, MkfsXFS, Sgdisk, QemuImg, OSTree string
}

// Disk is a tree packed as disk images and an ostree commit.
type Disk struct {
	Raw, QCOW2 string // target specs: disk:FILE
	OSTree     string // ostree:REPO:REF
	// OSTreeSkipped says why there is no ostree commit: the tree holds a
	// file ostree cannot store (a device node, a FIFO, a socket).
	OSTreeSkipped string
}

// dpsRoot is the DPS root partition type of each architecture.
var dpsRoot = map[string]string{"x86_64": "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "aarch64": "b921b045-1df0-41c3-af44-4c6f280d3fae"}

// separateMount is a file system the tree's /etc/fstab or a mount unit
// puts on its own partition.
type separateMount struct {
	where, label, fstype string
}

// separateMounts reads the tree's /etc/fstab and /etc/systemd/system/*.mount
// for partitions named by label (LABEL=, /dev/disk/by-label/), as an image
// builder lays them out.
func separateMounts(dir string) []separateMount {
	var out []separateMount
	seen := map[string]bool{}
	add := func(what, where, fstype string) {
		where = path.Clean(where)
		label, ok := strings.CutPrefix(what, "LABEL=")
		if !ok {
			label, ok = strings.CutPrefix(what, "/dev/disk/by-label/")
		}
		if !ok || where == "/" || seen[where] || !strings.HasPrefix(where, "/") {
			return
		}
		if fstype != "xfs" {
			fstype = "ext4"
		}
		seen[where] = true
		out = append(out, separateMount{where, label, fstype})
	}
	if f, err := os.Open(filepath.Join(dir, "etc/fstab")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if w := strings.Fields(sc.Text()); len(w) >= 3 && !strings.HasPrefix(w[0], "#") {
				add(w[0], w[1], w[2])
			}
		}
		f.Close()
	}
	units, _ := filepath.Glob(filepath.Join(dir, "etc/systemd/system/*.mount"))
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			continue
		}
		var what, where, typ string
		for _, l := range strings.Split(string(data), "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
			switch k {
			case "What":
				what = v
			case "Where":
				where = v
			case "Type":
				typ = v
			}
		}
		add(what, where, typ)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

// PackDisk builds the tree at dir as a GPT disk image, the way an image
// builder lays it out: an ext4 root file system (made by mke2fs -d, owners,
// modes and SELinux labels kept) on a partition of the DPS root type of arch,
// and every file system the tree's fstab or mount units name by label on a
// partition of its own (XFS when they say so, filled through a loop mount,
// which needs root; ext4 otherwise), partitioned by sgdisk; then converts it
// to qcow2 with qemu-img. The tree is left as it was.
func PackDisk(ctx context.Context, tools DiskTools, dir, arch, work string) (Disk, error) {
	var disk Disk
	typ := dpsRoot[arch]
	if typ == "" {
		return Disk{}, fmt.Errorf("packing %s as a disk: unknown architecture %q", dir, arch)
	}
	run := func(name string, args ...string) error {
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("packing %s as a disk: %s %s: %w\n%s", dir, name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return Disk{}, err
	}
	// The separate file systems' contents move out of the root's copy for
	// the time mke2fs reads it, leaving their (empty) mount points.
	mounts := separateMounts(dir)
	type part struct {
		img, name, typ string
	}
	var parts []part
	moved := map[string]string{}
	defer func() {
		for where, tmp := range moved {
			os.RemoveAll(filepath.Join(dir, where))
			os.Rename(tmp, filepath.Join(dir, where))
		}
	}()
	for i, m := range mounts {
		src := filepath.Join(dir, m.where)
		fi, err := os.Lstat(src)
		if err != nil || !fi.IsDir() {
			return Disk{}, fmt.Errorf("packing %s as a disk: %s is mounted from a partition but is not a directory of the tree", dir, m.where)
		}
		img := filepath.Join(work, fmt.Sprintf("part%d.img", i+2))
		if err := makeFS(ctx, tools, run, src, img, m.fstype, m.label, filepath.Join(work, "mnt")); err != nil {
			return Disk{}, err
		}
		parts = append(parts, part{img, m.label, "0fc63daf-8483-4772-8e79-3d69d8477de4"})
		tmp := filepath.Join(work, fmt.Sprintf("moved%d", i))
		if err := os.Rename(src, tmp); err != nil {
			return Disk{}, err
		}
		moved[m.where] = tmp
		if err := os.Mkdir(src, fi.Mode().Perm()); err != nil {
			return Disk{}, err
		}
	}
	rootSize, err := fsSize(dir, "ext4")
	if err != nil {
		return Disk{}, err
	}
	parts = append([]part{{"", "root", typ}}, parts...)
	// The partitions start at 1 MiB and follow each other, 1 MiB aligned;
	// the root file system is written in place (mke2fs -E offset=).
	raw := filepath.Join(work, "disk.raw")
	args := []string{"--clear"}
	var offsets, sizes []int64
	next := int64(1 << 20)
	for i, p := range parts {
		size := rootSize
		if p.img != "" {
			fi, err := os.Stat(p.img)
			if err != nil {
				return Disk{}, err
			}
			size = fi.Size()
		}
		// Sizes are rounded up to 256 MiB (sparse), so that most trees share a layout.
		size = (size + (256<<20 - 1)) / (256 << 20) * (256 << 20)
		offsets, sizes = append(offsets, next), append(sizes, size)
		args = append(args, fmt.Sprintf("--new=%d:%d:%d", i+1, next/512, (next+size)/512-1),
			fmt.Sprintf("--typecode=%d:%s", i+1, p.typ), fmt.Sprintf("--change-name=%d:%s", i+1, p.name))
		next += size
	}
	// Partitioning (sgdisk syncs the whole machine's disks) is done once per
	// layout; each image starts as a sparse copy of its layout's template.
	tmpl, err := diskTemplate(strings.Join(args, " "), next+1<<20, func(file string) error {
		return run(tools.Sgdisk, append(args, file)...)
	})
	if err != nil {
		return Disk{}, err
	}
	if err := run("cp", "--sparse=always", tmpl, raw); err != nil {
		return Disk{}, err
	}
	if err := run(tools.Mke2fs, "-q", "-t", "ext4", "-L", "root", "-E", fmt.Sprintf("offset=%d,lazy_itable_init=1,lazy_journal_init=1", offsets[0]),
		"-d", dir, raw, fmt.Sprintf("%dk", sizes[0]/1024)); err != nil {
		return Disk{}, err
	}
	for i, p := range parts[1:] {
		if err := run("dd", "if="+p.img, "of="+raw, "bs=1M", "conv=notrunc,sparse", "oflag=seek_bytes", fmt.Sprintf("seek=%d", offsets[i+1]), "status=none"); err != nil {
			return Disk{}, err
		}
		os.Remove(p.img)
	}
	if d, err := packOSTree(ctx, tools, run, dir, work); err != nil {
		return Disk{}, err
	} else {
		disk.OSTree, disk.OSTreeSkipped = d.OSTree, d.OSTreeSkipped
	}
	qcow := filepath.Join(work, "disk.qcow2")
	if err := run(tools.QemuImg, "convert", "-f", "raw", "-O", "qcow2", raw, qcow); err != nil {
		return Disk{}, err
	}
	disk.Raw, disk.QCOW2 = "disk:"+raw, "disk:"+qcow
	return disk, nil
}

var templates struct {
	sync.Mutex
	dir   string
	files map[string]string
}

// diskTemplate returns a partitioned empty disk of the given size for a
// layout, made by part the first time.
func diskTemplate(layout string, size int64, part func(string) error) (string, error) {
	templates.Lock()
	defer templates.Unlock()
	key := fmt.Sprintf("%d %s", size, layout)
	if f, ok := templates.files[key]; ok {
		return f, nil
	}
	if templates.dir == "" {
		d, err := os.MkdirTemp("", "qm-build-disk-templates-*")
		if err != nil {
			return "", err
		}
		templates.dir, templates.files = d, map[string]string{}
	}
	f := filepath.Join(templates.dir, fmt.Sprintf("t%d.raw", len(templates.files)))
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Truncate(f, size); err != nil {
		return "", err
	}
	if err := part(f); err != nil {
		return "", err
	}
	templates.files[key] = f
	return f, nil
}

// RemoveDiskTemplates removes the partitioned templates PackDisk made.
func RemoveDiskTemplates() {
	templates.Lock()
	defer templates.Unlock()
	if templates.dir != "" {
		os.RemoveAll(templates.dir)
		templates.dir, templates.files = "", nil
	}
}

// makeFS makes a file system image holding the tree src.
func makeFS(ctx context.Context, tools DiskTools, run func(string, ...string) error, src, img, fstype, label, mnt string) error {
	size, err := fsSize(src, fstype)
	if err != nil {
		return err
	}
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		return err
	}
	if err := os.Truncate(img, size); err != nil {
		return err
	}
	if fstype == "ext4" {
		return run(tools.Mke2fs, "-q", "-t", "ext4", "-L", label, "-E", "lazy_itable_init=1,lazy_journal_init=1", "-d", src, img)
	}
	if err := run(tools.MkfsXFS, "-q", "-L", label, img); err != nil {
		return err
	}
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return err
	}
	if err := run("mount", "-o", "loop", img, mnt); err != nil {
		return err
	}
	cerr := run("cp", "-a", src+"/.", mnt+"/")
	if err := run("umount", mnt); err != nil {
		return err
	}
	return cerr
}

// fsSize is a file system's size for a tree: room for its files and its
// metadata (mkfs.xfs's smallest file system is 300 MB).
func fsSize(dir, fstype string) (int64, error) {
	n, err := treeSize(dir)
	if err != nil {
		return 0, err
	}
	n = n*3/2 + 16<<20
	if fstype == "xfs" && n < 320<<20 {
		n = 320 << 20
	}
	return n, nil
}

func treeSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n += fi.Size() + 4096
		return nil
	})
	return n, err
}

// packOSTree commits the tree to a bare ostree repository the way an
// ostree image is composed: /etc moves to /usr/etc (the tree is copied
// first), owners, modes and SELinux labels are kept (ostree commit as root).
func packOSTree(ctx context.Context, tools DiskTools, run func(string, ...string) error, dir, work string) (Disk, error) {
	var special string
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&(os.ModeDevice|os.ModeNamedPipe|os.ModeSocket) != 0 && special == "" {
			special = strings.TrimPrefix(p, dir)
		}
		return nil
	})
	if special != "" {
		return Disk{OSTreeSkipped: "ostree stores no device nodes, FIFOs or sockets: " + special}, nil
	}
	tree := filepath.Join(work, "ostree-tree")
	repo := filepath.Join(work, "ostree-repo")
	if err := run("cp", "-a", dir, tree); err != nil {
		return Disk{}, err
	}
	defer os.RemoveAll(tree)
	if _, err := os.Lstat(filepath.Join(tree, "usr/etc")); os.IsNotExist(err) {
		if err := os.MkdirAll(filepath.Join(tree, "usr"), 0o755); err != nil {
			return Disk{}, err
		}
		if err := os.Rename(filepath.Join(tree, "etc"), filepath.Join(tree, "usr/etc")); err != nil {
			return Disk{}, err
		}
	}
	if err := run(tools.OSTree, "init", "--repo="+repo, "--mode=bare"); err != nil {
		return Disk{}, err
	}
	if err := run(tools.OSTree, "commit", "--repo="+repo, "--branch=qm", "--fsync=false", "--timestamp=2023-11-14T22:13:20Z", "--subject=qm-build test", "--tree=dir="+tree); err != nil {
		return Disk{}, err
	}
	return Disk{OSTree: "ostree:" + repo + ":qm"}, nil
}
