package build

import (
	"context"
	"path/filepath"

	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/stages"
)

// RPMsDir is where the rpms stage writes, under stages.Build.OutDir.
const RPMsDir = "rpms"

// RPMs writes every package of the content (qm, then the drop-ins) as a
// zstd-compressed, unsigned RPM into <OutDir>/rpms. NewRPMs makes the stage
// with other options (compression, a signing key).
var RPMs = NewRPMs(rpm.Options{})

// NewRPMs returns the rpms stage writing with o. o.BuildTime is ignored: the
// build time is always the build's SOURCE_DATE_EPOCH (stages.Build.Epoch).
func NewRPMs(o rpm.Options) stages.Stage {
	return stages.Stage{
		Name:   "rpms",
		Reads:  []string{"content"},
		Writes: []string{"out:" + RPMsDir + "/"},
		Run: func(ctx context.Context, b *stages.Build) error {
			if b.OutDir == "" {
				return nil
			}
			_, err := WriteRPMs(ctx, b, filepath.Join(b.OutDir, RPMsDir), o, nil)
			return err
		},
	}
}

// WriteRPMs writes b.Content.Packages into dir, each atomically (a temporary
// file renamed into place), and records each as an "rpm" artifact whose path
// is relative to b.OutDir (or dir's base name when dir is not under it). It
// is the one function behind the rpms stage and `qm-build rpm`; done, when
// set, is called after each file is in place. It returns the files written.
func WriteRPMs(ctx context.Context, b *stages.Build, dir string, o rpm.Options, done func(file string)) ([]string, error) {
	o.BuildTime = b.Epoch
	names, err := rpm.WriteDirContext(ctx, dir, b.Content.Packages, o, func(name string, data []byte) {
		b.AddArtifact("rpms", "rpm", artifactPath(b.OutDir, dir, name), data)
		if done != nil {
			done(name)
		}
	})
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = filepath.Join(dir, n)
	}
	return files, err
}

// artifactPath names a file in dir relative to out when dir is inside out.
func artifactPath(out, dir, name string) string {
	if out != "" {
		if rel, err := filepath.Rel(out, filepath.Join(dir, name)); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return name
}
