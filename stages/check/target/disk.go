package target

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// A disk image (disk:IMAGE[:N]) is read as the booted system mounts it: the
// partition table (disk_table.go) and the superblocks (disk_probe.go) are
// read in Go; the root file system is the DPS root partition (or the one
// Linux file system with /etc and /usr, or partition N); the partitions that
// its /etc/fstab and its mount units name (UUID=, LABEL=, PARTUUID=,
// PARTLABEL=, /dev/disk/by-*/…) are mounted where they say, and DPS
// partitions (/var, /boot, /efi, /home, /srv, /usr) where nothing else
// mounts. The file systems are mounted read-only through read-only loop
// devices, which needs root: qm-build has no userspace reader for them. A
// qcow2 image is first converted to a sparse raw file in the work directory
// with qemu-img. The image itself is only ever opened for reading.

// qcow2Magic starts every qcow2 image.
const qcow2Magic = "QFI\xfb"

// diskFS is the assembled tree: the mounted root with the other partitions
// mounted on it, read as a directory.
type diskFS struct {
	*dirFS
	unmount []func() error
	image   *os.File
}

func (d *diskFS) Close() error {
	var errs []error
	if d.dirFS != nil {
		errs = append(errs, d.dirFS.Close())
	}
	for i := len(d.unmount) - 1; i >= 0; i-- {
		errs = append(errs, d.unmount[i]())
	}
	d.unmount = nil
	if d.image != nil {
		errs = append(errs, d.image.Close())
		d.image = nil
	}
	return errors.Join(errs...)
}

// diskPart is a partition with its file system.
type diskPart struct {
	Partition
	fs FileSystem
}

// mountPlan is one mount of the assembled tree.
type mountPlan struct {
	where string
	part  *diskPart
	by    string // what made it: "/etc/fstab line 3", "var-qm.mount", "the DPS var partition type"
}

// openDisk opens disk:IMAGE[:N].
func openDisk(ctx context.Context, t *Target, arg string, o Options) (err error) {
	t.Kind = KindDisk
	file, sel := splitRef(arg)
	rootNum := 0
	if sel != "" {
		if rootNum, err = strconv.Atoi(sel); err != nil || rootNum < 1 {
			return fmt.Errorf("%q after the image name is not a partition number (disk:IMAGE[:N])", sel)
		}
	}
	img, err := openRegular(file)
	if err != nil {
		return err
	}
	d := &diskFS{image: img}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	magic := make([]byte, 4)
	if _, err := img.ReadAt(magic, 0); err != nil {
		return fmt.Errorf("%s: reading its first bytes: %w", file, err)
	}
	if err = t.makeWorkDir(o.TempDir); err != nil {
		return err
	}
	if string(magic) == qcow2Magic {
		raw, err := qcow2ToRaw(ctx, file, t.workDir, o.Progress)
		if err != nil {
			return err
		}
		img.Close()
		d.image = raw
		t.Notes = append(t.Notes, "a qcow2 image, converted to a temporary sparse raw image with qemu-img")
	}
	fi, err := d.image.Stat()
	if err != nil {
		return err
	}
	table, err := ReadPartitions(d.image, fi.Size())
	if err != nil {
		return err
	}
	parts := table.Partitions
	if table.Kind == "none" {
		parts = []Partition{{Number: 0, Start: 0, Size: fi.Size()}}
	}
	var dp []*diskPart
	for _, p := range parts {
		fsys, err := ProbeFileSystem(ioSection(d.image, p.Start, p.Size), p.Size)
		if err != nil {
			return fmt.Errorf("partition %d: reading its superblock: %w", p.Number, err)
		}
		dp = append(dp, &diskPart{Partition: p, fs: fsys})
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s: qm-build has no userspace reader for its file systems (%s); it reads them through a read-only loop mount, which needs root: run the check as root, or check the unpacked tree", file, fsTypes(dp))
	}
	mnt := filepath.Join(t.workDir, "root")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		return err
	}
	root, arch, err := pickRoot(dp, rootNum, d, mnt)
	if err != nil {
		return err
	}
	t.Arch = arch
	if d.dirFS, err = openDir(ctx, mnt); err != nil {
		return err
	}
	d.dirFS.heads = &mappedHeads{image: d.image}
	if err := d.dirFS.heads.add(mnt, root.Start, root.Size); err != nil {
		return err
	}
	t.Notes = append(t.Notes, fmt.Sprintf("%s partition table; / is %s", strings.ToUpper(table.Kind), root.describe()))
	plans, notes, err := mountPlans(d.dirFS, dp, root, table.Kind == "gpt" && rootTypes[root.Type] != "")
	if err != nil {
		return err
	}
	t.Notes = append(t.Notes, notes...)
	for _, m := range plans {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := Resolve(d.dirFS, m.where)
		if err != nil {
			return fmt.Errorf("%s mounts partition %d on %s, which the image does not have: %w", m.by, m.part.Number, m.where, err)
		}
		if e, err := d.dirFS.Lstat(r); err != nil || !e.Mode.IsDir() {
			return fmt.Errorf("%s mounts partition %d on %s, which is not a directory in the image", m.by, m.part.Number, m.where)
		}
		if m.part.fs.Type == "" {
			return fmt.Errorf("%s mounts partition %d on %s, whose file system qm-build does not know (it reads ext2/3/4, XFS and FAT)", m.by, m.part.Number, m.where)
		}
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("mounting partition %d on %s", m.part.Number, m.where))
		}
		at := filepath.Join(mnt, rel(r))
		u, err := loopMount(d.image, m.part.Start, m.part.Size, m.part.fs.Type, at)
		if err != nil {
			return fmt.Errorf("partition %d (%s on %s): %w", m.part.Number, m.part.fs.Type, m.where, err)
		}
		d.unmount = append(d.unmount, u)
		if err := d.dirFS.heads.add(at, m.part.Start, m.part.Size); err != nil {
			return err
		}
		t.Notes = append(t.Notes, fmt.Sprintf("%s is %s (%s)", m.where, m.part.describe(), m.by))
	}
	t.FS = d
	return nil
}

func (p *diskPart) describe() string {
	s := fmt.Sprintf("partition %d (%s", p.Number, p.fs.Type)
	if p.Number == 0 {
		s = fmt.Sprintf("the whole image (%s", p.fs.Type)
	}
	if p.fs.Label != "" {
		s += ", label " + p.fs.Label
	}
	return s + ", read-only loop mount)"
}

func fsTypes(dp []*diskPart) string {
	var l []string
	for _, p := range dp {
		if p.fs.Type != "" && !slicesContains(l, p.fs.Type) {
			l = append(l, p.fs.Type)
		}
	}
	if len(l) == 0 {
		return "none recognised"
	}
	return strings.Join(l, ", ")
}

func slicesContains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// pickRoot mounts the root file system on mnt: partition N when given, else
// the DPS root partition, else the one Linux file system that holds /etc and
// /usr.
func pickRoot(dp []*diskPart, num int, d *diskFS, mnt string) (*diskPart, string, error) {
	mount := func(p *diskPart) error {
		if p.fs.Type == "" || p.fs.Type == "vfat" {
			return fmt.Errorf("partition %d holds no Linux file system qm-build reads (ext2/3/4, XFS)", p.Number)
		}
		u, err := loopMount(d.image, p.Start, p.Size, p.fs.Type, mnt)
		if err != nil {
			return fmt.Errorf("partition %d: %w", p.Number, err)
		}
		d.unmount = append(d.unmount, u)
		return nil
	}
	if num > 0 {
		for _, p := range dp {
			if p.Number == num {
				return p, rootTypes[p.Type], mount(p)
			}
		}
		return nil, "", fmt.Errorf("the image has no partition %d", num)
	}
	var dps []*diskPart
	for _, p := range dp {
		if rootTypes[p.Type] != "" {
			dps = append(dps, p)
		}
	}
	switch len(dps) {
	case 1:
		return dps[0], rootTypes[dps[0].Type], mount(dps[0])
	case 0:
	default:
		return nil, "", fmt.Errorf("the image has %d root partitions (A/B?): name the one to check, disk:IMAGE:N", len(dps))
	}
	var found []*diskPart
	for _, p := range dp {
		if p.fs.Type != "ext4" && p.fs.Type != "xfs" {
			continue
		}
		if err := mount(p); err != nil {
			return nil, "", err
		}
		if isDir(filepath.Join(mnt, "etc")) && isDir(filepath.Join(mnt, "usr")) {
			found = append(found, p)
		}
		u := d.unmount[len(d.unmount)-1]
		d.unmount = d.unmount[:len(d.unmount)-1]
		if err := u(); err != nil {
			return nil, "", err
		}
	}
	switch len(found) {
	case 0:
		return nil, "", fmt.Errorf("no root file system: no DPS root partition, and no ext4 or XFS file system with /etc and /usr (file systems: %s)", fsTypes(dp))
	case 1:
		return found[0], "", mount(found[0])
	}
	return nil, "", fmt.Errorf("%d file systems hold /etc and /usr: name the root partition, disk:IMAGE:N", len(found))
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// dpsMounts are the DPS partition types that systemd-gpt-auto-generator
// mounts when nothing else does, and where.
var dpsMounts = []struct{ typ, where string }{
	{gptUsrX86_64, "/usr"}, {gptUsrAArch64, "/usr"},
	{gptVar, "/var"}, {gptXBootLDR, "/boot"}, {gptHome, "/home"}, {gptSrv, "/srv"},
}

// mountPlans reads the root file system's /etc/fstab and mount units and
// says which partition goes where, parents first. Entries for file systems
// not on this disk (tmpfs, swap, network) are left out with a note.
func mountPlans(root FS, dp []*diskPart, rootPart *diskPart, dps bool) ([]mountPlan, []string, error) {
	var plans []mountPlan
	var notes []string
	taken := map[string]bool{"/": true}
	add := func(what, where, by string) error {
		where = path.Clean(where)
		if taken[where] || where == "none" || !strings.HasPrefix(where, "/") {
			return nil
		}
		p, ok := findPart(dp, what)
		if !ok {
			if looksLikeDisk(what) {
				notes = append(notes, fmt.Sprintf("%s mounts %s on %s: not a partition of this image, not checked", by, what, where))
			}
			return nil
		}
		if p == rootPart {
			return nil
		}
		taken[where] = true
		plans = append(plans, mountPlan{where: where, part: p, by: by})
		return nil
	}
	if data, err := ReadFile(root, "/etc/fstab"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			if len(f) >= 4 && slicesContains(strings.Split(f[3], ","), "noauto") {
				continue
			}
			if err := add(f[0], unescapeMountinfo(f[1]), fmt.Sprintf("/etc/fstab line %d", n)); err != nil {
				return nil, nil, err
			}
		}
	}
	units := map[string]string{}
	for _, dir := range []string{"/usr/lib/systemd/system", "/etc/systemd/system"} {
		list, err := root.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range list {
			if strings.HasSuffix(e.Path, ".mount") {
				units[path.Base(e.Path)] = path.Join(dir, path.Base(e.Path)) // /etc overrides /usr/lib
			}
		}
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := ReadFile(root, units[n])
		if err != nil {
			continue // a masked unit (a link to /dev/null) or unreadable: not mounted
		}
		u, _, err := unitfile.ParseLenient(data, units[n])
		if err != nil {
			continue
		}
		what, _ := u.Lookup("Mount", "What")
		where, _ := u.Lookup("Mount", "Where")
		if err := add(what, where, units[n]); err != nil {
			return nil, nil, err
		}
	}
	if dps {
		for _, m := range dpsMounts {
			for _, p := range dp {
				if p.Type == m.typ && !taken[m.where] {
					taken[m.where] = true
					plans = append(plans, mountPlan{where: m.where, part: p, by: "the DPS partition type " + p.Type})
				}
			}
		}
		for _, p := range dp {
			if p.Type != gptESP {
				continue
			}
			for _, where := range []string{"/efi", "/boot"} {
				if !taken[where] && isEmptyDir(root, where) {
					taken[where] = true
					plans = append(plans, mountPlan{where: where, part: p, by: "the DPS EFI system partition type"})
					break
				}
			}
		}
	}
	sort.SliceStable(plans, func(i, j int) bool {
		return strings.Count(plans[i].where, "/") < strings.Count(plans[j].where, "/")
	})
	return plans, notes, nil
}

func isEmptyDir(root FS, p string) bool {
	e, err := root.Lstat(p)
	if err != nil || !e.Mode.IsDir() {
		return false
	}
	l, err := root.ReadDir(p)
	return err == nil && len(l) == 0
}

// devPartNumber is compiled on first use: only disk checks need it.
var devPartNumber = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/dev/(?:[sv]d[a-z]+|xvd[a-z]+|nvme[0-9]+n[0-9]+p|mmcblk[0-9]+p)([0-9]+)$`)
})

func looksLikeDisk(what string) bool {
	for _, p := range []string{"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "/dev/"} {
		if strings.HasPrefix(what, p) {
			return true
		}
	}
	return false
}

// findPart resolves fstab's first field (or a mount unit's What=) to a
// partition of the image.
func findPart(dp []*diskPart, what string) (*diskPart, bool) {
	key, val := "", ""
	for _, k := range []string{"UUID", "LABEL", "PARTUUID", "PARTLABEL"} {
		if v, ok := strings.CutPrefix(what, k+"="); ok {
			key, val = k, strings.Trim(v, `"`)
		}
		if v, ok := strings.CutPrefix(what, "/dev/disk/by-"+strings.ToLower(k)+"/"); ok {
			key, val = k, unescapeUdev(v)
		}
	}
	if m := devPartNumber().FindStringSubmatch(what); m != nil {
		n, _ := strconv.Atoi(m[1])
		for _, p := range dp {
			if p.Number == n {
				return p, true
			}
		}
		return nil, false
	}
	for _, p := range dp {
		switch {
		case key == "UUID" && p.fs.UUID != "" && strings.EqualFold(p.fs.UUID, val),
			key == "LABEL" && p.fs.Label != "" && p.fs.Label == val,
			key == "PARTUUID" && p.UUID != "" && strings.EqualFold(p.UUID, val),
			key == "PARTLABEL" && p.Name != "" && p.Name == val:
			return p, true
		}
	}
	return nil, false
}

// unescapeUdev undoes udev's \xNN escapes in /dev/disk/by-label names.
func unescapeUdev(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// qcow2ToRaw converts a qcow2 image to a sparse raw file in dir with
// qemu-img, after refusing images that name other files (a backing file or
// an external data file), which a hostile image could point anywhere.
func qcow2ToRaw(ctx context.Context, file, dir string, progress func(string)) (*os.File, error) {
	qemu, err := exec.LookPath("qemu-img")
	if err != nil {
		return nil, fmt.Errorf("%s is a qcow2 image: reading it needs qemu-img (Debian and Fedora: qemu-utils / qemu-img), which is not on PATH", file)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	opts := "driver=qcow2,file.driver=file,file.filename=" + strings.ReplaceAll(abs, ",", ",,")
	out, err := exec.CommandContext(ctx, qemu, "info", "--output=json", "--image-opts", opts).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: qemu-img info: %w%s", file, err, stderrOf(err))
	}
	var info struct {
		Backing  string `json:"backing-filename"`
		Format   string `json:"format"`
		Specific struct {
			Data struct {
				DataFile string `json:"data-file"`
			} `json:"data"`
		} `json:"format-specific"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return nil, fmt.Errorf("%s: reading qemu-img info: %w", file, err)
	}
	if info.Backing != "" || info.Specific.Data.DataFile != "" {
		return nil, fmt.Errorf("%s is a qcow2 image with a backing or data file (%s%s): check a self-contained image (qemu-img convert -O qcow2)", file, info.Backing, info.Specific.Data.DataFile)
	}
	raw := filepath.Join(dir, "disk.raw")
	if progress != nil {
		progress("converting the qcow2 image to a temporary raw image")
	}
	if out, err := exec.CommandContext(ctx, qemu, "convert", "-S", "4k", "--image-opts", opts, "-O", "raw", raw).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: qemu-img convert: %w: %s", file, err, strings.TrimSpace(string(out)))
	}
	return openRegular(raw)
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// detectDisk recognises a bare path as a disk image: a regular file that
// starts with qcow2's magic, or whose partition table or file system this
// package reads.
func detectDisk(p string, fi fs.FileInfo) bool {
	if !fi.Mode().IsRegular() || fi.Size() < 4096 {
		return false
	}
	f, err := openRegular(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil {
		return false
	}
	if string(head) == qcow2Magic {
		return true
	}
	if t, err := ReadPartitions(f, fi.Size()); err == nil && t.Kind != "none" {
		return true
	}
	fsys, err := ProbeFileSystem(f, fi.Size())
	return err == nil && (fsys.Type == "ext4" || fsys.Type == "xfs")
}

func ioSection(f *os.File, off, n int64) *io.SectionReader { return io.NewSectionReader(f, off, n) }
