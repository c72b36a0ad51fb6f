package osbuildstage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// RunDirEnv names the environment variable that stands in for /run/osbuild.
//
// FOR TESTS ONLY: it is honoured only in a build with the tag
// qmbuild_testhooks, which tests build the stage with and `make build` never
// uses. osbuild never sets it (it runs a stage with an environment of its own
// making). When honoured, the stage reads its arguments from
// $QM_BUILD_TEST_OSBUILD_RUN/api/arguments and writes its metadata to
// $QM_BUILD_TEST_OSBUILD_RUN/meta, so that a test can play osbuild without
// bubblewrap or root.
const RunDirEnv = "QM_BUILD_TEST_OSBUILD_RUN"

// DefaultRunDir is where osbuild binds the stage's API files.
const DefaultRunDir = "/run/osbuild"

// Paths are the files of the osbuild stage API.
type Paths struct {
	Arguments string // the arguments file (read)
	Meta      string // the metadata file (written)
}

// PathsFor returns the API paths under a run directory.
func PathsFor(runDir string) Paths {
	return Paths{
		Arguments: filepath.Join(runDir, "api", "arguments"),
		Meta:      filepath.Join(runDir, "meta"),
	}
}

// PathsFromEnv returns the API paths: under /run/osbuild, or, in a build
// with the test hooks, under the directory RunDirEnv names.
func PathsFromEnv(getenv func(string) string) Paths {
	if d := getenv(RunDirEnv); testHooks && d != "" {
		return PathsFor(d)
	}
	return PathsFor(DefaultRunDir)
}

// Arguments are the contents of the arguments file, as osbuild's
// Stage.prepare_arguments writes them (osbuild/pipeline.py).
type Arguments struct {
	// Tree is the tree being built, usually /run/osbuild/tree.
	Tree string `json:"tree"`
	// Options are the stage's options, decoded by DecodeOptions.
	Options json.RawMessage `json:"options"`
	// Inputs, Paths, Devices and Mounts are osbuild's; the stage uses none
	// of them (its schema declares no inputs or devices).
	Inputs  map[string]json.RawMessage `json:"inputs"`
	Paths   map[string]string          `json:"paths"`
	Devices map[string]json.RawMessage `json:"devices"`
	Mounts  map[string]json.RawMessage `json:"mounts"`
	Meta    ArgumentsMeta              `json:"meta"`
}

// ArgumentsMeta is the "meta" object: the stage's id and, when the manifest
// sets one, the pipeline's source epoch (seconds since 1970).
type ArgumentsMeta struct {
	ID          string      `json:"id"`
	SourceEpoch json.Number `json:"source-epoch,omitempty"`
}

// ParseArguments decodes an arguments file. name is the file's path, for
// errors. The tree must be an absolute path; options, when present, must be
// an object (DecodeOptions checks them); a source epoch must be a
// non-negative integer. Errors are bad input.
func ParseArguments(r io.Reader, name string) (*Arguments, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &rpmspec.InputError{File: name, Msg: "reading the arguments file: " + errText(err)}
	}
	var a Arguments
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		return nil, &rpmspec.InputError{File: name, Line: errorLine(data, err), Msg: "not a valid arguments file: " + err.Error()}
	}
	if dec.More() {
		return nil, &rpmspec.InputError{File: name, Msg: "not a valid arguments file: data after the JSON object"}
	}
	var errs rpmspec.Errors
	switch {
	case a.Tree == "":
		errs = append(errs, &rpmspec.InputError{File: name, Field: "tree", Msg: "missing"})
	case !path.IsAbs(a.Tree):
		errs = append(errs, &rpmspec.InputError{File: name, Field: "tree", Msg: fmt.Sprintf("%q is not an absolute path", a.Tree)})
	}
	if len(a.Options) == 0 {
		a.Options = json.RawMessage("{}")
	}
	if _, err := a.Epoch(); err != nil {
		errs = append(errs, &rpmspec.InputError{File: name, Field: "meta.source-epoch", Msg: err.Error()})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Epoch returns meta.source-epoch as a time, or the zero time when unset.
func (a *Arguments) Epoch() (time.Time, error) {
	if a.Meta.SourceEpoch == "" {
		return time.Time{}, nil
	}
	secs, err := strconv.ParseInt(string(a.Meta.SourceEpoch), 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("%s is not a non-negative integer", a.Meta.SourceEpoch)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// errorLine is the 1-based line of a JSON syntax error, or 0.
func errorLine(data []byte, err error) int {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0
		}
		// The input ends early: the error is at its last line.
		off = int64(len(bytes.TrimRight(data, " \t\r\n")))
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}
