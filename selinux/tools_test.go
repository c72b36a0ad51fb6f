package selinux

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

// These tests run the real SELinux tools (checkpolicy, semodule-utils,
// policycoreutils, setools, selinux-policy-dev, selinux-policy-default) as
// the oracles. The module is compiled and linked once per test binary.

var shared struct {
	once   sync.Once
	dir    string
	pp     []byte
	policy string // linked policy.33 of a copy of the default store
	fc     string // that copy's file_contexts (real policy + qm)
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func needPolicyTools(t testing.TB) Tools {
	t.Helper()
	for _, tool := range []string{"make", "checkmodule", "bzip2", "semodule", "seinfo", "sesearch"} {
		verifiers.Need(t, tool)
	}
	tools, err := FindTools(exec.LookPath, os.Stat, DevelMakefile)
	require.NoError(t, err, "install selinux-policy-dev")
	return tools
}

// linkedPolicy compiles qm.pp and installs it into a copy of the
// selinux-policy-default store with `semodule -n -p COPY` (never the
// machine's own store).
func linkedPolicy(t testing.TB) (pp []byte, policy, fc string) {
	t.Helper()
	tools := needPolicyTools(t)
	if _, err := os.Stat("/var/lib/selinux/default"); err != nil {
		t.Fatalf("selinux-policy-default's store is missing: %v", err)
	}
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "qm-selinux-test-")
		if shared.err != nil {
			return
		}
		srcs, err := Sources(rpmspec.DefaultVersion)
		if err != nil {
			shared.err = err
			return
		}
		if shared.pp, shared.err = Compile(context.Background(), srcs, tools); shared.err != nil {
			return
		}
		root := filepath.Join(shared.dir, "store")
		ppPath := filepath.Join(shared.dir, "qm.pp")
		script := `set -e
mkdir -p "$1/var/lib/selinux" "$1/etc"
cp -a /var/lib/selinux/default "$1/var/lib/selinux/"
cp -a /etc/selinux "$1/etc/"
semodule -n -p "$1" -s default -i "$2"`
		if shared.err = os.WriteFile(ppPath, shared.pp, 0o644); shared.err != nil {
			return
		}
		out, err := exec.Command("sh", "-c", script, "sh", root, ppPath).CombinedOutput()
		if err != nil {
			shared.err = &toolError{"semodule -n -p", err, string(out)}
			return
		}
		shared.policy = filepath.Join(root, "etc/selinux/default/policy/policy.33")
		shared.fc = filepath.Join(root, "etc/selinux/default/contexts/files/file_contexts")
	})
	require.NoError(t, shared.err)
	return shared.pp, shared.policy, shared.fc
}

type toolError struct {
	what string
	err  error
	out  string
}

func (e *toolError) Error() string { return e.what + ": " + e.err.Error() + "\n" + e.out }

func TestModuleCompiles(t *testing.T) {
	tools := needPolicyTools(t)
	verifiers.Need(t, "semodule_unpackage")
	pp, _, _ := linkedPolicy(t)

	t.Run("name and version", func(t *testing.T) {
		name, version, err := ModuleInfo(pp)
		require.NoError(t, err)
		require.Equal(t, []string{"qm", rpmspec.DefaultVersion}, []string{name, version})
	})
	t.Run("another version compiles into the module header", func(t *testing.T) {
		srcs, err := Sources("3.2.1")
		require.NoError(t, err)
		pp2, err := Compile(context.Background(), srcs, tools)
		require.NoError(t, err)
		_, version, err := ModuleInfo(pp2)
		require.NoError(t, err)
		require.Equal(t, "3.2.1", version)
	})
	t.Run("reproducible", func(t *testing.T) {
		srcs, err := Sources(rpmspec.DefaultVersion)
		require.NoError(t, err)
		again, err := Compile(context.Background(), srcs, tools)
		require.NoError(t, err)
		require.True(t, bytes.Equal(pp, again), "two compiles give the same qm.pp")
		bz1, err := Bzip2(context.Background(), tools, pp)
		require.NoError(t, err)
		bz2, err := Bzip2(context.Background(), tools, again)
		require.NoError(t, err)
		require.Equal(t, bz1, bz2)
	})
	t.Run("the module's file contexts are HostFileContexts", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "qm.pp"), pp, 0o644))
		r := verifiers.Cmd{Dir: dir}.Run(t, "semodule_unpackage", "qm.pp", "qm.mod", "qm.fc")
		require.Zero(t, r.Code, r.Stderr)
		got := fcLines(t, filepath.Join(dir, "qm.fc"))
		want := fcLines(t, "")
		require.Equal(t, want, got)
	})
}

// fcLines are the non-comment lines of a file_contexts file with whitespace
// normalised; "" reads HostFileContexts.
func fcLines(t *testing.T, path string) []string {
	data := HostFileContexts()
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		require.NoError(t, err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out = append(out, strings.Join(f, " "))
		}
	}
	return out
}

func TestLinkedPolicy(t *testing.T) {
	_, policy, _ := linkedPolicy(t)
	t.Run("types exist", func(t *testing.T) {
		types := []string{"qm_t", "qm_file_t", "qm_container_t", "qm_container_file_t", "qm_container_ro_file_t",
			"qm_container_var_lib_t", "qm_container_kvm_t", "qm_container_init_t", "ipc_t", "ipc_exec_t", "ipc_var_run_t",
			"qm_bluechi_agent_t", "qm_bluechi_agent_exec_t"}
		for _, n := range NestedTypes {
			types = append(types, n.Type)
		}
		for _, ty := range types {
			r := verifiers.Run(t, "seinfo", policy, "-t", ty)
			require.Zero(t, r.Code, r.Stderr)
			require.Contains(t, r.Stdout, "Types: 1", ty)
		}
	})
	t.Run("qm_file_type holds the QM file types", func(t *testing.T) {
		r := verifiers.Run(t, "seinfo", policy, "-a", "qm_file_type", "-x")
		require.Zero(t, r.Code, r.Stderr)
		for _, ty := range []string{"qm_file_t", "qm_container_file_t", "qm_container_ro_file_t", "qm_container_var_lib_t", "qm_bluechi_agent_exec_t"} {
			require.Contains(t, r.Stdout, "\t"+ty+"\n")
		}
	})
	for _, tc := range []struct {
		name  string
		args  []string
		allow bool // whether a rule must exist
	}{
		// FFI isolation: each must find no rule (sesearch expands attributes).
		{"qm_t may not write host etc_t files", []string{"-A", "-s", "qm_t", "-t", "etc_t", "-c", "file", "-p", "write"}, false},
		{"qm_t may not add entries to host etc_t dirs", []string{"-A", "-s", "qm_t", "-t", "etc_t", "-c", "dir", "-p", "add_name"}, false},
		{"qm_t may not write host bin_t files", []string{"-A", "-s", "qm_t", "-t", "bin_t", "-c", "file", "-p", "write"}, false},
		{"qm_t may not load kernel modules (sys_module)", []string{"-A", "-s", "qm_t", "-c", "capability", "-p", "sys_module"}, false},
		{"qm_t may not load kernel modules in a user namespace", []string{"-A", "-s", "qm_t", "-c", "cap_userns", "-p", "sys_module"}, false},
		{"qm_t may not load kernel modules (system module_load)", []string{"-A", "-s", "qm_t", "-c", "system", "-p", "module_load"}, false},
		{"qm_t may not setenforce", []string{"-A", "-s", "qm_t", "-c", "security", "-p", "setenforce"}, false},
		{"qm_t may not load a policy", []string{"-A", "-s", "qm_t", "-c", "security", "-p", "load_policy"}, false},
		{"qm_t may not set booleans", []string{"-A", "-s", "qm_t", "-c", "security", "-p", "setbool"}, false},
		{"qm_container_t may not transition to qm_t", []string{"-A", "-s", "qm_container_t", "-t", "qm_t", "-c", "process", "-p", "transition"}, false},
		{"qm_container_t may not dyntransition to qm_t", []string{"-A", "-s", "qm_container_t", "-t", "qm_t", "-c", "process", "-p", "dyntransition"}, false},
		{"qm_container_init_t may not transition to qm_t", []string{"-A", "-s", "qm_container_init_t", "-t", "qm_t", "-c", "process", "-p", "transition"}, false},
		{"qm_container_t may not write qm_file_t", []string{"-A", "-s", "qm_container_t", "-t", "qm_file_t", "-c", "file", "-p", "write"}, false},
		// Controls: the same queries do find what is granted.
		{"control: unconfined_t writes etc_t through attributes", []string{"-A", "-s", "unconfined_t", "-t", "etc_t", "-c", "file", "-p", "write"}, true},
		{"qm_t writes its own files", []string{"-A", "-s", "qm_t", "-t", "qm_file_t", "-c", "file", "-p", "write"}, true},
		{"qm_t starts nested containers", []string{"-A", "-s", "qm_t", "-t", "qm_container_t", "-c", "process", "-p", "transition"}, true},
		{"qm_t starts its BlueChi agent", []string{"-A", "-s", "qm_t", "-t", "qm_bluechi_agent_t", "-c", "process", "-p", "transition"}, true},
		{"QM connects to the ASIL sockets", []string{"-A", "-s", "qm_t", "-t", "ipc_t", "-c", "unix_stream_socket", "-p", "connectto"}, true},
		{"containers dirs get qm_container_var_lib_t", []string{"-T", "-s", "qm_t", "-t", "qm_file_t", "-c", "dir", "-D", "qm_container_var_lib_t"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verifiers.Run(t, "sesearch", append([]string{policy}, tc.args...)...)
			require.Zero(t, r.Code, r.Stderr)
			if tc.allow {
				require.NotEmpty(t, strings.TrimSpace(r.Stdout), "want a rule")
			} else {
				require.Empty(t, strings.TrimSpace(r.Stdout), "want no rule")
			}
		})
	}
}
