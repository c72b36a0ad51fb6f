package rpmspec_test

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestModeHelpers(t *testing.T) {
	for _, tc := range []struct {
		octal string
		mode  fs.FileMode
		bits  uint32
	}{
		{"0644", 0o644, 0o644},
		{"0755", 0o755, 0o755},
		{"4755", fs.ModeSetuid | 0o755, 0o4755},
		{"2750", fs.ModeSetgid | 0o750, 0o2750},
		{"1777", fs.ModeSticky | 0o777, 0o1777},
		{"7000", fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky, 0o7000},
	} {
		t.Run(tc.octal, func(t *testing.T) {
			require.Equal(t, tc.bits, rpmspec.PermBits(tc.mode))
			require.Equal(t, tc.octal, rpmspec.OctalMode(tc.mode))
			require.Equal(t, tc.mode, rpmspec.ModeFromRPM(uint(tc.bits)))
			got, err := rpmspec.ParseOctalMode(tc.octal)
			require.NoError(t, err)
			require.Equal(t, tc.mode, got)
		})
	}
	for _, bad := range []string{"", "0x644", "0888", "17777", "-1"} {
		_, err := rpmspec.ParseOctalMode(bad)
		require.Error(t, err, bad)
	}
	require.Equal(t, "0755", rpmspec.OctalMode(fs.ModeDir|0o755), "type bits are not permissions")
}
