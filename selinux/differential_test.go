package selinux

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// words make up generated path components: names the real policy and qm's
// file contexts care about, and others.
var words = []string{"usr", "lib", "lib64", "bin", "sbin", "etc", "var", "run", "home", "root", "tmp", "opt", "srv",
	"qm", "rootfs", "containers", "storage", "overlay", "overlay-images", "overlay2-layers", "libexec", "bluechi-agent",
	"ipc", "share", "selinux", "systemd", "system", "log", "cache", "spool", "dev", "proc", "sys", "boot", "mnt", "media",
	"ssh", "sshd", "cron", "httpd", "apache2", "mysql", "postfix", "dbus", "udev", "modules", "firmware", "locale", "x",
	"a.conf", "b.so", "c.so.1", "d.py", "e.sh", "f.pid", "g.sock", "h.log", "1", "42", "lib.d", ".hidden", "user",
	"docker", "podman", "kubelet", "bluechi", "nginx", "named", "chrony", "NetworkManager", "pki", "tls", "certs"}

func randName(r *rand.Rand) string { return words[r.IntN(len(words))] }

// samplePaths generates paths that exercise specs: each spec's literal
// prefix with varied tails, and random walks over words.
func samplePaths(specs []Spec, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] && !strings.ContainsAny(p, "\n\t") {
			seen[p] = true
			out = append(out, p)
		}
	}
	tails := []func() string{
		func() string { return "" },
		func() string { return "/" + randName(r) },
		func() string { return "/" + randName(r) + "/" + randName(r) },
		func() string { return randName(r) },
		func() string { return ".conf" },
		func() string { return fmt.Sprint(r.IntN(100)) },
		func() string { return "-" + randName(r) + "/" + randName(r) },
	}
	for len(out) < n {
		if len(specs) > 0 && r.IntN(3) > 0 {
			s := specs[r.IntN(len(specs))]
			add(literalStart(s.Regex) + tails[r.IntN(len(tails))]())
			continue
		}
		var b strings.Builder
		for i := 0; i < 1+r.IntN(6); i++ {
			b.WriteString("/" + randName(r))
		}
		add(b.String())
	}
	return out
}

// literalStart is a regex's text up to its first metacharacter, unescaped.
func literalStart(re string) string {
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) {
			i++
			b.WriteByte(re[i])
			continue
		}
		if strings.IndexByte(metaChars, c) >= 0 {
			break
		}
		b.WriteByte(c)
	}
	return b.String()
}

// edgeFC has the corner cases of label_file.c: alternation after a stem,
// escapes, exact paths among regexes, typed lines, <<none>>.
const edgeFC = `/.*			system_u:object_r:default_t:s0
/usr(/.*)?		system_u:object_r:usr_t:s0
/usr/bin(/.*)?		system_u:object_r:bin_t:s0
/usr/bin/exact		system_u:object_r:exact_t:s0
/usr/bin/e.act		system_u:object_r:dot_t:s0
/usr/lib/later(/.*)?	--	system_u:object_r:early_t:s0
/usr/lib/later(/.*)?	-d	system_u:object_r:late_dir_t:s0
/usr/lib/x		--	system_u:object_r:regular_t:s0
/usr/lib/x		-l	system_u:object_r:link_t:s0
/srv(/.*)?		system_u:object_r:srv_t:s0
/srv/none(/.*)?		<<none>>
/opt/a|/b/c		system_u:object_r:alt_t:s0
/usr/share/alt/a|/b	system_u:object_r:stemalt_t:s0
/esc\.d(/.*)?		system_u:object_r:esc_t:s0
/var/lib/[^/]+/data	-d	system_u:object_r:data_t:s0
/var/run/[a-z]{2,4}\.pid	--	system_u:object_r:pid_t:s0
/home/[^/]+/\.ssh(/.*)?	system_u:object_r:ssh_home_t:s0
`

var edgePaths = []string{"/usr/bin/exact", "/usr/bin/eXact", "/usr/bin/exactly", "/usr/lib/later/d", "/usr/lib/later/f",
	"/usr/lib/x", "/srv/none/x", "/srv", "/opt/x/b/c", "/opt/a", "/opt/ab", "/usr/share/alt/abc", "/usr/share/b",
	"/esc.d/x", "/escxd/x", "//usr///bin//ls", "/var/lib/foo/data", "/var/lib/foo/bar/data", "/var/run/abc.pid",
	"/var/run/abcde.pid", "/home/u/.ssh/id", "/home/u/x/.ssh", "/usr/bin/\xe9t\xe9", "/", "/usr", "/usr/"}

var matchpathconTypes = []struct {
	name string
	mode fs.FileMode
}{{"file", 0}, {"dir", fs.ModeDir}, {"lnk_file", fs.ModeSymlink}, {"chr_file", fs.ModeDevice | fs.ModeCharDevice},
	{"blk_file", fs.ModeDevice}, {"sock_file", fs.ModeSocket}, {"pipe", fs.ModeNamedPipe}}

// TestMatcherAgreesWithMatchpathcon compares Lookup with libselinux over
// thousands of generated paths, for every file type, using the linked
// policy's file_contexts (refpolicy's plus qm's) and the edge cases.
func TestMatcherAgreesWithMatchpathcon(t *testing.T) {
	verifiers.Need(t, "matchpathcon")
	verifiers.Need(t, "selabel_lookup")
	_, _, linkedFC := linkedPolicy(t)
	real, err := os.ReadFile(linkedFC)
	require.NoError(t, err)
	require.Contains(t, string(real), "qm_file_t", "the linked file_contexts has qm's lines")
	for _, tc := range []struct {
		name  string
		fc    []byte
		n     int
		extra []string
	}{
		{"refpolicy and qm", real, 6000, nil},
		{"edge cases", []byte(edgeFC), 1500, edgePaths},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fcPath := filepath.Join(dir, "file_contexts") // alone: no .local, .subs
			require.NoError(t, os.WriteFile(fcPath, tc.fc, 0o644))
			fc, err := ParseFileContexts(bytes.NewReader(tc.fc), fcPath)
			require.NoError(t, err)
			paths := append(samplePaths(fc.Specs, tc.n, 42), tc.extra...)
			for _, ty := range matchpathconTypes {
				r := verifiers.Run(t, "matchpathcon", append([]string{"-m", ty.name, "-f", fcPath}, paths...)...)
				require.Zero(t, r.Code, r.Stderr)
				lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
				require.Len(t, lines, len(paths))
				mismatches := 0
				for _, line := range lines {
					// matchpathcon prints the path it looked up (without a
					// trailing slash), a tab, and the context.
					tab := strings.LastIndexByte(line, '\t')
					require.Positive(t, tab, line)
					p, want := line[:tab], line[tab+1:]
					got, ok := fc.Lookup(p, ty.mode)
					if !ok {
						got = None
					}
					if got != want && mismatches < 10 {
						mismatches++
						t.Errorf("%s %q: matchpathcon says %s, Lookup says %s (line %v)", ty.name, p, want, got, fc.Match(p, ty.mode))
					}
				}
			}
			// Mode 0 (unknown type): selabel_lookup -t 0, one call per path.
			for _, p := range paths[:60] {
				r := verifiers.Run(t, "selabel_lookup", "-b", "file", "-f", fcPath, "-k", p, "-t", "0")
				want := None
				if r.Code == 0 {
					want = strings.TrimSpace(strings.TrimPrefix(r.Stdout, "Default context:"))
				}
				got, ok := fc.Lookup(p, AnyType)
				if !ok {
					got = None
				}
				require.Equal(t, want, got, p)
			}
		})
	}
}
