package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages/publish/publishtest/repocheck"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/stages/publish/rpmsign"
	"github.com/qm-build/qm-build/test/verifiers"
)

const sde = "SOURCE_DATE_EPOCH=1710000000"

// projectRepos writes the project's packages (signed by key when set) and
// the stub base packages into two directories and indexes both with
// `qm-build repo` (with --sign-key for the project when signing).
func projectRepos(t *testing.T, keyFile string, key *sign.Key) (local, stubs string) {
	t.Helper()
	local, stubs = t.TempDir(), t.TempDir()
	testrpm.WriteProject(t, local, nil)
	testrpm.Write(t, stubs, testrpm.Stubs(testrpm.Project(t))...)
	args := []string{"repo", local}
	if keyFile != "" {
		args = []string{"repo", "--sign-key", keyFile, local}
	}
	r := runCLI(t, []string{sde}, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	r = runCLI(t, []string{sde}, "repo", stubs)
	require.Equal(t, exitOK, r.code, r.stderr)
	return local, stubs
}

func TestRepoWithDNF(t *testing.T) {
	local, stubs := projectRepos(t, "", nil)

	t.Run("install qm and qm-kvm into an installroot", func(t *testing.T) {
		d := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "local", Dir: local}, verifiers.DNFRepo{ID: "stubs", Dir: stubs})
		r := d.Run(t, "-y", "--nogpgcheck", "install", "qm", "qm-kvm")
		require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)
		rpm := verifiers.Need(t, "rpm")
		q := verifiers.Cmd{Env: []string{"HOME=" + d.Home}}.Run(t, rpm, "--root", d.Root, "--dbpath", "/var/lib/rpm", "-q", "qm", "qm-kvm")
		require.Equal(t, 0, q.Code, q.Stdout+q.Stderr)
	})
	t.Run("repoquery resolves the legacy name", func(t *testing.T) {
		d := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "local", Dir: local})
		r := d.Run(t, "-q", "repoquery", "--whatprovides", "qm_mount_bind_kvm")
		require.Equal(t, 0, r.Code, r.Stderr)
		require.Regexp(t, `(?m)^qm-kvm-\d`, r.Stdout)
	})
	t.Run("repoclosure passes with the stub base repo", func(t *testing.T) {
		d := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "local", Dir: local}, verifiers.DNFRepo{ID: "stubs", Dir: stubs})
		r := d.Run(t, "-q", "repoclosure", "--check", "local")
		require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)
	})
	t.Run("repoclosure fails without it", func(t *testing.T) {
		d := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "local", Dir: local})
		r := d.Run(t, "-q", "repoclosure", "--check", "local")
		require.NotEqual(t, 0, r.Code)
		require.Contains(t, r.Stdout, "unresolved deps")
	})
}

// TestDNFAnswersMatchCreaterepo asks dnf the same questions of a repository
// indexed by qm-build and of a copy indexed by createrepo_c.
func TestDNFAnswersMatchCreaterepo(t *testing.T) {
	cr := verifiers.Need(t, "createrepo_c")
	local, _ := projectRepos(t, "", nil)
	theirs := t.TempDir()
	entries, err := os.ReadDir(local)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".rpm") {
			data, err := os.ReadFile(filepath.Join(local, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(theirs, e.Name()), data, 0o644))
		}
	}
	r := verifiers.Run(t, cr, "--no-database", theirs)
	require.Equal(t, 0, r.Code, r.Stderr)
	qf := "%{name} %{epoch}:%{version}-%{release}.%{arch} %{size} %{installsize} %{sourcerpm}"
	for _, q := range [][]string{
		{"repoquery", "-a", "--qf", qf},
		{"repoquery", "--provides", "qm", "qm-kvm"},
		{"repoquery", "--requires", "qm", "qm-kvm"},
		{"repoquery", "--conflicts", "-a"},
		{"repoquery", "--obsoletes", "-a"},
		{"repoquery", "-l", "qm-kvm"},
		{"repoquery", "--whatprovides", "qm_mount_bind_kvm"},
		{"repoquery", "--file", "/etc/containers/systemd/qm.container.d/*"},
		{"repoquery", "--changelog", "qm"},
		{"repoquery", "--info", "qm"},
	} {
		t.Run(strings.Join(q, " "), func(t *testing.T) {
			ours := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "r", Dir: local}).Run(t, append([]string{"-q"}, q...)...)
			want := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "r", Dir: theirs}).Run(t, append([]string{"-q"}, q...)...)
			require.Equal(t, want.Code, ours.Code)
			require.Equal(t, want.Stdout, ours.Stdout)
		})
	}
}

func TestSignedRepoWithDNF(t *testing.T) {
	key, armored, err := sign.Generate("qm-build test", "test@example.com", time.Unix(1700000000, 0))
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.asc")
	require.NoError(t, os.WriteFile(keyFile, armored, 0o600))
	local, stubs := projectRepos(t, keyFile, key)
	pubKey := "file://" + filepath.Join(local, "repodata", "repomd.xml.key")
	require.FileExists(t, filepath.Join(local, "repodata", "repomd.xml.asc"))

	signedDNF := func(t *testing.T, dir string, gpgkey bool) *verifiers.DNF {
		d := verifiers.NewDNF(t, verifiers.DNFRepo{ID: "local", Dir: dir}, verifiers.DNFRepo{ID: "stubs", Dir: stubs})
		d.Setopts = []string{"local.gpgcheck=1", "local.repo_gpgcheck=1", "stubs.gpgcheck=0", "stubs.repo_gpgcheck=0"}
		if gpgkey {
			d.Setopts = append(d.Setopts, "local.gpgkey="+pubKey)
		}
		return d
	}
	t.Run("accepted once the key is given", func(t *testing.T) {
		r := signedDNF(t, local, true).Run(t, "-y", "install", "qm", "qm-kvm")
		require.Equal(t, 0, r.Code, r.Stdout+r.Stderr)
	})
	t.Run("refused without the key", func(t *testing.T) {
		r := signedDNF(t, local, false).Run(t, "-y", "install", "qm-kvm")
		require.NotEqual(t, 0, r.Code, r.Stdout+r.Stderr)
	})
	t.Run("a tampered RPM is refused", func(t *testing.T) {
		// An attacker replaces qm-kvm with a copy signed by another key; its
		// digests are valid and the repository metadata is re-signed by the
		// real key, so only the package signature check can catch it.
		evil, _, err := sign.Generate("evil", "evil@example.com", time.Unix(1700000000, 0))
		require.NoError(t, err)
		dir := t.TempDir()
		entries, err := os.ReadDir(local)
		require.NoError(t, err)
		tampered := ""
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".rpm") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(local, e.Name()))
			require.NoError(t, err)
			if strings.HasPrefix(e.Name(), "qm-kvm-") {
				f, err := os.Create(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				require.NoError(t, rpmsign.Sign(strings.NewReader(string(data)), f, evil))
				require.NoError(t, f.Close())
				tampered = e.Name()
				continue
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644))
		}
		require.NotEmpty(t, tampered)
		root, err := os.OpenRoot(dir)
		require.NoError(t, err)
		_, err = repodata.Generate(context.Background(), root, repodata.Options{Time: time.Unix(1710000000, 0), Signer: key})
		root.Close()
		require.NoError(t, err)

		r := signedDNF(t, dir, true).Run(t, "-y", "install", "qm-kvm")
		require.NotEqual(t, 0, r.Code, r.Stdout+r.Stderr)
		require.Regexp(t, `(?i)gpg|signature|key`, r.Stdout+r.Stderr)
	})
}

func TestRepoCommand(t *testing.T) {
	dir := t.TempDir()
	testrpm.Write(t, dir, testrpm.Generated(5)...)
	r := runCLI(t, []string{sde}, "repo", "--output", "json", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	var rep struct {
		Revision string
		Packages int
		Read     int
		Files    []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Equal(t, "1710000000", rep.Revision)
	require.Equal(t, 5, rep.Packages)
	require.Len(t, rep.Files, 4)
	_, err := repocheck.Check(dir)
	require.NoError(t, err)

	before, err := repocheck.Snapshot(filepath.Join(dir, "repodata"))
	require.NoError(t, err)
	r = runCLI(t, []string{sde}, "repo", "--update", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "5 packages (0 read, 5 reused), revision 1710000000")
	after, err := repocheck.Snapshot(filepath.Join(dir, "repodata"))
	require.NoError(t, err)
	require.Equal(t, contents(before), contents(after), "same bytes")

	r = runCLI(t, []string{sde}, "repo", "--revision", "7", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "revision 7")
}

// contents drops times from a snapshot.
func contents(s map[string]string) []string {
	var out []string
	for k, v := range s {
		if f := strings.Fields(v); len(f) == 4 { // regular files carry a digest
			out = append(out, k+" "+f[3])
		}
	}
	sort.Strings(out)
	return out
}

func TestRepoBadInput(t *testing.T) {
	good := testrpm.Build(t, testrpm.Spec{Name: "alpha", Files: map[string]string{"/etc/a": "a"}})
	other := testrpm.Build(t, testrpm.Spec{Name: "alpha", Files: map[string]string{"/etc/a": "b"}})
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		args  []string
		want  []string
	}{
		{"a file that is not an RPM", map[string][]byte{"README.rpm": []byte("read me\n")}, nil, []string{"README.rpm", "not an RPM"}},
		{"a corrupt RPM", map[string][]byte{"alpha.rpm": good[:len(good)-10]}, nil, []string{"alpha.rpm", "corrupt RPM"}},
		{"two RPMs with the same NEVRA", map[string][]byte{"a/alpha.rpm": good, "b/alpha.rpm": other}, nil, []string{"b/alpha.rpm", "a/alpha.rpm", "different content"}},
		{"no directory", nil, []string{"repo", "/nonexistent/qm-build-repo"}, []string{"/nonexistent/qm-build-repo"}},
		{"two directories", nil, []string{"repo", "a", "b"}, []string{"exactly one DIR"}},
		{"bad changelog limit", nil, []string{"repo", "--changelog-limit", "0", "."}, []string{"--changelog-limit"}},
		{"bad SOURCE_DATE_EPOCH", nil, []string{"repo", "."}, []string{"SOURCE_DATE_EPOCH"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, data, 0o644))
			}
			args, vars := tc.args, []string{sde}
			if args == nil {
				args = []string{"repo", dir}
			}
			if strings.Contains(tc.name, "SOURCE_DATE_EPOCH") {
				vars = []string{"SOURCE_DATE_EPOCH=soon"}
			}
			r := runCLI(t, vars, args...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stderr, w)
			}
			require.NoDirExists(t, filepath.Join(dir, "repodata"))
		})
	}
}
