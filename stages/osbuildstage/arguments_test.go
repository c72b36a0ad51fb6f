package osbuildstage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestParseArguments(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    string // in testdata/arguments, or inline JSON when it starts with {
		tree    string
		options string
		epoch   time.Time
		err     string
	}{
		{name: "as osbuild writes it", file: "osbuild.json", tree: "/run/osbuild/tree",
			options: `{"dropins": ["kvm"], "memory_max": "2G"}`, epoch: time.Unix(1700000000, 0).UTC()},
		{name: "no source epoch", file: "no-epoch.json", tree: "/run/osbuild/tree", options: `{}`},
		{name: "options missing", file: `{"tree": "/t", "meta": {"id": "x"}}`, tree: "/t", options: `{}`},
		{name: "negative epoch", file: "bad-epoch.json", err: "bad-epoch.json: meta.source-epoch: -5 is not a non-negative integer"},
		{name: "fractional epoch", file: `{"tree": "/t", "meta": {"source-epoch": 1.5}}`, err: "meta.source-epoch: 1.5 is not a non-negative integer"},
		{name: "truncated", file: "truncated.json", err: "truncated.json:1: not a valid arguments file: unexpected EOF"},
		{name: "no tree", file: `{"options": {}}`, err: "tree: missing"},
		{name: "relative tree", file: `{"tree": "run/tree"}`, err: `tree: "run/tree" is not an absolute path`},
		{name: "tree of the wrong type", file: `{"tree": 5}`, err: "not a valid arguments file: json: cannot unmarshal number into Go struct field Arguments.tree of type string"},
		{name: "not an object", file: `[]`, err: "not a valid arguments file"},
		{name: "trailing data", file: `{"tree": "/t"} {}`, err: "data after the JSON object"},
		{name: "empty", file: ` `, err: "not a valid arguments file: EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.file)
			name := "arguments"
			if !strings.HasPrefix(strings.TrimSpace(tc.file), "{") && !strings.HasPrefix(tc.file, "[") && strings.TrimSpace(tc.file) != "" {
				var err error
				name = filepath.Join("testdata", "arguments", tc.file)
				data, err = os.ReadFile(name)
				require.NoError(t, err)
			}
			a, err := ParseArguments(bytes.NewReader(data), name)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				var ie *rpmspec.InputError
				require.ErrorAs(t, err, &ie)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.tree, a.Tree)
			require.JSONEq(t, tc.options, string(a.Options))
			epoch, err := a.Epoch()
			require.NoError(t, err)
			require.Equal(t, tc.epoch, epoch)
		})
	}
}

func TestSourceEpoch(t *testing.T) {
	args := func(epoch string) *Arguments {
		a := &Arguments{Tree: "/t"}
		a.Meta.SourceEpoch = jsonNumber(epoch)
		return a
	}
	for _, tc := range []struct {
		name, meta, env string
		want            int64 // -1: zero time
		err             string
	}{
		{"neither", "", "", -1, ""},
		{"meta only", "1700000000", "", 1700000000, ""},
		{"environment only", "", "1600000000", 1600000000, ""},
		{"both agree", "1700000000", "1700000000", 1700000000, ""},
		{"both disagree", "1700000000", "1600000000", 0, "SOURCE_DATE_EPOCH: 1600000000 disagrees with the arguments' meta.source-epoch 1700000000"},
		{"malformed environment", "", "yesterday", 0, `SOURCE_DATE_EPOCH: "yesterday" is not a non-negative integer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sourceEpoch(args(tc.meta), func(k string) string {
				if k == "SOURCE_DATE_EPOCH" {
					return tc.env
				}
				return ""
			})
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			if tc.want < 0 {
				require.True(t, got.IsZero())
				return
			}
			require.Equal(t, time.Unix(tc.want, 0).UTC(), got)
		})
	}
}

// TestPathsFromEnv: the API is under /run/osbuild; RunDirEnv moves it only
// in a build with the test hooks (go test -tags qmbuild_testhooks, as the
// tests that run the stage program build it).
func TestPathsFromEnv(t *testing.T) {
	osbuild := Paths{Arguments: "/run/osbuild/api/arguments", Meta: "/run/osbuild/meta"}
	require.Equal(t, osbuild, PathsFromEnv(func(string) string { return "" }))
	relocated := PathsFromEnv(func(k string) string {
		if k == RunDirEnv {
			return "/tmp/x"
		}
		return ""
	})
	if testHooks {
		require.Equal(t, Paths{Arguments: "/tmp/x/api/arguments", Meta: "/tmp/x/meta"}, relocated)
	} else {
		require.Equal(t, osbuild, relocated, "the product ignores the test variable")
	}
}

func TestOneLine(t *testing.T) {
	err := rpmspec.Errors{
		{Field: "options.a", Msg: "first"},
		{Field: "options.b", Msg: "second"},
	}.Err()
	require.Equal(t, "options.a: first; options.b: second", OneLine(err))
}

// FuzzParseArguments: any input either parses into arguments with an
// absolute tree and an options value, or fails as bad input; never a panic.
func FuzzParseArguments(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "arguments", "*.json"))
	require.NoError(f, err)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArguments(bytes.NewReader(data), "arguments")
		if err != nil {
			var bi interface{ BadInput() bool }
			require.ErrorAs(t, err, &bi)
			require.True(t, bi.BadInput())
			return
		}
		require.True(t, filepath.IsAbs(a.Tree))
		require.NotEmpty(t, a.Options)
		_, err = a.Epoch()
		require.NoError(t, err)
	})
}

func jsonNumber(s string) json.Number { return json.Number(s) }
