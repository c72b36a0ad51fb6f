// Package oci pushes a set of RPMs to a container registry as one OCI
// artifact (OCI image-spec 1.1, "artifacts" guidance), with
// go-containerregistry's remote package:
//
//   - the manifest is an OCI image manifest whose artifactType is
//     ArtifactType and whose config is the empty descriptor
//     (application/vnd.oci.empty.v1+json, content "{}");
//   - each RPM is one layer of media type RPMMediaType, annotated with its
//     file name (org.opencontainers.image.title, which oras uses to name the
//     file it pulls) and its NEVRA, name and arch (AnnotationNEVRA, …);
//   - with Options.Repodata, each repodata file is one more layer titled
//     repodata/<file>, so that pulling the artifact into a directory gives a
//     complete yum repository;
//   - the manifest carries org.opencontainers.image.created (the build time)
//     and AnnotationPackages (the number of RPMs).
//
// Layers are ordered by file name and the build time is data, so the same
// RPMs and time give the same manifest digest. Nothing is written locally:
// a registry that refuses the push leaves no trace on disk.
package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/ociref"
	"github.com/qm-build/qm-build/stages/publish/repodata"
)

// Media types and annotations of the artifact.
const (
	ArtifactType      = "application/vnd.qm-build.rpm-set.v1"
	RPMMediaType      = "application/x-rpm"
	RepodataMediaType = "application/vnd.qm-build.repodata.v1"
	EmptyMediaType    = "application/vnd.oci.empty.v1+json"

	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationCreated  = "org.opencontainers.image.created"
	AnnotationNEVRA    = "org.qm-build.rpm.nevra"
	AnnotationName     = "org.qm-build.rpm.name"
	AnnotationArch     = "org.qm-build.rpm.arch"
	AnnotationPackages = "org.qm-build.rpm.count"
)

// Input is one RPM to push.
type Input struct {
	Path string // for errors
	Data []byte
}

// Options configure Push.
type Options struct {
	// Insecure talks plain HTTP to the registry (loopback registries are
	// reached over HTTP anyway).
	Insecure bool
	// Repodata adds the repository metadata of the set as layers.
	Repodata bool
	// Time is the build time: the created annotation and, with Repodata, the
	// repodata's revision (SOURCE_DATE_EPOCH, or the caller's clock).
	Time time.Time
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Retry is the backoff on temporary failures; the zero value means
	// remote's default (3 tries, 1 s growing threefold).
	Retry remote.Backoff
}

// Result is the pushed artifact.
type Result = ociref.Result

// ParseRef parses a registry reference (--oci): a malformed one, or one
// whose registry port is not a TCP port (1-65535), is bad input naming the
// flag, found before anything is read or pushed. ociref.Check, which
// qm-build runs without linking this package, accepts and refuses the same
// references with the same messages.
func ParseRef(ref string, insecure bool) (name.Reference, error) {
	if _, err := ociref.Check(ref); err != nil {
		return nil, err
	}
	var nopts []name.Option
	if insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, &rpmspec.InputError{Field: "--oci", Msg: fmt.Sprintf("%q", ref), Err: err}
	}
	return r, nil
}

// Push reads and checks every RPM (all problems at once, each naming its
// file), builds the artifact and pushes it to ref.
func Push(ctx context.Context, ref string, inputs []Input, o Options) (*Result, error) {
	r, err := ParseRef(ref, o.Insecure)
	if err != nil {
		return nil, err
	}
	art, titles, err := Build(inputs, o)
	if err != nil {
		return nil, err
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	}
	if o.Retry.Steps > 0 {
		ropts = append(ropts, remote.WithRetryBackoff(o.Retry))
	}
	if err := remote.Write(r, art, ropts...); err != nil {
		return nil, fmt.Errorf("pushing to %s: %w", r.Context().Name(), err)
	}
	d, err := art.Digest()
	if err != nil {
		return nil, err
	}
	return &Result{Reference: r.Context().Digest(d.String()).String(), Digest: d.String(), Layers: titles}, nil
}

// Build makes the artifact without pushing it, and returns it with its layer
// titles.
func Build(inputs []Input, o Options) (v1.Image, []string, error) {
	type rpmLayer struct {
		pkg  *repodata.Package
		path string
		data []byte
	}
	var rpms []rpmLayer
	var errs []error
	for _, in := range inputs {
		p, err := repodata.ReadRPM(bytes.NewReader(in.Data), repodata.File{Location: in.Path, Size: int64(len(in.Data))}, 0)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Location = fileName(p)
		rpms = append(rpms, rpmLayer{p, in.Path, in.Data})
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	sort.SliceStable(rpms, func(i, j int) bool { return rpms[i].pkg.Location < rpms[j].pkg.Location })
	var pkgs []*repodata.Package
	var kept []rpmLayer
	for i, r := range rpms {
		if i > 0 && r.pkg.Location == rpms[i-1].pkg.Location {
			if r.pkg.PkgID != rpms[i-1].pkg.PkgID {
				return nil, nil, repodata.DuplicateError(r.pkg.NEVRA(), rpms[i-1].path, r.path)
			}
			continue // the same file given twice
		}
		kept = append(kept, r)
		pkgs = append(pkgs, r.pkg)
	}
	rpms = kept
	if err := repodata.CheckDuplicates(pkgs); err != nil {
		return nil, nil, err
	}
	a := &artifact{layers: map[v1.Hash]v1.Layer{}}
	var titles []string
	for _, r := range rpms {
		if err := a.add(r.data, RPMMediaType, map[string]string{
			AnnotationTitle: r.pkg.Location, AnnotationNEVRA: r.pkg.NEVRA(),
			AnnotationName: r.pkg.Name, AnnotationArch: r.pkg.Arch,
		}); err != nil {
			return nil, nil, err
		}
		titles = append(titles, r.pkg.Location)
	}
	if o.Repodata {
		files, _, err := repodata.Build(pkgs, repodata.Options{Time: o.Time, Epoch: o.Time})
		if err != nil {
			return nil, nil, err
		}
		for _, f := range files {
			t := repodata.Dir + "/" + f.Name
			if err := a.add(f.Data, RepodataMediaType, map[string]string{AnnotationTitle: t}); err != nil {
				return nil, nil, err
			}
			titles = append(titles, t)
		}
	}
	annotations := map[string]string{AnnotationPackages: strconv.Itoa(len(rpms))}
	if !o.Time.IsZero() {
		annotations[AnnotationCreated] = o.Time.UTC().Format(time.RFC3339)
	}
	if err := a.finish(annotations); err != nil {
		return nil, nil, err
	}
	img, err := partial.CompressedToImage(a)
	return img, titles, err
}

// fileName is the conventional N-V-R.A.rpm name of a package.
func fileName(p *repodata.Package) string {
	return fmt.Sprintf("%s-%s-%s.%s.rpm", p.Name, p.Version, p.Release, p.Arch)
}

// artifact is the minimal core partial.CompressedToImage needs: a raw
// manifest, a raw config and the layers by digest.
type artifact struct {
	manifest v1.Manifest
	raw      []byte
	layers   map[v1.Hash]v1.Layer
}

var emptyConfig = []byte("{}")

func (a *artifact) add(data []byte, mt types.MediaType, ann map[string]string) error {
	l := static.NewLayer(data, mt)
	d, err := l.Digest()
	if err != nil {
		return err
	}
	a.layers[d] = l
	a.manifest.Layers = append(a.manifest.Layers, v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: d, Annotations: ann})
	return nil
}

func (a *artifact) finish(ann map[string]string) error {
	cfg := static.NewLayer(emptyConfig, EmptyMediaType)
	d, err := cfg.Digest()
	if err != nil {
		return err
	}
	a.layers[d] = cfg
	a.manifest.SchemaVersion = 2
	a.manifest.MediaType = types.OCIManifestSchema1
	a.manifest.ArtifactType = ArtifactType
	a.manifest.Config = v1.Descriptor{MediaType: EmptyMediaType, Size: int64(len(emptyConfig)), Digest: d, Data: emptyConfig}
	a.manifest.Annotations = ann
	a.raw, err = json.Marshal(a.manifest)
	return err
}

func (a *artifact) RawManifest() ([]byte, error)        { return a.raw, nil }
func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := a.layers[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("no blob %s in the artifact", h)
}
