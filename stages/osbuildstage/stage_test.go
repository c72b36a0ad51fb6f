package osbuildstage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunChecksEverythingBeforeWriting: every kind of bad input is caught
// before the rootfs stages run (the tree stays empty), and is bad input
// (exit 2).
func TestRunChecksEverythingBeforeWriting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		arguments string // "" leaves the file out; TREE is replaced
		env       map[string]string
		metaDir   bool // make the metadata path a directory
		want      string
		badInput  bool
	}{
		{name: "missing arguments", want: "reading the arguments file: no such file or directory", badInput: true},
		{name: "unparsable arguments", arguments: `{"tree": `, want: "not a valid arguments file", badInput: true},
		{name: "unknown option", arguments: `{"tree": "TREE", "options": {"x": 1}}`, want: "options.x: unknown option", badInput: true},
		{name: "bad value", arguments: `{"tree": "TREE", "options": {"memory_max": "12XB"}}`, want: `options.memory_max: "12XB" is not a memory size`, badInput: true},
		{name: "missing tree", arguments: `{"tree": "TREE/nope", "options": {}}`, want: "nope: no such file or directory", badInput: true},
		{name: "epochs disagree", arguments: `{"tree": "TREE", "meta": {"source-epoch": 5}}`, env: map[string]string{"SOURCE_DATE_EPOCH": "6"},
			want: "SOURCE_DATE_EPOCH: 6 disagrees with the arguments' meta.source-epoch 5", badInput: true},
		{name: "metadata file unwritable", arguments: `{"tree": "TREE"}`, metaDir: true, want: "opening the metadata file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runDir, tree := t.TempDir(), t.TempDir()
			paths := PathsFor(runDir)
			if tc.arguments != "" {
				require.NoError(t, os.MkdirAll(filepath.Dir(paths.Arguments), 0o755))
				args := []byte(replaceAll(tc.arguments, "TREE", tree))
				require.NoError(t, os.WriteFile(paths.Arguments, args, 0o644))
			}
			if tc.metaDir {
				require.NoError(t, os.Mkdir(paths.Meta, 0o755))
			}
			_, err := Run(context.Background(), Config{
				Paths:  paths,
				Getenv: func(k string) string { return tc.env[k] },
			})
			require.ErrorContains(t, err, tc.want)
			var bi interface{ BadInput() bool }
			require.Equal(t, tc.badInput, errorsAs(err, &bi) && bi.BadInput(), "bad input: %v", err)
			entries, err := os.ReadDir(tree)
			require.NoError(t, err)
			require.Empty(t, entries)
		})
	}
}

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
