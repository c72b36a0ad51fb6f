package header

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Tags of the file names (rpmtag.h).
const (
	TagOldFilenames = 1027
	TagBaseNames    = 1117
	TagDirNames     = 1118
	TagDirIndexes   = 1116
)

// MaxPathLen bounds a file name in a package: Linux's PATH_MAX.
const MaxPathLen = 4096

// Layout checks that the entries' values tile the data store as rpm's
// headerImport requires: between the end of one value and the start of the
// next (in the order of their offsets) there may be only alignment padding,
// zero bytes. A string with a NUL inside it ("/etc/a\x00b") ends before
// the next value starts, leaving the rest of the string in between, and rpm
// refuses the header ("hdr load: BAD").
func Layout(index, data []byte) error {
	type span struct {
		tag        uint32
		start, end int64
	}
	spans := make([]span, 0, len(index)/EntrySize)
	for i := 0; i+EntrySize <= len(index); i += EntrySize {
		e := index[i : i+EntrySize]
		n, err := EntryLen(e, data)
		if err != nil {
			return fmt.Errorf("entry %d (tag %d): %w", i/EntrySize, binary.BigEndian.Uint32(e[:4]), err)
		}
		off := int64(binary.BigEndian.Uint32(e[8:12]))
		spans = append(spans, span{tag: binary.BigEndian.Uint32(e[:4]), start: off, end: off + n})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var end int64
	var prev uint32
	for _, s := range spans {
		if s.start > end && bytes.IndexFunc(data[end:s.start], func(r rune) bool { return r != 0 }) >= 0 {
			return fmt.Errorf("tag %d: the value ends at byte %d but the next value starts at %d, with data in between (a string with a NUL inside it?)", prev, end, s.start)
		}
		if s.end > end {
			end, prev = s.end, s.tag
		}
	}
	if end < int64(len(data)) && bytes.IndexFunc(data[end:], func(r rune) bool { return r != 0 }) >= 0 {
		return fmt.Errorf("tag %d: the value ends at byte %d, before data the index does not cover (a string with a NUL inside it?)", prev, end)
	}
	return nil
}

// CheckFileNames refuses file names that no tool reads back: a newline or a
// carriage return (rpm -ql, file lists and file contexts are line by line),
// another control character, or a name longer than MaxPathLen.
func (h *Header) CheckFileNames() error {
	names := h.GetTag(TagOldFilenames).StringSlice()
	dirs := h.GetTag(TagDirNames).StringSlice()
	idx := h.GetTag(TagDirIndexes).Int64Slice()
	for i, b := range h.GetTag(TagBaseNames).StringSlice() {
		if i < len(idx) && idx[i] >= 0 && idx[i] < int64(len(dirs)) {
			b = dirs[idx[i]] + b
		}
		names = append(names, b)
	}
	names = append(names, dirs...)
	for _, n := range names {
		if err := CheckFileName(n); err != nil {
			return err
		}
	}
	return nil
}

// CheckFileName is CheckFileNames for one name (or part of one).
func CheckFileName(n string) error {
	if len(n) > MaxPathLen {
		return fmt.Errorf("a file name of %d bytes (more than %d): %.60q…", len(n), MaxPathLen, n)
	}
	if i := strings.IndexFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return fmt.Errorf("file name %q contains the control character %#02x", n, n[i])
	}
	return nil
}

// Verify reads an RPM's lead and both header structures from r and checks
// them as rpm does when it loads a package (the bounds of CheckIntro, among
// them the 256 MiB of data, every entry, the layout) and the file names
// (CheckFileNames). It reads no further than the main header.
func Verify(r io.Reader) error {
	br := bufio.NewReader(r)
	lead := make([]byte, LeadSize)
	if _, err := io.ReadFull(br, lead); err != nil {
		return errors.New("not an RPM (shorter than its lead)")
	}
	if !bytes.Equal(lead[:4], LeadMagic) {
		return errors.New("not an RPM (no lead magic)")
	}
	for _, what := range []string{"signature header", "header"} {
		h, size, err := readStructure(br)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if what == "header" {
			return h.CheckFileNames()
		}
		if pad := (8 - size%8) % 8; pad != 0 {
			if _, err := io.CopyN(io.Discard, br, pad); err != nil {
				return fmt.Errorf("%s: truncated", what)
			}
		}
	}
	return nil
}

// readStructure reads one header structure, checked, and returns it with
// the size of its data store.
func readStructure(r io.Reader) (Header, int64, error) {
	intro := make([]byte, IntroSize)
	if _, err := io.ReadFull(r, intro); err != nil {
		return Header{}, 0, errors.New("truncated")
	}
	nindex, size, err := CheckIntro(intro)
	if err != nil {
		return Header{}, 0, err
	}
	block := make([]byte, nindex*EntrySize+size)
	if _, err := io.ReadFull(r, block); err != nil {
		return Header{}, 0, errors.New("truncated")
	}
	index, data := block[:nindex*EntrySize], block[nindex*EntrySize:]
	if err := Check(index, data); err != nil {
		return Header{}, 0, err
	}
	return New(block, int(nindex)), size, nil
}
