package header_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/header"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
)

// edgeRPM is a real RPM: the edge-case fixture's main package as qm-build's
// writer makes it.
func edgeRPM(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, rpm.Write(&b, rpmtest.EdgePackages()[0], rpm.Options{BuildTime: rpmtest.Epoch}))
	return b.Bytes()
}

// headers splits an RPM into its signature and main headers.
func headers(t testing.TB, data []byte) (sig, main header.Header, mainAt int) {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, header.LeadMagic))
	sig, n, err := header.Parse(data[header.LeadSize:])
	require.NoError(t, err)
	mainAt = header.LeadSize + n + (8-n%8)%8
	main, _, err = header.Parse(data[mainAt:])
	require.NoError(t, err)
	return sig, main, mainAt
}

// TestReadsARealRPM: the main header's name, version, file list and sizes
// read as the writer wrote them.
func TestReadsARealRPM(t *testing.T) {
	sig, main, _ := headers(t, edgeRPM(t))
	require.Equal(t, "qm", main.GetTag(1000).String())                          // RPMTAG_NAME
	require.Equal(t, "2.5", main.GetTag(1001).String())                         // RPMTAG_VERSION
	require.Contains(t, main.GetTag(1118).StringSlice(), "/usr/share/qm/edge/") // RPMTAG_DIRNAMES
	require.Contains(t, main.GetTag(1117).StringSlice(), "percent.txt")         // RPMTAG_BASENAMES
	require.Equal(t, int64(rpmtest.Epoch.Unix()), main.GetTag(1006).Int64())
	require.True(t, sig.GetTag(273).Exists(), "RPMSIGTAG_SHA256")
	require.False(t, main.GetTag(999999).Exists())
	require.Empty(t, main.GetTag(1000).Int64Slice(), "a string is no integer")
}

// TestEncodeSignatureRoundTrips: a signature header rewritten from its own
// entries parses back to the same entries, padded to 8 bytes, with the
// region first.
func TestEncodeSignatureRoundTrips(t *testing.T) {
	sig, _, _ := headers(t, edgeRPM(t))
	out := header.EncodeSignature(sig.Entries())
	require.Zero(t, (len(out)-header.IntroSize)%8)
	again, _, err := header.Parse(out)
	require.NoError(t, err)
	require.Equal(t, sig.Entries(), again.Entries())
	require.Equal(t, uint32(header.TagHeaderSignatures), again.Entries()[0].Tag)
}

// TestEncodeRoundTrips: the main header and the signature header, encoded
// anew from their own entries, are the bytes the writer wrote (which
// TestHeaderMatchesRPMPack compares with rpmpack's), and a header of
// unsorted entries with every type sorts them and aligns each integer.
func TestEncodeRoundTrips(t *testing.T) {
	data := edgeRPM(t)
	sig, main, mainAt := headers(t, data)
	_, mainLen, err := header.Parse(data[mainAt:])
	require.NoError(t, err)
	require.Equal(t, data[mainAt:mainAt+mainLen], header.Encode(header.TagHeaderImmutable, main.Entries()))
	require.Equal(t, data[header.LeadSize:mainAt], header.EncodeSignature(sig.Entries()))

	tests := []struct {
		name    string
		entries []header.Entry
	}{
		{"empty", nil},
		{"one string", []header.Entry{{Tag: 1000, Type: header.TypeString, Count: 1, Data: []byte("qm\x00")}}},
		{"every type, unsorted", []header.Entry{
			{Tag: 1030, Type: header.TypeInt16, Count: 1, Data: []byte{0x81, 0xa4}},
			{Tag: 1000, Type: header.TypeString, Count: 1, Data: []byte("q\x00")},
			{Tag: 1028, Type: header.TypeInt32, Count: 1, Data: []byte{0, 0, 0, 7}},
			{Tag: 1005, Type: header.TypeBin, Count: 3, Data: []byte{1, 2, 3}},
			{Tag: 5000, Type: header.TypeInt64, Count: 1, Data: []byte{0, 0, 0, 0, 0, 0, 0, 9}},
			{Tag: 1117, Type: header.TypeStringArray, Count: 2, Data: []byte("a\x00bc\x00")},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := header.Encode(header.TagHeaderImmutable, tc.entries)
			h, n, err := header.Parse(out)
			require.NoError(t, err)
			require.Equal(t, len(out), n)
			got := h.Entries()
			require.Equal(t, uint32(header.TagHeaderImmutable), got[0].Tag, "the region first")
			require.Len(t, got, len(tc.entries)+1)
			byTag := map[uint32]header.Entry{}
			for _, e := range tc.entries {
				byTag[e.Tag] = e
			}
			for i, e := range got[1:] {
				if i > 0 {
					require.Less(t, got[i].Tag, e.Tag, "sorted by tag")
				}
				require.Equal(t, byTag[e.Tag], e)
				off := binary.BigEndian.Uint32(out[header.IntroSize+(i+1)*header.EntrySize+8:])
				switch e.Type {
				case header.TypeInt16:
					require.Zero(t, off%2)
				case header.TypeInt32:
					require.Zero(t, off%4)
				case header.TypeInt64:
					require.Zero(t, off%8)
				}
			}
		})
	}
}

// TestPutInt32: a one-value INT32 entry is set in place, in the bytes the
// header was read from; other entries and absent tags are refused.
func TestPutInt32(t *testing.T) {
	data := edgeRPM(t)
	sig, _, _ := headers(t, data)
	const sigSize = 1000 // RPMSIGTAG_SIZE
	require.Equal(t, int64(len(data)-header.LeadSize-sigLen(t, data)), sig.GetTag(sigSize).Int64()+int64(headerPad(t, data)))
	require.NoError(t, sig.GetTag(sigSize).PutInt32(12345))
	again, _, _ := headers(t, data)
	require.Equal(t, int64(12345), again.GetTag(sigSize).Int64())
	require.Error(t, again.GetTag(999999).PutInt32(1), "an absent tag")
	require.Error(t, again.GetTag(273).PutInt32(1), "RPMSIGTAG_SHA256 is a string")
}

// sigLen is the signature header's length; headerPad the padding after it.
func sigLen(t *testing.T, data []byte) int {
	_, n, err := header.Parse(data[header.LeadSize:])
	require.NoError(t, err)
	return n
}

func headerPad(t *testing.T, data []byte) int {
	n := sigLen(t, data)
	return (8 - n%8) % 8
}

// TestDamageIsAnError: every kind of damage to a header is an error, never
// a panic or a read outside the data.
func TestDamageIsAnError(t *testing.T) {
	data := edgeRPM(t)
	_, _, mainAt := headers(t, data)
	hdr := data[mainAt:]
	entry := func(i int) int { return header.IntroSize + i*header.EntrySize }
	for _, tc := range []struct {
		name  string
		patch func(b []byte)
		want  string
	}{
		{"bad magic", func(b []byte) { b[0] = 0 }, "bad magic"},
		{"no entries", func(b []byte) { binary.BigEndian.PutUint32(b[8:], 0) }, "0 entries"},
		{"too many entries", func(b []byte) { binary.BigEndian.PutUint32(b[8:], header.MaxEntries+1) }, "entries"},
		{"data past the end", func(b []byte) { binary.BigEndian.PutUint32(b[12:], header.MaxData) }, "truncated"},
		{"unknown type", func(b []byte) { binary.BigEndian.PutUint32(b[entry(1)+4:], 42) }, "unknown type 42"},
		{"offset past the data", func(b []byte) { binary.BigEndian.PutUint32(b[entry(1)+8:], 0xffffff) }, "past the data"},
		{"count out of range", func(b []byte) { binary.BigEndian.PutUint32(b[entry(1)+12:], 0) }, "count 0 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(hdr)
			tc.patch(b)
			_, _, err := header.Parse(b)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, _, err := header.Parse(hdr[:40])
	require.Error(t, err, "truncated")
}

// FuzzParse: any bytes parse into a header whose values can all be read,
// or give an error.
func FuzzParse(f *testing.F) {
	data := edgeRPM(f)
	_, _, mainAt := headers(f, data)
	f.Add(data[header.LeadSize:])
	f.Add(data[mainAt:])
	f.Add(header.EncodeSignature(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := header.Parse(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, n, len(b))
		for _, e := range h.Entries() {
			v := h.GetTag(int(e.Tag))
			_, _, _ = v.String(), v.StringSlice(), v.Int64Slice()
			_ = v.Int64()
		}
	})
}

// FuzzVerify: any bytes are either an RPM whose headers rpm would load
// (Verify) or an error, never a panic; what Verify accepts, Parse reads.
func FuzzVerify(f *testing.F) {
	data := edgeRPM(f)
	f.Add(data)
	f.Add(data[:header.LeadSize+40])
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := header.Verify(bytes.NewReader(b)); err != nil {
			return
		}
		_, _, err := header.Parse(b[header.LeadSize:])
		require.NoError(t, err)
	})
}
