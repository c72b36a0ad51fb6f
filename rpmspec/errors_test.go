package rpmspec_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// TestInputErrors: one InputError type, joined with errors.Join; exit-2
// classification (IsBadInput) through wrapping and joining.
func TestInputErrors(t *testing.T) {
	a := &rpmspec.InputError{File: "a.yaml", Line: 3, Field: "mode", Msg: "bad"}
	b := rpmspec.FileError("b.rpm", fmt.Errorf("reading: %w", fs.ErrNotExist))
	other := errors.New("disk full")

	require.Equal(t, "a.yaml:3: mode: bad", a.Error())
	require.Equal(t, "b.rpm: reading: file does not exist", b.Error())
	require.Equal(t, "--oci \"x\": no", (&rpmspec.InputError{Msg: `--oci "x"`, Err: errors.New("no")}).Error())
	require.ErrorIs(t, b, fs.ErrNotExist, "the cause stays reachable")
	require.ErrorIs(t, b, rpmspec.ErrInvalid)

	require.NoError(t, rpmspec.Errors{}.Err())
	require.Same(t, a, rpmspec.Errors{a}.Err(), "one problem is itself")
	joined := rpmspec.Errors{a, b}.Err()
	require.Equal(t, a.Error()+"\n"+b.Error(), joined.Error())

	for _, tc := range []struct {
		name string
		err  error
		bad  bool
		n    int // InputErrors AsErrors finds
	}{
		{"nil", nil, false, 0},
		{"an input error", a, true, 1},
		{"wrapped", fmt.Errorf("stage x: %w", a), true, 1},
		{"joined, all bad", joined, true, 2},
		{"joined and wrapped", fmt.Errorf("publishing: %w", errors.Join(joined, b)), true, 3},
		{"joined with a failure", errors.Join(a, other), false, 1},
		{"a failure", other, false, 1},
		{"a failure wrapping ErrNotExist", fmt.Errorf("x: %w", fs.ErrNotExist), false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.bad, rpmspec.IsBadInput(tc.err))
			require.Len(t, rpmspec.AsErrors(tc.err), tc.n)
		})
	}
	require.Equal(t, "disk full", rpmspec.AsErrors(other)[0].Msg, "any other error keeps its text")
}
