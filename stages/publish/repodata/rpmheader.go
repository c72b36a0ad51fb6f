package repodata

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// header is one RPM header structure read in place: its index entries and
// its data, as readHeaderBlock checked them (every entry inside the data,
// strings terminated). Values are decoded when asked for, which keeps
// reading a repository's RPMs to a few allocations per used tag (rpm's
// lib/header.c layout; https://rpm-software-management.github.io/rpm/manual/format.html).
type header struct {
	index  []byte // 16-byte entries: tag, type, offset, count
	data   []byte
	sorted bool // entries in ascending tag order, as rpm writes them
}

// rpmHeaders are an RPM's signature header and main header.
type rpmHeaders struct {
	sig, main header
}

// Tag types (rpmTagType_e in rpm's rpmtag.h).
const (
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

func newHeader(block []byte, nindex int) header {
	h := header{index: block[:nindex*entrySize], data: block[nindex*entrySize:], sorted: true}
	for i := 1; i < nindex && h.sorted; i++ {
		h.sorted = h.tagAt(i-1) <= h.tagAt(i)
	}
	return h
}

func (h *header) tagAt(i int) uint32 {
	return binary.BigEndian.Uint32(h.index[i*entrySize:])
}

// tagValue is one entry of a header; the zero value is an absent tag.
type tagValue struct {
	h               *header
	typ, off, count uint32
}

// GetTag returns the entry for tag; of repeated entries the last counts.
func (h *header) GetTag(tag int) tagValue {
	n := len(h.index) / entrySize
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
		return tagValue{}
	}
	e := h.index[i*entrySize : (i+1)*entrySize]
	return tagValue{h: h, typ: binary.BigEndian.Uint32(e[4:8]), off: binary.BigEndian.Uint32(e[8:12]), count: binary.BigEndian.Uint32(e[12:16])}
}

// Exists reports whether the header has the tag.
func (v tagValue) Exists() bool { return v.h != nil }

// StringSlice returns the values of a STRING, STRING_ARRAY or I18NSTRING
// entry (all the locales' texts for I18NSTRING), nil for other types.
func (v tagValue) StringSlice() []string {
	if v.h == nil || v.typ != typeString && v.typ != typeStringArray && v.typ != typeI18NString {
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
func (v tagValue) String() string {
	if v.h == nil || v.typ != typeString && v.typ != typeStringArray && v.typ != typeI18NString {
		return ""
	}
	s := v.h.data[v.off:]
	return string(s[:bytes.IndexByte(s, 0)])
}

// Int64Slice returns the values of an INT16, INT32 or INT64 entry, read as
// unsigned, nil for other types.
func (v tagValue) Int64Slice() []int64 {
	var size uint32
	switch v.typ {
	case typeInt16:
		size = 2
	case typeInt32:
		size = 4
	case typeInt64:
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
func (v tagValue) Int64() int64 {
	if v.h == nil || v.typ < typeInt16 || v.typ > typeInt64 {
		return 0
	}
	d := v.h.data[v.off:]
	switch v.typ {
	case typeInt16:
		return int64(binary.BigEndian.Uint16(d))
	case typeInt32:
		return int64(binary.BigEndian.Uint32(d))
	}
	return int64(binary.BigEndian.Uint64(d)) //nolint:gosec // rpm stores signed values as their bits
}
