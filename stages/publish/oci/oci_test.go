package oci_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/oci"
	"github.com/qm-build/qm-build/stages/publish/publishtest/repocheck"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/test/verifiers"
)

var buildTime = time.Unix(1710000000, 0).UTC()

// rpmSet writes the project's packages and their stubs and returns them as
// inputs, with the NEVRAs the real rpm reports for them.
func rpmSet(t *testing.T) ([]oci.Input, []string, string) {
	t.Helper()
	dir := t.TempDir()
	files := testrpm.WriteProject(t, dir, nil)
	files = append(files, testrpm.Write(t, dir, testrpm.Stubs(testrpm.Project(t))[:2]...)...)
	rpm := verifiers.Need(t, "rpm")
	home := verifiers.ScratchHome(t)
	var in []oci.Input
	var nevras []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		in = append(in, oci.Input{Path: f, Data: data})
		r := verifiers.Cmd{Env: []string{"HOME=" + home}}.Run(t, rpm, "-qp", "--qf", "%{NEVRA}", f)
		require.Equal(t, 0, r.Code, r.Stderr)
		nevras = append(nevras, r.Stdout)
	}
	sort.Strings(nevras)
	return in, nevras, dir
}

type manifest struct {
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType"`
	Annotations  map[string]string `json:"annotations"`
	Config       struct {
		MediaType string `json:"mediaType"`
		Size      int64  `json:"size"`
	} `json:"config"`
	Layers []struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	} `json:"layers"`
}

func TestPushToDockerRegistry(t *testing.T) {
	skopeo := verifiers.Need(t, "skopeo")
	addr := verifiers.Registry(t, false)
	in, nevras, _ := rpmSet(t)
	ref := addr + "/qm/rpms:test"
	res, err := oci.Push(context.Background(), ref, in, oci.Options{Insecure: true, Repodata: true, Time: buildTime})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(res.Reference, addr+"/qm/rpms@sha256:"), res.Reference)

	r := verifiers.Run(t, skopeo, "inspect", "--tls-verify=false", "--raw", "docker://"+ref)
	require.Equal(t, 0, r.Code, r.Stderr)
	var m manifest
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &m))
	require.Equal(t, "application/vnd.oci.image.manifest.v1+json", m.MediaType)
	require.Equal(t, oci.ArtifactType, m.ArtifactType)
	require.Equal(t, oci.EmptyMediaType, m.Config.MediaType)
	require.Equal(t, int64(2), m.Config.Size)
	require.Equal(t, "2024-03-09T16:00:00Z", m.Annotations[oci.AnnotationCreated])

	var got []string
	repodataLayers := 0
	for _, l := range m.Layers {
		switch l.MediaType {
		case oci.RPMMediaType:
			got = append(got, l.Annotations[oci.AnnotationNEVRA])
			require.Equal(t, l.Annotations[oci.AnnotationNEVRA]+".rpm", l.Annotations[oci.AnnotationTitle])
		case oci.RepodataMediaType:
			repodataLayers++
			require.True(t, strings.HasPrefix(l.Annotations[oci.AnnotationTitle], "repodata/"))
		default:
			t.Fatalf("unexpected layer media type %s", l.MediaType)
		}
	}
	sort.Strings(got)
	require.Equal(t, nevras, got, "one layer per RPM, annotated with the NEVRA rpm reports")
	require.Equal(t, 4, repodataLayers, "primary, filelists, other, repomd.xml")
	require.Equal(t, len(nevras), mustAtoi(t, m.Annotations[oci.AnnotationPackages]))

	t.Run("skopeo copies it back into a consistent yum repository", func(t *testing.T) {
		out := t.TempDir()
		r := verifiers.Run(t, skopeo, "copy", "--quiet", "--src-tls-verify=false", "docker://"+ref, "dir:"+out)
		require.Equal(t, 0, r.Code, r.Stderr)
		repo := t.TempDir()
		for _, l := range m.Layers {
			blob, err := os.ReadFile(filepath.Join(out, strings.TrimPrefix(l.Digest, "sha256:")))
			require.NoError(t, err)
			dst := filepath.Join(repo, filepath.FromSlash(l.Annotations[oci.AnnotationTitle]))
			require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
			require.NoError(t, os.WriteFile(dst, blob, 0o644))
		}
		listed, err := repocheck.Check(repo)
		require.NoError(t, err)
		require.Len(t, listed, len(nevras))
	})
}

func TestRefusedPush(t *testing.T) {
	addr := verifiers.Registry(t, true)
	in, _, dir := rpmSet(t)
	before, err := repocheck.Snapshot(dir)
	require.NoError(t, err)
	_, err = oci.Push(context.Background(), addr+"/qm/rpms:test", in, oci.Options{Insecure: true, Repodata: true, Time: buildTime,
		Retry: remote.Backoff{Duration: 10 * time.Millisecond, Factor: 1, Steps: 1}})
	require.Error(t, err)
	require.Contains(t, err.Error(), "pushing to "+addr+"/qm/rpms")
	require.Contains(t, err.Error(), "405 Method Not Allowed", "the registry's own answer is shown")
	after, err := repocheck.Snapshot(dir)
	require.NoError(t, err)
	require.Equal(t, before, after, "nothing is written locally")
}

func TestInProcessRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	in, _, _ := rpmSet(t)
	a, err := oci.Push(context.Background(), host+"/qm/a:1", in, oci.Options{Time: buildTime})
	require.NoError(t, err)
	// The same RPMs in another order give the same digest.
	rev := append([]oci.Input(nil), in...)
	sort.Slice(rev, func(i, j int) bool { return rev[i].Path > rev[j].Path })
	b, err := oci.Push(context.Background(), host+"/qm/b:1", rev, oci.Options{Time: buildTime})
	require.NoError(t, err)
	require.Equal(t, a.Digest, b.Digest)

	ref, err := name.ParseReference(host + "/qm/a:1")
	require.NoError(t, err)
	img, err := remote.Image(ref)
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, len(in))
}

func TestBadInput(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	in, _, _ := rpmSet(t)
	bad := append(in, oci.Input{Path: "notes.rpm", Data: []byte("not an rpm")}, oci.Input{Path: "empty.rpm"})
	_, err := oci.Push(context.Background(), host+"/qm/a:1", bad, oci.Options{})
	require.ErrorContains(t, err, "notes.rpm")
	require.ErrorContains(t, err, "empty.rpm")
	var bi interface{ BadInput() bool }
	require.ErrorAs(t, err, &bi)
	require.True(t, bi.BadInput())
	ref, err := name.ParseReference(host + "/qm/a:1")
	require.NoError(t, err)
	_, err = remote.Head(ref)
	require.Error(t, err, "nothing was pushed")

	_, err = oci.Push(context.Background(), "UPPER/Case::bad", in, oci.Options{})
	var re *rpmspec.InputError
	require.ErrorAs(t, err, &re)
	require.True(t, re.BadInput())
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}
