package rootfs

import (
	"bytes"
	"debug/elf"
	"fmt"
	"path"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rpmspec"
)

// The hook program is built per architecture (make hook builds
// bin/qm-oci-hook for the machine, or for GOARCH), not by qm-build: composing
// is a library call that runs no compiler, and an image build must not need a
// Go toolchain. The program comes in as a fact (Facts.HookProgram, read from
// `--hook-binary FILE` at the edge), like the compiled SELinux module.

// hookFlag is the option the hook program comes from, for messages.
const hookFlag = "--hook-binary"

// hookFiles are the files of the hook package: the program, the hooks.d
// configurations podman reads (ocihooks.PrecreateHooks) and the directories
// upstream's package owns; and the package's architecture, the program's.
func hookFiles(p *Plan, f Facts) ([]rpmspec.File, string, error) {
	arch, err := ProgramArch(f.HookProgram)
	if err != nil {
		return nil, "", err
	}
	if p.archGiven && arch != p.Arch {
		return nil, "", &rpmspec.InputError{Field: hookFlag, Msg: fmt.Sprintf("the hook program is built for %s, the image is %s (--arch); build it with GOARCH for %s", arch, p.Arch, p.Arch)}
	}
	return HookPackageFiles(f.HookProgram), arch, nil
}

// HookPackageFiles are the hook package's files with program as the
// program's content.
func HookPackageFiles(program []byte) []rpmspec.File {
	const origin = "rootfs/hookpkg.go"
	files := []rpmspec.File{
		dir(path.Dir(path.Dir(ocihooks.ProgramPath)), 0o755, origin),
		dir(path.Dir(ocihooks.ProgramPath), 0o755, origin),
		file(ocihooks.ProgramPath, 0o755, program, origin),
		dir(path.Dir(ocihooks.HooksDir), 0o755, origin),
		dir(ocihooks.HooksDir, 0o755, origin),
	}
	for _, h := range ocihooks.PrecreateHooks() {
		files = append(files, file(h.Path(), 0o644, h.JSON(), origin))
	}
	return files
}

// ProgramArch is the rpm architecture of an ELF executable; anything else
// is bad input naming --hook-binary.
func ProgramArch(exe []byte) (string, error) {
	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		return "", &rpmspec.InputError{Field: hookFlag, Msg: "not an ELF executable: " + err.Error()}
	}
	defer ef.Close()
	arch, _ := rpmspec.ArchOfELF(ef.Machine, ef.ByteOrder)
	if arch != "x86_64" && arch != "aarch64" || ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return "", &rpmspec.InputError{Field: hookFlag, Msg: fmt.Sprintf("an ELF %s %s is not a program for x86_64 or aarch64", ef.Machine, ef.Type)}
	}
	return arch, nil
}
