package target

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// genFile is one file of a generated layer: size bytes of fill.
type genFile struct {
	name string
	size int64
	fill byte
}

// repeatReader yields one byte forever.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// genLayer streams a tar layer without holding it in memory.
func genLayer(files []genFile) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			tw := tar.NewWriter(pw)
			for _, f := range files {
				if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: f.size}); err != nil {
					pw.CloseWithError(err)
					return
				}
				if _, err := io.CopyN(tw, repeatReader(f.fill), f.size); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			pw.CloseWithError(tw.Close())
		}()
		return pr, nil
	}
}

func flattenGen(t *testing.T, lim Limits, files []genFile) (*imageFS, error) {
	t.Helper()
	img := &imageSpec{layers: []layerSource{{name: "layer 1", open: genLayer(files), size: -1, comp: compressNone}}}
	return flattenImage(context.Background(), img, t.TempDir(), lim.withDefaults(), nil)
}

// TestSpoolKeepsOnlyWhatRulesRead: the spool holds files a rule may read
// (up to MaxReadFile), writes no runs of zeros, and keeps only the head of a
// larger file: a decompression bomb of zeros costs no disk.
func TestSpoolKeepsOnlyWhatRulesRead(t *testing.T) {
	fsys, err := flattenGen(t, Limits{}, []genFile{
		{name: "zeros-big", size: 3 * MaxReadFile, fill: 0},
		{name: "zeros-small", size: MaxReadFile / 2, fill: 0},
		{name: "big-elf", size: MaxReadFile + 1, fill: 0x7f},
		{name: "conf", size: 100, fill: 'a'},
	})
	require.NoError(t, err)
	defer fsys.Close()
	used, size := spoolBytes(t, fsys)
	require.Equal(t, int64(100), used, "only the 100 bytes of conf were written")
	require.Equal(t, int64(MaxReadFile/2+100), size, "the small zero file is a hole in the spool")
	data, err := ReadFile(fsys, "/zeros-small")
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{0}, MaxReadFile/2), data)
	_, err = ReadFile(fsys, "/zeros-big")
	require.ErrorContains(t, err, "larger than")
	_, err = fsys.Open("/big-elf")
	require.ErrorContains(t, err, "only its first bytes are kept")
	heads := map[string][]byte{}
	require.NoError(t, fsys.Walk(func(e Entry, head []byte) error {
		heads[e.Path] = bytes.Clone(head)
		return nil
	}, WalkOptions{Head: true}))
	require.Equal(t, bytes.Repeat([]byte{0x7f}, HeadSize), heads["/big-elf"], "a big file keeps its head for the ELF rules")
	require.Equal(t, bytes.Repeat([]byte{'a'}, HeadSize), heads["/conf"])
}

// TestLimits: every limit is an error naming it, before the resource is
// spent.
func TestLimits(t *testing.T) {
	many := func(n int, name func(int) string) []entry {
		var out []entry
		for i := 0; i < n; i++ {
			out = append(out, entry{name: name(i), body: "x"})
		}
		return out
	}
	labelled := func(n int) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for i := 0; i < n; i++ {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: fmt.Sprint(i), Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatPAX,
				PAXRecords: map[string]string{selinuxPAX: fmt.Sprintf("u:r:t%d:s0", i)}}))
		}
		require.NoError(t, tw.Close())
		return b.Bytes()
	}
	for _, tc := range []struct {
		name   string
		lim    Limits
		layers [][]byte
		want   string
	}{
		{"entries", Limits{MaxEntries: 10}, [][]byte{tarBytes(t, many(11, func(i int) string { return fmt.Sprint(i) }))}, "MaxEntries"},
		{"implicit directories count", Limits{MaxEntries: 10}, [][]byte{tarBytes(t, many(1, func(int) string { return strings.Repeat("d/", 10) + "f" }))}, "MaxEntries"},
		{"headers", Limits{MaxHeaders: 10}, [][]byte{tarBytes(t, many(11, func(int) string { return "same" }))}, "MaxHeaders"},
		{"path", Limits{MaxPath: 100}, [][]byte{tarBytes(t, many(1, func(int) string { return strings.Repeat("a/", 60) + "f" }))}, "MaxPath"},
		{"name", Limits{}, [][]byte{tarBytes(t, many(1, func(int) string { return strings.Repeat("n", 256) }))}, "MaxName"},
		{"link", Limits{}, [][]byte{tarBytes(t, []entry{{name: "l", typ: tar.TypeSymlink, link: strings.Repeat("x", 4096)}})}, "MaxLink"},
		{"labels", Limits{MaxLabels: 5}, [][]byte{labelled(6)}, "MaxLabels"},
		{"metadata", Limits{MaxMeta: 1000}, [][]byte{tarBytes(t, []entry{{name: "l", typ: tar.TypeSymlink, link: strings.Repeat("x", 1001)}})}, "MaxMeta"},
		{"layers", Limits{MaxLayers: 2}, [][]byte{tarBytes(t, nil), tarBytes(t, nil), tarBytes(t, nil)}, "MaxLayers"},
		{"unpacked", Limits{MaxUnpacked: 4096}, [][]byte{tarBytes(t, []entry{{name: "f", body: strings.Repeat("x", 5000)}})}, "MaxUnpacked"},
		{"spool", Limits{MaxSpool: 1 << 20}, [][]byte{tarBytes(t, many(3, func(i int) string { return fmt.Sprint(i) }))}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			fsys, err := flattenBytes(tmp, tc.lim, tc.layers...)
			if tc.want == "" {
				require.NoError(t, err)
				fsys.Close()
				return
			}
			var le *LimitError
			require.True(t, errors.As(err, &le), "%T %v", err, err)
			require.Equal(t, tc.want, le.Limit)
			require.True(t, le.BadInput())
			left, _ := os.ReadDir(tmp)
			require.Empty(t, left)
		})
	}
	t.Run("archive members", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "a.tar")
		require.NoError(t, os.WriteFile(f, tarBytes(t, many(11, func(i int) string { return fmt.Sprint(i) })), 0o644))
		_, err := Open(f, Options{TempDir: t.TempDir(), Limits: Limits{MaxMembers: 10}})
		var le *LimitError
		require.True(t, errors.As(err, &le), "%T %v", err, err)
		require.Equal(t, "MaxMembers", le.Limit)
	})
	t.Run("spool", func(t *testing.T) {
		var files []genFile
		for i := 0; i < 20; i++ {
			files = append(files, genFile{name: fmt.Sprint(i), size: 1 << 20, fill: 'a'})
		}
		_, err := flattenGen(t, Limits{MaxSpool: 4 << 20}, files)
		var le *LimitError
		require.True(t, errors.As(err, &le), "%T %v", err, err)
		require.Equal(t, "MaxSpool", le.Limit)
		require.Equal(t, int64(256<<20+16*1000), Limits{}.spoolLimit(1000), "the default grows with the image")
	})
}

// TestZstdWindowIsBounded: a zstd frame asking for a window larger than
// zstdMaxWindow (here 1 GiB) is refused instead of allocated.
func TestZstdWindowIsBounded(t *testing.T) {
	layer := tarBytes(t, []entry{{name: "f", body: "x"}})
	// RFC 8878 3.1.1: magic, a frame header descriptor with no content size
	// (so the window descriptor is present), window log 10+20, then one raw
	// last block.
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3}
	bh := 1 | len(layer)<<3
	frame = append(frame, byte(bh), byte(bh>>8), byte(bh>>16))
	frame = append(frame, layer...)
	_, err := flattenBytes(t.TempDir(), Limits{}, frame)
	require.ErrorIs(t, err, zstd.ErrWindowSizeExceeded)
	frame[5] = 10 << 3 // a 1 MiB window: the same frame reads
	fsys, err := flattenBytes(t.TempDir(), Limits{}, frame)
	require.NoError(t, err)
	fsys.Close()
}
