package rpm

import (
	"encoding/binary"
	"slices"

	"github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// tagged is one header entry: its tag and value (the entry's Tag is set
// when the header is assembled).
type tagged struct {
	tag   int
	entry header.Entry
}

// entryString is a STRING value.
func entryString(s string) header.Entry {
	return header.Entry{Type: header.TypeString, Count: 1, Data: append([]byte(s), 0)}
}

// entryStrings is a STRING_ARRAY value: each string NUL-terminated; an
// empty array is a single NUL, as rpmpack wrote it.
func entryStrings(ss []string) header.Entry {
	n := 1
	for _, s := range ss {
		n += len(s) + 1
	}
	data := make([]byte, 0, n)
	for i, s := range ss {
		if i > 0 {
			data = append(data, 0)
		}
		data = append(data, s...)
	}
	return header.Entry{Type: header.TypeStringArray, Count: uint32(len(ss)), Data: append(data, 0)}
}

// entryUint32 is an INT32 value.
func entryUint32(v []uint32) header.Entry {
	data := make([]byte, 0, 4*len(v))
	for _, x := range v {
		data = binary.BigEndian.AppendUint32(data, x)
	}
	return header.Entry{Type: header.TypeInt32, Count: uint32(len(v)), Data: data}
}

// entryUint16 is an INT16 value.
func entryUint16(v []uint16) header.Entry {
	data := make([]byte, 0, 2*len(v))
	for _, x := range v {
		data = binary.BigEndian.AppendUint16(data, x)
	}
	return header.Entry{Type: header.TypeInt16, Count: uint32(len(v)), Data: data}
}

// entryRepeat is count values of an integer type (INT16 or INT32), each x.
func entryRepeat(typ uint32, x uint32, count int) header.Entry {
	size := 4
	if typ == header.TypeInt16 {
		size = 2
	}
	data := make([]byte, size*count)
	for i := 0; i < len(data); i += size {
		if size == 2 {
			binary.BigEndian.PutUint16(data[i:], uint16(x))
		} else {
			binary.BigEndian.PutUint32(data[i:], x)
		}
	}
	return header.Entry{Type: typ, Count: uint32(count), Data: data}
}

// entryBytes is a BIN value.
func entryBytes(b []byte) header.Entry {
	return header.Entry{Type: header.TypeBin, Count: uint32(len(b)), Data: b}
}

// entries is a header under construction: a later value of a tag replaces
// an earlier one.
type entries struct {
	list []header.Entry
	at   map[uint32]int
}

func (h *entries) set(tag int, e header.Entry) {
	if h.at == nil {
		h.at = make(map[uint32]int, 64)
	}
	e.Tag = uint32(tag)
	if i, ok := h.at[e.Tag]; ok {
		h.list[i] = e
		return
	}
	h.at[e.Tag] = len(h.list)
	h.list = append(h.list, e)
}

// sorted returns the entries in tag order (each tag is there once), the
// order header.Encode writes them in. It sorts keys (tag and position in
// one integer), cheaper than moving the entries while sorting them.
func (h *entries) sorted() []header.Entry {
	keys := make([]uint64, len(h.list))
	for i, e := range h.list {
		keys[i] = uint64(e.Tag)<<32 | uint64(i)
	}
	slices.Sort(keys)
	out := make([]header.Entry, len(keys))
	for i, k := range keys {
		out[i] = h.list[uint32(k)]
	}
	return out
}
