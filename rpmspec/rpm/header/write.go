package header

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// TagHeaderImmutable is the region tag of the main header
// (RPMTAG_HEADERIMMUTABLE).
const TagHeaderImmutable = 63

// alignment is the data store alignment of a type (rpm's typeAlign in
// header.c).
func alignment(typ uint32) int {
	switch typ {
	case TypeInt16:
		return 2
	case TypeInt32:
		return 4
	case TypeInt64:
		return 8
	}
	return 1
}

// Encode writes a header structure with its region (region is
// TagHeaderImmutable for the main header, TagHeaderSignatures for the
// signature header): the intro, the index with the region's entry first,
// then the data store, each value aligned to its type, the region's 16-byte
// trailer last. Entries are sorted by tag, as headerExport sorts them; an
// entry of the region's tag among them is left out (the region is written
// anew). The result is not padded.
func Encode(region uint32, entries []Entry) []byte {
	sorted := make([]Entry, 0, len(entries))
	size := 0
	for _, e := range entries {
		if e.Tag != region {
			sorted = append(sorted, e)
			size += len(e.Data) + 7
		}
	}
	byTag := func(a, b Entry) int { return cmp.Compare(a.Tag, b.Tag) }
	if !slices.IsSortedFunc(sorted, byTag) {
		slices.SortStableFunc(sorted, byTag)
	}
	n := len(sorted) + 1
	indexAt := IntroSize
	storeAt := IntroSize + n*EntrySize
	out := make([]byte, storeAt, storeAt+size+EntrySize+8)
	copy(out, Magic)
	binary.BigEndian.PutUint32(out[8:], uint32(n))
	index := out[indexAt+EntrySize : storeAt]
	for _, e := range sorted {
		for a := alignment(e.Type); (len(out)-storeAt)%a != 0; {
			out = append(out, 0)
		}
		putEntry(index, e.Tag, e.Type, uint32(len(out)-storeAt), e.Count)
		index = index[EntrySize:]
		out = append(out, e.Data...)
	}
	// The region: its entry points at a 16-byte trailer at the end of the
	// store, whose offset field is minus the size of the region's index.
	trailerAt := len(out) - storeAt
	putEntry(out[indexAt:], region, TypeBin, uint32(trailerAt), 16)
	out = append(out, make([]byte, EntrySize)...)
	putEntry(out[storeAt+trailerAt:], region, TypeBin, uint32(int32(-EntrySize*n)), 16)
	binary.BigEndian.PutUint32(out[12:], uint32(len(out)-storeAt))
	return out
}

// EncodeSignature writes a signature header (Encode with the region
// TagHeaderSignatures) and the padding to 8 bytes that follows it in a
// package.
func EncodeSignature(entries []Entry) []byte {
	out := Encode(TagHeaderSignatures, entries)
	return append(out, make([]byte, (8-(len(out)-IntroSize)%8)%8)...)
}

func putEntry(b []byte, tag, typ, off, count uint32) {
	binary.BigEndian.PutUint32(b, tag)
	binary.BigEndian.PutUint32(b[4:], typ)
	binary.BigEndian.PutUint32(b[8:], off)
	binary.BigEndian.PutUint32(b[12:], count)
}
