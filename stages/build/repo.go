package build

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/publish/repodata"
)

// RepoDir is where the repo stage writes, under stages.Build.OutDir.
const RepoDir = "repo"

// Repo makes <OutDir>/repo a yum repository of the RPMs the rpms stage wrote:
// it copies them in (each atomically; RPMs of earlier builds that are not
// part of this one are removed) and writes repodata/ with
// stages/publish/repodata, reusing the entries of unchanged files. The
// revision and timestamps are the build's SOURCE_DATE_EPOCH.
var Repo = stages.Stage{
	Name:   "repo",
	Reads:  []string{"out:" + RPMsDir + "/"},
	Writes: []string{"out:" + RepoDir + "/"},
	Run: func(ctx context.Context, b *stages.Build) error {
		var rpms []stages.Artifact
		for _, a := range b.Artifacts {
			if a.Kind == "rpm" {
				rpms = append(rpms, a)
			}
		}
		if b.OutDir == "" || len(rpms) == 0 {
			return nil
		}
		out, err := os.OpenRoot(b.OutDir)
		if err != nil {
			return fmt.Errorf("opening %s: %w", b.OutDir, err)
		}
		defer out.Close()
		if err := out.MkdirAll(RepoDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", RepoDir, err)
		}
		repo, err := out.OpenRoot(RepoDir)
		if err != nil {
			return fmt.Errorf("opening %s: %w", RepoDir, err)
		}
		defer repo.Close()
		if err := fillRepo(out, repo, rpms); err != nil {
			return err
		}
		res, err := repodata.Generate(ctx, repo, repodata.Options{Time: b.Epoch, Epoch: b.Epoch, Update: true, Log: b.Log})
		if err != nil {
			return err
		}
		for _, f := range res.Files {
			data, err := repo.ReadFile(f)
			if err != nil {
				return fmt.Errorf("reading %s: %w", f, err)
			}
			b.AddArtifact("repo", "repo", path.Join(RepoDir, f), data)
		}
		return nil
	},
}

// fillRepo copies the build's RPMs into repo and removes other RPMs there.
func fillRepo(out, repo *os.Root, rpms []stages.Artifact) error {
	keep := map[string]bool{}
	for _, a := range rpms {
		data, err := out.ReadFile(a.Path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", a.Path, err)
		}
		name := path.Base(a.Path)
		keep[name] = true
		if old, err := repo.ReadFile(name); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := repodata.WriteFileAtomic(repo, name, bytes.NewReader(data), 0o644); err != nil {
			return err
		}
	}
	entries, err := fs.ReadDir(repo.FS(), ".")
	if err != nil {
		return fmt.Errorf("reading %s: %w", RepoDir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".rpm") && !keep[e.Name()] {
			if err := repo.Remove(e.Name()); err != nil {
				return fmt.Errorf("removing %s: %w", path.Join(RepoDir, e.Name()), err)
			}
		}
	}
	return nil
}
