package check

import (
	"os"
	"testing"
)

// TestMain removes the cross-compiled programs the arch tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if crossDir != "" {
		os.RemoveAll(crossDir)
	}
	os.Exit(code)
}
