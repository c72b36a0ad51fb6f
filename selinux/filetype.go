package selinux

import (
	"fmt"
	"io/fs"
)

// FileType is the optional second field of a file_contexts(5) line: the kind
// of file a line applies to. The spellings are libselinux's string_to_mode
// (label_file.h).
type FileType uint8

const (
	AnyFile     FileType = iota // no field: every kind of file
	RegularFile                 // --
	Directory                   // -d
	Symlink                     // -l
	Socket                      // -s
	Pipe                        // -p
	BlockDevice                 // -b
	CharDevice                  // -c
)

// AnyType is the mode to pass to Lookup when the kind of file is unknown:
// every line matches regardless of its file-type field (libselinux's mode 0,
// as `matchpathcon` without -m).
const AnyType = fs.ModeIrregular

var fileTypeFlags = [...]string{AnyFile: "", RegularFile: "--", Directory: "-d", Symlink: "-l", Socket: "-s", Pipe: "-p", BlockDevice: "-b", CharDevice: "-c"}

// String returns the file_contexts spelling ("--", "-d", …; "" for AnyFile).
func (t FileType) String() string {
	if int(t) < len(fileTypeFlags) {
		return fileTypeFlags[t]
	}
	return fmt.Sprintf("FileType(%d)", uint8(t))
}

// parseFileType reads a file-type field.
func parseFileType(s string) (FileType, bool) {
	for i, f := range fileTypeFlags {
		if i > 0 && f == s {
			return FileType(i), true
		}
	}
	return AnyFile, false
}

// FileTypeOf maps a Go file mode to the file-type field that selects it. A
// mode with no type bits is a regular file; AnyType (fs.ModeIrregular) is
// AnyFile.
func FileTypeOf(mode fs.FileMode) FileType {
	switch {
	case mode&fs.ModeIrregular != 0:
		return AnyFile
	case mode&fs.ModeDir != 0:
		return Directory
	case mode&fs.ModeSymlink != 0:
		return Symlink
	case mode&fs.ModeSocket != 0:
		return Socket
	case mode&fs.ModeNamedPipe != 0:
		return Pipe
	case mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice != 0:
		return CharDevice
	case mode&fs.ModeDevice != 0:
		return BlockDevice
	}
	return RegularFile
}

// matchpathconType is the name `matchpathcon -m` takes for t.
func (t FileType) matchpathconName() string {
	return [...]string{"", "file", "dir", "lnk_file", "sock_file", "fifo_file", "blk_file", "chr_file"}[t]
}
