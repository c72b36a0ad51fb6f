package header

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
)

// alignments of the data store (rpm's typeAlign in header.c).
var alignments = map[uint32]int{TypeInt16: 2, TypeInt32: 4, TypeInt64: 8}

// EncodeSignature writes a signature header with its region
// (TagHeaderSignatures) and the padding to 8 bytes. Entries are sorted by
// tag, as headerExport sorts them; a region entry among them is left out
// (the region is written anew).
func EncodeSignature(entries []Entry) []byte {
	entries = slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool { return e.Tag == TagHeaderSignatures })
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Tag < entries[j].Tag })
	var store bytes.Buffer
	var body []byte
	for _, e := range entries {
		if a := alignments[e.Type]; a > 0 {
			for store.Len()%a != 0 {
				store.WriteByte(0)
			}
		}
		off := store.Len()
		store.Write(e.Data)
		body = appendEntry(body, e.Tag, e.Type, uint32(off), e.Count)
	}
	// The region: its entry points at a 16-byte trailer at the end of the
	// store, whose offset field is minus the size of the region's index.
	n := len(entries) + 1
	trailerAt := store.Len()
	store.Write(appendEntry(nil, TagHeaderSignatures, TypeBin, uint32(int32(-EntrySize*n)), 16))
	index := appendEntry(make([]byte, 0, n*EntrySize), TagHeaderSignatures, TypeBin, uint32(trailerAt), 16)
	index = append(index, body...)

	var out bytes.Buffer
	out.Write(Magic)
	out.Write([]byte{0, 0, 0, 0})
	out.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	out.Write(binary.BigEndian.AppendUint32(nil, uint32(store.Len())))
	out.Write(index)
	out.Write(store.Bytes())
	for pad := (8 - (out.Len()-IntroSize)%8) % 8; pad > 0; pad-- {
		out.WriteByte(0)
	}
	return out.Bytes()
}

func appendEntry(b []byte, tag, typ, off, count uint32) []byte {
	b = binary.BigEndian.AppendUint32(b, tag)
	b = binary.BigEndian.AppendUint32(b, typ)
	b = binary.BigEndian.AppendUint32(b, off)
	return binary.BigEndian.AppendUint32(b, count)
}
