package input_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rpmspec/input"
)

// TestReadFile: a regular file within its limit is read; a FIFO, a device,
// a directory or a file over the limit is refused at once, with an error
// naming it that IsBadInput recognises; a missing file is fs.ErrNotExist.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, []byte("hello"), 0o644))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, unix.Mkfifo(fifo, 0o644))
	for _, tc := range []struct {
		name, path string
		limit      int64
		want       string // error; "" reads "hello"
	}{
		{"regular", file, 5, ""},
		{"over the limit", file, 4, file + ": is larger than 4 bytes (the limit for this input)"},
		{"fifo", fifo, 1 << 20, fifo + ": is a FIFO, not a regular file"},
		{"device", "/dev/zero", 1 << 20, "/dev/zero: is a character device, not a regular file"},
		{"directory", dir, 1 << 20, dir + ": is a directory, not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := input.ReadFile(tc.path, tc.limit)
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, "hello", string(data))
				return
			}
			require.EqualError(t, err, tc.want)
			require.True(t, input.IsBadInput(err))
		})
	}
	_, err := input.ReadFile(filepath.Join(dir, "missing"), 1)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.False(t, input.IsBadInput(err))
}

// TestOpenIn: inside a root, a name cannot leave it, and a FIFO is refused.
func TestOpenIn(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "out")))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	_, err = input.ReadFileIn(root, "fifo", 10)
	var nr *input.NotRegularError
	require.ErrorAs(t, err, &nr)
	_, err = input.ReadFileIn(root, "out", 1<<20)
	require.Error(t, err)
	require.Contains(t, err.Error(), "escapes")
}

// TestReadAllFollowsContext: a cancelled context ends a read.
func TestReadAllFollowsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := input.ReadAll(ctx, strings.NewReader("x"), "r", 10)
	require.True(t, errors.Is(err, context.Canceled))
}
