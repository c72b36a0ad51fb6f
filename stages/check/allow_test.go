package check

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestParseAllowFull(t *testing.T) {
	f, err := os.Open("testdata/allow/full.allow")
	require.NoError(t, err)
	defer f.Close()
	p, err := ParseAllow(f, "full.allow")
	require.NoError(t, err)
	require.Len(t, p.Statements, 12)
	require.Equal(t, AllowStatement{File: "full.allow", Line: 2, Keyword: "asil-unit", Value: "brakes.service",
		Reason: "Every statement of the allow file, once (the README's example)."}, p.Statements[0])
	require.Equal(t, AllowStatement{File: "full.allow", Line: 4, Keyword: "writable-qm"}, p.Statements[2])
	p.Statements = nil
	require.Equal(t, Policy{
		ASILUnits:      []string{"brakes.service", "steering.service"},
		WritableQM:     true,
		TCPControllers: []string{"192.0.2.10:842", "controller.example"},
		Devices:        []string{"/dev/ttyUSB1"},
		Setuid:         []string{"/usr/bin/sudo"},
		Volumes:        []string{"/srv/maps"},
		Symlinks:       []string{"/etc/qm/localtime"},
		MemoryMax:      "2G",
		MemoryHigh:     "1536M",
		CPUWeight:      "50",
	}, p)
}

// TestParseAllowErrors: every problem is reported at once, each naming its
// line, and the error is bad input.
func TestParseAllowErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/allow/errors.allow")
	require.NoError(t, err)
	_, err = ParseAllow(strings.NewReader(string(data)), "errors.allow")
	require.Error(t, err)
	es := rpmspec.AsErrors(err)
	var bi interface{ BadInput() bool }
	require.True(t, errors.As(err, &bi) && bi.BadInput())
	want := []string{
		"errors.allow:1: asil-unit: \"brakes\" is not a unit name",
		"errors.allow:2: writable-qm: takes 0 argument(s), got 1",
		"errors.allow:3: memory-max: \"lots\" is not a systemd memory limit",
		"errors.allow:4: memory-max: given twice (first on line 3)",
		"errors.allow:5: memory-max: given twice (first on line 3)",
		"errors.allow:6: device: \"/tmp/x\" is not under /dev",
		"errors.allow:7: frobnicate: unknown statement",
		"errors.allow:8: tcp-controller: port \"99999\" is not 1..65535",
		"errors.allow:9: volume: \"relative/path\" is not an absolute, clean path",
	}
	require.Len(t, es, len(want), err.Error())
	for i, w := range want {
		require.Contains(t, es[i].Error(), w)
	}
}

// TestAllowReasons: a statement's reason is the comment on its line, else
// the comment lines right above it; a blank line ends a comment block.
func TestAllowReasons(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"trailing comment", "setuid /usr/bin/sudo # the vendor's updater needs it\n", "the vendor's updater needs it"},
		{"comment block above", "# brakes run ASIL-B\n# (safety case 12)\nasil-unit brakes.service\n", "brakes run ASIL-B (safety case 12)"},
		{"blank line between", "# unrelated\n\nwritable-qm\n", ""},
		{"trailing wins", "# above\nwritable-qm # here\n", "here"},
		{"no reason", "writable-qm\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseAllow(strings.NewReader(tc.text), "a.allow")
			require.NoError(t, err)
			require.Len(t, p.Statements, 1)
			require.Equal(t, tc.want, p.Statements[0].Reason)
			require.NotEmpty(t, allowRules()[p.Statements[0].Keyword], "every keyword names the rules that consult it")
		})
	}
	for kw := range allowKeywords() {
		require.NotEmpty(t, allowRules()[kw], "%s: the rules that consult it", kw)
	}
}

func TestParseAllowEmpty(t *testing.T) {
	p, err := ParseAllow(strings.NewReader("\n# nothing\n"), "x")
	require.NoError(t, err)
	require.Equal(t, Policy{}, p)
}

// FuzzParseAllow: any input parses or fails with bad-input errors naming a
// line; a parsed policy holds only validated values.
func FuzzParseAllow(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/allow/*.allow")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseAllow(strings.NewReader(string(data)), "fuzz.allow")
		if err != nil {
			var bi interface{ BadInput() bool }
			if !errors.As(err, &bi) || !bi.BadInput() {
				t.Fatalf("error is not bad input: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.allow:") {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		for _, d := range p.Devices {
			if validDevice(d) != nil {
				t.Fatalf("accepted device %q", d)
			}
		}
		for _, u := range p.ASILUnits {
			if validUnitName(u) != nil {
				t.Fatalf("accepted unit %q", u)
			}
		}
		if p.MemoryMax != "" && validMemory(p.MemoryMax) != nil {
			t.Fatalf("accepted memory-max %q", p.MemoryMax)
		}
	})
}
