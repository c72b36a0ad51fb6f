package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/blueprints/manifest"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/stages"
)

func cmdManifest(ctx context.Context, e *env, args []string) error {
	var pf cli.PlanFlags
	fs := e.newFlags("manifest", `qm-build manifest --distro cs9|cs10|autosd9|autosd10|fedora-42 --arch x86_64|aarch64
                  [--dropin NAME]... [--blueprint BASE.toml] [--rpms DIR]
                  (--packages-lock FILE | --depsolve dnf --repo ID=URL... [--write-lock FILE])
                  [--qm-stage] [-o FILE]

Writes an osbuild manifest (JSON, to stdout or --out) with a qm_rootfs
pipeline before os: qm_rootfs installs QM's own package set and its
build-time files; os installs qm and the qm-<dropin> packages and copies the
qm_rootfs tree to /usr/lib/qm/rootfs, /etc/qm and /var/qm before the final
org.osbuild.selinux. Every package must be resolved: from a lock file, or by
running dnf against the given repositories. --rpms takes qm-build's own
packages from a directory of RPMs instead (e.g. out/rpms). --qm-stage has
the org.osbuild.qm stage (qm-build osbuild-stage install) write QM's files
instead of inline sources.`)
	pf.AllFlags(fs)
	base := fs.String("blueprint", "", "the image's base blueprint (TOML or .json): packages, services, files, users… for the os pipeline")
	lockFile := fs.String("packages-lock", "", "lock file with every pipeline's resolved packages (see README)")
	depsolve := fs.String("depsolve", "", "resolve packages now: dnf (runs the real dnf against --repo)")
	var repos []string
	fs.StringArrayVar(&repos, "repo", nil, "repository for --depsolve: ID=URL (a URL, or a local directory) (repeatable)")
	writeLock := fs.String("write-lock", "", "with --depsolve: also write the resolution as a lock file")
	rpms := fs.String("rpms", "", "directory holding qm-build's own RPMs (qm, qm-<dropin>); they replace the lock's")
	qmStage := fs.Bool("qm-stage", false, "write QM's files with the org.osbuild.qm stage instead of inline sources (needs the stage on the osbuild host)")
	out := cli.OutFlag(fs, "", "write the manifest to FILE (atomically) instead of stdout")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.UsageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if _, err := manifest.LookupDistro(pf.O.Distro); err != nil {
		return err
	}
	switch {
	case *lockFile != "" && *depsolve != "":
		return cli.UsageErrorf("give --packages-lock or --depsolve, not both")
	case *lockFile == "" && *depsolve == "":
		return cli.UsageErrorf("packages must be resolved: give --packages-lock FILE or --depsolve dnf (see --help)")
	case *depsolve != "" && *depsolve != "dnf":
		return cli.UsageErrorf("--depsolve %q: the only resolver is dnf", *depsolve)
	case *writeLock != "" && *depsolve == "":
		return cli.UsageErrorf("--write-lock needs --depsolve dnf")
	}
	plan, err := pf.Plan(e.getenv)
	if err != nil {
		return err
	}
	hook, err := pf.HookProgram()
	if err != nil {
		return err
	}
	b, err := stages.ComposePackages(ctx, plan, stages.RootfsRun{Log: e.stderr, Env: e.getenv, CacheDir: cli.CacheDir(e.getenv), HookProgram: hook})
	if err != nil {
		return err
	}
	mo := manifest.Options{Content: b.Content, QMStage: *qmStage}
	if *base != "" {
		if err := loadBase(&mo, *base); err != nil {
			return err
		}
	}
	m, err := manifest.New(mo)
	if err != nil {
		return err
	}
	lock, err := manifestLock(ctx, e, m, *lockFile, repos, *writeLock)
	if err != nil {
		return err
	}
	own, err := ownPackages(b.Content, *rpms, "")
	if err != nil {
		return err
	}
	data, err := m.Serialize(lock, own...)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(data)
		return err
	}
	return atomic.WritePath(*out, data, 0o644)
}

// manifestLock reads --packages-lock (checking its local files) or resolves
// with dnf (writing --write-lock when asked).
func manifestLock(ctx context.Context, e *env, m *manifest.Manifest, lockFile string, repoArgs []string, writeLock string) (*blueprints.Lock, error) {
	if lockFile != "" {
		return readLock(lockFile, "--packages-lock: ")
	}
	repos, err := parseRepos(repoArgs)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "qm-build-dnf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	e.progress("resolving packages with dnf")
	lock, err := manifest.DepsolveDNF(ctx, m, manifest.DNFOptions{Repos: repos, WorkDir: work, Path: e.getenv("PATH")})
	e.progressDone()
	if err != nil {
		return nil, err
	}
	if writeLock != "" {
		var buf bytes.Buffer
		if err := lock.Encode(&buf); err != nil {
			return nil, err
		}
		if err := atomic.WritePath(writeLock, buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	return lock, nil
}

// readLock reads a lock file and checks its local files; an unreadable file
// is bad input, its message starting with what.
func readLock(name, what string) (*blueprints.Lock, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, cli.UsageErrorf("%s%v", what, err)
	}
	defer f.Close()
	lock, err := blueprints.ParseLock(f, name)
	if err != nil {
		return nil, err
	}
	return lock, lock.VerifyLocal(func(p string) (io.ReadCloser, error) { return os.Open(p) })
}

// parseRepos reads --repo ID=URL; a URL without a scheme is a local
// directory.
func parseRepos(args []string) ([]blueprints.LockRepo, error) {
	var out []blueprints.LockRepo
	for _, a := range args {
		id, loc, ok := strings.Cut(a, "=")
		if !ok || id == "" || loc == "" {
			return nil, cli.UsageErrorf("--repo %q: want ID=URL", a)
		}
		if u, err := url.Parse(loc); err != nil || u.Scheme == "" {
			abs, err := filepath.Abs(loc)
			if err != nil {
				return nil, cli.UsageErrorf("--repo %q: %v", a, err)
			}
			loc = "file://" + abs
		}
		out = append(out, blueprints.LockRepo{ID: id, BaseURL: loc})
	}
	return out, nil
}

// ownPackages describes the RPMs of qm-build's own packages in dir; "" means
// none (the lock has them). Their URLs are file:// paths under urlDir, the
// directory the RPMs will be in when the manifest is used ("" means dir).
func ownPackages(c *rootfs.Content, dir, urlDir string) ([]blueprints.LockedPackage, error) {
	if dir == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, cli.UsageErrorf("--rpms %s: %v", dir, err)
	}
	at := abs
	if urlDir != "" {
		if at, err = filepath.Abs(urlDir); err != nil {
			return nil, err
		}
	}
	var out []blueprints.LockedPackage
	for _, p := range c.Packages {
		name := filepath.Join(abs, p.FileName())
		f, err := os.Open(name)
		if err != nil {
			return nil, cli.UsageErrorf("--rpms %s: package %s is missing: %v", dir, p.Name, err)
		}
		lp, err := blueprints.OwnPackage(p, f, "file://"+filepath.Join(at, p.FileName()))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, lp)
	}
	return out, nil
}

// loadBase reads --blueprint into the manifest options.
func loadBase(mo *manifest.Options, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return cli.UsageErrorf("--blueprint: %v", err)
	}
	defer f.Close()
	mo.Base, err = blueprints.ParseBlueprint(f, name)
	mo.BaseName = name
	return err
}
