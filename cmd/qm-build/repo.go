package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages/publish"
	"github.com/qm-build/qm-build/stages/publish/repodata"
)

func cmdRepo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "repo", `qm-build repo DIR [--revision N] [--update] [--sign-key FILE] [--output text|json]

Writes DIR/repodata (repomd.xml, primary, filelists and other, gzip) for every
*.rpm under DIR, as createrepo_c does. The new repodata replaces the old in one
rename, repomd.xml written last. SOURCE_DATE_EPOCH, when set, is the revision
and every timestamp, and clamps the package file times, so that the same RPMs
give byte-identical repodata. A file that is not a readable RPM, or two RPMs
with the same NEVRA and different content, fail with exit status 2.`)
	revision := fs.String("revision", "", "repository revision (default: SOURCE_DATE_EPOCH, else the current time)")
	update := fs.Bool("update", false, "reuse the entries of files whose name, size and time are unchanged; drop deleted files")
	keyFile := fs.String("sign-key", "", "OpenPGP secret key: sign the RPMs not yet signed by it, write repodata/repomd.xml.asc and export the public key as repodata/repomd.xml.key")
	limit := fs.Int("changelog-limit", repodata.DefaultChangelogLimit, "changelog entries kept per package (-1: all)")
	workers := fs.Int("workers", 0, "RPMs read in parallel (default: the number of CPUs)")
	output := fs.String("output", "text", "what to print: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one DIR (see --help)")
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	if *limit == 0 || *limit < -1 {
		return usageErrorf("--changelog-limit %d: want 1 or more, or -1 for all", *limit)
	}
	dir := fs.Arg(0)
	o, key, err := repoOptions(e, *keyFile)
	if err != nil {
		return err
	}
	o.Revision, o.Update, o.ChangelogLimit, o.Workers, o.Log = *revision, *update, *limit, *workers, e.stderr
	root, err := openDir(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var signed []string
	if key != nil {
		if signed, err = publish.SignRPMs(root, key); err != nil {
			return err
		}
		o.Signer = key
	}
	e.progress("indexing %s", dir)
	res, err := repodata.Generate(ctx, root, o)
	e.progressDone()
	if err != nil {
		return err
	}
	if *output == "json" {
		return writeJSON(e.stdout, repoReport{Dir: dir, Revision: res.Repomd.Revision, Packages: len(res.Packages), Read: res.Read, Reused: res.Reused, Signed: signed, Files: res.Files})
	}
	fmt.Fprintf(e.stdout, "%s: %d packages (%d read, %d reused), revision %s\n", dir, len(res.Packages), res.Read, res.Reused, res.Repomd.Revision)
	return nil
}

type repoReport struct {
	Dir      string   `json:"dir"`
	Revision string   `json:"revision"`
	Packages int      `json:"packages"`
	Read     int      `json:"read"`
	Reused   int      `json:"reused"`
	Signed   []string `json:"signed,omitempty"`
	Files    []string `json:"files"`
}

// repoOptions reads SOURCE_DATE_EPOCH (else the clock: the CLI is the edge
// that may read it) and the signing key, pinned to the epoch when set so
// that signatures are reproducible.
func repoOptions(e *env, keyFile string) (repodata.Options, *sign.Key, error) {
	epoch, err := e.sourceDateEpoch()
	if err != nil {
		return repodata.Options{}, nil, err
	}
	o := repodata.Options{Time: epoch, Epoch: epoch}
	if epoch.IsZero() {
		o.Time = time.Now().UTC()
	}
	var key *sign.Key
	if keyFile != "" {
		if key, err = loadSignKey(keyFile); err != nil {
			return o, nil, err
		}
		if !epoch.IsZero() {
			key = key.At(epoch)
		}
	}
	return o, key, nil
}

// openDir opens an existing directory as an os.Root; anything else is bad
// input naming it.
func openDir(dir string) (*os.Root, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, usageErrorf("%s: %v", dir, err)
	}
	if !fi.IsDir() {
		return nil, usageErrorf("%s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	return root, nil
}
