package rpmspec

import (
	"debug/elf"
	"encoding/binary"
)

// ArchOfELF is rpm's architecture name (rpmrc's arch_canon) for an ELF
// machine and byte order: the one table the hook package, the stage
// package and the check's architecture rule read. Where rpm has a 32-bit
// and a 64-bit or two byte orders for one machine, the name is the one
// distributions build for (i686, armv7hl, s390x, ppc64le; ppc64 for
// big-endian POWER). ok is false for a machine rpm builds nothing for.
func ArchOfELF(m elf.Machine, order binary.ByteOrder) (arch string, ok bool) {
	switch m {
	case elf.EM_X86_64:
		return "x86_64", true
	case elf.EM_AARCH64:
		return "aarch64", true
	case elf.EM_386:
		return "i686", true
	case elf.EM_ARM:
		return "armv7hl", true
	case elf.EM_PPC64:
		if order == binary.BigEndian {
			return "ppc64", true
		}
		return "ppc64le", true
	case elf.EM_S390:
		return "s390x", true
	case elf.EM_RISCV:
		return "riscv64", true
	}
	return "", false
}
