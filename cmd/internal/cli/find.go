package cli

import (
	"os"
	"path/filepath"
)

// FindBinary finds a companion program of qm-build by name: first beside
// the running executable (as `make build` and the packages install them),
// then in the directories of $PATH, as git and kubectl find their plugins.
// It returns "" when there is none.
func FindBinary(name string, getenv func(string) string) string {
	if exe, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(exe), name); isExecutable(p) {
			return p
		}
	}
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
