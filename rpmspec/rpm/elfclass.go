package rpm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
)

// elfColor is the color rpmbuild gives an executable file: RPMFC_ELF32 or
// RPMFC_ELF64 by the ELF header's class, 0 when it is not ELF (getElfColor
// in rpm's build/rpmfc.c).
func elfColor(content []byte) uint32 {
	if !bytes.HasPrefix(content, []byte("\x7fELF")) {
		return 0
	}
	f, err := elf.NewFile(bytes.NewReader(content))
	if err != nil {
		return 0
	}
	defer f.Close()
	switch f.Class {
	case elf.ELFCLASS32:
		return colorELF32
	case elf.ELFCLASS64:
		return colorELF64
	}
	return 0
}

// elfMachines are libmagic's names of the machines rpm builds for, each with
// the comma that follows it (Magdir/elf, measured with file -b on Go
// binaries). Machines not listed use debug/elf's name.
var elfMachines = sync.OnceValue(func() map[elf.Machine]string {
	return map[elf.Machine]string{
		elf.EM_386:     "Intel 80386,",
		elf.EM_X86_64:  "x86-64,",
		elf.EM_AARCH64: "ARM aarch64,",
		elf.EM_S390:    "IBM S/390,",
		elf.EM_PPC:     "PowerPC or cisco 4500,",
	}
})

// elfOSABIs are libmagic's names of the ELF OS ABIs (e_ident[EI_OSABI]).
var elfOSABIs = sync.OnceValue(func() map[elf.OSABI]string {
	return map[elf.OSABI]string{
		elf.ELFOSABI_NONE:    " (SYSV)",
		elf.ELFOSABI_HPUX:    " (HP-UX)",
		elf.ELFOSABI_NETBSD:  " (NetBSD)",
		elf.ELFOSABI_LINUX:   " (GNU/Linux)",
		elf.ELFOSABI_SOLARIS: " (Solaris)",
		elf.ELFOSABI_FREEBSD: " (FreeBSD)",
		elf.ELFOSABI_OPENBSD: " (OpenBSD)",
		elf.ELFOSABI_ARM:     " (ARM)",
	}
})

// elfMachine is libmagic's name of f's machine with its ABI flags, ending
// with the comma before " version", except for ARM EABI files, where
// libmagic prints "ARM, EABI5 version 1".
func elfMachine(f *elf.File, flags uint32) string {
	switch f.Machine {
	case elf.EM_ARM:
		if eabi := flags >> 24; eabi > 0 {
			return fmt.Sprintf("ARM, EABI%d", eabi)
		}
		return "ARM,"
	case elf.EM_PPC64:
		abi := [...]string{"Unspecified or Power ELF V1 ABI,", "Power ELF V1 ABI,", "OpenPOWER ELF V2 ABI,", ""}[flags&3]
		return strings.TrimSuffix("64-bit PowerPC or cisco 7500, "+abi, " ")
	case elf.EM_RISCV:
		s := "UCB RISC-V,"
		if flags&1 != 0 {
			s += " RVC,"
		}
		return s + " " + [...]string{"soft-float", "single-float", "double-float", "quad-float"}[flags>>1&3] + " ABI,"
	}
	if m, ok := elfMachines()[f.Machine]; ok {
		return m
	}
	return f.Machine.String() + ","
}

// elfType is libmagic's name of the ELF file type; a shared object with
// DF_1_PIE is a "pie executable".
func elfType(f *elf.File) string {
	switch f.Type {
	case elf.ET_EXEC:
		return "executable"
	case elf.ET_DYN:
		if v, err := f.DynValue(elf.DT_FLAGS_1); err == nil && len(v) > 0 && v[0]&uint64(elf.DF_1_PIE) != 0 {
			return "pie executable"
		}
		return "shared object"
	case elf.ET_REL:
		return "relocatable"
	case elf.ET_CORE:
		return "core file"
	}
	return "processor-specific"
}

// DescribeELF returns libmagic 5.44's description of an ELF file (Magdir/elf
// and readelf.c), for example "ELF 64-bit LSB executable, x86-64, version 1
// (SYSV), statically linked, Go BuildID=…, BuildID[sha1]=…, stripped":
// class, byte order, type, machine, version and OS ABI; for executables and
// shared objects how they are linked and their interpreter; the Go and GNU
// build IDs and the GNU ABI tag from the notes, in file order; "with
// debug_info"; and "stripped" or "not stripped" (a symbol table). ok is
// false when debug/elf cannot read the file.
func DescribeELF(content []byte) (desc string, ok bool) {
	f, err := elf.NewFile(bytes.NewReader(content))
	if err != nil {
		return "", false
	}
	defer f.Close()
	bits := map[elf.Class]string{elf.ELFCLASS32: "32-bit", elf.ELFCLASS64: "64-bit"}[f.Class]
	order := map[elf.Data]string{elf.ELFDATA2LSB: "LSB", elf.ELFDATA2MSB: "MSB"}[f.Data]
	var d strings.Builder
	fmt.Fprintf(&d, "ELF %s %s %s, %s version %d%s", bits, order, elfType(f), elfMachine(f, elfFlags(f, content)), f.Version, elfOSABIs()[f.OSABI])
	if f.Type == elf.ET_EXEC || f.Type == elf.ET_DYN {
		d.WriteString(elfLinkage(f))
	}
	for _, n := range elfNotes(f) {
		d.WriteString(", " + n)
	}
	if len(f.Sections) <= 1 {
		d.WriteString(", no section header")
		return d.String(), true
	}
	if f.Section(".debug_info") != nil {
		d.WriteString(", with debug_info")
	}
	if f.Section(".symtab") != nil || hasSectionType(f, elf.SHT_SYMTAB) {
		d.WriteString(", not stripped")
	} else {
		d.WriteString(", stripped")
	}
	return d.String(), true
}

// elfFlags reads e_flags, which debug/elf does not expose.
func elfFlags(f *elf.File, content []byte) uint32 {
	off := 36 // Elf32_Ehdr.e_flags
	if f.Class == elf.ELFCLASS64 {
		off = 48 // Elf64_Ehdr.e_flags
	}
	if len(content) < off+4 {
		return 0
	}
	return f.ByteOrder.Uint32(content[off:])
}

func hasSectionType(f *elf.File, t elf.SectionType) bool {
	for _, s := range f.Sections {
		if s.Type == t {
			return true
		}
	}
	return false
}

// elfLinkage is how an executable or shared object is linked, as readelf.c's
// dophn_exec says it: a program interpreter makes it dynamically linked, a
// dynamic section without one static-pie (for a PIE) or dynamically linked,
// neither statically linked.
func elfLinkage(f *elf.File) string {
	var interp string
	hasInterp, dynamic := false, false
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			hasInterp = true
			b, err := io.ReadAll(p.Open())
			if err == nil {
				interp, _, _ = strings.Cut(string(b), "\x00")
			}
		case elf.PT_DYNAMIC:
			dynamic = true
		}
	}
	switch {
	case hasInterp:
		return ", dynamically linked, interpreter " + interp
	case dynamic && elfType(f) == "pie executable":
		return ", static-pie linked"
	case dynamic:
		return ", dynamically linked"
	}
	return ", statically linked"
}

// elfNotes are the notes libmagic prints, in file order (readelf.c's
// donote): "for GNU/Linux X.Y.Z" (NT_GNU_ABI_TAG, once), "Go BuildID=…" (a
// "Go" note of type 4) and "BuildID[sha1]=…" (NT_GNU_BUILD_ID), where a GNU
// build ID ends the build IDs: later ones of either kind are not printed.
// Notes come from the SHT_NOTE sections, or from the PT_NOTE segments of a
// file without section headers.
func elfNotes(f *elf.File) []string {
	var blobs [][]byte
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOTE {
			if b, err := s.Data(); err == nil {
				blobs = append(blobs, alignNote(b, s.Addralign))
			}
		}
	}
	if len(f.Sections) <= 1 {
		for _, p := range f.Progs {
			if p.Type == elf.PT_NOTE {
				if b, err := io.ReadAll(p.Open()); err == nil {
					blobs = append(blobs, alignNote(b, p.Align))
				}
			}
		}
	}
	var out []string
	didOS, didBuildID := false, false
	for _, b := range blobs {
		for _, n := range parseNotes(f.ByteOrder, b) {
			switch {
			case strings.HasPrefix(n, "for "):
				if !didOS {
					didOS = true
					out = append(out, n)
				}
			case !didBuildID:
				didBuildID = strings.HasPrefix(n, "BuildID[")
				out = append(out, n)
			}
		}
	}
	return out
}

// alignNote prefixes the note blob with its alignment, 4 or 8 bytes.
func alignNote(b []byte, align uint64) []byte {
	a := byte(4)
	if align == 8 {
		a = 8
	}
	return append([]byte{a}, b...)
}

// parseNotes reads the notes of one blob (alignment byte first, as
// alignNote makes it) and returns the descriptions of those libmagic prints.
func parseNotes(bo binary.ByteOrder, blob []byte) []string {
	align, b := uint32(blob[0]), blob[1:]
	pad := func(n uint32) uint32 { return (n + align - 1) &^ (align - 1) }
	var out []string
	for len(b) >= 12 {
		namesz, descsz, typ := bo.Uint32(b), bo.Uint32(b[4:]), bo.Uint32(b[8:])
		b = b[12:]
		if uint64(pad(namesz))+uint64(pad(descsz)) > uint64(len(b)) || pad(namesz) < namesz || pad(descsz) < descsz {
			break
		}
		name := strings.TrimRight(string(b[:namesz]), "\x00")
		desc := b[pad(namesz) : pad(namesz)+descsz]
		b = b[pad(namesz)+pad(descsz):]
		switch {
		case name == "Go" && typ == 4 && len(desc) < 128:
			out = append(out, "Go BuildID="+strings.TrimRight(string(desc), "\x00"))
		case name == "GNU" && typ == 3: // NT_GNU_BUILD_ID
			if kind := map[int]string{8: "xxHash", 16: "md5/uuid", 20: "sha1"}[len(desc)]; kind != "" {
				out = append(out, "BuildID["+kind+"]="+hex.EncodeToString(desc))
			}
		case name == "GNU" && typ == 1 && len(desc) >= 16: // NT_GNU_ABI_TAG
			oses := []string{"GNU/Linux", "GNU/Hurd", "Solaris", "kFreeBSD", "kNetBSD"}
			if os := bo.Uint32(desc); int(os) < len(oses) {
				out = append(out, fmt.Sprintf("for %s %d.%d.%d", oses[os], bo.Uint32(desc[4:]), bo.Uint32(desc[8:]), bo.Uint32(desc[12:])))
			}
		}
	}
	return out
}
