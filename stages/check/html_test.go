package check

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// htmlSample is a report with what a page must survive: markup and quotes in
// messages and paths, a chain, a warning, allowed statements with and
// without a reason.
func htmlSample() *Report {
	return &Report{
		Target: "disk:/images/<board>.qcow2", Kind: "disk", Arch: "aarch64", Profile: ProfileDefault, Rules: 3,
		Digest: "sha256:0123456789abcdef", Notes: []string{"GPT partition table; / is partition 1 (ext4, read-only loop mount)"},
		Errors: []Finding{
			{Rule: "QM108", Severity: Error, Path: "/etc/containers/systemd/qm.container.d/zz.conf", Line: 2,
				Message: `PodmanArgs=--privileged: QM runs privileged <script>alert("x")</script> & more`,
				Chain: []Link{{Path: "/usr/share/containers/systemd/qm.container", Line: 9, Note: "PodmanArgs= (empty)"},
					{Path: "/etc/containers/systemd/qm.container.d/zz.conf", Line: 2, Note: "PodmanArgs=--privileged"}}},
			{Rule: "QM601", Severity: Error, Path: "/usr/lib/qm/rootfs/usr/bin/süid", Message: "is setuid (mode 4755), not in the default list nor allowed"},
		},
		Warnings: []Finding{{Rule: "QM407", Severity: Warning, Path: "/usr/share/selinux/packages/qm.pp", Message: "qm_t keeps 'module_request'"}},
		Allowed: []AllowStatement{
			{File: "board.allow", Line: 3, Keyword: "device", Value: "/dev/ttyUSB1", Reason: "the modem's serial line (safety case §4.2)"},
			{File: "board.allow", Line: 5, Keyword: "writable-qm"},
		},
	}
}

func TestWriteHTMLIsSelfContainedAndReproducible(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, WriteHTML(&a, htmlSample(), Rules(), "1.0"))
	require.NoError(t, WriteHTML(&b, htmlSample(), Rules(), "1.0"))
	require.Equal(t, a.String(), b.String(), "the same report gives the same bytes")
	page := a.String()
	// Nothing is loaded: no element names another resource, no script runs.
	for _, re := range []string{`(?i)<script`, `(?i)\ssrc=`, `(?i)<link`, `(?i)\shref=`, `(?i)url\(`, `(?i)@import`, `(?i)https?://`} {
		require.NotRegexp(t, regexp.MustCompile(re), page, "the page must load nothing (%s)", re)
	}
	require.Contains(t, page, `default-src 'none'`)
	// The markup in a message is text.
	require.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more")
	for _, p := range FFIProperties {
		require.Contains(t, page, ">"+html.EscapeString(p.Name)+"<", "every FFI property has its row")
	}
}

// TestFFIPropertiesCoverTheRules: every FFI name a rule guards is a property
// of the report, and every property is guarded by a rule.
func TestFFIPropertiesCoverTheRules(t *testing.T) {
	names := map[string]bool{}
	for _, p := range FFIProperties {
		names[p.Name] = true
	}
	guarded := map[string]bool{}
	for _, r := range Rules() {
		for _, f := range r.FFI {
			require.True(t, names[f], "%s guards %q, which FFIProperties lacks", r.ID, f)
			guarded[f] = true
		}
	}
	for n := range names {
		require.True(t, guarded[n], "no rule guards %q", n)
	}
}

// TestHTMLInABrowser renders the page in headless Chromium: it loads, the
// screenshot is a real picture, and the text of every finding, its chain
// and every allow statement's reason is in the DOM.
func TestHTMLInABrowser(t *testing.T) {
	chromium := verifiers.Need(t, "chromium")
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	r := htmlSample()
	require.NoError(t, WriteHTML(&buf, r, Rules(), "1.0"))
	require.NoError(t, os.WriteFile(page, buf.Bytes(), 0o644))
	dom, shot := renderInChromium(t, chromium, dir, page)
	text := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(dom, ""))
	for _, f := range r.Findings() {
		require.Contains(t, text, f.Message, "the finding's text is in the DOM")
		require.Contains(t, text, f.Location())
		for _, l := range f.Chain {
			require.Contains(t, text, l.Location()+": "+l.Note)
		}
	}
	for _, a := range r.Allowed {
		require.Contains(t, text, a.Keyword)
		require.Contains(t, text, a.Reason)
	}
	require.Contains(t, text, r.Digest)
	require.NotContains(t, dom, "<script>alert", "markup in a message stays text")
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 100)
	// Not blank: the page paints more than one colour.
	colours := map[uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	require.Greater(t, len(colours), 3, "the screenshot shows the page, not a blank")
}

// renderInChromium loads a local page and returns its DOM and a PNG
// screenshot: two headless runs at once (Chromium does one action a run),
// each with a profile of its own.
func renderInChromium(t *testing.T, chromium, dir, page string) (string, []byte) {
	t.Helper()
	run := func(name string, action ...string) ([]byte, error) {
		args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
			"--user-data-dir=" + filepath.Join(dir, "profile-"+name), "--window-size=1280,2000"}
		cmd := exec.Command(chromium, append(append(args, action...), "file://"+page)...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("chromium %s: %w: %s", name, err, stderr.String())
		}
		return out, nil
	}
	shot := filepath.Join(dir, "shot.png")
	var shotErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, shotErr = run("screenshot", "--screenshot="+shot)
	}()
	dom, err := run("dom", "--dump-dom")
	<-done
	require.NoError(t, err)
	require.NoError(t, shotErr)
	require.Contains(t, string(dom), "QM freedom-from-interference evidence", "the page rendered")
	data, err := os.ReadFile(shot)
	require.NoError(t, err)
	require.NotEmpty(t, data)
	return string(dom), data
}
