package target

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestLstatBeneathMatchesRoot: lstatNoFollow's one-openat2 way and its
// os.Root way (the tree's descriptor withheld) describe every kind of entry
// alike, and fail alike on a missing component, a file where a directory is
// expected, a link among the parents and a link out of the tree.
func TestLstatBeneathMatchesRoot(t *testing.T) {
	tree := t.TempDir()
	outside := t.TempDir()
	mk := func(rel string, fn func(p string) error) {
		p := filepath.Join(tree, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, fn(p))
	}
	file := func(body string, mode os.FileMode) func(string) error {
		return func(p string) error {
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				return err
			}
			return os.Chmod(p, mode)
		}
	}
	link := func(target string) func(string) error { return func(p string) error { return os.Symlink(target, p) } }
	mk("etc/os-release", file("ID=centos\n", 0o644))
	mk("usr/bin/su", file("#!/bin/sh\n", 0o755|os.ModeSetuid))
	mk("usr/lib/empty", file("", 0o600))
	mk("var/tmp", func(p string) error { return os.Mkdir(p, 0o1777|os.ModeSticky) })
	mk("run/fifo", func(p string) error { return unix.Mkfifo(p, 0o640) })
	mk("etc/localtime", link("../usr/share/zoneinfo/UTC"))
	mk("etc/long", link("/"+fmt.Sprintf("%0200d", 7)))
	mk("lib", link("usr/lib"))
	mk("escape", link(outside))
	if os.Geteuid() == 0 {
		mk("dev/null", func(p string) error { return unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))) })
		mk("etc/shadow", func(p string) error {
			if err := os.WriteFile(p, nil, 0o000); err != nil {
				return err
			}
			return os.Lchown(p, 0, 15)
		})
	}
	fast, err := openDir(t.Context(), tree)
	require.NoError(t, err)
	defer fast.Close()
	slow, err := openDir(t.Context(), tree)
	require.NoError(t, err)
	defer slow.Close()
	unix.Close(slow.rootfd)
	slow.rootfd = -1

	for _, tc := range []struct {
		path string
		fast bool // answered by openat2 alone: no link among the parents
	}{
		{"/", true}, {"/etc", true}, {"/etc/os-release", true}, {"/usr/bin/su", true}, {"/usr/lib/empty", true},
		{"/var/tmp", true}, {"/run/fifo", true}, {"/etc/localtime", true}, {"/etc/long", true}, {"/lib", true},
		{"/escape", true}, {"/dev/null", true}, {"/etc/shadow", true},
		{"/missing", true}, {"/etc/missing/deeper", true}, {"/etc/os-release/below", true},
		// A link among the parents is os.Root's to follow, inside the tree
		// or (out of it) to refuse.
		{"/lib/empty", false}, {"/escape/x", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			want, wantErr := slow.lstatNoFollow(tc.path)
			got, gotErr := fast.lstatNoFollow(tc.path)
			require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr))
			require.Equal(t, want, got)
			_, _, ok := fast.lstatBeneath(tc.path)
			require.Equal(t, tc.fast, ok)
		})
	}
}
