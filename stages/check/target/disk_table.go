package target

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf16"
)

// Partition is one partition of a disk image, as its partition table
// describes it (or the whole image, when it holds a file system without a
// table).
type Partition struct {
	Number int    // 1-based, as Linux numbers them (MBR logical partitions from 5)
	Start  int64  // byte offset in the image
	Size   int64  // bytes
	Type   string // GPT type GUID (lowercase), or "mbr:0x83"
	UUID   string // GPT unique partition GUID (PARTUUID=), or MBR "SIGNATURE-NN"
	Name   string // GPT partition name (PARTLABEL=)
}

// PartitionTable is what ReadPartitions found: "gpt", "mbr" or "none".
type PartitionTable struct {
	Kind       string
	Partitions []Partition
}

// Bounds on what a partition table may ask the reader to do.
const (
	maxGPTEntries    = 1024 // entries of a GPT (128 is the usual count)
	maxGPTArrayBytes = 1 << 20
	maxMBRLogical    = 128 // logical partitions in an extended partition's chain
)

// The partition type GUIDs of the Discoverable Partitions Specification that
// the disk reader acts on (uapi-group.org/specifications/specs/discoverable_partitions_specification).
const (
	gptRootX86_64  = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
	gptRootAArch64 = "b921b045-1df0-41c3-af44-4c6f280d3fae"
	gptUsrX86_64   = "8484680c-9521-48c6-9c11-b0720656f69e"
	gptUsrAArch64  = "b0e01050-ee5f-4390-949a-9101b17104e9"
	gptVar         = "4d21b016-b534-45c2-a9fb-5c16e091fd2d"
	gptXBootLDR    = "bc13c2ff-59e6-4262-a352-b275fd6f7172"
	gptESP         = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	gptLinuxData   = "0fc63daf-8483-4772-8e79-3d69d8477de4"
	gptHome        = "933ac7e1-2eb4-4f13-b844-0e14e2aef915"
	gptSrv         = "3b8f8425-20e0-4f3b-907f-1a25a76f98e8"
)

// rootTypes maps a DPS root (and /usr) partition type to the architecture it
// declares.
var rootTypes = map[string]string{gptRootX86_64: "x86_64", gptRootAArch64: "aarch64"}
var usrTypes = map[string]string{gptUsrX86_64: "x86_64", gptUsrAArch64: "aarch64"}

// ReadPartitions reads the partition table of a disk image of the given
// size: a GPT (with a protective MBR; 512- or 4096-byte sectors), else an
// MBR with primary and logical partitions. Headers and the GPT's entry array
// are checked against their CRC32; every partition must lie inside the
// image. A disk without either gives Kind "none" and no partitions.
func ReadPartitions(r io.ReaderAt, size int64) (*PartitionTable, error) {
	mbr := make([]byte, 512)
	if size < 512 {
		return &PartitionTable{Kind: "none"}, nil
	}
	if _, err := r.ReadAt(mbr, 0); err != nil {
		return nil, fmt.Errorf("reading the first sector: %w", err)
	}
	hasMBR := mbr[510] == 0x55 && mbr[511] == 0xaa
	protective := false
	if hasMBR {
		for i := 0; i < 4; i++ {
			if mbr[446+16*i+4] == 0xee {
				protective = true
			}
		}
	}
	for _, lba := range []int64{512, 4096} {
		hdr := make([]byte, 512)
		if lba+512 > size {
			break
		}
		if _, err := r.ReadAt(hdr, lba); err != nil {
			return nil, fmt.Errorf("reading the GPT header: %w", err)
		}
		if string(hdr[:8]) != "EFI PART" {
			continue
		}
		if hasMBR && !protective {
			return nil, errors.New("the disk has both an MBR with partitions and a GPT header (a hybrid or stale table): refusing to guess which one the firmware uses")
		}
		return readGPT(r, size, lba, hdr)
	}
	if !hasMBR {
		return &PartitionTable{Kind: "none"}, nil
	}
	if protective {
		return nil, errors.New("the MBR is a GPT's protective MBR, but no valid GPT header follows it")
	}
	return readMBR(r, size, mbr)
}

func readGPT(r io.ReaderAt, size, sector int64, hdr []byte) (*PartitionTable, error) {
	le := binary.LittleEndian
	hsize := le.Uint32(hdr[12:])
	if hsize < 92 || hsize > 512 {
		return nil, fmt.Errorf("GPT header: size %d (want 92 to 512)", hsize)
	}
	h := append([]byte(nil), hdr[:hsize]...)
	want := le.Uint32(h[16:])
	clear(h[16:20])
	if got := crc32.ChecksumIEEE(h); got != want {
		return nil, fmt.Errorf("GPT header: CRC32 %08x, the header says %08x", got, want)
	}
	entriesLBA := int64(le.Uint64(hdr[72:]))
	n := le.Uint32(hdr[80:])
	esize := le.Uint32(hdr[84:])
	if n > maxGPTEntries {
		return nil, fmt.Errorf("GPT header: %d partition entries (at most %d)", n, maxGPTEntries)
	}
	if esize < 128 || esize%8 != 0 || int64(n)*int64(esize) > maxGPTArrayBytes {
		return nil, fmt.Errorf("GPT header: partition entry size %d", esize)
	}
	off := entriesLBA * sector
	if entriesLBA < 2 || entriesLBA > size/sector || off+int64(n)*int64(esize) > size {
		return nil, fmt.Errorf("GPT header: the partition entries (sector %d) lie outside the image", entriesLBA)
	}
	arr := make([]byte, int(n)*int(esize))
	if _, err := r.ReadAt(arr, off); err != nil {
		return nil, fmt.Errorf("reading the GPT partition entries: %w", err)
	}
	if got := crc32.ChecksumIEEE(arr); got != le.Uint32(hdr[88:]) {
		return nil, fmt.Errorf("GPT partition entries: CRC32 %08x, the header says %08x", got, le.Uint32(hdr[88:]))
	}
	t := &PartitionTable{Kind: "gpt"}
	for i := 0; i < int(n); i++ {
		e := arr[i*int(esize) : i*int(esize)+128]
		typ := guid(e[0:16])
		if typ == "00000000-0000-0000-0000-000000000000" {
			continue
		}
		first, last := le.Uint64(e[32:]), le.Uint64(e[40:])
		if first == 0 || last < first || last >= uint64(size/sector) {
			return nil, fmt.Errorf("GPT partition %d: sectors %d to %d lie outside the image (%d sectors)", i+1, first, last, size/sector)
		}
		name := make([]uint16, 0, 36)
		for j := 56; j+1 < 128; j += 2 {
			c := le.Uint16(e[j:])
			if c == 0 {
				break
			}
			name = append(name, c)
		}
		t.Partitions = append(t.Partitions, Partition{
			Number: i + 1, Start: int64(first) * sector, Size: int64(last-first+1) * sector,
			Type: typ, UUID: guid(e[16:32]), Name: string(utf16.Decode(name)),
		})
	}
	return t, overlaps(t)
}

func readMBR(r io.ReaderAt, size int64, mbr []byte) (*PartitionTable, error) {
	le := binary.LittleEndian
	sig := le.Uint32(mbr[440:])
	t := &PartitionTable{Kind: "mbr"}
	add := func(num int, typ byte, start, count int64) error {
		if start*512+count*512 > size || count == 0 {
			return fmt.Errorf("MBR partition %d: sectors %d to %d lie outside the image", num, start, start+count-1)
		}
		t.Partitions = append(t.Partitions, Partition{
			Number: num, Start: start * 512, Size: count * 512,
			Type: fmt.Sprintf("mbr:0x%02x", typ), UUID: fmt.Sprintf("%08x-%02x", sig, num),
		})
		return nil
	}
	var ext int64 = -1
	for i := 0; i < 4; i++ {
		e := mbr[446+16*i : 446+16*i+16]
		typ := e[4]
		start, count := int64(le.Uint32(e[8:])), int64(le.Uint32(e[12:]))
		if typ == 0 {
			continue
		}
		if isExtended(typ) {
			if ext >= 0 {
				return nil, errors.New("MBR: more than one extended partition")
			}
			ext = start
			if start*512 >= size {
				return nil, fmt.Errorf("MBR partition %d: the extended partition lies outside the image", i+1)
			}
			continue
		}
		if err := add(i+1, typ, start, count); err != nil {
			return nil, err
		}
	}
	// Logical partitions: a chain of EBRs, each relative to the extended
	// partition's start (the next link) or to itself (its partition).
	ebr := ext
	buf := make([]byte, 512)
	for n := 0; ebr >= 0; n++ {
		if n >= maxMBRLogical {
			return nil, fmt.Errorf("MBR: more than %d logical partitions (a loop in the chain?)", maxMBRLogical)
		}
		if ebr*512+512 > size {
			return nil, fmt.Errorf("MBR: an extended boot record at sector %d lies outside the image", ebr)
		}
		if _, err := r.ReadAt(buf, ebr*512); err != nil {
			return nil, fmt.Errorf("reading an extended boot record: %w", err)
		}
		if buf[510] != 0x55 || buf[511] != 0xaa {
			return nil, fmt.Errorf("MBR: the extended boot record at sector %d has no signature", ebr)
		}
		e := buf[446:462]
		if e[4] != 0 {
			if err := add(5+n, e[4], ebr+int64(le.Uint32(e[8:])), int64(le.Uint32(e[12:]))); err != nil {
				return nil, err
			}
		}
		next := buf[462:478]
		if next[4] == 0 || le.Uint32(next[8:]) == 0 {
			break
		}
		ebr = ext + int64(le.Uint32(next[8:]))
	}
	return t, overlaps(t)
}

func isExtended(typ byte) bool { return typ == 0x05 || typ == 0x0f || typ == 0x85 }

// overlaps refuses a table whose partitions overlap: a file system read from
// one would be written by another, and no installer makes such a disk.
func overlaps(t *PartitionTable) error {
	for i, a := range t.Partitions {
		for _, b := range t.Partitions[i+1:] {
			if a.Start < b.Start+b.Size && b.Start < a.Start+a.Size {
				return fmt.Errorf("%s partitions %d and %d overlap", strings.ToUpper(t.Kind), a.Number, b.Number)
			}
		}
	}
	return nil
}

// guid formats a GUID as it is stored on disk (the first three fields little
// endian), in lowercase as blkid and systemd print it.
func guid(b []byte) string {
	le := binary.LittleEndian
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(b[0:]), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16])
}
