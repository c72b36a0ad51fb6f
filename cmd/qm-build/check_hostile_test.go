package main

// Hostile images against the real process (issue 17, cases 7, 8 and 10 for
// check): memory and temporary disk stay bounded, SIGINT and SIGTERM end a
// check that is reading (as an interruption), inputs and flag files that
// would block are refused, and no temporary file is left behind. Memory is
// the kernel's count (getrusage's ru_maxrss of the child); temporary disk is
// bounded by running the child under `ulimit -f`, so a spool that grew past
// the bound would fail the write.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"
)

// maxRSS is the bound issue 17 sets for checking any adversarial image.
const maxRSS = 512 << 20

// layerFile is a layer blob written to disk with its digests.
type layerFile struct {
	path           string
	digest, diffID string
	size           int64
	mediaType      string
}

// writeLayout writes an OCI layout of one image (tag "test") with the given
// layers, as umoci would lay it out.
func writeHostileLayout(t *testing.T, layers ...layerFile) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	blobs := filepath.Join(dir, "blobs", "sha256")
	require.NoError(t, os.MkdirAll(blobs, 0o755))
	put := func(data []byte) (string, int64) {
		sum := sha256.Sum256(data)
		d := hex.EncodeToString(sum[:])
		require.NoError(t, os.WriteFile(filepath.Join(blobs, d), data, 0o644))
		return "sha256:" + d, int64(len(data))
	}
	var diffIDs []string
	var descs []map[string]any
	for _, l := range layers {
		require.NoError(t, os.Rename(l.path, filepath.Join(blobs, strings.TrimPrefix(l.digest, "sha256:"))))
		diffIDs = append(diffIDs, l.diffID)
		descs = append(descs, map[string]any{"mediaType": l.mediaType, "digest": l.digest, "size": l.size})
	}
	cfg, err := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	require.NoError(t, err)
	cd, cs := put(cfg)
	man, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs}, "layers": descs})
	require.NoError(t, err)
	md, ms := put(man)
	idx, err := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "test"}}}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	return dir
}

// layerWriter writes a gzip layer to a file, hashing the blob and the tar.
type layerWriter struct {
	f          *os.File
	blob, diff hash.Hash
	gz         *gzip.Writer
	tw         *tar.Writer
	level      int
}

func newLayerWriter(t *testing.T, level int) *layerWriter {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "layer-*")
	require.NoError(t, err)
	w := &layerWriter{f: f, blob: sha256.New(), diff: sha256.New(), level: level}
	w.member()
	w.tw = tar.NewWriter(w)
	return w
}

// member starts a new gzip member (a gzip stream may be many).
func (w *layerWriter) member() {
	if w.gz != nil {
		w.gz.Close()
	}
	w.gz, _ = gzip.NewWriterLevel(io.MultiWriter(w.f, w.blob), w.level)
}

func (w *layerWriter) Write(p []byte) (int, error) {
	w.diff.Write(p)
	return w.gz.Write(p)
}

func (w *layerWriter) close(t *testing.T) layerFile {
	t.Helper()
	require.NoError(t, w.tw.Close())
	require.NoError(t, w.gz.Close())
	fi, err := w.f.Stat()
	require.NoError(t, err)
	require.NoError(t, w.f.Close())
	return layerFile{path: w.f.Name(), digest: "sha256:" + hex.EncodeToString(w.blob.Sum(nil)),
		diffID: "sha256:" + hex.EncodeToString(w.diff.Sum(nil)), size: fi.Size(), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}
}

// zeroBomb writes issue 17's "10 MB gzip layer" that decompresses to a
// 10 GiB file of zeros: the same compressed member of 64 MiB of zeros,
// repeated (a gzip stream may hold many members). Hashing the 10 GiB for
// the diff_id takes seconds; a test that stops the check before the end of
// the layer passes hashDiff false and gets a wrong diff_id.
func zeroBomb(t *testing.T, hashDiff bool) layerFile {
	t.Helper()
	const chunk, n = 64 << 20, 160
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "zero", Typeflag: tar.TypeReg, Mode: 0o644, Size: chunk * n}))
	var member bytes.Buffer
	gz, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, chunk)
	_, err = gz.Write(zeros)
	require.NoError(t, err)
	require.NoError(t, gz.Close())
	f, err := os.Create(filepath.Join(t.TempDir(), "layer"))
	require.NoError(t, err)
	defer f.Close()
	blob, diff := sha256.New(), sha256.New()
	out := io.MultiWriter(f, blob)
	gzipMember := func(data []byte) {
		w, err := gzip.NewWriterLevel(out, gzip.BestCompression)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		diff.Write(data)
	}
	gzipMember(hdr.Bytes())
	for i := 0; i < n; i++ {
		_, err := out.Write(member.Bytes())
		require.NoError(t, err)
		if hashDiff {
			diff.Write(zeros)
		}
	}
	gzipMember(make([]byte, 1024)) // the tar end marker
	fi, err := f.Stat()
	require.NoError(t, err)
	return layerFile{path: f.Name(), digest: "sha256:" + hex.EncodeToString(blob.Sum(nil)),
		diffID: "sha256:" + hex.EncodeToString(diff.Sum(nil)), size: fi.Size(), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}
}

func bombLayout(t *testing.T) string { return writeHostileLayout(t, zeroBomb(t, true)) }

// checkProcess runs `qm-build check args…` as a process with its own TMPDIR
// and at most fsize bytes in any file it writes (ulimit -f, which counts
// 512-byte blocks in POSIX sh), and returns its exit status, output and peak
// resident memory.
type processResult struct {
	code           int
	stdout, stderr string
	maxRSS         int64
}

func checkProcess(t *testing.T, tmp string, fsize int64, args ...string) processResult {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	// A hang guard, not a timing assertion: a check that blocks fails here
	// instead of stalling the whole test binary.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	script := fmt.Sprintf(`ulimit -f %d && exec "$0" "$@"`, fsize/512)
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", script, exe, "check"}, args...)...)
	cmd.Env = append(os.Environ(), "QM_BUILD_AS_MAIN=1", "TMPDIR="+tmp)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	require.NoError(t, ctx.Err(), "qm-build check hung")
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return processResult{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String(), maxRSS: ru.Maxrss << 10}
}

// TestCheckHostileImagesAreBounded: each adversarial image is checked (or
// refused, exit status 2, naming the limit) within 512 MiB of memory and
// with no file of the run larger than the bound given to ulimit -f, and
// leaves nothing in TMPDIR.
func TestCheckHostileImagesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T) string
		fsize  int64 // largest file the process may write
		code   int
		want   string
	}{
		{"a 10 MB gzip layer of a 10 GiB file", bombLayout, 64 << 20, exitFailure, "error(s)"},
		{"300 PAX path names of 1 MiB", func(t *testing.T) string {
			w := newLayerWriter(t, gzip.BestSpeed)
			for i := 0; i < 300; i++ {
				require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/%s/f", i, strings.Repeat("n", 1000<<10)),
					Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatPAX}))
			}
			return writeHostileLayout(t, w.close(t))
		}, 64 << 20, exitBadInput, "MaxPath"},
		{"a million entries", func(t *testing.T) string {
			w := newLayerWriter(t, gzip.BestSpeed)
			for i := 0; i < 1<<20-2000; i++ {
				if i%1000 == 0 {
					require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/share/pkg/dir%04d/", i/1000), Typeflag: tar.TypeDir, Mode: 0o755}))
				}
				require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/share/pkg/dir%04d/file-%07d.conf", i/1000, i),
					Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatPAX, PAXRecords: map[string]string{"SCHILY.xattr.security.selinux": "system_u:object_r:usr_t:s0"}}))
			}
			return writeHostileLayout(t, w.close(t))
		}, 64 << 20, exitFailure, "error(s)"},
		{"more entries than the limit", func(t *testing.T) string {
			w := newLayerWriter(t, gzip.BestSpeed)
			for i := 0; i < 1<<20+1; i++ {
				require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%04d/%d", i/1000, i), Typeflag: tar.TypeReg, Mode: 0o644}))
			}
			return writeHostileLayout(t, w.close(t))
		}, 64 << 20, exitBadInput, "MaxEntries"},
		{"1.25 GiB of small files that compress 100 to 1 and more", func(t *testing.T) string {
			w := newLayerWriter(t, gzip.BestSpeed)
			a := bytes.Repeat([]byte{'a'}, 32<<20)
			for i := 0; i < 40; i++ {
				require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(a))}))
				_, err := w.tw.Write(a)
				require.NoError(t, err)
			}
			return writeHostileLayout(t, w.close(t))
		}, 512 << 20, exitBadInput, "MaxSpool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layout := tc.layout(t)
			tmp := t.TempDir()
			r := checkProcess(t, tmp, tc.fsize, "oci:"+layout)
			t.Logf("exit %d, max RSS %d MiB", r.code, r.maxRSS>>20)
			require.Equal(t, tc.code, r.code, "stdout:\n%s\nstderr:\n%s", truncateOutput(r.stdout), r.stderr)
			require.Contains(t, r.stdout+r.stderr, tc.want)
			require.Less(t, r.maxRSS, int64(maxRSS), "peak resident memory")
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			require.Empty(t, left, "temporary files left in TMPDIR")
		})
	}
}

func truncateOutput(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// TestCheckStopsOnASignal: SIGINT or SIGTERM while check reads a large layer
// ends the process, which removes its work directory on the way out and
// reports an interruption (not bad input) with the shell's status for the
// signal: 130 for SIGINT, 143 for SIGTERM. The time from the signal to the
// exit is logged (`make bench` is where speed is judged).
func TestCheckStopsOnASignal(t *testing.T) {
	layout := writeHostileLayout(t, zeroBomb(t, false))
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // a hang guard
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, "check", "oci:"+layout)
			cmd.Env = append(os.Environ(), "QM_BUILD_AS_MAIN=1", "TMPDIR="+tmp)
			var outb, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &outb, &errb
			require.NoError(t, cmd.Start())
			done := make(chan struct{})
			go func() {
				_ = cmd.Wait()
				close(done)
			}()
			// The work directory appears once the blobs are verified and the
			// layer starts streaming: the check is then busy reading 10 GiB.
			for started := false; !started; {
				dirs, _ := filepath.Glob(filepath.Join(tmp, "qm-build-check-*"))
				started = len(dirs) > 0
				select {
				case <-done:
					t.Fatalf("check ended before it read the layer: %s", errb.String())
				case <-ctx.Done():
					t.Fatal("the work directory never appeared")
				case <-time.After(10 * time.Millisecond):
				}
			}
			sent := time.Now()
			require.NoError(t, cmd.Process.Signal(tc.sig))
			select {
			case <-done:
			case <-ctx.Done():
			}
			t.Logf("exited %v after %s", time.Since(sent).Round(time.Millisecond), tc.name)
			require.NoError(t, ctx.Err(), "check did not stop on %s", tc.name)
			require.Equal(t, tc.code, cmd.ProcessState.ExitCode(), errb.String())
			require.Contains(t, errb.String(), "qm-build check: interrupted by "+tc.name+" (")
			// Either the check wound down by itself (the message says what
			// was cut short) or, on a machine too loaded for that within
			// the grace, the hard stop ended it after removing what the
			// check had registered: no leftovers either way.
			if !strings.Contains(errb.String(), "without finishing") {
				require.Contains(t, errb.String(), "context canceled", "the message says what was cut short")
			}
			require.Empty(t, outb.String(), "no report for an interrupted check")
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			require.Empty(t, left, "temporary files left after %s", tc.name)
		})
	}
}

// TestCheckRefusesInputsThatBlock: a FIFO where an archive is expected is
// refused at once (exit status 2), not opened for a read that never ends.
func TestCheckRefusesInputsThatBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "image.tar")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	for _, spec := range []string{fifo, "oci-archive:" + fifo, "docker-archive:" + fifo} {
		t.Run(spec[:strings.IndexByte(spec+":", ':')], func(t *testing.T) {
			r := checkProcess(t, t.TempDir(), 1<<20, spec)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, "FIFO")
		})
	}
}

// TestCheckRefusesFlagFilesThatBlock: --allow and --keyring name regular
// files; a FIFO (which a plain open would wait on for a writer), a device
// or an oversized file is refused at once, exit status 2, naming the flag.
func TestCheckRefusesFlagFilesThatBlock(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "allow.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	huge := filepath.Join(dir, "huge")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxKeyring+1)) // sparse: over both bounds
	require.NoError(t, f.Close())
	tree := filepath.Join(dir, "tree")
	require.NoError(t, os.Mkdir(tree, 0o755))
	for _, tc := range []struct {
		flag, file, want string
	}{
		{"--allow", fifo, "is a FIFO, not a regular file"},
		{"--keyring", fifo, "is a FIFO, not a regular file"},
		{"--keyring", "/dev/zero", "is a character device, not a regular file"},
		{"--allow", huge, "is larger than 1 MiB"},
		{"--keyring", huge, "is larger than 16 MiB"},
	} {
		t.Run(tc.flag+" "+filepath.Base(tc.file), func(t *testing.T) {
			r := checkProcess(t, t.TempDir(), 1<<20, tc.flag, tc.file, tree)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, "qm-build check: "+tc.flag+": "+tc.file+": "+tc.want)
		})
	}
}

// TestCheckSweepsStaleWorkDirectories: a work directory a killed run left
// behind (its marker names a process that is gone) is removed by the next
// check; one without the marker is not touched.
func TestCheckSweepsStaleWorkDirectories(t *testing.T) {
	tmp := t.TempDir()
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	stale := filepath.Join(tmp, "qm-build-check-123")
	require.NoError(t, os.Mkdir(stale, 0o700))
	start := "1"
	if data, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		marker := fmt.Sprintf("qm-build check work directory v1\npid %d\nstart %s\nboot %s\n", dead.Process.Pid, start, strings.TrimSpace(string(data)))
		require.NoError(t, os.WriteFile(filepath.Join(stale, ".qm-build-owner"), []byte(marker), 0o600))
	}
	other := filepath.Join(tmp, "qm-build-check-unmarked")
	require.NoError(t, os.Mkdir(other, 0o700))
	r := checkProcess(t, tmp, 64<<20, "oci:"+writeHostileLayout(t, func() layerFile {
		w := newLayerWriter(t, gzip.BestSpeed)
		return w.close(t)
	}()))
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.NoDirExists(t, stale)
	require.DirExists(t, other)
}

// TestCheckRefusesUnverifiedBlobs: a layout whose layer is not what its
// digest says is bad input (exit status 2), and the message names the blob.
func TestCheckRefusesUnverifiedBlobs(t *testing.T) {
	w := newLayerWriter(t, gzip.BestSpeed)
	require.NoError(t, w.tw.WriteHeader(&tar.Header{Name: "etc/os-release", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3}))
	_, err := w.tw.Write([]byte("ID\n"))
	require.NoError(t, err)
	l := w.close(t)
	layout := writeHostileLayout(t, l)
	blob := filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(l.digest, "sha256:"))
	data, err := os.ReadFile(blob)
	require.NoError(t, err)
	data[len(data)-5] ^= 1 // inside the gzip trailer: still the same size
	require.NoError(t, os.WriteFile(blob, data, 0o644))
	r := checkProcess(t, t.TempDir(), 64<<20, "oci:"+layout)
	require.Equal(t, exitBadInput, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "layer 1 of 1 ("+l.digest[:19]+"): content does not match its digest")
}
