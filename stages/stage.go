package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/atomic"
)

// Stage is one step of a build.
type Stage struct {
	Name string
	// Reads and Writes describe what the stage consumes and produces, e.g.
	// "plan", "tree:/etc/bluechi", "out:rpms/". They document the pipeline and
	// are shown by `qm-build build --list-stages`.
	Reads  []string
	Writes []string
	Run    func(ctx context.Context, b *Build) error
}

// Build is the context every stage runs against.
type Build struct {
	Plan  *rootfs.Plan
	Facts rootfs.Facts
	// Content is set by the compose stage.
	Content *rootfs.Content
	// Tree is the image tree being written, or nil when the run writes none.
	Tree *rootfs.Tree
	// OutDir is the output directory for artifacts (rpms/, repo/, manifests),
	// or "" when the run writes none. Writers open it with os.Root.
	OutDir string
	// OutPath is the path OutDir has once the run is complete, when the
	// stages write into a staging directory that replaces it at the end
	// (`qm-build build --out`, rootfs/atomic.Dir); "" means OutDir. Stages
	// that record paths for later (the manifest's file:// URLs) use
	// FinalOut.
	OutPath string
	// Epoch is SOURCE_DATE_EPOCH (zero when unset).
	Epoch time.Time
	// Artifacts are what the stages produced, in order.
	Artifacts []Artifact
	// Notes are things the user must know, printed in the summary.
	Notes []string
	// Failures are findings that make the run fail (exit status 1) once its
	// output is written: the check stage's errors.
	Failures []string
	// Log receives warnings and progress details (never nil; io.Discard).
	Log io.Writer
	// Env looks up environment variables (tool paths); nil means none set.
	Env func(string) string
	// CacheDir is where stages may keep results between builds (compiled
	// SELinux modules); "" means no cache.
	CacheDir string
	// PackagesLock is the lock file the manifest stage resolves the
	// distribution's packages from (build --packages-lock); "" falls back to
	// $QM_BUILD_PACKAGES_LOCK.
	PackagesLock string
}

// Artifact is one thing a stage wrote.
type Artifact struct {
	Stage  string `json:"stage"`
	Kind   string `json:"kind"` // rpm, tree, repo, manifest, blueprint, report, …
	Path   string `json:"path"` // relative to OutDir, or an image path for tree entries
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// AddArtifact records an artifact with its digest.
func (b *Build) AddArtifact(stage, kind, path string, data []byte) {
	sum := sha256.Sum256(data)
	b.Artifacts = append(b.Artifacts, Artifact{Stage: stage, Kind: kind, Path: path, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
}

// FinalOut is where the output directory will be: OutPath, else OutDir.
func (b *Build) FinalOut() string {
	if b.OutPath != "" {
		return b.OutPath
	}
	return b.OutDir
}

// Getenv returns an environment variable through b.Env.
func (b *Build) Getenv(k string) string {
	if b.Env == nil {
		return ""
	}
	return b.Env(k)
}

// StageError is a failure of one stage; it names the stage.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return fmt.Sprintf("stage %s: %v", e.Stage, e.Err) }
func (e *StageError) Unwrap() error { return e.Err }

// BadInput keeps bad-input errors (exit 2) recognisable through the wrap.
func (e *StageError) BadInput() bool {
	var bi interface{ BadInput() bool }
	return errors.As(e.Err, &bi) && bi.BadInput()
}

// Progress is told when each stage starts.
type Progress func(i, n int, stage string)

// Run runs the stages in order against b. The first failure stops the run and
// is returned as a *StageError naming the stage.
func Run(ctx context.Context, b *Build, list []Stage, progress Progress) error {
	if b.Log == nil {
		b.Log = io.Discard
	}
	for i, s := range list {
		if err := ctx.Err(); err != nil {
			return &StageError{Stage: s.Name, Err: err}
		}
		if progress != nil {
			progress(i+1, len(list), s.Name)
		}
		if err := s.Run(ctx, b); err != nil {
			return &StageError{Stage: s.Name, Err: err}
		}
	}
	return nil
}

// writeOut writes an artifact into the output directory, atomically and
// through os.Root.
func writeOut(dir, name string, data []byte) error {
	return atomic.WriteFileIn(dir, name, data, 0o644)
}
