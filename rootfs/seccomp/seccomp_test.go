package seccomp

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
	"github.com/qm-build/qm-build/test/verifiers"
)

type profile struct {
	DefaultAction   string `json:"defaultAction"`
	DefaultErrnoRet *uint  `json:"defaultErrnoRet"`
	Syscalls        []Rule `json:"syscalls"`
}

func decode(t testing.TB, b []byte) profile {
	t.Helper()
	var p profile
	require.NoError(t, json.Unmarshal(b, &p))
	return p
}

// rulesFor returns the rules naming a system call.
func rulesFor(p profile, name string) []Rule {
	var out []Rule
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if n == name {
				out = append(out, r)
			}
		}
	}
	return out
}

// hostBase is a real containers seccomp.json: the one golang-github-containers-
// common installs (skopeo, in install-verifiers.sh, depends on it).
func hostBase(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(BasePath)
	if err != nil {
		verifiers.Need(t, "containers-common's "+BasePath)
	}
	return b
}

// requireNoRealtime checks the promise of the profile, whatever its base.
func requireNoRealtime(t *testing.T, b []byte) {
	p := decode(t, b)
	setattr := rulesFor(p, "sched_setattr")
	require.Len(t, setattr, 1, "exactly one rule names sched_setattr")
	require.Equal(t, "SCMP_ACT_ERRNO", setattr[0].Action)
	require.NotNil(t, setattr[0].ErrnoRet)
	require.Equal(t, uint(EPERM), *setattr[0].ErrnoRet)
	require.Empty(t, setattr[0].Args)

	var policies []uint64
	for _, r := range rulesFor(p, "sched_setscheduler") {
		require.Equal(t, "SCMP_ACT_ALLOW", r.Action)
		require.Equal(t, []string{"sched_setscheduler"}, r.Names)
		require.Len(t, r.Args, 1, "every sched_setscheduler allowance is conditional")
		require.Equal(t, uint(1), r.Args[0].Index)
		require.Equal(t, "SCMP_CMP_EQ", r.Args[0].Op)
		policies = append(policies, r.Args[0].Value)
	}
	require.ElementsMatch(t, []uint64{SchedOther, SchedBatch, SchedIdle}, policies)
	require.NotContains(t, policies, uint64(SchedFIFO))
	require.NotContains(t, policies, uint64(SchedRR))
}

// requireDefaultDenies checks that calls no rule allows are refused, which
// makes SCHED_FIFO and SCHED_RR fail.
func requireDefaultDenies(t *testing.T, b []byte) {
	require.NotEqual(t, "SCMP_ACT_ALLOW", decode(t, b).DefaultAction, "the default must not allow, or FIFO/RR would pass")
}

func TestOwnProfile(t *testing.T) {
	b, err := Derive(Own(), "qm-build's own seccomp profile")
	require.NoError(t, err)
	embedded, err := Profile(nil)
	require.NoError(t, err)
	if !golden.Update() {
		require.Equal(t, string(b), string(embedded), "the embedded profile is not Derive(Own()): run `go test ./rootfs/seccomp -update`")
	}
	requireNoRealtime(t, b)
	requireDefaultDenies(t, b)
	p := decode(t, b)
	require.Equal(t, "SCMP_ACT_ERRNO", p.DefaultAction)
	for _, n := range []string{"init_module", "finit_module", "kexec_load", "reboot", "swapon", "clock_settime", "settimeofday", "open_by_handle_at", "iopl"} {
		t.Run("denies "+n, func(t *testing.T) {
			rs := rulesFor(p, n)
			require.Len(t, rs, 1)
			require.Equal(t, "SCMP_ACT_ERRNO", rs[0].Action)
			require.Equal(t, uint(EPERM), *rs[0].ErrnoRet)
		})
	}
	for _, n := range []string{"mount", "unshare", "clone3", "openat2", "pivot_root", "bpf", "keyctl"} {
		t.Run("allows "+n+" for systemd and podman", func(t *testing.T) {
			rs := rulesFor(p, n)
			require.Len(t, rs, 1)
			require.Equal(t, "SCMP_ACT_ALLOW", rs[0].Action)
		})
	}
	golden.Check(t, "seccomp-no-rt.own.json", b)
}

func TestOwnProfileListsAreDisjoint(t *testing.T) {
	deny := map[string]bool{}
	for _, n := range names(denied) {
		deny[n] = true
	}
	for _, n := range names(allowed) {
		require.False(t, deny[n], "%s is both allowed and denied", n)
	}
}

// TestOwnProfileNamesAreRealSyscalls asks libseccomp's scmp_sys_resolver
// whether every name of the own profile is a system call on one of the
// profile's architectures, so a typo cannot silently leave a call denied.
func TestOwnProfileNamesAreRealSyscalls(t *testing.T) {
	resolver := verifiers.Need(t, "scmp_sys_resolver")
	for _, n := range append(names(allowed), names(denied)...) {
		found := false
		for _, arch := range []string{"x86_64", "aarch64", "arm", "x86", "x32"} {
			r := verifiers.Run(t, resolver, "-a", arch, n)
			var nr int
			if r.Code == 0 && json.Unmarshal([]byte(r.Stdout), &nr) == nil && nr >= 0 {
				found = true
				break
			}
		}
		require.True(t, found, "%s is no system call libseccomp knows on x86_64, aarch64, arm, x86 or x32", n)
	}
}

func TestDeriveFromContainersProfile(t *testing.T) {
	base := hostBase(t)
	b, err := Profile(base)
	require.NoError(t, err)
	requireNoRealtime(t, b)
	requireDefaultDenies(t, b)

	in, out := decode(t, base), decode(t, b)
	require.Equal(t, in.DefaultAction, out.DefaultAction)
	require.Equal(t, in.DefaultErrnoRet, out.DefaultErrnoRet)
	count := func(p profile) map[string]int {
		m := map[string]int{}
		for _, r := range p.Syscalls {
			for _, n := range r.Names {
				m[n+" "+r.Action]++
			}
		}
		return m
	}
	ci, co := count(in), count(out)
	delete(ci, "sched_setattr SCMP_ACT_ALLOW")
	delete(ci, "sched_setscheduler SCMP_ACT_ALLOW")
	delete(co, "sched_setattr SCMP_ACT_ERRNO")
	delete(co, "sched_setscheduler SCMP_ACT_ALLOW")
	require.Equal(t, ci, co, "every other rule is kept")

	// Fields Derive does not know survive untouched.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	require.Contains(t, raw, "archMap")

	again, err := Profile(base)
	require.NoError(t, err)
	require.Equal(t, b, again, "deterministic")
	twice, err := Derive(b, "derived")
	require.NoError(t, err)
	requireNoRealtime(t, twice)
}

func TestDeriveRejectsBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "{", "tree.json: parsing seccomp profile"},
		{"no syscalls", `{"defaultAction":"SCMP_ACT_ERRNO"}`, `tree.json: no "syscalls" list`},
		{"syscalls not a list", `{"syscalls":{}}`, `tree.json: parsing "syscalls"`},
		{"names not strings", `{"syscalls":[{"names":[1],"action":"SCMP_ACT_ALLOW"}]}`, "tree.json: syscalls[0].names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Derive([]byte(tc.in), "tree.json")
			require.ErrorContains(t, err, tc.want)
			var ie *rpmspec.InputError
			require.ErrorAs(t, err, &ie)
			require.True(t, ie.BadInput())
		})
	}
}

func FuzzDerive(f *testing.F) {
	f.Add(Own())
	f.Add(ownProfile)
	f.Add([]byte(`{"syscalls":[{"names":["sched_setattr"],"action":"SCMP_ACT_ALLOW"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Derive(data, "fuzz")
		if err != nil {
			return
		}
		requireNoRealtime(t, out)
	})
}
