package header

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Sizes and limits of the format.
const (
	LeadSize   = 96
	IntroSize  = 16
	EntrySize  = 16
	MaxEntries = 0xffff     // hdrchkTags in rpm's header.c
	MaxData    = 0x0fffffff // hdrchkData: 256 MiB of tag data
)

// LeadMagic starts an RPM file; Magic starts a header structure.
var (
	LeadMagic = []byte{0xed, 0xab, 0xee, 0xdb}
	Magic     = []byte{0x8e, 0xad, 0xe8, 0x01}
)

// Tag types (rpmTagType_e in rpm's rpmtag.h).
const (
	TypeNull        = 0
	TypeChar        = 1
	TypeInt8        = 2
	TypeInt16       = 3
	TypeInt32       = 4
	TypeInt64       = 5
	TypeString      = 6
	TypeBin         = 7
	TypeStringArray = 8
	TypeI18NString  = 9
)

// TagHeaderSignatures is the region tag of the signature header
// (RPMTAG_HEADERSIGNATURES).
const TagHeaderSignatures = 62

// typeSize is the element size of a fixed-size type (a switch, not a map
// built at every start).
func typeSize(typ uint32) (int64, bool) {
	switch typ {
	case TypeChar, TypeInt8, TypeBin:
		return 1, true
	case TypeInt16:
		return 2, true
	case TypeInt32:
		return 4, true
	case TypeInt64:
		return 8, true
	}
	return 0, false
}

// CheckIntro checks a header structure's 16-byte intro and returns the
// number of index entries and the size of the data store.
func CheckIntro(intro []byte) (nindex, size int64, err error) {
	if len(intro) < IntroSize || !bytes.Equal(intro[:4], Magic) {
		return 0, 0, errors.New("bad magic")
	}
	nindex = int64(binary.BigEndian.Uint32(intro[8:12]))
	size = int64(binary.BigEndian.Uint32(intro[12:16]))
	if nindex < 1 || nindex > MaxEntries || size > MaxData {
		return 0, 0, fmt.Errorf("%d entries and %d bytes of data", nindex, size)
	}
	return nindex, size, nil
}

// EntryLen checks one 16-byte index entry against the data store and
// returns the length of its value: every value lies inside the data and
// every string is terminated. Region tags (HEADERSIGNATURES,
// HEADERIMMUTABLE) point at their 16-byte trailer, which is inside the data.
func EntryLen(e, data []byte) (int64, error) {
	typ := binary.BigEndian.Uint32(e[4:8])
	off := int64(binary.BigEndian.Uint32(e[8:12]))
	count := int64(binary.BigEndian.Uint32(e[12:16]))
	size := int64(len(data))
	switch {
	case typ > TypeI18NString:
		return 0, fmt.Errorf("unknown type %d", typ)
	case count < 1 || count > size:
		return 0, fmt.Errorf("count %d out of range", count)
	case off >= size:
		return 0, fmt.Errorf("offset %d past the data (%d bytes)", off, size)
	case typ == TypeNull:
		return 0, nil
	}
	if n, fixed := typeSize(typ); fixed {
		if off+n*count > size {
			return 0, fmt.Errorf("%d values at offset %d overrun the data", count, off)
		}
		return n * count, nil
	}
	// Strings: count NUL-terminated strings from off.
	s := data[off:]
	end := off
	for i := int64(0); i < count; i++ {
		j := bytes.IndexByte(s, 0)
		if j < 0 {
			return 0, errors.New("unterminated string")
		}
		s = s[j+1:]
		end += int64(j) + 1
	}
	return end - off, nil
}

// Check checks every entry of an index against the data store, and the
// layout of their values (Layout); the error names the entry and its tag.
func Check(index, data []byte) error {
	return Layout(index, data)
}

// Header is one header structure read in place: its index entries and its
// data, as Check accepted them. Values are decoded when asked for, which
// keeps reading a repository's RPMs to a few allocations per used tag.
type Header struct {
	index  []byte // 16-byte entries: tag, type, offset, count
	data   []byte
	sorted bool // entries in ascending tag order, as rpm writes them
}

// New returns the header whose index (nindex entries) and data make up
// block, which Check must have accepted.
func New(block []byte, nindex int) Header {
	h := Header{index: block[:nindex*EntrySize], data: block[nindex*EntrySize:], sorted: true}
	for i := 1; i < nindex && h.sorted; i++ {
		h.sorted = h.tagAt(i-1) <= h.tagAt(i)
	}
	return h
}

// Parse reads the header structure at the start of b, checking it, and
// returns it with its total length (intro included).
func Parse(b []byte) (Header, int, error) {
	nindex, size, err := CheckIntro(b)
	if err != nil {
		return Header{}, 0, err
	}
	total := IntroSize + nindex*EntrySize + size
	if total > int64(len(b)) {
		return Header{}, 0, errors.New("truncated")
	}
	block := b[IntroSize:total]
	if err := Check(block[:nindex*EntrySize], block[nindex*EntrySize:]); err != nil {
		return Header{}, 0, err
	}
	return New(block, int(nindex)), int(total), nil
}

func (h *Header) tagAt(i int) uint32 {
	return binary.BigEndian.Uint32(h.index[i*EntrySize:])
}

// Len is the number of index entries.
func (h *Header) Len() int { return len(h.index) / EntrySize }

// Entry is one index entry with its value bytes.
type Entry struct {
	Tag, Type, Count uint32
	Data             []byte
}

// Entries returns the index entries in order, each with its value bytes.
func (h *Header) Entries() []Entry {
	out := make([]Entry, 0, h.Len())
	for i := range h.Len() {
		e := h.index[i*EntrySize : (i+1)*EntrySize]
		n, _ := EntryLen(e, h.data) // checked by Parse or before New
		off := int64(binary.BigEndian.Uint32(e[8:12]))
		out = append(out, Entry{Tag: h.tagAt(i), Type: binary.BigEndian.Uint32(e[4:8]),
			Count: binary.BigEndian.Uint32(e[12:16]), Data: h.data[off : off+n]})
	}
	return out
}

// Value is one entry of a header; the zero value is an absent tag.
type Value struct {
	h               *Header
	typ, off, count uint32
}

// GetTag returns the entry for tag; of repeated entries the last counts.
func (h *Header) GetTag(tag int) Value {
	n := h.Len()
	i := -1
	if h.sorted {
		// The first entry past tag, minus one: the last entry equal to it.
		j := sort.Search(n, func(k int) bool { return int64(h.tagAt(k)) > int64(tag) })
		if j > 0 && int64(h.tagAt(j-1)) == int64(tag) {
			i = j - 1
		}
	} else {
		for k := n - 1; k >= 0; k-- {
			if int64(h.tagAt(k)) == int64(tag) {
				i = k
				break
			}
		}
	}
	if i < 0 {
		return Value{}
	}
	e := h.index[i*EntrySize : (i+1)*EntrySize]
	return Value{h: h, typ: binary.BigEndian.Uint32(e[4:8]), off: binary.BigEndian.Uint32(e[8:12]), count: binary.BigEndian.Uint32(e[12:16])}
}

// Exists reports whether the header has the tag.
func (v Value) Exists() bool { return v.h != nil }

func (v Value) isString() bool {
	return v.typ == TypeString || v.typ == TypeStringArray || v.typ == TypeI18NString
}

// StringSlice returns the values of a STRING, STRING_ARRAY or I18NSTRING
// entry (all the locales' texts for I18NSTRING), nil for other types.
func (v Value) StringSlice() []string {
	if v.h == nil || !v.isString() {
		return nil
	}
	out := make([]string, v.count)
	s := v.h.data[v.off:]
	for i := range out {
		j := bytes.IndexByte(s, 0)
		out[i] = string(s[:j])
		s = s[j+1:]
	}
	return out
}

// String returns the first string of a string entry, "" otherwise.
func (v Value) String() string {
	if v.h == nil || !v.isString() {
		return ""
	}
	s := v.h.data[v.off:]
	return string(s[:bytes.IndexByte(s, 0)])
}

// Int64Slice returns the values of an INT16, INT32 or INT64 entry, read as
// unsigned, nil for other types.
func (v Value) Int64Slice() []int64 {
	var size uint32
	switch v.typ {
	case TypeInt16:
		size = 2
	case TypeInt32:
		size = 4
	case TypeInt64:
		size = 8
	}
	if v.h == nil || size == 0 {
		return nil
	}
	out := make([]int64, v.count)
	d := v.h.data[v.off:]
	for i := range out {
		switch size {
		case 2:
			out[i] = int64(binary.BigEndian.Uint16(d[uint32(i)*2:]))
		case 4:
			out[i] = int64(binary.BigEndian.Uint32(d[uint32(i)*4:]))
		default:
			out[i] = int64(binary.BigEndian.Uint64(d[uint32(i)*8:])) //nolint:gosec // rpm stores signed values as their bits
		}
	}
	return out
}

// Int64 returns the first value of an integer entry, 0 otherwise.
func (v Value) Int64() int64 {
	if v.h == nil || v.typ < TypeInt16 || v.typ > TypeInt64 {
		return 0
	}
	d := v.h.data[v.off:]
	switch v.typ {
	case TypeInt16:
		return int64(binary.BigEndian.Uint16(d))
	case TypeInt32:
		return int64(binary.BigEndian.Uint32(d))
	}
	return int64(binary.BigEndian.Uint64(d)) //nolint:gosec // rpm stores signed values as their bits
}

// PutInt32 sets the value of a one-value INT32 entry to x, in place: in the
// bytes the header was parsed from, which it shares. A writer uses it for a
// value it learns only once the header is written (the signature header's
// sizes).
func (v Value) PutInt32(x uint32) error {
	if v.h == nil || v.typ != TypeInt32 || v.count != 1 {
		return errors.New("not an INT32 entry of one value")
	}
	binary.BigEndian.PutUint32(v.h.data[v.off:], x)
	return nil
}
