package target

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// An ostree commit (ostree:REPO:REF) is checked out by the ostree CLI into
// the work directory, as root so that owners, modes and SELinux labels are
// the commit's (--force-copy: no file shares an inode with the repository),
// then laid out as a deployment shows it: the commit's /usr/etc is also
// /etc (a copy, as ostree makes it), a legacy commit's /etc is /etc, and
// /var is the commit's (ostree copies it into a new stateroot's /var). An
// ostree commit has no hard links of its own: a deployment hard-links /usr
// to the content objects and copies /etc and /var.

func openOSTree(ctx context.Context, t *Target, arg string, o Options) error {
	t.Kind = KindOSTree
	repo, ref := splitRef(arg)
	if ref == "" {
		return errors.New("name the commit: ostree:REPO:REF (a branch or a checksum)")
	}
	fi, err := os.Stat(repo)
	if err != nil {
		return err
	}
	if !fi.IsDir() || !isFile(filepath.Join(repo, "config")) || !isDir(filepath.Join(repo, "objects")) {
		return fmt.Errorf("%s is not an ostree repository (no config and objects/)", repo)
	}
	bin, err := exec.LookPath("ostree")
	if err != nil {
		return errors.New("reading an ostree commit needs the ostree program (Debian and Fedora: ostree), which is not on PATH")
	}
	if strings.HasPrefix(ref, "-") {
		return fmt.Errorf("%q is not a ref", ref)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append([]string{"--repo=" + repo}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("ostree %s: %w%s", args[0], err, stderrOf(err))
		}
		return strings.TrimSpace(string(out)), nil
	}
	sum, err := run("rev-parse", "--", ref)
	if err != nil {
		return err
	}
	t.Digest = "ostree:" + sum
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s: a checkout keeps the commit's owners and SELinux labels only as root: run the check as root", arg)
	}
	if err = t.makeWorkDir(o.TempDir); err != nil {
		return err
	}
	dest := filepath.Join(t.workDir, "deploy")
	if o.Progress != nil {
		o.Progress("checking out the ostree commit")
	}
	if _, err := run("checkout", "--force-copy", "--", sum, dest); err != nil {
		return err
	}
	hasEtc, hasUsrEtc := isDir(filepath.Join(dest, "etc")), isDir(filepath.Join(dest, "usr", "etc"))
	switch {
	case hasEtc && hasUsrEtc:
		return fmt.Errorf("the commit %s has both /etc and /usr/etc: ostree refuses to deploy it", sum[:12])
	case hasUsrEtc:
		if _, err := run("checkout", "--force-copy", "--subpath=/usr/etc", "--", sum, filepath.Join(dest, "etc")); err != nil {
			return err
		}
		t.Notes = append(t.Notes, "ostree commit "+sum+": /etc is a copy of its /usr/etc, as a deployment makes it; /var is the commit's")
	default:
		t.Notes = append(t.Notes, "ostree commit "+sum+": its /etc is read as /etc (a legacy layout); /var is the commit's")
	}
	d, err := openDir(ctx, dest)
	if err != nil {
		return err
	}
	t.FS = d
	return nil
}

// detectOSTree recognises a bare path as an ostree repository; it needs a
// REF, so a bare path only gets a helpful error from openOSTree.
func detectOSTree(p string, fi fs.FileInfo) bool {
	return fi.IsDir() && isFile(filepath.Join(p, "config")) && isDir(filepath.Join(p, "objects")) && isDir(filepath.Join(p, "refs"))
}
