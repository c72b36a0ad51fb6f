package osbuildstage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages"
)

// Config is what the stage takes from its process; everything else comes
// from the arguments file.
type Config struct {
	Paths Paths
	// Getenv reads SOURCE_DATE_EPOCH (osbuild sets it with the source epoch).
	Getenv func(string) string
	// CacheDir keeps results between builds (stages.RootfsRun.CacheDir).
	CacheDir string
	// ToolVersion is qm-build's own version, recorded in the metadata.
	ToolVersion string
	// Stdout receives the notes (osbuild logs a stage's output).
	Stdout io.Writer
}

// Run is the stage: it reads the arguments, decodes and validates the
// options, and only then opens the tree and writes into it, so that bad input
// of any kind leaves the tree untouched. It writes the metadata last. Errors
// from the user's side (arguments, options, tree) are bad input.
func Run(ctx context.Context, c Config) (*Metadata, error) {
	args, err := ReadArguments(c.Paths.Arguments)
	if err != nil {
		return nil, err
	}
	opts, err := qmstage.DecodeOptions(args.Options)
	if err != nil {
		return nil, err
	}
	cat, err := rpmspec.Builtin()
	if err != nil {
		return nil, fmt.Errorf("loading the drop-in catalog: %w", err)
	}
	plan, err := qmstage.Plan(opts, cat)
	if err != nil {
		return nil, err
	}
	if plan.Epoch, err = sourceEpoch(args, c.Getenv); err != nil {
		return nil, err
	}
	tree, err := rootfs.OpenTree(args.Tree, rootfs.TreeOptions{Epoch: plan.Epoch})
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	meta, err := os.OpenFile(c.Paths.Meta, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the metadata file: %w", err)
	}
	defer meta.Close()
	log := c.Stdout
	if log == nil {
		log = io.Discard
	}
	// Warnings go to stdout, which osbuild logs: stderr is kept for the
	// one-line failure.
	w, err := stages.WriteRootfs(ctx, tree, plan, stages.RootfsRun{Log: log, CacheDir: c.CacheDir})
	if err != nil {
		return nil, err
	}
	md, err := Collect(tree, plan, w.Content, w.Notes)
	if err != nil {
		return nil, err
	}
	md.QMBuild = c.ToolVersion
	if err := writeMetadata(meta, md); err != nil {
		return nil, fmt.Errorf("writing the metadata to %s: %w", c.Paths.Meta, err)
	}
	if c.Stdout != nil {
		for _, n := range w.Notes {
			fmt.Fprintf(c.Stdout, "note: %s\n", n)
		}
	}
	return md, nil
}

// ReadArguments reads and parses the arguments file at path.
func ReadArguments(path string) (*Arguments, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &rpmspec.InputError{File: path, Msg: "reading the arguments file: " + errText(err)}
	}
	defer f.Close()
	return ParseArguments(f, path)
}

// sourceEpoch is meta.source-epoch, else SOURCE_DATE_EPOCH, else zero.
// osbuild sets both from the manifest's source epoch; when both are set they
// must agree.
func sourceEpoch(a *Arguments, getenv func(string) string) (time.Time, error) {
	fromArgs, err := a.Epoch()
	if err != nil {
		return time.Time{}, err
	}
	v := ""
	if getenv != nil {
		v = strings.TrimSpace(getenv("SOURCE_DATE_EPOCH"))
	}
	if v == "" {
		return fromArgs, nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, &rpmspec.InputError{Field: "SOURCE_DATE_EPOCH", Msg: fmt.Sprintf("%q is not a non-negative integer", v)}
	}
	fromEnv := time.Unix(secs, 0).UTC()
	if !fromArgs.IsZero() && !fromArgs.Equal(fromEnv) {
		return time.Time{}, &rpmspec.InputError{Field: "SOURCE_DATE_EPOCH",
			Msg: fmt.Sprintf("%s disagrees with the arguments' meta.source-epoch %s", v, a.Meta.SourceEpoch)}
	}
	return fromEnv, nil
}

// OneLine renders err on a single line, as the stage reports it on stderr:
// several problems are joined with "; ".
func OneLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// errText is an OS error without the operation and path os.PathError
// repeats.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
