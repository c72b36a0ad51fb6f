package rootfs_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// plan resolves options against the built-in catalog plus user drop-ins
// given as name → YAML. Its errors are spelled as the CLI spells them.
func plan(t *testing.T, o rootfs.Options, user map[string]string) (*rootfs.Plan, error) {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	if len(user) > 0 {
		fsys := fstest.MapFS{}
		for n, y := range user {
			fsys[n+".yaml"] = &fstest.MapFile{Data: []byte(y)}
		}
		names, err := cat.AddDir(fsys, "user")
		require.NoError(t, err)
		o.Dropins = append(o.Dropins, names...)
	}
	p, err := rootfs.NewPlan(o, cat)
	return p, rootfs.Spell(err, rootfs.FlagSpelling)
}

func compose(t *testing.T, o rootfs.Options, f rootfs.Facts, user map[string]string) (*rootfs.Content, error) {
	t.Helper()
	p, err := plan(t, o, user)
	if err != nil {
		return nil, err
	}
	return rootfs.Compose(p, f)
}

// requireBadInput checks an error is bad input (exit 2) holding each want.
func requireBadInput(t *testing.T, err error, want ...string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, rpmspec.ErrInvalid, err.Error())
	for _, w := range want {
		require.Contains(t, err.Error(), w)
	}
}

// TestDropinRelations: each package's relations as upstream's spec has
// them (qm at least the qm built with it, the hook package for annotations,
// the packages it needs), and its legacy names provided and obsoleted.
func TestDropinRelations(t *testing.T) {
	c, err := compose(t, rootfs.Options{Dropins: []string{"all"}}, rootfs.Facts{HookProgram: composed.HookProgram(t, "amd64")}, nil)
	require.NoError(t, err)
	qm := rpmspec.Relation{Name: "qm", Op: ">=", Version: "1.0-1"}
	hooks := rpmspec.Relation{Name: "qm-oci-hooks"}
	for _, tc := range []struct {
		pkg, version, arch string
		requires           rpmspec.Relations
	}{
		{"qm-kvm", "1.0", "noarch", rpmspec.Relations{qm}},
		{"qm-sound", "1.0", "noarch", rpmspec.Relations{qm, hooks}},
		{"qm-mount-bind-video", "1.0", "noarch", rpmspec.Relations{qm}},
		{"qm-ros2", "1.0", "noarch", rpmspec.Relations{qm}},
		{"qm-text2speech", "1.0", "noarch", rpmspec.Relations{qm, {Name: "qm-sound", Op: ">=", Version: "1.0-1"}}},
		{"qm-oci-hooks", "0.1.0", "x86_64", nil},
		{"qm-wayland", "0.1.0", "noarch", rpmspec.Relations{qm, hooks, {Name: "systemd"}}},
		{"qm-windowmanager", "1.0", "noarch", rpmspec.Relations{qm, {Name: "qm-tty7", Op: ">=", Version: "1.0-1"}, {Name: "qm-input", Op: ">=", Version: "1.0-1"}}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			p := c.Package(tc.pkg)
			require.NotNil(t, p)
			require.Equal(t, tc.version, p.Version)
			require.Equal(t, tc.arch, p.Arch)
			require.Equal(t, tc.requires.Sorted(), p.Requires.Sorted())
			d, _ := c.Plan.Catalog.Get(p.Dropin)
			for _, l := range d.Legacy {
				require.Contains(t, p.Provides, rpmspec.Relation{Name: l, Op: "=", Version: p.EVR()})
				require.Contains(t, p.Obsoletes, rpmspec.Relation{Name: l, Op: "<", Version: p.EVR()})
			}
		})
	}
}

// TestHookPackage: the hook package takes its program and architecture from
// --hook-binary; asked for by name without it, the plan is refused; through
// "all" it is left out with a note, and the packages that set annotations
// still require it.
func TestHookPackage(t *testing.T) {
	amd64 := composed.HookProgram(t, "amd64")
	arm64 := verifiers.GoProgram(t, "arm64", "-s -w", "hook")
	t.Run("program and architecture", func(t *testing.T) {
		c, err := compose(t, rootfs.Options{Dropins: []string{"sound"}, Arch: "x86_64"}, rootfs.Facts{HookProgram: amd64}, nil)
		require.NoError(t, err)
		require.Nil(t, c.Package("qm-oci-hooks"), "sound requires the hook package but does not select it")
		c, err = compose(t, rootfs.Options{Dropins: []string{"oci-hooks"}}, rootfs.Facts{HookProgram: arm64}, nil)
		require.NoError(t, err)
		p := c.Package("qm-oci-hooks")
		require.Equal(t, "aarch64", p.Arch, "no --arch given: the program's")
		require.Equal(t, "qm-oci-hooks-0.1.0-1.src.rpm", p.SourceRPM)
		var paths []string
		for _, f := range p.SortedFiles() {
			paths = append(paths, f.Path)
			if f.Path == ocihooks.ProgramPath {
				require.Equal(t, arm64, f.Body)
				require.Equal(t, "0755", f.OctalMode())
			}
		}
		require.Equal(t, []string{"/usr/libexec/oci", "/usr/libexec/oci/hooks.d", ocihooks.ProgramPath,
			"/usr/share/containers/oci", ocihooks.HooksDir,
			ocihooks.HooksDir + "/oci-qm-device-manager.json", ocihooks.HooksDir + "/oci-qm-seat-manager.json",
			ocihooks.HooksDir + "/oci-qm-wayland-client-devices.json", "/usr/share/qm/dropins/oci-hooks.json"}, paths)
	})
	t.Run("another architecture than the image's", func(t *testing.T) {
		_, err := compose(t, rootfs.Options{Dropins: []string{"oci-hooks"}, Arch: "x86_64"}, rootfs.Facts{HookProgram: arm64}, nil)
		requireBadInput(t, err, "--hook-binary: the hook program is built for aarch64, the image is x86_64 (--arch)")
	})
	t.Run("not a program", func(t *testing.T) {
		_, err := compose(t, rootfs.Options{Dropins: []string{"oci-hooks"}}, rootfs.Facts{HookProgram: []byte("#!/bin/sh\n")}, nil)
		requireBadInput(t, err, "--hook-binary: not an ELF executable")
	})
	t.Run("named without its program", func(t *testing.T) {
		_, err := compose(t, rootfs.Options{Dropins: []string{"kvm,oci-hooks"}}, rootfs.Facts{}, nil)
		requireBadInput(t, err, "--hook-binary: qm-oci-hooks ships QM's OCI hook program: build it for the target (make hook)")
	})
	t.Run("all without its program", func(t *testing.T) {
		c, err := compose(t, rootfs.Options{Dropins: []string{"all"}}, rootfs.Facts{}, nil)
		require.NoError(t, err)
		require.Nil(t, c.Package("qm-oci-hooks"))
		require.Len(t, c.Skipped, 1)
		require.Contains(t, c.Skipped[0], "qm-oci-hooks: not built, no hook program")
		require.Contains(t, c.Notes, c.Skipped[0])
		require.Contains(t, c.Package("qm-sound").Requires, rpmspec.Relation{Name: "qm-oci-hooks"})
	})
	// A drop-in that sets annotations requires qm-oci-hooks; when the run
	// does not write it, a note says so (once), naming what to add.
	for _, tc := range []struct {
		name    string
		dropins string
		facts   rootfs.Facts
		note    string
	}{
		{"sound without the hook program", "sound", rootfs.Facts{}, "qm-oci-hooks: required by qm-sound and not written: it needs the hook program (make hook; add --dropin oci-hooks --hook-binary bin/qm-oci-hook)"},
		{"sound and wayland, one note", "sound,wayland", rootfs.Facts{}, "qm-oci-hooks: required by qm-sound and not written"},
		{"sound with the program but not named", "sound", rootfs.Facts{HookProgram: amd64}, "qm-oci-hooks: required by qm-sound and not written (add --dropin oci-hooks)"},
		{"sound and oci-hooks", "sound,oci-hooks", rootfs.Facts{HookProgram: amd64}, ""},
		{"kvm needs nothing", "kvm", rootfs.Facts{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := compose(t, rootfs.Options{Dropins: []string{tc.dropins}}, tc.facts, nil)
			require.NoError(t, err)
			var hooks []string
			for _, n := range c.Notes {
				if strings.Contains(n, "qm-oci-hooks") {
					hooks = append(hooks, n)
				}
			}
			if tc.note == "" {
				require.Empty(t, hooks)
				return
			}
			require.Len(t, hooks, 1, "%q", hooks)
			require.Contains(t, hooks[0], tc.note)
		})
	}
}

// TestAnnotationsInTheQuadletDropin: a drop-in's annotations land on QM's
// container beside its devices, and its declaration says so.
func TestAnnotationsInTheQuadletDropin(t *testing.T) {
	c, err := compose(t, rootfs.Options{Dropins: []string{"wayland"}}, rootfs.Facts{}, nil)
	require.NoError(t, err)
	p := c.Package("qm-wayland")
	files := map[string]string{}
	for _, f := range p.Files {
		files[f.Path] = string(f.Body)
	}
	require.Equal(t, "# From qm-wayland: annotations whose devices QM's OCI hooks add (qm-oci-hooks).\n\n[Container]\n"+
		"Annotation=org.containers.qm.wayland.seat=seat0\nAnnotation=org.containers.qm.device.ttys=true\n",
		files["/etc/containers/systemd/qm.container.d/wayland.conf"])
	require.Contains(t, files["/usr/share/qm/dropins/wayland.json"], `"annotations": {
    "org.containers.qm.device.ttys": "true",
    "org.containers.qm.wayland.seat": "seat0"
  }`)
}

// TestEnabledUnits: a drop-in's enabled units get a preset and the links
// their [Install] sections ask for, as QM sees them.
func TestEnabledUnits(t *testing.T) {
	c, err := compose(t, rootfs.Options{Dropins: []string{"text2speech", "wayland"}}, rootfs.Facts{}, nil)
	require.NoError(t, err)
	links := map[string]string{}
	files := map[string]string{}
	for _, p := range c.Packages {
		for _, f := range p.Files {
			if f.Kind == rpmspec.KindSymlink {
				links[f.Path] = f.Target
			}
			files[f.Path] = string(f.Body)
		}
	}
	require.Equal(t, map[string]string{
		"/etc/qm/systemd/system/multi-user.target.wants/text2speech.path":       "../text2speech.path",
		"/etc/qm/systemd/system/sockets.target.wants/qm-dbus.socket":            "/usr/lib/systemd/system/qm-dbus.socket",
		"/etc/qm/systemd/system/sockets.target.wants/wayland.socket":            "/usr/lib/systemd/system/wayland.socket",
		"/etc/qm/systemd/system/graphical.target.wants/wayland-session.service": "/usr/lib/systemd/system/wayland-session.service",
	}, links)
	require.Equal(t, "# From qm-wayland: the units it starts inside QM.\nenable qm-dbus.socket\nenable wayland.socket\nenable wayland-session.service\n",
		files["/usr/lib/qm/rootfs/usr/lib/systemd/system-preset/50-qm-wayland.preset"])
	require.Equal(t, "/etc", rootfs.QMView("/etc/qm"))
	require.Equal(t, "/usr/bin/x", rootfs.QMView("/usr/lib/qm/rootfs/usr/bin/x"))
	require.Equal(t, "/var/lib/x", rootfs.QMView("/var/qm/lib/x"))
	require.Equal(t, "/etc/passwd", rootfs.QMView("/etc/passwd"))
}

// TestNoGrantTwice: QM's container never gets one device, annotation,
// volume destination or capability twice, whoever asks for it.
func TestNoGrantTwice(t *testing.T) {
	const head = "summary: s\ndescription: d\n"
	for _, tc := range []struct {
		name string
		o    rootfs.Options
		user map[string]string
		want []string
	}{
		{"a node inside a granted directory", rootfs.Options{Dropins: []string{"input"}, Devices: []string{"/dev/input/event0"}},
			nil, []string{"AddDevice=-/dev/input (from qm-input, catalog/input.yaml) grants /dev/input, which AddDevice=-/dev/input/event0 (from the build options"}},
		{"a node a user drop-in grants too", rootfs.Options{Dropins: []string{"kvm"}},
			map[string]string{"tun": "name: tun\n" + head + "devices:\n  qm: [/dev/net/tun]\n"},
			[]string{"AddDevice=-/dev/net/tun (from qm-tun, user/tun.yaml) grants /dev/net/tun, which AddDevice=-/dev/net/tun (from qm-kvm, catalog/kvm.yaml at /etc/containers/systemd/qm.container.d/kvm.conf"}},
		{"a volume on QM's /etc", rootfs.Options{Volumes: []string{"/srv/etc:/etc"}}, nil, []string{"Volume: Volume=/srv/etc:/etc", "mounts on /etc"}},
		{"an annotation twice", rootfs.Options{Dropins: []string{"sound"}},
			map[string]string{"mine": "name: mine\n" + head + "annotations:\n  org.containers.qm.device.audio: \"true\"\n"},
			[]string{"Annotation: Annotation=org.containers.qm.device.audio=true", "sets org.containers.qm.device.audio"}},
		{"a user drop-in adding a capability to all", rootfs.Options{},
			map[string]string{"cap": "name: cap\n" + head + "files:\n  - path: /etc/containers/systemd/qm.container.d/cap.conf\n    mode: \"0644\"\n    content: \"[Container]\\nAddCapability=CAP_NET_ADMIN\\n\"\n"},
			[]string{"AddCapability: AddCapability=CAP_NET_ADMIN", "adds net_admin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compose(t, tc.o, rootfs.Facts{}, tc.user)
			requireBadInput(t, err, tc.want...)
		})
	}
	t.Run("a --device QM has already is not added twice", func(t *testing.T) {
		c, err := compose(t, rootfs.Options{Dropins: []string{"kvm"}, Devices: []string{"/dev/kvm", "-/dev/fuse", "/dev/null"}}, rootfs.Facts{}, nil)
		require.NoError(t, err)
		require.Contains(t, c.Notes, "--device /dev/kvm: QM has it already (qm-kvm); not added twice")
		require.Contains(t, c.Notes, "--device /dev/fuse: QM has it already (qm.container); not added twice")
		for _, tf := range c.Tree {
			if strings.HasSuffix(tf.Path, "50-qm-build-options.conf") {
				require.Contains(t, string(tf.Body), "AddDevice=-/dev/null\n")
				require.NotContains(t, string(tf.Body), "/dev/kvm")
				require.NotContains(t, string(tf.Body), "/dev/fuse")
			}
		}
	})
	t.Run("legacy drop-ins that overlap need each other instead", func(t *testing.T) {
		c, err := compose(t, rootfs.Options{Dropins: []string{"windowmanager", "tty7", "input", "wayland"}}, rootfs.Facts{}, nil)
		require.NoError(t, err)
		require.NotNil(t, c.Package("qm-windowmanager"))
	})
}

// TestImages: references are fully qualified, keys known, one word;
// --allow-short-names lets short names through; a nested quadlet a drop-in
// writes is held to the same rule.
func TestImages(t *testing.T) {
	const head = "summary: s\ndescription: d\n"
	literal := func(image string) map[string]string {
		return map[string]string{"lit": "name: lit\n" + head + "files:\n  - path: /etc/qm/containers/systemd/lit.container\n    mode: \"0644\"\n    content: \"[Container]\\nImage=" + image + "\\n\"\n"}
	}
	for _, tc := range []struct {
		name string
		o    rootfs.Options
		user map[string]string
		want []string // nil: accepted
	}{
		{"a fully qualified override", rootfs.Options{Dropins: []string{"kvm"}, Images: map[string]string{"kvm": "registry.example.com:5000/vm/kvm@sha256:" + strings.Repeat("a", 64)}}, nil, nil},
		{"a short name", rootfs.Options{Images: map[string]string{"kvm": "qm-images/kvm:latest"}}, nil,
			[]string{`--image kvm: "qm-images/kvm:latest" is a short name`, "or allow short names (--allow-short-names)"}},
		{"a short name allowed", rootfs.Options{Images: map[string]string{"kvm": "qm-images/kvm:latest"}, AllowShortNames: true}, nil, nil},
		{"no tag", rootfs.Options{Images: map[string]string{"ros2": "quay.io/fedora-sig-robotics/ros2"}}, nil, []string{"names no tag or digest"}},
		{"an unknown key", rootfs.Options{Images: map[string]string{"teleport": "quay.io/a/b:1"}}, nil, []string{`--image teleport: unknown image key "teleport"; known keys: audio, kvm,`}},
		{"a newline", rootfs.Options{Images: map[string]string{"kvm": "quay.io/a/b:1\nPodmanArgs=--privileged"}, AllowShortNames: true}, nil,
			[]string{"has a line break (U+000A); a value must be one line of printable text"}},
		{"a literal short image in a drop-in's quadlet", rootfs.Options{}, literal("fedora"), []string{"user/lit.yaml:", "/etc/qm/containers/systemd/lit.container:2: Image", `"fedora" is a short name`}},
		{"allowed", rootfs.Options{AllowShortNames: true}, literal("fedora"), nil},
		{"another quadlet unit", rootfs.Options{}, literal("mine.image"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compose(t, tc.o, rootfs.Facts{}, tc.user)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			requireBadInput(t, err, tc.want...)
		})
	}
	t.Run("every catalog image is fully qualified", func(t *testing.T) {
		cat, err := rpmspec.Builtin()
		require.NoError(t, err)
		for _, d := range cat.All() {
			for k, ref := range d.Images {
				require.NoError(t, rpmspec.CheckImageRef(ref, false), "%s: %s", d.Name, k)
			}
		}
	})
}

// TestAnnotationsMustBeKnown: an annotation the hooks do not act on, or a
// value that grants nothing, is refused with the file and line.
func TestAnnotationsMustBeKnown(t *testing.T) {
	const head = "summary: s\ndescription: d\n"
	_, err := plan(t, rootfs.Options{}, map[string]string{
		"a": "name: a\n" + head + "annotations:\n  org.containers.qm.device.mem: \"true\"\n",
		"b": "name: b\n" + head + "annotations:\n  org.containers.qm.device.audio: \"yes\"\n",
	})
	requireBadInput(t, err,
		`user/a.yaml:5: annotations.org.containers.qm.device.mem: not an annotation QM's OCI hooks act on; known: org.containers.qm.device.audio,`,
		`user/b.yaml:5: annotations.org.containers.qm.device.audio: value "yes" grants nothing; QM's hooks act on "true"`)
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
