package target

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// FileSystem is what a partition holds, read from its superblock: the type
// and the names fstab and mount units refer to it by (UUID=, LABEL=).
type FileSystem struct {
	Type  string // "ext4" (ext2, ext3 and ext4 alike), "xfs", "vfat", or "" when unknown
	UUID  string
	Label string
}

// ProbeFileSystem reads the superblock at the start of a partition. It
// recognises ext2/3/4, XFS and FAT; anything else gives Type "".
func ProbeFileSystem(r io.ReaderAt, size int64) (FileSystem, error) {
	buf := make([]byte, 2048)
	n, err := r.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return FileSystem{}, err
	}
	buf = buf[:n]
	if int64(len(buf)) > size {
		buf = buf[:size]
	}
	le := binary.LittleEndian
	switch {
	case len(buf) >= 1024+136 && le.Uint16(buf[1024+56:]) == 0xef53:
		sb := buf[1024:]
		return FileSystem{Type: "ext4", UUID: uuidText(sb[104:120]), Label: cString(sb[120:136])}, nil
	case len(buf) >= 120 && string(buf[:4]) == "XFSB":
		return FileSystem{Type: "xfs", UUID: uuidText(buf[32:48]), Label: cString(buf[108:120])}, nil
	case len(buf) >= 512 && buf[510] == 0x55 && buf[511] == 0xaa && string(buf[82:87]) == "FAT32":
		return FileSystem{Type: "vfat", UUID: fatID(le.Uint32(buf[67:])), Label: fatLabel(buf[71:82])}, nil
	case len(buf) >= 512 && buf[510] == 0x55 && buf[511] == 0xaa && (string(buf[54:59]) == "FAT12" || string(buf[54:59]) == "FAT16"):
		return FileSystem{Type: "vfat", UUID: fatID(le.Uint32(buf[39:])), Label: fatLabel(buf[43:54])}, nil
	}
	return FileSystem{}, nil
}

func uuidText(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func fatID(v uint32) string { return fmt.Sprintf("%04X-%04X", v>>16, v&0xffff) }

func fatLabel(b []byte) string {
	l := strings.TrimRight(string(b), " ")
	if l == "NO NAME" {
		return ""
	}
	return l
}
