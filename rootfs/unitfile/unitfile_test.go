package unitfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qm-build/qm-build/test/golden"
	"github.com/stretchr/testify/require"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func parseFixture(t testing.TB, name string) *File {
	t.Helper()
	f, err := ParseBytes(readFixture(t, name), name)
	require.NoError(t, err)
	return f
}

func TestRoundTripIsByteExact(t *testing.T) {
	for _, name := range []string{"qm.container", "continuation.service", "crlf-bom.service", "10-memory.conf", "20-devices.conf"} {
		t.Run(name, func(t *testing.T) {
			data := readFixture(t, name)
			f, err := Parse(bytes.NewReader(data), name)
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, f.Write(&out))
			require.Equal(t, string(data), out.String())
		})
	}
}

func TestRoundTripOfSmallInputs(t *testing.T) {
	for _, in := range []string{"", "\n", "\n\n", "# only a comment", "[A]", "[A]\n", "[A]\nk=v", "  [A]  \n k = v \n", "[A]\nk=v\\\n"} {
		t.Run(in, func(t *testing.T) {
			f, err := ParseBytes([]byte(in), "x")
			require.NoError(t, err)
			require.Equal(t, in, f.String())
		})
	}
}

func TestLookups(t *testing.T) {
	qm := parseFixture(t, "qm.container")
	cont := parseFixture(t, "continuation.service")
	crlf := parseFixture(t, "crlf-bom.service")
	for _, tc := range []struct {
		name         string
		f            *File
		section, key string
		want         string
		ok           bool
		all          []string
		line         int
	}{
		{"single value", qm, "Container", "ContainerName", "qm", true, []string{"qm"}, 17},
		{"last of repeated wins", qm, "Container", "SecurityLabelNested", "true", true, []string{"true", "true"}, 24},
		{"list keeps order", qm, "Container", "Volume", "${RWVARFS}:/var", true, []string{"${RWETCFS}:/etc", "${RWVARFS}:/var"}, 26},
		{"value with spaces", qm, "Container", "DropCapability", "sys_boot sys_resource", true, []string{"sys_boot sys_resource"}, 16},
		{"missing key", qm, "Container", "Image", "", false, nil, 0},
		{"missing section", qm, "Pod", "Network", "", false, nil, 0},
		{"continued value, comment skipped, backslash becomes a space", cont, "Service", "ExecStart", `/bin/echo trailing\\`, true,
			[]string{"/usr/bin/tool      --first      --second", `/bin/echo trailing\\`}, 15},
		{"whitespace around '=' is not significant", cont, "Service", "Environment", "C=3", true, []string{"C=3"}, 12},
		{"empty assignment resets the list", cont, "Service", "Environment", "C=3", true, []string{"C=3"}, 12},
		{"repeated section header counts as one", cont, "Service", "Restart", "on-failure", true, []string{"on-failure"}, 14},
		{"CRLF and BOM", crlf, "Install", "WantedBy", "multi-user.target", true, []string{"multi-user.target"}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := tc.f.Lookup(tc.section, tc.key)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, v)
			require.Equal(t, tc.all, tc.f.LookupAll(tc.section, tc.key))
			e, _ := tc.f.LookupEntry(tc.section, tc.key)
			require.Equal(t, tc.line, e.Line)
			if ok {
				require.Equal(t, tc.f.Name, e.File)
			}
		})
	}
}

func TestEntriesKeepPositions(t *testing.T) {
	f := parseFixture(t, "continuation.service")
	var got []string
	for _, e := range f.Entries() {
		got = append(got, e.Pos()+" "+e.Section+"."+e.Key)
	}
	require.Equal(t, []string{
		"continuation.service:2 Unit.Description",
		"continuation.service:3 Unit.Documentation",
		"continuation.service:6 Service.ExecStart",
		"continuation.service:10 Service.Environment",
		"continuation.service:11 Service.Environment",
		"continuation.service:12 Service.Environment",
		"continuation.service:14 Service.Restart",
		"continuation.service:15 Service.ExecStart",
	}, got)
	require.Equal(t, []string{"Unit", "Service"}, f.Sections())
	require.Equal(t, []string{"ExecStart", "Environment", "Restart"}, f.Keys("Service"))
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"assignment before any section", "# c\nKey=v\n", "x.conf:2: assignment \"Key=v\" outside of a section"},
		{"not an assignment", "[A]\nk=v\njust words\n", "x.conf:3: line \"just words\" is not an assignment"},
		{"header without ]", "[A]\n[Broken\n", "x.conf:2: invalid section header \"[Broken\""},
		{"empty section name", "[]\n", "x.conf:1: invalid section name \"\""},
		{"bracket in section name", "[A]B]\n", "x.conf:1: invalid section name \"A]B\""},
		{"empty key", "[A]\n =v\n", "x.conf:2: invalid key \"\""},
		{"continued line reported at its start", "[A]\nk=v\nnot \\\nassignment\n", "x.conf:3: line \"not  assignment\" is not an assignment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBytes([]byte(tc.in), "x.conf")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			require.True(t, pe.BadInput())
		})
	}
}

func TestBuildInCode(t *testing.T) {
	f := New("built.conf")
	f.AddComment("", "Made in code.")
	f.Add("Container", "Volume", "/a:/a")
	f.Add("Service", "MemoryMax", "1G")
	f.Add("Container", "Volume", "/b:/b")
	f.Set("Service", "MemoryMax", "2G")
	f.Add("Unit", "RequiresMountsFor", "/var/qm")
	want := "# Made in code.\n\n[Container]\nVolume=/a:/a\nVolume=/b:/b\n\n[Service]\nMemoryMax=2G\n\n[Unit]\nRequiresMountsFor=/var/qm\n"
	require.Equal(t, want, f.String())

	back, err := ParseBytes(f.Bytes(), "built.conf")
	require.NoError(t, err)
	require.Equal(t, f.String(), back.String())
	require.Equal(t, []string{"/a:/a", "/b:/b"}, back.LookupAll("Container", "Volume"))

	f.Unset("Container", "Volume")
	require.Empty(t, f.LookupAll("Container", "Volume"))
	require.True(t, f.HasSection("Container"))
}

func TestAddIntoParsedFileKeepsSectionSeparation(t *testing.T) {
	f := parseFixture(t, "qm.container")
	f.Add("Service", "MemoryMax", "2G")
	out := f.String()
	require.Contains(t, out, "Restart=always\nMemoryMax=2G\n\n[Container]\n")
}

func TestAddRejectsWhatWouldNotReadBack(t *testing.T) {
	for _, tc := range []struct{ name, section, key, value string }{
		{"line break", "A", "k", "a\nb"},
		{"trailing backslash", "A", "k", `a\`},
		{"surrounding space", "A", "k", " a"},
		{"bad key", "A", "k=x", "v"},
		{"empty key", "A", "", "v"},
		{"bad section", "A]", "k", "v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Panics(t, func() { New("x").Add(tc.section, tc.key, tc.value) })
		})
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"1": true, "yes": true, "TRUE": true, "on": true, "0": false, "no": false, "Off": false, "false": false} {
		v, ok := ParseBool(in)
		require.True(t, ok, in)
		require.Equal(t, want, v, in)
	}
	_, ok := ParseBool("maybe")
	require.False(t, ok)
}

func TestMergeAppliesDropinsInNameOrder(t *testing.T) {
	base := parseFixture(t, "qm.container")
	mem := parseFixture(t, "10-memory.conf")
	dev := parseFixture(t, "20-devices.conf")
	before := base.String()

	// Given out of order: Merge sorts by file name.
	m := Merge(base, dev, mem)
	require.Equal(t, before, base.String(), "Merge must not change its input")

	v, _ := m.Lookup("Container", "ReadOnly")
	require.Equal(t, "false", v, "the drop-in's ReadOnly wins")
	e, _ := m.LookupEntry("Container", "ReadOnly")
	require.Equal(t, "10-memory.conf:7", e.Pos())
	require.Equal(t, []string{"-/dev/snd"}, m.LookupAll("Container", "AddDevice"), "AddDevice= in 20-devices.conf resets the list")
	require.Equal(t, []string{"ROOTFS=/usr/lib/qm/rootfs", "RWETCFS=/etc/qm", "RWVARFS=/var/qm", "D=4"}, m.LookupAll("Service", "Environment"))
	require.Equal(t, []string{"Install", "Service", "Container", "Unit"}, m.Sections())

	golden.Check(t, filepath.Join("testdata", "merged.golden"), m.Bytes())

	// The merged text parses back to the same effective values.
	back, err := ParseBytes(m.Bytes(), "merged")
	require.NoError(t, err)
	for _, s := range m.Sections() {
		for _, k := range m.Keys(s) {
			require.Equal(t, m.LookupAll(s, k), back.LookupAll(s, k), "%s.%s", s, k)
		}
	}
}

func TestMergeOrderIsByBaseNameAcrossDirectories(t *testing.T) {
	base := New("/usr/share/containers/systemd/qm.container")
	base.Add("Service", "MemoryMax", "infinity")
	a := New("/etc/containers/systemd/qm.container.d/50-user.conf")
	a.Add("Service", "MemoryMax", "1G")
	b := New("/usr/share/containers/systemd/qm.container.d/10-vendor.conf")
	b.Add("Service", "MemoryMax", "3G")
	v, _ := Merge(base, a, b).Lookup("Service", "MemoryMax")
	require.Equal(t, "1G", v, "50-user.conf sorts after 10-vendor.conf and wins")
}

// FuzzParse checks that whatever parses writes back byte for byte, and that the
// written form parses to the same entries.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		if fi, err := os.Stat(s); err != nil || fi.IsDir() {
			continue
		}
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[A]\nk=v \\\n# c\n\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseBytes(data, "fuzz")
		if err != nil {
			var pe *ParseError
			if !strings.Contains(err.Error(), "fuzz:") || !errorAs(err, &pe) {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		out := u.Bytes()
		if !bytes.Equal(out, data) {
			t.Fatalf("round trip differs:\nin:  %q\nout: %q", data, out)
		}
		again, err := ParseBytes(out, "fuzz")
		if err != nil {
			t.Fatalf("written form does not parse: %v", err)
		}
		if len(again.Entries()) != len(u.Entries()) {
			t.Fatalf("entries differ after round trip")
		}
		for _, e := range u.Entries() {
			// Single and list lookups agree with the entries.
			if v, ok := u.Lookup(e.Section, e.Key); !ok || v != lastValue(u, e.Section, e.Key) {
				t.Fatalf("Lookup(%s, %s) disagrees with Entries", e.Section, e.Key)
			}
		}
		// A merge of the file with itself keeps every entry twice.
		if m := Merge(u, u); len(m.Entries()) != 2*len(u.Entries()) {
			t.Fatalf("Merge(u, u) has %d entries, want %d", len(m.Entries()), 2*len(u.Entries()))
		}
	})
}

func lastValue(f *File, section, key string) string {
	v := ""
	for _, e := range f.SectionEntries(section) {
		if e.Key == key {
			v = e.Value
		}
	}
	return v
}

func errorAs(err error, pe **ParseError) bool {
	p, ok := err.(*ParseError)
	*pe = p
	return ok
}
