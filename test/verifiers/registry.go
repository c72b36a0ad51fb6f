package verifiers

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Registry starts Debian's docker-registry (the CNCF distribution registry)
// on a free loopback port with a configuration of its own, storing under a
// test directory, and returns its host:port. readOnly starts it in
// maintenance read-only mode, so that every push is refused. The registry is
// stopped when the test ends.
func Registry(t testing.TB, readOnly bool) string {
	t.Helper()
	bin := Need(t, "docker-registry")
	for attempt := 0; attempt < 3; attempt++ {
		addr := freeLoopbackAddr(t)
		dir := t.TempDir()
		cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: %t
http:
  addr: %s
`, filepath.Join(dir, "data"), readOnly, addr)
		cfgFile := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", cfgFile)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		log, err := os.Create(filepath.Join(dir, "registry.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting docker-registry: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
			log.Close()
		})
		if waitHTTP("http://"+addr+"/v2/", 10*time.Second) {
			return addr
		}
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		data, _ := os.ReadFile(log.Name())
		t.Logf("docker-registry on %s did not come up:\n%s", addr, data)
	}
	t.Fatal("docker-registry did not start")
	return ""
}

func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func waitHTTP(url string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
