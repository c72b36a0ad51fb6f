package rpm

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNewcHeader: each member's header is the thirteen %08x fields rpm's
// lib/cpio.c writes (the format string rpmcpioHeaderWrite uses), the name
// NUL-terminated and padded to 4 bytes, the body padded to 4.
func TestNewcHeader(t *testing.T) {
	tests := []newcEntry{
		{name: "./usr", ino: 1, mode: 0o40755, nlink: 1, mtime: 1700000000},
		{name: "./usr/share/qm/x", ino: 0xdeadbeef, mode: 0o100644, nlink: 1, mtime: 0xffffffff, body: []byte("hello\n")},
		{name: newcTrailer, nlink: 1},
	}
	for _, e := range tests {
		t.Run(e.name, func(t *testing.T) {
			var b bytes.Buffer
			w := &newcWriter{w: &b}
			require.NoError(t, w.write(e))
			want := fmt.Sprintf("%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
				newcMagic, e.ino, e.mode, 0, 0, e.nlink, e.mtime, len(e.body), 0, 0, 0, 0, len(e.name)+1, 0)
			want += e.name + "\x00"
			for len(want)%4 != 0 {
				want += "\x00"
			}
			want += string(e.body)
			for len(want)%4 != 0 {
				want += "\x00"
			}
			require.Equal(t, want, b.String())
			require.Equal(t, int64(len(want)), w.n)
		})
	}
}
