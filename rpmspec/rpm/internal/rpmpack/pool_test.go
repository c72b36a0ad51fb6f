package rpmpack_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	upstream "github.com/google/rpmpack"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/rpm/internal/rpmpack"
)

// build writes the same package with this copy and with upstream rpmpack.
func build(comp string, size int) (ours, theirs []byte, err error) {
	body := bytes.Repeat([]byte(fmt.Sprintf("line of a %d-byte file\n", size)), size/24+1)[:size]
	when := time.Unix(1700000000, 0)
	var a, b bytes.Buffer
	r1, err := rpmpack.NewRPM(rpmpack.RPMMetaData{Name: "p", Version: "1", Release: "1", Arch: "noarch", Compressor: comp, BuildTime: when})
	if err != nil {
		return nil, nil, err
	}
	r1.AddFile(rpmpack.RPMFile{Name: "/usr/share/p/f", Body: body, Mode: 0o100644, MTime: uint32(when.Unix())})
	if err := r1.Write(&a); err != nil {
		return nil, nil, err
	}
	r2, err := upstream.NewRPM(upstream.RPMMetaData{Name: "p", Version: "1", Release: "1", Arch: "noarch", Compressor: comp, BuildTime: when})
	if err != nil {
		return nil, nil, err
	}
	r2.AddFile(upstream.RPMFile{Name: "/usr/share/p/f", Body: body, Mode: 0o100644, MTime: uint32(when.Unix())})
	err = r2.Write(&b)
	return a.Bytes(), b.Bytes(), err
}

// TestPooledZstdIsUpstream: with pooled encoders (used again and again, and
// from several goroutines at once) this copy writes the bytes upstream
// rpmpack writes, for payloads from empty to several zstd blocks.
func TestPooledZstdIsUpstream(t *testing.T) {
	for _, comp := range []string{"zstd", "zstd:1", "zstd:19", "gzip", "xz"} {
		for _, size := range []int{0, 1, 4 << 10, 300 << 10} {
			t.Run(fmt.Sprintf("%s/%d", comp, size), func(t *testing.T) {
				type result struct {
					ours, theirs []byte
					err          error
				}
				results := make([]result, 4)
				var wg sync.WaitGroup
				for i := range results {
					wg.Go(func() {
						r := &results[i]
						r.ours, r.theirs, r.err = build(comp, size)
					})
				}
				wg.Wait()
				for _, r := range results {
					require.NoError(t, r.err)
					require.Equal(t, r.theirs, r.ours)
				}
			})
		}
	}
}
