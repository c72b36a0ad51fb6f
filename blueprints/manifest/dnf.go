package manifest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/qm-build/qm-build/rpmspec"
)

// DNFOptions configure DepsolveDNF.
type DNFOptions struct {
	// DNF is the dnf executable; "" means dnf on PATH.
	DNF string
	// Repos are the repositories to resolve against, in priority order.
	Repos []blueprints.LockRepo
	// WorkDir is a scratch directory for install roots, the download
	// directory and HOME; the caller creates and removes it.
	WorkDir string
	// Path is the PATH dnf runs with.
	Path string
}

// DepsolveDNF resolves every request of m with the real dnf against the
// given repositories and returns the lock. Each pipeline is resolved in an
// empty install root of its own:
//
//	dnf --noplugins --installroot ROOT --releasever R --forcearch ARCH
//	    --setopt=reposdir=/dev/null --repofrompath ID,URL … --nogpgcheck
//	    install --downloadonly --destdir DIR PACKAGE…
//
// so the transaction is exactly what an installation would bring in. The
// downloaded files give the checksums (the sha256 osbuild's curl source
// checks); `dnf repoquery --qf` gives each one's repo and location. HOME is
// a scratch directory whose .rpmmacros sets %_dbpath, as Debian's rpm would
// otherwise put the database under ~/.rpmdb. A package that cannot be found
// or a requirement nothing provides is a *DepsolveError naming it.
func DepsolveDNF(ctx context.Context, m *Manifest, o DNFOptions) (*blueprints.Lock, error) {
	if len(o.Repos) == 0 {
		return nil, &rpmspec.InputError{Field: "--repo", Msg: "--depsolve dnf needs at least one --repo ID=URL"}
	}
	if o.DNF == "" {
		o.DNF = "dnf"
	}
	home := filepath.Join(o.WorkDir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", home, err)
	}
	if err := os.WriteFile(filepath.Join(home, ".rpmmacros"), []byte("%_dbpath /var/lib/rpm\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing .rpmmacros: %w", err)
	}
	lock := &blueprints.Lock{Version: blueprints.LockVersion, Distro: m.distro.Name, Arch: m.arch, Repos: o.Repos, Pipelines: map[string][]blueprints.LockedPackage{}}
	for _, r := range m.requests {
		pkgs, err := dnfResolve(ctx, m, o, home, r)
		if err != nil {
			return nil, err
		}
		lock.Pipelines[r.Pipeline] = pkgs
	}
	return lock, nil
}

// dnfRun runs dnf for one pipeline with the shared options.
type dnfRun struct {
	o    DNFOptions
	home string
	root string
	args []string
}

func (d dnfRun) run(ctx context.Context, extra ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, d.o.DNF, append(append([]string(nil), d.args...), extra...)...)
	cmd.Env = []string{"HOME=" + d.home, "LANG=C", "LC_ALL=C", "PATH=" + d.o.Path}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

func dnfResolve(ctx context.Context, m *Manifest, o DNFOptions, home string, r blueprints.Request) ([]blueprints.LockedPackage, error) {
	dir := filepath.Join(o.WorkDir, r.Pipeline)
	root, dl := filepath.Join(dir, "root"), filepath.Join(dir, "rpms")
	for _, d := range []string{root, dl} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", d, err)
		}
	}
	d := dnfRun{o: o, home: home, root: root, args: []string{
		"-y", "--noplugins", "--installroot=" + root, "--releasever=" + m.distro.Releasever,
		"--forcearch=" + m.arch, "--setopt=reposdir=/dev/null", "--setopt=cachedir=" + filepath.Join(dir, "cache"),
		"--setopt=install_weak_deps=" + strconv.FormatBool(r.WeakDeps), "--nogpgcheck",
	}}
	for _, repo := range o.Repos {
		d.args = append(d.args, "--repofrompath="+repo.ID+","+repo.BaseURL)
	}
	specs := make([]string, len(r.Packages))
	for i, w := range r.Packages {
		specs[i] = w.Spec()
	}
	stdout, stderr, err := d.run(ctx, append([]string{"install", "--downloadonly", "--destdir", dl}, specs...)...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, newDepsolveError(r.Pipeline, append(stdout, stderr...), err)
	}
	files, err := filepath.Glob(filepath.Join(dl, "*.rpm"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("dnf resolved nothing for %s: %s", r.Pipeline, strings.TrimSpace(string(stderr)))
	}
	return describe(ctx, d, files)
}

// describe turns downloaded files into locked packages: repo and location
// from dnf repoquery, checksum from the file.
func describe(ctx context.Context, d dnfRun, files []string) ([]blueprints.LockedPackage, error) {
	sort.Strings(files)
	nevras := make([]string, len(files))
	for i, f := range files {
		nevras[i] = strings.TrimSuffix(filepath.Base(f), ".rpm")
	}
	const qf = "%{name}\t%{epoch}\t%{version}\t%{release}\t%{arch}\t%{repoid}\t%{location}"
	stdout, stderr, err := d.run(ctx, append([]string{"-q", "repoquery", "--qf", qf}, nevras...)...)
	if err != nil {
		return nil, fmt.Errorf("running dnf repoquery: %v: %s", err, strings.TrimSpace(string(stderr)))
	}
	byFile := map[string]blueprints.LockedPackage{}
	order := map[string]int{}
	for i, r := range d.o.Repos {
		order[r.ID] = i
	}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 7 {
			continue
		}
		epoch, _ := strconv.ParseUint(f[1], 10, 32)
		p := blueprints.LockedPackage{Name: f[0], Epoch: uint(epoch), Version: f[2], Release: f[3], Arch: f[4], Repo: f[5], Location: f[6]}
		base := filepath.Base(p.Location)
		if prev, ok := byFile[base]; ok && order[prev.Repo] <= order[p.Repo] {
			continue
		}
		byFile[base] = p
	}
	out := make([]blueprints.LockedPackage, 0, len(files))
	for _, f := range files {
		p, ok := byFile[filepath.Base(f)]
		if !ok {
			return nil, fmt.Errorf("dnf repoquery does not know %s", filepath.Base(f))
		}
		sum, err := blueprints.HashFile(func(p string) (io.ReadCloser, error) { return os.Open(p) }, f)
		if err != nil {
			return nil, err
		}
		p.Checksum = "sha256:" + sum
		out = append(out, p)
	}
	return out, nil
}

// DepsolveError is a resolution dnf refused: the packages it could not find
// and the requirements nothing provides. It is bad input: the repositories
// given cannot satisfy the request.
type DepsolveError struct {
	Pipeline string
	Missing  []string // "podman", or "podman (needed by qm-1.0-1.noarch)"
	Detail   string   // dnf's own words
}

func (e *DepsolveError) Error() string {
	if len(e.Missing) == 0 {
		return fmt.Sprintf("resolving the %s pipeline with dnf: %s", e.Pipeline, e.Detail)
	}
	return fmt.Sprintf("resolving the %s pipeline with dnf: missing %s", e.Pipeline, strings.Join(e.Missing, ", "))
}

func (e *DepsolveError) BadInput() bool { return true }

var (
	noMatch   = regexp.MustCompile(`(?:No match for argument|Unable to find a match): ([^\n]+)`)
	nothingFo = regexp.MustCompile(`nothing provides (.+?) needed by (\S+)`)
)

func newDepsolveError(pipeline string, stderr []byte, err error) error {
	e := &DepsolveError{Pipeline: pipeline, Detail: strings.TrimSpace(string(stderr))}
	if e.Detail == "" {
		e.Detail = err.Error()
	}
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			e.Missing = append(e.Missing, s)
		}
	}
	for _, m := range noMatch.FindAllStringSubmatch(e.Detail, -1) {
		for _, name := range strings.Fields(m[1]) {
			add(name)
		}
	}
	for _, m := range nothingFo.FindAllStringSubmatch(e.Detail, -1) {
		add(m[1] + " (needed by " + m[2] + ")")
	}
	return e
}
