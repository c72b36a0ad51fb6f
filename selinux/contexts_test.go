package selinux

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
)

func TestGeneratedFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"host.file_contexts", HostFileContexts()},
		{"qm.file_contexts", QMFileContexts()},
		{"nested.contexts", NestedContexts()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", tc.name), tc.data)
			if strings.HasSuffix(tc.name, "file_contexts") {
				_, err := ParseFileContexts(bytes.NewReader(tc.data), tc.name)
				require.NoError(t, err, "a generated file_contexts parses")
			}
		})
	}
}

// TestQMFileContextsFollowHost checks the derivation with the matcher: a
// path inside QM gets, from QMFileContexts, the type its host path gets from
// HostFileContexts.
func TestQMFileContextsFollowHost(t *testing.T) {
	host, err := ParseFileContexts(bytes.NewReader(HostFileContexts()), "host")
	require.NoError(t, err)
	inside, err := ParseFileContexts(bytes.NewReader(QMFileContexts()), "qm")
	require.NoError(t, err)
	for _, tc := range []struct{ host, inside string }{
		{"/usr/lib/qm/rootfs", "/"},
		{"/usr/lib/qm/rootfs/usr/bin/podman", "/usr/bin/podman"},
		{"/usr/lib/qm/rootfs/usr/libexec/bluechi-agent", "/usr/libexec/bluechi-agent"},
		{"/usr/lib/qm/rootfs/var/lib/containers/storage/overlay/l1", "/var/lib/containers/storage/overlay/l1"},
		{"/usr/lib/qm/rootfs/var/lib/containers/storage/volumes", "/var/lib/containers/storage/volumes"},
		{"/var/qm/lib/containers/storage/overlay-images", "/var/lib/containers/storage/overlay-images"},
		{"/etc/qm/containers/containers.conf", "/etc/containers/containers.conf"},
		{"/usr/lib/qm/rootfs/run/ipc/ipc.socket", "/run/ipc/ipc.socket"},
	} {
		t.Run(tc.inside, func(t *testing.T) {
			h, ok := host.Lookup(tc.host, 0)
			require.True(t, ok)
			q, ok := inside.Lookup(tc.inside, 0)
			require.True(t, ok)
			require.Equal(t, h, q)
		})
	}
}

func TestNestedTypesAreDeclared(t *testing.T) {
	te := string(mustReadPolicy(TEFile))
	for _, n := range NestedTypes {
		decl := "type " + n.Type + ","
		if strings.HasSuffix(n.Type, "_t") && n.Role == "system_r" {
			decl = "qm_container_domain_template(" + strings.TrimSuffix(n.Type, "_t") + ")"
		}
		require.Contains(t, te, decl, n.Key)
	}
}

func TestWithModuleVersion(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"first line", "policy_module(qm, 1.0)\nrest\n", "policy_module(qm, 2.5)\nrest\n"},
		{"no newline at the end", "x\npolicy_module(qm, 1.0)", "x\npolicy_module(qm, 2.5)"},
		{"every such line", "policy_module(qm, 1)\npolicy_module(qm, 2)\n", "policy_module(qm, 2.5)\npolicy_module(qm, 2.5)\n"},
		{"not the whole line", "policy_module(qm, 1.0) # v\n", ""},
		{"a parenthesis in the version", "policy_module(qm, 1.0))\n", ""},
		{"another module", "policy_module(other, 1.0)\n", ""},
		{"indented", " policy_module(qm, 1.0)\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := withModuleVersion([]byte(tc.in), "2.5")
			require.Equal(t, tc.want != "", ok)
			if ok {
				require.Equal(t, tc.want, string(got))
			} else {
				require.Equal(t, tc.in, string(got), "unchanged")
			}
		})
	}
}

func TestSources(t *testing.T) {
	t.Run("the embedded module version is the default package version", func(t *testing.T) {
		var versions []string
		for line := range strings.Lines(string(mustReadPolicy(TEFile))) {
			if v, ok := moduleVersionLine([]byte(strings.TrimSuffix(line, "\n"))); ok {
				versions = append(versions, v)
			}
		}
		require.Equal(t, []string{rpmspec.DefaultVersion}, versions)
	})
	t.Run("the version is written into qm.te", func(t *testing.T) {
		srcs, err := Sources("2.5.1")
		require.NoError(t, err)
		require.Equal(t, []string{TEFile, IFFile, FCFile, CompatIFFile}, []string{srcs[0].Name, srcs[1].Name, srcs[2].Name, srcs[3].Name})
		require.True(t, strings.HasPrefix(string(srcs[0].Data), "policy_module(qm, 2.5.1)\n"))
		require.NotContains(t, string(srcs[0].Data), "policy_module(qm, 1.0)")
	})
	for _, v := range []string{"1.0~rc1", "1.0+git", "1.0^post", "v1", ""} {
		t.Run("rejects "+v, func(t *testing.T) {
			_, err := Sources(v)
			var ie *rpmspec.InputError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, "--pkg-version", ie.Field)
		})
	}
	t.Run("no apostrophe inside an m4-quoted block of qm.te", func(t *testing.T) {
		// An apostrophe ends an m4 quote; in a comment inside
		// optional_policy it silently truncates the block.
		depth := 0
		for i, line := range strings.Split(string(mustReadPolicy(TEFile)), "\n") {
			for _, c := range line {
				if c == '#' && depth == 0 {
					break // an m4 comment, outside any quote
				}
				switch c {
				case '`':
					depth++
				case '\'':
					depth--
				}
			}
			require.GreaterOrEqual(t, depth, 0, "qm.te:%d", i+1)
		}
		require.Zero(t, depth)
	})
}

func TestModuleInfoErrors(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not a pp":  []byte("hello world, this is not a policy package"),
		"truncated": {0x8f, 0xff, 0x7c, 0xf9, 1, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0, 0x8d, 0xff, 0x7c, 0xf9, 0xff, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ModuleInfo(data)
			require.Error(t, err)
		})
	}
}
