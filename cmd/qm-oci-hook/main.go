// Command qm-oci-hook is the program of qm-oci-hooks: a precreate OCI hook
// that podman runs, as the hooks.d configurations of the package say, when a
// container carries one of QM's device annotations. It reads the container's
// runtime configuration on stdin, adds the devices the annotations grant
// (rootfs/ocihooks.Precreate) and prints the configuration on stdout.
//
//	qm-oci-hook [--host-root DIR] device|wayland-seat|wayland-client
//
// The argument says which annotations this run handles, so that a container
// with several kinds runs each hook once for its own. --host-root reads the
// devices under another root than / (a chroot, or a test's fake /dev).
// Exit status: 0 with the configuration printed, 1 when the configuration
// cannot be read (podman then refuses to create the container), 2 on a usage
// error.
package main

import (
	"fmt"
	"github.com/qm-build/qm-build/cmd/internal/crash"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
)

func main() {
	defer crash.Guard("qm-oci-hook", os.Stderr, os.Exit)
	crash.Hook()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("qm-oci-hook", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("host-root", "/", "root directory whose /dev holds the host's devices")
	var names []string
	for _, h := range ocihooks.PrecreateHooks() {
		names = append(names, h.Arg)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: qm-oci-hook [--host-root DIR] %s\n", strings.Join(names, "|"))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "qm-oci-hook: %v\n", err)
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	hook, ok := ocihooks.LookupPrecreateHook(fs.Arg(0))
	if !ok {
		fmt.Fprintf(stderr, "qm-oci-hook: unknown hook %q; known: %s\n", fs.Arg(0), strings.Join(names, ", "))
		return 2
	}
	res, err := ocihooks.Precreate(stdin, ocihooks.DirHost(*root), hook)
	if err != nil {
		fmt.Fprintf(stderr, "qm-oci-hook %s: %v\n", hook.Arg, err)
		return 1
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "qm-oci-hook %s: %s\n", hook.Arg, n)
	}
	for _, d := range res.Added {
		fmt.Fprintf(stderr, "qm-oci-hook %s: added %s (%s %d:%d)\n", hook.Arg, d.Path, d.Type, d.Major, d.Minor)
	}
	if _, err := stdout.Write(append(res.Config, '\n')); err != nil {
		fmt.Fprintf(stderr, "qm-oci-hook %s: writing the configuration: %v\n", hook.Arg, err)
		return 1
	}
	return 0
}
