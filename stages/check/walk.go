package check

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check/target"
)

// walkFacts are what one walk over the whole image learns for the rules that
// look at every file: only the notable entries are kept, so memory grows with
// findings, not with the image.
type walkFacts struct {
	mu sync.Mutex
	// In QM's trees:
	setid     []target.Entry // setuid or setgid
	writable  []target.Entry // world-writable, no sticky bit
	devices   []target.Entry // character or block devices
	symlinks  []target.Entry // under /etc/qm or /var/qm
	kmodules  []target.Entry // kernel modules in the rootfs
	elfs      []elfFile      // every ELF file of the image
	elfByArch map[string]int
	// qmFiles are the regular files of QM's writable trees (/etc/qm,
	// /var/qm) that may be hard links, by inode identity, when the target
	// records it (rule QM608), and their link counts.
	qmFiles map[target.FileID][]string
	qmLinks map[target.FileID]uint64
}

type elfFile struct {
	Path    string
	Machine elf.Machine
	Class   elf.Class
	Order   binary.ByteOrder
}

// Walk runs the one walk over the image (on first use) and returns its facts.
func (c *Context) Walk() (*walkFacts, error) {
	if c.walk != nil || c.walkErr != nil {
		return c.walk, c.walkErr
	}
	w := &walkFacts{elfByArch: map[string]int{}, qmFiles: map[target.FileID][]string{}, qmLinks: map[target.FileID]uint64{}}
	ident, _ := c.FS.(target.Identifier)
	err := c.FS.Walk(func(e target.Entry, head []byte) error {
		w.visit(e, head)
		if ident != nil && e.Mode.IsRegular() && inQMWritable(e.Path) {
			w.identify(ident, e.Path)
		}
		return nil
	}, target.WalkOptions{Head: true})
	if err != nil {
		c.walkErr = err
		return nil, err
	}
	w.sort()
	c.walk = w
	return w, nil
}

func (w *walkFacts) visit(e target.Entry, head []byte) {
	var ef *elfFile
	if len(head) >= 20 && bytes.HasPrefix(head, []byte(elf.ELFMAG)) {
		ef = parseELFHeader(e.Path, head)
	}
	inQM := inQMTrees(e.Path)
	notable := ef != nil || (inQM && (e.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 ||
		worldWritable(e) || e.Mode&fs.ModeDevice != 0 || e.Mode&fs.ModeSymlink != 0 || isKernelModule(e.Path)))
	if !notable {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ef != nil {
		w.elfs = append(w.elfs, *ef)
		w.elfByArch[archName(ef.Machine, ef.Order)]++
	}
	if !inQM {
		return
	}
	if e.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 && e.Mode&fs.ModeSymlink == 0 {
		w.setid = append(w.setid, e)
	}
	if worldWritable(e) {
		w.writable = append(w.writable, e)
	}
	if e.Mode&fs.ModeDevice != 0 {
		w.devices = append(w.devices, e)
	}
	if e.Mode&fs.ModeSymlink != 0 && (under(e.Path, qmEtc) || under(e.Path, qmVar)) {
		w.symlinks = append(w.symlinks, e)
	}
	if isKernelModule(e.Path) && e.Mode.IsRegular() {
		w.kmodules = append(w.kmodules, e)
	}
}

// identify records a QM file that may be a hard link: every file whose
// link count is not 1 (or unknown).
func (w *walkFacts) identify(ident target.Identifier, p string) {
	id, n, err := ident.Identify(p)
	if err != nil || n == 1 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.qmFiles[id] = append(w.qmFiles[id], p)
	w.qmLinks[id] = n
}

func (w *walkFacts) sort() {
	for _, l := range [][]target.Entry{w.setid, w.writable, w.devices, w.symlinks, w.kmodules} {
		sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
	}
	sort.Slice(w.elfs, func(i, j int) bool { return w.elfs[i].Path < w.elfs[j].Path })
	for _, l := range w.qmFiles {
		sort.Strings(l)
	}
}

func worldWritable(e target.Entry) bool {
	return e.Mode&fs.ModeSymlink == 0 && e.Mode.Perm()&0o002 != 0 && e.Mode&fs.ModeSticky == 0 &&
		(e.Mode.IsRegular() || e.Mode.IsDir())
}

// isKernelModule matches kernel module file names (kmod: .ko, optionally
// compressed) under QM's rootfs.
func isKernelModule(p string) bool {
	if !under(p, qmRootfs) {
		return false
	}
	base := p[strings.LastIndexByte(p, '/')+1:]
	for _, ext := range []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// parseELFHeader reads e_ident and e_machine with debug/elf's header types
// (ELF gABI, "ELF Header"); nil when the header is not valid.
func parseELFHeader(p string, head []byte) *elfFile {
	class := elf.Class(head[elf.EI_CLASS])
	var order binary.ByteOrder
	switch elf.Data(head[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		order = binary.BigEndian
	default:
		return nil
	}
	var machine uint16
	switch class {
	case elf.ELFCLASS64:
		var h elf.Header64
		if len(head) < binary.Size(h) || binary.Read(bytes.NewReader(head), order, &h) != nil {
			return nil
		}
		machine = h.Machine
	case elf.ELFCLASS32:
		var h elf.Header32
		if len(head) < binary.Size(h) || binary.Read(bytes.NewReader(head), order, &h) != nil {
			return nil
		}
		machine = h.Machine
	default:
		return nil
	}
	return &elfFile{Path: p, Machine: elf.Machine(machine), Class: class, Order: order}
}

// archName is the RPM architecture of an ELF machine and byte order
// (rpmspec.ArchOfELF), "bpf" for eBPF objects, else the machine's own name.
func archName(m elf.Machine, order binary.ByteOrder) string {
	if a, ok := rpmspec.ArchOfELF(m, order); ok {
		return a
	}
	if m == elf.EM_BPF {
		return "bpf"
	}
	return strings.ToLower(strings.TrimPrefix(m.String(), "EM_"))
}

// inQMWritable reports whether an image path lies in the trees QM mounts
// writable: /etc/qm and /var/qm.
func inQMWritable(p string) bool { return under(p, qmEtc) || under(p, qmVar) }
