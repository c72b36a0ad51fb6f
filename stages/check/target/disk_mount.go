package target

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOptions are the file-system options of a mount that never writes:
// ext4 without replaying its journal, XFS without log recovery (a dirty log
// is refused by the kernel rather than replayed) and whatever its UUID (XFS
// refuses a second file system with a mounted one's UUID: the same image
// checked twice at once, or an image made from the host's own template).
var mountOptions = map[string]string{"ext4": "noload", "xfs": "norecovery,nouuid", "vfat": ""}

// loopMount mounts the file system at [off, off+size) of img read-only on
// dir, through a read-only loop device that is freed when the mount goes
// (LO_FLAGS_AUTOCLEAR). The returned function unmounts it.
func loopMount(img *os.File, off, size int64, fstype, dir string) (func() error, error) {
	opts, ok := mountOptions[fstype]
	if !ok {
		return nil, fmt.Errorf("no read-only mount for a %s file system", fstype)
	}
	ctl, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/loop-control: %w", err)
	}
	defer unix.Close(ctl)
	var dev string
	var fd int
	for attempt := 0; ; attempt++ {
		n, err := unix.IoctlRetInt(ctl, unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("finding a free loop device: %w", err)
		}
		dev = fmt.Sprintf("/dev/loop%d", n)
		fd, err = unix.Open(dev, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			// A container's /dev may lack the node the kernel just made.
			if err = unix.Mknod(dev, unix.S_IFBLK|0o660, int(unix.Mkdev(7, uint32(n)))); err == nil || errors.Is(err, unix.EEXIST) {
				fd, err = unix.Open(dev, unix.O_RDWR|unix.O_CLOEXEC, 0)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", dev, err)
		}
		cfg := unix.LoopConfig{Fd: uint32(img.Fd())}
		cfg.Info.Offset = uint64(off)
		cfg.Info.Sizelimit = uint64(size)
		cfg.Info.Flags = unix.LO_FLAGS_READ_ONLY | unix.LO_FLAGS_AUTOCLEAR
		copy(cfg.Info.File_name[:], "qm-build-check")
		err = unix.IoctlLoopConfigure(fd, &cfg)
		if err == nil {
			break
		}
		unix.Close(fd)
		if !errors.Is(err, unix.EBUSY) || attempt >= 20 {
			return nil, fmt.Errorf("configuring %s: %w", dev, err)
		}
		// Another process took the device between GET_FREE and CONFIGURE.
	}
	defer unix.Close(fd)
	flags := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount(dev, dir, fstype, flags, opts); err != nil {
		return nil, fmt.Errorf("mounting the %s file system read-only (%s): %w", fstype, dev, err)
	}
	return func() error {
		if err := unix.Unmount(dir, 0); err != nil {
			return unix.Unmount(dir, unix.MNT_DETACH)
		}
		return nil
	}, nil
}

// unmountUnder detaches every mount at or under dir, deepest first: a work
// directory that a killed check left with its image still mounted.
func unmountUnder(dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		p := unescapeMountinfo(f[4])
		if p == dir || strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		unix.Unmount(points[i], unix.MNT_DETACH)
	}
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
