package cleanup

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name       string
		register   int
		unregister []int // indexes unregistered before Run
		want       []int // undos run, in order
	}{
		{"none", 0, nil, nil},
		{"newest first", 3, nil, []int{2, 1, 0}},
		{"unregistered ones do not run", 3, []int{1}, []int{2, 0}},
		{"all unregistered", 2, []int{0, 1, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ran []int
			var unreg []func()
			for i := range tc.register {
				unreg = append(unreg, Register(func() { ran = append(ran, i) }))
			}
			for _, i := range tc.unregister {
				unreg[i]()
			}
			Run()
			require.Equal(t, tc.want, ran)
			require.Zero(t, Pending())
			Run() // each runs once
			require.Equal(t, tc.want, ran)
		})
	}
}

func TestRunSurvivesAPanic(t *testing.T) {
	ran := false
	Register(func() { ran = true })
	Register(func() { panic("boom") })
	require.NotPanics(t, Run)
	require.True(t, ran)
}
